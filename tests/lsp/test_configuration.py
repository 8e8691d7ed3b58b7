"""Project configuration, editor settings, multi-root workspaces and broken configs."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from .lsp_support import codes, open_document, published, published_when, recorder_of, session
from .test_diagnostics import SERVICE

ALL_THREE = ["PF001", "PF002", "PF012"]


def _project(root: Path, table: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\n\n[tool.pitfalls]\n' + textwrap.dedent(table), encoding="utf-8"
    )
    return root


async def test_editor_settings_override_and_change_at_runtime(tmp_path: Path) -> None:
    uri = from_fs_path(str(tmp_path / "service.py"))
    async with session(
        options={"pitfalls": {"ignore": ["PF012"], "debounce": 0}}, folders=[tmp_path]
    ) as client:
        open_document(client, uri, SERVICE)
        assert codes((await published(client, uri, 1)).diagnostics) == ["PF001", "PF002"]

        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"pitfalls": {"ignore": ["PF001"], "severity": {"PF002": "error"}}}
            )
        )
        changed = await published_when(client, uri, lambda d: codes(d) == ["PF002", "PF012"])
        pf002 = next(d for d in changed.diagnostics if d.code == "PF002")
        assert pf002.severity == types.DiagnosticSeverity.Error

        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"pitfalls": {"enable": False}})
        )
        await published_when(client, uri, lambda d: d == [])

        # A bad setting is reported and the previous settings stay.
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"pitfalls": {"enable": True, "select": ["PF9999"]}})
        )
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"pitfalls": {"enable": True, "ignore": []}})
        )
        await published_when(client, uri, lambda d: codes(d) == ALL_THREE)
        assert any("PF9999" in message.message for message in client.messages)


async def test_settings_pulled_with_workspace_configuration(tmp_path: Path) -> None:
    uri = from_fs_path(str(tmp_path / "service.py"))
    async with session(folders=[tmp_path], configuration={"pitfalls": {"select": ["PF012"]}}) as client:
        open_document(client, uri, SERVICE)
        await published_when(client, uri, lambda d: codes(d) == ["PF012"])
        # The push form without the settings (VS Code's): the server asks again.
        client.set_configuration({"pitfalls": {"select": ["PF001", "PF002"]}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await published_when(client, uri, lambda d: codes(d) == ["PF001", "PF002"])


async def test_project_config_per_root_broken_config_and_watched_file_changes(tmp_path: Path) -> None:
    billing = _project(tmp_path / "billing", 'ignore = ["PF001"]\n')
    jobs = _project(tmp_path / "jobs", 'ignore = ["PF012"]\n[tool.pitfalls.severity]\nPF001 = "hint"\n')
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pyproject.toml").write_text("[tool.pitfalls\nignore = [\n", encoding="utf-8")
    billing_uri = from_fs_path(str(billing / "app.py"))
    jobs_uri = from_fs_path(str(jobs / "worker.py"))
    broken_uri = from_fs_path(str(broken / "service.py"))
    async with session(folders=[billing, jobs, broken]) as client:
        registrations = recorder_of(client).registrations
        open_document(client, billing_uri, SERVICE)
        open_document(client, jobs_uri, SERVICE)
        open_document(client, broken_uri, SERVICE)
        # A broken config is reported, and the defaults apply to its files meanwhile.
        assert codes((await published(client, broken_uri, 1)).diagnostics) == ALL_THREE
        shown = [m for m in client.messages if "pyproject.toml" in m.message]
        assert shown and shown[0].type == types.MessageType.Error
        assert "not valid TOML" in shown[0].message
        assert codes((await published(client, billing_uri, 1)).diagnostics) == ["PF002", "PF012"]
        jobs_diagnostics = (await published(client, jobs_uri, 1)).diagnostics
        assert codes(jobs_diagnostics) == ["PF001", "PF002"]
        assert (
            next(d for d in jobs_diagnostics if d.code == "PF001").severity == types.DiagnosticSeverity.Hint
        )

        _project(billing, 'ignore = ["PF002"]\n')
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent(
                        uri=from_fs_path(str(billing / "pyproject.toml")), type=types.FileChangeType.Changed
                    )
                ]
            )
        )
        await published_when(client, billing_uri, lambda d: codes(d) == ["PF001", "PF012"])

        # Clients that watch no files for the server: saving the config in the editor.
        config_uri = from_fs_path(str(billing / "pyproject.toml"))
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=config_uri,
                    language_id="toml",
                    version=1,
                    text=(billing / "pyproject.toml").read_text(),
                )
            )
        )
        _project(billing, 'ignore = ["PF012"]\n')
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=config_uri))
        )
        await published_when(client, billing_uri, lambda d: codes(d) == ["PF001", "PF002"])
        assert not [item for item in recorder_of(client).published if item.uri == config_uri]
    watched = [r for r in registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert watched, "the server did not ask to watch pyproject.toml"
