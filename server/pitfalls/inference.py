"""Cross-module type inference with jedi, for what one file alone cannot tell.

Rules ask questions during the fast pass (``Checker.ask_type``); this module answers them
afterwards, statically: jedi parses the project's modules, it never imports or runs them
(``load_unsafe_extensions`` stays off, and the in-process environment means no helper
interpreter starts with the project on its path). Without jedi installed, questions go
unanswered and the fast pass's findings stand alone.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from pitfalls.analysis import collector_paused
from pitfalls.model import Finding, TypeQuestion
from pitfalls.projects import project_root
from pitfalls.rules import RULES_BY_CODE

logger = logging.getLogger(__name__)


class JediTypes:
    """Answers type questions about one file with jedi."""

    def __init__(self, text: str, path: Path | None) -> None:
        import jedi

        root = project_root(path.resolve()) if path is not None else Path.cwd()
        project = jedi.Project(root, load_unsafe_extensions=False, smart_sys_path=True)
        self._script = jedi.Script(
            text,
            path=str(path) if path is not None else None,
            project=project,
            environment=jedi.InterpreterEnvironment(),
        )

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


def answer_questions(
    questions: list[TypeQuestion], text: str, path: Path | None, deadline: float | None = None
) -> list[Finding]:
    """Findings from the rules' answers; an inference failure costs only its question.
    Questions still open at ``deadline`` (a ``time.perf_counter()`` value) go unanswered."""
    if not questions:
        return []
    # Jedi keeps every module it parsed (parso's cache): the heap grows by hundreds of
    # thousands of long-lived objects per file, and unpaused, the collections parsing starts
    # traverse them all again and again, a third of the time spent answering on a large
    # project. Paused, the first collection after the file traverses them once, and frees
    # the file's inference state.
    with collector_paused():
        return _answer(questions, text, path, deadline)


def _answer(
    questions: list[TypeQuestion], text: str, path: Path | None, deadline: float | None
) -> list[Finding]:
    try:
        oracle = JediTypes(text, path)
    except ImportError:
        return []
    except Exception as error:
        logger.warning("type inference unavailable for %s: %s", path, error)
        return []
    findings = []
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
    return findings
