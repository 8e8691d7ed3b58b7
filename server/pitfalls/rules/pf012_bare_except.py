"""PF012 bare-except."""

from __future__ import annotations

import ast
from typing import ClassVar

from pitfalls.astutil import called_name, short_text, walk
from pitfalls.cachemodel import local_definition
from pitfalls.dbflow import block_of
from pitfalls.engine import Checker
from pitfalls.knowledge.types import EXCEPTION_HANDOVER_METHODS, EXITING_CALLS
from pitfalls.model import Applicability, Edit, Fix, Position, Range, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video

_BASE_EXCEPTION = "builtins.BaseException"


class BareExcept(Rule):
    code = "PF012"
    slug = "bare-except"
    summary = "Bare `except:` swallows every exception, including shutdown"
    severity = Severity.WARNING
    has_fix = True
    # Pylint's broad-exception-caught (formerly broad-except) and Ruff's blind-except flag
    # ``except BaseException:`` too: a line that silences them was written to catch it all.
    suppressed_by = (
        "E722",
        "B001",
        "W0702",
        "bare-except",
        "W0703",
        "W0718",
        "broad-except",
        "broad-exception-caught",
        "BLE001",
    )
    triggers = ("except",)
    video = Video(
        "Handling exceptions (Python tutorial)",
        "https://docs.python.org/3/tutorial/errors.html#handling-exceptions",
    )
    doc = RuleDoc(
        what_it_does="""\
Finds `except:` clauses without an exception type, and `except BaseException:` (also in
a tuple), whose handler swallows what it caught: it does not raise again, does not raise
another exception made from the one it caught, does not hand it to a future or keep it
for a later `raise`, and does not end the process (`sys.exit`, `os._exit`, a helper of
the same module or class that always does, or such a call right after the `try`). A bare
`except:` that ends by raising a new exception (`except: raise ValidationError("bad date")`)
is reported too: it turns `KeyboardInterrupt`, `SystemExit` and cancellation into that
exception.""",
        why_it_bites="""\
A bare `except:` catches everything: `KeyboardInterrupt`, `SystemExit` raised by
`sys.exit()` during a graceful shutdown, `GeneratorExit`, `asyncio.CancelledError`
when a request times out, and every programming error. The worker keeps running when it
was told to stop, a cancelled task carries on as if nothing happened, and the one log
line that would have explained an outage never gets written. Debugging turns into
guessing.""",
        example="""\
```python
try:
    charge_card(order)
except:
    logger.info("payment skipped")
```""",
        use_instead="""\
```python
try:
    charge_card(order)
except PaymentDeclined:
    logger.info("payment declined", extra={"order": order.id})
```

If you really must catch everything, catch `Exception` and log it with the traceback, or
re-raise at the end of the handler.""",
        fix_safety="""\
The fix is unsafe: it narrows the clause to `except Exception:`, so `KeyboardInterrupt`,
`SystemExit` and cancellation propagate again, which changes what the program does when
it is interrupted or shut down (that is the point).""",
    )
    node_types: ClassVar = (ast.ExceptHandler,)

    def visit(self, node: ast.AST, checker: Checker) -> None:
        assert isinstance(node, ast.ExceptHandler)
        # What the handler catches decides first: it is cheap, and most handlers catch less.
        offending = None
        if node.type is not None:
            offending = self._base_exception_node(node.type, checker)
            if offending is None:
                return
        if (
            _ends_by_raising(node, checker)
            or _hands_over(node, checker)
            or _converts(node)
            or _exits_after_try(node, checker)
            or _kept_and_raised_later(node, checker)
        ):
            return
        source = checker.source
        keyword_start = source.start(node)
        keyword_range = Range(
            keyword_start, Position(keyword_start.line, keyword_start.column + len("except"))
        )
        if node.type is None:
            fix = Fix(
                "Catch `Exception` instead",
                (Edit(Range(keyword_range.end, keyword_range.end), " Exception"),),
                Applicability.UNSAFE,
            )
            last = node.body[-1] if node.body else None
            if isinstance(last, ast.Raise) and last.exc is not None:
                raised = last.exc.func if isinstance(last.exc, ast.Call) else last.exc
                message = (
                    f"Bare `except:` turns KeyboardInterrupt, SystemExit and cancellation into "
                    f"`{short_text(source.segment(raised))}`: catch the exceptions you expect"
                )
            else:
                message = (
                    "Bare `except:` also catches KeyboardInterrupt, SystemExit and cancellation, "
                    "and hides the real error: catch the exceptions you expect"
                )
            checker.report(self, keyword_range, message, fix=fix)
            return
        assert offending is not None
        fix = Fix(
            "Catch `Exception` instead of `BaseException`",
            (Edit(source.node_range(offending), "Exception"),),
            Applicability.UNSAFE,
        )
        message = (
            "`except BaseException:` that does not re-raise swallows KeyboardInterrupt, SystemExit "
            "and cancellation: catch `Exception` or re-raise"
        )
        checker.report(self, Range(keyword_start, source.end(node.type)), message, fix=fix)

    @staticmethod
    def _base_exception_node(type_node: ast.expr, checker: Checker) -> ast.expr | None:
        candidates = type_node.elts if isinstance(type_node, ast.Tuple) else [type_node]
        for candidate in candidates:
            if checker.qualified_name(candidate) == _BASE_EXCEPTION:
                return candidate
        return None


def _ends_by_raising(handler: ast.ExceptHandler, checker: Checker) -> bool:
    """True when the handler re-raises or exits: its last statement raises, calls
    ``sys.exit``/``os._exit`` or a helper of this module that always does, or it has a
    top-level bare ``raise`` (``except: rollback(); raise``)."""
    body = handler.body
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Raise):
        # A bare ``except:`` that raises a new exception turns KeyboardInterrupt, SystemExit
        # and cancellation into that one: only raising what it caught ends it safely.
        return handler.type is not None or last.exc is None or _raises_caught(last)
    if _exits(last, handler, checker, follow_helpers=True):
        return True
    return any(isinstance(statement, ast.Raise) and statement.exc is None for statement in body)


def _raises_caught(statement: ast.Raise) -> bool:
    """``raise sys.exc_info()[1]`` and the like: the caught exception itself, by the only
    way a bare ``except:`` can name it."""
    exc = statement.exc
    return exc is not None and any(
        isinstance(node, ast.Attribute) and node.attr == "exc_info" for node in walk(exc)
    )


def _exits(statement: ast.stmt, near: ast.AST, checker: Checker, follow_helpers: bool) -> bool:
    """``sys.exit(1)``, or with ``follow_helpers`` a call of a function or method of this
    module whose last statement raises or exits (``self._hard_exit(error)``). ``near`` is
    a node around the statement that the walk has linked to its parents already."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    func = statement.value.func
    if checker.qualified_name(func) in EXITING_CALLS:
        return True
    if not follow_helpers:
        return False
    helper = local_definition(func, checker, near)
    if helper is None or not helper.body:
        return False
    last = helper.body[-1]
    return isinstance(last, ast.Raise) or _exits(last, helper, checker, follow_helpers=False)


def _exits_after_try(handler: ast.ExceptHandler, checker: Checker) -> bool:
    """``try: log(...) except BaseException: pass`` right before ``os._exit(1)``: whatever
    the handler caught, the process ends on the next statement."""
    statement = checker.parent(handler)
    if not isinstance(statement, ast.Try):
        return False
    found = block_of(statement)
    if found is None:
        return False
    statements = found[2]
    index = next(position for position, item in enumerate(statements) if item is statement)
    following = statements[index + 1] if index + 1 < len(statements) else None
    return following is not None and _exits(following, handler, checker, follow_helpers=True)


def _converts(handler: ast.ExceptHandler) -> bool:
    """The handler raises a new exception built from the one it caught (``raise
    WorkerLost(repr(exc)) from exc``, ``reraise(...)``), even inside a nested ``try`` that
    then relays it: the failure is turned into another, not swallowed."""
    if handler.name is None:
        return False
    for statement in handler.body:
        for node in walk(statement):
            if isinstance(node, ast.Raise):
                raised = (node.exc, node.cause)
            elif isinstance(node, ast.Call) and called_name(node.func) == "reraise":
                raised = (node,)
            else:
                continue
            if any(_mentions(part, handler.name) for part in raised if part is not None):
                return True
    return False


def _kept_and_raised_later(handler: ast.ExceptHandler, checker: Checker) -> bool:
    """``except BaseException as ex: last_error = ex`` in a loop of clean-up calls, and
    ``raise last_error`` once they have all run: the exception is put off, not swallowed."""
    if handler.name is None:
        return False
    kept = {
        target.id
        for statement in handler.body
        if isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Name)
        and statement.value.id == handler.name
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    if not kept:
        return False
    function = checker.enclosing_function(handler)
    around: ast.AST = function if function is not None else checker.tree
    return any(
        isinstance(node, ast.Raise)
        and node.lineno > handler.lineno
        and any(_mentions(part, name) for part in (node.exc, node.cause) if part is not None for name in kept)
        for node in walk(around)
    )


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(inner, ast.Name) and inner.id == name for inner in walk(node))


def _hands_over(handler: ast.ExceptHandler, checker: Checker) -> bool:
    """``except BaseException as exc: future.set_exception(exc)`` passes the exception on."""
    if handler.name is None:
        return False
    for statement in handler.body:
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
            continue
        call = statement.value
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr in EXCEPTION_HANDOVER_METHODS
            and any(isinstance(arg, ast.Name) and arg.id == handler.name for arg in call.args)
        ):
            return True
    return False
