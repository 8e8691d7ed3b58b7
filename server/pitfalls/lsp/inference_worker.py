"""Cross-module type inference (jedi) in a long-lived child process of the language server.

Jedi is pure Python: run in a thread of the server, it holds the GIL as long as the fast
pass does, and every keystroke's diagnostics wait behind it. The server therefore never
imports jedi; it sends the fast pass's type questions to this process and gets findings
back. The process is started on the first question, kept (jedi's caches of parsed modules
stay warm), started again if it dies, and ends when the server closes its stdin, or when
the server itself dies, since that closes the pipe too.

The protocol is one JSON object per line. The server sends
``{"id", "text", "path", "codes", "severity", "timeout", "questions"}`` and the worker
answers ``{"id", "findings"}`` (``Finding.to_dict``) or ``{"id", "error"}``, one request at
a time: the queue, and dropping stale requests from it, stay in the server.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from pitfalls.model import Finding, Position, Severity, TypeQuestion

logger = logging.getLogger(__name__)

# Started with -I, the child puts neither its working directory (the user's project) nor
# PYTHON* variables on sys.path, so it cannot import a project's json.py; it then takes
# the server's sys.path, which is where pitfalls and jedi were found.
_BOOTSTRAP = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from pitfalls.lsp.inference_worker import main; main()"
)
HANG_SECONDS = 30.0
"""How much longer than the file's analysis budget an answer may take before the worker is
presumed stuck and killed (jedi checks the budget only between questions)."""


class WorkerError(Exception):
    """The worker could not answer: it died, hung, or failed on this request."""


def request_for(
    text: str,
    path: Path | None,
    codes: Iterable[str],
    severity: dict[str, Severity],
    timeout: float,
    questions: list[TypeQuestion],
) -> dict[str, Any]:
    """What the worker needs of the fast pass: the text, where it is, the rules enabled for
    that file (``per-file-ignores`` already applied), severity overrides and the budget."""
    return {
        "text": text,
        "path": str(path) if path is not None else None,
        "codes": sorted(codes),
        "severity": {code: int(level) for code, level in severity.items()},
        "timeout": timeout,
        "questions": [
            {
                "code": question.code,
                "position": [question.position.line, question.position.column],
                "is_call": question.is_call,
                "payload": question.payload,
            }
            for question in questions
        ],
    }


def merged(fast: list[Finding], typed: list[Finding]) -> list[Finding]:
    """The fast pass's findings with those from type inference, deduplicated and in the
    order ``analysis._finish`` gives them."""
    kept: dict[tuple[object, ...], Finding] = {}
    for finding in (*fast, *typed):
        kept.setdefault((finding.code, finding.range, finding.message), finding)
    return sorted(kept.values(), key=lambda finding: (finding.range.start, finding.code))


class InferenceWorker:
    """The server's handle on the worker process. ``refine`` blocks, so it runs in the
    server's inference thread, one request at a time; ``close`` may come from any thread."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._next_id = 0
        self._closed = False
        self.sent = 0
        """Requests written to a worker process, retries included."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def refine(self, request: dict[str, Any]) -> list[Finding]:
        """Findings from the answers to ``request``'s questions. A worker found dead is
        replaced, and the request sent again once, so a crash costs one restart."""
        for attempt in range(2):
            process = self._running()
            try:
                return self._ask(process, request)
            except (OSError, EOFError):  # a broken pipe, or no answer: the worker died
                self._reap(process)
                if self._closed or attempt == 1:
                    message = f"the type inference process exited (code {process.returncode})"
                    raise WorkerError(message) from None
                logger.warning(
                    "the type inference process exited (code %s); starting it again", process.returncode
                )
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Stop the worker: closing its stdin ends it at once, even in the middle of a request."""
        self._closed = True
        process, self._process = self._process, None
        if process is None:
            return
        # Not _reap: a request may be reading stdout in another thread, and closing that
        # stream would wait for the read, however long a hung worker takes to answer.
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _running(self) -> subprocess.Popen[bytes]:
        if self._closed:
            raise WorkerError("the server is shutting down")
        if self._process is not None and self._process.poll() is None:
            return self._process
        if self._process is not None:
            self._reap(self._process)
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOTSTRAP, json.dumps(sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        logger.info("started the type inference process (pid %s)", self._process.pid)
        return self._process

    def _ask(self, process: subprocess.Popen[bytes], request: dict[str, Any]) -> list[Finding]:
        assert process.stdin is not None and process.stdout is not None
        self._next_id += 1
        identifier = self._next_id
        process.stdin.write(json.dumps({**request, "id": identifier}).encode("ascii") + b"\n")
        process.stdin.flush()
        self.sent += 1
        hung = threading.Event()

        def kill() -> None:
            hung.set()
            process.kill()

        watchdog = threading.Timer(float(request["timeout"]) + HANG_SECONDS, kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            line = process.stdout.readline()
        finally:
            watchdog.cancel()
        if hung.is_set():
            self._reap(process)
            raise WorkerError(f"type inference did not answer in {request['timeout'] + HANG_SECONDS:g} s")
        if not line:
            raise EOFError
        try:
            answer = json.loads(line)
        except ValueError:
            answer = {}
        if not isinstance(answer, dict) or answer.get("id") != identifier:
            # Out of step with its requests: nothing it says after this can be trusted.
            process.kill()
            self._reap(process)
            raise WorkerError(f"the type inference process answered out of turn: {line[:200]!r}")
        if "error" in answer:
            raise WorkerError(answer["error"])
        return [Finding.from_dict(item) for item in answer["findings"]]

    def _reap(self, process: subprocess.Popen[bytes]) -> None:
        """Wait for a dead worker, so it does not stay behind as a zombie."""
        if self._process is process:
            self._process = None
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The worker process ---------------------------------------------------------------------


def answer(request: dict[str, Any]) -> list[Finding]:
    """Runs in the worker: the findings of the rules' answers, filtered like the fast pass's
    (rules enabled for the file, ``noqa`` comments, severity overrides)."""
    from pitfalls.analysis import AnalysisResult, refine_with_types
    from pitfalls.config import Settings

    questions = [
        TypeQuestion(item["code"], Position(*item["position"]), item["is_call"], item["payload"])
        for item in request["questions"]
    ]
    settings = Settings(
        enabled=frozenset(request["codes"]),
        severity={code: Severity(level) for code, level in request["severity"].items()},
        timeout=request["timeout"],
    )
    unanswered = AnalysisResult([], text=request["text"], type_questions=questions)
    return refine_with_types(unanswered, path=request["path"], settings=settings).findings


def _read_requests(lines: IO[bytes], requests: queue.SimpleQueue[bytes]) -> None:
    for line in lines:
        requests.put(line)
    # The server closed the pipe, or died: stop now, even in the middle of a request.
    os._exit(0)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="pitfalls inference: %(levelname)s %(message)s")
    # Answers go to the original stdout; anything else that prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    threading.Thread(target=_read_requests, args=(sys.stdin.buffer, requests), daemon=True).start()
    while True:
        request = json.loads(requests.get())
        try:
            reply: dict[str, Any] = {"findings": [finding.to_dict() for finding in answer(request)]}
        except Exception as error:  # a bug in pitfalls: the server logs it, the worker lives on
            logger.exception("type inference failed")
            reply = {"error": f"type inference failed: {error!r}"}
        answers.write(json.dumps({"id": request["id"], **reply}).encode("ascii") + b"\n")
        answers.flush()
