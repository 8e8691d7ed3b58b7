"""Every bad input gets a clear PF000, or its normal findings at the right place, and
costs nothing else: through the engine, the command line and the language server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from reliability_support import (
    WITNESS,
    BadInput,
    as_found,
    bad_inputs,
    mismatches,
    open_document,
    published,
    pull_capabilities,
    session,
    uri_of,
    write_inputs,
)

from pitfalls.analysis import analyze_file, analyze_source

CASES = bad_inputs()
ON_DISK = [case for case in CASES if case.data is not None or case.name.endswith(".py")]
IN_EDITOR = [case for case in CASES if case.editor_text is not None]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad_inputs")
    write_inputs(root, CASES)
    return root


@pytest.mark.parametrize("case", ON_DISK, ids=[case.name for case in ON_DISK])
def test_engine_reads_each_file(case: BadInput, workspace: Path) -> None:
    result = analyze_file(workspace / case.name)
    found = [(f.code, f.range.start.line, f.range.start.column, f.message) for f in result.findings]
    assert mismatches(case.on_disk, found) == []
    assert result.failures == []


@pytest.mark.parametrize("case", IN_EDITOR, ids=[case.name for case in IN_EDITOR])
def test_engine_reads_each_editor_text(case: BadInput) -> None:
    assert case.editor_text is not None
    result = analyze_source(case.editor_text)
    found = [(f.code, f.range.start.line, f.range.start.column, f.message) for f in result.findings]
    assert mismatches(case.in_editor, found) == []
    assert result.failures == []


def test_command_line_checks_every_file_and_loses_none(workspace: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--output-format", "json", "--no-cache", "."],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode == 1, completed.stderr
    by_file: dict[str, list[tuple[str, int, int, str]]] = {}
    for item in json.loads(completed.stdout):
        name = Path(item["filename"]).relative_to(workspace.resolve()).as_posix()
        location = item["location"]
        by_file.setdefault(name, []).append(
            (item["code"], location["row"] - 1, location["column"] - 1, item["message"])
        )
    problems = {}
    for case in ON_DISK:
        if case.data is None:
            continue  # a directory named like a module is walked into, not read
        wrong = mismatches(case.on_disk, by_file.pop(case.name, []))
        if wrong:
            problems[case.name] = wrong
    assert problems == {}
    assert by_file == {}, f"findings for files that are not inputs: {by_file}"


def test_command_line_given_a_directory_named_like_a_module(workspace: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--output-format", "json", "--no-cache", "folder.py"],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1, completed.stderr
    items = json.loads(completed.stdout)
    assert [(Path(item["filename"]).name, item["code"]) for item in items] == [("inner.py", "PF001")]


async def test_server_analyses_every_editor_text(workspace: Path) -> None:
    async with session(folders=[workspace]) as client:
        uris = {}
        for case in IN_EDITOR:
            assert case.editor_text is not None
            uri = uris[case.name] = uri_of(workspace / "opened" / case.name)
            open_document(client, uri, case.editor_text)
        problems = {}
        for case in IN_EDITOR:
            result = await published(client, uris[case.name], 1)
            wrong = mismatches(case.in_editor, as_found(result.diagnostics))
            if wrong:
                problems[case.name] = wrong
        # Still serving after all of it: hover and code actions answer.
        good = uris["good.py"]
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=good),
                position=types.Position(line=0, character=25),
            )
        )
        assert hover is not None and "PF001" in str(hover.contents)
    assert problems == {}


async def test_server_workspace_diagnostics_read_every_file(workspace: Path) -> None:
    async with session(folders=[workspace], capabilities=pull_capabilities()) as client:
        report = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
    by_file = {}
    for item in report.items:
        assert isinstance(item, types.WorkspaceFullDocumentDiagnosticReport)
        path = Path(item.uri.removeprefix("file://"))
        by_file[path.relative_to(workspace).as_posix()] = as_found(item.items)
    problems = {}
    for case in ON_DISK:
        if case.data is None:
            assert case.name not in by_file, "a directory was reported as a file"
            continue
        wrong = mismatches(case.on_disk, by_file.pop(case.name, []))
        if wrong:
            problems[case.name] = wrong
    assert problems == {}
    assert all(not found for found in by_file.values()), by_file


@pytest.fixture
def with_fifo(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "good.py").write_text(WITNESS, encoding="utf-8")
    return tmp_path


def test_engine_refuses_a_fifo_named_like_a_module_instead_of_waiting(with_fifo: Path) -> None:
    findings = analyze_file(with_fifo / "pipe.py").findings
    assert [(f.code, f.message) for f in findings] == [
        ("PF000", "could not analyze: cannot read the file: not a regular file (a pipe, socket or device)")
    ]


def test_command_line_does_not_wait_on_a_fifo(with_fifo: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--output-format", "json", "--no-cache", "."],
        cwd=with_fifo,
        capture_output=True,
        text=True,
        timeout=30,
    )
    items = json.loads(completed.stdout)
    assert sorted((Path(item["filename"]).name, item["code"]) for item in items) == [
        ("good.py", "PF001"),
        ("pipe.py", "PF000"),
    ]


async def test_server_workspace_diagnostics_do_not_wait_on_a_fifo(with_fifo: Path) -> None:
    async with session(folders=[with_fifo], capabilities=pull_capabilities()) as client:
        report = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
    found = sorted(
        (Path(item.uri).name, str(diagnostic.code)) for item in report.items for diagnostic in item.items
    )
    assert found == [("good.py", "PF001"), ("pipe.py", "PF000")]
