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
