"""``python -m pitfalls.lsp``: the language server without the ``pitfalls`` command."""

from __future__ import annotations

import sys

from pitfalls.lsp.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
