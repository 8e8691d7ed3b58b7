"""Source text with the position arithmetic everything else needs.

``ast`` reports columns as UTF-8 byte offsets; findings use code point columns. Lines
are split the way both Python's tokenizer and the LSP do: on ``\\r\\n``, ``\\r`` and
``\\n`` only (``str.splitlines`` also splits on form feeds and other separators, which
would shift every line after one).
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
from functools import cached_property
from itertools import accumulate

from pitfalls.model import Position, Range

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
BOM = "\ufeff"


class DecodeError(Exception):
    """The bytes of a file are not text in the encoding it declares."""

    def __init__(self, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.position = position
        """Where the first undecodable byte is, in the text before it; None when unknown."""


_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def _position_of_byte(data: bytes, offset: int, encoding: str) -> Position:
    """The line and code point column of byte ``offset`` (the bytes before it decode)."""
    line = 0
    line_start = 0
    for match in _BYTE_LINE_BREAK.finditer(data, 0, offset):
        line += 1
        line_start = match.end()
    before = data[line_start:offset].decode(encoding, errors="replace")
    return Position(line, len(before.removeprefix("\ufeff") if line == 0 else before))


def _undecodable(data: bytes, error: UnicodeDecodeError, encoding: str) -> DecodeError:
    position = _position_of_byte(data, error.start, encoding)
    byte = data[error.start : error.start + 1].hex()
    return DecodeError(
        f"byte 0x{byte} on line {position.line + 1} is not valid {encoding}; save the file as "
        "UTF-8 or declare its encoding in a `# -*- coding: <name> -*-` comment",
        position,
    )


def decode_source(data: bytes) -> str:
    """Decode a Python file's bytes as the interpreter would (BOM, coding cookie, UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # ``detect_encoding`` also fails on bytes that are not UTF-8 in the first two
        # lines; say which byte rather than repeat its "invalid or missing declaration".
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as utf8_error:
            if "unknown encoding" not in str(error):
                raise _undecodable(data, utf8_error, "utf-8") from None
        raise DecodeError(str(error).replace(" for '<string>'", "")) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise _undecodable(data, error, encoding) from None
    except LookupError as error:
        raise DecodeError(f"cannot decode as {encoding}: {error}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def utf8_sig_aware_encoding(data: bytes) -> str:
    """The encoding to write a fixed file back with, so a BOM or cookie is kept."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return "utf-8"
    return encoding


class SourceFile:
    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def after_edit(cls, old: SourceFile, text: str, first_line: int, last_line: int) -> SourceFile:
        """The source of ``text``, an edit of ``old.text`` that left the lines before
        ``first_line`` and after ``last_line`` (of the old text) as they were: their line
        starts are carried over instead of searched for again, a 5,000-line file's
        costliest part of the editor's work per keystroke."""
        edited = cls(text)
        starts = old.line_starts
        moved = len(text) - len(old.text)
        # From one line earlier: a "\r" that ended it may now pair with a "\n".
        begin = max(first_line - 1, 0)
        scan_from = starts[begin]
        if last_line + 2 < len(starts):
            scan_to = starts[last_line + 2] + moved
            middle = [match.end() for match in _LINE_BREAK.finditer(text, scan_from, scan_to)]
            if middle and middle[-1] == scan_to:
                after = starts[last_line + 3 :]
                edited.line_starts = [
                    *starts[: begin + 1],
                    *middle,
                    *(after if not moved else [start + moved for start in after]),
                ]
            # else the edit ran into the lines after it: count them all, when asked
        else:
            middle = [match.end() for match in _LINE_BREAK.finditer(text, scan_from)]
            edited.line_starts = [*starts[: begin + 1], *middle]
        return edited

    @cached_property
    def line_starts(self) -> list[int]:
        if "\r" not in self.text:
            # Every break is one "\n": a line starts one past the end of the one before, and
            # adding up lengths is a third of the cost of searching for the breaks.
            return list(accumulate([len(line) + 1 for line in self.lines[:-1]], initial=0))
        starts = [0]
        starts.extend(match.end() for match in _LINE_BREAK.finditer(self.text))
        return starts

    @cached_property
    def lines(self) -> list[str]:
        """The lines without their line endings; a final empty line after a trailing newline."""
        text = self.text
        return text.split("\n") if "\r" not in text else _LINE_BREAK.split(text)

    def line(self, index: int) -> str:
        if "lines" in self.__dict__:
            lines = self.lines
            return lines[index] if 0 <= index < len(lines) else ""
        # One line, without splitting the whole text (the editor asks for a few per edit).
        starts = self.line_starts
        if not 0 <= index < len(starts):
            return ""
        end = starts[index + 1] if index + 1 < len(starts) else len(self.text)
        text = self.text[starts[index] : end]
        return text.rstrip("\r\n") if end != len(self.text) or text.endswith(("\r", "\n")) else text

    def lines_text(self, first: int, last: int) -> str:
        """The text of the 0-based lines ``first`` to ``last``, line endings included."""
        starts = self.line_starts
        return self.text[starts[first] : starts[last + 1] if last + 1 < len(starts) else None]

    @cached_property
    def _ascii(self) -> bool:
        return self.text.isascii()

    def char_column(self, line_index: int, byte_column: int) -> int:
        if self._ascii:
            return byte_column  # every line is ASCII: byte and code point columns agree
        text = self.line(line_index)
        if text.isascii():
            return byte_column
        if line_index == 0 and text.startswith(BOM):
            # The text was parsed without its byte order mark; columns count from after it.
            return 1 + len(text[1:].encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))
        return len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))

    def node_range(self, node: ast.AST) -> Range:
        start_line = node.lineno - 1  # type: ignore[attr-defined]
        end_line = (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
        end_byte = node.end_col_offset  # type: ignore[attr-defined]
        if end_byte is None:
            end_byte = node.col_offset  # type: ignore[attr-defined]
        return Range(
            Position(start_line, self.char_column(start_line, node.col_offset)),  # type: ignore[attr-defined]
            Position(end_line, self.char_column(end_line, end_byte)),
        )

    def start(self, node: ast.AST) -> Position:
        line = node.lineno - 1  # type: ignore[attr-defined]
        return Position(line, self.char_column(line, node.col_offset))  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> Position:
        line = (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
        return Position(line, self.char_column(line, node.end_col_offset or 0))  # type: ignore[attr-defined]

    def offset(self, position: Position) -> int:
        return self._offset(position.line, position.column)

    def _offset(self, line: int, column: int) -> int:
        starts = self.line_starts
        if line >= len(starts):
            return len(self.text)
        return min(starts[line] + column, self._line_end(line))

    def _line_end(self, line_index: int) -> int:
        starts = self.line_starts
        if line_index + 1 < len(starts):
            end = starts[line_index + 1]
            text = self.text
            while end > starts[line_index] and text[end - 1] in "\r\n":
                end -= 1
            return end
        return len(self.text)

    def position_at(self, offset: int) -> Position:
        from bisect import bisect_right

        line = bisect_right(self.line_starts, offset) - 1
        return Position(line, offset - self.line_starts[line])

    def segment(self, node: ast.AST) -> str:
        # As ``text_in(node_range(node))``, without building the range: rules ask for many.
        start_line = node.lineno - 1  # type: ignore[attr-defined]
        end_line = (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
        end_byte = node.end_col_offset  # type: ignore[attr-defined]
        if end_byte is None:
            end_byte = node.col_offset  # type: ignore[attr-defined]
        start = self._offset(start_line, self.char_column(start_line, node.col_offset))  # type: ignore[attr-defined]
        end = self._offset(end_line, self.char_column(end_line, end_byte))
        return self.text[start:end]

    def text_in(self, range_: Range) -> str:
        return self.text[self.offset(range_.start) : self.offset(range_.end)]

    def indentation_of_line(self, line_index: int) -> str:
        text = self.line(line_index)
        return text[: len(text) - len(text.lstrip(" \t"))]

    @cached_property
    def newline(self) -> str:
        match = _LINE_BREAK.search(self.text)
        return match.group() if match else "\n"


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping (start offset, end offset, content) replacements."""
    pieces: list[str] = []
    cursor = 0
    for start, end, content in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < cursor:
            raise ValueError("overlapping edits")
        pieces.append(text[cursor:start])
        pieces.append(content)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
