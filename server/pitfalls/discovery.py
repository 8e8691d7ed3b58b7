"""Finding the files to check: directories walked, ``.gitignore`` and ``exclude`` honoured."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pitfalls.config import Settings

if TYPE_CHECKING:
    import pathspec

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
    # Imported here: a tree without a .gitignore, or a run with --no-gitignore, never needs it.
    import pathspec

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


def _ignored_in(directory: Path, ignores: list[_Ignore]) -> Callable[[str, bool], bool]:
    """``_ignored`` for the entries of ``directory`` by name, each ``.gitignore``'s relative
    path to the directory worked out once."""
    levels: list[tuple[str, pathspec.PathSpec]] = []
    for ignore in reversed(ignores):  # the deepest file that decides wins, as git does
        try:
            relative = directory.relative_to(ignore.base).as_posix()
        except ValueError:
            continue
        levels.append(("" if relative == "." else f"{relative}/", ignore.spec))

    def ignored(name: str, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        for prefix, spec in levels:
            outcome = spec.check_file(f"{prefix}{name}{suffix}").include
            if outcome is not None:
                return outcome
        return False

    return ignored


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


class _Resolver:
    """``Path.resolve`` for many files named on the command line: each directory is
    resolved once, and only a file that is itself a symbolic link on its own."""

    def __init__(self) -> None:
        self._directories: dict[str, Path] = {}

    def resolve(self, path: Path, status: os.stat_result | None) -> Path:
        name = path.name
        if status is None or stat.S_ISLNK(status.st_mode) or name in ("", ".", ".."):
            return path.resolve()
        parent = os.path.dirname(path)
        resolved = self._directories.get(parent)
        if resolved is None:
            resolved = self._directories[parent] = Path(parent).resolve()
        return resolved / name


def discover(
    paths: list[Path], settings_for: Callable[[Path], Settings], respect_gitignore: bool = True
) -> Iterator[Path]:
    """Yield the Python files under ``paths``, each once, in a stable order.

    Files named explicitly are always checked; files found by walking are checked when
    they end in ``.py`` and neither ``exclude`` nor a ``.gitignore`` rules them out.
    ``settings_for(directory)`` gives the settings in force for a directory.
    """
    seen: set[Path] = set()
    resolver = _Resolver()
    for given in paths:
        try:
            status: os.stat_result | None = os.lstat(given)
        except OSError:
            status = None
        path = resolver.resolve(given, status)
        is_dir = status is not None and (
            stat.S_ISDIR(status.st_mode) if not stat.S_ISLNK(status.st_mode) else path.is_dir()
        )
        if not is_dir:
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
    settings_for: Callable[[Path], Settings],
    seen: set[Path],
    respect_gitignore: bool,
) -> Iterator[Path]:
    stack: list[tuple[Path, list[_Ignore]]] = [(top, inherited)]
    while stack:
        directory, ignores = stack.pop()
        try:
            with os.scandir(directory) as scanned:
                entries = sorted(scanned, key=lambda entry: entry.name)
        except OSError:
            continue
        if respect_gitignore and any(entry.name == ".gitignore" for entry in entries):
            own = _load_gitignore(directory)
            if own is not None:
                ignores = [*ignores, own]
        candidates = [entry for entry in entries if entry.name.endswith(PYTHON_SUFFIXES) or _is_dir(entry)]
        if not candidates:
            continue
        settings = settings_for(directory)
        excluded = settings.excluded_in(directory)
        ignored = _ignored_in(directory, ignores) if ignores else None
        subdirectories: list[Path] = []
        for entry in candidates:
            name = entry.name
            try:
                is_dir = entry.is_dir()
                is_link = entry.is_symlink()
            except OSError:
                continue
            if not is_dir and not name.endswith(PYTHON_SUFFIXES):
                continue
            if is_link:
                # A link is excluded by where it points, as Path.resolve() sees it.
                path = Path(entry.path)
                if settings.is_excluded(path) or (ignores and _ignored(path, is_dir, ignores)):
                    continue
            elif excluded(name) or (ignored is not None and ignored(name, is_dir)):
                continue
            if is_dir:
                if not is_link:
                    subdirectories.append(Path(entry.path))
                continue
            path = Path(entry.path)
            if path not in seen:
                seen.add(path)
                yield path
        stack.extend((subdirectory, ignores) for subdirectory in reversed(subdirectories))
