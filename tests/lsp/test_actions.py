"""Hovers and code actions end to end: every fix and ignore action of every rule fixture
is applied to the text the client holds, and the result must parse and lose the finding."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from pitfalls.analysis import analyze_source
from pitfalls.config import Settings
from pitfalls.lsp.convert import finding_key
from pitfalls.rules import RULES_BY_CODE

from .lsp_support import (
    ROOT,
    apply_text_edits,
    code_actions,
    codes,
    edits_for,
    open_document,
    published,
    resolved,
    session,
    vscode_capabilities,
    with_changes,
)
from .test_diagnostics import PRICE_LINE, PRICES, SERVICE

pytestmark = pytest.mark.asyncio(loop_scope="module")
# PF000 (the file does not parse) has nothing to fix or ignore.
FIXTURES = sorted(
    path for path in (ROOT / "tests" / "fixtures").glob("PF*/*.py") if path.parent.name != "PF000"
)


def _count(text: str, code: str) -> int:
    return sum(1 for f in analyze_source(text, settings=Settings().overridden(select=[code])).findings)


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def _action_for(
    actions: list[types.CodeAction | types.Command], diagnostic: types.Diagnostic, prefix: str
) -> types.CodeAction:
    for action in actions:
        if not isinstance(action, types.CodeAction):
            continue
        keys = [d.data["key"] for d in action.diagnostics or [] if isinstance(d.data, dict)]
        if action.title.startswith(prefix) and diagnostic.data["key"] in keys:
            return action
    raise AssertionError(f"no action {prefix!r} for {diagnostic.code} at {diagnostic.range}")


def _video_command(actions: list[types.CodeAction | types.Command], code: str) -> types.Command:
    title = f"Open video: {RULES_BY_CODE[code].video.title}"
    for action in actions:
        command = action if isinstance(action, types.Command) else action.command
        if command is not None and command.title == title:
            return command
    raise AssertionError(f"no {title!r} action")


async def test_hover_on_a_diagnostic_explains_and_links_the_video(
    client: LanguageClient, workspace: Path
) -> None:
    uri = from_fs_path(str(workspace / "hover.py"))
    open_document(client, uri, SERVICE)
    diagnostics = (await published(client, uri, 1)).diagnostics
    pf001 = next(d for d in diagnostics if d.code == "PF001")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pf001.range.start)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    rule = RULES_BY_CODE["PF001"]
    text = hover.contents.value
    assert text.startswith(f"**{rule.summary}** (PF001 ")
    assert f"Watch: [{rule.video.title}]({rule.video.url})" in text
    assert "Before:\n\n```python\ndef handle_request(payload, trace=[]):" in text
    assert "After:\n\n```python\n" in text and "if trace is None:" in text
    assert "Fix: The fix is unsafe" in text
    assert "PF002" not in text
    assert hover.range == pf001.range
    nowhere = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=2)
        )
    )
    assert nowhere is None


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: f"{path.parent.name}/{path.name}")
async def test_every_fix_and_ignore_action_of_the_fixtures(client: LanguageClient, path: Path) -> None:
    code = path.parent.name
    text = path.read_text(encoding="utf-8")
    uri = from_fs_path(str(path))
    open_document(client, uri, text)
    # The fast pass's findings; type inference may add more in a second publish, whose
    # fixes the local re-check (fast pass only) could not judge.
    fast = {
        repr(finding_key(f))
        for f in analyze_source(text, settings=Settings().overridden(select=[code])).findings
    }
    published_keys = {repr(d.data["key"]) for d in (await published(client, uri, 1)).diagnostics}
    assert fast <= published_keys
    diagnostics = [d for d in client.diagnostics[uri] if repr(d.data["key"]) in fast]
    before = _count(text, code)
    assert len(diagnostics) == before > 0
    fixed = ignored = 0
    for diagnostic in diagnostics:
        actions = await code_actions(client, uri, diagnostic.range.start.line)
        if diagnostic.data["fix"] is not None:
            action = await resolved(client, _action_for(actions, diagnostic, diagnostic.data["fix"]))
            assert ("unsafe" in action.title) == diagnostic.data["unsafe"]
            after = apply_text_edits(text, edits_for(action.edit, uri))
            assert _parses(after), f"fix for line {diagnostic.range.start.line + 1} does not parse:\n{after}"
            assert _count(after, code) < before, (
                f"fix for line {diagnostic.range.start.line + 1} left the finding"
            )
            fixed += 1
        action = await resolved(client, _action_for(actions, diagnostic, f"Ignore {code} on this line"))
        after = apply_text_edits(text, edits_for(action.edit, uri))
        assert _parses(after)
        assert _count(after, code) < before, (
            f"ignore comment on line {diagnostic.range.start.line + 1} did not work"
        )
        ignored += 1
        video = _video_command(actions, code)
        assert list(video.arguments or []) == [RULES_BY_CODE[code].video.url]
    assert ignored == len(diagnostics)
    assert fixed == sum(1 for d in diagnostics if d.data["fix"] is not None)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def test_fix_all_applies_every_safe_fix_and_nothing_unsafe(
    client: LanguageClient, workspace: Path
) -> None:
    text = SERVICE + "\n\nRATE = Decimal(1.1)\n"
    uri = from_fs_path(str(workspace / "fix_all.py"))
    open_document(client, uri, text)
    await published(client, uri, 1)
    actions = await code_actions(client, uri, 0, only=[types.CodeActionKind.SourceFixAll])
    assert [action.kind for action in actions] == ["source.fixAll.pitfalls"]
    action = await resolved(client, actions[0])
    after = apply_text_edits(text, edits_for(action.edit, uri))
    assert _parses(after)
    assert 'Decimal("0.2")' in after and 'Decimal("1.1")' in after
    remaining = analyze_source(after).findings
    assert [f.code for f in remaining if f.fix is not None and f.fix.applicability.value == "safe"] == []
    assert "PF001" in [f.code for f in remaining]  # the unsafe fix is left to the user
    # The client applies it; the server re-checks the new text.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=after)],
        )
    )
    assert codes((await published(client, uri, 2)).diagnostics) == sorted(f.code for f in remaining)


async def test_fix_on_a_line_with_emoji_uses_utf16_columns(client: LanguageClient, workspace: Path) -> None:
    uri = from_fs_path(str(workspace / "emoji_fix.py"))
    open_document(client, uri, PRICES)
    (diagnostic,) = (await published(client, uri, 1)).diagnostics
    actions = await code_actions(client, uri, 1)
    action = await resolved(client, _action_for(actions, diagnostic, diagnostic.data["fix"]))
    after = apply_text_edits(PRICES, edits_for(action.edit, uri), "utf-16")
    assert after.split("\n")[1] == PRICE_LINE.replace("Decimal(0.1)", 'Decimal("0.1")')


async def test_actions_come_from_the_servers_findings_not_the_echoed_range(
    client: LanguageClient, workspace: Path
) -> None:
    """Neovim 0.7 echoes diagnostics with byte columns: on a line with emoji they point
    past the real range. The fix must still land where the server found the problem."""
    uri = from_fs_path(str(workspace / "echoed.py"))
    open_document(client, uri, PRICES)
    (diagnostic,) = (await published(client, uri, 1)).diagnostics
    byte_start = len(PRICE_LINE[: PRICE_LINE.index("Decimal")].encode("utf-8"))
    echoed = types.Diagnostic(
        range=types.Range(
            start=types.Position(line=1, character=byte_start),
            end=types.Position(line=1, character=len(PRICE_LINE.encode("utf-8"))),
        ),
        message=diagnostic.message,
        code=diagnostic.code,
        source=diagnostic.source,
        data=diagnostic.data,
    )
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=echoed.range,
            context=types.CodeActionContext(diagnostics=[echoed]),
        )
    )
    fix = next(
        a for a in result or [] if isinstance(a, types.CodeAction) and a.title == diagnostic.data["fix"]
    )
    after = apply_text_edits(PRICES, edits_for((await resolved(client, fix)).edit, uri))
    assert after.split("\n")[1] == PRICE_LINE.replace("Decimal(0.1)", 'Decimal("0.1")')


async def test_open_video_command_asks_the_client_to_open_the_link(
    client: LanguageClient, workspace: Path
) -> None:
    uri = from_fs_path(str(workspace / "video.py"))
    open_document(client, uri, SERVICE)
    diagnostics = (await published(client, uri, 1)).diagnostics
    pf012 = next(d for d in diagnostics if d.code == "PF012")
    actions = await code_actions(client, uri, pf012.range.start.line)
    video = _video_command(actions, "PF012")
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=video.command, arguments=video.arguments)
    )
    shown = client.shown_documents[-1]
    assert shown.uri == RULES_BY_CODE["PF012"].video.url and shown.external is True


async def test_ignore_extends_an_existing_noqa_comment(client: LanguageClient, workspace: Path) -> None:
    text = "def f(items=[]):  # noqa: E501\n    return items\n\n\ndef g(items=[]):  # pitfalls: ignore[PF999]\n    return items\n"
    uri = from_fs_path(str(workspace / "noqa.py"))
    open_document(client, uri, text)
    diagnostics = (await published(client, uri, 1)).diagnostics
    assert [d.range.start.line for d in diagnostics] == [0, 4]
    lines = []
    for diagnostic in diagnostics:
        actions = await code_actions(client, uri, diagnostic.range.start.line)
        action = await resolved(client, _action_for(actions, diagnostic, "Ignore PF001"))
        lines.append(
            apply_text_edits(text, edits_for(action.edit, uri)).split("\n")[diagnostic.range.start.line]
        )
    assert lines == [
        "def f(items=[]):  # noqa: E501, PF001",
        "def g(items=[]):  # pitfalls: ignore[PF999,PF001]",
    ]


async def test_eager_edits_and_plain_text_hover_for_simpler_clients(tmp_path: Path) -> None:
    capabilities = with_changes(
        vscode_capabilities(),
        text_document__hover__content_format=[types.MarkupKind.PlainText],
        text_document__code_action__resolve_support=None,
        workspace__workspace_edit__document_changes=False,
    )
    uri = from_fs_path(str(tmp_path / "simple.py"))
    async with session(capabilities=capabilities) as simple:
        open_document(simple, uri, SERVICE)
        diagnostics = (await published(simple, uri, 1)).diagnostics
        pf002 = next(d for d in diagnostics if d.code == "PF002")
        actions = await code_actions(simple, uri, pf002.range.start.line)
        fix = _action_for(actions, pf002, pf002.data["fix"])
        assert fix.edit is not None and fix.edit.changes is not None and fix.edit.document_changes is None
        hover = await simple.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pf002.range.start)
        )
    after = apply_text_edits(SERVICE, edits_for(fix.edit, uri))
    assert 'Decimal(amount) * Decimal("0.2")' in after
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.PlainText
    rule = RULES_BY_CODE["PF002"]
    assert f"Watch: {rule.video.title} <{rule.video.url}>" in hover.contents.value
    assert "```" not in hover.contents.value and "**" not in hover.contents.value
