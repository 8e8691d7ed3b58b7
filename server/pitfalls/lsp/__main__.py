"""``python -m pitfalls.lsp``: the language server without the ``pitfalls`` command."""

import sys

from pitfalls.startup import forget_working_directory

forget_working_directory()

from pitfalls.lsp.cli import main  # noqa: E402 - only once the working directory is off sys.path

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
