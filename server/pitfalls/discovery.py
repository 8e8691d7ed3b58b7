"""Finding the files to check: directories walked, ``.gitignore`` and ``exclude`` honoured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from pitfalls.config import Settings

PYTHON_SUFFIXES = (".py", ".pyw")


@dataclass
class _Ignore:
    base: Path
    spec: pathspec.PathSpec


def _load_gitignore(directory: Path) -> _Ignore | None:
    path = directory / ".gitignore"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return _Ignore(directory, pathspec.GitIgnoreSpec.from_lines(lines))


def _ignored(path: Path, is_dir: bool, ignores: list[_Ignore]) -> bool:
    result = False
    for ignore in ignores:
        try:
            relative = path.relative_to(ignore.base).as_posix()
        except ValueError:
            continue
        if is_dir:
            relative += "/"
        # Later (deeper) files override earlier ones, as git does.
        outcome = ignore.spec.check_file(relative).include
        if outcome is not None:
            result = outcome
    return result


def _git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def discover(paths: list[Path], settings_for: callable, respect_gitignore: bool = True) -> Iterator[Path]:  # type: ignore[valid-type]
    """Yield the Python files under ``paths``, each once, in a stable order.

    Files named explicitly are always checked; files found by walking are checked when
    they end in ``.py`` and neither ``exclude`` nor a ``.gitignore`` rules them out.
    ``settings_for(directory)`` gives the settings in force for a directory.
    """
    seen: set[Path] = set()
    for given in paths:
        path = given.resolve()
        if not path.is_dir():
            if path not in seen:
                seen.add(path)
                yield path
            continue
        ignores: list[_Ignore] = []
        if respect_gitignore:
            root = _git_root(path)
            chain = (
                [] if root is None else [d for d in (path, *path.parents) if d == root or root in d.parents]
            )
            for directory in reversed(chain):
                if directory == path:
                    continue
                loaded = _load_gitignore(directory)
                if loaded is not None:
                    ignores.append(loaded)
        yield from _walk(path, ignores, settings_for, seen, respect_gitignore)


def _walk(
    top: Path,
    inherited: list[_Ignore],
    settings_for: callable,  # type: ignore[valid-type]
    seen: set[Path],
    respect_gitignore: bool,
) -> Iterator[Path]:
    stack: list[tuple[Path, list[_Ignore]]] = [(top, inherited)]
    while stack:
        directory, ignores = stack.pop()
        if respect_gitignore:
            own = _load_gitignore(directory)
            if own is not None:
                ignores = [*ignores, own]
        settings: Settings = settings_for(directory)
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            continue
        subdirectories: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if settings.is_excluded(path) or (ignores and _ignored(path, is_dir, ignores)):
                continue
            if is_dir:
                if not entry.is_symlink():
                    subdirectories.append(path)
            elif entry.name.endswith(PYTHON_SUFFIXES) and path not in seen:
                seen.add(path)
                yield path
        stack.extend((subdirectory, ignores) for subdirectory in reversed(subdirectories))
