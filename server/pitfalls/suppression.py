"""Suppression comments: ``# noqa``, ``# noqa: PF001``, ``# pitfalls: ignore[PF001,PF003]``
on a finding's first line, and ``# pitfalls: ignore-file`` on a line of its own."""

from __future__ import annotations

import re

from pitfalls.model import Finding
from pitfalls.source import SourceFile

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*pitfalls:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_IGNORE_FILE = re.compile(r"^\s*#\s*pitfalls:\s*ignore-file\b", re.IGNORECASE | re.MULTILINE)
_CODE_SPLIT = re.compile(r"[\s,]+")
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
    for match in _IGNORE.finditer(line):
        codes.update(code.upper() for code in _CODE_SPLIT.split(match.group("codes")) if code)
    return frozenset(codes)


def is_suppressed(finding: Finding, source: SourceFile) -> bool:
    if finding.code == "PF000":
        return False
    codes = suppressed_codes(source.line(finding.range.start.line))
    return codes is ALL or finding.code in codes
