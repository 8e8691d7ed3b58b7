"""Shared pieces of the reliability suite: the bad inputs, and a language server session.

Each bad input is a file as it sits on disk (bytes) and, where an editor would open it,
the text the editor sends after decoding it. Expected findings are written from the
input alone (a code, a 0-based line and code point column, a message fragment), never
from the tool's own output.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HARNESS = HERE / "harness.py"
WAIT_SECONDS = 30.0

# A function with a mutable default: PF001 on its `[]`, a witness that analysis ran and
# that positions are right.
WITNESS = "def remember(item, seen=[]):\n    seen.append(item)\n    return seen\n"


@dataclass(frozen=True)
class Expect:
    code: str
    line: int
    column: int | None
    """None where the column is a detail of CPython's parser (where its nesting limit hits)."""
    says: str = ""

    def matches(self, code: str, line: int, column: int, message: str) -> bool:
        return (
            (code, line) == (self.code, self.line) and self.column in (None, column) and self.says in message
        )


@dataclass
class BadInput:
    name: str
    """The file's path relative to the workspace."""
    data: bytes | None
    """The bytes on disk; None for a directory."""
    on_disk: list[Expect]
    editor_text: str | None = None
    """What an editor sends on opening the file; None when no editor would open it."""
    in_editor: list[Expect] = field(default_factory=list)


def _witness_at(text: str, occurrence: int = 0) -> Expect:
    """The PF001 finding of the ``occurrence``-th witness function in ``text``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = [(index, line.index("[]")) for index, line in enumerate(lines) if "seen=[]" in line]
    line, column = found[occurrence]
    return Expect("PF001", line, column)


def _same_everywhere(name: str, text: str, expected: list[Expect], encoding: str = "utf-8") -> BadInput:
    return BadInput(name, text.encode(encoding), expected, text, expected)


def bad_inputs() -> list[BadInput]:
    cases: list[BadInput] = []

    undecodable = WITNESS.encode() + b"label = 'caf\xe9'\n"
    cases.append(
        BadInput(
            "undecodable.py",
            undecodable,
            [Expect("PF000", 3, 12, "byte 0xe9 on line 4 is not valid utf-8")],
            undecodable.decode("utf-8", errors="replace"),
            [_witness_at(WITNESS)],
        )
    )

    bom_text = "\ufeff" + WITNESS
    cases.append(
        BadInput(
            "bom.py",
            bom_text.encode("utf-8"),
            [_witness_at(WITNESS)],
            # Editors hide the mark; a client that sends it counts it as a column.
            bom_text,
            [Expect("PF001", 0, _witness_at(WITNESS).column + 1)],
        )
    )

    latin1 = "# -*- coding: latin-1 -*-\nlabel = 'café'\n" + WITNESS.replace("item", "entrée")
    cases.append(_same_everywhere("latin1.py", latin1, [_witness_at(latin1)], encoding="latin-1"))

    nul = WITNESS + "marker = '\0'\n"
    cases.append(_same_everywhere("nul.py", nul, [Expect("PF000", 3, 10, "null bytes")]))

    carriage = "import os\n" + WITNESS
    for name, newline in (("cr.py", "\r"), ("crlf.py", "\r\n")):
        text = carriage.replace("\n", newline)
        cases.append(_same_everywhere(name, text, [_witness_at(text)]))

    tabs = "class Cache:\n" + "".join("\t" + line + "\n" for line in WITNESS.splitlines()).replace(
        "    ", "\t"
    )
    cases.append(_same_everywhere("tabs.py", tabs, [_witness_at(tabs)]))

    # Ten megabytes: mostly a data table in comments, with a witness at each end.
    filler_line = "# " + "price,currency,region,sku;" * 3 + "\n"
    filler = filler_line * ((10 * 1024 * 1024) // len(filler_line) + 1)
    huge = WITNESS + filler + WITNESS
    cases.append(_same_everywhere("huge.py", huge, [_witness_at(huge, 0), _witness_at(huge, 1)]))

    long_line = "from decimal import Decimal\nrates = [" + "0.5, " * 4000 + "]; price = Decimal(0.1)\n"
    column = long_line.split("\n")[1].index("Decimal(0.1)")
    assert len(long_line.split("\n")[1]) > 20_000
    cases.append(_same_everywhere("long_line.py", long_line, [Expect("PF002", 1, column)]))

    parens = "total = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    cases.append(_same_everywhere("deep_parens.py", parens, [Expect("PF000", 0, None, "nested parentheses")]))
    operators = "total = " + "1 + " * 5000 + "1\n"
    cases.append(
        _same_everywhere("deep_operators.py", operators, [Expect("PF000", 0, 0, "nested too deeply")])
    )
    calls = "result = handler" + "(handler" * 5000 + ")" * 5000 + "\n"
    cases.append(_same_everywhere("deep_calls.py", calls, [Expect("PF000", 0, None, "nested parentheses")]))

    python2 = 'import os\nprint "hello", os.name\n'
    cases.append(_same_everywhere("python2.py", python2, [Expect("PF000", 1, 0, "Python 2")]))

    # Syntax newer than the running parser: a PF000 that says which Python it needs, and
    # once the parser is that new, the file's own findings.
    for name, text, version, error in (
        (
            "newer_syntax.py",
            "from decimal import Decimal\ntype Price = Decimal\n",
            (3, 12),
            Expect("PF000", 1, 5, "need Python 3.12"),
        ),
        (
            "newer_fstring.py",
            "names = ['a', 'b']\nlabel = f'{', '.join(names)}'\n",
            (3, 12),
            Expect("PF000", 1, None, "f-strings that reuse their quotes"),
        ),
        (
            "newer_except.py",
            "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
            (3, 14),
            Expect("PF000", 2, None, "need Python 3.14"),
        ),
    ):
        expected = [error] if sys.version_info < version else [_witness_at(text + WITNESS)]
        cases.append(_same_everywhere(name, text + WITNESS, expected))

    cases.append(_same_everywhere("empty.py", "", []))

    cases.append(BadInput("folder.py", None, [Expect("PF000", 0, 0, "directory")]))
    cases.append(_same_everywhere("folder.py/inner.py", WITNESS, [_witness_at(WITNESS)]))

    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    as_text = binary.decode("utf-8", errors="replace")
    nul_line = as_text[: as_text.index("\0")].count("\n")
    nul_column = len(as_text[: as_text.index("\0")].rsplit("\n", 1)[-1])
    cases.append(
        BadInput(
            "binary.py",
            binary,
            [Expect("PF000", 0, 0, "binary file")],
            as_text,
            [Expect("PF000", nul_line, nul_column, "null bytes")],
        )
    )

    cases.append(_same_everywhere("good.py", WITNESS, [_witness_at(WITNESS)]))
    return cases


def write_inputs(root: Path, cases: Iterable[BadInput]) -> None:
    for case in cases:
        path = root / case.name
        if case.data is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(case.data)


def mismatches(expected: list[Expect], found: list[tuple[str, int, int, str]]) -> list[str]:
    """What differs between expected findings and (code, line, column, message) found."""
    problems = []
    remaining = list(found)
    for expect in expected:
        hit = next((item for item in remaining if expect.matches(*item)), None)
        if hit is None:
            problems.append(f"missing {expect}")
        else:
            remaining.remove(hit)
    problems.extend(f"unexpected {item[:3]} {item[3][:120]!r}" for item in remaining)
    return problems


# The language server ------------------------------------------------------------------


@dataclass
class Published:
    uri: str
    version: int | None
    diagnostics: list[types.Diagnostic]


class Recorder:
    def __init__(self) -> None:
        self.published: list[Published] = []
        self.changed = asyncio.Event()


def _make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    recorder = Recorder()
    client.recorder = recorder  # type: ignore[attr-defined]

    def publish_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        recorder.published.append(Published(params.uri, params.version, list(params.diagnostics)))
        recorder.changed.set()

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish_diagnostics
    register_lsp_features(client, features)
    return client


def harness_command(*arguments: str) -> list[str]:
    """The real server, started through the test harness (see ``harness.py``)."""
    return [sys.executable, str(HARNESS), "server", *arguments]


def pull_capabilities() -> types.ClientCapabilities:
    capabilities = client_capabilities("visual-studio-code")
    text_document = capabilities.text_document
    workspace = capabilities.workspace
    assert text_document is not None and workspace is not None
    text_document.diagnostic = types.DiagnosticClientCapabilities(related_document_support=False)
    workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return capabilities


@contextlib.asynccontextmanager
async def session(
    *,
    command: list[str] | None = None,
    folders: list[Path] | None = None,
    capabilities: types.ClientCapabilities | None = None,
    options: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> AsyncIterator[LanguageClient]:
    """Start the server, initialize it, yield the client; shut it down cleanly after."""
    config = ClientServerConfig(
        server_command=command or harness_command(),
        client_factory=_make_client,
        server_env={**os.environ, **(env or {})},
    )
    if cwd is not None:
        config = ClientServerConfig(
            server_command=["/bin/sh", "-c", 'cd "$0" && exec "$@"', str(cwd), *config.server_command],
            client_factory=_make_client,
            server_env=config.server_env,
        )
    client = await config.start()
    folders = folders or []
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities or client_capabilities("visual-studio-code"),
                initialization_options=options if options is not None else {"debounce": 0},
                workspace_folders=[
                    types.WorkspaceFolder(uri=uri_of(folder), name=folder.name) for folder in folders
                ],
                root_uri=uri_of(folders[0]) if folders else None,
            )
        )
        yield client
        await client.shutdown_session()
    finally:
        server = client._server
        if server is not None and server.returncode is None:
            try:
                await asyncio.wait_for(asyncio.shield(server.wait()), 0.5)
            except asyncio.TimeoutError:
                server.kill()  # the test failed before shutdown/exit; stop() would wait forever
        await client.stop()


def uri_of(path: Path) -> str:
    uri = from_fs_path(str(path))
    assert uri is not None
    return uri


def recorder_of(client: LanguageClient) -> Recorder:
    return client.recorder  # type: ignore[attr-defined,no-any-return]


def open_document(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )


async def published(client: LanguageClient, uri: str, version: int | None) -> Published:
    """Diagnostics of ``uri`` published for ``version`` or a later one."""
    recorder = recorder_of(client)

    async def wait() -> Published:
        while True:
            for item in reversed(recorder.published):
                if item.uri == uri and (version is None or (item.version or 0) >= version):
                    return item
            recorder.changed.clear()
            await recorder.changed.wait()

    return await asyncio.wait_for(wait(), WAIT_SECONDS)


def as_found(diagnostics: Iterable[types.Diagnostic]) -> list[tuple[str, int, int, str]]:
    """(code, line, column, message) of diagnostics; columns are UTF-16 units, equal to
    code points for the texts of this suite (no characters outside the BMP)."""
    return [
        (str(item.code), item.range.start.line, item.range.start.character, item.message)
        for item in diagnostics
    ]


async def document_text(client: LanguageClient, uri: str) -> str:
    """The server's copy of a document, through the harness's test-only command."""
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="pitfalls.test.documentText", arguments=[uri])
    )
    assert isinstance(result, str), result
    return result
