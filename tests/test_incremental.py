"""The editor's incremental analysis gives, edit after edit, exactly what a full analysis
of the same text gives: the same findings (positions, messages, fixes, related places),
the same type questions, the same syntax errors."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT, service_code
from pitfalls.analysis import AnalysisResult, analyze_source
from pitfalls.config import Settings
from pitfalls.incremental import DocumentAnalyzer, changed_lines
from pitfalls.rules import RULES
from pitfalls.source import SourceFile

EVERY_RULE = Settings(enabled=frozenset(rule.code for rule in RULES))
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
SERVICE_CODE = [
    path
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.py"))
    + sorted((ROOT / "examples").rglob("*.py"))
    if "PF000" not in path.parts
]
SNIPPETS = (
    "_cache[key] = value",
    "self._cache[key] = []",
    "conn = psycopg2.connect(dsn, autocommit=True)",
    "from django.db import transaction",
    "self.client = redis.Redis()",
    "result = helper(item)",
    "global _cache",
    "return [1, 2]",
    "data = pickle.loads(request.data)",
    "subprocess.run(f'ls {request.args[\"path\"]}', shell=True)",
    "price = Decimal(amount / 100)",
    "channel.basic_ack(delivery_tag=method.delivery_tag)",
)


def outcome(result: AnalysisResult) -> tuple[object, ...]:
    findings = [finding.to_dict() for finding in result.findings]
    questions = [(q.code, q.position, q.is_call, q.payload) for q in result.type_questions]
    return findings, questions, result.parsed


def assert_same_as_full(analyzer: DocumentAnalyzer, text: str, path: Path) -> str:
    got = analyzer.analyze(text)
    want = analyze_source(text, path=path, settings=EVERY_RULE)
    assert outcome(got) == outcome(want), f"{analyzer.last_mode} analysis differs from a full one"
    return analyzer.last_mode


def body_lines(lines: list[str]) -> list[int] | None:
    """0-based lines that hold a one-line statement inside a top-level definition."""
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return None
    found = []
    for statement in tree.body:
        if isinstance(statement, DEFINITIONS):
            for node in ast.walk(statement):
                if (
                    isinstance(node, ast.stmt)
                    and not isinstance(node, DEFINITIONS)
                    and node.lineno == node.end_lineno
                ):
                    found.append(node.lineno - 1)
    return found


def indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


@pytest.mark.parametrize("path", SERVICE_CODE, ids=lambda path: str(path.relative_to(ROOT)))
def test_typing_a_statement_into_functions(path: Path) -> None:
    """A new line inside a function, typed one character at a time: most of the texts on
    the way do not parse, the others are analysed incrementally."""
    lines = path.read_text(encoding="utf-8").split("\n")
    analyzer = DocumentAnalyzer(path, EVERY_RULE)
    assert_same_as_full(analyzer, "\n".join(lines), path)
    modes: set[str] = set()
    spots = body_lines(lines) or []
    for spot in spots[:: max(len(spots) // 3, 1)][:3]:
        indent = indentation(lines[spot])
        lines.insert(spot, indent)
        modes.add(assert_same_as_full(analyzer, "\n".join(lines), path))
        typed = "retries = retries + 1  # one more attempt"
        for end in range(1, len(typed) + 1, 2):
            lines[spot] = indent + typed[:end]
            modes.add(assert_same_as_full(analyzer, "\n".join(lines), path))
    if spots:
        assert "incremental" in modes


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("path", SERVICE_CODE, ids=lambda path: str(path.relative_to(ROOT)))
def test_edits_that_cross_definitions(path: Path, seed: int) -> None:
    """Edits that change what one definition means to another: statements copied between
    functions, renames onto another function's name, deleted and duplicated definitions,
    stores into shared caches, imports and connections that change file-wide facts."""
    rng = random.Random(f"{path.name}:{seed}")
    lines = path.read_text(encoding="utf-8").split("\n")
    analyzer = DocumentAnalyzer(path, EVERY_RULE)
    for _ in range(25):
        assert_same_as_full(analyzer, "\n".join(lines), path)
        edited = _structural_edit(lines, rng)
        if edited is None:
            break
        lines = edited


def _structural_edit(lines: list[str], rng: random.Random) -> list[str] | None:
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return None
    definitions = [statement for statement in tree.body if isinstance(statement, DEFINITIONS)]
    inside = body_lines(lines) or []
    if not definitions or not inside:
        return None
    target = rng.choice(definitions)
    other = rng.choice(definitions)
    start = (target.decorator_list[0].lineno if target.decorator_list else target.lineno) - 1
    end = (target.end_lineno or target.lineno) - 1
    other_start = (other.decorator_list[0].lineno if other.decorator_list else other.lineno) - 1
    spot = rng.choice(inside)
    indent = indentation(lines[spot])
    choice = rng.randrange(6)
    if choice == 0:  # a statement of one function copied into another
        copied = lines[rng.choice(inside)].strip()
        return [*lines[:spot], indent + copied, *lines[spot:]]
    if choice == 1:  # renamed onto another definition's name
        line = lines[target.lineno - 1].replace(target.name, other.name, 1)
        return [*lines[: target.lineno - 1], line, *lines[target.lineno :]]
    if choice == 2:
        return lines[:start] + lines[end + 1 :]
    if choice == 3:
        return lines[: end + 1] + lines[other_start : (other.end_lineno or other.lineno)] + lines[end + 1 :]
    if choice == 4:
        return lines[:spot] + lines[spot + 1 :]
    return [*lines[:spot], indent + rng.choice(SNIPPETS), *lines[spot:]]


def test_a_large_file_edited_many_times() -> None:
    """Every fixture and example in one file (the engine benchmark's corpus): names are
    defined many times over, so one edit can reach far."""
    path = Path("service.py")
    lines = service_code(3_000).split("\n")
    analyzer = DocumentAnalyzer(path, EVERY_RULE)
    rng = random.Random(7)
    modes = []
    last_parsed = lines
    for _ in range(30):
        modes.append(assert_same_as_full(analyzer, "\n".join(lines), path))
        if modes[-1] == "syntax error":
            lines = last_parsed  # the analyzer keeps the last text that parsed as its base
        else:
            last_parsed = lines
        edited = _structural_edit(lines, rng)
        assert edited is not None
        lines = edited
    assert len(modes) == 30
    assert modes.count("incremental") > len(modes) // 2


# What one definition's edit changes in another's findings through the file as a whole:
# (text, edited from, edited to).
ACROSS_THE_FILE = {
    "an autocommit connection elsewhere makes a transfer commit twice": (
        """import psycopg2


def transfer(cursor, source, target, amount):
    cursor.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, source))
    cursor.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, target))


def connect(dsn):
    return psycopg2.connect(dsn)
""",
        "psycopg2.connect(dsn)",
        "psycopg2.connect(dsn, autocommit=True)",
    ),
    "a Django import in another function makes save() a database write": (
        """def on_message(channel, method, properties, body):
    order = parse(body)
    channel.basic_ack(delivery_tag=method.delivery_tag)
    order.save()


def setup():
    return None
""",
        "    return None",
        "    from django.db import models",
    ),
    "a cache client assigned in another class makes self.store a shared cache": (
        """import redis


class Store:
    def __init__(self, client):
        self.store = client

    def load(self, key, compute):
        value = self.store.get(key)
        if value is None:
            value = compute(key)
            self.store.set(key, value, ex=60)
        return value


class Other:
    def __init__(self):
        self.store = None
""",
        "self.store = None",
        "self.store = redis.Redis()",
    ),
    "a function renamed to a name another function's fix asks about": (
        """from django.db import models


class Wallet(models.Model):
    balance = models.DecimalField(max_digits=12, decimal_places=2)


def pay(sender: Wallet, receiver: Wallet, amount):
    sender.balance -= amount
    sender.save()
    receiver.balance += amount
    receiver.save()


def helper():
    return 1
""",
        "def helper():",
        "def transaction():",
    ),
    "a default argument runs at module level": (
        """import subprocess
import sys


def run(x=subprocess.run(f"ls {sys.argv[1]}", shell=True)):
    return x
""",
        "shell=True",
        "shell=False",
    ),
    "an import fix goes above the first definition, which is a stub": (
        '''"""Tools."""


@register
def first():
    return 1


import os


def run(request):
    os.system("tar czf backup.tgz " + request.args["path"])
''',
        'request.args["path"])',
        'request.args["path"])\n    checked = True',
    ),
}


@pytest.mark.parametrize("case", ACROSS_THE_FILE, ids=str)
def test_edits_that_change_a_file_wide_fact(case: str) -> None:
    text, old, new = ACROSS_THE_FILE[case]
    path = Path("service.py")
    edited = text.replace(old, new)
    assert (
        outcome(analyze_source(text, path=path, settings=EVERY_RULE))
        != outcome(analyze_source(edited, path=path, settings=EVERY_RULE))
        or "first definition" in case
    )
    analyzer = DocumentAnalyzer(path, EVERY_RULE)
    assert_same_as_full(analyzer, text, path)
    assert_same_as_full(analyzer, edited, path)
    assert_same_as_full(analyzer, text, path)


def test_an_edit_of_module_level_code_is_analysed_in_full() -> None:
    text = "import os\n\n\ndef run(command):\n    return os.system(command)\n"
    analyzer = DocumentAnalyzer(Path("tool.py"), EVERY_RULE)
    analyzer.analyze(text)
    analyzer.analyze(text.replace("import os", "import os, sys"))
    assert analyzer.last_mode == "full"
    assert analyzer.why_full == "module-level code changed"


def test_a_syntax_error_in_the_edited_function_is_the_files() -> None:
    text = "def one():\n    return 1\n\n\ndef two():\n    return 2\n"
    analyzer = DocumentAnalyzer(Path("numbers.py"), EVERY_RULE)
    analyzer.analyze(text)
    broken = text.replace("return 2", "return (2")
    assert assert_same_as_full(analyzer, broken, Path("numbers.py")) == "syntax error"
    # An indented line right after a function may continue it: the file is parsed whole.
    continued = text.replace("\n\ndef two", "    x = 1\n\ndef two")
    assert_same_as_full(analyzer, continued, Path("numbers.py"))


_TEXT = st.lists(st.sampled_from(["a", "b", " ", "\n", "\r", "\r\n", "#"]), max_size=30).map("".join)


@given(_TEXT, _TEXT, st.data())
def test_line_starts_carried_over_an_edit_are_the_texts_own(
    old: str, inserted: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(old)))
    end = data.draw(st.integers(start, len(old)))
    new = old[:start] + inserted + old[end:]
    edit = changed_lines(SourceFile(old), new)
    if edit is None:
        assert new == old
        return
    first, last, delta, source = edit
    fresh = SourceFile(new)
    assert source.line_starts == fresh.line_starts
    assert delta == len(fresh.line_starts) - len(SourceFile(old).line_starts)
    old_lines = SourceFile(old).lines
    assert old_lines[:first] == fresh.lines[:first]
    assert old_lines[last + 1 :] == fresh.lines[last + 1 + delta :]
