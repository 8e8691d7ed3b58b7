"""Fixture files and snapshot expectations shared by the rule tests.

A fixture is realistic code under ``tests/fixtures/PFxxx/``. A line where the rule must
report ends with a comment ``# expect: PFxxx`` (several codes separated by commas); every
other line must stay silent for that rule. The snapshot under ``tests/snapshots/PFxxx/``
records each finding's position and message and the file after applying every fix of the
rule; ``PITFALLS_UPDATE_SNAPSHOTS=1 pytest`` rewrites the snapshots, and ``git diff``
shows what changed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pitfalls.analysis import analyze_source
from pitfalls.config import Settings
from pitfalls.fixes import apply_fixes
from pitfalls.model import Finding
from pitfalls.rules import RULES_BY_CODE

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>PF\d{3}(?:\s*,\s*PF\d{3})*)")


def expected_lines(text: str, code: str) -> list[int]:
    """0-based lines that carry an ``# expect:`` comment naming ``code``."""
    lines = []
    for index, line in enumerate(text.splitlines()):
        match = EXPECT.search(line)
        if match and code in {item.strip() for item in match.group("codes").split(",")}:
            lines.append(index)
    return lines


def findings_for(text: str, code: str, path: Path | None = None) -> list[Finding]:
    settings = Settings().overridden(select=[code])
    return analyze_source(text, path=path, settings=settings, infer_types=True).findings


def render_snapshot(text: str, code: str, path: Path) -> str:
    findings = findings_for(text, code, path)
    out = [f"# {code} on {path.name}: {len(findings)} finding(s)", ""]
    default_severity = RULES_BY_CODE[code].severity
    for finding in findings:
        start, end = finding.range.start, finding.range.end
        # A severity other than the rule's own is part of what the rule decided.
        severity = f" [{finding.severity.name.lower()}]" if finding.severity != default_severity else ""
        out.append(
            f"{start.line + 1}:{start.column + 1}-{end.line + 1}:{end.column + 1} {finding.code}{severity} "
            f"{finding.message}"
        )
        for related in finding.related:
            out.append(
                f"    related {related.range.start.line + 1}:{related.range.start.column + 1} {related.message}"
            )
        if finding.fix is not None:
            out.append(f"    fix ({finding.fix.applicability.value}): {finding.fix.message}")
    fixed, applied = apply_fixes(text, path=path, settings=Settings().overridden(select=[code]), unsafe=True)
    out += ["", f"# after applying {applied} fix(es), safe and unsafe", ""]
    out.append(fixed if fixed != text else "# (no change)")
    return "\n".join(out).rstrip("\n") + "\n"


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True
