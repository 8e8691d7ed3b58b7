"""Incremental analysis for the editor: an edit re-analyses the top-level blocks it
touched and the blocks whose findings can depend on them, and reuses the rest.

A document is kept as *units*: runs of top-level statements (``engine.Block``), each with
the findings and type questions its own checks made. When an edit stays inside top-level
functions and classes:

1. Only the edited units' lines are parsed again, padded with empty lines so positions
   are the file's own. A unit starts on a line of its own at column 0, right after a
   complete statement, so if its text parses alone it parses the same way inside the file.
2. The units to re-analyse are the edited ones, the module-level code (imports,
   assignments, module-level calls: cheap, and whatever the module scope's checks report),
   every unit whose cached findings point into the edited lines, and every unit that names
   something the edited units define: a function or class it calls, a global it stores,
   a container it fills (``_cache[key] = value`` feeds whoever reads ``_cache``), followed
   transitively, since checks follow calls a few levels deep.
3. The tree analysed holds those units in full, plus every definition they name (again
   transitively); every other definition is a *stub*: a copy without its body, whose
   decorators, arguments and bases are still visited at module level, so the module scope
   the rules see is the whole file's.
4. What rules know of the whole file (``FileFact``) is kept per unit; if an edit changes a
   fact, or the rules a trigger word turns on, or a rule fails, the file is analysed in full.

An edit that touches module-level code, or a text whose edited part does not parse on its
own, is analysed in full the usual way; ``tests/test_incremental.py`` checks on every
fixture and example, edit after edit, that the result is exactly a full analysis's.

A full analysis of a long text can share its units with a ``UnitChecker``, another process
that parses the same text and checks the later units while this one checks the others:
the time to the first diagnostics of a large file is then about what half of them cost.
"""

from __future__ import annotations

import ast
import collections
import copy
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pitfalls.analysis import (
    AnalysisResult,
    RuleRun,
    active_rules,
    collector_paused,
    finish,
    parse_or_report,
    run_rules,
    unparsed,
)
from pitfalls.astutil import child_fields, statement_first_line
from pitfalls.config import Settings
from pitfalls.engine import FILE_FACTS, MODULE_UNIT, Block, RuleFailure
from pitfalls.model import Edit, Finding, Fix, Range, Related, TypeQuestion
from pitfalls.rules import RULES_BY_CODE
from pitfalls.rules.base import Rule
from pitfalls.source import SourceFile
from pitfalls.suppression import ignores_whole_file

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CONTINUATION = re.compile(r"(else|elif|except|finally)\b")
_TYPE_LIKE_STRING = re.compile(r"[A-Za-z_][\w.]*(?:[\[\], |]+[A-Za-z_][\w.]*)*[\]]*")
_WORD = re.compile(r"[A-Za-z_]\w*")
_LINE_REFERENCE = re.compile(r"\bline (\d+)\b")
_MISSING = object()
_ABOUT_THE_END = ("never closed", "EOF", "unterminated triple-quoted", "expected an indented block")
"""Syntax errors that depend on what follows the lines they are found in."""


SHARED_FROM_LINES = 1500
"""The length from which a full analysis shares its units with a ``UnitChecker``. Below it
the other process's parse of the whole text, the request and the answer cost more than half
the rules save."""


HELPER_GRACE_SECONDS = 0.25
"""With twice the time this process took for its part, how long a ``UnitChecker`` may take
for its own before this process checks that part too."""
SHARED_PART = 0.5
"""The part of the lines a full analysis checks itself when it shares its units."""


class UnitChecker(Protocol):
    def begin(
        self, text: str, filename: str, codes: frozenset[str], budget: float
    ) -> Callable[[float], tuple[int, RuleRun] | None] | None:
        """Start ``check_later_units`` of ``text`` elsewhere, within ``budget`` seconds;
        what waits, at most the seconds it is given, for its answer (None if there is none
        by then), or None when nothing was started."""
        ...


def check_later_units(
    text: str, filename: str, codes: frozenset[str], budget: float
) -> tuple[int, RuleRun, ast.Module]:
    """What a ``UnitChecker`` runs: the units of ``text`` (grouped by ``group``) from
    ``_middle`` on, checked as a full analysis of the whole text checks them; where they
    start; and the tree, for the caller to free once the answer is out (freeing the tree
    of a 5,000-line file takes 15 ms)."""
    started = time.perf_counter()
    source = SourceFile(text)
    with collector_paused():
        tree = parse_or_report(text, source, filename)
        if not isinstance(tree, ast.Module):
            raise ValueError("the text does not parse")
        blocks = [
            Block(statements, lines) for statements, lines in group(tree.body, 0, len(source.line_starts) - 1)
        ]
        middle = _middle(blocks)
        settings = Settings(enabled=codes, timeout=budget)
        later = set(range(middle, len(blocks)))
        rules = active_rules(codes, text)
        return middle, run_rules(source, tree, filename, rules, settings, started, blocks, (), later), tree


@dataclass(frozen=True)
class Names:
    """The module-level names a unit binds or stores into, and the names it mentions."""

    defines: frozenset[str]
    references: frozenset[str]
    outer_references: frozenset[str]
    """Names in what runs at module level: decorators, defaults, annotations, bases."""


@dataclass(eq=False)
class Unit:
    """A block of the document with what its own checks found, kept between edits."""

    statements: list[ast.stmt]
    lines: tuple[int, int]
    definition: bool
    """All its statements are functions or classes (edits inside them can be incremental)."""
    findings: list[Finding] = field(default_factory=list)
    questions: list[TypeQuestion] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)
    names: Names | None = None
    reach: tuple[int, int] | None = None
    """The first and last line its findings mention (None: no findings)."""
    lookups: frozenset[str] = frozenset()
    """The names its checks looked up among the module's definitions last time."""
    outer_shift: int = 0
    """Lines the nodes outside the definitions' bodies must still move."""
    body_shift: int = 0
    """Lines the nodes of the definitions' bodies must still move."""
    bare: list[ast.stmt] | None = None
    outer: list[ast.stmt] | None = None
    bare_lines: tuple[int, int] | None = None
    """Where the unit was when its bare stubs were placed."""
    block: Block | None = None
    """How the last analysis saw it (kept, with the unit's facts, between analyses)."""

    def block_now(self) -> Block:
        if self.block is None:
            self.block = Block(self.statements, self.lines, facts=self.facts)
        self.block.lines = self.lines
        return self.block

    def outer_stubs(self) -> list[ast.stmt]:
        """Its definitions as stubs (``_stub``) that share its decorators, arguments and
        bases, placed where they are now (call ``_bring_up_to_date`` first)."""
        if self.outer is None:
            self.outer = [_stub(statement) for statement in self.statements]
        for stub, statement in zip(self.outer, self.statements, strict=True):
            stub.lineno, stub.end_lineno = statement.lineno, statement.end_lineno
        return self.outer

    def bare_stubs(self) -> list[ast.stmt]:
        """Its definitions as bare stubs (``_bare_stub``), placed where they are now."""
        if self.bare is None:
            self.bare = [_bare_stub(statement) for statement in self.statements]
        if self.bare_lines != self.lines:
            for stub, statement in zip(self.bare, self.statements, strict=True):
                stub.lineno = statement_first_line(statement) + self.outer_shift
                stub.end_lineno = (statement.end_lineno or statement.lineno) + self.outer_shift
            self.bare_lines = self.lines
        return self.bare

    def names_now(self) -> Names:
        if self.names is None:
            self.names = names_of(self.statements)
        return self.names

    def keep(self, findings: list[Finding], questions: list[TypeQuestion], reach: object = _MISSING) -> None:
        self.findings = findings
        self.questions = questions
        self.reach = _reach(findings) if reach is _MISSING else reach  # type: ignore[assignment]


@dataclass
class _Index:
    """Who mentions and who defines each name, over every unit."""

    users: dict[str, set[Unit]] = field(default_factory=dict)
    definers: dict[str, set[Unit]] = field(default_factory=dict)
    module_references: dict[str, int] = field(default_factory=dict)
    """Names mentioned by code that runs at module level, with how many units do."""
    askers: dict[str, set[Unit]] = field(default_factory=dict)
    """Units whose checks looked a name up among the module's definitions last time (the
    module scope's too), whether or not their code mentions it."""

    def note_lookups(self, unit: Unit, names: frozenset[str]) -> None:
        for name in unit.lookups - names:
            self.askers[name].discard(unit)
        for name in names - unit.lookups:
            self.askers.setdefault(name, set()).add(unit)
        unit.lookups = names

    def add(self, unit: Unit) -> None:
        for name in unit.lookups:
            self.askers.setdefault(name, set()).add(unit)
        names = unit.names_now()
        for name in names.references:
            self.users.setdefault(name, set()).add(unit)
        for name in names.defines:
            self.definers.setdefault(name, set()).add(unit)
        for name in names.outer_references if unit.definition else names.references:
            self.module_references[name] = self.module_references.get(name, 0) + 1

    def remove(self, unit: Unit) -> None:
        self.note_lookups(unit, frozenset())
        names = unit.names_now()
        for name in names.references:
            self.users[name].discard(unit)
        for name in names.defines:
            self.definers[name].discard(unit)
        for name in names.outer_references if unit.definition else names.references:
            self.module_references[name] -= 1
            if not self.module_references[name]:
                del self.module_references[name]


@dataclass
class _State:
    text: str
    source: SourceFile
    units: list[Unit]
    module: Unit
    """What the module scope's own checks found (``MODULE_UNIT``)."""
    active: tuple[str, ...]
    facts: dict[str, object]
    index: _Index | None = None


class DocumentAnalyzer:
    """Analyses successive texts of one document, each time as a full analysis would."""

    def __init__(self, path: Path | None, settings: Settings, shared_with: UnitChecker | None = None) -> None:
        self.path = path
        self.settings = settings
        self.shared_with = shared_with
        self.filename = str(path) if path is not None else "<unsaved>"
        self.codes = settings.codes_for(path)
        self._state: _State | None = None
        self.last_mode = ""
        """How the last text was analysed: "full", "incremental", "syntax error" or
        "unchanged" (for logs and tests)."""
        self.why_full = ""
        """Why the last full analysis could not be incremental."""

    def prepare(self) -> None:
        """Work out now what the first incremental edit needs (which unit names what), so
        that keystroke does not wait for it: about 50 ms on a 5,000-line file."""
        state = self._state
        if state is not None and state.index is None:
            state.index = _build_index(state.units, state.module)

    def forget(self) -> None:
        """Let go of the trees: the next text is analysed in full."""
        self._state = None

    def analyze(self, text: str) -> AnalysisResult:
        source = SourceFile(text)  # ignores_whole_file reads only its text
        if ignores_whole_file(source):
            self._state = None
            self.last_mode = "full"
            return AnalysisResult([], text=text)
        started = time.perf_counter()
        with collector_paused():  # between parsing and the rules too: see collector_paused
            if self._state is not None:
                if text == self._state.text:
                    self.last_mode = "unchanged"
                    return self._result(self._state, [])
                result = self._incremental(text, source, started)
                if result is not None:
                    return result
            return self._full(text, source, started)

    # Full analysis --------------------------------------------------------------------

    def _full(self, text: str, source: SourceFile, started: float) -> AnalysisResult:
        helper = self.shared_with
        waiting = None
        if helper is not None and len(source.line_starts) >= SHARED_FROM_LINES:
            # Sent before parsing: the helper has the parse to do too.
            waiting = helper.begin(text, self.filename, self.codes, self.settings.timeout)
        tree = parse_or_report(text, source, self.filename)
        if not isinstance(tree, ast.Module):
            if waiting is not None:
                waiting(HELPER_GRACE_SECONDS)  # its error, so its next answer is the next request's
            # The last text that parsed stays the base the next edit is compared with.
            self.last_mode = "syntax error"
            return unparsed(tree, source, self.codes, self.settings)
        self.last_mode = "full"
        units = [
            Unit(statements, lines, all(isinstance(item, DEFINITIONS) for item in statements))
            for statements, lines in group(tree.body, 0, len(source.line_starts) - 1)
        ]
        blocks = [unit.block_now() for unit in units]
        rules = active_rules(self.codes, text)
        run = self._check_all(source, tree, rules, blocks, started, waiting)
        if not run.complete or run.failures:
            # Partial results cannot be reused: the next text is analysed in full too.
            self._state = None
            result = finish(run.findings, run.failures, source, self.codes, self.settings)
            result.type_questions = run.questions
            return result
        module = Unit([], (0, 0), False)
        state = _State(text, source, units, module, tuple(rule.code for rule in rules), run.facts)
        _distribute(state, run, None)
        self._state = state
        return self._result(state, run.failures)

    def _check_all(
        self,
        source: SourceFile,
        tree: ast.Module,
        rules: list[Rule],
        blocks: list[Block],
        started: float,
        waiting: Callable[[float], tuple[int, RuleRun] | None] | None,
    ) -> RuleRun:
        if waiting is None:
            return run_rules(source, tree, self.filename, rules, self.settings, started, blocks, FILE_FACTS)
        middle = _middle(blocks)
        earlier = {MODULE_UNIT, *range(middle)}
        run = run_rules(
            source, tree, self.filename, rules, self.settings, started, blocks, FILE_FACTS, earlier
        )
        # The helper has as much to do: twice as long, and it is stuck or starved of a core.
        answer = waiting(2 * (time.perf_counter() - started) + HELPER_GRACE_SECONDS)
        if not run.complete:
            return run
        if answer is None or answer[0] != middle:  # checked here after all, with the facts found
            later = set(range(middle, len(blocks)))
            other = run_rules(
                source, tree, self.filename, rules, self.settings, started, blocks, (), later, run.facts
            )
        else:
            other = answer[1]
        return _joined(run, other, middle)

    # Incremental analysis -------------------------------------------------------------

    def _incremental(self, text: str, source: SourceFile, started: float) -> AnalysisResult | None:
        """The analysis of ``text`` from the last one, or None when only a full analysis
        can give the right answer."""
        state = self._state
        assert state is not None
        edit = changed_lines(state.source, text)
        if edit is None or not state.units:
            return self._give_up("nothing to build on")
        old_first, old_last, delta, source = edit
        units = state.units
        first = _unit_at(units, old_first)
        last = _unit_at(units, old_last)
        if not all(unit.definition for unit in units[first : last + 1]):
            return self._give_up("module-level code changed")
        region_start = units[first].lines[0]
        region_end = units[last].lines[1]
        new_end = region_end + delta
        if new_end < region_start:
            return self._give_up("a definition was deleted whole")
        region = source.lines_text(region_start, new_end)
        parsed = parse_or_report(region, source, self.filename, padding=region_start)
        if not isinstance(parsed, ast.Module):
            return self._unparsed_region(source, region_start, new_end, parsed)
        if not parsed.body or not all(isinstance(statement, DEFINITIONS) for statement in parsed.body):
            return self._give_up("the edit made module-level code")
        rules = active_rules(self.codes, text)
        if tuple(rule.code for rule in rules) != state.active:
            return self._give_up("a trigger word turned a rule on or off")

        def move(range_: Range) -> Range | None:
            if range_.end.line < region_start:
                return range_
            if range_.start.line > region_end:
                return _shifted(range_, delta)
            return None

        # From here on the units change in place; any failure starts over from a full parse.
        index = state.index if state.index is not None else _build_index(units, state.module)
        state.index = None
        fresh = [
            Unit(statements, lines, True) for statements, lines in group(parsed.body, region_start, new_end)
        ]
        changed = units[first : last + 1]
        kept = units[:first] + units[last + 1 :]
        names: set[str] = set()
        for unit in (*changed, *fresh):
            names |= unit.names_now().defines
        module_again = _outer_signature(changed) != _outer_signature(fresh)
        for unit in changed:
            index.remove(unit)
        for unit in fresh:
            index.add(unit)
        new_units = units[:first] + fresh + units[last + 1 :]
        if delta:
            for unit in units[last + 1 :]:
                unit.lines = (unit.lines[0] + delta, unit.lines[1] + delta)
                unit.outer_shift += delta
                unit.body_shift += delta

        moved: dict[Unit, tuple[list[Finding], list[TypeQuestion], tuple[int, int] | None]] = {}
        again: set[Unit] = set(fresh)
        for unit in (*kept, state.module):
            reach = unit.reach
            if not unit.questions and (
                reach is None or reach[1] < region_start or (reach[0] > region_end and not delta)
            ):
                continue  # nothing it found is near the edit, and nothing moved
            results = _moved_results(unit, move, region_start, region_end, delta)
            if results is None:
                again.add(unit)
            else:
                moved[unit] = results
        module_again = module_again or state.module in again
        again.discard(state.module)
        module_again = _depending(index, names, again, state.module) or module_again
        full = _needed_in_full(index, again, module_again)

        blocks: list[Block] = []
        body: list[ast.stmt] = []
        checked: set[int] = {MODULE_UNIT} if module_again else set()
        for position, unit in enumerate(new_units):
            if unit in again:
                checked.add(position)
            block = unit.block_now()
            if unit in full or (module_again and not unit.definition):
                _bring_up_to_date(unit, whole=True)
                _present(block, unit.statements, stub=False, bare=False, real=None)
            elif not unit.definition:
                # Module-level code no check looks into: present, for the module's names
                # and for where imports go, but not walked.
                _bring_up_to_date(unit, whole=True)
                _present(block, unit.statements, stub=True, bare=True, real=None)
            elif module_again:  # the module scope's checks see every definition's decorators
                _bring_up_to_date(unit, whole=False)
                _present(block, unit.outer_stubs(), stub=True, bare=False, real=unit.statements)
            else:
                _present(block, unit.bare_stubs(), stub=True, bare=True, real=unit.statements)
            blocks.append(block)
            body.extend(block.statements)
        tree = ast.Module(body=body, type_ignores=[])
        fresh_blocks = [blocks[position] for position in range(first, first + len(fresh))]
        run = run_rules(
            source,
            tree,
            self.filename,
            rules,
            self.settings,
            started,
            blocks,
            FILE_FACTS,
            checked,
            known_facts=state.facts,
            fact_blocks=fresh_blocks,
        )
        if not run.complete or run.failures:
            self._state = None
            return self._give_up("a rule failed or ran out of time")
        for fact in FILE_FACTS:
            if _parts(changed, fact.name) == _parts(fresh, fact.name):
                continue
            parts = [unit.facts.get(fact.name, _MISSING) for unit in new_units]
            if _MISSING in parts or fact.combine(parts) != state.facts[fact.name]:
                # The rules ran with the file's facts as they were: they must run again.
                self._state = None
                return self._give_up("a file-wide fact changed")
        for names_read in run.definition_reads.values():
            for name in names_read:
                if any(unit not in full for unit in index.definers.get(name, ())):
                    # A check took a definition its code does not name (a helper's name
                    # made up for a fix), and got a stub of it.
                    self._state = None
                    return self._give_up("a check read a definition it does not name")
        for unit, (findings, questions, reach) in moved.items():
            if unit not in again and (unit is not state.module or not module_again):
                unit.keep(findings, questions, reach)
        new_state = _State(text, source, new_units, state.module, state.active, run.facts, index)
        _distribute(
            new_state, run, {position for position in checked if position != MODULE_UNIT}, module_again, index
        )
        self._state = new_state
        self.last_mode = "incremental"
        return self._result(new_state, run.failures)

    def _give_up(self, why: str) -> None:
        self.why_full = why
        return None

    def _unparsed_region(
        self, source: SourceFile, region_start: int, region_end: int, errors: list[Finding]
    ) -> AnalysisResult | None:
        """The result for a text whose edited units do not parse alone: the file's own
        syntax error when the region starts a statement of its own, else None (the file
        must be parsed whole to know).

        The region's own error is the file's when it stops well inside the region and is not
        about the region's end (an unclosed bracket or string would run on into the rest of
        the file); otherwise the rest of the file is parsed with it."""
        code_lines: list[int] = []
        for line_index in range(region_start, region_end + 1):
            line = source.line(line_index)
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            if not code_lines and (line[:1].isspace() or _CONTINUATION.match(stripped)):
                return self._give_up("the edit may continue the statement above")
            code_lines.append(line_index)
        error_line = errors[0].range.start.line if errors else region_end
        later = [line for line in code_lines if line > error_line]
        if len(later) < 2 or any(words in errors[0].message for words in _ABOUT_THE_END):
            rest = source.text[source.line_starts[region_start] :]
            parsed = parse_or_report(rest, source, self.filename, padding=region_start)
            if isinstance(parsed, ast.Module):
                return self._give_up("the rest of the file completes the edited lines")
            errors = parsed
        self.last_mode = "syntax error"
        return unparsed(errors, source, self.codes, self.settings)

    def _result(self, state: _State, failures: list[RuleFailure]) -> AnalysisResult:
        findings = [finding for unit in state.units for finding in unit.findings]
        findings.extend(state.module.findings)
        result = finish(findings, failures, state.source, self.codes, self.settings)
        result.type_questions = [question for unit in state.units for question in unit.questions]
        result.type_questions.extend(state.module.questions)
        return result


def _middle(blocks: list[Block]) -> int:
    """The first of the blocks a ``UnitChecker`` checks: those of the later half of the
    lines (at least one block on each side, when there are two)."""
    total = blocks[-1].lines[1] + 1
    for position, block in enumerate(blocks):
        if block.lines[1] + 1 >= total * SHARED_PART:
            return max(1, min(position + 1, len(blocks) - 1))
    return len(blocks) - 1


def _joined(first: RuleRun, later: RuleRun, middle: int) -> RuleRun:
    """One run from the runs that checked the blocks before ``middle`` (and the module
    scope) and the blocks from it on, as a run that checked them all reports it."""

    def by_unit(own: dict[int, set[str]], others: dict[int, set[str]]) -> dict[int, set[str]]:
        return {unit: names for unit, names in own.items() if unit < middle} | {
            unit: names for unit, names in others.items() if unit >= middle
        }

    failed = {failure.code for failure in first.failures}
    return RuleRun(
        first.findings + later.findings,
        first.finding_units + later.finding_units,
        first.questions + later.questions,
        first.question_units + later.question_units,
        first.failures + [failure for failure in later.failures if failure.code not in failed],
        first.complete and later.complete,
        first.facts,
        by_unit(first.lookups, later.lookups),
        by_unit(first.definition_reads, later.definition_reads),
    )


def _parts(units: list[Unit], name: str) -> collections.Counter[object]:
    """The units' parts of a file fact, as a multiset: combining them gives the same value
    whatever the order."""
    return collections.Counter(unit.facts.get(name, _MISSING) for unit in units)


def _unit_at(units: list[Unit], line: int) -> int:
    """The index of the unit that owns ``line`` (the last unit owns the end of the file)."""
    low, high = 0, len(units) - 1
    while low < high:
        middle = (low + high) // 2
        if units[middle].lines[1] < line:
            low = middle + 1
        else:
            high = middle
    return low


def _build_index(units: list[Unit], module: Unit) -> _Index:
    """The index of every unit, and of what the module scope's checks looked up."""
    index = _Index()
    for unit in (*units, module):
        index.add(unit)
    return index


def _depending(index: _Index, names: set[str], again: set[Unit], module_unit: Unit) -> bool:
    """Add to ``again`` every unit that mentions one of ``names``, and, transitively, every
    unit that mentions what those define (their checks may follow calls into them). True
    when code at module level mentions one of them (the module scope's checks must run)."""
    module = False
    pending = list(names)
    seen = set(pending)
    while pending:
        name = pending.pop()
        if name in index.module_references:
            module = True
        for unit in (*index.users.get(name, ()), *index.askers.get(name, ())):
            if unit is module_unit:
                module = True  # the module scope's own checks asked for it
                continue
            again.add(unit)
            for defined in unit.names_now().defines:
                if defined not in seen:
                    seen.add(defined)
                    pending.append(defined)
    return module


def _needed_in_full(index: _Index, again: set[Unit], module_again: bool) -> set[Unit]:
    """The units the checks of ``again`` (and of the module scope, when it is checked) may
    look into: every unit defining a name they mention, followed transitively."""
    full = set(again)
    pending: list[str] = []
    for unit in again:
        pending.extend(unit.names_now().references)
    if module_again:
        pending.extend(index.module_references)
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for unit in index.definers.get(name, ()):
            if unit not in full:
                full.add(unit)
                pending.extend(unit.names_now().references)
    return full


def _outer_signature(units: Iterable[Unit]) -> list[object]:
    """What of the units' definitions runs at module level, positions aside."""
    signature: list[object] = []
    for unit in units:
        for statement in unit.statements:
            signature.append((type(statement).__name__, getattr(statement, "name", None)))
            for name, value in ast.iter_fields(statement):
                if name == "body":
                    continue
                if isinstance(value, list):
                    signature.append(
                        [ast.dump(item) if isinstance(item, ast.AST) else item for item in value]
                    )
                else:
                    signature.append(ast.dump(value) if isinstance(value, ast.AST) else value)
    return signature


# Units ---------------------------------------------------------------------------------


def group(
    statements: list[ast.stmt], first_line: int, last_line: int
) -> list[tuple[list[ast.stmt], tuple[int, int]]]:
    """Top-level statements in units, with the lines each owns (0-based, inclusive): from
    the line after the previous unit's last statement to its own last line, the last unit
    to ``last_line``. Statements that share a line are one unit."""
    groups: list[tuple[list[ast.stmt], tuple[int, int]]] = []
    current: list[ast.stmt] = []
    current_end = -1
    begin = first_line
    for statement in statements:
        start = statement_first_line(statement) - 1
        end = (statement.end_lineno or statement.lineno) - 1
        if current and start <= current_end:
            current.append(statement)
            current_end = max(current_end, end)
            continue
        if current:
            groups.append((current, (begin, current_end)))
            begin = current_end + 1
        current = [statement]
        current_end = end
    if current:
        groups.append((current, (begin, max(current_end, last_line))))
    return groups


def changed_lines(old: SourceFile, text: str) -> tuple[int, int, int, SourceFile] | None:
    """The first and last lines of ``old`` an edit touched, how many lines it added, and
    the source of ``text``; None when the texts are equal. Lines before the first are
    unchanged, and each line after the last is unchanged, moved by that many lines."""
    a, b = old.text, text
    if a == b:
        return None
    limit = min(len(a), len(b))
    low, high = 0, limit  # the common prefix is at least low, less than high + 1
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, limit - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    suffix = low
    old_first = _line_of(old, prefix)
    old_last = _line_of(old, len(a) - suffix)
    new = SourceFile.after_edit(old, text, old_first, old_last)
    new_last = _line_of(new, len(b) - suffix)
    return old_first, old_last, new_last - old_last, new


def _line_of(source: SourceFile, offset: int) -> int:
    from bisect import bisect_right

    return bisect_right(source.line_starts, offset) - 1


# Names ----------------------------------------------------------------------------------


def names_of(statements: list[ast.stmt]) -> Names:
    """What a unit binds at module level or stores into, and what it mentions. Over-counting
    is safe (more units are analysed again); missing one is not."""
    defines: set[str] = set()
    references: set[str] = set()
    outer: set[str] = set()
    for statement in statements:
        if isinstance(statement, DEFINITIONS):
            defines.add(statement.name)
            for name, value in ast.iter_fields(statement):
                if name != "body":
                    _mentions(value, outer, defines)
        else:
            _module_bindings(statement, defines)
        _mentions(statement, references, defines)
    return Names(frozenset(defines), frozenset(references), frozenset(outer))


def _module_bindings(statement: ast.stmt, defines: set[str]) -> None:
    """Names module-level code binds: assignment, loop and ``with`` targets, imports, and
    the definitions nested in its blocks (``if``, ``try``...)."""
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                defines.add(alias.asname or alias.name.split(".", 1)[0])
            continue
        if isinstance(node, DEFINITIONS):
            defines.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and node.ctx.__class__ is not ast.Load:
            defines.add(node.id)
        pending.extend(ast.iter_child_nodes(node))


def _mentions(root: object, references: set[str], defines: set[str]) -> None:
    pending: list[object] = [root]
    while pending:
        node = pending.pop()
        if node.__class__ is list:
            pending.extend(node)  # type: ignore[arg-type]
            continue
        if not isinstance(node, ast.AST):
            continue
        node_type = node.__class__
        if node_type is ast.Name:
            # Binding a name is not looking it up: an assignment target depends on nothing.
            if node.ctx.__class__ is not ast.Store:  # type: ignore[attr-defined]
                references.add(node.id)  # type: ignore[attr-defined]
            continue
        if node_type is ast.Global or node_type is ast.Nonlocal:
            defines.update(node.names)  # type: ignore[attr-defined]
        elif node_type is ast.NamedExpr and isinstance(node.target, ast.Name):  # type: ignore[attr-defined]
            defines.add(node.target.id)  # type: ignore[attr-defined]  # module-level in a decorator
        elif node_type is ast.Subscript and node.ctx.__class__ is not ast.Load:  # type: ignore[attr-defined]
            defines.add(_last_identifier(node.value) or "")  # type: ignore[attr-defined]
        elif (
            node_type is ast.Call
            and isinstance(node.func, ast.Attribute)  # type: ignore[attr-defined]
            and node.func.attr == "setdefault"  # type: ignore[attr-defined]
        ):
            defines.add(_last_identifier(node.func.value) or "")  # type: ignore[attr-defined]
        elif node_type is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            # A forward reference in an annotation names a class as a string.
            if isinstance(value, str) and len(value) < 200 and _TYPE_LIKE_STRING.fullmatch(value.strip()):
                references.update(_WORD.findall(value))
            continue
        for name in node._fields:
            value = getattr(node, name, None)
            if value is not None and not isinstance(value, (str, int, float, bytes, bool)):
                pending.append(value)


def _last_identifier(node: ast.AST) -> str | None:
    while True:
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            return node.attr
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


# Moving what stays ---------------------------------------------------------------------


def _shifted(range_: Range, delta: int) -> Range:
    if not delta:
        return range_
    return Range.of(
        range_.start.line + delta, range_.start.column, range_.end.line + delta, range_.end.column
    )


def _moved_results(
    unit: Unit, move: Callable[[Range], Range | None], region_start: int, region_end: int, delta: int
) -> tuple[list[Finding], list[TypeQuestion], tuple[int, int] | None] | None:
    """The unit's findings and questions moved with their lines, or None when one of them
    points into the edited lines (the unit must then be analysed again)."""
    questions: list[TypeQuestion] = []
    for question in unit.questions:
        moved_question = RULES_BY_CODE[question.code].moved_question(question, move)
        if moved_question is None:
            return None
        questions.append(moved_question)
    reach = unit.reach
    if reach is None or reach[1] < region_start or (reach[0] > region_end and not delta):
        return unit.findings, questions, reach
    findings: list[Finding] = []
    for finding in unit.findings:
        moved = _moved_finding(finding, move)
        if moved is None:
            return None
        findings.append(moved)
    if reach[0] > region_end:
        return findings, questions, (reach[0] + delta, reach[1] + delta)
    return findings, questions, _reach(findings)


def _reach(findings: list[Finding]) -> tuple[int, int] | None:
    """The first and last line the findings mention: their ranges, related places, fix
    edits and the lines their messages name."""
    lines: list[int] = []
    for finding in findings:
        lines.extend((finding.range.start.line, finding.range.end.line))
        lines.extend(
            line for item in finding.related for line in (item.range.start.line, item.range.end.line)
        )
        if finding.fix is not None:
            lines.extend(
                line for edit in finding.fix.edits for line in (edit.range.start.line, edit.range.end.line)
            )
        if "line " in finding.message:
            lines.extend(int(number) - 1 for number in _LINE_REFERENCE.findall(finding.message))
    return (min(lines), max(lines)) if lines else None


def _moved_finding(finding: Finding, move: Callable[[Range], Range | None]) -> Finding | None:
    range_ = move(finding.range)
    if range_ is None:
        return None
    message = _moved_message(finding.message, move)
    if message is None:
        return None
    related: list[Related] = []
    for item in finding.related:
        moved = move(item.range)
        if moved is None:
            return None
        related.append(item if moved is item.range else Related(item.message, moved))
    fix = finding.fix
    if fix is not None:
        edits: list[Edit] = []
        for edit in fix.edits:
            moved = move(edit.range)
            if moved is None:
                return None
            edits.append(edit if moved is edit.range else Edit(moved, edit.content))
        fix = Fix(fix.message, tuple(edits), fix.applicability)
    if (
        range_ is finding.range
        and message is finding.message
        and fix is finding.fix
        and all(a is b for a, b in zip(related, finding.related, strict=True))
    ):
        return finding
    return Finding(finding.code, message, range_, finding.severity, fix, tuple(related))


def _moved_message(message: str, move: Callable[[Range], Range | None]) -> str | None:
    """The message with each ``line N`` it names (outside backticks, which quote code)
    moved with that line; None when the line was edited."""
    if "line " not in message:
        return message
    parts = message.split("`")
    edited = False

    def moved_line(match: re.Match[str]) -> str:
        nonlocal edited
        line = int(match.group(1)) - 1
        moved = move(Range.of(line, 0, line, 0))
        if moved is None:
            edited = True
            return match.group(0)
        return f"line {moved.start.line + 1}"

    for index in range(0, len(parts), 2):
        if "line " in parts[index]:
            parts[index] = _LINE_REFERENCE.sub(moved_line, parts[index])
    if edited:
        return None
    moved_text = "`".join(parts)
    return message if moved_text == message else moved_text


def _distribute(
    state: _State, run: RuleRun, only: set[int] | None, module: bool = True, index: _Index | None = None
) -> None:
    """Give each unit (each at a position in ``only``, when given) the findings, questions
    and lookups its checks made, and the module scope its own when ``module``."""
    units = state.units
    picked = range(len(units)) if only is None else only
    findings: dict[int, list[Finding]] = {position: [] for position in picked}
    questions: dict[int, list[TypeQuestion]] = {position: [] for position in picked}
    if module:
        findings[MODULE_UNIT] = []
        questions[MODULE_UNIT] = []
    for finding, position in zip(run.findings, run.finding_units, strict=True):
        if position in findings:
            findings[position].append(finding)
    for question, position in zip(run.questions, run.question_units, strict=True):
        if position in questions:
            questions[position].append(question)
    for position, found in findings.items():
        unit = state.module if position == MODULE_UNIT else units[position]
        unit.keep(found, questions[position])
        asked = frozenset(run.lookups.get(position, ())) | frozenset(run.definition_reads.get(position, ()))
        if index is not None:
            index.note_lookups(unit, asked)
        else:
            unit.lookups = asked


def _present(
    block: Block, statements: list[ast.stmt], *, stub: bool, bare: bool, real: list[ast.stmt] | None
) -> None:
    """How this analysis walks the block: in full, or as (bare) stubs of ``real``."""
    block.statements, block.stub, block.bare, block.real_statements = statements, stub, bare, real


def _bring_up_to_date(unit: Unit, whole: bool) -> None:
    """Move the unit's nodes by the lines edits above it added: all of them, or (for a
    stub) only those outside the definitions' bodies."""
    if unit.outer_shift:
        for statement in unit.statements:
            if isinstance(statement, DEFINITIONS):
                statement.lineno += unit.outer_shift
                if statement.end_lineno is not None:
                    statement.end_lineno += unit.outer_shift
                for name, value in ast.iter_fields(statement):
                    if name != "body":
                        _shift_nodes(value, unit.outer_shift)
            else:
                _shift_nodes(statement, unit.outer_shift)
        unit.outer_shift = 0
    if whole and unit.body_shift:
        for statement in unit.statements:
            if isinstance(statement, DEFINITIONS):
                _shift_nodes(statement.body, unit.body_shift)
        unit.body_shift = 0


def _shift_nodes(root: object, delta: int) -> None:
    pending: list[object] = root[:] if root.__class__ is list else [root]  # type: ignore[index]
    fields_of = _POSITIONED_CHILDREN
    while pending:
        node = pending.pop()
        node_type = node.__class__
        if not issubclass(node_type, ast.AST):
            continue
        fields = fields_of.get(node_type)
        if fields is None:
            fields = fields_of[node_type] = _positioned_children(node_type)
        if "lineno" in node_type._attributes:  # type: ignore[attr-defined]
            node.lineno += delta  # type: ignore[attr-defined]
            if node.end_lineno is not None:  # type: ignore[attr-defined]
                node.end_lineno += delta  # type: ignore[attr-defined]
        for name in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            if value.__class__ is list:
                pending.extend(item for item in value if item is not None)
            else:
                pending.append(value)


_POSITIONED_CHILDREN: dict[type, tuple[str, ...]] = {}


def _positioned_children(node_type: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node type that can hold nodes (not names, values, contexts or
    operators, which CPython shares between trees)."""
    return child_fields(node_type) or tuple(node_type._fields)


def _stub(statement: ast.stmt) -> ast.stmt:
    """A copy of a definition without its body: its decorators, arguments and bases are
    still visited, at module level, where they run."""
    stub = copy.copy(statement)
    stub.body = []  # type: ignore[attr-defined]
    return stub


def _bare_stub(statement: ast.stmt) -> ast.stmt:
    """Only the name and the lines of a definition, for a walk whose checks look at no
    module-level code: what they may look up is a name, and where the file's code starts
    (its first decorator's line)."""
    fields: dict[str, object] = {}
    for name in statement._fields:
        if name == "name":
            fields[name] = statement.name  # type: ignore[attr-defined]
        elif name == "args":
            fields[name] = ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])
        elif isinstance(getattr(statement, name, None), list):
            fields[name] = []
        else:
            fields[name] = None
    return type(statement)(
        **fields, lineno=0, col_offset=statement.col_offset, end_lineno=0, end_col_offset=0
    )
