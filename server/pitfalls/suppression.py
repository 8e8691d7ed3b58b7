"""Suppression comments: ``# noqa``, ``# noqa: PF001``, ``# pitfalls: ignore[PF001,PF003]``
on a finding's first line, and ``# pitfalls: ignore-file`` on a line of its own.

A line that silences another linter's version of the same check (``# noqa: B006``,
``# pylint: disable=bare-except``, ``# nosec B602``) silences the rule too: its author has
already looked at that line and chosen to keep it (``Rule.suppressed_by``)."""

from __future__ import annotations

import re

from pitfalls.model import Finding
from pitfalls.rules import RULES
from pitfalls.source import SourceFile

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*pitfalls:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_IGNORE_FILE = re.compile(r"^\s*#\s*pitfalls:\s*ignore-file\b", re.IGNORECASE | re.MULTILINE)
_PYLINT_DISABLE = re.compile(
    r"#\s*pylint:\s*disable\s*=\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*)", re.IGNORECASE
)
_NOSEC = re.compile(r"#\s*nosec:?\s*(?P<codes>B[0-9]+(?:[\s,]+B[0-9]+)*)", re.IGNORECASE)
_CODE_SPLIT = re.compile(r"[\s,]+")
_SUPPRESSED_BY = {rule.code: frozenset(code.upper() for code in rule.suppressed_by) for rule in RULES}
ALL = frozenset(("*",))


def ignores_whole_file(source: SourceFile) -> bool:
    return "ignore-file" in source.text and _IGNORE_FILE.search(source.text) is not None


def suppressed_codes(line: str) -> frozenset[str]:
    """The codes a line's comments suppress; ``ALL`` for a bare ``# noqa``."""
    if "#" not in line:
        return frozenset()
    codes: set[str] = set()
    for match in _NOQA.finditer(line):
        listed = match.group("codes")
        if listed is None:
            return ALL
        codes.update(code.upper() for code in _CODE_SPLIT.split(listed) if code)
    for pattern in (_IGNORE, _PYLINT_DISABLE, _NOSEC):
        for match in pattern.finditer(line):
            codes.update(code.upper() for code in _CODE_SPLIT.split(match.group("codes")) if code)
    return frozenset(codes)


def is_suppressed(finding: Finding, source: SourceFile) -> bool:
    if finding.code == "PF000":
        return False
    codes = suppressed_codes(source.line(finding.range.start.line))
    if codes is ALL or finding.code in codes:
        return True
    others = _SUPPRESSED_BY.get(finding.code)
    return others is not None and not others.isdisjoint(codes)
