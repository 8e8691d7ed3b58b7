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


async def helper_ready(client: LanguageClient, replacing: int | None = None) -> dict[str, Any]:
    """The helper's state once it is ready (a new one, when ``replacing`` a pid)."""

    async def wait() -> dict[str, Any]:
        while not (state := await helper_state(client))["ready"] or state["pid"] == replacing:
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
    text = service_code(5_000)
    expected = sorted(
        (finding.code, finding.range.start.line, finding.range.start.column, finding.message)
        for finding in analyze_source(text, path=tmp_path / "service.py").findings
    )

    def uri_of(name: str) -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        uri = from_fs_path(str(tmp_path / name))
        assert uri is not None
        return uri

    async with session(command=HARNESS_COMMAND, folders=[tmp_path]) as client:
        before = await helper_ready(client)
        first = uri_of("service.py")
        open_document(client, first, text)
        got = await published(client, first, 1)
        # It grew past RETIRE_ABOVE_MB on a file this long: a new one starts after the publish.
        replaced = await helper_ready(client, replacing=before["pid"])
        # Killed while idle: the next long file is checked by the server alone, and a new
        # helper is started for the one after.
        os.kill(replaced["pid"], signal.SIGKILL)
        await exited(replaced["pid"])
        second = uri_of("copy.py")
        open_document(client, second, text)
        second_got = await published(client, second, 1)
        after_kill = await helper_ready(client, replacing=replaced["pid"])
        third = uri_of("third.py")
        open_document(client, third, text)
        third_got = await published(client, third, 1)
        last = await helper_state(client)
    assert as_findings(got.diagnostics) == expected
    assert as_findings(second_got.diagnostics) == expected
    assert as_findings(third_got.diagnostics) == expected
    assert replaced["sent"] == before["sent"] + 1 and replaced["pid"] != before["pid"]
    assert after_kill["sent"] == replaced["sent"], "the long file after the kill was not shared"
    assert last["sent"] == after_kill["sent"] + 1
    assert len({before["pid"], replaced["pid"], after_kill["pid"]}) == 3
    assert process_state(before["pid"]) is None and process_state(replaced["pid"]) is None
    state = await exited(last["pid"])
    assert state is None or state[0].startswith("Z"), "the helper ended with the server"
