"""Property-based tests: random programs through every rule and fix, and random
incremental edits through a real server session.

Programs come from two sources: hypothesmith's grammar of all of Python (odd syntax,
few pitfalls) and a grammar of our own that recombines the statements of the rule
fixtures (realistic service code, many pitfalls and fixes) inside functions, classes and
blocks, with tabs or spaces and LF or CRLF line endings.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import hypothesmith
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pytest_lsp import LanguageClient
from reliability_support import ROOT, document_text, open_document, published, session, uri_of

from pitfalls.analysis import AnalysisResult, analyze_bytes, analyze_source
from pitfalls.fixes import apply_fixes
from pitfalls.model import Finding
from pitfalls.source import SourceFile


def _fixture_statements() -> list[str]:
    """Every top-level statement of every rule fixture, with its decorators."""
    statements: list[str] = []
    for path in sorted((ROOT / "tests" / "fixtures").glob("PF*/*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue  # PF000's fixtures are broken on purpose
        lines = text.splitlines()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (
                node.module == "__future__" or any(alias.name == "*" for alias in node.names)
            ):
                continue
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            statements.append("\n".join(lines[first - 1 : node.end_lineno]))
    return statements


STATEMENTS = _fixture_statements()
WRAPPERS = {
    "module": "{body}",
    "function": "def wrapper_{index}(request, session):\n{indented}",
    "async": "async def wrapper_{index}(request, session):\n{indented}",
    "class": "class Wrapper{index}:\n{indented}",
    "if": "if __name__ == 'main_{index}':\n{indented}",
    "try": "try:\n{indented}\nfinally:\n    pass",
    "loop": "for item_{index} in range(3):\n{indented}",
}


@st.composite
def service_programs(draw: st.DrawFn) -> str:
    chosen = draw(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=8))
    pieces = []
    for index, statement in enumerate(chosen):
        wrapper = draw(st.sampled_from(sorted(WRAPPERS)))
        indented = textwrap.indent(statement, "    ", lambda line: True)
        pieces.append(WRAPPERS[wrapper].format(index=index, body=statement, indented=indented))
    text = "\n\n\n".join(pieces) + "\n"
    if draw(st.booleans()):
        text = re.sub(r"(?m)^((?:    )+)", lambda match: "\t" * (len(match.group(1)) // 4), text)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    try:
        ast.parse(text)
    except SyntaxError:
        assume(False)  # `return` in a class body, `await` outside async, and the like
    return text


def _check_rules_and_fixes(text: str) -> None:
    result = analyze_source(text)
    assert result.failures == [], result.failures
    assert [f.message for f in result.findings if f.code == "PF000"] == []
    source = SourceFile(text)
    for finding in result.findings:
        _check_ranges(finding, source)
        if finding.fix is None:
            continue
        fixed, count = apply_fixes(text, only=finding)
        assert count == 1
        _parses(fixed, f"the fix of {finding.code} at {finding.range.start}")
    everything, _ = apply_fixes(text, unsafe=True)
    _parses(everything, "all fixes together")


def _check_ranges(finding: Finding, source: SourceFile) -> None:
    ranges = [finding.range, *(edit.range for edit in (finding.fix.edits if finding.fix else ()))]
    for range_ in ranges:
        assert range_.start <= range_.end, finding
        for position in (range_.start, range_.end):
            assert position.line < len(source.lines), finding
            assert position.column <= len(source.line(position.line)), finding


def _parses(text: str, what: str) -> None:
    try:
        ast.parse(text)
    except SyntaxError as error:
        raise AssertionError(f"{what} does not parse: {error}\n{text}") from None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service_programs())
def test_service_programs_through_every_rule_and_fix(text: str) -> None:
    _check_rules_and_fixes(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hypothesmith.from_grammar())
def test_any_python_through_every_rule_and_fix(text: str) -> None:
    try:
        compile(text, "<hypothesmith>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        assume(False)  # the grammar also yields programs that break later compiler checks
    _check_rules_and_fixes(text)


def _check_garbage(result: AnalysisResult, text: str) -> None:
    assert result.failures == []
    source = SourceFile(text)
    for finding in result.findings:
        if text:
            _check_ranges(finding, source)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_give_findings_never_an_exception(data: bytes) -> None:
    result = analyze_bytes(data)
    _check_garbage(result, result.text or "")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=2000)
    | st.text(alphabet=st.characters(exclude_categories=()), max_size=300)
)
def test_any_text_gives_findings_never_an_exception(text: str) -> None:
    result = analyze_source(text)
    _check_garbage(result, text)
    if not result.parsed:
        assert [f.code for f in result.findings] == ["PF000"]


# Incremental edits through a real server ------------------------------------------------

START = (
    "from decimal import Decimal\n\n\n"
    "def remember(item, seen=[]):\n    seen.append(item)\n    return seen\n\n\n"
    "def vat(amount):\n    label = 'café 😀'\n    return Decimal(amount) * Decimal(0.2)\n\n\n"
    "def load(path):\n    try:\n        return open(path).read()\n    except:\n        return None\n"
)
INSERTIONS = [
    "",
    "\n",
    "\r\n",
    " ",
    "    ",
    "\t",
    "(",
    ")",
    ":",
    "é",
    "😀",
    "日本",
    "'",
    "# note\n",
    "pass\n",
    "def extra(tags=[]):\n    return tags\n",
    "price = Decimal(0.1)\n",
    "try:\n    pass\nexcept:\n    pass\n",
    "\ndef broken(:\n",
]
_BREAK = re.compile(r"\r\n|\r|\n")


def _position(text: str, offset: int) -> types.Position:
    """The LSP position (UTF-16 columns) of a code point offset, computed here
    independently of the server."""
    starts = [0, *(match.end() for match in _BREAK.finditer(text, 0, offset))]
    # A break that ends exactly at ``offset`` starts a new line there.
    line_start = starts[-1]
    column = len(text[line_start:offset].encode("utf-16-le")) // 2
    return types.Position(line=len(starts) - 1, character=column)


@st.composite
def edit_scripts(draw: st.DrawFn) -> list[list[tuple[int, int, str]]]:
    """Batches of (start, end, insertion) in the text each change applies to."""
    text = START
    batches = []
    for _ in range(draw(st.integers(1, 6))):
        batch = []
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, min(len(text), start + 30)))
            # A client addresses neither the middle of "\r\n" nor that of a character.
            if 0 < start < len(text) and text[start - 1 : start + 1] == "\r\n":
                start -= 1
            if 0 < end < len(text) and text[end - 1 : end + 1] == "\r\n":
                end += 1
            insertion = draw(st.sampled_from(INSERTIONS))
            batch.append((start, end, insertion))
            text = text[:start] + insertion + text[end:]
        batches.append(batch)
    return batches


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[LanguageClient, Path]]:
    folder = tmp_path_factory.mktemp("edits")
    async with session(folders=[folder]) as client:
        yield client, folder


_counter = iter(range(1_000_000))


def _diagnostic_key(diagnostic: types.Diagnostic) -> tuple[str, int, int, int, int, str]:
    start, end = diagnostic.range.start, diagnostic.range.end
    return (str(diagnostic.code), start.line, start.character, end.line, end.character, diagnostic.message)


def _expected(text: str, path: Path) -> list[tuple[str, int, int, int, int, str]]:
    keys = []
    for finding in analyze_source(text, path=path).findings:
        start = _position(text, SourceFile(text).offset(finding.range.start))
        end = _position(text, SourceFile(text).offset(finding.range.end))
        keys.append((finding.code, start.line, start.character, end.line, end.character, finding.message))
    return sorted(keys)


@pytest.mark.asyncio(loop_scope="module")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=edit_scripts())
async def test_incremental_edits_keep_text_and_diagnostics_in_sync(
    server: tuple[LanguageClient, Path], script: list[list[tuple[int, int, str]]]
) -> None:
    client, folder = server
    path = folder / f"edited_{next(_counter)}.py"
    uri = uri_of(path)
    text = START
    open_document(client, uri, text)
    version = 1
    for batch in script:
        changes = []
        for start, end, insertion in batch:
            changes.append(
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=_position(text, start), end=_position(text, end)), text=insertion
                )
            )
            text = text[:start] + insertion + text[end:]
        version += 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=changes,
            )
        )
    result = await published(client, uri, version)
    server_text = await document_text(client, uri)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert server_text == text
    expected = _expected(text, path)
    got = sorted(_diagnostic_key(diagnostic) for diagnostic in result.diagnostics)
    parse_errors = [key for key in expected if key[0] == "PF000"]
    if not parse_errors:
        assert got == expected
    else:
        # While the text does not parse, the server may keep earlier findings in view;
        # the parse failure itself must be exactly where a fresh analysis puts it.
        assert set(parse_errors) <= set(got), (parse_errors, got)
        assert [key for key in got if key[0] == "PF000"] == parse_errors
