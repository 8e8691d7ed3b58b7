"""Behaviour that needs its own server session: other client capabilities or settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import client_capabilities

from .lsp_support import (
    SHOP_BILLING,
    client_column,
    codes,
    open_document,
    published,
    published_when,
    pull_capabilities,
    recorder_of,
    session,
    write_shop,
)
from .test_diagnostics import PRICE_LINE, PRICES, SERVICE


async def test_burst_of_edits_publishes_in_order_and_ends_current(tmp_path: Path) -> None:
    uri = from_fs_path(str(tmp_path / "burst.py"))
    typed = "def extra(tags=[]):\n    return tags\n"
    async with session(options={}) as client:  # the default debounce, 150 ms
        open_document(client, uri, "def handler(event):\n    return event\n")
        await published(client, uri, 1)
        version, line, column = 1, 2, 0
        for char in typed:  # one keystroke per didChange, as fast as the pipe takes them
            version += 1
            position = types.Position(line=line, character=column)
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(start=position, end=position), text=char
                        )
                    ],
                )
            )
            line, column = (line + 1, 0) if char == "\n" else (line, column + 1)
        final = await published(client, uri, version)
        await asyncio.sleep(0.3)  # anything published late would show up now
        mine = [item for item in recorder_of(client).published if item.uri == uri]
    versions = [item.version for item in mine]
    assert versions == sorted(versions), versions
    assert mine[-1].version == version
    assert codes(final.diagnostics) == ["PF001"]
    assert len(mine) < len(typed) // 2, f"debounce did not hold back the burst: {versions}"


async def test_utf8_negotiated(tmp_path: Path) -> None:
    capabilities = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
        )
    )
    uri = from_fs_path(str(tmp_path / "prices.py"))
    async with session(capabilities=capabilities) as client:
        open_document(client, uri, PRICES)
        (utf8,) = (await published(client, uri, 1)).diagnostics
    # é, ï: 2 bytes; 🐍, 😀: 4 bytes.
    start = PRICE_LINE.index("Decimal(0.1)")
    assert utf8.range.start == types.Position(line=1, character=client_column(PRICE_LINE, start, "utf-8"))
    assert utf8.range.start.character == start + 1 + 3 + 1 + 3
    assert utf8.range.end.character == len(PRICE_LINE.encode("utf-8"))


async def test_pull_diagnostics_document_and_workspace(tmp_path: Path) -> None:
    (tmp_path / "on_disk.py").write_text("def f(items=[]):\n    return items\n", encoding="utf-8")
    (tmp_path / "clean.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "vendored.py").write_text("def f(items=[]):\n    return items\n", encoding="utf-8")
    uri = from_fs_path(str(tmp_path / "open.py"))
    async with session(capabilities=pull_capabilities(), folders=[tmp_path]) as client:
        provider = client.initialize_result.capabilities.diagnostic_provider
        assert isinstance(provider, types.DiagnosticOptions) and provider.workspace_diagnostics
        open_document(client, uri, SERVICE)
        document = types.TextDocumentIdentifier(uri=uri)
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=document)
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        assert codes(report.items) == ["PF001", "PF002", "PF012"]
        again = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=document, previous_result_id=report.result_id)
        )
        assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
        client.progress_reports.setdefault("scan-1", [])  # a token the client made itself
        workspace = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[], work_done_token="scan-1")
        )
        unchanged = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(
                previous_result_ids=[
                    types.PreviousResultId(uri=item.uri, value=item.result_id)
                    for item in workspace.items
                    if item.result_id
                ]
            )
        )
        await asyncio.sleep(0.1)
        assert recorder_of(client).published == []  # a pulling client gets no pushes
        progress = client.progress_reports.get("scan-1", [])
    by_uri = {item.uri: item for item in workspace.items}
    assert sorted(by_uri) == sorted(
        from_fs_path(str(tmp_path / name)) for name in ("clean.py", "on_disk.py", "open.py")
    )
    assert codes(by_uri[from_fs_path(str(tmp_path / "on_disk.py"))].items) == ["PF001"]
    assert list(by_uri[from_fs_path(str(tmp_path / "clean.py"))].items) == []
    assert codes(by_uri[uri].items) == ["PF001", "PF002", "PF012"]
    assert by_uri[uri].version == 1
    # Files on disk that did not change come back as unchanged (the open document may have
    # been refined by type inference in between, which gives it a new result id).
    assert all(
        isinstance(item, types.WorkspaceUnchangedDocumentDiagnosticReport)
        for item in unchanged.items
        if item.uri != uri
    )
    assert len(unchanged.items) == 3
    assert isinstance(progress[0], types.WorkDoneProgressBegin)
    assert isinstance(progress[-1], types.WorkDoneProgressEnd)


async def test_types_from_other_modules_refine_the_fast_pass(tmp_path: Path) -> None:
    package = write_shop(tmp_path)
    uri = from_fs_path(str(package / "billing.py"))
    async with session(folders=[tmp_path]) as client:
        open_document(client, uri, SHOP_BILLING)
        refined = await published_when(client, uri, lambda d: len(d) == 2)
        mine = [item for item in recorder_of(client).published if item.uri == uri]
    assert codes(refined.diagnostics) == ["PF002", "PF002"]
    assert sorted(d.range.start.character for d in refined.diagnostics) == [11, 25]
    assert mine[0].diagnostics == [] and all(item.version == 1 for item in mine)


async def test_a_client_that_pulls_but_takes_no_refresh_gets_pushes_only(tmp_path: Path) -> None:
    """Neovim 0.11 pulls whenever a server offers it but cannot be told to pull again
    after a settings change; offered both, it shows every diagnostic twice."""
    uri = from_fs_path(str(tmp_path / "service.py"))
    async with session(capabilities=client_capabilities("neovim@0.11")) as client:
        assert client.initialize_result.capabilities.diagnostic_provider is None
        open_document(client, uri, SERVICE)
        assert codes((await published(client, uri, 1)).diagnostics) == ["PF001", "PF002", "PF012"]
