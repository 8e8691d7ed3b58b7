"""What a rule is: its identity, its documentation, and the hooks the engine calls."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pitfalls.model import Finding, Range, Severity, TypeQuestion

if TYPE_CHECKING:
    from pitfalls.engine import Checker, Scope


@dataclass(frozen=True, slots=True)
class Video:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """The documentation sections, in Markdown, in the order the docs print them."""

    what_it_does: str
    why_it_bites: str
    example: str
    use_instead: str
    fix_safety: str


class Rule:
    """One pitfall. Subclasses set the class attributes and override one or both hooks.

    ``visit`` is called for every node whose type is in ``node_types``, in source order,
    during the engine's single walk. ``check_scope`` is called once for each function,
    lambda, class body and the module after the walk has seen all of it, with the
    nodes of that scope already collected by type, for rules that reason about the order
    of statements inside a function. Rules report through ``checker.report``; a message
    that names another line says ``line N`` outside backticks, so that the editor can move
    the number with the line when an edit above it adds or removes lines.
    """

    code: ClassVar[str]
    slug: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity]
    video: ClassVar[Video]
    doc: ClassVar[RuleDoc]
    has_fix: ClassVar[bool] = False
    triggers: ClassVar[tuple[str, ...]] = ()
    """Words of which at least one must occur in the source text for the rule to run.

    An empty tuple means the rule always runs. This is a cheap pre-filter: a file that
    never mentions ``pickle`` or ``yaml`` cannot unpickle anything.
    """
    suppressed_by: ClassVar[tuple[str, ...]] = ()
    """Other linters' codes for the same check (Ruff or flake8 ``noqa`` codes, Pylint's
    message ids and names, Bandit's test ids): a line whose comment silences one of them
    for its tool silences this rule too."""
    node_types: ClassVar[tuple[type[ast.AST], ...]] = ()
    wants_scopes: ClassVar[bool] = False
    checks_scopes_after_walk: ClassVar[bool] = False
    """With ``wants_scopes``: call ``check_scope`` once the whole file has been walked (for
    each scope, in the order they finished), for checks that look into the functions a
    scope calls, which may be defined further down."""

    def visit(self, node: ast.AST, checker: Checker) -> None:
        raise NotImplementedError

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        raise NotImplementedError

    def moved_question(
        self, question: TypeQuestion, move: Callable[[Range], Range | None]
    ) -> TypeQuestion | None:
        """The question once the lines around it have moved: ``move`` maps a range of the
        old text to the new one (None when its lines were edited). Rules whose payload
        holds ranges move them too; None when one of them cannot move."""
        start = move(Range(question.position, question.position))
        if start is None:
            return None
        return TypeQuestion(question.code, start.start, question.is_call, question.payload)

    def answer(self, question: TypeQuestion, type_names: frozenset[str]) -> Finding | None:
        """Turn the inferred types of an expression the rule asked about (through
        ``checker.ask_type``) into a finding, or None. ``type_names`` are qualified
        (``builtins.float``); empty when inference found nothing."""
        return None
