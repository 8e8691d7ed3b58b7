"""Output formats of ``pitfalls check``: full, concise, json (Ruff's shape), sarif, github.

Only SARIF, which describes every rule in full, imports the rules; the other formats take
what they need from the rule catalogue, so printing cached results stays cheap.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pitfalls import __version__
from pitfalls.catalogue import Catalogue
from pitfalls.files import read_regular_file
from pitfalls.model import Applicability, Finding, Position, Severity

if TYPE_CHECKING:
    from pitfalls.source import SourceFile

FORMATS = ("full", "concise", "json", "sarif", "github")
PROJECT_URL = "https://github.com/pitfalls-dev/pitfalls"


@dataclass
class FileReport:
    path: Path
    findings: list[Finding]
    text: str | None = None

    def source(self) -> SourceFile | None:
        from pitfalls.source import SourceFile, decode_source

        if self.text is None:
            try:
                self.text = decode_source(read_regular_file(self.path)[1])
            except Exception:
                return None
        return SourceFile(self.text)


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _location(position: Position) -> dict[str, int]:
    return {"row": position.line + 1, "column": position.column + 1}


def write_concise(reports: list[FileReport], out: TextIO, catalogue: Catalogue) -> None:
    for report in reports:
        name = display_path(report.path)
        for finding in report.findings:
            start = finding.range.start
            marker = (
                " [*]" if finding.fix is not None and finding.fix.applicability is Applicability.SAFE else ""
            )
            out.write(
                f"{name}:{start.line + 1}:{start.column + 1}: {finding.code}{marker} {finding.message}\n"
            )


def write_full(reports: list[FileReport], out: TextIO, catalogue: Catalogue) -> None:
    for report in reports:
        name = display_path(report.path)
        source = report.source() if report.findings else None
        for finding in report.findings:
            start, end = finding.range.start, finding.range.end
            marker = (
                " [*]" if finding.fix is not None and finding.fix.applicability is Applicability.SAFE else ""
            )
            out.write(
                f"{name}:{start.line + 1}:{start.column + 1}: {finding.code}{marker} {finding.message}\n"
            )
            if source is not None:
                line_text = source.line(start.line).expandtabs(1)
                number = str(start.line + 1)
                gutter = " " * len(number)
                width = (end.column if end.line == start.line else len(line_text)) - start.column
                out.write(f"{gutter} |\n{number} | {line_text}\n")
                out.write(f"{gutter} | {' ' * start.column}{'^' * max(width, 1)} {finding.code}\n")
                for related in finding.related:
                    out.write(f"{gutter} = related: line {related.range.start.line + 1}: {related.message}\n")
                if finding.fix is not None:
                    note = "" if finding.fix.applicability is Applicability.SAFE else " (unsafe)"
                    out.write(f"{gutter} = help: {finding.fix.message}{note}\n")
                out.write("\n")


def write_json(reports: list[FileReport], out: TextIO, catalogue: Catalogue) -> None:
    items: list[dict[str, Any]] = []
    for report in reports:
        filename = str(report.path.resolve())
        for finding in report.findings:
            fix = None
            if finding.fix is not None:
                fix = {
                    "applicability": finding.fix.applicability.value,
                    "message": finding.fix.message,
                    "edits": [
                        {
                            "content": edit.content,
                            "location": _location(edit.range.start),
                            "end_location": _location(edit.range.end),
                        }
                        for edit in finding.fix.edits
                    ],
                }
            items.append(
                {
                    "cell": None,
                    "code": finding.code,
                    "message": finding.message,
                    "severity": finding.severity.name.lower(),
                    "filename": filename,
                    "location": _location(finding.range.start),
                    "end_location": _location(finding.range.end),
                    "url": catalogue.url_of(finding.code),
                    "fix": fix,
                    "noqa_row": finding.range.start.line + 1,
                    "related": [
                        {"message": item.message, "location": _location(item.range.start)}
                        for item in finding.related
                    ],
                }
            )
    json.dump(items, out, indent=2, ensure_ascii=False)
    out.write("\n")


_SARIF_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}


def write_sarif(reports: list[FileReport], out: TextIO, catalogue: Catalogue) -> None:
    from pitfalls.rules import RULES

    rule_index = {rule.code: index for index, rule in enumerate(RULES)}
    rules = [
        {
            "id": rule.code,
            "name": rule.slug,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.doc.what_it_does},
            "help": {"text": rule.doc.why_it_bites, "markdown": rule.doc.why_it_bites},
            "helpUri": rule.video.url,
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
            "properties": {"fixable": rule.has_fix},
        }
        for rule in RULES
    ]
    results = []
    for report in reports:
        uri = report.path.resolve().as_uri()
        for finding in report.findings:
            result: dict[str, Any] = {
                "ruleId": finding.code,
                "level": _SARIF_LEVEL[finding.severity],
                "message": {"text": finding.message},
                "locations": [_sarif_location(uri, finding.range.start, finding.range.end)],
            }
            if finding.code in rule_index:
                result["ruleIndex"] = rule_index[finding.code]
            if finding.related:
                result["relatedLocations"] = [
                    {
                        **_sarif_location(uri, item.range.start, item.range.end),
                        "id": number,
                        "message": {"text": item.message},
                    }
                    for number, item in enumerate(finding.related)
                ]
            results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pitfalls",
                        "version": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _sarif_location(uri: str, start: Position, end: Position) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri},
            "region": {
                "startLine": start.line + 1,
                "startColumn": start.column + 1,
                "endLine": end.line + 1,
                "endColumn": end.column + 1,
            },
        }
    }


_GITHUB_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.HINT: "notice",
}


def _escape_property(text: str) -> str:
    return (
        text.replace("%", "%25")
        .replace("\r", "%0D")
        .replace("\n", "%0A")
        .replace(":", "%3A")
        .replace(",", "%2C")
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def write_github(reports: list[FileReport], out: TextIO, catalogue: Catalogue) -> None:
    for report in reports:
        name = _escape_property(display_path(report.path))
        for finding in report.findings:
            start, end = finding.range.start, finding.range.end
            title = _escape_property(f"pitfalls ({finding.code})")
            out.write(
                f"::{_GITHUB_LEVEL[finding.severity]} title={title},file={name},line={start.line + 1},"
                f"col={start.column + 1},endLine={end.line + 1},endColumn={end.column + 1}::"
                f"{_escape_data(f'{finding.code} {finding.message}')}\n"
            )


WRITERS: dict[str, Callable[[list[FileReport], TextIO, Catalogue], None]] = {
    "full": write_full,
    "concise": write_concise,
    "json": write_json,
    "sarif": write_sarif,
    "github": write_github,
}


def write_statistics(reports: list[FileReport], out: TextIO, catalogue: Catalogue) -> None:
    counts = Counter(finding.code for report in reports for finding in report.findings)
    fixable = {
        finding.code
        for report in reports
        for finding in report.findings
        if finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    }
    width = max((len(str(count)) for count in counts.values()), default=1)
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        slug = catalogue.slug_of(code)
        marker = "[*]" if code in fixable else "   "
        out.write(f"{count:>{width}}\t{code}\t{marker} {slug}\n")
