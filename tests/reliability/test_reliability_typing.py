"""Typing through a syntax error in a real server session: the findings of the parts that
still parse stay in view, moved with the edits, a PF000 marks where parsing fails, no
publish drops them in between, and the mended file gets exactly a fresh analysis."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from reliability_support import open_document, published, recorder_of, session, uri_of

from pitfalls.analysis import analyze_source

GOOD = (
    "from decimal import Decimal\n\n\n"
    "def remember(item, seen=[]):\n    seen.append(item)\n    return seen\n\n\n"
    "def vat(amount):\n    return Decimal(amount) * Decimal(0.2)\n\n\n"
    "def load(path):\n    try:\n        return open(path).read()\n    except:\n        return None\n"
)


def _change(client, uri: str, version: int, line: int, character: int, text: str) -> None:
    position = types.Position(line=line, character=character)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=position, end=position), text=text
                )
            ],
        )
    )


def _summary(diagnostics: list[types.Diagnostic]) -> list[tuple[str, int, int]]:
    return sorted((str(d.code), d.range.start.line, d.range.start.character) for d in diagnostics)


def _fresh(text: str) -> list[tuple[str, int, int]]:
    return sorted((f.code, f.range.start.line, f.range.start.column) for f in analyze_source(text).findings)


async def test_findings_stay_shifted_while_the_file_does_not_parse(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "typing.py")
    async with session(folders=[tmp_path]) as client:
        open_document(client, uri, GOOD)
        first = await published(client, uri, 1)
        assert _summary(first.diagnostics) == _fresh(GOOD)

        # Type a new function at the top, one piece at a time: two lines in, and the
        # file stops parsing at `def handler(`.
        text = GOOD
        version = 1
        typed = ["import os\n", "\n", "def handler(", "request", ")", ":\n    return request\n"]
        line, character = 1, 0
        snapshots = []
        for piece in typed:
            version += 1
            _change(client, uri, version, line, character, piece)
            offset = sum(len(item) + 1 for item in text.split("\n")[:line]) + character
            text = text[:offset] + piece + text[offset:]
            if "\n" in piece:
                line += piece.count("\n")
                character = len(piece.rsplit("\n", 1)[1])
            else:
                character += len(piece)
            snapshots.append((version, text, await published(client, uri, version)))

        for version, text, result in snapshots:
            fresh = analyze_source(text)
            got = _summary(result.diagnostics)
            if fresh.parsed:
                assert got == _fresh(text), (version, text)
                continue
            parse_error = [(f.code, f.range.start.line, f.range.start.column) for f in fresh.findings]
            assert len(parse_error) == 1 and parse_error[0][0] == "PF000"
            # The good file's three findings, each two lines further down, and the PF000.
            shifted = [(code, row + 2, column) for code, row, column in _fresh(GOOD)]
            assert got == sorted([*shifted, *parse_error]), (version, text)

        # No publish for this document ever lacked the findings of the parts that parse.
        for item in recorder_of(client).published:
            if item.uri == uri:
                assert {"PF001", "PF002", "PF012"} <= {str(d.code) for d in item.diagnostics}, item
        final_text = snapshots[-1][1]
        assert analyze_source(final_text).parsed
        assert _summary(snapshots[-1][2].diagnostics) == _fresh(final_text)


async def test_a_finding_on_an_edited_line_goes_and_comes_back_fresh(tmp_path: Path) -> None:
    uri = uri_of(tmp_path / "vat.py")
    async with session(folders=[tmp_path]) as client:
        open_document(client, uri, GOOD)
        await published(client, uri, 1)
        vat_line = GOOD.split("\n").index("    return Decimal(amount) * Decimal(0.2)")
        # Break the PF002 line itself: its finding cannot be placed, the others stay.
        _change(client, uri, 2, vat_line, len("    return Decimal(amount) * Decimal(0.2"), " +")
        broken = await published(client, uri, 2)
        assert sorted(str(d.code) for d in broken.diagnostics) == ["PF000", "PF001", "PF012"]
        _change(client, uri, 3, vat_line, len("    return Decimal(amount) * Decimal(0.2 +"), " 1")
        mended = await published(client, uri, 3)
    text = GOOD.replace("Decimal(0.2)", "Decimal(0.2 + 1)")
    assert _summary(mended.diagnostics) == _fresh(text)
