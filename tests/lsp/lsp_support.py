"""A real LSP client (pytest-lsp) driving the real server process, and helpers to apply
what it sends back, written independently of the server's own position code."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import attrs
from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

ROOT = Path(__file__).resolve().parents[2]
SERVER_COMMAND = [sys.executable, "-m", "pitfalls", "server"]
HARNESS_COMMAND = [sys.executable, str(ROOT / "tests" / "reliability" / "harness.py"), "server"]
"""The real server with test-only commands (see ``harness.py``)."""
WAIT_SECONDS = float(os.environ.get("PITFALLS_LSP_TEST_WAIT", "10"))


@dataclass
class Published:
    uri: str
    version: int | None
    diagnostics: list[types.Diagnostic]


@dataclass
class Recorder:
    published: list[Published] = field(default_factory=list)
    registrations: list[types.Registration] = field(default_factory=list)
    traces: list[types.LogTraceParams] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


def _converter() -> Any:
    """pygls' converter, except that a code action with a ``command`` is read as a code
    action (lsprotocol reads any object with a ``command`` key as a Command, while the
    protocol, and VS Code and Neovim, tell them apart by ``command`` being a string)."""
    converter = default_converter()

    def command_or_code_action(value: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)
        return converter.structure(value, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], command_or_code_action)  # noqa: UP007
    return converter


def _make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=_converter)
    recorder = Recorder()
    client.recorder = recorder  # type: ignore[attr-defined]

    def publish_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        recorder.published.append(Published(params.uri, params.version, list(params.diagnostics)))
        recorder.changed.set()

    def register_capability(client: LanguageClient, params: types.RegistrationParams) -> None:
        recorder.registrations.extend(params.registrations)

    def log_trace(client: LanguageClient, params: types.LogTraceParams) -> None:
        recorder.traces.append(params)

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.LOG_TRACE] = log_trace
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish_diagnostics
    features[types.CLIENT_REGISTER_CAPABILITY] = register_capability
    register_lsp_features(client, features)
    return client


def vscode_capabilities() -> types.ClientCapabilities:
    """VS Code 1.65 as recorded by pytest-lsp: push diagnostics, Markdown hovers, lazy
    code action edits, versioned workspace edits, UTF-16."""
    return client_capabilities("visual-studio-code")


def with_changes(capabilities: types.ClientCapabilities, **changes: Any) -> types.ClientCapabilities:
    """A copy with nested attributes replaced: ``text_document__hover__content_format=[...]``."""
    for dotted, value in changes.items():
        names = dotted.split("__")
        capabilities = _evolve(capabilities, names, value)
    return capabilities


def _evolve(obj: Any, names: list[str], value: Any) -> Any:
    head, *rest = names
    if not rest:
        return attrs.evolve(obj, **{head: value})
    child = getattr(obj, head)
    assert child is not None, f"the base capabilities have no {head}; set it whole"
    return attrs.evolve(obj, **{head: _evolve(child, rest, value)})


def pull_capabilities() -> types.ClientCapabilities:
    capabilities = with_changes(
        vscode_capabilities(),
        text_document__diagnostic=types.DiagnosticClientCapabilities(related_document_support=False),
    )
    return with_changes(
        capabilities, workspace__diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    )


@contextlib.asynccontextmanager
async def session(
    *,
    capabilities: types.ClientCapabilities | None = None,
    options: dict[str, Any] | None = None,
    folders: list[Path] | None = None,
    configuration: dict[str, Any] | None = None,
    command: list[str] | None = None,
) -> AsyncIterator[LanguageClient]:
    """Start the server, initialize it, and shut it down (checking it exits cleanly)."""
    config = ClientServerConfig(
        server_command=command or SERVER_COMMAND, client_factory=_make_client, server_env=dict(os.environ)
    )
    client = await config.start()
    if configuration is not None:
        client.set_configuration(configuration)
    folders = folders or []
    try:
        client.initialize_result = await client.initialize_session(  # type: ignore[attr-defined]
            types.InitializeParams(
                capabilities=capabilities or vscode_capabilities(),
                initialization_options=options if options is not None else {"debounce": 0},
                workspace_folders=[
                    types.WorkspaceFolder(uri=from_fs_path(str(folder)), name=folder.name)
                    for folder in folders
                ],
                root_uri=from_fs_path(str(folders[0])) if folders else None,
            )
        )
        yield client
        await client.shutdown_session()
        assert client._server is not None and client._server.returncode == 0, "no clean exit after shutdown"
    finally:
        server = client._server
        if server is not None and server.returncode is None:
            try:
                await asyncio.wait_for(asyncio.shield(server.wait()), 0.5)
            except asyncio.TimeoutError:
                server.kill()  # the test failed before shutdown/exit; do not wait for it
        await client.stop()


def recorder_of(client: LanguageClient) -> Recorder:
    return client.recorder  # type: ignore[attr-defined,no-any-return]


def open_document(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )


async def published(client: LanguageClient, uri: str, version: int | None) -> Published:
    """Wait for diagnostics of ``uri`` published for ``version`` (or a later one)."""
    recorder = recorder_of(client)

    async def wait() -> Published:
        while True:
            for item in reversed(recorder.published):
                if item.uri == uri and (version is None or (item.version or 0) >= version):
                    return item
            recorder.changed.clear()
            await recorder.changed.wait()

    return await asyncio.wait_for(wait(), WAIT_SECONDS)


async def published_when(
    client: LanguageClient, uri: str, condition: Callable[[list[types.Diagnostic]], bool]
) -> Published:
    """Wait until the latest diagnostics published for ``uri`` satisfy ``condition``."""
    recorder = recorder_of(client)

    async def wait() -> Published:
        while True:
            mine = [item for item in recorder.published if item.uri == uri]
            if mine and condition(mine[-1].diagnostics):
                return mine[-1]
            recorder.changed.clear()
            await recorder.changed.wait()

    try:
        return await asyncio.wait_for(wait(), WAIT_SECONDS)
    except asyncio.TimeoutError:
        mine = [item for item in recorder.published if item.uri == uri]
        last = codes(mine[-1].diagnostics) if mine else None
        raise AssertionError(f"diagnostics of {uri} never matched; last published: {last}") from None


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(diagnostic.code) for diagnostic in diagnostics)


# Positions, counted the way the protocol defines them ---------------------------------


def lines_of(text: str) -> list[str]:
    """Lines without their breaks, split on \\r\\n, \\r and \\n only."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def client_column(line: str, code_points: int, encoding: str = "utf-16") -> int:
    prefix = line[:code_points]
    if encoding == "utf-16":
        return len(prefix.encode("utf-16-le")) // 2
    if encoding == "utf-8":
        return len(prefix.encode("utf-8"))
    return len(prefix)


def offset_of(text: str, position: types.Position, encoding: str = "utf-16") -> int:
    lines = text.split("\n")  # the tests use \n line endings
    offset = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    if encoding == "utf-16":
        code_points = len(line.encode("utf-16-le")[: position.character * 2].decode("utf-16-le"))
    elif encoding == "utf-8":
        code_points = len(line.encode("utf-8")[: position.character].decode("utf-8"))
    else:
        code_points = position.character
    return offset + code_points


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    spans = sorted(
        (
            (offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), e.new_text)
            for e in edits
        ),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def edits_for(edit: types.WorkspaceEdit | None, uri: str) -> list[types.TextEdit]:
    assert edit is not None, "the action carries no edit"
    if edit.document_changes:
        found: list[types.TextEdit] = []
        for change in edit.document_changes:
            assert isinstance(change, types.TextDocumentEdit)
            assert change.text_document.uri == uri
            found.extend(e for e in change.edits if isinstance(e, types.TextEdit))
        return found
    assert edit.changes is not None
    return list(edit.changes[uri])


async def resolved(client: LanguageClient, action: types.CodeAction) -> types.CodeAction:
    if action.edit is None and action.command is None:
        return await client.code_action_resolve_async(action)
    return action


async def code_actions(
    client: LanguageClient, uri: str, line: int, only: list[str] | None = None
) -> list[types.CodeAction | types.Command]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)
            ),
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )
    # lsprotocol reads a code action that only runs a command back as a Command.
    return list(result or [])


def change_document(client: LanguageClient, uri: str, version: int, edits: list[types.TextEdit]) -> None:
    """Send edits as incremental changes, last position first so earlier ranges stay valid."""
    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered
            ],
        )
    )


SHOP_BILLING = (
    "from decimal import Decimal\n"
    "\n"
    "from shop.rates import VAT, fx_rate, sku\n"
    "\n"
    "\n"
    "def totals(count):\n"
    "    return Decimal(VAT), Decimal(fx_rate('USD')), Decimal(sku()), Decimal(count)\n"
)
"""A module of package ``shop`` (``write_shop``) whose floats only cross-module inference sees:
``VAT`` and ``fx_rate`` are floats in ``shop.rates``; ``sku()`` and ``count`` are not."""


def write_shop(root: Path) -> Path:
    """A project at ``root`` with package ``shop`` and its ``rates`` module; returns the package."""
    package = root / "shop"
    package.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "rates.py").write_text(
        "VAT = 0.2\n\n\ndef fx_rate(currency: str) -> float:\n    return 1.08\n\n\n"
        "def sku() -> str:\n    return 'A1'\n",
        encoding="utf-8",
    )
    return package
