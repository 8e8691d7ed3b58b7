"""In-process checks of the server's pieces where edge cases are cheaper to list than to
drive through a client: position encodings, incremental changes, ignore comments, logs."""

from __future__ import annotations

import ast
import asyncio

import pytest
from lsprotocol import types
from pygls.protocol import default_converter

from conftest import ROOT
from pitfalls.analysis import AnalysisResult, analyze_source
from pitfalls.config import ConfigError, Settings
from pitfalls.engine import RuleFailure
from pitfalls.lsp import convert
from pitfalls.lsp import server as lsp_server
from pitfalls.lsp.ignore import ignore_edit
from pitfalls.lsp.positions import UTF8, UTF16, UTF32, PositionConverter, apply_change
from pitfalls.lsp.settings import (
    DEFAULT_INFERENCE_DELAY_SECONDS,
    ClientSettings,
    parse_client_settings,
    section_of,
)
from pitfalls.model import Position
from pitfalls.rules import RULES
from pitfalls.source import SourceFile, apply_edits


def _partial(
    start: tuple[int, int], end: tuple[int, int], text: str
) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=start[0], character=start[1]),
            end=types.Position(line=end[0], character=end[1]),
        ),
        text=text,
    )


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [(UTF16, 10), (UTF8, 13), (UTF32, 9)],
)
def test_columns_in_each_encoding(encoding: str, expected: int) -> None:
    text = 'x = "é😀" + y\n'
    converter = PositionConverter(text, encoding)
    column = text.index("+")
    assert column == 9
    client = converter.to_client(Position(0, column))
    assert client.character == expected
    assert converter.from_client(client) == Position(0, column)


def test_a_column_inside_a_surrogate_pair_moves_to_the_character_start() -> None:
    converter = PositionConverter("😀x\n", UTF16)
    assert converter.from_client(types.Position(line=0, character=1)) == Position(0, 0)
    assert converter.from_client(types.Position(line=0, character=2)) == Position(0, 1)
    assert converter.from_client(types.Position(line=0, character=99)) == Position(0, 2)


def test_form_feeds_and_unicode_separators_do_not_break_lines() -> None:
    # str.splitlines would see five lines here; the protocol and Python see three.
    text = "a = 1\n\x0c\nb = '\u2028'  # x\x1cy\nc = 2\n"
    converter = PositionConverter(text, UTF16)
    assert converter.to_client(Position(3, 0)) == types.Position(line=3, character=0)
    changed = apply_change(text, _partial((3, 0), (3, 1), "d"), UTF16)
    assert changed.endswith("d = 2\n")


def test_incremental_changes_with_crlf_and_emoji() -> None:
    text = "def f():\r\n    return '😀'\r\n"
    after = apply_change(text, _partial((1, 12), (1, 14), "🐍🐍"), UTF16)
    assert after == "def f():\r\n    return '🐍🐍'\r\n"
    after = apply_change(after, _partial((0, 8), (1, 0), " # done\r\n"), UTF16)
    assert after == "def f(): # done\r\n    return '🐍🐍'\r\n"
    whole = apply_change(after, types.TextDocumentContentChangeWholeDocument(text="x = 1\n"), UTF16)
    assert whole == "x = 1\n"


def test_a_change_past_the_end_appends() -> None:
    assert apply_change("a = 1\n", _partial((5, 0), (5, 0), "b = 2\n"), UTF16) == "a = 1\nb = 2\n"


def _apply(text: str, line: int, code: str) -> str | None:
    edit = ignore_edit(text, line, code)
    if edit is None:
        return None
    source = SourceFile(text)
    return apply_edits(text, [(source.offset(edit.range.start), source.offset(edit.range.end), edit.content)])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("def f(x=[]):", "def f(x=[]):  # noqa: PF001"),
        ("def f(x=[]):   ", "def f(x=[]):  # noqa: PF001"),
        ("def f(x=[]):  # noqa: E501", "def f(x=[]):  # noqa: E501, PF001"),
        ("def f(x=[]):  # NOQA:E501,B006", "def f(x=[]):  # NOQA:E501,B006, PF001"),
        ("def f(x=[]):  # pitfalls: ignore[]", "def f(x=[]):  # pitfalls: ignore[PF001]"),
        ("def f(x=[]):  # pitfalls: ignore[PF012]", "def f(x=[]):  # pitfalls: ignore[PF012,PF001]"),
        ("def f(x=[]):  # type: ignore", "def f(x=[]):  # type: ignore  # noqa: PF001"),
        ("def f(x='#'):", "def f(x='#'):  # noqa: PF001"),
    ],
)
def test_ignore_comment_forms(line: str, expected: str) -> None:
    text = f"{line}\n    return x\n"
    fixed = _apply(text, 0, "PF001")
    assert fixed is not None and fixed.split("\n")[0] == expected
    ast.parse(fixed.replace("ignore[]", "ignore[X]"))


@pytest.mark.parametrize(
    "text",
    [
        'QUERY = """select 1\nfrom t"""\n',  # the line ends inside a string
        "total = first + \\\n    second\n",  # a backslash continuation
    ],
)
def test_no_ignore_comment_where_a_comment_cannot_go(text: str) -> None:
    assert _apply(text, 0, "PF001") is None


async def test_rule_failures_are_logged_once_per_rule_and_document(monkeypatch: pytest.MonkeyPatch) -> None:
    server = lsp_server.SERVER
    logged: list[str] = []
    monkeypatch.setattr(server, "log", lambda message, level=None: logged.append(message))
    monkeypatch.setattr(server, "trace", lambda message, verbose=None: None)
    document = lsp_server.OpenDocument(
        uri="untitled:failing", text="x = 1\n", version=1, language_id="python", path=None
    )
    monkeypatch.setitem(server.documents, document.uri, document)
    failures = [RuleFailure("PF004", "KeyError('x')"), RuleFailure("PF004", "KeyError('y')")]
    loop = asyncio.get_running_loop()
    for version in (1, 2):
        document.version = version
        document.revision += 1
        future: asyncio.Future[lsp_server.Analysis | None] = loop.create_future()
        analysis = lsp_server.Analysis(
            server.key_of(document),
            version,
            document.text,
            AnalysisResult([], failures, document.text),
            None,
            0.0,
        )
        future.set_result(analysis)
        server._finished(document, future)
        assert document.analysis is analysis
    assert len(logged) == 1 and "PF004" in logged[0] and "KeyError('x')" in logged[0]


@pytest.mark.parametrize(
    "negotiated",
    [types.PositionEncodingKind.Utf8, "utf-8", types.PositionEncodingKind.Utf32, None],
)
def test_the_negotiated_encoding_is_a_plain_value(
    negotiated: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Workspace:
        position_encoding = negotiated

    monkeypatch.setattr(lsp_server.PitfallsLanguageServer, "workspace", Workspace())
    encoding = lsp_server.SERVER.position_encoding
    assert type(encoding) is str
    assert encoding == (str(getattr(negotiated, "value", negotiated)) if negotiated else "utf-16")
    line = "é = 1"
    assert PositionConverter(line, encoding).to_client(Position(0, 1)).character == {"utf-8": 2}.get(
        encoding, 1
    )


def test_inference_delay_is_given_in_milliseconds() -> None:
    assert parse_client_settings({}).inference_delay == DEFAULT_INFERENCE_DELAY_SECONDS
    assert parse_client_settings({"inferenceDelay": 500}).inference_delay == 0.5
    assert parse_client_settings({"debounce": 0}, ClientSettings(inference_delay=0)).inference_delay == 0
    assert section_of({"inferenceDelay": 0}) == {"inferenceDelay": 0}
    for bad in (-1, True, "300"):
        with pytest.raises(ConfigError, match=r"pitfalls\.inferenceDelay: expected milliseconds"):
            parse_client_settings({"inferenceDelay": bad})


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_diagnostics_sent_as_json_are_the_lsprotocol_diagnostics(encoding: str) -> None:
    """The publish path builds each diagnostic's JSON itself: it must be exactly what
    lsprotocol's own conversion gives, for every finding of every fixture."""
    converter = default_converter()
    settings = Settings(enabled=frozenset(rule.code for rule in RULES))
    compared = 0
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        positions = PositionConverter(text, encoding)
        uri = path.as_uri()
        for finding in analyze_source(text, path=path, settings=settings).findings:
            expected = converter.unstructure(convert.to_diagnostic(finding, positions, uri))
            assert convert.diagnostic_json(finding, positions, uri) == expected
            compared += 1
    assert compared > 100
