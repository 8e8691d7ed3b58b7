"""Cross-module type inference with jedi, for what one file alone cannot tell.

Rules ask questions during the fast pass (``Checker.ask_type``); this module answers them
afterwards, statically: jedi parses the project's modules, it never imports or runs them
(``load_unsafe_extensions`` stays off, and the in-process environment means no helper
interpreter starts with the project on its path). Without jedi installed, questions go
unanswered and the fast pass's findings stand alone.
"""

from __future__ import annotations

import ast
import logging
import re
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from pitfalls.analysis import collector_paused
from pitfalls.engine import FUNCTION_TYPES
from pitfalls.model import Finding, TypeQuestion
from pitfalls.projects import project_root
from pitfalls.rules import RULES_BY_CODE

logger = logging.getLogger(__name__)


class JediTypes:
    """Answers type questions about one file with jedi."""

    def __init__(self, text: str, path: Path | None, question_lines: set[int]) -> None:
        import jedi

        # Following an unannotated parameter back to its callers in other modules means
        # reading every project file that mentions the function's name: a third of all the
        # time inference took on a 4,000-file project, and it changed none of its answers
        # there or on the standard library. Callers in the same module are still followed.
        jedi.settings.dynamic_params_for_other_modules = False
        text = text_for_inference(text, question_lines)

        root = project_root(path.resolve()) if path is not None else Path.cwd()
        project = jedi.Project(root, load_unsafe_extensions=False, smart_sys_path=True)
        self._path = str(path) if path is not None else None
        self._script = jedi.Script(
            text, path=self._path, project=project, environment=jedi.InterpreterEnvironment()
        )

    def files_read(self) -> list[str] | None:
        """The files of the modules inference loaded to answer (the asking file aside), and
        the folders of namespace packages it looked in; None when jedi does not say."""
        try:
            loaded = self._script._inference_state.module_cache._name_cache
            found: set[str] = set()
            for values in loaded.values():
                for value in values:
                    file = value.py__file__()
                    if file is not None:
                        found.add(str(file))
                    elif value.is_namespace():
                        found.update(str(folder) for folder in value.py__path__())
        except Exception as error:  # jedi's internals moved: fall back to the whole project
            logger.debug("cannot tell which modules inference read: %s", error)
            return None
        found.discard(self._path or "")
        return sorted(found)

    def close(self) -> None:
        """Forget the pruned tree of this file. Jedi keeps the tree of the text it was given
        in parso's in-memory cache, under the file's path, and a later file in the same
        process that imports this one would read the pruned module instead of the file:
        its answers depended on which file a worker happened to check first."""
        if self._path is None:
            return
        from parso.cache import parser_cache

        for trees in parser_cache.values():
            trees.pop(Path(self._path), None)

    def types_of(self, question: TypeQuestion) -> frozenset[str]:
        line, column = question.position.line + 1, question.position.column
        names = self._script.infer(line, column)
        if question.is_call:
            results = []
            for name in names:
                if name.type in ("function", "class"):
                    results.extend(name.execute())
            names = results
        qualified = set()
        for name in names:
            if name.type != "instance":
                qualified.add(f"{name.module_name}.{name.name}:{name.type}")
            else:
                qualified.add(f"{name.module_name}.{name.name}")
        return frozenset(qualified)


class Answers(NamedTuple):
    findings: list[Finding]
    files_read: tuple[str, ...] | None
    """The other files the answers came from (see ``JediTypes.files_read``); None when
    that is unknown."""


def answer_questions(
    questions: list[TypeQuestion], text: str, path: Path | None, deadline: float | None = None
) -> Answers:
    """Findings from the rules' answers; an inference failure costs only its question.
    Questions still open at ``deadline`` (a ``time.perf_counter()`` value) go unanswered."""
    if not questions:
        return Answers([], ())
    # Jedi keeps every module it parsed (parso's cache): the heap grows by hundreds of
    # thousands of long-lived objects per file, and unpaused, the collections parsing starts
    # traverse them all again and again, a third of the time spent answering on a large
    # project. Paused, the first collection after the file traverses them once, and frees
    # the file's inference state.
    with collector_paused():
        return _answer(questions, text, path, deadline)


def _answer(questions: list[TypeQuestion], text: str, path: Path | None, deadline: float | None) -> Answers:
    try:
        oracle = JediTypes(text, path, {question.position.line + 1 for question in questions})
    except ImportError:
        return Answers([], ())
    except Exception as error:
        logger.warning("type inference unavailable for %s: %s", path, error)
        return Answers([], ())
    findings = []
    try:
        for question in questions:
            if deadline is not None and time.perf_counter() > deadline:
                break
            rule = RULES_BY_CODE.get(question.code)
            if rule is None:
                continue
            try:
                types = oracle.types_of(question)
            except Exception as error:
                logger.debug("type inference failed at %s: %s", question.position, error)
                continue
            finding = rule.answer(question, types)
            if finding is not None:
                findings.append(finding)
        files_read = oracle.files_read()
    finally:
        oracle.close()
    return Answers(findings, None if files_read is None else tuple(files_read))


_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_Function = ast.FunctionDef | ast.AsyncFunctionDef


def text_for_inference(text: str, question_lines: set[int]) -> str:
    """``text`` with the definitions jedi cannot need blanked out, line numbers unchanged.

    Jedi parses the asking file in full on every run (parso, about 8,000 lines a second):
    on a large project that is half of all the time inference takes, mostly spent on test
    modules where the questions sit in a few of hundreds of functions. A definition can only
    matter to an answer if its function is referred to by name (jedi infers a call by
    running the callee's body; ``__init__`` and other dunders run implicitly) or if it calls
    a function whose parameters inference may follow back to their callers. So a top-level
    function or a method of a top-level class, decorators and signature included, is
    replaced by ``pass`` when it holds no question, its name appears nowhere else in the
    file, it is no dunder, it declares no ``global``, and it mentions no function that
    encloses a question or calls one (or a class holding one), transitively.
    ``question_lines`` are 1-based.
    """
    if "\r" in text.replace("\r\n", ""):
        return text  # Lone carriage returns end lines for ast but not for the split below.
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text
    lines = text.split("\n")
    units = _prunable_units(tree)
    if not units:
        return text
    name_counts = Counter(_IDENTIFIER.findall(text))
    # Only top-level definitions and methods are called from elsewhere in the file.
    askers = {
        node.name
        for statement in tree.body
        for node in (statement, *(statement.body if isinstance(statement, ast.ClassDef) else ()))
        if isinstance(node, (*FUNCTION_TYPES, ast.ClassDef))
        and any(node.lineno <= line <= (node.end_lineno or node.lineno) for line in question_lines)
    }
    bodies = [
        (unit, first, last, set(_IDENTIFIER.findall("\n".join(lines[first - 1 : last]))))
        for unit, first, last in units
    ]
    # Callers of an asking function, and their callers, keep their bodies: inference may
    # follow an argument back through their parameters.
    while callers := [
        unit.name for unit, _, _, mentioned in bodies if unit.name not in askers and mentioned & askers
    ]:
        askers.update(callers)
    # A unit holding a question is among the askers: only units without one are blanked.
    candidates = [
        (first, last)
        for unit, first, last, mentioned in bodies
        if unit.name not in askers
        and name_counts[unit.name] == 1
        and not unit.name.startswith("__")
        and "global" not in mentioned
    ]
    if not candidates:
        return text
    for first, last in candidates:
        # A definition starts its line and ends one; `pass` keeps a class body that held
        # only blanked methods a body.
        line = lines[first - 1]
        lines[first - 1] = line[: len(line) - len(line.lstrip())] + "pass"
        for number in range(first, last):
            lines[number] = ""
    reduced = "\n".join(lines)
    try:
        ast.parse(reduced)
    except (SyntaxError, ValueError):
        return text
    return reduced


def _prunable_units(tree: ast.Module) -> list[tuple[_Function, int, int]]:
    """Top-level functions and methods of top-level classes, with their first line (that of
    the first decorator) and their last."""
    units = []
    for statement in tree.body:
        members = statement.body if isinstance(statement, ast.ClassDef) else [statement]
        for member in members:
            if isinstance(member, FUNCTION_TYPES):
                first = member.decorator_list[0].lineno if member.decorator_list else member.lineno
                units.append((member, first, member.end_lineno or member.lineno))
    return units
