"""PF001 mutable-default-argument."""

from __future__ import annotations

import ast
from typing import ClassVar

from pitfalls.astutil import children, insert_statements_at_body_start, short_text, walk
from pitfalls.cachemodel import parameter_names
from pitfalls.engine import Checker
from pitfalls.knowledge.types import COPYING_METHODS, MUTABLE_CONSTRUCTORS, READ_ONLY_METHODS, READING_CALLS
from pitfalls.model import Applicability, Edit, Fix, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video

_MUTABLE_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


class MutableDefaultArgument(Rule):
    code = "PF001"
    slug = "mutable-default-argument"
    summary = "Mutable default argument shared between calls"
    severity = Severity.WARNING
    has_fix = True
    suppressed_by = ("B006", "W0102", "dangerous-default-value")
    video = Video(
        "What's wrong with this Python request context?",
        "https://www.youtube.com/watch?v=-ERw7BFPy1o",
    )
    doc = RuleDoc(
        what_it_does="""\
Finds parameters whose default value is a mutable object (a list, dict or set display
or comprehension, or a call of `list`, `dict`, `set`, `bytearray`,
`collections.defaultdict`, `deque`, `OrderedDict`, `Counter` or `ChainMap`), in `def`,
`async def` and `lambda`, positional or keyword-only. The finding is a warning, and
names the line, when the function changes the object (`items.append(...)`,
`seen[key] = ...`, `tags += ...`) or lets it out where someone else can change it
(returns it, stores it, passes it to another function).

A default the function only reads (iterates, looks up, copies, unpacks with `**`) is
reported as information: it is shared, but nothing changes it yet; the first `append`
someone adds will leak between calls.""",
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
        arguments = node.args  # type: ignore[attr-defined]
        if not arguments.defaults and not arguments.kw_defaults:
            return  # most functions: checked before the type assertion, which costs more
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        positional = [*arguments.posonlyargs, *arguments.args]
        pairs: list[tuple[ast.arg, ast.expr]] = list(
            zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True)
        )
        pairs.extend(
            (argument, default)
            for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
            if default is not None
        )
        uses: dict[str, tuple[str, ast.AST]] | None = None
        for argument, default in pairs:
            kind = self._mutable_kind(default, checker)
            if kind is None:
                continue
            if uses is None:
                uses = _unsafe_uses(node, checker)
            use = uses.get(argument.arg)
            default_text = short_text(checker.source.segment(default), 30)
            severity = None
            if use is None:
                message = (
                    f"Mutable default `{default_text}` for `{argument.arg}` is created once and shared "
                    "by every call; nothing here changes it, so it is harmless today, but the first "
                    "change to it will leak from one call into the next"
                )
                severity = Severity.INFO
            elif use[0] == _CHANGED:
                shown = short_text(checker.source.segment(use[1]), 30)
                message = (
                    f"Mutable default `{default_text}` for `{argument.arg}` is created once and shared "
                    f"by every call, and `{shown}` changes it: what one call puts in {kind}, the next call sees"
                )
            else:
                shown = short_text(checker.source.segment(use[1]), 30)
                message = (
                    f"Mutable default `{default_text}` for `{argument.arg}` is created once and shared "
                    f"by every call, and `{shown}` hands it out: whoever changes it changes the "
                    "default of every later call"
                )
            fix = None
            if not isinstance(node, ast.Lambda):
                fix = self._fix(node, argument, default, checker)
            checker.report(self, default, message, fix=fix, severity=severity)

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


_CHANGED, _HANDED_OUT, _ALIASED = "changed", "handed out", "aliased"
_PASS_THROUGH = (ast.BoolOp, ast.IfExp, ast.NamedExpr)
"""Expressions whose value can be the parameter itself (``items or []``, ``a if t else items``)."""
_READS = (
    ast.For,
    ast.AsyncFor,
    ast.comprehension,
    ast.Compare,
    ast.BinOp,
    ast.UnaryOp,
    ast.FormattedValue,
    ast.Expr,
    ast.If,
    ast.While,
    ast.Assert,
    ast.Starred,
)
"""Parents under which a use of the object only reads it (``for x in items``, ``key in seen``,
``items + [x]``, ``[*items]``, ``f(*items)``). Only the use as the value read, not as a target."""


def _unsafe_uses(
    function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, checker: Checker
) -> dict[str, tuple[str, ast.AST]]:
    """For each parameter name, the first use in the body (nested functions included) that
    changes the object it holds or hands it out, with the expression that does."""
    body: list[ast.AST] = list(function.body) if isinstance(function.body, list) else [function.body]
    parents: dict[int, ast.AST] = {}
    names: list[ast.Name] = []
    name_type = ast.Name
    for root in body:
        for node in walk(root):
            node_type = node.__class__
            if node_type is name_type:
                if not isinstance(node.ctx, ast.Del):  # type: ignore[attr-defined]
                    names.append(node)  # type: ignore[arg-type]  # stores too: `tags += [...]` changes a list in place
                continue  # its only child is the context
            for child in children(node):
                parents[id(child)] = node
    # The names that hold each parameter's object: the parameter, and what `alias = items`
    # binds it to, whose uses are the parameter's own.
    holders = {name: {name} for name in parameter_names(function)}
    found: dict[str, tuple[str, ast.AST]] = {}
    added = True
    while added:
        added = False
        for name in names:
            held = [parameter for parameter in holders.get(name.id, ()) if parameter not in found]
            if not held:
                continue
            use = _classify(name, parents, checker)
            if use is None:
                continue
            kind, where = use
            if kind == _ALIASED:
                for target in where.targets:  # type: ignore[attr-defined]
                    known = holders.setdefault(target.id, set())
                    if not known.issuperset(held):
                        known.update(held)
                        added = True
                continue
            for parameter in held:
                found[parameter] = use
    return found


def _classify(name: ast.Name, parents: dict[int, ast.AST], checker: Checker) -> tuple[str, ast.AST] | None:
    node: ast.AST = name
    parent = parents.get(id(node))
    while isinstance(parent, _PASS_THROUGH) and not (isinstance(parent, ast.IfExp) and parent.test is node):
        node, parent = parent, parents.get(id(parent))
    if isinstance(name.ctx, ast.Store):
        return (_CHANGED, parent) if isinstance(parent, ast.AugAssign) else None
    if parent is None:
        return (_HANDED_OUT, node)  # a lambda's body is what it returns
    if isinstance(parent, ast.IfExp):
        return None  # the test of `a if items else b`
    if (
        isinstance(parent, ast.Assign)
        and parent.value is node
        and all(isinstance(target, ast.Name) for target in parent.targets)
    ):
        return (_ALIASED, parent)  # `found = items if items is not None else []`
    statement = _statement_of(parent, parents)
    if isinstance(parent, ast.Attribute):
        call = parents.get(id(parent))
        if isinstance(call, ast.Call) and call.func is parent:
            if parent.attr in READ_ONLY_METHODS:
                return None
            return (_CHANGED, call)
        return None  # an attribute read (`items.maxlen`)
    if isinstance(parent, ast.Subscript) and parent.value is node:
        if not isinstance(parent.ctx, ast.Load):
            return (_CHANGED, statement)
        above = parents.get(id(parent))
        if (
            isinstance(above, ast.Attribute)
            and isinstance(parents.get(id(above)), ast.Call)
            and above.attr not in READ_ONLY_METHODS
        ):
            return (_CHANGED, parents[id(above)])  # `groups[key].append(row)`
        return None
    if isinstance(parent, ast.Subscript):
        return None  # used as a key: `table[items]`
    if isinstance(parent, ast.AugAssign):
        return None  # the value added: `total += items` reads it
    if isinstance(parent, ast.keyword):
        call = parents.get(id(parent))
        if parent.arg is None or (isinstance(call, ast.Call) and _reads_arguments(call, checker)):
            return None  # `f(**options)` passes a copy
        return (_HANDED_OUT, call if call is not None else parent)
    if isinstance(parent, ast.Call):
        if parent.func is node or _reads_arguments(parent, checker):
            return None
        return (_HANDED_OUT, parent)
    if isinstance(parent, ast.Dict):
        if any(key is None and value is node for key, value in zip(parent.keys, parent.values, strict=True)):
            return None  # `{**options}` copies
        return (_HANDED_OUT, parent)
    if isinstance(parent, _READS):
        return None
    if isinstance(parent, ast.withitem) and parent.optional_vars is not node:
        return (_HANDED_OUT, statement)
    return (_HANDED_OUT, statement if statement is not None else parent)


def _statement_of(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST | None:
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parents.get(id(current))
    return current if current is not None else node


def _reads_arguments(call: ast.Call, checker: Checker) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in COPYING_METHODS:
        return True
    return checker.qualified_name(func) in READING_CALLS


def _allows_none(annotation: ast.expr, checker: Checker) -> bool:
    text = ast.unparse(annotation) if not isinstance(annotation, ast.Constant) else str(annotation.value)
    return "None" in text or "Optional" in text or text in ("Any", "typing.Any", "object")
