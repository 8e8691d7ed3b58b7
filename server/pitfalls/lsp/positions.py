"""Converting between pitfalls' code point columns and the client's position encoding.

The LSP counts columns in UTF-16 code units unless client and server agree on UTF-8 or
UTF-32 during ``initialize``. Lines break on ``\\r\\n``, ``\\r`` and ``\\n`` only, the
same split :class:`~pitfalls.source.SourceFile` uses (``str.splitlines`` also breaks on
form feeds and other separators, which real Python files contain).
"""

from __future__ import annotations

from lsprotocol import types

from pitfalls.model import Position, Range
from pitfalls.source import SourceFile

UTF8 = types.PositionEncodingKind.Utf8
UTF16 = types.PositionEncodingKind.Utf16
UTF32 = types.PositionEncodingKind.Utf32


def units_in(text: str, encoding: str) -> int:
    """How many code units of ``encoding`` the string takes."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def column_from_units(line: str, units: int, encoding: str) -> int:
    """The code point column of a client column; a column inside a character or past
    the end of the line is moved to the nearest character boundary before it."""
    if units <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(units, len(line))
    counted = 0
    for index, char in enumerate(line):
        width = units_in(char, encoding)
        if counted + width > units:
            return index
        counted += width
    return len(line)


class PositionConverter:
    """Position arithmetic for one version of one document's text."""

    def __init__(self, text: str, encoding: str) -> None:
        self.source = SourceFile(text)
        self.encoding = encoding

    def to_client(self, position: Position) -> types.Position:
        lines = self.source.lines
        if position.line >= len(lines):
            last = len(lines) - 1
            return types.Position(line=last, character=units_in(lines[last], self.encoding))
        line = lines[position.line]
        return types.Position(line=position.line, character=units_in(line[: position.column], self.encoding))

    def range_to_client(self, range_: Range) -> types.Range:
        return types.Range(start=self.to_client(range_.start), end=self.to_client(range_.end))

    def range_to_json(self, range_: Range) -> dict[str, dict[str, int]]:
        """``range_to_client`` in its JSON shape."""
        start, end = self.to_client(range_.start), self.to_client(range_.end)
        return {
            "start": {"line": start.line, "character": start.character},
            "end": {"line": end.line, "character": end.character},
        }

    def from_client(self, position: types.Position) -> Position:
        lines = self.source.lines
        if position.line >= len(lines):
            return Position(len(lines) - 1, len(lines[-1]))
        return Position(
            position.line, column_from_units(lines[position.line], position.character, self.encoding)
        )

    def range_from_client(self, range_: types.Range) -> Range:
        return Range(self.from_client(range_.start), self.from_client(range_.end))

    def offset_of(self, position: types.Position) -> int:
        return self.source.offset(self.from_client(position))


def apply_change(text: str, change: types.TextDocumentContentChangeEvent, encoding: str) -> str:
    """The text after one ``didChange`` content change (incremental or whole document)."""
    if isinstance(change, types.TextDocumentContentChangePartial):
        converter = PositionConverter(text, encoding)
        start = converter.offset_of(change.range.start)
        end = converter.offset_of(change.range.end)
        if end < start:
            start, end = end, start
        return text[:start] + change.text + text[end:]
    return change.text
