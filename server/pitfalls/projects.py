"""Where a checked file's project begins: the tree cross-module inference reads."""

from __future__ import annotations

from pathlib import Path

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def project_root(path: Path) -> Path:
    """The project's top directory: the nearest with a project marker, else the directory
    above the outermost package that holds the file."""
    for directory in path.parents:
        if any((directory / marker).exists() for marker in PROJECT_MARKERS):
            return directory
    directory = path.parent
    while (directory / "__init__.py").exists() and directory.parent != directory:
        directory = directory.parent
    return directory
