"""Typing through a syntax error: the last good findings, carried to the current text.

While a file does not parse, only PF000 can be computed. Dropping every other finding on
the keystroke that breaks the file, and bringing them back on the one that mends it,
makes the editor flicker at each keystroke. Instead, the findings of the last text that
parsed move to where their lines are now: the lines of the two texts are matched, a
finding whose lines all survive unchanged (and stay together) moves with them, and one
whose lines were edited is dropped. Its fix and related places move the same way, or
are dropped when their lines did not survive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from difflib import SequenceMatcher

from pitfalls.model import Edit, Finding, Position, Range
from pitfalls.source import SourceFile

MAX_MATCHED_CELLS = 4_000_000
"""Above this many (old line, new line) pairs in the edited middle, its lines are not
matched (the quadratic worst case of the matcher); findings there are dropped."""


class LineMap:
    """Where each unchanged line of an old text is in a new one."""

    def __init__(self, old_text: str, new_text: str) -> None:
        old = SourceFile(old_text).lines
        new = SourceFile(new_text).lines
        limit = min(len(old), len(new))
        prefix = _longest(lambda size: old[:size] == new[:size], limit)
        suffix = _longest(lambda size: old[len(old) - size :] == new[len(new) - size :], limit - prefix)
        self._prefix = prefix
        self._old_suffix_start = len(old) - suffix
        self._shift = len(new) - len(old)
        self._middle: dict[int, int] = {}
        old_middle = old[prefix : len(old) - suffix]
        new_middle = new[prefix : len(new) - suffix]
        if old_middle and new_middle and len(old_middle) * len(new_middle) <= MAX_MATCHED_CELLS:
            matcher = SequenceMatcher(None, old_middle, new_middle, autojunk=False)
            for block in matcher.get_matching_blocks():
                for offset in range(block.size):
                    self._middle[prefix + block.a + offset] = prefix + block.b + offset

    def unmoved(self, finding: Finding) -> bool:
        """Whether the finding's lines, its fix's and its related places' are all unchanged
        and where they were: before the edit, or after it when it kept the line count."""
        ranges = [finding.range, *(place.range for place in finding.related)]
        if finding.fix is not None:
            ranges.extend(edit.range for edit in finding.fix.edits)
        if max(range_.end.line for range_ in ranges) < self._prefix:
            return True
        return not self._shift and min(range_.start.line for range_ in ranges) >= self._old_suffix_start

    def line(self, old_line: int) -> int | None:
        if old_line < self._prefix:
            return old_line
        if old_line >= self._old_suffix_start:
            return old_line + self._shift
        return self._middle.get(old_line)

    def range(self, range_: Range) -> Range | None:
        """The range in the new text, when all its lines survived together."""
        start = self.line(range_.start.line)
        if start is None:
            return None
        for line in range(range_.start.line + 1, range_.end.line + 1):
            if self.line(line) != start + (line - range_.start.line):
                return None
        shift = start - range_.start.line
        return Range(
            Position(range_.start.line + shift, range_.start.column),
            Position(range_.end.line + shift, range_.end.column),
        )


def _longest(holds: Callable[[int], bool], limit: int) -> int:
    """The largest size up to ``limit`` for which ``holds`` (true up to it, false after),
    by bisection: each test compares whole slices in C instead of line by line here."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def carry_over(old_text: str, findings: Iterable[Finding], new_text: str) -> list[Finding]:
    """The findings of ``old_text`` that still stand, placed in ``new_text``."""
    findings = list(findings)
    if not findings:
        return []
    lines = LineMap(old_text, new_text)
    carried: list[Finding] = []
    for finding in findings:
        range_ = lines.range(finding.range)
        if range_ is None:
            continue
        if lines.unmoved(finding):
            carried.append(finding)  # the same object: the server sends it as it did
            continue
        fix = finding.fix
        if fix is not None:
            edits = [lines.range(edit.range) for edit in fix.edits]
            if all(edit is not None for edit in edits):
                fix = replace(
                    fix,
                    edits=tuple(
                        Edit(moved, edit.content)
                        for moved, edit in zip(edits, fix.edits, strict=True)
                        if moved
                    ),
                )
            else:
                fix = None
        related = []
        for place in finding.related:
            moved = lines.range(place.range)
            if moved is not None:
                related.append(replace(place, range=moved))
        carried.append(replace(finding, range=range_, fix=fix, related=tuple(related)))
    return carried
