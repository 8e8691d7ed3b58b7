"""PF008 gather-without-return-exceptions."""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from pitfalls.astutil import call_keyword, called_name, keyword_insertion_edit, last_names, walk
from pitfalls.cachemodel import (
    assignments_in,
    enclosing_statement,
    function_of,
    insert_after_statement,
    local_definition,
    unused_name,
)
from pitfalls.engine import Checker
from pitfalls.knowledge.asyncio import (
    GATHER_CALLS,
    HTTP_WRITE_METHODS,
    NOT_WRITES,
    SQL_WRITE_WORDS,
    TASK_WRAPPERS,
    THREAD_WRAPPERS,
    VERBS_WRITING_ONLY_WITH_ARGUMENTS,
    WRITE_VERBS,
)
from pitfalls.model import Applicability, Edit, Fix, Range, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video

_MAX_DEPTH = 4
_NAME_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_FILLER_WORDS = frozenset({"do", "try", "async", "maybe", "safe", "safely", "and", "the", "run"})


class GatherWithoutReturnExceptions(Rule):
    code = "PF008"
    slug = "gather-without-return-exceptions"
    summary = "`asyncio.gather` without `return_exceptions=True` abandons the rest on the first failure"
    severity = Severity.WARNING
    has_fix = True
    triggers = ("gather",)
    video = Video(
        "What's wrong with this Python asyncio gather?", "https://www.youtube.com/watch?v=sDLObQv7Luc"
    )
    doc = RuleDoc(
        what_it_does="""\
Finds `asyncio.gather(...)` (however it is imported) over several awaitables — two or
more arguments, or a starred list, generator or `map` — without `return_exceptions=True`
(an explicit `return_exceptions=False` counts as without).

The finding is a warning when at least one of the gathered calls changes something
outside the process: its name says so (`save`, `send_email`, `publish`, `update_order`,
`post`, `insert`, `charge`, ...), it runs an `INSERT`/`UPDATE`/`DELETE` statement, it sends
a `POST`/`PUT`/`PATCH`/`DELETE` request, or it is a function of the same file whose body
does one of these. A fan-out that only reads (`fetch_user`, `get_prices`) is reported as
information: its results are lost too, but all-or-nothing may be what the caller wants,
and `asyncio.TaskGroup` says so explicitly (it is never reported). Nor is a `gather`
whose every awaitable calls a function of the same file that catches `Exception` around
its whole body and never raises: there is no first failure to lose.""",
        why_it_bites="""\
Without `return_exceptions=True`, `gather` raises the first exception as soon as it
happens. The other awaitables are not cancelled, but nobody waits for them any more:
their results and their own errors are lost, and the caller goes on as if the batch had
failed as a whole. When the caller then returns an error response, closes its database
session, or is itself cancelled (a request timeout, a worker shutting down), the writes
still in flight are cut off half-way. Some records are written, some are not, and
nothing tells you which: missing rows, notifications sent twice on retry, state that no
longer adds up.""",
        example="""\
```python
async def sync_orders(orders):
    await asyncio.gather(*(save_order(order) for order in orders))
```""",
        use_instead="""\
```python
async def sync_orders(orders):
    results = await asyncio.gather(
        *(save_order(order) for order in orders), return_exceptions=True
    )
    failures = [result for result in results if isinstance(result, Exception)]
    if failures:
        raise ExceptionGroup("some orders were not saved", failures)
```

Every write runs to completion, and the failures are still reported together. On
Python 3.11+, `asyncio.TaskGroup` is another choice: it cancels the remaining tasks
explicitly and waits for them before raising.""",
        fix_safety="""\
The fix is unsafe. It adds `return_exceptions=True`, so `gather` waits for every
awaitable and returns exceptions in place of results, and then inserts a check after the
statement that raises an `ExceptionGroup` (Python 3.11+) of the failures, so that errors
are still raised once everything has finished. When the result was returned or ignored,
the fix first assigns it to a new name. Code that reads the results must cope with the
fact that it now runs only after every write has settled.""",
    )
    node_types: ClassVar = (ast.Call,)

    def visit(self, node: ast.AST, checker: Checker) -> None:
        assert isinstance(node, ast.Call)
        if checker.callee_name(node, _GATHER_NAMES) not in GATHER_CALLS:
            return
        option = call_keyword(node, "return_exceptions")
        if option is not None and not (
            isinstance(option.value, ast.Constant) and option.value.value is False
        ):
            return
        if any(keyword.arg is None for keyword in node.keywords):
            return  # ``**options`` may carry return_exceptions
        starred = any(isinstance(argument, ast.Starred) for argument in node.args)
        if not starred and len(node.args) < 2:
            return
        function = function_of(node, checker)
        if _none_can_fail(node, function, checker):
            return
        write = _first_write(node, function, checker)
        fix = _fix(node, function, checker) if option is None else None
        if write is None:
            message = (
                "The first failure in this `gather` raises at once: the other results are lost and the "
                "tasks still running go unobserved, their errors unreported; pass `return_exceptions=True` "
                "and handle each result, or use `asyncio.TaskGroup` if all-or-nothing is intended"
            )
            checker.report(self, node.func, message, fix=fix, severity=Severity.INFO)
            return
        call, reason = write
        message = (
            f"The first failure in this `gather` raises at once: the other writes ({reason}) are no "
            "longer awaited, their errors are lost, and they are cut off if the caller returns or is "
            "cancelled; pass `return_exceptions=True` and check the results"
        )
        checker.report(
            self,
            node.func,
            message,
            fix=fix,
            related=(checker.related("a write in the fan-out", call),),
        )


_GATHER_NAMES = last_names(GATHER_CALLS)


def _first_write(
    gather: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef | None, checker: Checker
) -> tuple[ast.Call, str] | None:
    for awaitable in _awaitables(checker, gather, function, 0):
        found = _write_in_call(awaitable, checker, gather, 0)
        if found is not None:
            return awaitable, found
    return None


def _none_can_fail(
    gather: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef | None, checker: Checker
) -> bool:
    """Every gathered awaitable calls a function of this file that catches every exception
    itself (``async def safe_setup(...): try: ... except Exception: log; return False``):
    there is no first failure to lose."""
    for argument in gather.args:
        if isinstance(argument, ast.Starred):
            calls = _calls_of_iterable(checker, argument.value, function, 0)
        else:
            calls = _calls_of_expression(checker, argument, function, 0)
        if not calls:
            return False  # something this file cannot see into
        for call in calls:
            wraps = (
                checker.qualified_name(call.func) in TASK_WRAPPERS or called_name(call.func) in TASK_WRAPPERS
            )
            if wraps and call.args:
                inner = call.args[0]
                if not isinstance(inner, ast.Call):
                    return False
                call = inner
            definition = local_definition(call.func, checker, gather)
            if definition is None or not _catches_everything(definition, checker):
                return False
    return True


def _catches_everything(function: ast.FunctionDef | ast.AsyncFunctionDef, checker: Checker) -> bool:
    """The body is one ``try`` whose handlers never raise, one of them catching ``Exception``
    or more, with at most a plain ``return`` after it."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body or not isinstance(body[0], ast.Try) or len(body) > 2:
        return False
    statement = body[0]
    if len(body) == 2 and not (isinstance(body[1], ast.Return) and _is_plain(body[1].value)):
        return False
    if statement.finalbody or not all(
        isinstance(line, (ast.Return, ast.Pass)) and _is_plain(getattr(line, "value", None))
        for line in statement.orelse
    ):
        return False
    if any(isinstance(node, ast.Raise) for handler in statement.handlers for node in walk(handler)):
        return False
    return any(_is_broad(handler.type, checker) for handler in statement.handlers)


def _is_plain(value: ast.expr | None) -> bool:
    return value is None or isinstance(value, (ast.Constant, ast.Name))


def _is_broad(caught: ast.expr | None, checker: Checker) -> bool:
    if caught is None:
        return True
    candidates = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(
        checker.qualified_name(candidate) in ("builtins.Exception", "builtins.BaseException")
        for candidate in candidates
    )


def _awaitables(
    checker: Checker, gather: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef | None, depth: int
) -> list[ast.Call]:
    calls: list[ast.Call] = []
    for argument in gather.args:
        if isinstance(argument, ast.Starred):
            calls.extend(_calls_of_iterable(checker, argument.value, function, depth))
        else:
            calls.extend(_calls_of_expression(checker, argument, function, depth))
    return calls


def _calls_of_expression(
    checker: Checker,
    node: ast.expr,
    function: ast.FunctionDef | ast.AsyncFunctionDef | None,
    depth: int,
) -> list[ast.Call]:
    if depth > _MAX_DEPTH:
        return []
    if isinstance(node, ast.Call):
        return [node]
    if isinstance(node, ast.Name) and function is not None:
        found: list[ast.Call] = []
        for value in assignments_in(checker, function, node.id, before=node):
            found.extend(_calls_of_expression(checker, value, function, depth + 1))
        return found
    if isinstance(node, ast.IfExp):
        return _calls_of_expression(checker, node.body, function, depth + 1) + _calls_of_expression(
            checker, node.orelse, function, depth + 1
        )
    return []


def _calls_of_iterable(
    checker: Checker,
    node: ast.expr,
    function: ast.FunctionDef | ast.AsyncFunctionDef | None,
    depth: int,
) -> list[ast.Call]:
    if depth > _MAX_DEPTH:
        return []
    if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
        return _calls_of_expression(checker, node.elt, function, depth + 1)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        found: list[ast.Call] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                found.extend(_calls_of_iterable(checker, element.value, function, depth + 1))
            else:
                found.extend(_calls_of_expression(checker, element, function, depth + 1))
        return found
    if isinstance(node, ast.Call):
        name = called_name(node.func)
        if name == "map" and node.args:
            mapped = node.args[0]
            return [ast.Call(func=mapped, args=[], keywords=[], **_location(mapped))]
        if name in ("list", "tuple") and node.args:
            return _calls_of_iterable(checker, node.args[0], function, depth + 1)
        if name in ("values",) and isinstance(node.func, ast.Attribute):
            return _calls_of_iterable(checker, node.func.value, function, depth + 1)
        return []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _calls_of_iterable(checker, node.left, function, depth + 1) + _calls_of_iterable(
            checker, node.right, function, depth + 1
        )
    if isinstance(node, ast.Name) and function is not None:
        found = []
        for value in assignments_in(checker, function, node.id, before=node):
            found.extend(_calls_of_iterable(checker, value, function, depth + 1))
        nodes = _nodes_of(function, checker)
        for statement in nodes:
            if not (isinstance(statement, ast.Call) and isinstance(statement.func, ast.Attribute)):
                continue
            receiver = statement.func.value
            if not (isinstance(receiver, ast.Name) and receiver.id == node.id and statement.args):
                continue
            if statement.func.attr == "append":
                found.extend(_calls_of_expression(checker, statement.args[0], function, depth + 1))
            elif statement.func.attr == "extend":
                found.extend(_calls_of_iterable(checker, statement.args[0], function, depth + 1))
            elif statement.func.attr == "__setitem__" and len(statement.args) > 1:
                found.extend(_calls_of_expression(checker, statement.args[1], function, depth + 1))
        for statement in nodes:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == node.id
                    ):
                        found.extend(_calls_of_expression(checker, statement.value, function, depth + 1))
        return found
    return []


def _nodes_of(function: ast.FunctionDef | ast.AsyncFunctionDef, checker: Checker) -> list[ast.AST]:
    """``walk(function)``, walked once per analysis: each gathered name is looked for in it
    twice, once to see whether a call can fail and once for the writes."""
    facts = checker.facts_of(function)
    nodes = facts.get("pf008.nodes")
    if nodes is None:
        nodes = facts["pf008.nodes"] = walk(function)
    return nodes  # type: ignore[return-value]


def _location(node: ast.AST) -> dict[str, int | None]:
    return {
        "lineno": node.lineno,  # type: ignore[attr-defined]
        "col_offset": node.col_offset,  # type: ignore[attr-defined]
        "end_lineno": node.end_lineno,  # type: ignore[attr-defined]
        "end_col_offset": node.end_col_offset,  # type: ignore[attr-defined]
    }


def _write_in_call(call: ast.Call, checker: Checker, context: ast.AST, depth: int) -> str | None:
    """Why the call writes, or None when nothing says it does."""
    if depth > 2:
        return None
    name = called_name(call.func)
    if name is None:
        return None
    qualified = checker.qualified_name(call.func) or ""
    if qualified in TASK_WRAPPERS or name in TASK_WRAPPERS:
        inner = call.args[0] if call.args else None
        return _write_in_call(inner, checker, context, depth) if isinstance(inner, ast.Call) else None
    if name in NOT_WRITES:
        return None
    position = THREAD_WRAPPERS.get(qualified, THREAD_WRAPPERS.get(name))
    if position is not None and position < len(call.args):
        wrapped = call.args[position]
        inner = ast.Call(
            func=wrapped, args=call.args[position + 1 :], keywords=call.keywords, **_location(wrapped)
        )
        return _write_in_call(inner, checker, context, depth)
    verbs = set(_verbs_of(name)) & WRITE_VERBS
    if not call.args and not call.keywords:
        verbs -= VERBS_WRITING_ONLY_WITH_ARGUMENTS
    if verbs:
        return f"`{name}(...)`"
    for argument in call.args[:1]:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            text = argument.value.strip()
            if text.upper() in HTTP_WRITE_METHODS:
                return f"a `{text.upper()}` request"
            lowered = " ".join(text.lower().split()) + " "
            if any(lowered.startswith(word) or f" {word}" in f" {lowered}" for word in SQL_WRITE_WORDS):
                return f"`{name}` of a SQL write"
    for keyword in call.keywords:
        method = keyword.value.value if isinstance(keyword.value, ast.Constant) else None
        if keyword.arg == "method" and str(method).upper() in HTTP_WRITE_METHODS:
            return f"a `{str(keyword.value.value).upper()}` request"
    definition = local_definition(call.func, checker, context)
    if definition is not None:
        for inner in walk(definition):
            if isinstance(inner, ast.Call) and inner is not call:
                found = _write_in_call(inner, checker, context, depth + 1)
                if found is not None:
                    return f"`{name}(...)`, which calls {found}" if depth == 0 else found
    return None


def _verbs_of(name: str) -> list[str]:
    """The words of a function name in verb position: the first (after fillers such as
    ``do_`` or ``try_``) and any after ``and``/``then``; ``asave`` (Django's async ORM) reads
    as ``save``."""
    words = [word.lower() for word in _NAME_WORDS.findall(name)]
    while len(words) > 1 and words[0] in _FILLER_WORDS:
        words.pop(0)
    verbs = words[:1]
    verbs += [words[index + 1] for index, word in enumerate(words[:-1]) if word in ("and", "then")]
    verbs += [verb[1:] for verb in verbs if verb.startswith("a") and verb[1:] in WRITE_VERBS]
    return verbs


def _fix(
    gather: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef | None, checker: Checker
) -> Fix | None:
    source = checker.source
    add_keyword = keyword_insertion_edit(source, gather, "return_exceptions=True")
    awaited = checker.parent(gather)
    if not isinstance(awaited, ast.Await):
        return None
    statement = enclosing_statement(awaited, checker)
    if statement is None:
        return None
    holder = checker.parent(awaited)
    results_name: str
    edits = [add_keyword]
    if isinstance(statement, ast.Assign) and holder is statement and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            results_name = target.id
        elif isinstance(target, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in target.elts):
            results_name = "(" + ", ".join(e.id for e in target.elts) + ",)"  # type: ignore[attr-defined]
        else:
            return None
        lines: list[str] = []
    elif isinstance(statement, ast.Expr) and holder is statement:
        results_name = unused_name(function, "results")
        edits.append(Edit(Range(source.start(awaited), source.start(awaited)), f"{results_name} = "))
        lines = []
    elif isinstance(statement, ast.Return) and holder is statement:
        results_name = unused_name(function, "results")
        start = source.start(statement)
        value_start = source.start(awaited)
        edits.append(Edit(Range(start, value_start), f"{results_name} = "))
        lines = []
    else:
        return None
    failures = unused_name(function, "failures")
    lines += [
        f"{failures} = [result for result in {results_name} if isinstance(result, Exception)]",
        f"if {failures}:",
        f'    raise ExceptionGroup("some gathered calls failed", {failures})',
    ]
    if isinstance(statement, ast.Return):
        lines.append(f"return {results_name}")
    edits.append(insert_after_statement(source, statement, lines))
    return Fix(
        "Add `return_exceptions=True` and raise the failures together once all calls have finished",
        tuple(edits),
        Applicability.UNSAFE,
    )
