"""Applying fixes: to text, over several rounds, the way ``ruff --fix`` does."""

from __future__ import annotations

from pathlib import Path

from pitfalls.analysis import analyze_source
from pitfalls.config import Settings
from pitfalls.model import Applicability, Finding, Fix
from pitfalls.source import SourceFile, apply_edits

MAX_ROUNDS = 10


def fix_edits_as_offsets(source: SourceFile, fix: Fix) -> list[tuple[int, int, str]]:
    return [
        (source.offset(edit.range.start), source.offset(edit.range.end), edit.content) for edit in fix.edits
    ]


def apply_fix_set(text: str, findings: list[Finding]) -> tuple[str, int]:
    """Apply the fixes of ``findings`` that do not overlap an earlier one; return the
    new text and how many fixes went in."""
    source = SourceFile(text)
    taken: list[tuple[int, int, str]] = []
    spans: list[tuple[int, int]] = []
    applied = 0
    for finding in sorted(findings, key=lambda item: (item.range.start, item.code)):
        if finding.fix is None:
            continue
        edits = fix_edits_as_offsets(source, finding.fix)
        if any(_conflicts(start, end, span) for start, end, _ in edits for span in spans):
            continue
        taken.extend(edits)
        spans.extend((start, end) for start, end, _ in edits)
        applied += 1
    if not applied:
        return text, 0
    return apply_edits(text, taken), applied


def _conflicts(start: int, end: int, span: tuple[int, int]) -> bool:
    other_start, other_end = span
    if start == end or other_start == other_end:
        # Two insertions at one point would interleave; an insertion inside a replaced span too.
        return (
            other_start < start < other_end
            or start < other_start < end
            or (start == other_start and start == end and other_start == other_end)
        )
    return start < other_end and other_start < end


def wanted(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (unsafe or finding.fix.applicability is Applicability.SAFE)


def apply_fixes(
    text: str,
    *,
    path: str | Path | None = None,
    settings: Settings | None = None,
    unsafe: bool = False,
    only: Finding | None = None,
    infer_types: bool = True,
) -> tuple[str, int]:
    """Fix ``text`` until no fixable finding is left (or ``MAX_ROUNDS``); with ``only``,
    apply that one finding's fix and nothing else. Returns the text and the fix count."""
    if only is not None:
        return apply_fix_set(text, [only])
    total = 0
    for _ in range(MAX_ROUNDS):
        findings = [
            f
            for f in analyze_source(text, path=path, settings=settings, infer_types=infer_types).findings
            if wanted(f, unsafe)
        ]
        if not findings:
            break
        text, applied = apply_fix_set(text, findings)
        if not applied:
            break
        total += applied
    return text, total
