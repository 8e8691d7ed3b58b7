"""The engine's promises that no rule test would notice when broken."""

from __future__ import annotations

import ast
import gc
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT, service_code
from pitfalls.analysis import analyze_source
from pitfalls.config import Settings
from pitfalls.incremental import DocumentAnalyzer
from pitfalls.rules import RULES

EVERY_RULE = Settings(enabled=frozenset(rule.code for rule in RULES))
SERVICE_CODE = sorted((ROOT / "tests" / "fixtures").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))


@pytest.mark.parametrize("path", SERVICE_CODE, ids=lambda path: str(path.relative_to(ROOT)))
def test_an_analysed_tree_is_freed_without_the_cycle_collector(path: Path) -> None:
    """Parent links, scopes and the rules' state must not form reference cycles through
    the tree: a cyclic tree waits for the cycle collector, which on a large file is a pause
    of its own, and in the editor every keystroke leaves one behind."""
    text = path.read_text(encoding="utf-8")
    kept = _left_for_the_collector(lambda: analyze_source(text, path=path, settings=EVERY_RULE))
    assert not kept, f"{len(kept)} tree nodes were left for the cycle collector, e.g. {kept[0]!r}"


@pytest.mark.parametrize("path", SERVICE_CODE[::4], ids=lambda path: str(path.relative_to(ROOT)))
def test_the_editors_trees_are_freed_without_the_cycle_collector(path: Path) -> None:
    """The same for a document's analyzer, let go of after an edit: the server hides the
    trees it keeps from the collector (``gc.freeze``), so a tree in a cycle would stay in
    memory until the editor is quiet, one per file opened."""
    text = path.read_text(encoding="utf-8")

    def edit_and_forget() -> None:
        analyzer = DocumentAnalyzer(path, EVERY_RULE)
        analyzer.analyze(text)
        analyzer.prepare()
        analyzer.analyze(text + "\n\ndef added_while_typing():\n    return 1\n")

    kept = _left_for_the_collector(edit_and_forget)
    assert not kept, f"{len(kept)} tree nodes were left for the cycle collector, e.g. {kept[0]!r}"


def _left_for_the_collector(work: Callable[[], object]) -> list[ast.AST]:
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        work()
        gc.collect()
        return [item for item in gc.garbage if isinstance(item, ast.AST)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


def test_no_rule_fails_on_the_fixtures_and_examples_concatenated() -> None:
    """Concatenated, the service code shadows its own names and mixes libraries (the
    engine benchmark's corpus): a rule that raises there stops reporting for the rest of
    a real file too."""
    result = analyze_source(service_code(5_000), path="service.py", settings=EVERY_RULE)
    assert result.failures == []
    assert result.findings
