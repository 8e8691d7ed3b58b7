"""The engine's promises that no rule test would notice when broken."""

from __future__ import annotations

import ast
import gc
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT
from pitfalls.analysis import analyze_source
from pitfalls.config import Settings
from pitfalls.rules import RULES

EVERY_RULE = Settings(enabled=frozenset(rule.code for rule in RULES))
SERVICE_CODE = sorted((ROOT / "tests" / "fixtures").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))


@pytest.mark.parametrize("path", SERVICE_CODE, ids=lambda path: str(path.relative_to(ROOT)))
def test_an_analysed_tree_is_freed_without_the_cycle_collector(path: Path) -> None:
    """Parent links, scopes and the rules' state must not form reference cycles through
    the tree: a cyclic tree waits for the cycle collector, which on a large file is a pause
    of its own, and in the editor every keystroke leaves one behind."""
    text = path.read_text(encoding="utf-8")
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        analyze_source(text, path=path, settings=EVERY_RULE)
        gc.collect()
        kept = [item for item in gc.garbage if isinstance(item, ast.AST)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert not kept, f"{len(kept)} tree nodes were left for the cycle collector, e.g. {kept[0]!r}"


def test_no_rule_fails_on_the_fixtures_and_examples_concatenated() -> None:
    """Concatenated, the service code shadows its own names and mixes libraries (the
    engine benchmark's corpus): a rule that raises there stops reporting for the rest of
    a real file too."""
    corpus = _benchmark_corpus()
    result = analyze_source(corpus.build(5_000), path="service.py", settings=EVERY_RULE)
    assert result.failures == []
    assert result.findings


def _benchmark_corpus() -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
