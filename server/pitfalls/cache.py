"""The results cache: findings per file, keyed by content, configuration and tool.

One JSON file per (tool, settings fingerprint) under ``.pitfalls_cache/<version>/``, where
the tool is its version, its own source files and the Python running it. The file maps
each checked file's absolute path to the hash of its bytes, the status it had when they
were read, and its findings. It is read once per run, before any checked file is opened.

A file whose size, modification time and status-change time are those recorded is taken
as unchanged without reading it, as Ruff and git do; any other file is read and hashed,
and is analysed again only if its bytes changed (a touched file is not). The status-change
time is what makes the shortcut safe: unlike the modification time, no program can set it
back, so copying a file over another, ``touch -d`` or an editor that restores the old time
all still lead to a hash. A status is recorded only when it was already
``RACY_SECONDS`` old at the read, because a write in the same clock tick as the read (file
systems with coarse timestamps) would leave the status as it was; such a file is hashed
again next time, and its status recorded then.

Findings that cross-module inference worked out depend on other files too. Their entry
records which: the modules jedi loaded, with sizes and modification times, and the module
names in those modules' folders and the project's top folder (a new module there may be
what an import now finds). An edit anywhere else in the project keeps the entry. Should
jedi not say what it loaded, the entry depends on every file of the project instead.

Beside the results, ``<tool>.catalogue.json`` keeps the rule codes, slugs and links, so a
run that finds everything in the cache never imports the rules.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from pitfalls import __version__
from pitfalls.catalogue import Catalogue
from pitfalls.files import read_regular_file

CACHE_DIRECTORY_NAME = ".pitfalls_cache"
CACHE_FORMAT = 3
RACY_SECONDS = 2.0
"""How old a file's times must be, when it is read, for them to stand for its contents.
FAT has two-second modification times; ext4, APFS and NTFS much finer ones."""

Signature = list[int]
"""A file's size, modification time and status-change time in nanoseconds."""


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def signature_of(status: os.stat_result) -> Signature:
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def trusted_signature(status: os.stat_result, read_at_ns: int) -> Signature | None:
    """The file's signature if it may later stand for the bytes read at ``read_at_ns``
    (a ``time.time_ns()`` taken before the read); None while its times are too recent."""
    newest = max(status.st_mtime_ns, status.st_ctime_ns)
    if newest > read_at_ns - int(RACY_SECONDS * 1e9):
        return None
    return signature_of(status)


def tree_stamp(paths: list[Path]) -> str:
    """Names, sizes and modification times of a project's files: what findings inferred
    across modules depend on, cheap to recompute on every run."""
    return paths_stamp(sorted(map(str, paths)))  # sorting and statting text, not Path objects


def dependency_paths(files_read: tuple[str, ...], path: Path, root: Path) -> list[str]:
    """What findings inferred for ``path`` depend on, when inference says which files it
    read: those files, and the folders that hold them and ``path``, and the project's top
    folder, for the modules they hold (a new module there may be what an import now
    finds)."""
    folders = {os.path.dirname(name) for name in files_read}
    folders.update((os.path.dirname(path), str(root)))
    return sorted({*files_read, *folders})


def paths_stamp(paths: list[str]) -> str:
    """Sizes and modification times of the files among ``paths``, the module and package
    names in the folders among them, and which ones are missing."""
    digest = hashlib.blake2b(digest_size=16)
    for name in paths:
        try:
            status = os.stat(name)
        except OSError:
            digest.update(f"{name}\0-\n".encode())
            continue
        if stat.S_ISDIR(status.st_mode):
            digest.update(f"{name}/\0{','.join(_module_names(name))}\n".encode())
        else:
            digest.update(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _module_names(folder: str) -> list[str]:
    """What an import could find in ``folder``: its modules and the folders that could be
    packages. Not its modification time, which every file an editor saves or a test run
    leaves there changes."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                entry.name
                for entry in entries
                if entry.name.endswith(_MODULE_SUFFIXES)
                or (entry.name.isidentifier() and entry.name != "__pycache__" and entry.is_dir())
            )
    except OSError:
        return []


_MODULE_SUFFIXES = (".py", ".pyi")


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """The tool's own modules (names, sizes, mtimes): a rule edited in a development checkout
    invalidates the cache even before the version number changes."""
    package = Path(__file__).resolve().parent
    parts = []
    for directory, subdirectories, names in os.walk(package):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                module = Path(directory, name)
                status = module.stat()
                parts.append(
                    f"{module.relative_to(package).as_posix()}:{status.st_size}:{status.st_mtime_ns}"
                )
    return hashlib.blake2b("\n".join(sorted(parts)).encode(), digest_size=8).hexdigest()


def _interpreter() -> str:
    """The Python whose parser and standard library the findings came from."""
    return f"{sys.implementation.name} {sys.version}"


@lru_cache(maxsize=1)
def tool_key() -> str:
    """What the results depend on besides the checked files and the settings: the format of
    this cache, the version and source files of pitfalls, and the Python that parses."""
    text = f"{CACHE_FORMAT}\0{__version__}\0{_code_fingerprint()}\0{_interpreter()}"
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _version_directory(directory: Path) -> Path:
    return directory / __version__


def _write_atomically(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON; a read-only checkout is silently left alone
    (it still gets its results; only the next run is slower)."""
    import tempfile  # only a run that analysed something writes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        gitignore = path.parent.parent / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# Automatically created by pitfalls.\n*\n", encoding="utf-8")
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, separators=(",", ":"))
        os.replace(temporary, path)
    except OSError:
        pass


def _read_json(path: Path) -> Any:
    try:
        with open(path, "rb") as stream:
            return json.loads(stream.read())
    except (OSError, ValueError):
        return None


def load_catalogue(directory: Path) -> Catalogue | None:
    """The rule catalogue a run of this same tool saved, if any."""
    return Catalogue.from_json(_read_json(_version_directory(directory) / f"{tool_key()}.catalogue.json"))


def save_catalogue(directory: Path, catalogue: Catalogue) -> None:
    _write_atomically(_version_directory(directory) / f"{tool_key()}.catalogue.json", catalogue.to_json())


Stamp = str | list[Any]
"""What a cached entry inferred across modules depends on: ``[paths, stamp]``, the files
and folders it read and their ``paths_stamp``, or, when inference did not say what it
read, the ``tree_stamp`` of the whole project."""


class ResultsCache:
    """The cached findings of one settings fingerprint. Entries are
    ``[digest, signature or None, findings, stamp or None]`` (see ``Stamp``)."""

    def __init__(self, directory: Path, settings_fingerprint: str) -> None:
        key = hashlib.blake2b(f"{tool_key()}\0{settings_fingerprint}".encode(), digest_size=8).hexdigest()
        self.path = _version_directory(directory) / f"{key}.json"
        loaded = _read_json(self.path)
        self.entries: dict[str, list[Any]] = loaded if isinstance(loaded, dict) else {}
        self.changed = False

    def get(self, path: Path, stamp_of: Callable[[Path], str]) -> list[dict[str, Any]] | None:
        """The cached findings of a file that has not changed since they were found; an entry
        whose findings came from cross-module inference also needs its project's files
        unchanged (``stamp_of(path)``, computed only for such entries). A file that is
        hashed and found unchanged gets its new signature recorded."""
        key = str(path)
        entry = self.entries.get(key)
        if not isinstance(entry, list) or len(entry) != 4:
            return None
        digest, signature, findings, stamp = entry
        try:
            status = os.stat(path)
        except OSError:
            return None
        if signature is None or signature != signature_of(status):
            read_at = time.time_ns()
            try:
                status, data = read_regular_file(path)
            except OSError:
                return None
            if content_hash(data) != digest:
                return None
            fresh = trusted_signature(status, read_at)
            if fresh != signature:
                self.entries[key] = [digest, fresh, findings, stamp]
                self.changed = True
        if isinstance(stamp, list):
            paths, recorded = stamp
            if paths_stamp(paths) != recorded:
                return None
        elif stamp is not None and stamp != stamp_of(path):
            return None
        return findings

    def put(
        self,
        path: Path,
        digest: str,
        signature: Signature | None,
        findings: list[dict[str, Any]],
        stamp: Stamp | None,
    ) -> None:
        """Keep a file's findings; ``stamp`` when they depend on other files too."""
        self.entries[str(path)] = [digest, signature, findings, stamp]
        self.changed = True

    def save(self) -> None:
        if self.changed:
            _write_atomically(self.path, self.entries)
