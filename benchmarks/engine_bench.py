"""Benchmark 1: the engine against CPython's parser on the same text, in the same process."""

from __future__ import annotations

import ast
import gc
import time
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus import build, source_modules

from pitfalls.analysis import ANALYSIS_ERROR, analyze_source
from pitfalls.config import Settings
from pitfalls.rules import RULES

SIZES = (1_000, 5_000, 20_000)
BUDGET_SECONDS = 600.0


@dataclass
class EngineRow:
    lines: int
    parse_ms: float
    walk_ms: float
    all_rules_ms: float
    findings: int

    @property
    def ratio(self) -> float:
        return self.all_rules_ms / self.parse_ms

    @property
    def walk_ratio(self) -> float:
        return self.walk_ms / self.parse_ms


@dataclass
class RuleCost:
    code: str
    ms: float
    """Time of analysing with only this rule, minus the walk with no rule."""
    share_of_parse: float


@dataclass
class TreeRow:
    """The engine on every file of a real tree, each file parsed and analysed in turn."""

    name: str
    files: int
    unparsable: int
    """Files this interpreter's parser refuses (newer syntax), left out of both sums."""
    lines: int
    parse_ms: float
    all_rules_ms: float
    findings: int

    @property
    def ratio(self) -> float:
        return self.all_rules_ms / self.parse_ms


def best_of(functions: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """The fastest of ``repeats`` runs of each function, in CPU milliseconds.

    CPU time of this process, not wall time: on a shared machine a process that waits for a
    core is not charged for the wait. The functions take turns, so a burst of load from
    elsewhere (caches, memory bandwidth) hits all of them alike. Each runs with the cycle
    collector paused, as the engine pauses it for its own work, so that ``ast.parse`` is not
    charged for collections the engine avoids; what each function returns is freed before the
    clock stops.
    """
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeats):
        for name, function in functions.items():
            gc.collect()
            gc.disable()
            started = time.process_time()
            function()
            elapsed = time.process_time() - started
            gc.enable()
            best[name] = min(best[name], elapsed)
    return {name: seconds * 1000 for name, seconds in best.items()}


def _settings(codes: set[str]) -> Settings:
    # A generous time budget: the benchmark measures the whole analysis, not the cut-off.
    return Settings(enabled=frozenset(codes | {ANALYSIS_ERROR}), timeout=BUDGET_SECONDS)


def run(repeats: int = 7, sizes: tuple[int, ...] = SIZES) -> tuple[list[EngineRow], list[RuleCost], int]:
    modules = source_modules()
    every_rule = _settings({rule.code for rule in RULES})
    walk_only = _settings(set())
    rows: list[EngineRow] = []
    for size in sizes:
        text = build(size, modules)
        best = best_of(
            {
                "parse": lambda text=text: ast.parse(text),
                "walk": lambda text=text: analyze_source(text, path="bench.py", settings=walk_only),
                "all": lambda text=text: analyze_source(text, path="bench.py", settings=every_rule),
            },
            max(3, repeats if size <= 5_000 else repeats // 2),
        )
        checked = analyze_source(text, path="bench.py", settings=every_rule)
        if checked.failures:
            # A rule that raises stops early and would look faster than it is.
            raise SystemExit(f"rules failed on the {size}-line corpus: {checked.failures}")
        findings = len(checked.findings)
        rows.append(EngineRow(text.count("\n"), best["parse"], best["walk"], best["all"], findings))

    text = build(5_000, modules)
    costs: list[RuleCost] = []
    for rule in RULES:
        if rule.code == ANALYSIS_ERROR:
            continue
        alone = _settings({rule.code})
        best = best_of(
            {
                "parse": lambda: ast.parse(text),
                "walk": lambda: analyze_source(text, path="bench.py", settings=walk_only),
                "rule": lambda alone=alone: analyze_source(text, path="bench.py", settings=alone),
            },
            repeats,
        )
        extra = max(best["rule"] - best["walk"], 0.0)
        costs.append(RuleCost(rule.code, extra, extra / best["parse"]))
    costs.sort(key=lambda cost: -cost.ms)
    return rows, costs, len(modules)


def tree_run(name: str, root: Path, files: list[Path]) -> TreeRow:
    """``ast.parse`` and the whole fast pass (no cross-module inference) of each file, in
    CPU time with the collector paused, as ``best_of`` does, summed over the tree: real code,
    far sparser in pitfalls than the fixture corpus, in the proportions a project has."""
    every_rule = _settings({rule.code for rule in RULES})
    parse_seconds = analysis_seconds = 0.0
    lines = findings = unparsable = 0
    for relative in files:
        path = root / relative
        try:
            with tokenize.open(path) as file:  # honours the file's encoding declaration
                text = file.read()
        except (OSError, SyntaxError, UnicodeDecodeError):
            unparsable += 1
            continue
        gc.disable()
        try:
            started = time.process_time()
            ast.parse(text)
            parsed = time.process_time()
            result = analyze_source(text, path=path, settings=every_rule)
            analysed = time.process_time()
        except (SyntaxError, ValueError):
            unparsable += 1
            continue
        finally:
            gc.enable()
        parse_seconds += parsed - started
        analysis_seconds += analysed - parsed
        lines += text.count("\n")
        findings += len(result.findings)
    return TreeRow(
        name, len(files), unparsable, lines, parse_seconds * 1000, analysis_seconds * 1000, findings
    )
