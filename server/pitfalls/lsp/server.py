"""The pitfalls language server: diagnostics, hovers and code actions over pygls.

Analysis runs in one worker thread, never on the event loop, so the server keeps
reading messages while a large file is checked. Each open document has a revision that
changes with every edit; an analysis is stored under (revision, settings generation)
and a run whose key is no longer current is dropped: cancelled before it starts, or
its result ignored when it ends.

Diagnostics are pushed (``textDocument/publishDiagnostics``) unless the client both
pulls (``textDocument/diagnostic``) and lets the server ask it to pull again
(``workspace/diagnostic/refresh``); a client that pulls but cannot be told to refresh
would keep stale diagnostics after a configuration change, so it gets pushes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import default_converter
from pygls.uris import from_fs_path, to_fs_path, uri_scheme

from pitfalls import __version__
from pitfalls.analysis import (
    ANALYSIS_ERROR,
    AnalysisResult,
    analysis_error,
    analyze_file,
    analyze_source,
    collector_paused,
    read_source_bytes,
)
from pitfalls.config import ConfigError, Settings, load_settings
from pitfalls.discovery import discover
from pitfalls.fixes import apply_fixes
from pitfalls.incremental import DocumentAnalyzer
from pitfalls.lsp import convert
from pitfalls.lsp.ignore import ignore_edit
from pitfalls.lsp.inference_worker import InferenceWorker, merged, request_for
from pitfalls.lsp.positions import PositionConverter, apply_change
from pitfalls.lsp.settings import ClientSettings, parse_client_settings, section_of
from pitfalls.lsp.split_worker import SplitWorker
from pitfalls.lsp.stale import carry_over
from pitfalls.model import Applicability, Finding
from pitfalls.rules import RULES_BY_CODE

FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.pitfalls"
OPEN_VIDEO_COMMAND = "pitfalls.openVideo"
CONFIG_FILE_NAMES = ("pyproject.toml", "pitfalls.toml")
PYTHON_SUFFIXES = (".py", ".pyi")
MAX_WORKSPACE_FILES = 20_000
INCREMENTAL_DOCUMENTS = 3
"""How many documents keep their trees between edits (the ones opened or edited last), so
that an edit re-analyses only what it touched: about 10 MB for a 5,000-line file."""
IDLE_COLLECTION_SECONDS = 2.0
"""Quiet time after which the cycle collector looks at the kept trees again (see ``_analyze``)."""
_SESSION = uuid.uuid4().hex[:8]
logger = logging.getLogger(__name__)


@dataclass
class Analysis:
    """One finished analysis of one revision of a document."""

    key: tuple[int, int]
    version: int | None
    text: str
    result: AnalysisResult
    settings: Settings | None
    seconds: float
    prepare: DocumentAnalyzer | None = None
    """An analyzer to get ready for the next edit once this analysis is published."""
    refined: bool = False
    """True once cross-module inference (jedi) has answered the fast pass's questions."""

    @cached_property
    def converter(self) -> PositionConverter:
        return PositionConverter(self.text, SERVER.position_encoding)

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings

    @property
    def result_id(self) -> str:
        return f"{_SESSION}:{self.key[1]}:{self.key[0]}{':typed' if self.refined else ''}"


@dataclass
class OpenDocument:
    uri: str
    text: str
    version: int | None
    language_id: str
    path: Path | None
    revision: int = 0
    analysis: Analysis | None = None
    running: tuple[tuple[int, int], asyncio.Future[Analysis | None]] | None = None
    refining: asyncio.Task[None] | None = None
    """Waiting for quiet, queued for the inference process, or waiting for its answer."""
    last_parsed: Analysis | None = None
    """The latest analysis of a text that parsed, carried through syntax errors."""
    publisher: asyncio.Task[None] | None = None
    published_version: int | None = None
    reported_failures: set[str] = field(default_factory=set)
    analyzer: DocumentAnalyzer | None = None
    """Keeps the document's trees between edits while it is among the last few used."""
    analyzer_key: tuple[int, Path | None] | None = None
    diagnostics: dict[int, tuple[Finding, dict[str, Any]]] = field(default_factory=dict)
    """The last published diagnostics by finding (``id``), as sent: an edit re-sends every
    diagnostic, but only the new findings need converting."""

    @property
    def is_python(self) -> bool:
        if self.language_id == "python":
            return True
        return self.path is not None and self.path.suffix in PYTHON_SUFFIXES


class Serialized(dict):  # type: ignore[type-arg]
    """Message parameters already in their JSON shape, sent as they are."""


def _converter() -> Any:
    """pygls's converter, which leaves ``Serialized`` diagnostics parameters as they are."""
    converter = default_converter()

    def notification(message: types.PublishDiagnosticsNotification) -> dict[str, Any]:
        params = message.params
        if not isinstance(params, Serialized):
            params = converter.unstructure(params, types.PublishDiagnosticsParams)
        return {"method": message.method, "jsonrpc": message.jsonrpc, "params": params}

    converter.register_unstructure_hook(types.PublishDiagnosticsNotification, notification)
    return converter


class PitfallsLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            name="pitfalls",
            version=__version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            converter_factory=_converter,
        )
        self.documents: dict[str, OpenDocument] = {}
        self.client_settings = ClientSettings()
        self.generation = 0
        """Changes whenever a setting that can change findings changes."""
        self.log_level = types.MessageType.Info
        self._project_settings: dict[Path, Settings] = {}
        self._shown_messages: set[str] = set()
        self._revisions = itertools.count(1)
        self._recent: list[OpenDocument] = []
        """The documents that keep their trees, the one used last at the end."""
        self._released: list[DocumentAnalyzer] = []
        """Analyzers let go of, freed in the worker thread once diagnostics are out: freeing
        a 5,000-line file's trees takes about 10 ms, which an open or close would wait for."""
        self._idle_collection: asyncio.TimerHandle | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pitfalls-analysis")
        # Jedi runs in its own process (see inference_worker); this thread only waits for
        # its answers, one request at a time, so stale requests can be dropped from its queue.
        self._inference = InferenceWorker()
        self._inference_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pitfalls-inference")
        self.split_worker: SplitWorker | None = None
        """Checks half of a long document's first analysis in another process (see
        ``share_first_analyses``)."""

    def share_first_analyses(self, helper: SplitWorker) -> None:
        """Let ``helper`` check half of each long document's first analysis (``pitfalls
        server`` does, on a machine with more than one core)."""
        self.split_worker = helper

    # Client capabilities ----------------------------------------------------------

    @property
    def position_encoding(self) -> str:
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        # The plain value: str() of the enum would be "PositionEncodingKind.Utf16".
        return encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding

    def _capability(self, *names: str) -> Any:
        value: Any = self.client_capabilities
        for name in names:
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    @property
    def pulls_diagnostics(self) -> bool:
        return (
            self._capability("text_document", "diagnostic") is not None
            and self._capability("workspace", "diagnostics", "refresh_support") is True
        )

    @property
    def resolves_edits_lazily(self) -> bool:
        properties = self._capability("text_document", "code_action", "resolve_support", "properties")
        return properties is not None and "edit" in properties

    @property
    def versioned_edits(self) -> bool:
        return self._capability("workspace", "workspace_edit", "document_changes") is True

    @property
    def hover_markdown(self) -> bool:
        formats = self._capability("text_document", "hover", "content_format")
        return formats is not None and types.MarkupKind.Markdown in formats

    # Logging ----------------------------------------------------------------------

    def log(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        """A message for the client's log (the "Output" panel), never stdout."""
        if level <= self.log_level:
            self.window_log_message(types.LogMessageParams(type=level, message=message))

    def trace(self, message: str, verbose: str | None = None) -> None:
        """Detail for ``$/logTrace``, sent only while the client has tracing on."""
        trace = self.protocol.trace
        if trace is None or trace == types.TraceValue.Off:
            return
        detail = verbose if trace == types.TraceValue.Verbose else None
        self.log_trace(types.LogTraceParams(message=message, verbose=detail))

    def show_once(self, message: str, level: types.MessageType = types.MessageType.Error) -> None:
        """Tell the user about a problem they must fix (a broken configuration) once."""
        if message in self._shown_messages:
            return
        self._shown_messages.add(message)
        self.window_show_message(types.ShowMessageParams(type=level, message=f"pitfalls: {message}"))
        self.log(message, level)

    # Settings ---------------------------------------------------------------------

    def project_settings(self, directory: Path) -> Settings:
        cached = self._project_settings.get(directory)
        if cached is not None:
            return cached
        try:
            settings = load_settings(directory)
        except ConfigError as error:
            self.show_once(f"{error}; using the default settings until it is fixed")
            settings = Settings(root=directory)
        self._project_settings[directory] = settings
        return settings

    def settings_for(self, path: Path | None) -> Settings:
        directory = path.parent if path is not None else self.default_root()
        base = self.project_settings(directory) if directory is not None else Settings()
        try:
            return self.client_settings.apply_to(base)
        except ConfigError as error:
            self.show_once(str(error))
            return base

    def default_root(self) -> Path | None:
        for root in self.workspace_roots():
            return root
        return None

    def workspace_roots(self) -> list[Path]:
        roots: list[Path] = []
        for folder in self.workspace.folders.values():
            path = _path_of(folder.uri)
            if path is not None:
                roots.append(path)
        if not roots and self.workspace.root_path:
            roots.append(Path(self.workspace.root_path))
        return roots

    def update_client_settings(self, raw: Any) -> bool:
        """Take new editor settings; True when they differ from the current ones."""
        section = section_of(raw)
        if section is None:
            return False
        try:
            settings = parse_client_settings(section, self.client_settings)
        except ConfigError as error:
            self.show_once(f"{error}; keeping the previous editor settings")
            return False
        if settings == self.client_settings:
            return False
        self.client_settings = settings
        return True

    def settings_changed(self, reason: str) -> None:
        """Forget cached settings and analyses, and check every open document again."""
        self.generation += 1
        self._project_settings.clear()
        self._shown_messages.clear()
        self.log(f"{reason}; checking open documents again")
        if self.pulls_diagnostics:
            self.workspace_diagnostic_refresh(None)
            return
        for document in self.documents.values():
            self.schedule(document, delay=0)

    # Analysis ---------------------------------------------------------------------

    def key_of(self, document: OpenDocument) -> tuple[int, int]:
        return (document.revision, self.generation)

    def _start(self, document: OpenDocument) -> asyncio.Future[Analysis | None]:
        key = self.key_of(document)
        if document.running is not None:
            running_key, future = document.running
            if running_key == key:
                return future
            future.cancel()
        text, version, path = document.text, document.version, document.path
        settings = self.settings_for(path) if self.client_settings.enable and document.is_python else None
        good = (
            document.last_parsed if document.last_parsed and document.last_parsed.key[1] == key[1] else None
        )

        def is_current() -> bool:
            return self.documents.get(document.uri) is document and self.key_of(document) == key

        analyzer = None
        if settings is not None and document in self._recent:
            if document.analyzer is None or document.analyzer_key != (self.generation, path):
                document.analyzer = DocumentAnalyzer(path, settings, self.split_worker)
                document.analyzer_key = (self.generation, path)
            analyzer = document.analyzer
        future = asyncio.wrap_future(
            self._executor.submit(_analyze, key, version, text, path, settings, is_current, good, analyzer)
        )
        document.running = (key, future)
        future.add_done_callback(lambda done: self._finished(document, done))
        return future

    def _finished(self, document: OpenDocument, future: asyncio.Future[Analysis | None]) -> None:
        if document.running is not None and document.running[1] is future:
            document.running = None
        if future.cancelled() or future.exception() is not None:
            if not future.cancelled():
                self.log(
                    f"analysis of {document.uri} failed: {future.exception()!r}", types.MessageType.Error
                )
            return
        analysis = future.result()
        if analysis is None or analysis.key != self.key_of(document):
            return
        document.analysis = analysis
        if analysis.result.parsed:
            document.last_parsed = analysis
        if analysis.prepare is not None and self.pulls_diagnostics:
            self.prepare_for_edits(analysis)  # pushed diagnostics do it once published
        self.trace(f"checked {document.uri} (version {analysis.version}) in {analysis.seconds * 1000:.1f} ms")
        if analysis.result.type_questions and analysis.settings is not None:
            self._refine(document, analysis)
        for failure in analysis.result.failures:
            if failure.code not in document.reported_failures:
                document.reported_failures.add(failure.code)
                self.log(
                    f"rule {failure.code} failed on {document.uri}: {failure.error}; "
                    "the other rules still ran",
                    types.MessageType.Warning,
                )

    def _refine(self, document: OpenDocument, analysis: Analysis) -> None:
        """Answer the fast pass's type questions in the inference process once the document
        has stayed unchanged for ``inferenceDelay``, then publish again. An edit, a close or
        a settings change cancels it: while it waits, before the process gets it, or by
        discarding the answer."""
        if document.refining is not None:
            document.refining.cancel()
        document.refining = asyncio.ensure_future(self._refine_when_quiet(document, analysis))

    async def _refine_when_quiet(self, document: OpenDocument, analysis: Analysis) -> None:
        key = analysis.key

        def is_current() -> bool:
            return self.documents.get(document.uri) is document and self.key_of(document) == key

        try:
            await asyncio.sleep(self.client_settings.inference_delay)
            if not is_current():
                return
            refined = await asyncio.wrap_future(
                self._inference_executor.submit(
                    _refine_in_worker, self._inference, analysis, document.path, is_current
                )
            )
        except Exception as error:
            self.log(f"type inference for {document.uri} failed: {error}", types.MessageType.Warning)
            return
        finally:
            if document.refining is asyncio.current_task():
                document.refining = None
        if refined is not None:
            self._refined(document, refined)

    def _refined(self, document: OpenDocument, refined: Analysis) -> None:
        if refined.key != self.key_of(document) or self.documents.get(document.uri) is not document:
            return
        document.analysis = refined
        document.last_parsed = refined
        self.trace(
            f"refined {document.uri} (version {refined.version}) with jedi in {refined.seconds * 1000:.1f} ms"
        )
        if self.pulls_diagnostics:
            self.workspace_diagnostic_refresh(None)
        else:
            self.publish(document, refined)

    async def current_analysis(self, document: OpenDocument) -> Analysis | None:
        """The analysis of the document's text as it is now (waiting for it if needed)."""
        for _ in range(20):
            if document.analysis is not None and document.analysis.key == self.key_of(document):
                return document.analysis
            if self.documents.get(document.uri) is not document:
                return document.analysis  # closed while we waited
            future = self._start(document)
            try:
                analysis = await asyncio.shield(future)
            except asyncio.CancelledError:
                if future.cancelled():
                    continue  # a newer edit made that run stale; analyse the newer text
                raise
            if analysis is not None and analysis.key == self.key_of(document):
                return analysis
        return document.analysis

    def schedule(self, document: OpenDocument, delay: float) -> None:
        """Publish diagnostics for the document after ``delay`` seconds of quiet."""
        if self.pulls_diagnostics or not document.is_python:
            return
        if document.publisher is not None:
            document.publisher.cancel()
        document.publisher = asyncio.ensure_future(self._publish_later(document, delay))

    async def _publish_later(self, document: OpenDocument, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        analysis = await self.current_analysis(document)
        if analysis is None or self.documents.get(document.uri) is not document:
            return
        if analysis.key != self.key_of(document):
            return  # stale: a newer edit has scheduled its own run
        self.publish(document, analysis)

    def publish(self, document: OpenDocument, analysis: Analysis) -> None:
        version = analysis.version
        if (
            version is not None
            and document.published_version is not None
            and version < document.published_version
        ):
            return
        sent = document.diagnostics
        now: dict[int, tuple[Finding, dict[str, Any]]] = {}
        for finding in analysis.findings:
            known = sent.get(id(finding))
            if known is None or known[0] is not finding:
                known = (finding, convert.diagnostic_json(finding, analysis.converter, document.uri))
            now[id(finding)] = known
        document.diagnostics = now
        params = {"uri": document.uri, "diagnostics": [shape for _, shape in now.values()]}
        if version is not None:
            params["version"] = version
        self.protocol.notify(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, Serialized(params))
        document.published_version = version
        self.prepare_for_edits(analysis)
        self.free_dropped_trees()
        if self.split_worker is not None and self.split_worker.retiring:
            self._executor.submit(self.split_worker.replace_retired)

    def free_dropped_trees(self) -> None:
        if self._released:
            released, self._released = self._released, []
            self._executor.submit(released.clear)

    def prepare_for_edits(self, analysis: Analysis) -> None:
        """Once a full analysis is out, get its analyzer ready for the first edit, in the
        worker thread (the first keystroke would otherwise wait for it)."""
        if analysis.prepare is not None:
            self._executor.submit(analysis.prepare.prepare)
            analysis.prepare = None

    def diagnostics_of(self, document: OpenDocument, analysis: Analysis) -> list[types.Diagnostic]:
        return [
            convert.to_diagnostic(finding, analysis.converter, document.uri) for finding in analysis.findings
        ]

    def keep_trees(self, document: OpenDocument) -> None:
        """Let the document keep its trees between edits, and the least recently used one
        beyond ``INCREMENTAL_DOCUMENTS`` let go of them."""
        if document in self._recent:
            self._recent.remove(document)
        self._recent.append(document)
        while len(self._recent) > INCREMENTAL_DOCUMENTS:
            self.drop_trees(self._recent[0])

    def drop_trees(self, document: OpenDocument) -> None:
        if document in self._recent:
            self._recent.remove(document)
        if document.analyzer is not None:
            self._released.append(document.analyzer)
        document.analyzer = None
        document.analyzer_key = None

    def collect_when_idle(self) -> None:
        """Run the cycle collector over everything once the editor has been quiet for a while.

        Each full analysis of a kept document hides its trees from the collector
        (``gc.freeze``): a collection walking a 5,000-line file's tree costs more than a
        keystroke's analysis, and trees free themselves without it. Whatever cycles other
        code left among the hidden objects are collected here, off the typing path."""
        if self._idle_collection is not None:
            self._idle_collection.cancel()
        loop = asyncio.get_running_loop()
        self._idle_collection = loop.call_later(
            IDLE_COLLECTION_SECONDS, lambda: self._executor.submit(_collect_everything)
        )

    def run_in_worker(self, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        return asyncio.wrap_future(self._executor.submit(function, *args))

    def stop_work(self) -> None:
        for document in self.documents.values():
            if document.publisher is not None:
                document.publisher.cancel()
            if document.running is not None:
                document.running[1].cancel()
            if document.refining is not None:
                document.refining.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._inference_executor.shutdown(wait=False, cancel_futures=True)
        self._close_workers()

    def _close_workers(self) -> None:
        self._inference.close()
        if self.split_worker is not None:
            self.split_worker.close()

    def shutdown(self) -> None:
        """pygls calls this when the connection ends, with or without a ``shutdown`` request:
        the helper processes must not outlive the server."""
        self._close_workers()
        super().shutdown()


def _analyze(
    key: tuple[int, int],
    version: int | None,
    text: str,
    path: Path | None,
    settings: Settings | None,
    is_current: Callable[[], bool],
    last_parsed: Analysis | None = None,
    analyzer: DocumentAnalyzer | None = None,
) -> Analysis | None:
    """Runs in the worker thread. While the text does not parse, the findings of the last
    text that did are carried to it (``stale.carry_over``), so typing through a syntax
    error does not make every other diagnostic blink off and on. With an ``analyzer``, an
    edit re-analyses only what it touched."""
    if not is_current():
        return None  # dropped before it started: a newer edit arrived while it waited
    started = time.perf_counter()
    prepare_after: DocumentAnalyzer | None = None
    if settings is None or (path is not None and settings.is_excluded(path)):
        result = AnalysisResult([], text=text)
    else:
        try:
            if analyzer is not None:
                with collector_paused():
                    result = analyzer.analyze(text)
                    if analyzer.last_mode == "full":
                        # Before the collector resumes, or its first collection walks the
                        # new trees: see PitfallsLanguageServer.collect_when_idle.
                        gc.freeze()
                        prepare_after = analyzer
            else:
                result = analyze_source(text, path=path, settings=settings)
        except Exception as error:  # a bug in pitfalls itself: say so where the user looks
            logger.exception("analysis of %s failed", path or "an unsaved document")
            if analyzer is not None:
                analyzer.forget()
            result = AnalysisResult(
                [analysis_error(f"could not analyze: pitfalls failed: {error!r}")], text=text
            )
        if not result.parsed and last_parsed is not None:
            previous = [f for f in last_parsed.findings if f.code != ANALYSIS_ERROR]
            carried = carry_over(last_parsed.text, previous, text)
            result.findings = sorted([*result.findings, *carried], key=lambda f: (f.range.start, f.code))
    return Analysis(key, version, text, result, settings, time.perf_counter() - started, prepare_after)


def _collect_everything() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _refine_in_worker(
    worker: InferenceWorker, analysis: Analysis, path: Path | None, is_current: Callable[[], bool]
) -> Analysis | None:
    """Runs in the inference thread: sends the questions to the inference process and waits.
    A request made stale while it was queued is never sent; the answer to one made stale
    while the process worked on it is dropped."""
    result, settings = analysis.result, analysis.settings
    if not is_current() or settings is None:
        return None
    started = time.perf_counter()
    request = request_for(
        analysis.text,
        path,
        settings.codes_for(path),
        dict(settings.severity),
        settings.timeout,
        result.type_questions,
    )
    typed = worker.refine(request)
    if not is_current():
        return None
    refined = AnalysisResult(merged(result.findings, typed), result.failures, analysis.text)
    refined.depends_on_other_files = True
    seconds = time.perf_counter() - started
    return Analysis(analysis.key, analysis.version, analysis.text, refined, settings, seconds, refined=True)


def _path_of(uri: str) -> Path | None:
    if uri_scheme(uri) != "file":
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


SERVER = PitfallsLanguageServer()


# Lifecycle --------------------------------------------------------------------------


@SERVER.feature(types.INITIALIZE)
def initialize(server: PitfallsLanguageServer, params: types.InitializeParams) -> None:
    server.update_client_settings(params.initialization_options)
    if params.trace is not None:  # pygls only follows later $/setTrace notifications
        server.protocol.trace = params.trace
    if not server.pulls_diagnostics:
        # Clients such as Neovim 0.10+ pull whenever the server offers it, and also show
        # what is pushed: offering both would show every diagnostic twice. pygls builds
        # the capabilities after this handler and leaves out a provider whose options
        # are None.
        server.protocol.fm.feature_options[types.TEXT_DOCUMENT_DIAGNOSTIC] = None


@SERVER.feature(types.INITIALIZED)
async def initialized(server: PitfallsLanguageServer, params: types.InitializedParams) -> None:
    server.log(
        f"pitfalls {__version__} started; position encoding {server.position_encoding}; "
        f"diagnostics are {'pulled by the client' if server.pulls_diagnostics else 'pushed'}"
    )
    if server._capability("workspace", "did_change_watched_files", "dynamic_registration"):
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILE_NAMES]
        registration = types.Registration(
            id="pitfalls-config-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        with contextlib.suppress(Exception):
            await server.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
    if server._capability("workspace", "configuration") and await _pull_configuration(server):
        server.settings_changed("the editor settings were read")


async def _pull_configuration(server: PitfallsLanguageServer) -> bool:
    try:
        values = await server.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="pitfalls")])
        )
    except Exception as error:  # a client that fails the request keeps the current settings
        server.log(f"could not read the editor settings: {error}", types.MessageType.Warning)
        return False
    if not values or values[0] is None:
        return False
    return server.update_client_settings({"pitfalls": values[0]})


@SERVER.feature(types.SHUTDOWN)
def shutdown(server: PitfallsLanguageServer, params: None) -> None:
    server.stop_work()


@SERVER.feature(types.SET_TRACE)
def set_trace(server: PitfallsLanguageServer, params: types.SetTraceParams) -> None:
    server.trace(f"trace set to {params.value.value}")


# Documents --------------------------------------------------------------------------


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(server: PitfallsLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    document = OpenDocument(
        uri=item.uri,
        text=item.text,
        version=item.version,
        language_id=item.language_id,
        path=_path_of(item.uri),
        revision=next(server._revisions),
    )
    previous = server.documents.get(item.uri)
    if previous is not None and previous.publisher is not None:
        previous.publisher.cancel()
    server.documents[item.uri] = document
    if previous is not None:
        server.drop_trees(previous)
    server.keep_trees(document)
    server.schedule(document, delay=0)
    server.collect_when_idle()


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(server: PitfallsLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    document = server.documents.get(params.text_document.uri)
    if document is None:
        return
    text = document.text
    for change in params.content_changes:
        text = apply_change(text, change, server.position_encoding)
    document.text = text
    document.version = params.text_document.version
    document.revision = next(server._revisions)
    for stale in (document.running[1] if document.running else None, document.refining):
        if stale is not None:
            stale.cancel()
    server.keep_trees(document)
    server.schedule(document, delay=server.client_settings.debounce)
    server.collect_when_idle()


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
def did_save(server: PitfallsLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    document = server.documents.get(params.text_document.uri)
    if document is None:
        return
    if document.path is not None and document.path.name in CONFIG_FILE_NAMES:
        # For clients that do not watch files for the server, saving the config in the
        # editor is how a change arrives.
        server.settings_changed(f"{document.path} was saved")
        return
    document.revision = next(server._revisions)
    server.schedule(document, delay=0)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(server: PitfallsLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    document = server.documents.pop(params.text_document.uri, None)
    if document is None:
        return
    if document.publisher is not None:
        document.publisher.cancel()
    for stale in (document.running[1] if document.running else None, document.refining):
        if stale is not None:
            stale.cancel()
    server.drop_trees(document)
    server.free_dropped_trees()
    if not server.pulls_diagnostics:
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=document.uri, diagnostics=[])
        )


# Configuration ----------------------------------------------------------------------


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    server: PitfallsLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    if section_of(params.settings) is not None:
        changed = server.update_client_settings(params.settings)
    elif server._capability("workspace", "configuration"):
        changed = await _pull_configuration(server)
    else:
        changed = False
    if changed:
        server.settings_changed("the editor settings changed")


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(
    server: PitfallsLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    changed = [change.uri for change in params.changes if change.uri.rsplit("/", 1)[-1] in CONFIG_FILE_NAMES]
    if changed:
        server.settings_changed(f"{', '.join(changed)} changed")


# Diagnostics (pull) -----------------------------------------------------------------


@SERVER.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(identifier="pitfalls", inter_file_dependencies=False, workspace_diagnostics=True),
)
async def document_diagnostic(
    server: PitfallsLanguageServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    document = server.documents.get(params.text_document.uri)
    if document is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    analysis = await server.current_analysis(document)
    if analysis is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    if params.previous_result_id == analysis.result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=analysis.result_id)
    return types.RelatedFullDocumentDiagnosticReport(
        items=server.diagnostics_of(document, analysis), result_id=analysis.result_id
    )


@SERVER.feature(types.WORKSPACE_DIAGNOSTIC)
async def workspace_diagnostic(
    server: PitfallsLanguageServer, params: types.WorkspaceDiagnosticParams
) -> types.WorkspaceDiagnosticReport:
    previous = {item.uri: item.value for item in params.previous_result_ids}
    roots = {root: server.settings_for(root / "__init__.py") for root in server.workspace_roots()}
    paths = await server.run_in_worker(_workspace_files, roots)
    unsaved = [
        document.path
        for document in server.documents.values()
        if document.path is not None
        and document.is_python
        and any(document.path.is_relative_to(root) for root in roots)
    ]
    paths = sorted(set(paths).union(unsaved))
    progress = await _WorkspaceProgress.start(server, params.work_done_token, len(paths))
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    try:
        for index, path in enumerate(paths):
            if progress.cancelled:
                break
            progress.report(index, path)
            uri = from_fs_path(str(path)) or path.as_uri()
            document = server.documents.get(uri)
            if document is not None:
                analysis = await server.current_analysis(document)
                if analysis is not None and previous.get(uri) == analysis.result_id:
                    items.append(
                        types.WorkspaceUnchangedDocumentDiagnosticReport(
                            uri=uri, version=analysis.version, result_id=analysis.result_id
                        )
                    )
                elif analysis is not None:
                    items.append(
                        types.WorkspaceFullDocumentDiagnosticReport(
                            uri=uri,
                            version=analysis.version,
                            items=server.diagnostics_of(document, analysis),
                            result_id=analysis.result_id,
                        )
                    )
                continue
            items.append(await _file_report(server, uri, path, previous.get(uri)))
    finally:
        progress.end(len(items))
    return types.WorkspaceDiagnosticReport(items=items)


async def _file_report(
    server: PitfallsLanguageServer, uri: str, path: Path, previous_id: str | None
) -> types.WorkspaceDocumentDiagnosticReport:
    try:
        status = path.stat()
    except OSError:
        return types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=[], version=None)
    result_id = f"{_SESSION}:{server.generation}:{status.st_mtime_ns}:{status.st_size}"
    if previous_id == result_id:
        return types.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, result_id=result_id, version=None)
    settings = server.settings_for(path)
    result, text = await server.run_in_worker(_analyze_file_with_text, path, settings)
    converter = PositionConverter(text, server.position_encoding)
    diagnostics = [convert.to_diagnostic(finding, converter, uri) for finding in result.findings]
    return types.WorkspaceFullDocumentDiagnosticReport(
        uri=uri, items=diagnostics, version=None, result_id=result_id
    )


def _analyze_file_with_text(path: Path, settings: Settings) -> tuple[AnalysisResult, str]:
    """Runs in the worker thread. The result, and the text its positions refer to: for a
    file that could not be decoded, its bytes read leniently, as the PF000 counted them."""
    result = analyze_file(path, settings)
    if result.text is not None:
        return result, result.text
    try:
        return result, read_source_bytes(path).decode("utf-8", errors="replace")
    except OSError:
        return result, ""


def _workspace_files(roots: dict[Path, Settings]) -> list[Path]:
    """The files `pitfalls check` would check in each root (``.gitignore`` and ``exclude``
    honoured), up to ``MAX_WORKSPACE_FILES``."""
    found: list[Path] = []
    for root, settings in roots.items():
        found.extend(
            itertools.islice(discover([root], lambda _directory, fixed=settings: fixed), MAX_WORKSPACE_FILES)
        )
        if len(found) >= MAX_WORKSPACE_FILES:
            break
    return sorted(set(found[:MAX_WORKSPACE_FILES]))


class _WorkspaceProgress:
    """Work-done progress for a workspace check: the client's token, or one we create
    when the client supports server-initiated progress; silent otherwise."""

    def __init__(self, server: PitfallsLanguageServer, token: types.ProgressToken | None, total: int) -> None:
        self.server = server
        self.token = token
        self.total = total
        self._last_percentage = -1

    @classmethod
    async def start(
        cls, server: PitfallsLanguageServer, token: types.ProgressToken | None, total: int
    ) -> _WorkspaceProgress:
        if token is None and server._capability("window", "work_done_progress"):
            token = f"pitfalls-workspace-{uuid.uuid4().hex}"
            try:
                await server.work_done_progress.create_async(token)
            except Exception:
                token = None
        progress = cls(server, token, total)
        if token is not None:
            server.work_done_progress.begin(
                token,
                types.WorkDoneProgressBegin(
                    title="pitfalls: checking the workspace", cancellable=True, percentage=0
                ),
            )
        return progress

    @property
    def cancelled(self) -> bool:
        if self.token is None:
            return False
        future = self.server.work_done_progress.tokens.get(self.token)
        return future is not None and future.cancelled()

    def report(self, index: int, path: Path) -> None:
        if self.token is None or not self.total:
            return
        percentage = index * 100 // self.total
        if percentage == self._last_percentage:
            return
        self._last_percentage = percentage
        self.server.work_done_progress.report(
            self.token,
            types.WorkDoneProgressReport(message=f"{index}/{self.total} {path.name}", percentage=percentage),
        )

    def end(self, count: int) -> None:
        if self.token is None:
            return
        self.server.work_done_progress.end(
            self.token, types.WorkDoneProgressEnd(message=f"checked {count} files")
        )
        self.server.work_done_progress.tokens.pop(self.token, None)


# Hover ------------------------------------------------------------------------------


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(server: PitfallsLanguageServer, params: types.HoverParams) -> types.Hover | None:
    document = server.documents.get(params.text_document.uri)
    if document is None:
        return None
    analysis = await server.current_analysis(document)
    if analysis is None:
        return None
    position = analysis.converter.from_client(params.position)
    hits = [finding for finding in analysis.findings if finding.range.contains(position)]
    rules = [RULES_BY_CODE[code] for code in dict.fromkeys(f.code for f in hits) if code in RULES_BY_CODE]
    if not rules:
        return None
    if server.hover_markdown:
        kind = types.MarkupKind.Markdown
        value = "\n\n---\n\n".join(convert.hover_markdown(rule) for rule in rules)
    else:
        kind = types.MarkupKind.PlainText
        value = "\n\n----\n\n".join(convert.hover_plaintext(rule) for rule in rules)
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=value),
        range=analysis.converter.range_to_client(hits[0].range),
    )


# Code actions -----------------------------------------------------------------------


def _kind_wanted(kind: str, only: list[str] | None) -> bool:
    if not only:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


@SERVER.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
        resolve_provider=True,
    ),
)
async def code_action(
    server: PitfallsLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction | types.Command] | None:
    document = server.documents.get(params.text_document.uri)
    if document is None:
        return None
    analysis = await server.current_analysis(document)
    if analysis is None or analysis.settings is None:
        return None
    # Columns of the requested range are not trusted (some clients send byte columns);
    # lines are the same in every encoding, and the findings are the server's own.
    first_line, last_line = params.range.start.line, params.range.end.line
    echoed = {
        repr(diagnostic.data.get("key"))
        for diagnostic in params.context.diagnostics
        if diagnostic.source == convert.SOURCE and isinstance(diagnostic.data, dict)
    }
    only = list(params.context.only) if params.context.only else None
    actions: list[types.CodeAction | types.Command] = []
    for finding in analysis.findings:
        if finding.code == ANALYSIS_ERROR:
            continue
        on_lines = finding.range.start.line <= last_line and first_line <= finding.range.end.line
        if not on_lines and repr(convert.finding_key(finding)) not in echoed:
            continue
        if _kind_wanted(types.CodeActionKind.QuickFix, only):
            actions.extend(_finding_actions(server, document, analysis, finding))
    if _kind_wanted(FIX_ALL_KIND, only) and any(_safe_fix(finding) for finding in analysis.findings):
        action = types.CodeAction(
            title="Fix all safe pitfalls in this file",
            kind=FIX_ALL_KIND,
            data={"action": "fixAll", "uri": document.uri, "version": analysis.version},
        )
        actions.append(await _resolved(server, action) if not server.resolves_edits_lazily else action)
    return actions


def _safe_fix(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.applicability is Applicability.SAFE


def _finding_actions(
    server: PitfallsLanguageServer, document: OpenDocument, analysis: Analysis, finding: Finding
) -> list[types.CodeAction]:
    diagnostic = convert.to_diagnostic(finding, analysis.converter, document.uri)
    key = convert.finding_key(finding)
    actions: list[types.CodeAction] = []
    if finding.fix is not None:
        unsafe = finding.fix.applicability is Applicability.UNSAFE
        title = (
            f"{finding.fix.message} (unsafe: changes behaviour, review it)" if unsafe else finding.fix.message
        )
        actions.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=not unsafe,
                data={"action": "fix", "uri": document.uri, "version": analysis.version, "key": key},
            )
        )
    if ignore_edit(analysis.text, finding.range.start.line, finding.code) is not None:
        actions.append(
            types.CodeAction(
                title=f"Ignore {finding.code} on this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                data={"action": "ignore", "uri": document.uri, "version": analysis.version, "key": key},
            )
        )
    rule = RULES_BY_CODE.get(finding.code)
    if rule is not None:
        actions.append(
            types.CodeAction(
                title=f"Open video: {rule.video.title}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                command=types.Command(
                    title=f"Open video: {rule.video.title}",
                    command=OPEN_VIDEO_COMMAND,
                    arguments=[rule.video.url],
                ),
            )
        )
    if not server.resolves_edits_lazily:
        actions = [_resolve_now(server, document, analysis, action) for action in actions]
    return [action for action in actions if action is not None]


def _resolve_now(
    server: PitfallsLanguageServer, document: OpenDocument, analysis: Analysis, action: types.CodeAction
) -> types.CodeAction | None:
    """Fill in the edit of a fix or ignore action; None when no edit can be made."""
    data = action.data
    if not isinstance(data, dict) or data.get("action") not in ("fix", "ignore"):
        return action
    finding = convert.find_by_key(analysis.findings, data.get("key"))
    if finding is None:
        return None
    if data["action"] == "fix":
        if finding.fix is None:
            return None
        edits = convert.to_text_edits(finding.fix.edits, analysis.converter)
    else:
        edit = ignore_edit(analysis.text, finding.range.start.line, finding.code)
        if edit is None:
            return None
        edits = convert.to_text_edits([edit], analysis.converter)
    action.edit = convert.workspace_edit(document.uri, analysis.version, edits, server.versioned_edits)
    return action


async def _resolved(server: PitfallsLanguageServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    document = server.documents.get(data.get("uri", ""))
    if document is None:
        return action
    analysis = await server.current_analysis(document)
    if analysis is None or analysis.settings is None:
        return action
    if data.get("action") == "fixAll":
        # The fast pass only: fixes of findings from type inference are all unsafe, and jedi
        # on every round would make the action slow for clients that cannot resolve lazily.
        fixed, count = await server.run_in_worker(
            lambda: apply_fixes(
                analysis.text, path=document.path, settings=analysis.settings, infer_types=False
            )
        )
        if count:
            edit = convert.whole_text_edit(analysis.text, fixed, analysis.converter)
            action.edit = convert.workspace_edit(
                document.uri, analysis.version, [edit], server.versioned_edits
            )
        return action
    if analysis.version != data.get("version"):
        server.log(
            f"code action for version {data.get('version')} of {document.uri} is out of date",
            types.MessageType.Warning,
        )
    resolved = _resolve_now(server, document, analysis, action)
    return resolved if resolved is not None else action


@SERVER.feature(types.CODE_ACTION_RESOLVE)
async def code_action_resolve(server: PitfallsLanguageServer, action: types.CodeAction) -> types.CodeAction:
    return await _resolved(server, action)


@SERVER.command(OPEN_VIDEO_COMMAND)
async def open_video(server: PitfallsLanguageServer, url: str) -> None:
    if server._capability("window", "show_document", "support"):
        result = await server.window_show_document_async(types.ShowDocumentParams(uri=url, external=True))
        if result.success:
            return
    server.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=f"Watch: {url}"))


__all__ = ["SERVER", "PitfallsLanguageServer"]
