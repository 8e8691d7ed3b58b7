"""PF012 bare-except."""

from __future__ import annotations

import ast
from typing import ClassVar

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
    triggers = ("except",)
    video = Video(
        "Handling exceptions (Python tutorial)",
        "https://docs.python.org/3/tutorial/errors.html#handling-exceptions",
    )
    doc = RuleDoc(
        what_it_does="""\
Finds `except:` clauses without an exception type, and `except BaseException:` (also in
a tuple), whose handler does not end by raising again.""",
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
        if _ends_by_raising(node.body, checker) or _hands_over(node, checker):
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
            message = (
                "Bare `except:` also catches KeyboardInterrupt, SystemExit and cancellation, "
                "and hides the real error: catch the exceptions you expect"
            )
            checker.report(self, keyword_range, message, fix=fix)
            return
        offending = self._base_exception_node(node.type, checker)
        if offending is None:
            return
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


def _ends_by_raising(body: list[ast.stmt], checker: Checker) -> bool:
    """True when the handler re-raises or exits: its last statement raises or calls
    ``sys.exit``/``os._exit``, or it has a top-level bare ``raise`` (``except: rollback(); raise``)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Raise):
        return True
    if (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and checker.qualified_name(last.value.func) in EXITING_CALLS
    ):
        return True
    return any(isinstance(statement, ast.Raise) and statement.exc is None for statement in body)


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
