"""`pitfalls check`, `rule` and `rules`, run as a user runs them: a real process on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

MUTABLE = "def handle(payload, trace=[]):\n    trace.append(payload)\n    return trace\n"
BARE = "try:\n    import json\nexcept:\n    json = None\n"
DECIMAL = "from decimal import Decimal\n\nVAT = Decimal(0.2)\n"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pitfalls", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "handlers.py").write_text(MUTABLE, encoding="utf-8")
    (tmp_path / "app" / "startup.py").write_text(BARE, encoding="utf-8")
    (tmp_path / "app" / "billing.py").write_text(DECIMAL, encoding="utf-8")
    return tmp_path


def test_exit_codes(project: Path) -> None:
    assert run("check", "--no-cache", cwd=project).returncode == 1
    assert run("check", "--no-cache", "--exit-zero", cwd=project).returncode == 0
    (project / "clean.py").write_text("x = 1\n", encoding="utf-8")
    assert run("check", "--no-cache", "clean.py", cwd=project).returncode == 0
    result = run("check", "--no-cache", "missing.py", cwd=project)
    assert result.returncode == 2 and "no such file" in result.stderr
    assert run("check", "--select", "PF999", cwd=project).returncode == 2


def test_concise_output_names_file_line_and_column(project: Path) -> None:
    result = run("check", "--no-cache", "--output-format", "concise", cwd=project)
    lines = [line for line in result.stdout.splitlines() if ": PF" in line]
    assert any(line.startswith("app/handlers.py:1:27: PF001 ") for line in lines), lines
    assert any(line.startswith("app/startup.py:3:1: PF012 ") for line in lines), lines
    assert any(line.startswith("app/billing.py:3:7: PF002 [*] ") for line in lines), lines


def test_json_has_ruffs_shape(project: Path) -> None:
    result = run("check", "--no-cache", "--output-format", "json", cwd=project)
    items = json.loads(result.stdout)
    assert {item["code"] for item in items} == {"PF001", "PF002", "PF012"}
    decimal_item = next(item for item in items if item["code"] == "PF002")
    assert decimal_item["filename"] == str((project / "app" / "billing.py").resolve())
    assert decimal_item["location"] == {"row": 3, "column": 7}
    assert decimal_item["end_location"] == {"row": 3, "column": 19}
    assert decimal_item["url"] == "https://www.youtube.com/watch?v=wrkMRPbp91g"
    assert decimal_item["noqa_row"] == 3
    assert decimal_item["fix"]["applicability"] == "safe"
    assert decimal_item["fix"]["edits"] == [
        {"content": '"0.2"', "location": {"row": 3, "column": 15}, "end_location": {"row": 3, "column": 18}}
    ]


def test_sarif_is_2_1_0_with_a_rule_per_code(project: Path) -> None:
    result = run("check", "--no-cache", "--output-format", "sarif", cwd=project)
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    run_ = document["runs"][0]
    rule_ids = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and "PF001" in rule_ids
    rule = next(rule for rule in run_["tool"]["driver"]["rules"] if rule["id"] == "PF001")
    assert rule["helpUri"] == "https://www.youtube.com/watch?v=-ERw7BFPy1o"
    result_item = next(item for item in run_["results"] if item["ruleId"] == "PF001")
    region = result_item["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (1, 27)
    assert rule_ids[result_item["ruleIndex"]] == "PF001"


def test_github_annotations(project: Path) -> None:
    result = run("check", "--no-cache", "--output-format", "github", cwd=project)
    assert (
        "::warning title=pitfalls (PF001),file=app/handlers.py,line=1,col=27,endLine=1,endColumn=29::PF001 "
        in (result.stdout)
    )


def test_fix_applies_safe_fixes_only(project: Path) -> None:
    result = run("check", "--no-cache", "--fix", cwd=project)
    assert (project / "app" / "billing.py").read_text(encoding="utf-8").endswith('Decimal("0.2")\n')
    assert (project / "app" / "handlers.py").read_text(encoding="utf-8") == MUTABLE
    assert result.returncode == 1  # the unsafe ones remain
    run("check", "--no-cache", "--fix", "--unsafe-fixes", cwd=project)
    fixed = (project / "app" / "handlers.py").read_text(encoding="utf-8")
    assert "trace=None" in fixed and "if trace is None:\n        trace = []" in fixed
    assert run("check", "--no-cache", cwd=project).returncode == 0


def test_diff_changes_nothing(project: Path) -> None:
    result = run("check", "--no-cache", "--diff", cwd=project)
    assert '+VAT = Decimal("0.2")' in result.stdout
    assert (project / "app" / "billing.py").read_text(encoding="utf-8") == DECIMAL
    assert result.returncode == 1


def test_statistics(project: Path) -> None:
    result = run("check", "--no-cache", "--statistics", cwd=project)
    assert "PF002\t[*] decimal-from-float" in result.stdout


def test_suppression_comments(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "def f(x=[]):  # noqa: PF001\n    pass\n"
        "def g(x=[]):  # noqa\n    pass\n"
        "def h(x=[]):  # pitfalls: ignore[PF003, PF001]\n    pass\n"
        "def k(x=[]):  # noqa: PF012\n    pass\n",
        encoding="utf-8",
    )
    (tmp_path / "b.py").write_text("# pitfalls: ignore-file\ndef f(x=[]):\n    pass\n", encoding="utf-8")
    result = run("check", "--no-cache", "--output-format", "concise", cwd=tmp_path)
    findings = [line for line in result.stdout.splitlines() if ": PF" in line]
    assert findings == [findings[0]] and findings[0].startswith("a.py:7:")


def test_other_linters_suppressions_of_the_same_check(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import pickle\n"
        "def f(x=[]):  # noqa: B006\n    pass\n"
        "def g(x=[]):  # pylint: disable=dangerous-default-value\n    pass\n"
        "def h(x=[]):  # noqa: E501\n    pass\n"
        "def k(x=[]):  # nosec B602\n    pass\n"
        "def load(request):\n"
        "    return pickle.loads(request.body)  # nosec B301\n"
        "try:\n    pass\nexcept:  # noqa: E722\n    pass\n"
        "try:\n    pass\nexcept:  # pylint: disable=W0702\n    pass\n"
        "try:\n    pass\nexcept:  # noqa: B006\n    pass\n"
        "try:\n    pass\nexcept BaseException:  # pylint: disable=broad-exception-caught\n    pass\n"
        "try:\n    pass\nexcept BaseException:  # noqa: BLE001\n    pass\n",
        encoding="utf-8",
    )
    result = run("check", "--no-cache", "--output-format", "concise", cwd=tmp_path)
    found = [
        line.split(":")[1] + " " + line.split(": ")[1].split()[0]
        for line in result.stdout.splitlines()
        if ": PF" in line
    ]
    # B006 is another tool's code for PF001, not for PF012; B602 is not PF001's either.
    assert found == ["6 PF001", "8 PF001", "22 PF012"]


def test_configuration_select_severity_and_per_file_ignores(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.pitfalls]\n"
        'ignore = ["PF012"]\n'
        'severity = { PF001 = "error" }\n'
        '[tool.pitfalls.per-file-ignores]\n"app/billing.py" = ["PF002"]\n',
        encoding="utf-8",
    )
    items = json.loads(run("check", "--no-cache", "--output-format", "json", cwd=project).stdout)
    assert [(item["code"], item["severity"]) for item in items] == [("PF001", "error")]
    # Command-line flags override the file.
    items = json.loads(
        run("check", "--no-cache", "--output-format", "json", "--select", "PF012", cwd=project).stdout
    )
    assert [item["code"] for item in items] == ["PF012"]


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ('selekt = ["PF001"]', "unknown key 'selekt'"),
        ('select = ["PF404"]', "unknown rule selector 'PF404'"),
        ('severity = { PF001 = "loud" }', "unknown severity 'loud'"),
        ("timeout = -1", "timeout"),
        ("select = [", "not valid TOML"),
    ],
)
def test_bad_configuration_is_a_clear_error(project: Path, table: str, needle: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.pitfalls]\n{table}\n", encoding="utf-8")
    result = run("check", "--no-cache", cwd=project)
    assert result.returncode == 2
    assert needle in result.stderr and "pyproject.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_gitignore_and_exclude_are_honoured(project: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / ".gitignore").write_text("generated/\n", encoding="utf-8")
    (project / "generated").mkdir()
    (project / "generated" / "model.py").write_text(MUTABLE, encoding="utf-8")
    (project / ".venv").mkdir()
    (project / ".venv" / "lib.py").write_text(MUTABLE, encoding="utf-8")
    (project / "pitfalls.toml").write_text('extend-exclude = ["app/startup.py"]\n', encoding="utf-8")
    result = run("check", "--no-cache", "--output-format", "concise", cwd=project)
    assert "generated" not in result.stdout and ".venv" not in result.stdout
    assert "startup.py" not in result.stdout and "handlers.py" in result.stdout


def test_bad_files_become_pf000_and_the_run_goes_on(project: Path) -> None:
    (project / "broken.py").write_text("def f(:\n", encoding="utf-8")
    (project / "latin.py").write_bytes(b"x = '\xe9t\xe9'\n")
    (project / "binary.py").write_bytes(b"\x00\x01\x02\x03" * 100)
    items = json.loads(run("check", "--no-cache", "--output-format", "json", cwd=project).stdout)
    by_file = {(Path(item["filename"]).name, item["code"]) for item in items}
    assert {("broken.py", "PF000"), ("latin.py", "PF000"), ("binary.py", "PF000")} <= by_file
    assert ("handlers.py", "PF001") in by_file
    broken = next(item for item in items if item["filename"].endswith("broken.py"))
    assert broken["location"]["row"] == 1 and "SyntaxError" in broken["message"]


def test_cache_gives_the_same_results_and_notices_changes(project: Path) -> None:
    first = run("check", "--output-format", "json", cwd=project).stdout
    assert (project / ".pitfalls_cache").is_dir()
    second = run("check", "--output-format", "json", cwd=project).stdout
    assert first == second
    (project / "app" / "billing.py").write_text("VAT = 2\n", encoding="utf-8")
    third = json.loads(run("check", "--output-format", "json", cwd=project).stdout)
    assert "PF002" not in {item["code"] for item in third}


def test_many_files_run_in_parallel_with_the_same_results(tmp_path: Path) -> None:
    for index in range(60):
        (tmp_path / f"module_{index:02}.py").write_text(MUTABLE if index % 2 else BARE, encoding="utf-8")
    serial = run("check", "--no-cache", "--jobs", "1", "--output-format", "json", cwd=tmp_path).stdout
    parallel = run("check", "--no-cache", "--jobs", "2", "--output-format", "json", cwd=tmp_path).stdout
    assert serial == parallel and len(json.loads(parallel)) == 60


def test_rule_and_rules_commands(tmp_path: Path) -> None:
    result = run("rule", "PF001", cwd=tmp_path)
    assert result.returncode == 0
    for section in ("## What it does", "## Why it bites in production", "## Example", "## Use instead"):
        assert section in result.stdout
    assert "https://www.youtube.com/watch?v=-ERw7BFPy1o" in result.stdout
    assert run("rule", "bare-except", cwd=tmp_path).stdout.startswith("# PF012 bare-except")
    assert run("rule", "PF999", cwd=tmp_path).returncode == 2
    listed = json.loads(run("rules", "--output-format", "json", cwd=tmp_path).stdout)
    assert listed[0]["code"] == "PF000" and {"PF001", "PF002", "PF012"} <= {item["code"] for item in listed}
