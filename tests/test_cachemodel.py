"""The cache model the cache rules share: clients, reads and writes, expiry, mutability."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pitfalls.cachemodel import (
    cache_call,
    container_for,
    container_values_mutable,
    fills_on_miss,
    identifier_words,
    is_empty_container,
    mutable_value,
    own_nodes,
    own_nodes_of,
    write_expiry,
)
from pitfalls.engine import Checker, Walker
from pitfalls.source import SourceFile


def _checker(code: str) -> Checker:
    text = textwrap.dedent(code)
    tree = ast.parse(text)
    checker = Checker(SourceFile(text), tree, None)
    Walker([], checker, None).run(tree)
    return checker


def _calls(checker: Checker, method: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(checker.tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
    ]


@pytest.mark.parametrize(
    ("name", "words"),
    [("send_email", {"send", "email"}), ("updateOrder", {"update", "order"}), ("HTTPPost", {"http", "post"})],
)
def test_identifier_words(name: str, words: set[str]) -> None:
    assert identifier_words(name) == words


def test_shared_clients_by_import_assignment_and_name() -> None:
    checker = _checker(
        """
        import redis
        from django.core.cache import cache, caches

        r = redis.Redis.from_url("redis://x")
        store = {}

        def f(self, key):
            cache.get(key)
            caches["default"].get(key)
            r.get(key)
            self.redis_client.get(key)
            store.get(key)
            self.session.get(key)
        """
    )
    receivers = [ast.unparse(call.func.value) for call in _calls(checker, "get") if cache_call(call, checker)]
    assert receivers == ["cache", "caches['default']", "r", "self.redis_client"]


@pytest.mark.parametrize(
    ("call", "expires"),
    [
        ("cache.set(k, v, 300)", True),
        ("cache.set(k, v, timeout=None)", False),
        ("cache.set(k, v)", False),
        ("r.set(k, v, ex=60)", True),
        ("r.setex(k, 60, v)", True),
        ("cache.set(k, v, ttl=0)", False),
    ],
)
def test_write_expiry(call: str, expires: bool) -> None:
    node = ast.parse(call, mode="eval").body
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    assert (write_expiry(node, node.func.attr) is not None) is expires


def test_in_process_containers_and_their_entries() -> None:
    checker = _checker(
        """
        from collections import defaultdict
        from cachetools import TTLCache

        _roles_cache = {}
        _groups = defaultdict(list)
        _ttl = TTLCache(maxsize=10, ttl=60)
        _names = {}

        def roles(org):
            if org not in _roles_cache:
                _roles_cache[org] = [r.name for r in org.roles]
            return _roles_cache[org]

        def name(user):
            _names[user.id] = f"{user.first} {user.last}"
            return _names[user.id]
        """
    )
    returns = [node for node in ast.walk(checker.tree) if isinstance(node, ast.Return)]
    roles_cache = container_for(returns[0].value.value, checker, returns[0])
    assert roles_cache is not None and roles_cache.named_cache and not roles_cache.expiring
    assert container_values_mutable(roles_cache, checker).kind == "list"
    names = container_for(returns[1].value.value, checker, returns[1])
    assert names is not None and not names.named_cache
    assert container_values_mutable(names, checker) is None
    function = checker.module_functions["roles"]
    assert fills_on_miss(checker, returns[0].value.value, function)


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("[1, 2]", "list"),
        ("{k: v for k, v in x}", "dict"),
        ("sorted(x)", "list"),
        ("json.loads(x)", "dict"),
        ("(1, 2)", None),
        ("frozenset(x)", None),
        ("'text'", None),
        ("compute(x)", None),
    ],
)
def test_mutable_value(expression: str, kind: str | None) -> None:
    checker = _checker(f"import json\nvalue = {expression}\n")
    value = checker.tree.body[1].value
    found = mutable_value(value, checker, None)
    assert (found.kind if found else None) == kind


def test_guessing_collections_from_names() -> None:
    checker = _checker(
        "a = fetch_categories(1)\nb = load_template('x')\nc = cursor.fetchall()\nd = Settings()\n"
    )
    guesses = [mutable_value(statement.value, checker, None, guess=True) for statement in checker.tree.body]
    assert [guess is not None for guess in guesses] == [True, False, True, False]


@pytest.mark.parametrize(
    ("expression", "empty"),
    [
        ("[]", True),
        ("{}", True),
        ("set()", True),
        ("defaultdict(list)", True),
        ("[1]", False),
        ("{'a': 1}", False),
    ],
)
def test_is_empty_container(expression: str, empty: bool) -> None:
    checker = _checker(f"from collections import defaultdict\nvalue = {expression}\n")
    assert is_empty_container(checker.tree.body[1].value, checker) is empty


_NESTED = """
def outer(items, key=lambda item: item):
    total = [x + 1 for x in items]
    @decorate(total)
    def inner():
        return hidden
    class Local:
        also_hidden = 1
    return {"total": total, "sum": sum(total)}
"""


def _iter_child_own_nodes(function: ast.AST) -> list[ast.AST]:
    """What ``own_nodes`` gave when it walked with ``ast.iter_child_nodes``, contexts and
    operators left out."""
    nested = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    leaves = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    found: list[ast.AST] = []
    pending = [node for node in function.body if not isinstance(node, nested)]  # type: ignore[attr-defined]
    while pending:
        node = pending.pop()
        if not isinstance(node, leaves):
            found.append(node)
        pending.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, nested))
    return found


def test_own_nodes_skip_nested_definitions_and_keep_the_walk_order() -> None:
    function = ast.parse(_NESTED).body[0]
    nodes = own_nodes(function)
    assert nodes == _iter_child_own_nodes(function)
    names = {node.id for node in nodes if isinstance(node, ast.Name)}
    assert "hidden" not in names and "also_hidden" not in names
    assert not any(isinstance(node, (ast.Load, ast.Store, ast.Add)) for node in nodes)


def test_own_nodes_of_answers_a_repeated_ask_alike() -> None:
    checker = _checker(_NESTED)
    function = checker.tree.body[0]
    returns = own_nodes_of(checker, function, ast.Return)
    assert [node.lineno for node in returns] == [9]  # type: ignore[attr-defined]
    assert own_nodes_of(checker, function, ast.Return) is returns
    calls = own_nodes_of(checker, function, ast.Call)
    assert sorted(called.func.id for called in calls) == ["sum"]  # type: ignore[attr-defined]  # not the nested decorator
