"""``pitfalls server`` options: help, argument errors, TCP transport, log file."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from pitfalls.lsp.cli import main

from .lsp_support import SERVER_COMMAND, _make_client, codes, open_document, published, vscode_capabilities


def test_help_documents_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--stdio",
        "--tcp HOST:PORT",
        "--log-file",
        "--log-level",
        "debounce",
        "initializationOptions",
    ):
        assert option in out


@pytest.mark.parametrize("address", ["localhost", "127.0.0.1:http", "127.0.0.1:70000"])
def test_bad_tcp_address_is_refused(address: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--tcp", address])
    assert exit_info.value.code == 2
    assert "HOST:PORT" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_tcp_transport_and_log_file(tmp_path: Path) -> None:
    port = _free_port()
    log_file = tmp_path / "server.log"
    server = subprocess.Popen(
        [*SERVER_COMMAND, "--tcp", f"127.0.0.1:{port}", "--log-file", str(log_file), "--log-level", "debug"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        client = _make_client()
        for _ in range(100):
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("the server never listened on its port")
        await client.initialize_session(
            types.InitializeParams(capabilities=vscode_capabilities(), initialization_options={"debounce": 0})
        )
        open_document(client, "untitled:tcp", "def f(x={}):\n    return x\n")
        assert codes((await published(client, "untitled:tcp", 1)).diagnostics) == ["PF001"]
        await client.shutdown_async(None)
        client.exit(None)
        server.wait(timeout=10)
        await client.stop()
    finally:
        if server.poll() is None:
            server.kill()
        stdout = server.communicate()[0]
    assert stdout == b""  # nothing but the protocol, and over TCP not even that
    assert "textDocument/didOpen" in log_file.read_text(encoding="utf-8")


def test_server_module_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pitfalls.lsp", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "pitfalls server" in result.stdout
