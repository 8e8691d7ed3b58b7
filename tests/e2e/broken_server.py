"""The pitfalls language server with one deliberate bug, for test_neovim.py to catch.

Usage: python broken_server.py BREAKAGE [server flags]. The bug is patched in here, in the
test tree, so the product has no switch for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from pitfalls.cli import main
from pitfalls.lsp import positions, server


def count_code_points_everywhere() -> None:
    """Columns in code points whatever the client negotiated: the classic encoding bug."""
    positions.units_in = lambda text, encoding: len(text)


def read_edits_in_code_points() -> None:
    """Diagnostics right, but the editor's incremental edits applied at code point columns."""
    positions.column_from_units = lambda line, units, encoding: min(units, len(line))


def offer_no_quick_fixes() -> None:
    """Keep "Ignore" and "Open video", drop the actions that fix the code."""
    finding_actions = server._finding_actions

    def without_fixes(*args: Any) -> list[Any]:
        return [
            action
            for action in finding_actions(*args)
            if not (isinstance(action.data, dict) and action.data.get("action") == "fix")
        ]

    server._finding_actions = without_fixes


BREAKAGES: dict[str, Callable[[], None]] = {
    "code-point-columns": count_code_points_everywhere,
    "code-point-edits": read_edits_in_code_points,
    "no-quick-fixes": offer_no_quick_fixes,
}

if __name__ == "__main__":
    BREAKAGES[sys.argv[1]]()
    sys.exit(main(["server", *sys.argv[2:]]))
