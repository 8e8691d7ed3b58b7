"""Diagnostics end to end: open, incremental edits, bursts, syntax errors, close, pull."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from pitfalls.rules import RULES_BY_CODE

from .lsp_support import (
    client_column,
    codes,
    open_document,
    published,
    published_when,
    recorder_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVICE = textwrap.dedent(
    """\
    from decimal import Decimal


    def handle_request(payload, trace=[]):
        trace.append(payload["id"])
        return trace


    def vat(amount):
        return Decimal(amount) * Decimal(0.2)


    def load(path):
        try:
            return open(path).read()
        except:
            return None
    """
)


PRICE_LINE = 'café = "🐍 naïve 😀"; price = Decimal(0.1)'
PRICES = f"from decimal import Decimal\n{PRICE_LINE}\n"


def _line_of(text: str, needle: str) -> int:
    return next(index for index, line in enumerate(text.split("\n")) if needle in line)


async def test_open_publishes_every_rule_with_links_and_data(client: LanguageClient, workspace: Path) -> None:
    uri = from_fs_path(str(workspace / "service.py"))
    open_document(client, uri, SERVICE)
    result = await published(client, uri, 1)
    assert codes(result.diagnostics) == ["PF001", "PF002", "PF012"]
    assert result.version == 1
    by_code = {str(d.code): d for d in result.diagnostics}
    for code, diagnostic in by_code.items():
        rule = RULES_BY_CODE[code]
        assert diagnostic.source == "pitfalls"
        assert diagnostic.code_description is not None
        assert diagnostic.code_description.href == rule.video.url
        assert diagnostic.severity == types.DiagnosticSeverity(int(rule.severity))
        assert isinstance(diagnostic.data, dict) and diagnostic.data["key"][0] == code
    default = by_code["PF001"].range
    line = _line_of(SERVICE, "trace=[]")
    assert default.start == types.Position(line=line, character=SERVICE.split("\n")[line].index("[]"))
    assert by_code["PF001"].data["fix"] is not None
    assert by_code["PF012"].range.start.line == _line_of(SERVICE, "except:")


def _change(
    uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str
) -> types.DidChangeTextDocumentParams:
    return types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[
            types.TextDocumentContentChangePartial(
                range=types.Range(
                    start=types.Position(line=start[0], character=start[1]),
                    end=types.Position(line=end[0], character=end[1]),
                ),
                text=text,
            )
        ],
    )


async def test_incremental_edits_update_then_close_clears(client: LanguageClient, workspace: Path) -> None:
    uri = from_fs_path(str(workspace / "jobs.py"))
    open_document(client, uri, "def run(job):\n    return job()\n")
    assert (await published(client, uri, 1)).diagnostics == []
    # Wrap the body in try/except:, in two changes of one notification, as editors send them.
    two_changes = _change(uri, 2, (1, 4), (1, 4), "try:\n        ")
    two_changes.content_changes.append(
        types.TextDocumentContentChangePartial(
            range=types.Range(
                start=types.Position(line=2, character=20), end=types.Position(line=2, character=20)
            ),
            text="\n    except:\n        pass",
        )
    )
    client.text_document_did_change(two_changes)
    second = await published(client, uri, 2)
    assert second.version == 2
    assert codes(second.diagnostics) == ["PF012"]
    assert second.diagnostics[0].range.start.line == 3
    # Narrow the handler: `except:` becomes `except Exception:`.
    client.text_document_did_change(_change(uri, 3, (3, 10), (3, 10), " Exception"))
    assert (await published(client, uri, 3)).diagnostics == []
    client.text_document_did_change(_change(uri, 4, (3, 10), (3, 20), ""))
    assert codes((await published(client, uri, 4)).diagnostics) == ["PF012"]
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    cleared = await published_when(client, uri, lambda d: d == [])
    assert cleared.version is None, "closing did not clear the diagnostics"


async def test_syntax_error_while_typing_then_recovery(client: LanguageClient, workspace: Path) -> None:
    uri = from_fs_path(str(workspace / "typing_through.py"))
    text = "def cache(key, store={}):\n    return store.get(key)\n\n\ndef other(seen=[]):\n    return seen\n"
    open_document(client, uri, text)
    assert codes((await published(client, uri, 1)).diagnostics) == ["PF001", "PF001"]
    # Start a new definition: the file stops parsing.
    client.text_document_did_change(_change(uri, 2, (2, 0), (2, 0), "def broken(:\n"))
    broken = await published(client, uri, 2)
    by_code = sorted((str(d.code), d.range.start.line) for d in broken.diagnostics)
    # PF000 where parsing stops; the last good findings stay, moved with their lines.
    assert by_code == [("PF000", 2), ("PF001", 0), ("PF001", 5)]
    error = next(d for d in broken.diagnostics if d.code == "PF000")
    assert error.severity == types.DiagnosticSeverity.Error
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=22)
        )
    )
    assert hover is not None  # the server still answers, about the carried finding
    # Editing the line of a carried finding drops it: it may no longer stand.
    client.text_document_did_change(_change(uri, 3, (5, 10), (5, 10), "x, "))
    edited = await published(client, uri, 3)
    assert sorted((str(d.code), d.range.start.line) for d in edited.diagnostics) == [
        ("PF000", 2),
        ("PF001", 0),
    ]
    client.text_document_did_change(_change(uri, 4, (2, 11), (2, 12), "x):\n    pass"))
    assert codes((await published(client, uri, 4)).diagnostics) == ["PF001", "PF001"]


async def test_utf16_columns_after_non_ascii_text(client: LanguageClient, workspace: Path) -> None:
    uri = from_fs_path(str(workspace / "prices.py"))
    open_document(client, uri, PRICES)
    (utf16,) = (await published(client, uri, 1)).diagnostics
    assert utf16.code == "PF002"
    # 🐍 and 😀 take two UTF-16 units each: the column is 2 more than the code point index.
    assert utf16.range.start == types.Position(line=1, character=PRICE_LINE.index("Decimal(0.1)") + 2)
    assert utf16.range.end == types.Position(
        line=1, character=client_column(PRICE_LINE, len(PRICE_LINE), "utf-16")
    )


async def test_untitled_document(client: LanguageClient) -> None:
    uri = "untitled:Untitled-1"
    open_document(client, uri, "def f(x=set()):\n    return x\n")
    assert codes((await published(client, uri, 1)).diagnostics) == ["PF001"]


async def test_save_rechecks_and_trace_follows_set_trace(client: LanguageClient, workspace: Path) -> None:
    uri = from_fs_path(str(workspace / "saved.py"))
    recorder = recorder_of(client)
    open_document(client, uri, "def f(x=[]):\n    return x\n")
    await published(client, uri, 1)
    assert not [t for t in recorder.traces if uri in t.message], "traced while the client had tracing off"
    client.set_trace(types.SetTraceParams(value=types.TraceValue.Verbose))

    def publishes() -> int:
        return sum(1 for item in recorder.published if item.uri == uri)

    before = publishes()
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    again = await published_when(client, uri, lambda d: publishes() > before)
    assert again.version == 1 and codes(again.diagnostics) == ["PF001"]
    assert any(uri in trace.message for trace in recorder.traces)
    client.set_trace(types.SetTraceParams(value=types.TraceValue.Off))
