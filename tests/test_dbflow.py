"""The shared database reasoning: SQL text, receivers, call roles and statement order."""

from __future__ import annotations

import ast

import pytest

from pitfalls import dbflow
from pitfalls.engine import Checker, Scope, Walker
from pitfalls.knowledge import db
from pitfalls.source import SourceFile


class _Collect:
    """A stand-in rule that keeps every finished scope, so tests can ask about them."""

    code = "TEST"
    node_types: tuple = ()
    wants_scopes = True

    def __init__(self) -> None:
        self.scopes: dict[str, Scope] = {}

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        name = getattr(scope.node, "name", "<module>")
        self.scopes[name] = scope


def _walk(text: str) -> tuple[Checker, dict[str, Scope]]:
    tree = ast.parse(text)
    checker = Checker(SourceFile(text), tree, None)
    collector = _Collect()
    Walker([collector], checker, None).run(tree)  # type: ignore[list-item]
    return checker, collector.scopes


def _roles(text: str, function: str) -> list[tuple[str, str, str | None]]:
    checker, scopes = _walk(text)
    return [
        (call.role, call.method, call.kind) for call in dbflow.classified_calls(scopes[function], checker)
    ]


@pytest.mark.parametrize(
    ("sql", "verb"),
    [
        ("SELECT * FROM t", "select"),
        ("  -- fetch\n  update accounts SET x = 1", "update"),
        ("/* c */ INSERT INTO t VALUES (1)", "insert"),
        ("WITH moved AS (SELECT 1) DELETE FROM t", "delete"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "select"),
        ("(SELECT 1) UNION (SELECT 2)", "select"),
    ],
)
def test_sql_verb(sql: str, verb: str) -> None:
    assert dbflow.sql_verb(sql) == verb


def test_sql_direction_needs_the_column_on_both_sides() -> None:
    assert dbflow.sql_direction("UPDATE a SET balance = balance - %s WHERE id = %s") == "-"
    assert dbflow.sql_direction("UPDATE a SET stock = a.stock + 1") == "+"
    assert dbflow.sql_direction("UPDATE a SET balance = %s - fee") is None


def test_sql_text_through_fstrings_format_and_names() -> None:
    text = 'Q = "DELETE FROM t WHERE id = %s"\ndef f(c, x, table):\n    c.execute(f"SELECT * FROM {table}")\n'
    checker, scopes = _walk(text)
    calls = scopes["f"].of(ast.Call)
    found = dbflow.sql_text(calls[0].args[0], checker, scopes["f"])  # type: ignore[attr-defined]
    assert found == "SELECT * FROM " + dbflow.PLACEHOLDER


def test_receivers_from_constructors_annotations_and_names() -> None:
    text = """
import sqlite3
from sqlalchemy.orm import Session, sessionmaker
SessionLocal = sessionmaker()

def f(session: Session, cursor, ch):
    conn = sqlite3.connect("x")
    cur = conn.cursor()
    other = SessionLocal()
    cur.execute("SELECT 1")
    conn.commit()
    session.get(User, 1)
    other.add(thing)
    cursor.execute("UPDATE t SET a = 1")
    ch.basic_ack(1)
    ch.basic_nack(2)
    thing.commit()
"""
    assert _roles(text, "f") == [
        ("query", "execute", db.CURSOR),
        ("commit", "commit", db.CONNECTION),
        ("query", "get", db.SESSION),
        ("write", "add", db.SESSION),
        ("write", "execute", db.CURSOR),
        ("ack", "basic_ack", None),
        ("nack", "basic_nack", None),
    ]


def test_kafka_commit_is_an_acknowledgement_not_a_database_commit() -> None:
    text = """
from confluent_kafka import Consumer

def f(conn):
    consumer = Consumer({})
    consumer.commit()
    conn.commit()
    c.commit(message=m)
"""
    assert [role for role, _, _ in _roles(text, "f")] == ["ack", "commit", "ack"]


def test_django_chains_and_instance_writes() -> None:
    text = """
from django.db import models

def f(order):
    Order.objects.filter(pk=1).update(x=1)
    Order.objects.filter(pk=1).first()
    order.save()
    image.save("out.png")
"""
    assert _roles(text, "f") == [
        ("write", "update", None),
        ("query", "filter", None),
        ("query", "first", None),
        ("query", "filter", None),
        ("write", "save", None),
    ]


def test_may_be_classified_holds_for_every_classified_call() -> None:
    text = """
import sqlite3
from django.db import transaction
from django.db.transaction import commit

def f(order, rows, conn: sqlite3.Connection):
    Order.objects.filter(pk=1).update(x=1)
    order.save()
    conn.execute("UPDATE t SET x = 1")
    transaction.commit()
    commit()
    channel.basic_ack(delivery_tag=1)
    rows.append(1)
    print(len(rows))
    (lambda: None)()
"""
    checker, scopes = _walk(text)
    scope = scopes["f"]
    classified = {id(call.node) for call in dbflow.classified_calls(scope, checker)}
    maybe = {id(node) for node in scope.of(ast.Call) if dbflow.may_be_classified(node, checker, scope)}  # type: ignore[arg-type]
    assert classified and classified <= maybe
    # the calls no database method names are dropped without classifying them
    unclassifiable = {"rows.append", "print", "len", "(lambda: None)"}
    assert not any(
        ast.unparse(node.func) in unclassifiable for node in scope.of(ast.Call) if id(node) in maybe
    )  # type: ignore[attr-defined]


def test_transaction_blocks() -> None:
    text = """
import pymysql
import sqlite3
from django.db import transaction

def f(session, engine):
    lite = sqlite3.connect("x")
    my = pymysql.connect()
    with transaction.atomic():
        a()
    with session.begin():
        b()
    with engine.begin() as conn:
        c()
    with lite:
        d()
    with my:
        e()
    with open("x"):
        g()
"""
    checker, scopes = _walk(text)
    scope = scopes["f"]
    blocks = [
        any(dbflow.transaction_block(item, checker, scope) for item in node.items)  # type: ignore[attr-defined]
        for node in scope.of(ast.With)
    ]
    assert blocks == [True, True, True, True, False, False]


def test_after_follows_paths_and_stops_at_returns() -> None:
    text = """
def f(x):
    a()
    if x:
        b()
        return
    else:
        c()
    try:
        d()
    except E:
        e()
    finally:
        g()
    h()
"""
    tree = ast.parse(text)
    checker = Checker(SourceFile(text), tree, None)
    Walker([], checker, None).run(tree)
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    if_statement = function.body[1]
    assert isinstance(if_statement, ast.If)

    def names(statement: ast.stmt) -> list[str]:
        return [
            ast.unparse(node).split("(")[0] if event == "stmt" else "exit"
            for event, node in dbflow.after(statement)
            if not isinstance(node, (ast.If, ast.Try))
        ]

    assert names(if_statement.body[0]) == ["return"]
    assert names(if_statement.orelse[0]) == ["h"]
    try_statement = function.body[2]
    assert isinstance(try_statement, ast.Try)
    assert names(try_statement.body[0]) == ["g", "h"]
    assert names(function.body[0]) == ["h"]


def test_conventional_names_do_not_override_other_libraries() -> None:
    text = """
import pika

def f(body):
    with pika.BlockingConnection(pika.ConnectionParameters("mq")) as connection:
        channel = connection.channel()
        channel.basic_ack(1)
    conn = pika.BlockingConnection()
    conn.commit()
"""
    checker, scopes = _walk(text)
    scope = scopes["f"]
    with_statement = scope.of(ast.With)[0]
    assert not dbflow.transaction_block(with_statement.items[0], checker, scope)  # type: ignore[attr-defined]
    assert _roles(text, "f") == [("ack", "basic_ack", None)]


N_PLUS_ONE_HELPERS = """\
from django.test import TestCase

from shop.models import Customer, Order


def make_orders(ids):
    return [Order.objects.get(pk=pk) for pk in ids]


class CheckoutTests(TestCase):
    def setUp(self):
        for customer in Customer.objects.all():
            Order.objects.get(customer=customer)
"""


@pytest.mark.parametrize(
    ("path", "findings"),
    [
        ("shop/services.py", 1),  # the helper; CheckoutTests is unittest's test class
        ("shop/tests/test_checkout.py", 0),
        ("shop/tests/data.py", 0),  # the suite's data module
        ("shop/checkout_test.py", 0),
        ("shop/tests.py", 0),
        ("conftest.py", 0),
        ("shop/testing/factories.py", 1),  # shipped helpers: only the test class is test code
        ("homeassistant/components/recorder/migration.py", 0),
    ],
)
def test_test_files_and_migration_modules_are_one_off_code(path: str, findings: int) -> None:
    from pathlib import Path

    from pitfalls.analysis import analyze_source
    from pitfalls.config import Settings

    result = analyze_source(
        N_PLUS_ONE_HELPERS, path=Path(path), settings=Settings().overridden(select=["PF005"])
    )
    assert len(result.findings) == findings, [finding.message for finding in result.findings]
    if findings:
        renamed = N_PLUS_ONE_HELPERS.replace("CheckoutTests", "CheckoutFlow")
        again = analyze_source(renamed, path=Path(path), settings=Settings().overridden(select=["PF005"]))
        assert len(again.findings) == findings + 1


def test_local_callee_sees_definitions_added_after_a_lookup() -> None:
    text = """
def outer():
    def first():
        pass
    first()
"""
    checker, scopes = _walk(text)
    scope = scopes["outer"]
    call = scope.of(ast.Call)[0]
    assert dbflow.local_callee(call, checker, scope) is scope.of(ast.FunctionDef)[0]  # type: ignore[arg-type]
    later = ast.parse("def second():\n    pass\n").body[0]
    assert dbflow._functions_named(scope, "second") == []
    scope.add(later)  # a scope only gains nodes, as during the walk: the index takes the new one in
    assert dbflow._functions_named(scope, "second") == [later]
    assert dbflow._functions_named(scope, "first") == [scope.of(ast.FunctionDef)[0]]
