"""What checking one file takes and gives: the options in, the outcome out.

Kept apart from the analysis (``pitfalls.workers``) so that the command line can build
outcomes from the cache without importing the engine or the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class CheckOptions:
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False


@dataclass
class FileOutcome:
    path: Path
    findings: list[dict[str, Any]]
    failures: list[tuple[str, str]] = field(default_factory=list)
    fixed: int = 0
    diff: str = ""
    digest: str | None = None
    signature: list[int] | None = None
    """Size and times of the file as read, when recent writes cannot hide behind them."""
    cacheable: bool = True
    depends_on_other_files: bool = False
    files_read: tuple[str, ...] | None = None
    """With ``depends_on_other_files``, the other files inference read; None: unknown."""
