"""PF001 mutable-default-argument."""

from __future__ import annotations

import ast
from typing import ClassVar

from pitfalls.astutil import insert_statements_at_body_start
from pitfalls.engine import Checker
from pitfalls.knowledge.types import MUTABLE_CONSTRUCTORS
from pitfalls.model import Applicability, Edit, Fix, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video

_MUTABLE_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


class MutableDefaultArgument(Rule):
    code = "PF001"
    slug = "mutable-default-argument"
    summary = "Mutable default argument shared between calls"
    severity = Severity.WARNING
    has_fix = True
    video = Video(
        "What's wrong with this Python request context?",
        "https://www.youtube.com/watch?v=-ERw7BFPy1o",
    )
    doc = RuleDoc(
        what_it_does="""\
Finds parameters whose default value is a mutable object: a list, dict or set display
or comprehension, or a call of `list`, `dict`, `set`, `bytearray`,
`collections.defaultdict`, `deque`, `OrderedDict`, `Counter` or `ChainMap`, in `def`,
`async def` and `lambda`, positional or keyword-only.""",
        why_it_bites="""\
Python evaluates a default once, when the `def` runs, not on each call. Every call that
relies on the default gets the same object. In a long-running service that means a
trace buffer, a list of tags or a dict of headers filled during one request is still
there in the next one: user data from one request leaks into another, buffers grow
until the process is restarted, and audit logs mix users. Tests rarely catch it,
because each test calls the function only once.""",
        example="""\
```python
def handle_request(payload, trace=[]):
    trace.append(payload["id"])
    audit_log.write(trace)
```""",
        use_instead="""\
```python
def handle_request(payload, trace=None):
    if trace is None:
        trace = []
    trace.append(payload["id"])
    audit_log.write(trace)
```""",
        fix_safety="""\
The fix is unsafe: it makes the default `None` and builds a fresh object at the top of
the body, which changes behaviour for callers that relied on the shared object (or that
pass `None` on purpose). An annotation becomes `X | None`. Lambdas get no fix.""",
    )
    node_types: ClassVar = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)

    def visit(self, node: ast.AST, checker: Checker) -> None:
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        arguments = node.args
        if not arguments.defaults and not arguments.kw_defaults:
            return
        positional = [*arguments.posonlyargs, *arguments.args]
        pairs: list[tuple[ast.arg, ast.expr]] = list(
            zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True)
        )
        pairs.extend(
            (argument, default)
            for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
            if default is not None
        )
        for argument, default in pairs:
            kind = self._mutable_kind(default, checker)
            if kind is None:
                continue
            message = (
                f"Mutable default `{_short(checker.source.segment(default))}` for `{argument.arg}` is "
                f"created once and shared by every call: what one call puts in {kind}, the next call sees"
            )
            fix = None
            if not isinstance(node, ast.Lambda):
                fix = self._fix(node, argument, default, checker)
            checker.report(self, default, message, fix=fix)

    @staticmethod
    def _mutable_kind(default: ast.expr, checker: Checker) -> str | None:
        if isinstance(default, (ast.List, ast.ListComp)):
            return "the list"
        if isinstance(default, (ast.Dict, ast.DictComp)):
            return "the dict"
        if isinstance(default, (ast.Set, ast.SetComp)):
            return "the set"
        if isinstance(default, ast.Call):
            name = checker.qualified_name(default.func)
            if name in MUTABLE_CONSTRUCTORS:
                return f"the {name.rsplit('.', 1)[-1]}"
        return None

    @staticmethod
    def _fix(
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        argument: ast.arg,
        default: ast.expr,
        checker: Checker,
    ) -> Fix:
        source = checker.source
        original = source.segment(default)
        if "\n" in original or "\r" in original:
            original = f"({original})" if not original.startswith(("[", "{", "(")) else original
        edits = [Edit(source.node_range(default), "None")]
        annotation = argument.annotation
        if annotation is not None and not _allows_none(annotation, checker):
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                quote = source.segment(annotation)[0]
                edits.append(Edit(source.node_range(annotation), f"{quote}{annotation.value} | None{quote}"))
            else:
                edits.append(Edit(source.node_range(annotation), f"{source.segment(annotation)} | None"))
        guard = [f"if {argument.arg} is None:", f"    {argument.arg} = {original}"]
        edits.append(insert_statements_at_body_start(source, function, guard))
        return Fix(
            f"Default `{argument.arg}` to None and build a new object on each call",
            tuple(edits),
            Applicability.UNSAFE,
        )


def _allows_none(annotation: ast.expr, checker: Checker) -> bool:
    text = ast.unparse(annotation) if not isinstance(annotation, ast.Constant) else str(annotation.value)
    return "None" in text or "Optional" in text or text in ("Any", "typing.Any", "object")


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
