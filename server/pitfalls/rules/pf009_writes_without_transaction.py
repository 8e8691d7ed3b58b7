"""PF009 writes-without-transaction."""

from __future__ import annotations

import ast
import bisect
import collections
import re
from collections.abc import Iterator

from pitfalls import dbflow
from pitfalls.astutil import call_arguments, called_name, children, short_text, statement_first_line, walk
from pitfalls.engine import FUNCTION_TYPES, Checker, FileFact, Scope, parent_of
from pitfalls.knowledge import db
from pitfalls.model import Applicability, Edit, Fix, Position, Range, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video
from pitfalls.source import SourceFile

_SQL_TARGET = re.compile(
    r"\s*(insert\s+into|update|delete\s+from|replace\s+into|merge\s+into)\s+([\w.\"`]+)", re.IGNORECASE
)


class WritesWithoutTransaction(Rule):
    code = "PF009"
    slug = "writes-without-transaction"
    summary = "Writes that belong together are committed separately"
    severity = Severity.WARNING
    has_fix = True
    triggers = ("commit", "save", "update", "execute", "objects", "add(")
    video = Video(
        "What's wrong with this Python account transfer?", "https://www.youtube.com/watch?v=xoGIKrtHHt8"
    )
    doc = RuleDoc(
        what_it_does="""\
Finds a function whose database writes can be committed one without the other:

- two writes with a `commit()` between them on the same path: raw SQL
  `INSERT`/`UPDATE`/`DELETE` through a DB-API connection or cursor (sqlite3, psycopg,
  PyMySQL, mysqlclient), SQLAlchemy `session.add/delete/merge/execute` (and changes to
  mapped attributes such as `account.balance -= amount`), Django `transaction.commit()`;
- a transfer in autocommit mode: one write takes from a row (`balance = balance - %s`,
  `F("stock") - 1`, `account.balance -= amount` then `.save()`) and another adds to a
  row, with each statement committed on its own: Django outside
  `transaction.atomic()`, asyncpg outside `conn.transaction()`, a DB-API connection
  switched to autocommit;
- two Django writes outside `transaction.atomic()` where the second uses the object the
  first wrote (`order.save()` then `Line.objects.create(order=order)`), each committed on
  its own.

Writes inside `with transaction.atomic():`/`@transaction.atomic`, `with conn:` (sqlite3,
psycopg), `with session.begin():`, `with engine.begin():` and `async with
conn.transaction():` are never reported, nor are writes in a block or function of the
project's own helper whose name says transaction or atomic (`with
rolledback_transaction():`, `@atomic_view`), nor is a single commit after all the writes,
nor a function that this file only ever calls inside such a block, directly or through
helpers that are themselves only called there (a `_create_lines` helper of an
`@transaction.atomic` view; a comment that names the helper is no call of it). Ordinary Django code that saves two unrelated objects is
left alone: only the transfer and dependent-write shapes say that the two writes must
succeed or fail together. Writes committed in separate `try`/`except` blocks (each unit
handles its own failure), migrations and test code are skipped. A file is Django code when
it imports from `django`, or from a `models` module (`from bank.models import Account`) and
from no other ORM.""",
        why_it_bites="""\
Between two commits the database holds half of the change, and a crash, a deploy, a
timeout or a failing second statement leaves it there for good: money taken from one
account and never credited to the other, an order without its lines, stock reserved for
an order that does not exist. Concurrent readers see the half-done state too. Nothing
raises; the books simply stop adding up, and the inconsistency is found weeks later.""",
        example="""\
```python
def transfer(conn, source_id, target_id, amount):
    cur = conn.cursor()
    cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, source_id))
    conn.commit()
    cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, target_id))
    conn.commit()
```""",
        use_instead="""\
```python
def transfer(conn, source_id, target_id, amount):
    with conn:  # one transaction: commits both, or rolls both back
        cur = conn.cursor()
        cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, source_id))
        cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, target_id))
```

In Django, wrap the writes in `with transaction.atomic():`; with SQLAlchemy, use
`with session.begin():` or call `session.flush()` between the writes and `commit()` once;
with asyncpg, `async with conn.transaction():`.""",
        fix_safety="""\
The fix is unsafe. With intermediate commits, it removes the commits between the first
and the last write (a SQLAlchemy session's become `flush()`, so generated keys are still
there) when a commit follows the last write. For a transfer in autocommit mode, it wraps
the statements from the first write to the last in `with transaction.atomic():`
(Django; the import is added when missing) or `async with conn.transaction():`
(asyncpg). Both change when the data becomes visible to other connections and hold
locks longer; code that relied on the first commit (another connection reading the row)
behaves differently.""",
    )
    wants_scopes = True

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        if scope.kind == "class" or dbflow.is_test_or_migration_file(checker):
            return
        if not _may_write_twice(scope):
            return  # classifying the calls is the costly part, and most scopes cannot write twice
        calls = dbflow.classified_calls(scope, checker)
        if not any(
            call.role == dbflow.WRITE or (call.role == dbflow.COMMIT and call.kind == db.SESSION)
            for call in calls
        ):
            return
        # Asked only of the scopes that write (one in ten): the definitions around a scope
        # cost more to look at than most scopes' calls cost to classify.
        if dbflow.is_migration(checker, scope) or dbflow.is_test_code(checker, scope):
            return
        free = [call for call in calls if dbflow.enclosing_transaction(call.node, checker, scope) is None]
        writes: list[ast.AST] = [call.node for call in free if call.role == dbflow.WRITE]
        commits = [call for call in free if call.role == dbflow.COMMIT]
        if any(call.kind == db.SESSION for call in commits):
            writes.extend(_attribute_changes(scope))
            writes.sort(key=lambda node: (node.lineno, node.col_offset))  # type: ignore[attr-defined]
        # Every finding needs two writes; the callers are looked up only then (a pass over
        # the whole file).
        if len(writes) < 2 or _only_called_in_transactions(scope, checker):
            return
        if self._check_intermediate_commits(writes, commits, checker):
            return
        if self._check_autocommit_scope(free, scope, checker):
            return
        if self._check_dependent_django_writes(free, scope, checker):
            return
        self._check_autocommit_transfer(free, scope, checker, managed=bool(commits))

    # Commits between writes ---------------------------------------------------------------

    def _check_intermediate_commits(
        self, writes: list[ast.AST], commits: list[dbflow.DbCall], checker: Checker
    ) -> bool:
        for commit in commits:
            commit_statement = dbflow.statement_of(commit.node)
            if commit_statement is None:
                continue
            before = [write for write in writes if dbflow.follows(write, commit.node)]
            if not before:
                continue
            following = _following_nodes(commit_statement, writes)
            if not following:
                continue
            first, second = before[0], following[0]
            if first is second or _guarded_apart(commit.node, second):
                continue
            last = following[-1]
            source = checker.source
            message = (
                f"{_describe(first, checker)} and {_describe(second, checker)} are committed "
                f"separately (commit on line {source.start(commit.node).line + 1}): if anything fails in "
                "between, the first write stays without the second; commit once after both"
            )
            checker.report(
                self,
                first,
                message,
                fix=_remove_commits(first, last, commits, checker),
                related=(
                    checker.related("the commit between the writes", commit.node),
                    checker.related("the write committed separately", second),
                ),
            )
            return True
        return False

    # Transfers in autocommit --------------------------------------------------------------

    def _check_autocommit_scope(self, free: list[dbflow.DbCall], scope: Scope, checker: Checker) -> bool:
        """A function that opens its own connection in autocommit mode and writes twice:
        each statement is its own transaction, so the second can fail after the first stuck."""
        writes = [call for call in free if call.role == dbflow.WRITE and call.kind in db.DB_KINDS]
        if len(writes) < 2 or not _scope_sets_autocommit(scope):
            return False
        first, second = writes[0], writes[1]
        message = (
            f"{_describe(first.node, checker)} and {_describe(second.node, checker)} run on a connection in "
            "autocommit mode, so each commits on its own: a failure in between leaves the first without "
            "the second; run both in one transaction"
        )
        checker.report(
            self,
            first.node,
            message,
            related=(checker.related("the write committed on its own", second.node),),
        )
        return True

    def _check_dependent_django_writes(
        self, free: list[dbflow.DbCall], scope: Scope, checker: Checker
    ) -> bool:
        """Two Django writes outside ``atomic`` where the second uses the object the first
        wrote (``product.save()`` then ``Reservation.objects.create(product=product)``): under
        Django's autocommit, a failure between them keeps the first without the second."""
        writes = [call for call in free if call.role == dbflow.WRITE and call.library == "django"]
        for index, first in enumerate(writes):
            written = _written_object(first)
            if written is None:
                continue
            for second in writes[index + 1 :]:
                if not dbflow.follows(first.node, second.node) or not _mentions(second.node, written):
                    continue
                message = (
                    f"{_describe(first.node, checker)} and {_describe(second.node, checker)} belong together "
                    f"(the second uses `{written}`) but each commits on its own outside "
                    "`transaction.atomic()`: a failure in between leaves the first without the second"
                )
                checker.report(
                    self,
                    first.node,
                    message,
                    fix=_wrap_in_transaction(first, second, first.node, scope, checker),
                    related=(checker.related("the dependent write", second.node),),
                )
                return True
        return False

    def _check_autocommit_transfer(
        self, free: list[dbflow.DbCall], scope: Scope, checker: Checker, managed: bool
    ) -> None:
        candidates: list[tuple[dbflow.DbCall, str, ast.AST]] = []
        # Writes on a DB-API or SQLAlchemy receiver commit on their own only when the file
        # makes an autocommit connection; a function that commits itself runs its writes in
        # a transaction, whatever other connections of the file do.
        if_autocommit_file: set[int] = set()
        for call in free:
            if call.role != dbflow.WRITE:
                continue
            if call.library != "django" and call.kind != db.ASYNCPG:
                if managed or call.kind not in db.DB_KINDS:
                    continue
                if_autocommit_file.add(id(call))
            found = _direction(call, scope, checker)
            if found is not None:
                candidates.append((call, *found))
        # Asking the file is a walk over all of it: only when a transfer could be reported.
        if (
            if_autocommit_file
            and len({direction for _, direction, _ in candidates}) > 1
            and not _file_sets_autocommit(checker)
        ):
            candidates = [entry for entry in candidates if id(entry[0]) not in if_autocommit_file]
        for index, (first, first_direction, anchor) in enumerate(candidates):
            for second, second_direction, _ in candidates[index + 1 :]:
                if first_direction == second_direction or not dbflow.follows(first.node, second.node):
                    continue
                if _same_target(first, second, checker):
                    continue
                scope_name = (
                    "outside `transaction.atomic()`"
                    if first.library == "django"
                    else "outside `conn.transaction()`"
                    if first.kind == db.ASYNCPG
                    else "in autocommit mode"
                )
                message = (
                    f"{_describe(first.node, checker)} and {_describe(second.node, checker)} move a "
                    f"value from one row to another but each commits on its own ({scope_name}): a failure in "
                    "between leaves the amounts wrong; run both in one transaction"
                )
                checker.report(
                    self,
                    first.node,
                    message,
                    fix=_wrap_in_transaction(first, second, anchor, scope, checker),
                    related=(checker.related("the other half of the transfer", second.node),),
                )
                return


def _attribute_changes(scope: Scope) -> list[ast.AST]:
    """``account.balance -= amount``: changes a SQLAlchemy session writes at the next flush."""
    found: list[ast.AST] = []
    for node in scope.of(ast.AugAssign):
        assert isinstance(node, ast.AugAssign)
        target = node.target
        if (
            isinstance(node.op, (ast.Add, ast.Sub))
            and isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id not in ("self", "cls")
        ):
            found.append(node)
    return found


def _guarded_apart(commit: ast.AST, second: ast.AST) -> bool:
    """``try: add(a); commit() except IntegrityError: rollback()`` then another such block:
    each write is its own unit on purpose, with its own failure handling."""
    for ancestor in Checker.ancestors(commit):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        if (
            isinstance(ancestor, ast.Try)
            and ancestor.handlers
            and any(dbflow.contains(statement, commit) for statement in ancestor.body)
        ):
            return not dbflow.contains(ancestor, second)
    return False


def _following_nodes(statement: ast.stmt, nodes: list[ast.AST]) -> list[ast.AST]:
    following = [node for event, node in dbflow.after(statement) if event == "stmt"]
    return [node for node in nodes if any(dbflow.contains(container, node) for container in following)]


def _written_object(call: dbflow.DbCall) -> str | None:
    """The existing object a write changes: ``product`` in ``product.save()`` or
    ``old.delete()``. Creating a row and then its children (``app = App.objects.create();
    Webhook.objects.create(app=app)``) is left alone: fixtures and factories do it everywhere,
    and a parent without children is rarely the harm this rule is about."""
    receiver = call.receiver
    if isinstance(receiver, ast.Name) and call.method in ("save", "delete", "asave", "adelete"):
        return receiver.id
    return None


def _mentions(call: ast.Call, name: str) -> bool:
    arguments = call_arguments(call)
    return any(
        isinstance(node, ast.Name) and node.id == name for argument in arguments for node in walk(argument)
    )


def _sets_autocommit(node: ast.AST) -> bool:
    """``connect(..., autocommit=True)``, ``isolation_level=None`` or ``conn.autocommit = True``."""
    if isinstance(node, ast.Assign):
        return (
            any(
                isinstance(target, ast.Attribute) and target.attr == db.AUTOCOMMIT_ATTRIBUTE
                for target in node.targets
            )
            and isinstance(node.value, ast.Constant)
            and node.value.value is True
        )
    if isinstance(node, ast.Call):
        return any(
            keyword.arg in db.AUTOCOMMIT_KEYWORDS
            and isinstance(keyword.value, ast.Constant)
            and keyword.value.value is db.AUTOCOMMIT_KEYWORDS[keyword.arg]
            for keyword in node.keywords
        )
    return False


def _scope_sets_autocommit(scope: Scope) -> bool:
    # One type at a time: asked for two, ``Scope.of`` scans every node of the scope.
    return any(_sets_autocommit(node) for node_type in (ast.Assign, ast.Call) for node in scope.of(node_type))


def _may_write_twice(scope: Scope) -> bool:
    """Whether the scope calls ``commit`` (a session's commit makes its attribute changes
    count as writes) or two methods that can write: without, it holds fewer than the two
    writes every finding needs, whatever the calls turn out to be."""
    candidates = 0
    for node in scope.of(ast.Call):
        func = node.func  # type: ignore[attr-defined]
        if func.__class__ is not ast.Attribute:
            continue  # a plain name is a write of no library (Django's ``commit()`` is no session's)
        method = func.attr
        if method in _SESSION_COMMIT_METHODS:
            return True
        if method in dbflow.WRITE_METHODS:
            candidates += 1
            if candidates == 2:
                return True
    return False


_SESSION_COMMIT_METHODS = db.COMMIT_METHODS[db.SESSION]


def _only_called_in_transactions(scope: Scope, checker: Checker) -> bool:
    """The function is called in this file, and every call runs inside a transaction
    (``with transaction.atomic(): self._create_lines(order)``): its writes commit together
    with the caller's."""
    function = scope.node
    if not isinstance(function, FUNCTION_TYPES):
        return False
    return function.name in checker.file_fact(_CALLS_IN_TRANSACTIONS)


def _calls_in_transactions(statements: list[ast.stmt], checker: Checker) -> _CallsPart:
    """The block's part of ``_CALLS_IN_TRANSACTIONS``: its text, and, for its statements
    that can open a transaction at all, their calls by name (``helper(...)``,
    ``self.helper(...)``) as (called name, name of the function making the call, whether it
    runs inside a transaction block or decorated function, count).

    Read from the syntax alone (``.begin()`` and ``.transaction()`` on any receiver count),
    since a file fact cannot wait for the walk to reach the other blocks. Most statements
    open no transaction and cost only a look at their text."""
    counts: dict[tuple[str, str, bool], int] = {}
    defines: list[str] = []
    source = checker.source
    block_text = _lines_text(statements[0], statements[-1], source) if statements else ""
    for statement in statements:
        if isinstance(statement, FUNCTION_TYPES):
            defines.append(statement.name)
        elif isinstance(statement, ast.ClassDef):
            defines.extend(item.name for item in statement.body if isinstance(item, FUNCTION_TYPES))
    if not any(word in block_text for word in _TRANSACTION_WORDS):
        return _CallsPart(block_text, frozenset(), tuple(sorted(defines)))
    # The lines (1-based) where a transaction word occurs, found in a pass over the text
    # rather than by slicing out each statement's lines.
    block_start = source.line_starts[statement_first_line(statements[0]) - 1] if statements else 0
    word_lines = sorted(
        {source.position_at(block_start + offset).line + 1 for offset in _transaction_words_in(block_text)}
    )
    for statement in statements:
        at = bisect.bisect_left(word_lines, statement_first_line(statement))
        if at == len(word_lines) or word_lines[at] > (statement.end_lineno or statement.lineno):
            continue
        pending: list[tuple[ast.AST, str, bool]] = [(statement, "", False)]
        while pending:
            node, caller, inside = pending.pop()
            if isinstance(node, FUNCTION_TYPES):
                caller = node.name
                inside = any(_names_transaction(decorator, checker) for decorator in node.decorator_list)
            elif isinstance(node, (ast.With, ast.AsyncWith)) and any(
                _names_transaction(item.context_expr, checker) for item in node.items
            ):
                inside = True
            elif isinstance(node, ast.Call):
                name = called_name(node.func)
                if name is not None:
                    counts[(name, caller, inside)] = counts.get((name, caller, inside), 0) + 1
            pending.extend([(child, caller, inside) for child in children(node)])
    calls = frozenset((name, caller, inside, count) for (name, caller, inside), count in counts.items())
    return _CallsPart(block_text, calls, tuple(sorted(defines)))


def _lines_text(first: ast.stmt, last: ast.stmt, source: SourceFile) -> str:
    """The whole lines from ``first`` (its decorators included) to ``last``."""
    return source.lines_text(statement_first_line(first) - 1, (last.end_lineno or last.lineno) - 1)


def _names_transaction(expr: ast.expr, checker: Checker) -> bool:
    if isinstance(expr, ast.Await):
        expr = expr.value
    target = expr.func if isinstance(expr, ast.Call) else expr
    if checker.qualified_name(target, checker.module_scope) in db.TRANSACTION_CALLS:
        return True
    return isinstance(expr, ast.Call) and (
        (isinstance(target, ast.Attribute) and target.attr in _TRANSACTION_METHOD_NAMES)
        or dbflow.names_transaction_helper(target)
    )


def _all_calls_in_transactions(parts: list[_CallsPart]) -> frozenset[str]:
    """The names whose every call runs inside a transaction, directly or from a function
    whose every call does (``@atomic _import`` calls ``_import_row``, which calls
    ``_create_item``), and that the file mentions nowhere else (no call in a statement that
    opens no transaction, no callback, no other function of that name). Only these names:
    an edit elsewhere then leaves the fact as it was, and the editor's next analysis stays
    incremental. Combined again on most keystrokes, so it looks up only the names called
    in transaction statements."""
    callers: dict[str, list[tuple[str, bool, int]]] = {}
    definitions: collections.Counter[str] = collections.Counter()
    for part in parts:
        definitions.update(part.defines)
        for name, caller, inside, count in part.calls:
            callers.setdefault(name, []).append((caller, inside, count))
    # not a function of this file, or one of several of that name
    defined_once = frozenset(name for name in callers if definitions[name] == 1)
    mentions: collections.Counter[str] = collections.Counter()
    if defined_once:
        for part in parts:
            mentions.update(part.mentions(defined_once))
    candidates = set()
    for name in defined_once:
        # the calls, and the one `def` (its name once more), are every mention of it
        if mentions[name] == sum(count for _caller, _inside, count in callers[name]) + 1:
            candidates.add(name)
    covered: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name in candidates - covered:
            if all(inside or (caller in covered and caller != name) for caller, inside, _ in callers[name]):
                covered.add(name)
                changed = True
    return frozenset(covered)


class _CallsPart:
    """One block's part: its text and its calls (see ``_calls_in_transactions``). Hashable,
    as a block's part of a fact must be (the editor compares the parts as a multiset)."""

    __slots__ = ("_hash", "_mentions", "calls", "defines", "text")

    def __init__(
        self, text: str, calls: frozenset[tuple[str, str, bool, int]], defines: tuple[str, ...]
    ) -> None:
        self.text = text
        self.calls = calls
        self.defines = defines
        """The functions and methods the block defines at its top level."""
        self._hash = hash((text, calls, defines))
        self._mentions: tuple[frozenset[str], collections.Counter[str]] | None = None

    def mentions(self, names: frozenset[str]) -> collections.Counter[str]:
        """How often each of ``names`` occurs in the text as a whole word, outside comments.
        Kept for the last names asked: the editor keeps the parts of unchanged blocks, and
        asks them about the same names on the next keystroke."""
        if self._mentions is None or self._mentions[0] != names:
            text = self.text
            counts: collections.Counter[str] = collections.Counter(
                name for name, offset in _whole_words(text, names) if not _in_comment(text, offset)
            )
            self._mentions = (names, counts)
        return self._mentions[1]

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _CallsPart)
            and self._hash == other._hash
            and self.calls == other.calls
            and self.defines == other.defines
            and self.text == other.text
        )


def _whole_words(text: str, names: frozenset[str]) -> Iterator[tuple[str, int]]:
    """Each of ``names`` where ``text`` holds it as a whole word (``\\b<name>\\b``), with its
    offset. Names made of word characters only (all but the oddest identifiers) are found
    with ``str.find``, many times faster than one regular expression of them all; no match
    of one can start inside another's, so each is looked for on its own."""
    if not all(_WORD.fullmatch(name) for name in names):
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b")
        for match in pattern.finditer(text):
            yield match.group(), match.start()
        return
    end_of_text = len(text)
    for name in names:
        size = len(name)
        at = text.find(name)
        while at >= 0:
            end = at + size
            if (at == 0 or not _is_word_character(text[at - 1])) and (
                end == end_of_text or not _is_word_character(text[end])
            ):
                yield name, at
                at = text.find(name, end)
            else:
                at = text.find(name, at + 1)


def _is_word_character(character: str) -> bool:
    """What ``\\w`` matches in a ``str`` pattern."""
    return character.isalnum() or character == "_"


_WORD = re.compile(r"\w+")


def _in_comment(text: str, offset: int) -> bool:
    """Whether ``offset`` follows a ``#`` on its line that no open quote holds: a comment
    that names a function ("we wrap _execute_payment() here") is no call of it."""
    line = text[text.rfind("\n", 0, offset) + 1 : offset]
    hash_at = line.find("#")
    if hash_at < 0:
        return False
    before = line[:hash_at]
    return before.count("'") % 2 == 0 and before.count('"') % 2 == 0


_TRANSACTION_WORDS = ("atomic", "begin", "transaction")


def _transaction_words_in(text: str) -> Iterator[int]:
    """The offset of each of ``_TRANSACTION_WORDS`` in ``text``, anywhere (``begin_nested``
    counts), one ``str.find`` pass per word: no occurrence of one overlaps another."""
    for word in _TRANSACTION_WORDS:
        at = text.find(word)
        while at >= 0:
            yield at
            at = text.find(word, at + len(word))


_TRANSACTION_METHOD_NAMES = frozenset().union(*db.TRANSACTION_METHODS.values())
_CALLS_IN_TRANSACTIONS: FileFact[frozenset[str]] = FileFact(
    "pf009.calls_in_transactions", _calls_in_transactions, _all_calls_in_transactions
)


def _file_sets_autocommit(checker: Checker) -> bool:
    return checker.file_fact(_AUTOCOMMIT)


_AUTOCOMMIT: FileFact[bool] = FileFact(
    "pf009.autocommit",
    lambda statements, _checker: any(
        _sets_autocommit(node) for statement in statements for node in ast.walk(statement)
    ),
    any,
    # Both forms name a word the text must hold; most files hold neither.
    words=(db.AUTOCOMMIT_ATTRIBUTE, *db.AUTOCOMMIT_KEYWORDS),
    empty=False,
)
"""Whether the file makes an autocommit connection anywhere."""


def _direction(call: dbflow.DbCall, scope: Scope, checker: Checker) -> tuple[str, ast.AST] | None:
    """``-`` for a write that takes from a row, ``+`` for one that adds to a row, with the
    node where the write starts (the attribute change before a ``save()``)."""
    if call.sql is not None:
        sign = dbflow.sql_direction(call.sql)
        return (sign, call.node) if sign is not None else None
    node = call.node
    if call.library != "django":
        return None
    if call.method in ("update", "aupdate"):
        for keyword in node.keywords:
            value = keyword.value
            if (
                isinstance(value, ast.BinOp)
                and isinstance(value.op, (ast.Add, ast.Sub))
                and isinstance(value.left, ast.Call)
                and checker.qualified_name(value.left.func, scope) in db.DJANGO_F
            ):
                return ("-" if isinstance(value.op, ast.Sub) else "+"), node
        return None
    receiver = call.receiver
    if call.method not in ("save", "asave") or not isinstance(receiver, ast.Name):
        return None
    found: tuple[str, ast.AST] | None = None
    limit = (node.lineno, node.col_offset)
    changes = sorted(scope.of(ast.AugAssign) + scope.of(ast.Assign), key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
    for change in changes:
        if (change.lineno, change.col_offset) >= limit:  # type: ignore[attr-defined]
            continue
        sign = _change_direction(change, receiver.id)
        if sign is not None and dbflow.follows(change, node):
            found = (sign, change)
    return found


def _change_direction(change: ast.AST, name: str) -> str | None:
    if isinstance(change, ast.AugAssign):
        target, op = change.target, change.op
    elif isinstance(change, ast.Assign) and len(change.targets) == 1 and isinstance(change.value, ast.BinOp):
        target, op = change.targets[0], change.value.op
    else:
        return None
    if not (
        isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == name
    ):
        return None
    if isinstance(op, ast.Sub):
        return "-"
    if isinstance(op, ast.Add):
        return "+"
    return None


def _same_target(first: dbflow.DbCall, second: dbflow.DbCall, checker: Checker) -> bool:
    """Two saves of the same object change one row, not two."""
    first_receiver, second_receiver = first.receiver, second.receiver
    return (
        first.method in ("save", "asave")
        and isinstance(first_receiver, ast.Name)
        and isinstance(second_receiver, ast.Name)
        and first_receiver.id == second_receiver.id
    )


def _remove_commits(
    first: ast.AST, last: ast.AST, commits: list[dbflow.DbCall], checker: Checker
) -> Fix | None:
    """Drop the commits between the first and the last write, keeping a later one."""
    last_statement = dbflow.statement_of(last)
    if last_statement is None or not _following_nodes(last_statement, [c.node for c in commits]):
        return None
    source = checker.source
    edits: list[Edit] = []
    for commit in commits:
        if not (dbflow.follows(first, commit.node) and dbflow.follows(commit.node, last)):
            continue
        func = commit.node.func
        if commit.kind == db.SESSION and isinstance(func, ast.Attribute):
            end = source.end(func)
            start = Position(end.line, end.column - len(func.attr))
            edits.append(Edit(Range(start, end), db.FLUSH_METHOD))
            continue
        statement = dbflow.statement_of(commit.node)
        if not isinstance(statement, ast.Expr):
            return None
        span = dbflow.whole_lines(statement, source)
        found = dbflow.block_of(statement)
        if span is None or found is None:
            return None
        if len(found[2]) == 1:
            start = source.start(statement)
            edits.append(Edit(Range(start, source.end(statement)), "pass"))
        else:
            edits.append(dbflow.delete_lines(source, *span))
    if not edits:
        return None
    return Fix("Commit once, after the last write", tuple(edits), Applicability.UNSAFE)


def _wrap_in_transaction(
    first: dbflow.DbCall, second: dbflow.DbCall, anchor: ast.AST, scope: Scope, checker: Checker
) -> Fix | None:
    source = checker.source
    header: str | None = None
    extra: list[Edit] = []
    if first.library == "django" and second.library == "django":
        local = _local_name_for(checker, "django.db.transaction")
        if local is None:
            local = "transaction"
            if "transaction" in checker.module_defined or checker.resolve_name("transaction", scope):
                return None
            extra.append(_import_edit(checker, "from django.db import transaction"))
        header = f"with {local}.atomic():"
    elif first.kind == db.ASYNCPG and second.kind == db.ASYNCPG:
        receiver, other = first.receiver, second.receiver
        if receiver is None or other is None:
            return None
        text = source.segment(receiver)
        if text != source.segment(other) or "pool" in text.lower():
            return None
        header = f"async with {text}.transaction():"
    if header is None:
        return None
    span = _common_block_span(anchor, second.node)
    if span is None:
        return None
    start_statement, end_statement = span
    start_lines = dbflow.whole_lines(start_statement, source)
    end_lines = dbflow.whole_lines(end_statement, source)
    if start_lines is None or end_lines is None:
        return None
    first_line, last_line = start_lines[0], end_lines[1]
    indent = source.indentation_of_line(first_line)
    inside_strings = _string_interior_lines(scope.node)
    block = [source.line(index) for index in range(first_line, last_line + 1)]
    # One more level, in the file's own style: a tab-indented file mixing in spaces no longer parses.
    unit = "\t" if "\t" in indent or any(text.startswith(indent + "\t") for text in block) else "    "
    lines = [indent + header]
    for index, text in enumerate(block, start=first_line):
        if index + 1 in inside_strings or not text.strip() or not text.startswith(indent):
            lines.append(text)
        else:
            lines.append(indent + unit + text[len(indent) :])
    replacement = source.newline.join(lines) + source.newline
    edit = Edit(
        Range(dbflow.line_start(source, first_line), dbflow.line_start(source, last_line + 1)), replacement
    )
    return Fix(f"Wrap the writes in `{header[:-1]}`", (*extra, edit), Applicability.UNSAFE)


def _common_block_span(first: ast.AST, second: ast.AST) -> tuple[ast.stmt, ast.stmt] | None:
    statement = dbflow.statement_of(first)
    while statement is not None:
        found = dbflow.block_of(statement)
        if found is None:
            return None
        block = found[2]
        index = next(i for i, item in enumerate(block) if item is statement)
        for later in block[index:]:
            if dbflow.contains(later, second):
                return statement, later
        parent = parent_of(statement)
        statement = parent if isinstance(parent, ast.stmt) else None
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return None
    return None


def _string_interior_lines(root: ast.AST) -> set[int]:
    """1-based lines that start inside a multi-line string: re-indenting them would change it."""
    lines: set[int] = set()
    for node in walk(root):
        if (
            isinstance(node, (ast.Constant, ast.JoinedStr))
            and node.end_lineno
            and node.end_lineno > node.lineno
        ):
            lines.update(range(node.lineno + 1, node.end_lineno + 1))
    return lines


def _local_name_for(checker: Checker, qualified: str) -> str | None:
    for local, target in checker.module_scope.imports.items():
        if target == qualified:
            return local
    return None


def _import_edit(checker: Checker, statement: str) -> Edit:
    body = checker.tree.body
    imports = [node for node in body if isinstance(node, (ast.Import, ast.ImportFrom))]
    source = checker.source
    if imports:
        line = source.end(imports[-1]).line
        return dbflow.insert_after_line(source, line, statement + source.newline)
    position = Position(0, 0)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        return dbflow.insert_after_line(source, source.end(body[0]).line, statement + source.newline)
    return Edit(Range(position, position), statement + source.newline)


def _describe(node: ast.AST, checker: Checker) -> str:
    """``UPDATE accounts`` for a SQL write, the code itself for the others."""
    if isinstance(node, ast.Call) and node.args:
        scope = checker.module_scope
        text = (
            dbflow.sql_text(node.args[0], checker, scope) if isinstance(node.args[0], ast.Constant) else None
        )
        if text is not None:
            match = _SQL_TARGET.match(text)
            if match is not None:
                return f"`{' '.join(match.group(1).split()).upper()} {match.group(2)}`"
    if isinstance(node, ast.Call):
        return f"`{dbflow.describe_call(node, checker.source.segment)}`"
    return f"`{short_text(checker.source.segment(node))}`"
