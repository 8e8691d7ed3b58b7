"""Benchmark 2 and the second half of 4: the editor's view, through pygls's LSP client talking
to ``pitfalls server`` over stdio, exactly as an editor would."""

from __future__ import annotations

import ast
import asyncio
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil
from corpus import build
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

WAIT_SECONDS = 30.0
MORE_OPENS = 5
"""Copies of the file opened after the typing, each timed like the first: one open is one
sample, and on a shared machine one sample can be far from typical."""
TYPED = "retries = retries + 1  # one more attempt"


@dataclass
class EditorResult:
    lines: int
    open_ms: float
    """The first document a fresh server opens."""
    more_opens_ms: list[float]
    """``MORE_OPENS`` copies of it opened one after the other in the same server, sorted."""
    edits: int
    parseable_edits: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    """Until the publishDiagnostics message is read off the server's stdout."""
    handled_p50_ms: float
    handled_p95_ms: float
    """Until the pygls client has decoded it into lsprotocol objects and called its handler."""


@dataclass
class MemoryResult:
    files: int
    lines: int
    seconds: float
    rss_mb: float
    """The server process alone, once the inference worker is idle."""
    peak_rss_mb: float
    worker_rss_mb: float
    """The type inference worker (0 if no file needed it), once idle."""
    worker_peak_rss_mb: float
    helper_rss_mb: float
    """The analysis helper (0 on one core), once idle."""
    helper_peak_rss_mb: float
    peak_total_mb: float
    """The largest sum of the three at one sample (not the sum of the peaks)."""
    settle_seconds: float
    """How long the worker kept working after the last file's diagnostics arrived."""

    @property
    def total_mb(self) -> float:
        return self.rss_mb + self.worker_rss_mb + self.helper_rss_mb


class Session:
    """One server process and a client that records each published diagnostics version."""

    def __init__(self) -> None:
        self.client = LanguageClient("pitfalls-benchmark", "1")
        self.published: dict[str, int | None] = {}
        self.received_at: dict[str, float] = {}
        """When the body of the latest publishDiagnostics for each document was read."""
        self.arrived = asyncio.Event()
        self._body_read_at = 0.0

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = params.version
            self.received_at[params.uri] = self._body_read_at
            self.arrived.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def _logged(params: types.LogMessageParams) -> None:
            pass

    async def start(self, root: Path) -> None:
        await self.client.start_io(sys.executable, "-m", "pitfalls", "server")
        # pygls decodes each message into lsprotocol objects (cattrs) before any handler
        # sees it: for a few hundred diagnostics that is the client's own cost, tens of ms.
        # Time when the message's bytes were read too, which is what the server controls.
        stdout = self.client._server.stdout  # type: ignore[union-attr]
        read_body = stdout.readexactly

        async def read_body_timed(count: int) -> bytes:
            body = await read_body(count)
            self._body_read_at = time.perf_counter()
            return body

        stdout.readexactly = read_body_timed  # type: ignore[method-assign]
        capabilities = types.ClientCapabilities(
            general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
                synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            ),
        )
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=from_fs_path(str(root)),
                workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)), name="bench")],
                initialization_options={"pitfalls": {"debounce": 0}},
            )
        )
        self.client.initialized(types.InitializedParams())

    @property
    def pid(self) -> int:
        return self.client._server.pid  # type: ignore[union-attr]

    async def wait_for(self, uri: str, version: int) -> float:
        """Wait for the diagnostics of ``version``; when their message was read."""
        deadline = time.perf_counter() + WAIT_SECONDS
        while self.published.get(uri, -1) != version:
            self.arrived.clear()
            if self.published.get(uri, -1) == version:
                break
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no diagnostics for version {version} of {uri}")
            await asyncio.wait_for(self.arrived.wait(), remaining)
        return self.received_at[uri]

    def open(self, uri: str, text: str) -> None:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 10)
            self.client.exit(None)
        finally:
            await self.client.stop()


def typing_spots(lines: list[str], count: int) -> list[int]:
    """Lines, spread over the file, that start a ``return`` inside a function body: typing a new
    statement above one of them keeps the code inside that function."""
    candidates = [
        index
        for index, line in enumerate(lines)
        if line.startswith("        return ") and not line.rstrip().endswith(("(", "[", "{", ","))
    ]
    if not candidates:
        raise SystemExit("the corpus has no function bodies to type into")
    step = max(len(candidates) // count, 1)
    return candidates[::step][:count]


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError:
        return False
    return True


async def _edit_latency(lines_wanted: int, edits_wanted: int) -> EditorResult:
    text = build(lines_wanted)
    with tempfile.TemporaryDirectory(prefix="pitfalls-bench-editor-") as directory:
        root = Path(directory)
        path = root / "service.py"
        path.write_text(text, encoding="utf-8")
        uri = from_fs_path(str(path))
        session = Session()
        await session.start(root)
        try:
            started = time.perf_counter()
            session.open(uri, text)
            open_ms = (await session.wait_for(uri, 1) - started) * 1000

            lines = text.split("\n")
            spots = typing_spots(lines, max(edits_wanted // (len(TYPED) + 1) + 1, 1))
            latencies: list[float] = []
            handled: list[float] = []
            parseable = 0
            version = 1
            for inserted, spot in enumerate(spots):
                if len(latencies) >= edits_wanted:
                    break
                line = spot + inserted  # earlier spots each added one line above
                indentation = "        "
                keystrokes = ["\n", *TYPED]
                column = len(indentation)
                # Open a new line above the return: the newline goes after the indentation.
                for index, keystroke in enumerate(keystrokes):
                    if len(latencies) >= edits_wanted:
                        break
                    if index == 0:
                        position = types.Position(line=line, character=0)
                        change_text = indentation + "\n"
                        lines.insert(line, indentation)
                    else:
                        position = types.Position(line=line, character=column)
                        change_text = keystroke
                        lines[line] = lines[line][:column] + keystroke + lines[line][column:]
                        column += 1
                    version += 1
                    session.client.text_document_did_change(
                        types.DidChangeTextDocumentParams(
                            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                            content_changes=[
                                types.TextDocumentContentChangePartial(
                                    range=types.Range(start=position, end=position), text=change_text
                                )
                            ],
                        )
                    )
                    sent = time.perf_counter()
                    received = await session.wait_for(uri, version)
                    latencies.append((received - sent) * 1000)
                    handled.append((time.perf_counter() - sent) * 1000)
                    if _parses("\n".join(lines)):
                        parseable += 1
            more_opens = await _open_copies(session, root, text)
        finally:
            await session.stop()
    latencies.sort()
    handled.sort()
    return EditorResult(
        lines=text.count("\n"),
        open_ms=open_ms,
        more_opens_ms=more_opens,
        edits=len(latencies),
        parseable_edits=parseable,
        p50_ms=statistics.median(latencies),
        p95_ms=_p95(latencies),
        max_ms=latencies[-1],
        handled_p50_ms=statistics.median(handled),
        handled_p95_ms=_p95(handled),
    )


def _p95(sorted_ms: list[float]) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, round(0.95 * (len(sorted_ms) - 1)))]


async def _open_copies(session: Session, root: Path, text: str) -> list[float]:
    times: list[float] = []
    for copy in range(MORE_OPENS):
        # Quiet first, as between a user's opens: the server gets the last document ready
        # for edits once its diagnostics are out.
        await asyncio.sleep(0.5)
        path = root / f"service_copy_{copy}.py"
        path.write_text(text, encoding="utf-8")
        uri = from_fs_path(str(path))
        started = time.perf_counter()
        session.open(uri, text)
        times.append((await session.wait_for(uri, 1) - started) * 1000)
    return sorted(times)


HELPER_MODULE = "pitfalls.lsp.split_worker"
"""In the command line of the server's analysis helper; any other child is the inference worker."""


class _Sampler:
    """Resident memory of the server and of its children (the type inference worker and
    the analysis helper)."""

    def __init__(self, pid: int) -> None:
        self.server = psutil.Process(pid)
        self.server_peak = self.worker_peak = self.helper_peak = self.total_peak = 0

    def workers(self) -> list[psutil.Process]:
        try:
            return self.server.children(recursive=True)
        except psutil.Error:
            return []

    def sample(self) -> tuple[int, int, int]:
        server = self.server.memory_info().rss
        worker = helper = 0
        for child in self.workers():
            try:
                rss = child.memory_info().rss
                if any(HELPER_MODULE in part for part in child.cmdline()):
                    helper += rss
                else:
                    worker += rss
            except psutil.Error:
                continue
        self.server_peak = max(self.server_peak, server)
        self.worker_peak = max(self.worker_peak, worker)
        self.helper_peak = max(self.helper_peak, helper)
        self.total_peak = max(self.total_peak, server + worker + helper)
        return server, worker, helper

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in (self.server, *self.workers()):
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total


async def _settle(sampler: _Sampler, quiet: float = 1.5, limit: float = 180.0) -> float:
    """Wait until the server and its worker have used no CPU for ``quiet`` seconds: the
    type inference queued by the last files opened has finished."""
    started = time.perf_counter()
    last, since = sampler.cpu_seconds(), time.perf_counter()
    while time.perf_counter() - started < limit:
        await asyncio.sleep(0.25)
        sampler.sample()
        now = sampler.cpu_seconds()
        if now - last > 0.02:
            last, since = now, time.perf_counter()
        elif time.perf_counter() - since >= quiet:
            break
    return max(since - started, 0.0)


async def _open_many(root: Path, files: list[Path]) -> MemoryResult:
    session = Session()
    await session.start(root)
    try:
        sampler = _Sampler(session.pid)
        sampler.sample()
        started = time.perf_counter()
        lines = 0
        for path in files:
            text = (root / path).read_text(encoding="utf-8", errors="replace")
            lines += text.count("\n")
            uri = from_fs_path(str(root / path))
            session.open(uri, text)
            await session.wait_for(uri, 1)
            sampler.sample()
        seconds = time.perf_counter() - started
        settle = await _settle(sampler)
        server, worker, helper = sampler.sample()
        return MemoryResult(
            files=len(files),
            lines=lines,
            seconds=seconds,
            rss_mb=server / 2**20,
            peak_rss_mb=sampler.server_peak / 2**20,
            worker_rss_mb=worker / 2**20,
            worker_peak_rss_mb=sampler.worker_peak / 2**20,
            helper_rss_mb=helper / 2**20,
            helper_peak_rss_mb=sampler.helper_peak / 2**20,
            peak_total_mb=sampler.total_peak / 2**20,
            settle_seconds=settle,
        )
    finally:
        await session.stop()


def edit_latency(lines: int = 5_000, edits: int = 240) -> EditorResult:
    return asyncio.run(_edit_latency(lines, edits))


def open_many(root: Path, files: list[Path]) -> MemoryResult:
    return asyncio.run(_open_many(root, files))
