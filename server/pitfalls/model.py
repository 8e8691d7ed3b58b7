"""The values every part of pitfalls exchanges: positions, edits, fixes and findings.

Lines are 0-based; columns are 0-based indices into the line's ``str`` (Unicode code
points). The command line adds 1 to both for display; the language server converts
columns to the encoding the client negotiated.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """Ordered like the LSP ``DiagnosticSeverity`` values, so they convert one to one."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            allowed = ", ".join(member.name.lower() for member in cls)
            raise ValueError(f"unknown severity {text!r} (allowed: {allowed})") from None


class Applicability(str, enum.Enum):
    SAFE = "safe"
    """The fix keeps the program's behaviour; `pitfalls check --fix` applies it."""
    UNSAFE = "unsafe"
    """The fix changes behaviour; it is shown, and applied only with --unsafe-fixes."""


@dataclass(frozen=True, slots=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Range:
    start: Position
    end: Position

    @classmethod
    def of(cls, start_line: int, start_column: int, end_line: int, end_column: int) -> Range:
        return cls(Position(start_line, start_column), Position(end_line, end_column))

    def contains(self, position: Position) -> bool:
        return self.start <= position <= self.end


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text in ``range`` with ``content`` (an empty range inserts)."""

    range: Range
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]
    applicability: Applicability


@dataclass(frozen=True, slots=True)
class Related:
    """Another place involved in a finding: the taint source, the late commit, the loop."""

    message: str
    range: Range


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    range: Range
    severity: Severity
    fix: Fix | None = None
    related: tuple[Related, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "range": _range_to_list(self.range),
            "severity": int(self.severity),
            "fix": None
            if self.fix is None
            else {
                "message": self.fix.message,
                "applicability": self.fix.applicability.value,
                "edits": [[_range_to_list(edit.range), edit.content] for edit in self.fix.edits],
            },
            "related": [[item.message, _range_to_list(item.range)] for item in self.related],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        fix_data = data["fix"]
        fix = None
        if fix_data is not None:
            fix = Fix(
                message=fix_data["message"],
                applicability=Applicability(fix_data["applicability"]),
                edits=tuple(Edit(_range_from_list(r), content) for r, content in fix_data["edits"]),
            )
        return cls(
            code=data["code"],
            message=data["message"],
            range=_range_from_list(data["range"]),
            severity=Severity(data["severity"]),
            fix=fix,
            related=tuple(Related(message, _range_from_list(r)) for message, r in data["related"]),
        )


@dataclass(frozen=True, slots=True)
class TypeQuestion:
    """A rule's question for cross-module type inference, answered after the fast pass.

    ``position`` is the end of the expression whose type matters (where jedi infers it);
    ``is_call`` asks for the type the call returns. ``payload`` is the rule's own data for
    building the finding once the answer is known (ranges, texts), kept JSON-friendly so
    it crosses process boundaries and caches.
    """

    code: str
    position: Position
    is_call: bool
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "position": [self.position.line, self.position.column],
            "is_call": self.is_call,
            "payload": self.payload,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TypeQuestion:
        return cls(data["code"], Position(*data["position"]), data["is_call"], data["payload"])


def _range_to_list(range_: Range) -> list[int]:
    return [range_.start.line, range_.start.column, range_.end.line, range_.end.column]


def _range_from_list(values: list[int]) -> Range:
    return Range.of(*values)
