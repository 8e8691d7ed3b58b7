"""The entry point every front end uses: text in, findings out."""

from __future__ import annotations

import ast
import codecs
import errno
import gc
import os
import re
import stat
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pitfalls.config import Settings
from pitfalls.engine import (
    MODULE_UNIT,
    AnalysisTimeout,
    Block,
    Checker,
    FileFact,
    RuleFailure,
    Walker,
    position_of_syntax_error,
)
from pitfalls.model import Finding, Position, Range, Severity, TypeQuestion
from pitfalls.rules import RULES
from pitfalls.rules.base import Rule
from pitfalls.source import BOM, DecodeError, SourceFile, decode_source
from pitfalls.suppression import ignores_whole_file, is_suppressed

ANALYSIS_ERROR = "PF000"
PARSER_VERSION = "parsed as Python {}.{}".format(*sys.version_info[:2])
"""Said with every syntax error: code for a newer Python needs pitfalls run on that Python."""


@dataclass
class AnalysisResult:
    findings: list[Finding]
    failures: list[RuleFailure] = field(default_factory=list)
    text: str | None = None
    """The decoded text that was analysed; None when the file could not be read."""
    type_questions: list[TypeQuestion] = field(default_factory=list)
    """Questions the fast pass left for cross-module inference (see ``refine_with_types``)."""
    depends_on_other_files: bool = False
    """True when cross-module inference answered questions: the findings then depend on
    other modules too, so a cache keyed by this file's content alone must not keep them."""
    files_read: tuple[str, ...] | None = None
    """With ``depends_on_other_files``, the other files inference read (the modules it
    loaded); None when that is unknown."""
    parsed: bool = True
    """False when the text could not be parsed: the findings are then only the PF000 that
    says why (the language server keeps the last good findings in view meanwhile)."""


def analysis_error(message: str, range_: Range | None = None) -> Finding:
    return Finding(
        code=ANALYSIS_ERROR,
        message=message,
        range=range_ or Range.of(0, 0, 0, 0),
        severity=Severity.ERROR,
    )


def parse(text: str, filename: str) -> ast.Module:
    """Call within ``collector_paused``, held until the tree is freed or frozen."""
    with warnings.catch_warnings():
        # Invalid escape sequences and similar warnings belong to other tools.
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=filename)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while building and walking a tree.

    Parsing and walking allocate hundreds of thousands of objects that all stay alive, and
    each few hundred allocations start a collection that traverses them again: about 40% of
    ``ast.parse``'s own time on a 5,000-line file. The pause must last until the tree is
    freed (or frozen, ``gc.freeze``): objects allocated while the collector was off are all
    still young when it resumes, so its first collection would traverse the whole tree at
    once. Whatever cycles the analysis leaves are collected as usual once the collector runs
    again. Nested and concurrent uses are safe: only the use that paused it resumes it.

    Paused with a zero threshold rather than ``gc.disable()``: parso, under jedi, turns the
    collector back on after loading each cached module, whatever its state before.
    """
    thresholds = gc.get_threshold()
    if thresholds[0] == 0:
        yield
        return
    gc.set_threshold(0, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _nul_range(text: str, source: SourceFile) -> Range | None:
    """Where the first NUL character is: the parser refuses them but does not say where."""
    nul = text.find("\0")
    if nul < 0:
        return None
    position = source.position_at(nul)
    return Range(position, Position(position.line, position.column + 1))


_NEWER_SYNTAX = (
    ((3, 12), re.compile(r"^\s*type\s+\w+\s*(\[.*\])?\s*="), "`type` alias statements"),
    ((3, 12), re.compile(r"^\s*(async\s+)?(def|class)\s+\w+\s*\["), "generic type parameters"),
    ((3, 14), re.compile(r"(?<![\w.'\"])[tT][rR]?['\"]"), "template strings (t-strings)"),
    (
        (3, 14),
        re.compile(r"^\s*except\*?\s+[\w.]+(\s*,\s*[\w.]+)+\s*:"),
        "handlers that list exceptions without parentheses (`except A, B:`; in Python 2 that meant `except A as B`)",
    ),
)
_PYTHON2 = re.compile(
    r"^\s*(print\s+[^\s(=]|exec\s+[\"']|except\s+[\w.]+\s*,\s*\w+\s*:|raise\s+[\w.]+\s*,)|<>|`"
)


def syntax_hint(line: str, error_message: str = "") -> str:
    """A note for a syntax error on ``line`` written for another Python: syntax newer
    than the running interpreter's, or Python 2."""
    if error_message.startswith("f-string") and sys.version_info < (3, 12):
        # Python 3.12 parses f-strings as code (PEP 701): quotes reused inside the braces,
        # backslashes and comments there are all errors before it.
        return "; f-strings that reuse their quotes or hold backslashes inside `{}` need Python 3.12"
    for version, pattern, what in _NEWER_SYNTAX:
        if sys.version_info < version and pattern.search(line):
            return f"; {what} need Python {version[0]}.{version[1]}"
    if _PYTHON2.search(line):
        return "; this looks like Python 2 code"
    return ""


def analyze_source(
    text: str,
    *,
    path: str | Path | None = None,
    settings: Settings | None = None,
    infer_types: bool = False,
) -> AnalysisResult:
    """Analyse one module's text with the rules ``settings`` enable for ``path``.

    With ``infer_types``, questions the rules leave for cross-module inference are
    answered with jedi before returning; otherwise they are returned unanswered in
    ``type_questions`` (the language server answers them off the request path)."""
    settings = settings or Settings()
    codes = settings.codes_for(path)
    source = SourceFile(text)
    if ignores_whole_file(source):
        return AnalysisResult([], text=text)
    filename = str(path) if path is not None else "<unsaved>"
    started = time.perf_counter()
    with collector_paused():
        tree = parse_or_report(text, source, filename)
        if not isinstance(tree, ast.Module):
            return unparsed(tree, source, codes, settings)
        run = run_rules(source, tree, filename, active_rules(codes, text), settings, started)
        # Freed here, by reference counting, the tree is never traversed by the collector.
        del tree
    findings = run.findings
    questions = run.questions
    answered = False
    if infer_types and questions:
        from pitfalls.inference import answer_questions

        deadline = started + settings.timeout
        where = Path(path) if path is not None else None
        answers = answer_questions(questions, text, where, deadline=deadline)
        findings = [*findings, *answers.findings]
        if time.perf_counter() > deadline:
            findings.append(analysis_error(_too_long(settings, "cross-module inference")))
        questions = []
        answered = True
    result = finish(findings, run.failures, source, codes, settings)
    result.type_questions = questions
    result.depends_on_other_files = answered
    if answered:
        result.files_read = answers.files_read
    return result


def parse_or_report(
    text: str, source: SourceFile, filename: str, padding: int = 0
) -> ast.Module | list[Finding]:
    """The module's tree, or the PF000 finding that says why there is none.

    With ``padding``, ``text`` is the file from line ``padding`` on, parsed as if that
    many empty lines came before it, so that positions are the file's own.
    """
    # A client may send the byte order mark that editors usually hide; the parser
    # rejects it, and SourceFile counts line 0's columns from after it.
    has_bom = text.startswith(BOM)
    try:
        return parse("\n" * padding + (text[1:] if has_bom else text), filename)
    except SyntaxError as error:
        range_ = _nul_range(source.text, source)
        if range_ is None:
            range_ = position_of_syntax_error(error, SourceFile(source.text[1:]) if has_bom else source)
            if has_bom and range_.start.line == 0:
                range_ = Range.of(0, range_.start.column + 1, 0, range_.end.column + 1)
        hint = syntax_hint(source.line(range_.start.line), error.msg)
        message = f"could not analyze: {type(error).__name__}: {error.msg} ({PARSER_VERSION}{hint})"
        return [analysis_error(message, range_)]
    except UnicodeEncodeError as error:  # lone surrogates, from a client's broken decoding
        offset = error.start - padding + (source.line_starts[padding] if padding else 0)
        position = source.position_at(offset)
        range_ = Range(position, Position(position.line, position.column + 1))
        message = (
            f"could not analyze: character U+{ord(source.text[offset]):04X} on line {position.line + 1} "
            "is half of a surrogate pair, not text"
        )
        return [analysis_error(message, range_)]
    except ValueError as error:  # NUL bytes on some Pythons
        range_ = _nul_range(source.text, source) or Range.of(0, 0, 0, 0)
        return [analysis_error(f"could not analyze: {error}", range_)]
    except (RecursionError, MemoryError):
        message = "could not analyze: the code is nested too deeply for Python's parser"
        return [analysis_error(message)]


def active_rules(codes: frozenset[str], text: str) -> list[Rule]:
    """The rules to run on ``text``: enabled, and with a trigger word in it if they have any.

    Each search for an absent word reads the whole text: a word several rules share is
    searched once, and a word that contains another of its rule's (``auto_ack``, ``ack``)
    not at all, which halves the searches on the standard library."""
    present: dict[str, bool] = {}
    active = []
    for rule in RULES:
        if rule.code not in codes:
            continue
        words = _SEARCHED_TRIGGERS[rule.code]
        if not words:
            active.append(rule)
            continue
        for word in words:
            found = present.get(word)
            if found is None:
                found = present[word] = word in text
            if found:
                active.append(rule)
                break
    return active


def _searched_triggers(triggers: tuple[str, ...]) -> tuple[str, ...]:
    """The trigger words that can decide: one that contains another is present only where
    that one is."""
    return tuple(word for word in triggers if not any(other != word and other in word for other in triggers))


_SEARCHED_TRIGGERS = {rule.code: _searched_triggers(rule.triggers) for rule in RULES}


@dataclass
class RuleRun:
    """What one walk of the rules over a tree found, with the unit of each finding."""

    findings: list[Finding]
    finding_units: list[int]
    questions: list[TypeQuestion]
    question_units: list[int]
    failures: list[RuleFailure]
    complete: bool
    """False when the walk stopped early (time budget, nesting): ``findings`` then end
    with the PF000 that says so."""
    facts: dict[str, object]
    """The value of each of the facts asked for, by name."""
    lookups: dict[int, set[str]] = field(default_factory=dict)
    """With blocks: by unit, the names its checks looked up among the module's definitions."""
    definition_reads: dict[int, set[str]] = field(default_factory=dict)
    """With blocks: by unit, the names of module-level functions and classes its checks took."""


def run_rules(
    source: SourceFile,
    tree: ast.Module,
    filename: str,
    rules: list[Rule],
    settings: Settings,
    started: float,
    blocks: list[Block] | None = None,
    facts: Sequence[FileFact[Any]] = (),
    checked_units: set[int] | None = None,
    known_facts: dict[str, object] | None = None,
    fact_blocks: Sequence[Block] = (),
) -> RuleRun:
    """Walk the tree once with ``rules``, within the time budget counted from ``started``.

    With ``blocks``: check only ``checked_units`` (all when None); work out each of
    ``facts``, taking the values in ``known_facts`` as given, and each part of them that
    ``fact_blocks`` (all blocks when no values are given) contribute, so that every block
    holds its part for the next analysis. Call within ``collector_paused``, as for ``parse``."""
    checker = Checker(source, tree, filename, blocks, known_facts)
    walker = Walker(rules, checker, started + settings.timeout, checked_units)
    complete = True
    values: dict[str, object] = {}
    try:
        walker.run(tree)
        for fact in facts:
            values[fact.name] = checker.file_fact(fact)
            for block in fact_blocks:
                checker.block_fact(fact, block)
    except AnalysisTimeout:
        complete = False
        checker.findings.append(analysis_error(_too_long(settings)))
        checker.finding_units.append(MODULE_UNIT)
        # Cross-module inference is slower still: past the budget, it is not started.
        checker.type_questions.clear()
        checker.question_units.clear()
    except RecursionError:
        complete = False
        checker.findings = [analysis_error("could not analyze: the code is nested too deeply")]
        checker.finding_units = [MODULE_UNIT]
    finally:
        checker.release()
    return RuleRun(
        checker.findings,
        checker.finding_units,
        checker.type_questions,
        checker.question_units,
        walker.failures,
        complete,
        values,
        checker.lookups,
        checker.definition_reads,
    )


def _too_long(settings: Settings, during: str | None = None) -> str:
    stage = f" during {during}" if during else ""
    return (
        f"analysis took too long (more than {settings.timeout:g} s{stage}); "
        "findings for this file are incomplete"
    )


def unparsed(
    findings: list[Finding], source: SourceFile, codes: frozenset[str], settings: Settings
) -> AnalysisResult:
    """The result for a text that does not parse: the PF000 findings that say why."""
    result = finish(findings, [], source, codes, settings)
    result.parsed = False
    return result


def refine_with_types(
    result: AnalysisResult, *, path: str | Path | None = None, settings: Settings | None = None
) -> AnalysisResult:
    """The result with its type questions answered: the slow, cross-module second pass."""
    if not result.type_questions or result.text is None:
        return result
    from pitfalls.inference import answer_questions

    settings = settings or Settings()
    source = SourceFile(result.text)
    where = Path(path) if path is not None else None
    deadline = time.perf_counter() + settings.timeout
    answers = answer_questions(result.type_questions, result.text, where, deadline=deadline)
    extra = list(answers.findings)
    if time.perf_counter() > deadline:
        extra.append(analysis_error(_too_long(settings, "cross-module inference")))
    refined = finish([*result.findings, *extra], result.failures, source, settings.codes_for(path), settings)
    refined.depends_on_other_files = True
    refined.files_read = answers.files_read
    return refined


def finish(
    findings: list[Finding],
    failures: list[RuleFailure],
    source: SourceFile,
    codes: frozenset[str],
    settings: Settings,
) -> AnalysisResult:
    kept: list[Finding] = []
    seen: set[tuple[str, Range, str]] = set()
    for finding in findings:
        if finding.code not in codes or is_suppressed(finding, source):
            continue
        key = (finding.code, finding.range, finding.message)
        if key in seen:
            continue
        seen.add(key)
        override = settings.severity.get(finding.code)
        if override is not None and override != finding.severity:
            finding = Finding(
                finding.code, finding.message, finding.range, override, finding.fix, finding.related
            )
        kept.append(finding)
    kept.sort(key=lambda item: (item.range.start, item.code))
    return AnalysisResult(kept, failures, source.text)


def analyze_bytes(
    data: bytes,
    *,
    path: str | Path | None = None,
    settings: Settings | None = None,
    infer_types: bool = False,
) -> AnalysisResult:
    try:
        text = decode_source(data)
    except DecodeError as error:
        where = error.position
        range_ = Range(where, Position(where.line, where.column + 1)) if where is not None else None
        return _unreadable(f"could not analyze: {error}", path, settings, range_)
    return analyze_source(text, path=path, settings=settings, infer_types=infer_types)


def _unreadable(
    message: str, path: str | Path | None, settings: Settings | None, range_: Range | None = None
) -> AnalysisResult:
    codes = (settings or Settings()).codes_for(path)
    return AnalysisResult([analysis_error(message, range_)] if ANALYSIS_ERROR in codes else [])


def read_source_bytes(path: Path) -> bytes:
    """The bytes of a regular file. Anything else raises OSError: reading a FIFO named
    ``x.py`` would wait forever for a writer, and a device could never end."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe, socket or device)", str(path))
        with os.fdopen(descriptor, "rb") as stream:
            descriptor = -1
            return stream.read()
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def analyze_file(path: Path, settings: Settings | None = None, infer_types: bool = False) -> AnalysisResult:
    """Read and analyse a file; a file that cannot be read becomes a PF000 finding."""
    try:
        data = read_source_bytes(path)
    except IsADirectoryError:
        return _unreadable("could not analyze: this is a directory, not a file", path, settings)
    except OSError as error:
        return _unreadable(
            f"could not analyze: cannot read the file: {error.strerror or error}", path, settings
        )
    if b"\0" in data[:8192] and not _looks_like_text(data):
        return _unreadable("could not analyze: this is a binary file, not Python source", path, settings)
    return analyze_bytes(data, path=path, settings=settings, infer_types=infer_types)


def _looks_like_text(data: bytes) -> bool:
    """Text with a stray NUL (reported where it is) rather than a binary file: few NULs,
    and the rest decodes. Binaries (images, ``.pyc``) have bytes that are not UTF-8."""
    sample = data[:8192]
    if sample.count(b"\0") * 10 > len(sample):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        try:
            decode_source(data)
        except DecodeError:
            return False
    return True
