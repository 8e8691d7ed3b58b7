"""Every rule against its fixtures: expected lines, snapshots, and fixes that hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, SNAPSHOTS, UPDATE_SNAPSHOTS
from fixture_support import expected_lines, findings_for, parses, render_snapshot
from pitfalls.config import Settings
from pitfalls.fixes import apply_fixes
from pitfalls.rules import RULES

FIXTURE_FILES = sorted(FIXTURES.glob("PF[0-9][0-9][0-9]/*.py"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_rule_has_fixtures() -> None:
    covered = {path.parent.name for path in FIXTURE_FILES}
    missing = [rule.code for rule in RULES if rule.code not in covered]
    assert not missing, f"rules without fixtures: {missing}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_id)
def test_findings_on_expected_lines(path: Path) -> None:
    code = path.parent.name
    text = path.read_text(encoding="utf-8")
    expected = expected_lines(text, code)
    actual = sorted({finding.range.start.line for finding in findings_for(text, code, path)})
    missed = [line + 1 for line in expected if line not in actual]
    unexpected = [line + 1 for line in actual if line not in expected]
    assert not missed and not unexpected, f"missed lines {missed}, unexpected lines {unexpected}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_id)
def test_every_rule_runs_to_the_end_on_every_fixture(path: Path) -> None:
    from pitfalls.analysis import analyze_source

    result = analyze_source(path.read_text(encoding="utf-8"), path=path, settings=Settings())
    assert not result.failures, [f"{failure.code}: {failure.error}" for failure in result.failures]


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_id)
def test_snapshot(path: Path) -> None:
    code = path.parent.name
    snapshot = SNAPSHOTS / code / (path.stem + ".txt")
    rendered = render_snapshot(path.read_text(encoding="utf-8"), code, path)
    if UPDATE_SNAPSHOTS or not snapshot.exists():
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(rendered, encoding="utf-8")
        if not UPDATE_SNAPSHOTS:
            pytest.fail(f"new snapshot written to {snapshot}; review it and run again")
    assert rendered == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_id)
def test_fixes_parse_and_remove_their_findings(path: Path) -> None:
    """Apply each fix alone: the result parses and the finding it fixed is gone."""
    code = path.parent.name
    text = path.read_text(encoding="utf-8")
    settings = Settings().overridden(select=[code])
    original = findings_for(text, code, path)
    for finding in original:
        if finding.fix is None:
            continue
        fixed, applied = apply_fixes(text, path=path, settings=settings, unsafe=True, only=finding)
        assert applied == 1
        assert parses(fixed), f"fix for line {finding.range.start.line + 1} does not parse:\n{fixed}"
        remaining = findings_for(fixed, code, path)
        assert len(remaining) < len(original), (
            f"fix for line {finding.range.start.line + 1} left the finding in place"
        )
