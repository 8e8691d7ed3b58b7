"""Cross-module type inference runs in a child process of the server: its findings arrive
after the fast pass's, stale ones are never published, a process that dies is replaced,
and none outlives the server. The server is the real one, started through the test harness
for its ``pitfalls.test.inference`` command (the process's pid, the requests sent to it)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient

from .lsp_support import (
    HARNESS_COMMAND,
    SHOP_BILLING,
    WAIT_SECONDS,
    Published,
    _make_client,
    code_actions,
    codes,
    open_document,
    published,
    recorder_of,
    session,
    vscode_capabilities,
    write_shop,
)

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="stops and kills processes with POSIX signals"
)

NO_DELAY = {"debounce": 0, "inferenceDelay": 0}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_shop(tmp_path)
    return tmp_path


def typed(diagnostics: list[types.Diagnostic]) -> bool:
    """True for diagnostics that include findings only type inference can make."""
    return any("by type inference" in diagnostic.message for diagnostic in diagnostics)


def uri_in(project: Path, name: str) -> str:
    uri = from_fs_path(str(project / "shop" / name))
    assert uri is not None
    return uri


async def inference(client: LanguageClient) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="pitfalls.test.inference")
    )
    assert isinstance(result, dict), result
    return result


async def typed_published(client: LanguageClient, uri: str, version: int) -> Published:
    """Wait for diagnostics of ``version`` that include type inference's findings."""
    recorder = recorder_of(client)

    async def wait() -> Published:
        while True:
            for item in recorder.published:
                if item.uri == uri and item.version == version and typed(item.diagnostics):
                    return item
            recorder.changed.clear()
            await recorder.changed.wait()

    return await asyncio.wait_for(wait(), WAIT_SECONDS)


async def sent_reaches(client: LanguageClient, count: int) -> None:
    async def wait() -> None:
        while (await inference(client))["sent"] < count:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), WAIT_SECONDS)


def process_state(pid: int) -> tuple[str, int] | None:
    """ps's state letters (``S``, ``T``, ``Z``...) and parent pid; None once it is gone."""
    output = subprocess.run(
        ["ps", "-o", "stat=,ppid=", "-p", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    return (output[0], int(output[1])) if output else None


async def exited(pid: int) -> tuple[str, int] | None:
    """Wait until the process has exited; the state it was last seen in (None: reaped)."""
    for _ in range(int(WAIT_SECONDS / 0.05)):
        state = process_state(pid)
        if state is None or state[0].startswith("Z"):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"process {pid} is still running: {process_state(pid)}")


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


@contextmanager
def stopped(pid: int) -> Iterator[None]:
    """The process frozen (SIGSTOP) until the block ends, so a request stays in flight."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        with suppress(ProcessLookupError):  # killed and reaped meanwhile
            os.kill(pid, signal.SIGCONT)


async def test_types_are_inferred_in_a_child_process_and_published_again(project: Path) -> None:
    uri = uri_in(project, "billing.py")
    async with session(command=HARNESS_COMMAND, folders=[project], options=NO_DELAY) as client:
        open_document(client, uri, SHOP_BILLING)
        refined = await typed_published(client, uri, 1)
        state = await inference(client)
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=refined.diagnostics[0].range.start,
            )
        )
        actions = await code_actions(client, uri, refined.diagnostics[0].range.start.line)
        server_pid = client._server.pid  # type: ignore[union-attr]
    mine = [item for item in recorder_of(client).published if item.uri == uri]
    assert mine[0].diagnostics == [], "the fast pass is published first"
    assert all(item.version == 1 for item in mine)
    assert codes(refined.diagnostics) == ["PF002", "PF002"]
    assert state["jediImported"] is False, "the server process imported jedi"
    assert state["pid"] not in (None, server_pid)
    assert hover is not None and "PF002" in str(hover.contents)
    assert any("str()" in action.title for action in actions)


async def test_a_stale_refinement_is_never_published_nor_left_queued(project: Path) -> None:
    warm, uri = uri_in(project, "warm.py"), uri_in(project, "billing.py")
    async with session(command=HARNESS_COMMAND, folders=[project], options=NO_DELAY) as client:
        open_document(client, warm, SHOP_BILLING)
        await typed_published(client, warm, 1)
        state = await inference(client)
        with stopped(state["pid"]):
            open_document(client, uri, SHOP_BILLING)
            await published(client, uri, 1)
            await sent_reaches(client, state["sent"] + 1)  # version 1 is in the frozen worker
            for version in (2, 3, 4):  # each makes the one before stale
                change(client, uri, version, SHOP_BILLING + f"# edit {version}\n")
                await published(client, uri, version)
        final = await typed_published(client, uri, 4)
        await asyncio.sleep(0.5)  # a late publication of an older version would show now
        after = await inference(client)
    mine = [item for item in recorder_of(client).published if item.uri == uri]
    assert final.version == 4
    assert [item.version for item in mine] == sorted(item.version or 0 for item in mine)
    assert not [item.version for item in mine if item.version != 4 and typed(item.diagnostics)]
    # Version 1's request ran (its answer was dropped); 2 and 3 never left the queue.
    assert after["sent"] == state["sent"] + 2


async def test_a_killed_inference_process_is_replaced(project: Path) -> None:
    uri = uri_in(project, "billing.py")
    async with session(command=HARNESS_COMMAND, folders=[project], options=NO_DELAY) as client:
        open_document(client, uri, SHOP_BILLING)
        await typed_published(client, uri, 1)
        first = await inference(client)
        os.kill(first["pid"], signal.SIGKILL)  # while idle: found dead by the next request
        await exited(first["pid"])
        change(client, uri, 2, SHOP_BILLING + "# after an idle kill\n")
        await typed_published(client, uri, 2)
        second = await inference(client)
        first_after = process_state(first["pid"])
        with stopped(second["pid"]):  # killed in the middle of a request: it is sent again
            change(client, uri, 3, SHOP_BILLING + "# after a busy kill\n")
            await published(client, uri, 3)
            await sent_reaches(client, second["sent"] + 1)
            os.kill(second["pid"], signal.SIGKILL)
        await typed_published(client, uri, 3)
        third = await inference(client)
        second_after = process_state(second["pid"])
    mine = [
        item.version for item in recorder_of(client).published if item.uri == uri and typed(item.diagnostics)
    ]
    assert mine == [1, 2, 3]
    assert len({first["pid"], second["pid"], third["pid"]}) == 3
    assert third["sent"] == second["sent"] + 2, "the interrupted request was sent once more"
    # Dead processes were waited for, not left as zombies; the last one ended with the server.
    assert first_after is None and second_after is None
    assert process_state(third["pid"]) is None


async def test_the_inference_process_ends_when_the_server_is_killed(project: Path) -> None:
    uri = uri_in(project, "billing.py")
    config = ClientServerConfig(
        server_command=HARNESS_COMMAND, client_factory=_make_client, server_env=dict(os.environ)
    )
    client = await config.start()
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=vscode_capabilities(),
                initialization_options=NO_DELAY,
                workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(project)), name="project")],
            )
        )
        open_document(client, uri, SHOP_BILLING)
        await typed_published(client, uri, 1)
        worker = (await inference(client))["pid"]
        server = client._server
        assert server is not None and process_state(worker) is not None
        # Frozen mid-request, so only the closed pipe can tell it the server is gone.
        os.kill(worker, signal.SIGSTOP)
        change(client, uri, 2, SHOP_BILLING + "# last edit\n")
        await published(client, uri, 2)
        server.kill()
        # Woken before the server is waited for: the worker holds the server's stderr.
        os.kill(worker, signal.SIGCONT)
        await server.wait()
        state = await exited(worker)
    finally:
        await client.stop()
    # Orphaned, it is reaped by whoever adopted it; it must at least have exited.
    assert state is None or state[0].startswith("Z")
