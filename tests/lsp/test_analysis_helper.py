"""The real server shares a long document's first analysis with its analysis helper process
(``pitfalls.lsp.split_worker``): the diagnostics are a lone analysis's, a helper killed
between files is replaced, and none outlives the server. Started through the test harness
for its ``pitfalls.test.analysisHelper`` command (the helper's pid, requests, readiness)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from conftest import service_code
from pitfalls.analysis import analyze_source
from pitfalls.lsp.split_worker import usable_cores

from .lsp_support import HARNESS_COMMAND, WAIT_SECONDS, open_document, published, session
from .test_inference import exited, process_state

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="kills processes with POSIX signals"),
    pytest.mark.skipif(usable_cores() < 2, reason="the server starts no helper on one core"),
]


async def helper_state(client: LanguageClient) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="pitfalls.test.analysisHelper")
    )
    assert isinstance(result, dict), result
    return result


async def helper_ready(client: LanguageClient) -> dict[str, Any]:
    async def wait() -> dict[str, Any]:
        while not (state := await helper_state(client))["ready"]:
            await asyncio.sleep(0.02)
        return state

    return await asyncio.wait_for(wait(), WAIT_SECONDS)


def as_findings(diagnostics: list[types.Diagnostic]) -> list[tuple[object, ...]]:
    return sorted(
        (
            str(diagnostic.code),
            diagnostic.range.start.line,
            diagnostic.range.start.character,
            diagnostic.message,
        )
        for diagnostic in diagnostics
    )


async def test_a_long_file_is_shared_and_its_diagnostics_are_a_lone_analysis(tmp_path: Path) -> None:
    text = service_code(3_000)
    path = tmp_path / "service.py"
    path.write_text(text, encoding="utf-8")
    expected = sorted(
        (finding.code, finding.range.start.line, finding.range.start.column, finding.message)
        for finding in analyze_source(text, path=path).findings
    )
    uri = from_fs_path(str(path))
    assert uri is not None
    async with session(command=HARNESS_COMMAND, folders=[tmp_path]) as client:
        before = await helper_ready(client)
        open_document(client, uri, text)
        got = await published(client, uri, 1)
        after = await helper_state(client)
        # Killed while idle: the next long file is checked by the server alone, and a new
        # helper is started for the one after.
        os.kill(after["pid"], signal.SIGKILL)
        await exited(after["pid"])
        second_uri = from_fs_path(str(tmp_path / "copy.py"))
        assert second_uri is not None
        (tmp_path / "copy.py").write_text(text, encoding="utf-8")
        open_document(client, second_uri, text)
        second = await published(client, second_uri, 1)
        replaced = await helper_ready(client)
    assert after["sent"] == before["sent"] + 1
    assert as_findings(got.diagnostics) == expected
    assert as_findings(second.diagnostics) == expected
    assert replaced["pid"] != after["pid"]
    assert process_state(after["pid"]) is None, "the dead helper was waited for"
    state = await exited(replaced["pid"])
    assert state is None or state[0].startswith("Z"), "the helper ended with the server"
