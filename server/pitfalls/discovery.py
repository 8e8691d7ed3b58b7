"""Finding the files to check: directories walked, ``.gitignore`` and ``exclude`` honoured."""

from __future__ import annotations

import os
import re
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
    any_pattern: re.Pattern[str] | None
    """Matches every path some pattern of ``spec`` decides about (None: no such shortcut)."""

    def decides(self, relative: str) -> bool | None:
        """Whether ``relative`` is ignored, or None when no pattern is about it."""
        # Most paths match no pattern: one regex says so at once, where pathspec tries each
        # pattern in turn (a third of a warm run over a large project went there).
        if self.any_pattern is not None and self.any_pattern.match(relative) is None:
            return None
        return self.spec.check_file(relative).include


def _load_gitignore(directory: Path) -> _Ignore | None:
    path = directory / ".gitignore"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    # Imported here: a tree without a .gitignore, or a run with --no-gitignore, never needs it.
    import pathspec

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:  # a line git would not read as a pattern, such as a lone "!"
        spec = pathspec.GitIgnoreSpec.from_lines([line for line in lines if _is_pattern(line)])
    return _Ignore(directory, spec, _any_pattern(spec))


def _is_pattern(line: str) -> bool:
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


_DIRECTORY_MARK_GROUP = "(?P<ps_d>"
_IN_ANY_DIRECTORY = "^(?:.+/)?"


def _any_pattern(spec: pathspec.PathSpec) -> re.Pattern[str] | None:
    """One regex, used with ``match``, for "some pattern matches" (pathspec ``search``es
    with each): the patterns' own, without the named group pathspec uses to rank directory
    matches (two groups cannot share its name). None when a pattern does not have the
    shape this relies on."""
    alternatives: list[str] = []
    in_any_directory: list[str] = []
    for pattern in spec.patterns:
        regex = getattr(pattern, "regex", None)
        if getattr(pattern, "include", None) is None or regex is None:
            continue  # a no-op line (blank, comment): pathspec skips it too
        source = regex.pattern
        if not isinstance(source, str) or regex.flags & ~re.UNICODE:
            return None
        source = source.replace(_DIRECTORY_MARK_GROUP, "(?:")
        if "(?P" in source:
            return None
        if source.startswith(_IN_ANY_DIRECTORY):
            in_any_directory.append(f"(?:{source[len(_IN_ANY_DIRECTORY) :]})")
        elif source.startswith("^"):
            alternatives.append(f"(?:{source})")
        else:  # a search finds a match starting anywhere; a match from the start skips ahead
            alternatives.append(f"(?s:.*?)(?:{source})")
    if in_any_directory:
        # Most patterns are names that may sit in any directory: trying the directories once
        # for all of them, not once per pattern, is most of the saving.
        alternatives.append(f"{_IN_ANY_DIRECTORY}(?:{'|'.join(in_any_directory)})")
    if not alternatives:
        return re.compile("(?!)")  # nothing to match
    try:
        return re.compile("|".join(alternatives))
    except re.error:
        return None


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
        outcome = ignore.decides(relative)
        if outcome is not None:
            result = outcome
    return result


def _ignored_in(directory: Path, ignores: list[_Ignore]) -> Callable[[str, bool], bool]:
    """``_ignored`` for the entries of ``directory`` by name, each ``.gitignore``'s relative
    path to the directory worked out once."""
    levels: list[tuple[str, _Ignore]] = []
    for ignore in reversed(ignores):  # the deepest file that decides wins, as git does
        try:
            relative = directory.relative_to(ignore.base).as_posix()
        except ValueError:
            continue
        levels.append(("" if relative == "." else f"{relative}/", ignore))

    def ignored(name: str, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        for prefix, ignore in levels:
            outcome = ignore.decides(f"{prefix}{name}{suffix}")
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
        if str(resolved) == parent:
            return path  # already absolute and real: no second Path to build
        return resolved / name


def discover(
    paths: list[Path],
    settings_for: Callable[[Path], Settings],
    respect_gitignore: bool = True,
    missing: list[Path] | None = None,
) -> Iterator[Path]:
    """Yield the Python files under ``paths``, each once, in a stable order.

    Files named explicitly are always checked; files found by walking are checked when
    they end in ``.py`` and neither ``exclude`` nor a ``.gitignore`` rules them out.
    ``settings_for(directory)`` gives the settings in force for a directory. Given
    ``missing``, paths that do not exist go there instead of being yielded.
    """
    # Seen by their text: hashing a Path works out its parts, about as costly as the stat.
    seen: set[str] = set()
    resolver = _Resolver()
    for given in paths:
        try:
            status: os.stat_result | None = os.lstat(given)
        except OSError:
            status = None
            if missing is not None:
                missing.append(given)
                continue
        path = resolver.resolve(given, status)
        is_dir = status is not None and (
            stat.S_ISDIR(status.st_mode) if not stat.S_ISLNK(status.st_mode) else path.is_dir()
        )
        if not is_dir:
            text = str(path)
            if text not in seen:
                seen.add(text)
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
    seen: set[str],
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
            if entry.path not in seen:
                seen.add(entry.path)
                yield Path(entry.path)
        stack.extend((subdirectory, ignores) for subdirectory in reversed(subdirectories))
