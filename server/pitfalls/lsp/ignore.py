"""The edit behind "Ignore PFxxx on this line": add or extend a suppression comment."""

from __future__ import annotations

import io
import re
import tokenize
from functools import lru_cache

from pitfalls.model import Edit, Position, Range
from pitfalls.source import SourceFile

_NOQA_CODES = re.compile(r"#\s*noqa:\s*[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*(?P<end>)", re.IGNORECASE)
_IGNORE_LIST = re.compile(r"#\s*pitfalls:\s*ignore\[(?P<codes>[^\]]*)(?P<end>)\]", re.IGNORECASE)


@lru_cache(maxsize=4)
def _comment_and_open_lines(text: str) -> tuple[dict[int, tuple[int, str]], set[int]] | None:
    """Comments by 0-based line (code point column, text), and the lines whose end is
    inside a token (a triple-quoted string), where a comment cannot go.

    None when the text does not tokenize; then no comment is offered.
    """
    comments: dict[int, tuple[int, str]] = {}
    open_lines: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0] - 1] = (token.start[1], token.string)
            elif token.end[0] > token.start[0] and token.type not in (tokenize.NL, tokenize.NEWLINE):
                open_lines.update(range(token.start[0] - 1, token.end[0] - 1))
    except (tokenize.TokenError, SyntaxError):
        return None
    return comments, open_lines


def ignore_edit(text: str, line_index: int, code: str) -> Edit | None:
    """The edit that suppresses ``code`` on a line, or None when no comment can be put
    there (the line ends inside a string or with a backslash continuation)."""
    scanned = _comment_and_open_lines(text)
    if scanned is None:
        return None
    comments, open_lines = scanned
    source = SourceFile(text)
    line = source.line(line_index)
    comment = comments.get(line_index)
    if comment is not None:
        column, comment_text = comment
        for pattern, separator in ((_NOQA_CODES, ", "), (_IGNORE_LIST, ",")):
            match = pattern.search(comment_text)
            if match is None:
                continue
            if pattern is _IGNORE_LIST and not match.group("codes").strip():
                separator = ""
            at = Position(line_index, column + match.end("end"))
            return Edit(Range(at, at), f"{separator}{code}")
        end = Position(line_index, len(line))
        return Edit(Range(end, end), f"  # noqa: {code}")
    if line_index in open_lines or line.rstrip().endswith("\\"):
        return None
    stripped = line.rstrip()
    start = Position(line_index, len(stripped))
    end = Position(line_index, len(line))
    return Edit(Range(start, end), f"  # noqa: {code}")
