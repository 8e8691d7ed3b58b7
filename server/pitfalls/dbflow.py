"""Shared reasoning about database and queue calls for PF005, PF006 and PF009.

What a receiver is (a DB-API connection, a SQLAlchemy session, an AMQP channel...), what a
call on it does (query, write, commit, acknowledge), whether a node runs inside a
transaction block, and which statements can run after a given one within a function.
The library facts live in ``pitfalls.knowledge.db``; this module only reasons over them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from pitfalls.astutil import called_name, last_names, short_text, walk
from pitfalls.engine import FUNCTION_TYPES, IMPORTED_MODULES, Checker, Scope, parent_of
from pitfalls.knowledge import db
from pitfalls.model import Edit, Position, Range
from pitfalls.source import SourceFile

QUERY = "query"
WRITE = "write"
COMMIT = "commit"
ACK = "ack"
NACK = "nack"

_MAX_DEPTH = 4
_TERMINATORS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_SQL_WORD = re.compile(r"[A-Za-z_]+")
_CTE_WRITE = re.compile(r"\)\s*(insert|update|delete)\b", re.IGNORECASE)
_SQL_DECREMENT = re.compile(r"\b(\w+)\s*=\s*(?:\w+\.)?\1\s*-", re.IGNORECASE)
_SQL_INCREMENT = re.compile(r"\b(\w+)\s*=\s*(?:\w+\.)?\1\s*\+", re.IGNORECASE)
PLACEHOLDER = "\x00"
"""Stands for an interpolated value in SQL text rebuilt from an f-string or ``.format``."""


@dataclass(frozen=True, slots=True)
class DbCall:
    """One classified call: what it does, on what kind of receiver, from which library."""

    node: ast.Call
    role: str
    method: str
    kind: str | None
    library: str | None
    bulk: bool = False
    sql: str | None = None

    @property
    def receiver(self) -> ast.expr | None:
        func = self.node.func
        return func.value if isinstance(func, ast.Attribute) else None


# Files -----------------------------------------------------------------------------------


def is_django_file(checker: Checker) -> bool:
    cached = checker.module_scope.state.get("dbflow.django")
    if cached is None:
        modules = checker.file_fact(IMPORTED_MODULES)
        roots = {module.split(".")[0] for module in modules}
        cached = checker.module_scope.state["dbflow.django"] = any(
            root in db.DJANGO_MODULES for root in roots
        ) or (
            any(module.rsplit(".", 1)[-1] == db.MODELS_MODULE for module in modules)
            # ``sqlalchemy_utils`` and ``flask_sqlalchemy`` are SQLAlchemy's as much
            and not any(
                root in db.OTHER_ORM_MODULES or root.split("_")[0] in db.OTHER_ORM_MODULES for root in roots
            )
        )
    return bool(cached)


def is_test_or_migration_file(checker: Checker) -> bool:
    """Whether every scope of the file is test code or a migration, by the file's path
    alone (``is_test_code`` and ``is_migration`` of any scope then hold)."""
    return _in_test_file(checker) or _in_migration_folder(checker)


def is_migration(checker: Checker, scope: Scope) -> bool:
    """One-off code: Django data migrations and Alembic revisions run once, in a transaction."""
    # Asked by several rules of every scope: the answer is kept with the scope.
    known = scope.state.get(_MIGRATION_CODE)
    if known is None:
        known = scope.state[_MIGRATION_CODE] = _in_migration_folder(checker) or _scope_within(
            checker, scope, _MIGRATION, _is_migration_function
        )
    return known  # type: ignore[return-value]


def _is_migration_function(node: ast.AST) -> bool:
    if not isinstance(node, FUNCTION_TYPES):
        return False
    arguments = node.args.args
    return len(arguments) >= 2 and arguments[0].arg == _APPS and arguments[1].arg == _SCHEMA_EDITOR


_APPS, _SCHEMA_EDITOR = db.RUNPYTHON_PARAMETERS


def _scope_within(checker: Checker, scope: Scope, fact: str, test: Callable[[ast.AST], bool]) -> bool:
    known = scope.state.get(fact)
    if known is None:
        node = scope.node
        if isinstance(node, _DEFINITION_TYPES):
            # A definition is a statement of the body of the scope around it, so that scope's
            # node is the definition around it (or the module): no walk up the tree. A
            # lambda's may sit in a definition's decorators or defaults instead.
            parent = scope.parent
            known = test(node) or (parent is not None and _scope_within(checker, parent, fact, test))
        else:
            known = _within(checker, node, fact, test)
        scope.state[fact] = known
    return bool(known)


def _within(checker: Checker, node: ast.AST, fact: str, test: Callable[[ast.AST], bool]) -> bool:
    """Whether ``test`` holds for ``node`` or a definition around it. Each rule asks it of
    every scope, and nested scopes share their outer definitions: the answer is kept per
    definition, and a nested one reuses its enclosing definition's."""
    facts = checker.facts_of(node)
    known = facts.get(fact)
    if known is None:
        known = test(node)
        if not known:
            for ancestor in checker.ancestors(node):
                if isinstance(ancestor, _DEFINITION_TYPES):
                    known = _within(checker, ancestor, fact, test)
                    break
        facts[fact] = known
    return bool(known)


_DEFINITION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_MIGRATION = "dbflow.migration"
_MIGRATION_CODE = "dbflow.migration_code"
_TEST_CODE = "dbflow.test_code"
_TEST_FILE_OR_CODE = "dbflow.test_file_or_code"


def _in_migration_folder(checker: Checker) -> bool:
    cached = checker.module_scope.state.get("dbflow.migration_folder")
    if cached is None:
        path = PurePath(str(checker.path)) if checker.path is not None else None
        cached = checker.module_scope.state["dbflow.migration_folder"] = path is not None and (
            any(part in db.MIGRATION_PATH_PARTS for part in path.parts[:-1])
            or path.name in db.MIGRATION_MODULE_NAMES
        )
    return bool(cached)


def is_test_code(checker: Checker, scope: Scope) -> bool:
    """Code in a file the test runner collects (``test_*.py``, ``conftest.py``, Django's
    ``tests.py``) or right in a ``tests/`` folder (its data and helper modules serve the
    tests beside them), or inside a ``test_*`` function, a pytest fixture or a test class
    elsewhere. A ``testing/`` or ``test/`` package is not enough: its factories and helpers
    are shipped for other projects' code to import."""
    # Asked by several rules of every scope, as ``is_migration`` is.
    known = scope.state.get(_TEST_FILE_OR_CODE)
    if known is None:
        known = scope.state[_TEST_FILE_OR_CODE] = _in_test_file(checker) or _scope_within(
            checker, scope, _TEST_CODE, _is_test_definition
        )
    return known  # type: ignore[return-value]


def _in_test_file(checker: Checker) -> bool:
    cached = checker.module_scope.state.get("dbflow.test_file")
    if cached is None:
        path = PurePath(str(checker.path)) if checker.path is not None else PurePath()
        name = path.name
        cached = checker.module_scope.state["dbflow.test_file"] = (
            name in db.TEST_FILE_NAMES
            or name.startswith(db.TEST_FILE_PREFIX)
            or name.endswith(db.TEST_FILE_SUFFIXES)
            or path.parent.name == db.TEST_FOLDER
        )
    return bool(cached)


def _is_test_definition(node: ast.AST) -> bool:
    if isinstance(node, FUNCTION_TYPES):
        return f"{node.name}_".startswith(db.TEST_FUNCTION_PREFIX) or _is_fixture(node)
    return isinstance(node, ast.ClassDef) and (
        node.name.startswith(db.TEST_CLASS_PREFIX) or node.name.endswith(db.TEST_CLASS_SUFFIXES)
    )


# Receivers -------------------------------------------------------------------------------


def receiver_kind(expr: ast.AST, checker: Checker, scope: Scope, depth: int = 0) -> db.Made | None:
    """What ``expr`` is, from how it was made or annotated, else from its conventional name."""
    if depth > _MAX_DEPTH:
        return None
    # ``app.get(...)`` decorators and ``conn.execute`` calls resolve the same assignments
    # again and again.
    return _kind_in(expr, checker, scope, depth, _while_unchanged(scope, "dbflow.kinds"))


def _kind_in(
    expr: ast.AST, checker: Checker, scope: Scope, depth: int, answers: dict[tuple[int, int], db.Made | None]
) -> db.Made | None:
    """``receiver_kind`` with the scope's memo at hand: nothing grows while one answer is
    worked out, so the steps within the same scope share the memo found at the start."""
    if depth > _MAX_DEPTH:
        return None
    key = (id(expr), depth)
    if key not in answers:
        answers[key] = _receiver_kind(expr, checker, scope, depth, answers)
    return answers[key]


def _while_unchanged(scope: Scope, name: str) -> dict:
    """A memo for answers that depend only on the nodes seen so far in the scope and the
    scopes around it: emptied whenever one of them has grown. Scopes only ever gain
    nodes, so the sum of their sizes changes exactly when one of them grows."""
    token = 0
    current: Scope | None = scope
    while current is not None:
        token += len(current.nodes)
        current = current.parent
    memo = scope.state.get(name)
    if memo is None or memo[0] != token:  # type: ignore[index]
        memo = scope.state[name] = (token, {})
    return memo[1]  # type: ignore[index,no-any-return]


def name_binding(
    name: ast.Name, checker: Checker, scope: Scope
) -> tuple[ast.expr | None, list[ast.expr]] | None:
    """``Checker.name_binding``, kept while the scopes' nodes stay the same: classifying a
    call asks it of its receiver for a queryset, then for the receiver's kind, and the
    loop checks ask it of the same iterable several times. Kept per unit as well: with
    blocks, each unit's first lookup of a module name must reach the checker, which notes
    it for that unit."""
    answers = _while_unchanged(scope, "dbflow.bindings")
    key = (id(name), checker.unit)
    if key in answers:
        return answers[key]  # type: ignore[no-any-return]
    found = answers[key] = checker.name_binding(name, scope)
    return found


def _receiver_kind(
    expr: ast.AST, checker: Checker, scope: Scope, depth: int, answers: dict[tuple[int, int], db.Made | None]
) -> db.Made | None:
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Call):
        return made_by_call(expr, checker, scope, depth + 1, answers)
    qualified = checker.qualified_name(expr, scope) if isinstance(expr, (ast.Name, ast.Attribute)) else None
    if qualified is not None and qualified in db.CONSTRUCTORS:
        return db.CONSTRUCTORS[qualified]
    if isinstance(expr, ast.Subscript):
        return _kind_in(expr.value, checker, scope, depth + 1, answers)
    if isinstance(expr, ast.Name):
        made = _name_kind(expr, checker, scope, depth, answers)
        if made is not None:
            return made if made.kind != db.OTHER else None
        return _conventional(expr.id)
    if isinstance(expr, ast.Attribute):
        if isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
            made = _instance_attribute_kind(expr.attr, checker, scope, depth)
            if made is not None:
                return made if made.kind != db.OTHER else None
        if called_name(expr.value) in db.WEB_REQUEST_NAMES:
            return None  # ``request.session.get(key)`` reads the user's web session
        return _conventional(expr.attr)
    return None


def _conventional(name: str) -> db.Made | None:
    kind = db.CONVENTIONAL_NAMES.get(name.lstrip("_").lower())
    return db.Made(kind) if kind is not None else None


def made_by_call(
    call: ast.Call,
    checker: Checker,
    scope: Scope,
    depth: int,
    answers: dict[tuple[int, int], db.Made | None] | None = None,
) -> db.Made | None:
    """What a call makes; ``answers``: the scope's ``receiver_kind`` memo, when at hand."""
    func = call.func
    qualified = checker.qualified_name(func, scope)
    if qualified is not None:
        made = db.CONSTRUCTORS.get(qualified)
        if made is not None:
            return made
        services = db.CLIENT_FACTORIES.get(qualified)
        if services is not None and call.args and isinstance(call.args[0], ast.Constant):
            kind = services.get(str(call.args[0].value))
            return db.Made(kind) if kind is not None else db.Made(db.OTHER)
        if qualified.split(".", 1)[0] in db.NON_DB_MODULES:
            return db.Made(db.OTHER)
    if isinstance(func, ast.Name) and _is_session_factory(func, checker, scope, depth):
        return db.Made(db.SESSION, db.SQLALCHEMY)
    if isinstance(func, ast.Attribute):
        if func.attr in db.CHANNEL_MAKERS:
            return db.Made(db.CHANNEL)
        if func.attr == "client" and call.args and isinstance(call.args[0], ast.Constant):
            for services in db.CLIENT_FACTORIES.values():
                kind = services.get(str(call.args[0].value))
                if kind is not None:
                    return db.Made(kind)
        inner = (
            receiver_kind(func.value, checker, scope, depth + 1)
            if answers is None
            else _kind_in(func.value, checker, scope, depth + 1, answers)
        )
        if inner is not None:
            derived = db.DERIVED.get((inner.kind, func.attr))
            if derived is not None:
                return db.Made(derived.kind, derived.library or inner.library)
    return None


def _is_session_factory(name: ast.Name, checker: Checker, scope: Scope, depth: int) -> bool:
    binding = name_binding(name, checker, scope)
    if binding is None:
        return False
    _annotation, values = binding
    for value in values:
        if isinstance(value, ast.Call) and checker.qualified_name(value.func, scope) in db.SESSION_FACTORIES:
            return True
    return False


def _name_kind(
    name: ast.Name, checker: Checker, scope: Scope, depth: int, answers: dict[tuple[int, int], db.Made | None]
) -> db.Made | None:
    with_value = _with_bound_value(name.id, scope)
    if with_value is not None:
        return _kind_in(with_value, checker, scope, depth + 1, answers)
    binding = name_binding(name, checker, scope)
    if binding is None:
        return None
    annotation, values = binding
    if annotation is not None:
        return annotation_kind(annotation, checker, scope)
    for value in values:
        made = _kind_in(value, checker, scope, depth + 1, answers)
        if made is not None:
            return made
    return None


def annotation_kind(annotation: ast.expr, checker: Checker, scope: Scope) -> db.Made | None:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return annotation_kind(annotation.left, checker, scope) or annotation_kind(
            annotation.right, checker, scope
        )
    if isinstance(annotation, ast.Subscript):
        return (
            annotation_kind(annotation.slice, checker, scope)
            if _is_optional(annotation, checker, scope)
            else None
        )
    qualified = checker.qualified_name(annotation, scope)
    if qualified is None:
        return None
    made = db.ANNOTATIONS.get(qualified)
    if made is None and qualified.split(".", 1)[0] in db.NON_DB_MODULES:
        return db.Made(db.OTHER)
    return made


def _is_optional(annotation: ast.Subscript, checker: Checker, scope: Scope) -> bool:
    return (checker.qualified_name(annotation.value, scope) or "").endswith("Optional")


def _with_bound_value(identifier: str, scope: Scope) -> ast.expr | None:
    for item in scope.of(ast.withitem):
        target = item.optional_vars  # type: ignore[attr-defined]
        if isinstance(target, ast.Name) and target.id == identifier:
            return item.context_expr  # type: ignore[attr-defined]
    return None


def _enclosing_class_scope(scope: Scope) -> Scope | None:
    current: Scope | None = scope
    while current is not None and current.kind != "class":
        current = current.parent
    return current


def _instance_attribute_kind(attribute: str, checker: Checker, scope: Scope, depth: int) -> db.Made | None:
    """``self.conn`` is what the class assigns to it or declares it as."""
    current = _enclosing_class_scope(scope)
    if current is None:
        return None
    class_node = current.node
    assert isinstance(class_node, ast.ClassDef)
    for statement in class_node.body:
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.target.id == attribute
        ):
            return annotation_kind(statement.annotation, checker, current)
    for node in _self_attribute_assignments(current).get(attribute, ()):
        if isinstance(node, ast.Assign):
            if isinstance(node.value, ast.Call):
                made = made_by_call(node.value, checker, current, depth + 1)
                if made is not None:
                    return made
            elif isinstance(node.value, ast.Name):
                # ``def __init__(self, conn: asyncpg.Connection): self.conn = conn``
                annotation = _parameter_annotation(node, node.value.id)
                if annotation is not None:
                    made = annotation_kind(annotation, checker, current)
                    if made is not None:
                        return made
        else:
            assert isinstance(node, ast.AnnAssign)
            made = annotation_kind(node.annotation, checker, current)
            if made is not None:
                return made
    return None


def _is_fixture(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``@pytest.fixture`` or ``@fixture(...)``: it builds data for a throwaway test database."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in db.TEST_FIXTURE_DECORATORS:
            return True
    return False


def _parameter_annotation(node: ast.AST, name: str) -> ast.expr | None:
    """The annotation of parameter ``name`` of the function that holds ``node``."""
    for ancestor in Checker.ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = ancestor.args
            for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
                if argument.arg == name:
                    return argument.annotation
            return None
    return None


def _self_attribute_assignments(class_scope: Scope) -> dict[str, list[ast.AST]]:
    """``self.x = ...`` and ``self.x: T`` anywhere in a class, by attribute, in
    ``ast.walk`` order; built once per class instead of once per lookup."""
    index = class_scope.state.get("dbflow.self_attributes")
    if index is None:
        index = {}
        for node in walk(class_scope.node):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if _is_self_attribute(target, None):
                        entries = index.setdefault(target.attr, [])  # type: ignore[attr-defined]
                        if not entries or entries[-1] is not node:
                            entries.append(node)
            elif isinstance(node, ast.AnnAssign) and _is_self_attribute(node.target, None):
                index.setdefault(node.target.attr, []).append(node)  # type: ignore[attr-defined]
        class_scope.state["dbflow.self_attributes"] = index
    return index  # type: ignore[return-value]


def _is_self_attribute(target: ast.AST, attribute: str | None) -> bool:
    return (
        isinstance(target, ast.Attribute)
        and (attribute is None or target.attr == attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    )


# SQL text --------------------------------------------------------------------------------


def sql_text(expr: ast.AST, checker: Checker, scope: Scope, depth: int = 0) -> str | None:
    """The SQL an expression holds, with interpolated values as ``PLACEHOLDER``."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Constant):
        return expr.value if isinstance(expr.value, str) else None
    if isinstance(expr, ast.JoinedStr):
        parts = []
        for value in expr.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            else:
                parts.append(PLACEHOLDER)
        return "".join(parts)
    if isinstance(expr, ast.BinOp):
        if isinstance(expr.op, ast.Mod):
            left = sql_text(expr.left, checker, scope, depth + 1)
            return re.sub(r"%\(?\w*\)?[sd]", PLACEHOLDER, left) if left is not None else None
        if isinstance(expr.op, ast.Add):
            left = sql_text(expr.left, checker, scope, depth + 1)
            right = sql_text(expr.right, checker, scope, depth + 1)
            if left is None and right is None:
                return None
            return (left if left is not None else PLACEHOLDER) + (right if right is not None else PLACEHOLDER)
        return None
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            inner = sql_text(func.value, checker, scope, depth + 1)
            return re.sub(r"\{[^{}]*\}", PLACEHOLDER, inner) if inner is not None else None
        if expr.args and (
            checker.qualified_name(func, scope) in db.SQL_TEXT_WRAPPERS
            or (isinstance(func, (ast.Name, ast.Attribute)) and called_name(func) in ("SQL", "text"))
        ):
            return sql_text(expr.args[0], checker, scope, depth + 1)
        return None
    if isinstance(expr, ast.Name):
        binding = name_binding(expr, checker, scope)
        if binding is None or binding[0] is not None:
            return None
        for value in reversed(binding[1]):  # the assignment nearest the use wins
            text = sql_text(value, checker, scope, depth + 1)
            if text is not None:
                return text
    return None


def sql_verb(text: str) -> str | None:
    """The statement's first keyword, lowercased (``with ... update`` counts as ``update``)."""
    stripped = _SQL_COMMENT.sub(" ", text)
    match = _SQL_WORD.search(stripped.lstrip(" \t\r\n(;"))
    if match is None or stripped.lstrip(" \t\r\n(;")[: match.start()].strip():
        return None
    verb = match.group().lower()
    if verb == "with":
        write = _CTE_WRITE.search(stripped)
        return write.group(1).lower() if write else "select"
    return verb


def looks_like_sql(text: str) -> bool:
    verb = sql_verb(text)
    return verb is not None and (verb in db.WRITE_SQL_VERBS or verb in ("select", "with"))


def sql_direction(text: str) -> str | None:
    """``-`` when the statement decrements a column by itself, ``+`` when it increments one."""
    if _SQL_DECREMENT.search(text):
        return "-"
    if _SQL_INCREMENT.search(text):
        return "+"
    return None


# Calls -----------------------------------------------------------------------------------


def queryset_chain(expr: ast.AST) -> tuple[ast.expr, list[ast.Call]] | None:
    """For ``Order.objects.filter(...).first`` (the receiver part of a call): the model
    expression and the chained calls, innermost first. None when the chain does not start
    at a model's manager (``Model.objects``) or Flask-SQLAlchemy's ``Model.query``."""
    calls: list[ast.Call] = []
    current = expr
    while True:
        if isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
            calls.append(current)
            current = current.func.value
            continue
        break
    if not isinstance(current, ast.Attribute):
        return None
    model = current.value
    model_name = called_name(model)
    if model_name is None:
        return None
    if current.attr in db.DJANGO_MANAGERS and (model_name[:1].isupper() or model_name in ("model", "cls")):
        return model, list(reversed(calls))
    if current.attr == db.FLASK_SQLALCHEMY_QUERY and model_name[:1].isupper():
        return model, list(reversed(calls))
    return None


def named_queryset(receiver: ast.expr, checker: Checker, scope: Scope) -> bool:
    """Whether ``receiver`` is, or chains from, a name bound once before it to a Django
    queryset: ``rows`` or ``rows.filter(...)`` after ``rows = Order.objects.filter(...)``."""
    root = receiver
    while isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute):
        root = root.func.value
    if not isinstance(root, ast.Name):
        return False
    binding = name_binding(root, checker, scope)
    if binding is None or binding[0] is not None or len(binding[1]) != 1:
        return False
    value = binding[1][0]
    if isinstance(value, ast.Call):
        if not isinstance(value.func, ast.Attribute) or value.func.attr not in db.QUERYSET_RETURNING_METHODS:
            return False  # ``.first()``, ``.get()``, ``.count()``: a row or a value, not a queryset
    elif not isinstance(value, ast.Attribute) or value.attr not in db.DJANGO_MANAGERS:
        return False  # ``manager = Order.objects`` is the other kind of binding that queries
    return queryset_chain(value) is not None


def describe_call(node: ast.Call, segment: Callable[[ast.AST], str]) -> str:
    """``Order.objects.filter(...).count()``: a call as a short, readable chain."""
    func = node.func
    chain = queryset_chain(func.value) if isinstance(func, ast.Attribute) else None
    if chain is None or not isinstance(func, ast.Attribute):
        return f"{short_text(segment(func))}({'...' if node.args or node.keywords else ''})"
    model, links = chain
    manager = parent_of(model)
    text = short_text(segment(manager))
    for link in [*links, node]:
        method = link.func.attr  # type: ignore[attr-defined]
        text += f".{method}(...)" if link.args or link.keywords else f".{method}()"
    return text


def classify_call(call: ast.Call, checker: Checker, scope: Scope) -> DbCall | None:
    func = call.func
    if not isinstance(func, ast.Attribute):
        if checker.qualified_name(func, scope) in db.DJANGO_COMMIT:
            return DbCall(call, COMMIT, "commit", db.CONNECTION, None)
        return None
    method = func.attr
    if method not in _DB_METHODS and method not in _DJANGO_COMMIT_METHODS:
        return None  # no branch below classifies this method
    receiver = func.value
    if method in _DJANGO_COMMIT_METHODS and checker.qualified_name(func, scope) in db.DJANGO_COMMIT:
        return DbCall(call, COMMIT, method, db.CONNECTION, None)
    if method not in _DB_METHODS:
        return None
    # ``Order.objects.filter(...).get(...)``, and ``Order.objects.create(...)`` on the manager itself
    chain = queryset_chain(receiver) if not isinstance(receiver, ast.Name) else None
    if chain is not None or named_queryset(receiver, checker, scope):
        if method in db.DJANGO_QUERYSET_WRITES:
            return DbCall(call, WRITE, method, None, "django", bulk=method in db.BULK_METHODS)
        if method in db.QUERYSET_QUERY_METHODS:
            return DbCall(call, QUERY, method, None, "django")
        if method in db.BULK_METHODS:
            return DbCall(call, QUERY, method, None, "django", bulk=True)
        return None
    if (
        isinstance(receiver, ast.Call)
        and method in db.QUERYSET_QUERY_METHODS
        and _on_session_query(receiver, checker, scope)
    ):
        return DbCall(call, QUERY, method, db.SESSION, db.LEGACY_QUERY)
    if method in db.NEGATIVE_ACK_METHODS:
        return DbCall(call, NACK, method, None, None)
    ack = db.ACK_METHODS.get(method)
    if ack is not None and not ack.needs_evidence:
        return DbCall(call, ACK, method, None, None)
    if method not in _RECEIVER_METHODS:
        return None  # no receiver kind makes this method a database call
    made = receiver_kind(receiver, checker, scope)
    kind = made.kind if made is not None else None
    library = made.library if made is not None else None
    if ack is not None and _is_acknowledgement(call, ack, kind):
        return DbCall(call, ACK, method, kind, library)
    if method in db.COMMIT_METHODS.get(kind or "", ()):
        return DbCall(call, COMMIT, method, kind, library)
    if method in db.BULK_METHODS:
        text = sql_text(call.args[0], checker, scope) if call.args else None
        verb = sql_verb(text) if text else None
        role = WRITE if verb in db.WRITE_SQL_VERBS else QUERY
        return DbCall(call, role, method, kind, library, bulk=True, sql=text)
    if kind == db.SESSION and method in db.SESSION_WRITE_METHODS and call.args:
        return DbCall(call, WRITE, method, kind, library)
    if method in db.QUERY_METHODS.get(kind or "", ()) or (kind is None and method in db.EXECUTE_METHODS):
        text = sql_text(call.args[0], checker, scope) if call.args else None
        if kind is None and (text is None or not looks_like_sql(text)):
            return None
        if method in db.EXECUTE_METHODS and call.args:
            if text is not None:
                verb = sql_verb(text)
                if verb in db.WRITE_SQL_VERBS:
                    return DbCall(call, WRITE, method, kind, library, sql=text)
                return DbCall(call, QUERY, method, kind, library, sql=text)
            if _is_write_construct(call.args[0], checker, scope):
                return DbCall(call, WRITE, method, kind, library)
        return DbCall(call, QUERY, method, kind, library, sql=text)
    if (
        method in db.DJANGO_INSTANCE_WRITES
        and not call.args
        and kind not in db.DB_KINDS
        and is_django_file(checker)
        and not isinstance(receiver, ast.Constant)
    ):
        return DbCall(call, WRITE, method, None, "django")
    return None


_RECEIVER_METHODS = frozenset(
    {
        *db.ACK_METHODS,
        *(name for names in db.COMMIT_METHODS.values() for name in names),
        *(name for names in db.QUERY_METHODS.values() for name in names),
        *db.BULK_METHODS,
        *db.SESSION_WRITE_METHODS,
        *db.EXECUTE_METHODS,
        *db.DJANGO_INSTANCE_WRITES,
    }
)
"""The methods ``classify_call`` looks up a receiver's kind for: every other method call
is no database call whatever its receiver, and resolving receivers is the costly part."""
_DB_METHODS = _RECEIVER_METHODS | {
    *db.DJANGO_QUERYSET_WRITES,
    *db.QUERYSET_QUERY_METHODS,
    *db.NEGATIVE_ACK_METHODS,
}
"""Every method ``classify_call`` can classify, with or without looking at the receiver."""
_DJANGO_COMMIT_METHODS = last_names(db.DJANGO_COMMIT)
_CLASSIFIABLE_METHODS = _DB_METHODS | _DJANGO_COMMIT_METHODS
WRITE_METHODS = (
    db.DJANGO_QUERYSET_WRITES
    | db.BULK_METHODS
    | db.SESSION_WRITE_METHODS
    | db.EXECUTE_METHODS
    | db.DJANGO_INSTANCE_WRITES
)
"""Every method ``classify_call`` can classify as a ``WRITE``."""


def _is_acknowledgement(call: ast.Call, ack: db.Ack, kind: str | None) -> bool:
    if ack.kind is not None and kind == ack.kind:
        return True
    if any(keyword.arg in ack.keywords for keyword in call.keywords):
        return True
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    name = (called_name(receiver) or "").lower() if receiver is not None else ""
    return bool(name) and any(word in name for word in ack.receiver_words) and kind not in DB_RECEIVERS


DB_RECEIVERS = db.DB_KINDS


def _on_session_query(expr: ast.Call, checker: Checker, scope: Scope) -> bool:
    """Whether a call chain starts at ``session.query(...)`` (SQLAlchemy's legacy Query)."""
    current: ast.AST = expr
    while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
        if current.func.attr == db.SESSION_QUERY_METHOD:
            made = receiver_kind(current.func.value, checker, scope)
            return made is not None and made.kind == db.SESSION
        current = current.func.value
    return False


def _is_write_construct(expr: ast.AST, checker: Checker, scope: Scope) -> bool:
    """``update(User).where(...).values(...)`` and the like: SQLAlchemy Core writes."""
    current = expr
    while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
        current = current.func.value
    if isinstance(current, ast.Call):
        return checker.qualified_name(current.func, scope) in db.SQLALCHEMY_WRITE_CONSTRUCTS
    return False


def may_be_classified(call: ast.Call, checker: Checker, scope: Scope) -> bool:
    """Whether ``classified_calls`` may classify the call: a cheap test, without
    ``classify_call``, that holds for every call it classifies. A method call may be one
    when some branch of ``classify_call`` looks at its method; a plain name only when it
    resolves to Django's ``commit``, which is then what it is; any other callee never."""
    func = call.func
    func_type = func.__class__
    if func_type is ast.Attribute:
        return func.attr in _CLASSIFIABLE_METHODS  # type: ignore[attr-defined]
    if func_type is ast.Name:
        return checker.resolve_name(func.id, scope) in db.DJANGO_COMMIT  # type: ignore[attr-defined]
    return False


def classified_calls(scope: Scope, checker: Checker) -> list[DbCall]:
    """Every database or queue call of a scope, in source order (cached per scope)."""
    cached = scope.state.get("dbflow.calls")
    if cached is None:
        cached = []
        for node in scope.of(ast.Call):
            assert isinstance(node, ast.Call)
            if not may_be_classified(node, checker, scope):
                continue  # what classify_call returns for them at once, without the call
            if node.func.__class__ is ast.Name:
                # a plain name may be classified only as Django's commit, which it resolves to
                cached.append(DbCall(node, COMMIT, "commit", db.CONNECTION, None))
                continue
            found = classify_call(node, checker, scope)
            if found is not None:
                cached.append(found)
        scope.state["dbflow.calls"] = cached
    return cached  # type: ignore[return-value]


# Transactions ----------------------------------------------------------------------------


def transaction_block(item: ast.withitem, checker: Checker, scope: Scope) -> bool:
    """Whether ``with <item>:`` commits what runs inside it when the block ends."""
    expr = item.context_expr
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Call):
        if checker.qualified_name(expr.func, scope) in db.TRANSACTION_CALLS or names_transaction_helper(
            expr.func
        ):
            return True
        if isinstance(expr.func, ast.Attribute):
            made = receiver_kind(expr.func.value, checker, scope)
            if made is not None and expr.func.attr in db.TRANSACTION_METHODS.get(made.kind, ()):
                return True
        return False
    if checker.qualified_name(expr, scope) in db.TRANSACTION_CALLS:
        return True
    made = receiver_kind(expr, checker, scope)
    # ``with conn:`` is a transaction on sqlite3 and psycopg; MySQL drivers close instead.
    return made is not None and made.kind == db.CONNECTION and made.library in db.CONNECTION_AS_TRANSACTION


def is_transaction_decorator(decorator: ast.expr, checker: Checker, scope: Scope) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return checker.qualified_name(target, scope) in db.TRANSACTION_CALLS or names_transaction_helper(target)


def names_transaction_helper(target: ast.expr) -> bool:
    """``rolledback_transaction``, ``self.atomic_section``: the project's own helper around a
    transaction (called in a ``with``, or a decorator), by its name."""
    name = called_name(target)
    return name is not None and any(word in name.lower() for word in db.TRANSACTION_HELPER_WORDS)


def enclosing_transaction(node: ast.AST, checker: Checker, scope: Scope) -> ast.AST | None:
    """The ``with`` statement or decorated function whose transaction ``node`` runs in."""
    blocks: dict[int, bool] | None = None
    for ancestor in checker.ancestors(node):
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            # Asked for every database call of a scope: the calls of one block share its answer.
            if blocks is None:
                blocks = _while_unchanged(scope, "dbflow.transaction_blocks")
            found = blocks.get(id(ancestor))
            if found is None:
                found = blocks[id(ancestor)] = any(
                    transaction_block(item, checker, scope) for item in ancestor.items
                )
            if found:
                return ancestor
        elif isinstance(ancestor, FUNCTION_TYPES):
            if any(is_transaction_decorator(d, checker, scope) for d in ancestor.decorator_list):
                return ancestor
            return None
        elif isinstance(ancestor, (ast.Lambda, ast.ClassDef)):
            return None
    return None


# Statement order -------------------------------------------------------------------------


def statement_of(node: ast.AST) -> ast.stmt | None:
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parent_of(current)
    return current


def block_of(statement: ast.stmt) -> tuple[ast.AST, str, list[ast.stmt]] | None:
    """The statement list that holds ``statement``: (owner node, field name, list)."""
    parent = parent_of(statement)
    if parent is None:
        return None
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and any(item is statement for item in block):
            return parent, field, block
    return None


def after(statement: ast.stmt) -> Iterator[tuple[str, ast.AST]]:
    """What may run after ``statement`` completes normally, in order, within its function:
    ``("stmt", s)`` for each statement that can follow and ``("exit", w)`` when control
    leaves the body of a ``with`` statement ``w``. Stops at a ``return``/``raise``/
    ``continue``/``break`` that always follows, and never crosses into another branch of
    an ``if`` or into exception handlers."""
    node: ast.AST = statement
    while True:
        parent = parent_of(node)
        if parent is None:
            return
        field = None
        if isinstance(node, ast.stmt):
            found = block_of(node)
            if found is not None:
                _owner, field, block = found
                index = next(i for i, item in enumerate(block) if item is node)
                for following in block[index + 1 :]:
                    yield ("stmt", following)
                    if isinstance(following, _TERMINATORS):
                        return
        if isinstance(parent, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef, ast.Module)):
            return
        if isinstance(parent, (ast.With, ast.AsyncWith)) and field == "body":
            yield ("exit", parent)
        elif isinstance(parent, (ast.Try, *_TRY_STAR)):
            tail = []
            if field == "body":
                tail = [*parent.orelse, *parent.finalbody]
            elif field == "orelse":
                tail = list(parent.finalbody)
            for following in tail:
                yield ("stmt", following)
                if isinstance(following, _TERMINATORS):
                    return
        elif isinstance(parent, ast.ExceptHandler):
            node = parent
            parent = parent_of(parent)
            for following in getattr(parent, "finalbody", []):
                yield ("stmt", following)
                if isinstance(following, _TERMINATORS):
                    return
        elif isinstance(parent, (ast.For, ast.AsyncFor, ast.While)) and field == "body":
            for following in parent.orelse:
                yield ("stmt", following)
        if parent is None:
            return
        node = parent


_TRY_STAR: tuple[type[ast.AST], ...] = (ast.TryStar,) if hasattr(ast, "TryStar") else ()


def follows(first: ast.AST, second: ast.AST) -> bool:
    """Whether ``second`` can run after ``first`` on one path through the function (``after``
    of ``first``'s statement): not when they sit in two branches of an ``if``, nor when a
    ``return`` comes between them."""
    statement = statement_of(first)
    if statement is None:
        return False
    return any(event == "stmt" and contains(node, second) for event, node in after(statement))


def contains(container: ast.AST, node: ast.AST) -> bool:
    if container is node:
        return True
    return any(ancestor is container for ancestor in Checker.ancestors(node))


def in_finally(node: ast.AST) -> ast.Try | None:
    """The ``try`` statement whose ``finally`` block holds ``node`` (innermost), if any."""
    child = node
    for ancestor in Checker.ancestors(node):
        if isinstance(ancestor, (*FUNCTION_TYPES, ast.Lambda, ast.ClassDef)):
            return None
        if isinstance(ancestor, ast.Try) and any(item is child for item in ancestor.finalbody):
            return ancestor
        child = ancestor
    return None


def local_callee(
    call: ast.Call, checker: Checker, scope: Scope
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function of this file that ``call`` calls: a module function, a nested function,
    or a method of the enclosing class called through ``self``."""
    func = call.func
    if isinstance(func, ast.Name):
        current: Scope | None = scope
        while current is not None:
            for node in _functions_named(current, func.id):
                if node is not scope.node:
                    return node
            current = current.parent
        return checker.module_functions.get(func.id)
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
    ):
        return method_of_enclosing_class(func.attr, scope, checker)
    return None


def _functions_named(scope: Scope, name: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The scope's ``def`` statements of that name, then its ``async def`` ones, each in walk
    order, from an index kept up to date with the nodes seen so far (one pass per scope
    instead of a scan of every definition per call)."""
    index = scope.state.get("dbflow.functions")
    if index is None:
        index = scope.state["dbflow.functions"] = ({}, {}, [0, 0, -1])
    by_name, async_by_name, indexed = index  # type: ignore[misc]
    if indexed[2] != len(scope.nodes):  # scopes only gain nodes: none new, no new ``def``
        for position, (node_type, table) in enumerate(
            ((ast.FunctionDef, by_name), (ast.AsyncFunctionDef, async_by_name))
        ):
            nodes = scope.of(node_type)
            for node in nodes[indexed[position] :]:
                table.setdefault(node.name, []).append(node)  # type: ignore[attr-defined]
            indexed[position] = len(nodes)
        indexed[2] = len(scope.nodes)
    return [*by_name.get(name, ()), *async_by_name.get(name, ())]


def method_of_enclosing_class(
    name: str, scope: Scope, checker: Checker
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The method ``self.<name>`` calls from ``scope``: the enclosing class's own, else one
    it inherits from a base class defined at the top of this file (first base first)."""
    current = _enclosing_class_scope(scope)
    if current is None:
        return None
    class_node = current.node
    assert isinstance(class_node, ast.ClassDef)
    return method_in_class(name, class_node, checker)


def method_in_class(
    name: str, class_node: ast.ClassDef, checker: Checker
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The class's method ``name``, its own or inherited from a base class defined at the
    top of this file."""
    return _method_in_class(name, class_node, checker, set())


def _method_in_class(
    name: str, class_node: ast.ClassDef, checker: Checker, seen: set[str]
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    seen.add(class_node.name)
    for statement in class_node.body:
        if isinstance(statement, FUNCTION_TYPES) and statement.name == name:
            return statement
    for base in class_node.bases:
        base_name = called_name(base)
        if base_name is None or base_name in seen:
            continue
        base_class = checker.module_classes.get(base_name)
        found = _method_in_class(name, base_class, checker, seen) if base_class is not None else None
        if found is not None:
            return found
    return None


# Whole-file view ---------------------------------------------------------------------------


def scope_for(node: ast.AST, checker: Checker) -> Scope | None:
    """The finished scope of a function of this file (rules that follow calls into other
    functions check scopes after the walk, when every scope is finished)."""
    return checker.finished_scope(node)


def writes_in(scope: Scope, checker: Checker, depth: int = 0, seen: set[int] | None = None) -> list[ast.AST]:
    """The nodes of a scope that write to the database or commit: classified calls, calls
    of functions of this file that do (followed a few levels deep), and transaction
    blocks (they commit at their end)."""
    if seen is None and depth == 0:
        # Asked once per acknowledgement, after the whole walk: the answer cannot change.
        cached = scope.state.get("dbflow.writes")
        if cached is None:
            cached = scope.state["dbflow.writes"] = writes_in(scope, checker, depth, set())
        return list(cached)  # type: ignore[call-overload]
    seen = seen if seen is not None else set()
    if id(scope.node) in seen:
        return []
    seen.add(id(scope.node))
    found: list[ast.AST] = []
    classified: set[int] = set()
    for call in classified_calls(scope, checker):
        classified.add(id(call.node))
        if call.role in (WRITE, COMMIT):
            found.append(call.node)
    if depth < _MAX_DEPTH:
        for node in scope.of(ast.Call):
            if id(node) in classified:
                continue
            callee = local_callee(node, checker, scope)  # type: ignore[arg-type]
            callee_scope = scope_for(callee, checker) if callee is not None else None
            if callee_scope is not None and writes_in(callee_scope, checker, depth + 1, seen):
                found.append(node)
    blocks: dict[int, bool] = _while_unchanged(scope, "dbflow.transaction_blocks")
    for node in scope.of(ast.With) + scope.of(ast.AsyncWith):
        # Shared with ``enclosing_transaction``; the scopes of called helpers are asked again
        # for every call of them.
        is_transaction = blocks.get(id(node))
        if is_transaction is None:
            is_transaction = blocks[id(node)] = any(
                transaction_block(item, checker, scope)
                for item in node.items  # type: ignore[attr-defined]
            )
        if is_transaction:
            found.append(node)
    found.sort(key=lambda node: (node.lineno, node.col_offset))  # type: ignore[attr-defined]
    return found


# Edits ------------------------------------------------------------------------------------


def whole_lines(statement: ast.stmt, source: SourceFile) -> tuple[int, int] | None:
    """The 0-based first and last line of a statement that has its lines to itself."""
    start = source.start(statement)
    end = source.end(statement)
    if source.line(start.line)[: start.column].strip():
        return None
    rest = source.line(end.line)[end.column :].strip()
    if rest and not rest.startswith("#"):
        return None
    return start.line, end.line


def line_start(source: SourceFile, line: int) -> Position:
    if line < len(source.lines):
        return Position(line, 0)
    last = len(source.lines) - 1
    return Position(last, len(source.line(last)))


def moved_text(statement: ast.stmt, source: SourceFile, indent: str) -> str | None:
    span = whole_lines(statement, source)
    if span is None:
        return None
    first, last = span
    old_indent = source.indentation_of_line(first)
    lines = []
    for index in range(first, last + 1):
        text = source.line(index)
        if text.startswith(old_indent):
            text = text[len(old_indent) :]
        lines.append(indent + text if index == first or text.strip() else text)
    return source.newline.join(lines) + source.newline


def delete_lines(source: SourceFile, first: int, last: int) -> Edit:
    return Edit(Range(line_start(source, first), line_start(source, last + 1)), "")


def insert_after_line(source: SourceFile, line: int, text: str) -> Edit:
    """Insert whole lines of ``text`` (ending in a newline) after 0-based ``line``."""
    if line + 1 < len(source.lines):
        position = Position(line + 1, 0)
        return Edit(Range(position, position), text)
    end = Position(line, len(source.line(line)))
    return Edit(Range(end, end), source.newline + text.rstrip("\r\n"))
