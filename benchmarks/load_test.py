"""Load test for the language server: many open documents, a steady stream of edits.

    python benchmarks/load_test.py                      # 500 documents, 50 edits/s, 30 s
    python benchmarks/load_test.py --documents 100 --rate 20 --seconds 10

It starts ``python -m pitfalls.lsp`` over stdio (pipes to a child process: nothing
listens on the network), opens documents taken from the running Python's standard
library, then for ``--seconds`` sends incremental edits at ``--rate`` per second spread
over the documents (a mix of typing that keeps the file valid and typing that breaks it
for a moment), with a hover and a code action request every tenth edit. With
``--pattern focused`` (the default) the edits go to one document at a time, moving to
another every ``--switch-every`` edits, as a person types; ``--pattern scattered`` sends
each edit to a random document, the worst case for a server that analyses whole files.
It reports:

- crashes: whether the server process exited before it was asked to;
- error responses: requests answered with an error, and requests not answered in time;
- latency: from sending an edit to receiving diagnostics for that version or a later
  one (p50, p95, max), with the editor's debounce set to 0;
- memory: the server's resident set size after start, with every document open, at the
  end of the edits, after every document is closed, and after opening and closing them
  all a second time (growth there, not the first figure, would mean a leak).

Everything is bounded in time: the run stops after its edit phase plus fixed waits, and
exits non-zero when the server crashed, answered with an error or lost an edit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import statistics
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

SETTLE_SECONDS = 60.0
"""The longest wait for diagnostics to catch up after opening and after the edits."""
REQUEST_TIMEOUT = 10.0
MAX_DOCUMENT_BYTES = 40_000
TYPED_VALID = "    retries = retries + 1  # one more attempt\n"
TYPED_BROKEN = "def half_typed(:\n"
TYPED_PITFALL = "def remember(item, seen=[]):\n    return seen\n"


@dataclass
class Document:
    uri: str
    text: str
    version: int = 1
    published_version: int = 0
    sent_at: dict[int, float] = field(default_factory=dict)


@dataclass
class Report:
    documents: int
    document_lines: int
    rate_per_second: float
    seconds: float
    switch_every: int
    edits_sent: int = 0
    requests_sent: int = 0
    error_responses: int = 0
    unanswered_requests: int = 0
    crashed: bool = False
    lost_edits: int = 0
    """Edits whose version never got diagnostics (nor did a later version)."""
    open_seconds: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    latency_max_ms: float = 0.0
    rss_start_mb: float = 0.0
    rss_open_mb: float = 0.0
    rss_after_edits_mb: float = 0.0
    rss_closed_mb: float = 0.0
    rss_second_round_closed_mb: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.crashed
            and not self.error_responses
            and not self.unanswered_requests
            and not self.lost_edits
        )


def corpus(count: int) -> list[tuple[Path, str]]:
    """``count`` modules of the standard library that parse, smallest first among the
    larger half, so the set is realistic but bounded in size."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found: list[tuple[Path, str]] = []
    for path in sorted(stdlib.rglob("*.py")):
        if "test" in path.parts or "site-packages" in path.parts:
            continue
        try:
            size = path.stat().st_size
            if not 2_000 <= size <= MAX_DOCUMENT_BYTES:
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found.append((path, text))
        if len(found) == count:
            break
    if len(found) < count:
        raise SystemExit(f"only {len(found)} standard library modules fit; ask for fewer documents")
    return found


def rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / (1024 * 1024)


def end_position(text: str) -> types.Position:
    lines = text.split("\n")
    return types.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)


class LoadClient(LanguageClient):
    def __init__(self) -> None:
        super().__init__("pitfalls-load-test", "1")
        self.documents: dict[str, Document] = {}
        self.latencies: list[float] = []
        self.caught_up = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            document = self.documents.get(params.uri)
            if document is None or params.version is None:
                return
            now = time.perf_counter()
            for version in [v for v in document.sent_at if v <= params.version]:
                self.latencies.append(now - document.sent_at.pop(version))
            document.published_version = max(document.published_version, params.version)
            if all(d.published_version >= d.version for d in self.documents.values()):
                self.caught_up.set()

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            if params.type <= types.MessageType.Warning:
                print(f"server: {params.message}", file=sys.stderr)

        @self.feature(types.WINDOW_SHOW_MESSAGE)
        def on_message(params: types.ShowMessageParams) -> None:
            print(f"server says: {params.message}", file=sys.stderr)

    async def wait_caught_up(self, timeout: float) -> None:
        if all(d.published_version >= d.version for d in self.documents.values()):
            return
        self.caught_up.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.caught_up.wait(), timeout)


async def run(documents: int, rate: float, seconds: float, seed: int, switch_every: int) -> Report:
    files = corpus(documents)
    report = Report(
        documents=documents,
        document_lines=sum(text.count("\n") for _, text in files),
        rate_per_second=rate,
        seconds=seconds,
        switch_every=switch_every,
    )
    random.seed(seed)
    client = LoadClient()
    workspace = Path(tempfile.mkdtemp(prefix="pitfalls-load-"))
    await client.start_io(sys.executable, "-m", "pitfalls.lsp", cwd=str(workspace))
    server = client._server
    assert server is not None and server.stderr is not None
    # Read the server's stderr as it comes: a full pipe would block the server.
    stderr_lines: list[str] = []
    drain = asyncio.ensure_future(_drain(server.stderr, stderr_lines))
    process = psutil.Process(server.pid)
    try:
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    general=types.GeneralClientCapabilities(
                        position_encodings=[types.PositionEncodingKind.Utf16]
                    )
                ),
                initialization_options={"debounce": 0},
                workspace_folders=[
                    types.WorkspaceFolder(uri=from_fs_path(str(workspace)) or "", name="load")
                ],
            )
        )
        client.initialized(types.InitializedParams())
        await asyncio.sleep(0.5)
        report.rss_start_mb = rss_mb(process)

        started = time.perf_counter()
        await _open_all(client, files, workspace)
        report.open_seconds = time.perf_counter() - started
        report.rss_open_mb = rss_mb(process)
        client.latencies.clear()  # opening is not typing

        await _edit_phase(client, report, rate, seconds, switch_every)
        await client.wait_caught_up(SETTLE_SECONDS)
        report.rss_after_edits_mb = rss_mb(process)
        report.lost_edits = sum(len(d.sent_at) for d in client.documents.values())

        await _close_all(client)
        report.rss_closed_mb = rss_mb(process)
        # Python keeps freed memory for reuse rather than return it to the system, so
        # the figure that tells a leak is the growth over a second open-and-close round.
        latencies = list(client.latencies)
        await _open_all(client, files, workspace)
        await _close_all(client)
        client.latencies[:] = latencies
        report.rss_second_round_closed_mb = rss_mb(process)
        report.crashed = server.returncode is not None
        if not report.crashed:
            await asyncio.wait_for(client.shutdown_async(None), REQUEST_TIMEOUT)
            client.exit(None)
    except Exception as error:  # the report says what went wrong; the process is stopped below
        report.errors.append(f"{type(error).__name__}: {error}")
        report.crashed = report.crashed or server.returncode is not None
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.stop(), 10)
        if server.returncode is None:
            server.kill()
        drain.cancel()
    report.errors.extend(
        f"server stderr: {line}" for line in stderr_lines if "Traceback" in line or "Error" in line
    )
    latencies = sorted(client.latencies)
    if latencies:
        report.latency_p50_ms = statistics.median(latencies) * 1000
        report.latency_p95_ms = latencies[int(len(latencies) * 0.95) - 1] * 1000 if len(latencies) > 1 else 0
        report.latency_max_ms = latencies[-1] * 1000
    return report


async def _open_all(client: LoadClient, files: list[tuple[Path, str]], workspace: Path) -> None:
    for index, (path, text) in enumerate(files):
        uri = from_fs_path(str(workspace / f"{index:03d}_{path.name}")) or ""
        client.documents[uri] = Document(uri, text)
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )
    await client.wait_caught_up(SETTLE_SECONDS)


async def _close_all(client: LoadClient) -> None:
    for uri in list(client.documents):
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    client.documents.clear()
    await asyncio.sleep(3.0)


async def _drain(stream: asyncio.StreamReader, lines: list[str]) -> None:
    while line := await stream.readline():
        lines.append(line.decode("utf-8", errors="replace").rstrip())


async def _edit_phase(
    client: LoadClient, report: Report, rate: float, seconds: float, switch_every: int
) -> None:
    uris = list(client.documents)
    focus = random.choice(uris)
    interval = 1.0 / rate
    pending: set[asyncio.Task[None]] = set()
    started = time.perf_counter()
    next_at = started
    while time.perf_counter() - started < seconds:
        if client._server is not None and client._server.returncode is not None:
            report.crashed = True
            break
        if report.edits_sent % switch_every == 0:
            focus = random.choice(uris)
        document = client.documents[focus]
        typed = random.choice((TYPED_VALID, TYPED_VALID, TYPED_PITFALL, TYPED_BROKEN))
        if typed == TYPED_BROKEN and document.text.endswith(TYPED_BROKEN):
            typed = "    pass\n"  # mend it, so broken stretches stay short
        position = end_position(document.text)
        document.text += typed
        document.version += 1
        document.sent_at[document.version] = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=document.uri, version=document.version
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=position, end=position), text=typed
                    )
                ],
            )
        )
        report.edits_sent += 1
        if report.edits_sent % 10 == 0:
            task = asyncio.ensure_future(_requests(client, document, report))
            pending.add(task)
            task.add_done_callback(pending.discard)
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    if pending:
        await asyncio.wait(pending, timeout=REQUEST_TIMEOUT * 2)


async def _requests(client: LoadClient, document: Document, report: Report) -> None:
    identifier = types.TextDocumentIdentifier(uri=document.uri)
    line = random.randrange(max(1, document.text.count("\n")))
    position = types.Position(line=line, character=4)
    calls = (
        client.text_document_hover_async(types.HoverParams(text_document=identifier, position=position)),
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=identifier,
                range=types.Range(start=position, end=position),
                context=types.CodeActionContext(diagnostics=[]),
            )
        ),
    )
    for call in calls:
        report.requests_sent += 1
        try:
            await asyncio.wait_for(call, REQUEST_TIMEOUT)
        except asyncio.TimeoutError:
            report.unanswered_requests += 1
        except Exception as error:
            report.error_responses += 1
            report.errors.append(f"{type(error).__name__}: {error}")


def print_report(report: Report) -> None:
    rows = [
        ("documents open", f"{report.documents} ({report.document_lines:,} lines)"),
        ("time to diagnose all on open", f"{report.open_seconds:.1f} s"),
        ("edit phase", f"{report.edits_sent} edits at {report.rate_per_second:g}/s for {report.seconds:g} s"),
        ("documents switched every", f"{report.switch_every} edit(s)"),
        ("requests (hover, code action)", str(report.requests_sent)),
        ("crashed", "yes" if report.crashed else "no"),
        ("error responses", str(report.error_responses)),
        ("unanswered requests", str(report.unanswered_requests)),
        ("edits never diagnosed", str(report.lost_edits)),
        ("edit to diagnostics p50", f"{report.latency_p50_ms:.1f} ms"),
        ("edit to diagnostics p95", f"{report.latency_p95_ms:.1f} ms"),
        ("edit to diagnostics max", f"{report.latency_max_ms:.1f} ms"),
        ("server RSS after start", f"{report.rss_start_mb:.0f} MB"),
        ("server RSS, all open", f"{report.rss_open_mb:.0f} MB"),
        ("server RSS after edits", f"{report.rss_after_edits_mb:.0f} MB"),
        ("server RSS, all closed", f"{report.rss_closed_mb:.0f} MB"),
        ("server RSS, reopened all and closed", f"{report.rss_second_round_closed_mb:.0f} MB"),
    ]
    width = max(len(name) for name, _ in rows)
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    for error in report.errors[:10]:
        print(f"error: {error}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="edits per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the edit phase")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument(
        "--pattern",
        choices=("focused", "scattered"),
        default="focused",
        help="edits in one document at a time (focused) or each in a random document (scattered)",
    )
    parser.add_argument("--switch-every", type=int, default=25, help="focused: edits before moving on")
    parser.add_argument("--json", type=Path, help="also write the figures to this file as JSON")
    arguments = parser.parse_args()
    # A request this client gave up on may still be answered; pygls logs that at length.
    logging.getLogger("pygls").setLevel(logging.CRITICAL)
    switch_every = arguments.switch_every if arguments.pattern == "focused" else 1
    report = asyncio.run(
        run(arguments.documents, arguments.rate, arguments.seconds, arguments.seed, switch_every)
    )
    print_report(report)
    if arguments.json:
        arguments.json.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
