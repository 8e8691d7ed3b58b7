from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SNAPSHOTS = ROOT / "tests" / "snapshots"
UPDATE_SNAPSHOTS = os.environ.get("PITFALLS_UPDATE_SNAPSHOTS") == "1"

# Let the tests run from a checkout without installing (CI installs the package anyway).
if str(ROOT / "server") not in sys.path:
    sys.path.insert(0, str(ROOT / "server"))


def service_code(lines: int) -> str:
    """Every fixture and example concatenated to about ``lines`` lines: the engine
    benchmark's corpus (``benchmarks/corpus.py``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.build(lines)
    return text
