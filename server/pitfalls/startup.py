"""What ``python -m pitfalls`` and ``python -m pitfalls.lsp`` do before importing anything.

``python -m`` (like ``-c``) puts the working directory first on ``sys.path``. Started in a
project, the tool would then import the project's ``ast.py``, ``json.py`` or ``jedi.py``
in place of the real modules, and so run the code it is meant only to read. The
``pitfalls`` entry point script and ``python -P`` do not have this problem.
"""

from __future__ import annotations

import os
import sys


def forget_working_directory() -> None:
    """Take the working directory off the front of ``sys.path`` where ``-m`` put it."""
    if getattr(sys.flags, "safe_path", False) or not sys.path:
        return
    first = sys.path[0]
    if first == "" or os.path.abspath(first) == os.getcwd():
        del sys.path[0]
