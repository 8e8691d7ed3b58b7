"""Findings, fixes and rule documentation in the shapes the LSP sends."""

from __future__ import annotations

import re
import zlib
from typing import Any

from lsprotocol import types

from pitfalls.lsp.positions import PositionConverter
from pitfalls.model import Applicability, Edit, Finding, Range
from pitfalls.rules import RULES_BY_CODE, Rule

SOURCE = "pitfalls"
_FENCED_BLOCK = re.compile(r"```[a-zA-Z]*\n(?P<code>.*?)```", re.DOTALL)
_MAX_EXAMPLE_LINES = 14


def finding_key(finding: Finding) -> list[Any]:
    """What identifies a finding within one version of a document, JSON-friendly and short
    (the message, as a checksum: every diagnostic carries the key back and forth)."""
    range_ = finding.range
    return [
        finding.code,
        range_.start.line,
        range_.start.column,
        range_.end.line,
        range_.end.column,
        zlib.crc32(finding.message.encode("utf-8")),
    ]


def find_by_key(findings: list[Finding], key: Any) -> Finding | None:
    return next((finding for finding in findings if finding_key(finding) == key), None)


def to_diagnostic(finding: Finding, converter: PositionConverter, uri: str) -> types.Diagnostic:
    rule = RULES_BY_CODE.get(finding.code)
    description = types.CodeDescription(href=rule.video.url) if rule is not None else None
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=converter.range_to_client(item.range)),
            message=item.message,
        )
        for item in finding.related
    ]
    fix = finding.fix
    data = {
        "key": finding_key(finding),
        "fix": None if fix is None else fix.message,
        "unsafe": fix is not None and fix.applicability is Applicability.UNSAFE,
    }
    return types.Diagnostic(
        range=converter.range_to_client(finding.range),
        message=finding.message,
        severity=types.DiagnosticSeverity(int(finding.severity)),
        code=finding.code,
        code_description=description,
        source=SOURCE,
        related_information=related or None,
        data=data,
    )


def diagnostic_json(finding: Finding, converter: PositionConverter, uri: str) -> dict[str, Any]:
    """``to_diagnostic`` in its JSON shape, built directly: publishing a file's diagnostics
    on every keystroke goes through this."""
    fix = finding.fix
    shape: dict[str, Any] = {
        "range": converter.range_to_json(finding.range),
        "message": finding.message,
        "severity": int(finding.severity),
        "code": finding.code,
    }
    rule = RULES_BY_CODE.get(finding.code)
    if rule is not None:
        shape["codeDescription"] = {"href": rule.video.url}
    shape["source"] = SOURCE
    if finding.related:
        shape["relatedInformation"] = [
            {"location": {"uri": uri, "range": converter.range_to_json(item.range)}, "message": item.message}
            for item in finding.related
        ]
    shape["data"] = {
        "key": finding_key(finding),
        "fix": None if fix is None else fix.message,
        "unsafe": fix is not None and fix.applicability is Applicability.UNSAFE,
    }
    return shape


def to_text_edits(edits: tuple[Edit, ...] | list[Edit], converter: PositionConverter) -> list[types.TextEdit]:
    return [
        types.TextEdit(range=converter.range_to_client(edit.range), new_text=edit.content)
        for edit in sorted(edits, key=lambda item: (item.range.start, item.range.end))
    ]


def whole_text_edit(old: str, new: str, converter: PositionConverter) -> types.TextEdit:
    """One edit turning ``old`` into ``new``, limited to the span that differs."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    source = converter.source
    range_ = Range(source.position_at(prefix), source.position_at(len(old) - suffix))
    return types.TextEdit(range=converter.range_to_client(range_), new_text=new[prefix : len(new) - suffix])


def workspace_edit(
    uri: str, version: int | None, edits: list[types.TextEdit], versioned: bool
) -> types.WorkspaceEdit:
    """A workspace edit for one document; versioned (so a stale edit is refused) when
    the client supports ``documentChanges``."""
    if versioned:
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(
            document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)]
        )
    return types.WorkspaceEdit(changes={uri: edits})


def _first_code_block(markdown: str) -> str | None:
    match = _FENCED_BLOCK.search(markdown)
    if match is None:
        return None
    lines = match.group("code").rstrip("\n").split("\n")
    if len(lines) > _MAX_EXAMPLE_LINES:
        lines = [*lines[:_MAX_EXAMPLE_LINES], "..."]
    return "\n".join(lines)


def _first_paragraph(markdown: str) -> str:
    paragraph = markdown.strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def _fix_safety_sentence(rule: Rule) -> str:
    if not rule.has_fix:
        return "No automatic fix."
    return _first_paragraph(rule.doc.fix_safety)


def hover_markdown(rule: Rule) -> str:
    parts = [f"**{rule.summary}** ({rule.code} {rule.slug})", _first_paragraph(rule.doc.why_it_bites)]
    before = _first_code_block(rule.doc.example)
    after = _first_code_block(rule.doc.use_instead)
    if before is not None:
        parts.append(f"Before:\n\n```python\n{before}\n```")
    if after is not None:
        parts.append(f"After:\n\n```python\n{after}\n```")
    parts.append(f"Fix: {_fix_safety_sentence(rule)}")
    title = rule.video.title.replace("[", "\\[").replace("]", "\\]")
    parts.append(f"Watch: [{title}]({rule.video.url})")
    return "\n\n".join(parts)


def _plain(markdown: str) -> str:
    return re.sub(r"\*\*|`", "", markdown)


def hover_plaintext(rule: Rule) -> str:
    parts = [
        f"{_plain(rule.summary)} ({rule.code} {rule.slug})",
        _plain(_first_paragraph(rule.doc.why_it_bites)),
    ]
    before = _first_code_block(rule.doc.example)
    after = _first_code_block(rule.doc.use_instead)
    if before is not None:
        parts.append("Before:\n" + before)
    if after is not None:
        parts.append("After:\n" + after)
    parts.append(f"Fix: {_plain(_fix_safety_sentence(rule))}")
    parts.append(f"Watch: {rule.video.title} <{rule.video.url}>")
    return "\n\n".join(parts)
