"""Bounded work and fault isolation: a file past its time budget, a rule that raises and
a broken configuration each cost only what they must, and each is said once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types
from reliability_support import HARNESS, WITNESS, open_document, published, session, uri_of

from pitfalls.analysis import analyze_source
from pitfalls.config import Settings

HANDLER = (
    "def handler_{index}(request, seen=[]):\n"
    "    try:\n"
    "        return request.json()['amount']\n"
    "    except:\n"
    "        return None\n\n\n"
)
SLOW_FILE = "".join(HANDLER.format(index=index) for index in range(2500))
"""Big enough that its walk takes far longer than the tiny budget the tests configure."""

BARE_EXCEPT = (
    "def load(path):\n    try:\n        return open(path).read()\n    except:\n        return None\n"
)


def _budget_project(root: Path) -> Path:
    # Tiny for the big file, yet roomy enough that a loaded machine never trips it on the small one.
    (root / "pyproject.toml").write_text("[tool.pitfalls]\ntimeout = 0.05\n", encoding="utf-8")
    (root / "slow.py").write_text(SLOW_FILE, encoding="utf-8")
    (root / "small.py").write_text(WITNESS, encoding="utf-8")
    return root


def test_engine_stops_at_the_budget_and_keeps_what_it_found() -> None:
    complete = analyze_source(SLOW_FILE)
    started = time.perf_counter()
    bounded = analyze_source(SLOW_FILE, settings=Settings(timeout=0.001))
    bounded_seconds = time.perf_counter() - started
    budget = [f for f in bounded.findings if f.code == "PF000"]
    assert [f.message for f in budget] == [
        "analysis took too long (more than 0.001 s); findings for this file are incomplete"
    ]
    assert len(bounded.findings) < len(complete.findings) // 10
    assert all(finding in complete.findings for finding in bounded.findings if finding.code != "PF000")
    assert bounded_seconds < 5


def test_command_line_reports_the_budget_and_checks_the_other_files(tmp_path: Path) -> None:
    project = _budget_project(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--output-format", "json", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    items = json.loads(completed.stdout)
    slow = [item for item in items if item["filename"].endswith("slow.py") and item["code"] == "PF000"]
    assert len(slow) == 1 and "analysis took too long" in slow[0]["message"]
    # Small files finish inside even a tiny budget: nothing else is lost.
    assert [item["code"] for item in items if item["filename"].endswith("small.py")] == ["PF001"]


async def test_server_reports_the_budget_and_keeps_serving(tmp_path: Path) -> None:
    project = _budget_project(tmp_path)
    slow, small = uri_of(project / "slow.py"), uri_of(project / "small.py")
    async with session(folders=[project]) as client:
        open_document(client, slow, SLOW_FILE)
        open_document(client, small, WITNESS)
        slow_result = await published(client, slow, 1)
        small_result = await published(client, small, 1)
    messages = [d.message for d in slow_result.diagnostics if d.code == "PF000"]
    assert len(messages) == 1 and "analysis took too long" in messages[0]
    assert [d.code for d in small_result.diagnostics] == ["PF001"]


def _two_files(root: Path) -> None:
    for name in ("first.py", "second.py"):
        (root / name).write_text(WITNESS + "\n\n" + BARE_EXCEPT, encoding="utf-8")


def test_command_line_skips_a_failing_rule_and_says_so_once(tmp_path: Path) -> None:
    _two_files(tmp_path)
    completed = subprocess.run(
        [sys.executable, str(HARNESS), "cli", "check", "--output-format", "json", "--no-cache", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PITFALLS_TEST_BREAK_RULE": "PF012"},
    )
    items = json.loads(completed.stdout)
    assert sorted((Path(item["filename"]).name, item["code"]) for item in items) == [
        ("first.py", "PF001"),
        ("second.py", "PF001"),
    ]
    reports = [line for line in completed.stderr.splitlines() if "PF012" in line]
    assert len(reports) == 1, completed.stderr
    assert "injected failure in PF012" in reports[0]
    assert "Traceback" not in completed.stderr


async def test_server_skips_a_failing_rule_and_logs_it_once(tmp_path: Path) -> None:
    _two_files(tmp_path)
    uri = uri_of(tmp_path / "first.py")
    text = (tmp_path / "first.py").read_text(encoding="utf-8")
    async with session(folders=[tmp_path], env={"PITFALLS_TEST_BREAK_RULE": "PF012"}) as client:
        open_document(client, uri, text)
        first = await published(client, uri, 1)
        for version in range(2, 5):
            text += f"\nvalue_{version} = {version}\n"
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
            last = await published(client, uri, version)
        logged = [m.message for m in client.log_messages if "PF012" in m.message]
    assert [d.code for d in first.diagnostics] == ["PF001"]
    assert [d.code for d in last.diagnostics] == ["PF001"]
    assert len(logged) == 1, logged
    assert "injected failure in PF012" in logged[0]


async def test_server_reports_a_broken_configuration_and_applies_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pitfalls]\nselect = [\n", encoding="utf-8")
    uri = uri_of(tmp_path / "module.py")
    async with session(folders=[tmp_path]) as client:
        open_document(client, uri, WITNESS + "\n\n" + BARE_EXCEPT)
        result = await published(client, uri, 1)
        shown = [m.message for m in client.messages]
    assert sorted(str(d.code) for d in result.diagnostics) == ["PF001", "PF012"]
    assert len(shown) == 1 and "pyproject.toml" in shown[0] and "default settings" in shown[0], shown


def test_command_line_reports_a_broken_configuration_clearly(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pitfalls]\nselect = [\n", encoding="utf-8")
    (tmp_path / "module.py").write_text(WITNESS, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--no-cache", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "pyproject.toml" in completed.stderr and "not valid TOML" in completed.stderr
    assert "Traceback" not in completed.stderr
