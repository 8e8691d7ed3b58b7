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
from functools import lru_cache
from pathlib import Path
from typing import Any

from pitfalls import __version__

CACHE_DIRECTORY_NAME = ".pitfalls_cache"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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

    def get(self, path: Path, digest: str) -> list[dict[str, Any]] | None:
        entry = self.entries.get(str(path))
        if entry is not None and entry[0] == digest:
            return entry[1]
        return None

    def put(self, path: Path, digest: str, findings: list[dict[str, Any]]) -> None:
        self.entries[str(path)] = [digest, findings]
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
