"""Realistic service code of a given size, built from the repository's own fixtures and examples.

Every rule's fixtures are service code (Flask, FastAPI, Django, SQLAlchemy, asyncpg, ...) with
both findings and look-alikes that must stay silent, so concatenating them gives a file whose
mix of imports, calls, loops and handlers is the one the rules are written for. New fixtures
and examples are picked up automatically, so the numbers follow the rule catalogue as it grows.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "tests" / "fixtures", ROOT / "examples")
_FUTURE = "from __future__ import annotations"


def source_modules() -> list[tuple[Path, str]]:
    """Every parseable ``.py`` file under the fixtures and examples, in a stable order."""
    modules: list[tuple[Path, str]] = []
    for base in SOURCES:
        for path in sorted(base.rglob("*.py")):
            try:
                text = path.read_text(encoding="utf-8")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ast.parse(text)
            except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
                continue  # PF000's fixtures are broken on purpose
            modules.append((path, text))
    return modules


def build(lines: int, modules: list[tuple[Path, str]] | None = None) -> str:
    """A module of at least ``lines`` lines: whole source files appended in turn.

    ``from __future__`` imports move to the top, where Python requires them; everything else
    stays as written, so later definitions shadow earlier ones as they would in a real file.
    """
    modules = modules if modules is not None else source_modules()
    if not modules:
        raise SystemExit("no fixtures or examples to build a corpus from")
    pieces = [_FUTURE]
    count = 1
    index = 0
    while count < lines:
        path, text = modules[index % len(modules)]
        body = "\n".join(line for line in text.splitlines() if line.strip() != _FUTURE)
        pieces.append(f"# --- {path.relative_to(ROOT)} (copy {index // len(modules) + 1})\n{body}")
        count += body.count("\n") + 2
        index += 1
    return "\n".join(pieces) + "\n"
