"""Carrying the last good findings through edits that break the parse."""

from __future__ import annotations

from pitfalls.analysis import analyze_source
from pitfalls.fixes import apply_fixes
from pitfalls.lsp.stale import carry_over

GOOD = (
    "from decimal import Decimal\n\n\n"
    "def remember(item, seen=[]):\n    seen.append(item)\n    return seen\n\n\n"
    "def vat(amount):\n    return Decimal(amount) * Decimal(0.2)\n\n\n"
    "def load(path):\n    try:\n        return open(path).read()\n    except:\n        return None\n"
)


def _codes_and_lines(text: str, findings: list) -> list[tuple[str, int, str]]:
    lines = text.split("\n")
    return sorted((f.code, f.range.start.line, lines[f.range.start.line]) for f in findings)


def test_findings_move_with_lines_inserted_above_and_vanish_where_edited() -> None:
    findings = analyze_source(GOOD).findings
    assert sorted(f.code for f in findings) == ["PF001", "PF002", "PF012"]
    broken = "import os\nimport sys\n" + GOOD.replace("def vat(amount):", "def vat(amount:")
    assert not analyze_source(broken).parsed
    carried = carry_over(GOOD, findings, broken)
    # PF002 sits on the line after the edited `def` line, which survived: it stays too.
    assert _codes_and_lines(broken, carried) == [
        ("PF001", 5, "def remember(item, seen=[]):"),
        ("PF002", 11, "    return Decimal(amount) * Decimal(0.2)"),
        ("PF012", 17, "    except:"),
    ]
    edited = broken.replace(
        "    return Decimal(amount) * Decimal(0.2)", "    return Decimal(amount) * Decimal(0."
    )
    assert [f.code for f in carry_over(GOOD, findings, edited)] == ["PF001", "PF012"]


def test_carried_fixes_still_apply_to_the_new_text() -> None:
    findings = analyze_source(GOOD).findings
    new = "# a comment\n" + GOOD + "def half(:\n"
    carried = {f.code: f for f in carry_over(GOOD, findings, new)}
    fixed, count = apply_fixes(new, only=carried["PF001"])
    assert count == 1
    assert "def remember(item, seen=None):" in fixed and "seen = []" in fixed
    assert fixed.endswith("def half(:\n")


def test_columns_and_line_endings_are_kept() -> None:
    crlf = GOOD.replace("\n", "\r\n")
    findings = analyze_source(crlf).findings
    new = crlf + "def half(:\r\n"
    assert [(f.code, f.range) for f in carry_over(crlf, findings, new)] == [
        (f.code, f.range) for f in findings
    ]


def test_nothing_survives_a_rewrite() -> None:
    findings = analyze_source(GOOD).findings
    assert carry_over(GOOD, findings, "def other(:\n    pass\n") == []
