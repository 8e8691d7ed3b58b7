"""PF002 across modules: jedi infers what one file alone cannot tell, statically.

The project's modules would write a marker file if anything imported or ran them; the
marker must never appear, through the command line or the cache.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pitfalls.analysis import analyze_source

MARKER_CODE = "import pathlib\npathlib.Path({marker!r}).write_text('imported')\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    marker = tmp_path / "MARKER"
    package = tmp_path / "shop"
    package.mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n", encoding="utf-8")
    (package / "__init__.py").write_text(MARKER_CODE.format(marker=str(marker)), encoding="utf-8")
    (package / "rates.py").write_text(
        MARKER_CODE.format(marker=str(marker))
        + "VAT = 0.2\nLABEL = 'vat'\n\n\nclass Product:\n    def __init__(self, price: float) -> None:\n"
        "        self.price = price\n\n    def discounted(self) -> float:\n        return self.price * 0.9\n\n\n"
        "def fx_rate(currency: str) -> float:\n    return 1.08\n\n\ndef sku() -> str:\n    return 'A1'\n",
        encoding="utf-8",
    )
    (package / "billing.py").write_text(
        "from decimal import Decimal\n"
        "\n"
        "from shop import rates\n"
        "from shop.rates import VAT, Product, fx_rate, sku\n"
        "\n"
        "\n"
        "def totals(product: Product, count, label):\n"
        "    by_attribute = Decimal(product.price)\n"
        "    by_import = Decimal(VAT)\n"
        "    by_call = Decimal(fx_rate('USD'))\n"
        "    by_method = Decimal(product.discounted())\n"
        "    by_module = Decimal(rates.VAT)\n"
        "    not_float = Decimal(sku())\n"
        "    unknown = Decimal(count)\n"
        "    text = Decimal(rates.LABEL)\n"
        "    return by_attribute, by_import, by_call, by_method, by_module, not_float, unknown, text\n",
        encoding="utf-8",
    )
    (tmp_path / "conftest.py").write_text(MARKER_CODE.format(marker=str(marker)), encoding="utf-8")
    (tmp_path / "sitecustomize.py").write_text(MARKER_CODE.format(marker=str(marker)), encoding="utf-8")
    (tmp_path / "evil.pth").write_text(f"import pathlib; pathlib.Path({str(marker)!r}).write_text('pth')\n")
    return tmp_path


def test_floats_from_other_modules_are_found_without_running_them(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--output-format", "json", "shop/billing.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    items = json.loads(result.stdout)
    assert sorted(item["location"]["row"] for item in items if item["code"] == "PF002") == [8, 9, 10, 11, 12]
    assert all("by type inference" in item["message"] for item in items)
    assert not (project / "MARKER").exists()


@pytest.mark.parametrize("target", ["shop/billing.py", "."])
def test_inferred_findings_follow_changes_in_the_other_module(project: Path, target: str) -> None:
    # Checking "." walks the project, and the cache's stamp of the project reuses that walk.
    def rows() -> list[int]:
        result = subprocess.run(
            [sys.executable, "-m", "pitfalls", "check", "--output-format", "json", target],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
        )
        items = json.loads(result.stdout)
        return sorted(item["location"]["row"] for item in items if item["filename"].endswith("billing.py"))

    assert 9 in rows()
    rates = project / "shop" / "rates.py"
    rates.write_text(rates.read_text(encoding="utf-8").replace("VAT = 0.2", "VAT = '0.2'"), encoding="utf-8")
    assert 9 not in rows()
    assert not (project / "MARKER").exists()


def test_a_file_checked_earlier_in_the_same_worker_is_read_whole(tmp_path: Path) -> None:
    # pricing.py asks a question of its own, so inference reads a pruned copy of it, without
    # the body of the helper nothing in it calls; the importer must still see that body.
    package = tmp_path / "shop"
    package.mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "pricing.py").write_text(
        "from decimal import Decimal\n\nfrom shop.other import unknown\n\n\n"
        "def default_rate():\n    return 0.1\n\n\n"
        "def total(amount):\n    return Decimal(unknown(amount))\n",
        encoding="utf-8",
    )
    (package / "other.py").write_text("def unknown(value):\n    return value\n", encoding="utf-8")
    (package / "fees.py").write_text(
        "from decimal import Decimal\n\nfrom shop.pricing import default_rate\n\n\n"
        "def fee():\n    return Decimal(default_rate())\n",
        encoding="utf-8",
    )
    options = ["--no-cache", "--jobs", "1", "--output-format", "json"]
    result = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", *options, "shop/pricing.py", "shop/fees.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    items = json.loads(result.stdout)
    assert [(Path(item["filename"]).name, item["location"]["row"]) for item in items] == [("fees.py", 7)]


ASKING_MODULE = """\
from decimal import Decimal

import pytest


def rate_for(code):
    return 0.2


def test_unrelated_one():
    total = 0
    for price in (1, 2, 3):
        total += price
    assert total == 6


class TestPrices:
    def __init__(self):
        self.rate = rate_for("EU")

    def test_unrelated_method(self):
        value = 10
        assert value


def price_of(amount):
    return Decimal(amount)


def test_calls_the_asking_function():
    assert price_of(1.5)


def test_calls_a_caller():
    test_calls_the_asking_function()


@pytest.fixture
def unused_fixture():
    @pytest.mark.skip
    def inner():
        return 1

    return inner
"""


def test_inference_sees_the_asking_file_without_the_bodies_it_cannot_need() -> None:
    from pitfalls.inference import text_for_inference

    question_line = ASKING_MODULE.splitlines().index("    return Decimal(amount)") + 1
    reduced = text_for_inference(ASKING_MODULE, {question_line})
    original_lines, reduced_lines = ASKING_MODULE.split("\n"), reduced.split("\n")

    assert len(reduced_lines) == len(original_lines)
    ast.parse(reduced)
    blanked = [number for number, line in enumerate(original_lines) if line != reduced_lines[number]]
    blanked_text = "\n".join(original_lines[number] for number in blanked)
    # Bodies nothing refers to are gone, decorated nested definitions included.
    assert "total += price" in blanked_text
    assert "value = 10" in blanked_text
    assert "def inner():" in blanked_text
    # What a question, a call or jedi itself can reach stays: the question's function, a
    # helper called by name, __init__, a caller of the asking function and its caller.
    for kept in (
        "    return Decimal(amount)",
        "    return 0.2",
        '        self.rate = rate_for("EU")',
        "    assert price_of(1.5)",
        "    test_calls_the_asking_function()",
    ):
        assert kept in reduced_lines
    # Decorators and signatures go with their bodies; a class keeps a body.
    assert "@pytest.fixture" in blanked_text
    assert reduced_lines[original_lines.index("def test_unrelated_one():")] == "pass"
    assert reduced_lines[original_lines.index("    def test_unrelated_method(self):")] == "    pass"


def test_inference_keeps_a_file_it_cannot_reduce_safely() -> None:
    from pitfalls.inference import text_for_inference

    lone_carriage_return = "def f():\r    return 1\r\r\ndef g():\n    x = 1\n    return x\n"
    assert text_for_inference(lone_carriage_return, {1}) == lone_carriage_return
    assert text_for_inference("def broken(:\n    pass\n", {1}) == "def broken(:\n    pass\n"
    referred_to = "def f(\n    a,\n): return a\n\n\nVALUE = f(1)\n"
    assert text_for_inference(referred_to, {99}) == referred_to


PARAMETRIZED_CHECKS = """\
from decimal import Decimal

import pytest
from pytest import mark


@pytest.mark.parametrize("amount, expected", [(10, "10"), (20, "20")])
def check_listed_values(amount, expected, price_fixture):
    assert Decimal(amount) == Decimal(expected)
    assert Decimal(amount / 2)
    assert Decimal(price_fixture)


@mark.parametrize(argnames=("row",), argvalues=[({"amount": 1},)])
class RowChecks:
    def check_item(self, row):
        assert Decimal(row["amount"])

    def check_rebound(self, row):
        row = load(row)
        assert Decimal(row)
"""


def test_parameters_filled_by_parametrize_are_not_asked_about() -> None:
    """Jedi cannot see parametrized values and searches every fixture module for nothing;
    the question goes only where an answer is possible (a fixture, a rebound name). The
    functions here are tests pytest is configured to collect under other names."""
    result = analyze_source(PARAMETRIZED_CHECKS, path="price_checks.py")

    asked = sorted(question.payload["argument"] for question in result.type_questions)
    assert asked == ["price_fixture", "row"]


TEST_CODE_ASKING = """\
from decimal import Decimal

import pytest

from shop.rates import VAT


def test_total(order):
    assert Decimal(order.total / 2)
    assert Decimal(VAT)


@pytest.fixture
def vat():
    return Decimal(VAT)


class TestRefunds:
    def check(self, refund):
        assert Decimal(refund.amount)


def rate():
    return Decimal(VAT)
"""


@pytest.mark.parametrize("path", ["test_refunds.py", "conftest.py", "refunds.py"])
def test_test_code_asks_no_questions(path: str) -> None:
    """In test code a value from elsewhere is mostly a fixture: jedi would read every
    conftest and fixture module to find the test's own expected value. Only code outside
    tests asks; in a test file, nothing does."""
    result = analyze_source(TEST_CODE_ASKING, path=path)

    asked = [(question.position.line + 1, question.payload["argument"]) for question in result.type_questions]
    assert asked == ([] if path != "refunds.py" else [(24, "VAT")])
    assert not result.findings


class CountedCheck:
    """``pitfalls check shop/billing.py`` run in this process (``--jobs 1``), with the cache
    in its default place, counting the files it analyses instead of taking from the cache."""

    def __init__(self, project: Path, monkeypatch: pytest.MonkeyPatch, output: Path) -> None:
        import pitfalls.cache
        import pitfalls.workers

        self.analysed: list[str] = []
        self.output = output
        check_one = pitfalls.workers.check_one

        def counting_check_one(path: Path, *arguments: object) -> object:
            self.analysed.append(path.name)
            return check_one(path, *arguments)  # type: ignore[arg-type]

        monkeypatch.setattr(pitfalls.workers, "check_one", counting_check_one)
        monkeypatch.setattr(pitfalls.cache, "RACY_SECONDS", 0.0)
        monkeypatch.chdir(project)

    def rows(self) -> list[int]:
        from pitfalls.cli import main

        self.analysed.clear()
        stdout = sys.stdout
        with self.output.open("w", encoding="utf-8") as stream:
            sys.stdout = stream
            try:
                main(["check", "--jobs", "1", "--output-format", "json", "shop/billing.py"])
            finally:
                sys.stdout = stdout
        return sorted(item["location"]["row"] for item in json.loads(self.output.read_text(encoding="utf-8")))


@pytest.fixture
def counted(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> CountedCheck:
    return CountedCheck(project, monkeypatch, tmp_path_factory.mktemp("output") / "out.json")


def test_inferred_results_are_kept_until_a_module_they_read_changes(
    project: Path, counted: CountedCheck
) -> None:
    """A cached result that inference worked out from other modules records which files it
    read: an edit anywhere else in the project keeps it, an edit of one of those files or
    a new module beside them (which an import might now find) does not."""
    (project / "shop" / "unrelated.py").write_text("LIMIT = 3\n", encoding="utf-8")
    assert counted.rows() == [8, 9, 10, 11, 12] and counted.analysed == ["billing.py"]
    assert counted.rows() == [8, 9, 10, 11, 12] and counted.analysed == []

    (project / "shop" / "unrelated.py").write_text("LIMIT = 4\n", encoding="utf-8")
    (project / "notes.txt").write_text("not a module\n", encoding="utf-8")
    (project / ".pytest_cache").mkdir()
    assert counted.rows() == [8, 9, 10, 11, 12] and counted.analysed == []

    rates = project / "shop" / "rates.py"
    rates.write_text(rates.read_text(encoding="utf-8").replace("VAT = 0.2", "VAT = '0.2'"), encoding="utf-8")
    assert 9 not in counted.rows() and counted.analysed == ["billing.py"]

    (project / "shop" / "extra.py").write_text("EXTRA = 1\n", encoding="utf-8")
    counted.rows()
    assert counted.analysed == ["billing.py"]
    assert not (project / "MARKER").exists()


def test_without_knowing_what_inference_read_any_module_edit_counts(
    project: Path, counted: CountedCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should jedi's internals no longer say which modules it loaded, the result depends
    on every file of the project, as a stamp of the whole tree."""
    from pitfalls.inference import JediTypes

    monkeypatch.setattr(JediTypes, "files_read", lambda self: None)
    (project / "shop" / "unrelated.py").write_text("LIMIT = 3\n", encoding="utf-8")
    assert counted.rows() == [8, 9, 10, 11, 12] and counted.analysed == ["billing.py"]
    assert counted.rows() == [8, 9, 10, 11, 12] and counted.analysed == []
    (project / "shop" / "unrelated.py").write_text("LIMIT = 40\n", encoding="utf-8")
    assert counted.rows() == [8, 9, 10, 11, 12] and counted.analysed == ["billing.py"]
