"""The results cache: findings per file, keyed by content, configuration and version.

One JSON file per (tool version, settings fingerprint) under ``.pitfalls_cache/``, mapping
each file's absolute path to the hash of its bytes and its findings. A second run over an
unchanged tree reads, hashes and reports, without parsing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from pitfalls import __version__

CACHE_DIRECTORY_NAME = ".pitfalls_cache"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def tree_stamp(paths: list[Path]) -> str:
    """Names, sizes and modification times of a project's files: what findings inferred
    across modules depend on, cheap to recompute on every run."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """The tool's own modules (names, sizes, mtimes): a rule edited in a development checkout
    invalidates the cache even before the version number changes."""
    package = Path(__file__).resolve().parent
    parts = []
    for module in sorted(package.rglob("*.py")):
        stat = module.stat()
        parts.append(f"{module.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


class ResultsCache:
    def __init__(self, directory: Path, settings_fingerprint: str) -> None:
        key = hashlib.blake2b(
            f"{__version__}\0{_code_fingerprint()}\0{settings_fingerprint}".encode(), digest_size=8
        ).hexdigest()
        self.path = directory / __version__ / f"{key}.json"
        self.entries: dict[str, list[Any]] = {}
        self.changed = False
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, ValueError):
            pass

    def get(self, path: Path, digest: str, stamp_of: Callable[[Path], str]) -> list[dict[str, Any]] | None:
        """The cached findings of a file with this content; an entry whose findings came
        from cross-module inference also needs its project's files unchanged
        (``stamp_of(path)``, computed only for such entries)."""
        entry = self.entries.get(str(path))
        if entry is None or entry[0] != digest:
            return None
        if len(entry) > 2 and entry[2] is not None and entry[2] != stamp_of(path):
            return None
        return entry[1]

    def put(self, path: Path, digest: str, findings: list[dict[str, Any]], tree_stamp: str | None) -> None:
        """Keep a file's findings; ``tree_stamp`` when they depend on other files too."""
        self.entries[str(path)] = [digest, findings, tree_stamp]
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Automatically created by pitfalls.\n*\n", encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(self.entries, stream, separators=(",", ":"))
            os.replace(temporary, self.path)
        except OSError:
            # A read-only checkout still gets its results; only the next run is slower.
            pass
