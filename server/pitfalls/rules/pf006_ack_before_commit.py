"""PF006 ack-before-commit."""

from __future__ import annotations

import ast

from pitfalls import dbflow
from pitfalls.astutil import call_keyword, is_constant_true, short_text
from pitfalls.engine import Checker, Scope
from pitfalls.knowledge import db
from pitfalls.model import Applicability, Edit, Fix, Range, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video
from pitfalls.source import SourceFile


class AckBeforeCommit(Rule):
    code = "PF006"
    slug = "ack-before-commit"
    summary = "A queue message is acknowledged before its database work is committed"
    severity = Severity.WARNING
    has_fix = True
    triggers = ("ack", "delete_message", "commit", "auto_ack", "no_ack", "acknowledge")
    video = Video("Why does this Python worker drop messages?", "https://www.youtube.com/watch?v=SAcVyYDFUF0")
    doc = RuleDoc(
        what_it_does="""\
Finds consumers that acknowledge a message before the database work it carried is
committed:

- an acknowledgement (`channel.basic_ack`, aio-pika/kombu `message.ack()`, SQS
  `delete_message`/`delete_message_batch`, Kafka `consumer.commit()`, Redis `xack`)
  followed, on some path through the function, by a database write or commit (raw SQL
  `INSERT`/`UPDATE`/`DELETE`, `commit()`, SQLAlchemy `session.add`, Django `.save()`,
  `.create()`, `.update()`, `.delete()`, or a function of the same file that does one);
- an acknowledgement inside `finally:` around database work, which acknowledges failed
  messages too;
- an acknowledgement inside a `with transaction.atomic():`, `with session.begin():`,
  `with conn:` or `async with conn.transaction():` block (or a function decorated with
  `@transaction.atomic`), which commits only when the block ends;
- an aio-pika `async with message.process():` block (it acknowledges when the block
  ends) followed by database work;
- a consumer registered with `auto_ack=True`/`no_ack=True` whose callback, in the same
  file, writes to a database.

Negative acknowledgements (`basic_nack`, `basic_reject`, `nack`, `reject`) are never
reported, nor are consumers that do no database work. Celery's default early
acknowledgement is a deliberate, documented trade-off and is not reported. Look-alike
methods need evidence of a queue: `delete_message` needs an SQS client or `QueueUrl`/
`ReceiptHandle` (a Telegram bot's `delete_message` is not an acknowledgement), and
`commit()` is an offset commit only on a Kafka consumer.""",
        why_it_bites="""\
Once a message is acknowledged, the broker forgets it. If the worker then crashes, is
killed by a deploy or an OOM, or the commit fails (deadlock, constraint, lost
connection), the message is gone and the database never got its write: an order that
was paid but never recorded, an email never sent. Nothing retries it and nothing logs
it. Acknowledging after the commit turns the failure into a redelivery instead: at
least once, with an idempotent handler, instead of at most once by accident.""",
        example="""\
```python
def on_message(ch, method, properties, body):
    order = json.loads(body)
    ch.basic_ack(delivery_tag=method.delivery_tag)
    cursor.execute("INSERT INTO orders (id, total) VALUES (%s, %s)", (order["id"], order["total"]))
    conn.commit()
```""",
        use_instead="""\
```python
def on_message(ch, method, properties, body):
    order = json.loads(body)
    try:
        cursor.execute("INSERT INTO orders (id, total) VALUES (%s, %s)", (order["id"], order["total"]))
        conn.commit()
    except Exception:
        conn.rollback()
        ch.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
        raise
    ch.basic_ack(delivery_tag=method.delivery_tag)
```

Make the handler idempotent (an upsert, or a processed-message table), since a crash
between the commit and the acknowledgement redelivers the message.""",
        fix_safety="""\
The fix moves the acknowledgement statement to just after the last statement of the
same block that writes or commits, to just after the transaction block, or out of
`finally:` to the end of the `try` body. It is unsafe: the message is then redelivered
when the database work fails, so the handler must be idempotent, and a failure that
used to be swallowed now leaves the message unacknowledged. Other shapes get no fix.""",
    )
    wants_scopes = True
    checks_scopes_after_walk = True  # the database work may sit in a helper defined below

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        if (
            scope.kind in ("function", "module")
            and _may_acknowledge(scope)
            and not dbflow.is_test_code(checker, scope)
        ):
            self._check_function(scope, checker)

    def _check_function(self, scope: Scope, checker: Checker) -> None:
        calls = dbflow.classified_calls(scope, checker)
        for call in calls:
            if call.role == dbflow.ACK:
                self._check_ack(call, scope, checker)
        for node in scope.of(ast.Call):
            assert isinstance(node, ast.Call)
            self._check_auto_ack(node, scope, checker)
        for statement in scope.of(ast.AsyncWith) + scope.of(ast.With):
            assert isinstance(statement, (ast.With, ast.AsyncWith))
            for item in statement.items:
                if _acks_on_exit(item.context_expr, checker, scope):
                    self._check_ack_on_exit(statement, item.context_expr, scope, checker)

    def _check_ack_on_exit(
        self, statement: ast.With | ast.AsyncWith, context: ast.expr, scope: Scope, checker: Checker
    ) -> None:
        writes = dbflow.writes_in(scope, checker)
        for event, node in dbflow.after(statement):
            work = _first_inside([node], writes) if event == "stmt" else None
            if work is None:
                continue
            line = checker.source.start(work).line + 1
            message = (
                f"`{short_text(checker.source.segment(context))}` acknowledges the message when its block ends, "
                f"before the database work on line {line} is committed: a crash in between loses the message; "
                "do the database work inside the block"
            )
            checker.report(
                self,
                context,
                message,
                related=(checker.related("database work committed after the acknowledgement", work),),
            )
            return

    def _check_ack(self, ack: dbflow.DbCall, scope: Scope, checker: Checker) -> None:
        statement = dbflow.statement_of(ack.node)
        if statement is None:
            return
        writes = dbflow.writes_in(scope, checker)
        if not writes:
            return
        what = f"`{short_text(checker.source.segment(ack.node))}`"
        try_node = dbflow.in_finally(ack.node)
        if try_node is not None:
            work = _first_inside(try_node.body, writes)
            if work is not None:
                message = (
                    f"{what} runs in `finally`, so a message whose database work failed is acknowledged "
                    "and lost; acknowledge at the end of the `try` body instead"
                )
                checker.report(
                    self,
                    ack.node,
                    message,
                    fix=_fix_out_of_finally(statement, try_node, checker),
                    related=(checker.related("database work that may fail", work),),
                )
                return
        transaction = dbflow.enclosing_transaction(ack.node, checker, scope)
        if transaction is not None:
            region = transaction.body  # type: ignore[attr-defined]
            if _first_inside(region, writes) is not None:
                where = (
                    "the transaction block"
                    if isinstance(transaction, (ast.With, ast.AsyncWith))
                    else "the function"
                )
                message = (
                    f"{what} runs before {where} commits: if the commit fails or the worker dies first, "
                    "the message is gone and the write never happened; acknowledge after the block"
                )
                fix = None
                if isinstance(transaction, (ast.With, ast.AsyncWith)):
                    fix = _fix_after_with(statement, transaction, checker)
                checker.report(
                    self,
                    ack.node,
                    message,
                    fix=fix,
                    related=(checker.related("the transaction, committed when it ends", transaction),),
                )
                return
        for event, node in dbflow.after(statement):
            if event != "stmt":
                continue
            work = _first_inside([node], writes)
            if work is None:
                continue
            line = checker.source.start(work).line + 1
            message = (
                f"{what} acknowledges the message before the database work on line {line} is committed: "
                "if the worker dies or the commit fails in between, the message is lost; acknowledge after the commit"
            )
            checker.report(
                self,
                ack.node,
                message,
                fix=_fix_after_siblings(statement, writes, checker),
                related=(checker.related("database work committed after the acknowledgement", work),),
            )
            return

    def _check_auto_ack(self, call: ast.Call, scope: Scope, checker: Checker) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        registration = db.AUTO_ACK_REGISTRATIONS.get(func.attr)
        if registration is None:
            return
        flag_names, callback_names = registration
        flag = next((call_keyword(call, name) for name in flag_names if call_keyword(call, name)), None)
        if flag is None or not is_constant_true(flag.value):
            return
        candidates = [keyword.value for keyword in call.keywords if keyword.arg in callback_names]
        candidates.extend(call.args)
        for candidate in candidates:
            callback = _callback_function(candidate, checker, scope)
            if callback is None:
                continue
            callback_scope = dbflow.scope_for(callback, checker)
            if callback_scope is None:
                continue
            writes = dbflow.writes_in(callback_scope, checker)
            if not writes:
                continue
            message = (
                f"`{flag.arg}=True` acknowledges each message on delivery, before `{callback.name}` writes it "
                "to the database: a crash or a failed commit loses the message; acknowledge in the callback "
                "after the commit"
            )
            checker.report(
                self,
                flag,
                message,
                related=(checker.related("database work done after delivery was acknowledged", writes[0]),),
            )
            return


def _may_acknowledge(scope: Scope) -> bool:
    """Whether the scope calls a method that acknowledges, registers a consumer or opens an
    acknowledging block: every finding starts at such a call, and most functions make none."""
    for call in scope.of(ast.Call):
        func = call.func  # type: ignore[attr-defined]
        if func.__class__ is ast.Attribute and func.attr in _ACKNOWLEDGING_METHODS:
            return True
    return False


_ACKNOWLEDGING_METHODS = frozenset({*db.ACK_METHODS, *db.AUTO_ACK_REGISTRATIONS, *db.ACK_ON_EXIT_METHODS})


def _acks_on_exit(expr: ast.expr, checker: Checker, scope: Scope) -> bool:
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)):
        return False
    if expr.func.attr not in db.ACK_ON_EXIT_METHODS:
        return False
    receiver = expr.func.value
    made = dbflow.receiver_kind(receiver, checker, scope)
    if made is not None:
        return made.kind == db.MESSAGE
    name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", None)
    return name in db.MESSAGE_NAMES


def _callback_function(
    expr: ast.expr, checker: Checker, scope: Scope
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    if (
        isinstance(expr, ast.Call)
        and expr.args
        and (checker.qualified_name(expr.func, scope) or "").endswith("partial")
    ):
        expr = expr.args[0]
    if isinstance(expr, ast.Name):
        fake = ast.Call(func=expr, args=[], keywords=[])
        return dbflow.local_callee(fake, checker, scope)
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id in ("self", "cls")
    ):
        return dbflow.method_of_enclosing_class(expr.attr, scope, checker)
    return None


def _first_inside(statements: list[ast.stmt], nodes: list[ast.AST]) -> ast.AST | None:
    for node in nodes:
        if any(dbflow.contains(statement, node) for statement in statements):
            return node
    return None


def _fix_after_siblings(statement: ast.stmt, writes: list[ast.AST], checker: Checker) -> Fix | None:
    """Move the ack below the last statement of its own block that writes or commits."""
    found = dbflow.block_of(statement)
    if found is None or not isinstance(statement, ast.Expr):
        return None
    _owner, _field, block = found
    index = next(i for i, item in enumerate(block) if item is statement)
    target = None
    for following in block[index + 1 :]:
        if isinstance(following, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
            break
        if _first_inside([following], writes) is not None:
            target = following
    if target is None:
        return None
    return _move(statement, target, checker.source.indentation_of_line(statement.lineno - 1), checker)


def _fix_after_with(
    statement: ast.stmt, transaction: ast.With | ast.AsyncWith, checker: Checker
) -> Fix | None:
    if not isinstance(statement, ast.Expr) or not any(item is statement for item in transaction.body):
        return None
    if len(transaction.body) == 1:
        return None
    indent = checker.source.indentation_of_line(transaction.lineno - 1)
    return _move(statement, transaction, indent, checker)


def _fix_out_of_finally(statement: ast.stmt, try_node: ast.Try, checker: Checker) -> Fix | None:
    if not isinstance(statement, ast.Expr) or not any(item is statement for item in try_node.finalbody):
        return None
    last = try_node.body[-1]
    if isinstance(last, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return None
    source = checker.source
    span = dbflow.whole_lines(statement, source)
    last_span = dbflow.whole_lines(last, source)
    if span is None or last_span is None:
        return None
    indent = source.indentation_of_line(try_node.body[0].lineno - 1)
    text = dbflow.moved_text(statement, source, indent)
    if text is None:
        return None
    insert = dbflow.insert_after_line(source, source.end(last).line, text)
    if len(try_node.finalbody) > 1:
        delete = dbflow.delete_lines(source, *span)
    elif try_node.handlers or try_node.orelse:
        finally_line = _finally_keyword_line(statement, source)
        if finally_line is None:
            return None
        delete = dbflow.delete_lines(source, finally_line, span[1])
    else:
        first = dbflow.line_start(source, span[0])
        own_indent = source.indentation_of_line(span[0])
        delete = Edit(
            Range(first, dbflow.line_start(source, span[1] + 1)), own_indent + "pass" + source.newline
        )
    return Fix(
        "Acknowledge at the end of the `try` body, after the work succeeded",
        (insert, delete),
        Applicability.UNSAFE,
    )


def _finally_keyword_line(statement: ast.stmt, source: SourceFile) -> int | None:
    line = statement.lineno - 2
    while line >= 0:
        text = source.line(line).strip()
        if text.startswith("finally") and text[len("finally") :].lstrip().startswith(":"):
            return line
        if text and not text.startswith("#"):
            return None
        line -= 1
    return None


def _move(statement: ast.stmt, target: ast.stmt, indent: str, checker: Checker) -> Fix | None:
    source = checker.source
    span = dbflow.whole_lines(statement, source)
    target_end = source.end(target).line
    if span is None:
        return None
    text = dbflow.moved_text(statement, source, indent)
    if text is None:
        return None
    return Fix(
        "Move the acknowledgement after the commit",
        (dbflow.delete_lines(source, *span), dbflow.insert_after_line(source, target_end, text)),
        Applicability.UNSAFE,
    )
