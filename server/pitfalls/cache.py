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

Beside the results, ``<tool>.catalogue.json`` keeps the rule codes, slugs and links, so a
run that finds everything in the cache never imports the rules.
"""

from __future__ import annotations

import hashlib
import json
import os
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
CACHE_FORMAT = 2
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
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        try:
            status = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


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


class ResultsCache:
    """The cached findings of one settings fingerprint. Entries are
    ``[digest, signature or None, findings, tree stamp or None]``."""

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
        if stamp is not None and stamp != stamp_of(path):
            return None
        return findings

    def put(
        self,
        path: Path,
        digest: str,
        signature: Signature | None,
        findings: list[dict[str, Any]],
        tree_stamp: str | None,
    ) -> None:
        """Keep a file's findings; ``tree_stamp`` when they depend on other files too."""
        self.entries[str(path)] = [digest, signature, findings, tree_stamp]
        self.changed = True

    def save(self) -> None:
        if self.changed:
            _write_atomically(self.path, self.entries)
