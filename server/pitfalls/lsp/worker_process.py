"""Long-lived child processes of the language server, spoken to in JSON lines.

A child is started when first needed (or ahead of time with ``start``), kept, and ends when
the server closes its stdin, or when the server itself dies, since that closes the pipe
too. The child first says it is ready (``{"id": 0}``, once its imports are done); then each
request is one JSON object on a line with an ``"id"``, and the child answers one request at
a time, in order, with an object carrying the same id and either its reply or an ``"error"``.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any, NamedTuple

logger = logging.getLogger(__name__)

# Started with -I, the child puts neither its working directory (the user's project) nor
# PYTHON* variables on sys.path, so it cannot import a project's json.py; it then takes
# the server's sys.path, which is where pitfalls and its dependencies were found.
_BOOTSTRAP = "import json, sys; sys.path[:] = json.loads(sys.argv[1]); from {module} import main; main()"


class WorkerError(Exception):
    """The worker could not answer: it died, hung, or failed on this request."""


class Sent(NamedTuple):
    """A request written to a process, for ``receive``."""

    process: subprocess.Popen[bytes]
    identifier: int
    greeting: threading.Thread


def _read_greeting(process: subprocess.Popen[bytes], greeted: threading.Event) -> None:
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        if json.loads(line) == {"id": 0}:
            greeted.set()
    except (OSError, ValueError):
        pass  # it died first, or said something else: its requests will fail and say why


class WorkerProcess:
    """The server's handle on one child process that runs ``module.main`` (see ``serve``).

    ``send`` and ``receive`` come from one thread at a time; ``close`` from any thread."""

    def __init__(self, module: str, description: str) -> None:
        self._module = module
        self.description = description
        """What the process does, for messages: "the type inference process"."""
        self._process: subprocess.Popen[bytes] | None = None
        self._greeting: threading.Thread | None = None
        """Reads the current process's first line, ``{"id": 0}``, and sets ``_greeted``."""
        self._greeted = threading.Event()
        self._next_id = 0
        self._closed = False
        self.sent = 0
        """Requests written to a worker process, retries included."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def ready(self) -> bool:
        """Whether the process is running and has said it is ready."""
        process = self._process
        return process is not None and process.poll() is None and self._greeted.is_set()

    def start(self) -> None:
        """Start the process now, so that the first request does not wait for it."""
        if not self._closed:
            self._running()

    def send(self, request: dict[str, Any]) -> Sent:
        """Write ``request`` to the process (started if need be); what ``receive`` needs to
        read its answer. Raises OSError when the process has died."""
        process = self._running()
        greeting = self._greeting
        assert process.stdin is not None and greeting is not None
        self._next_id += 1
        identifier = self._next_id
        process.stdin.write(json.dumps({**request, "id": identifier}).encode("ascii") + b"\n")
        process.stdin.flush()
        self.sent += 1
        return Sent(process, identifier, greeting)

    def receive(self, sent: Sent, wait_seconds: float) -> dict[str, Any]:
        """The answer to a request ``send`` wrote. Raises EOFError when the process died
        first, and WorkerError (after killing the process) when it does not answer within
        ``wait_seconds``, answers out of turn, or reports an error."""
        process, identifier, greeting = sent
        assert process.stdout is not None
        hung = threading.Event()

        def kill() -> None:
            hung.set()
            process.kill()

        watchdog = threading.Timer(wait_seconds, kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            greeting.join()  # its line comes first
            line = process.stdout.readline()
        finally:
            watchdog.cancel()
        if hung.is_set():
            self._reap(process)
            raise WorkerError(f"{self.description} did not answer in {wait_seconds:g} s")
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
            raise WorkerError(f"{self.description} answered out of turn: {line[:200]!r}")
        if "error" in answer:
            raise WorkerError(answer["error"])
        return answer

    def exit_code(self, sent: Sent) -> int | None:
        """The exit code of the process a request went to, once it has died."""
        self._reap(sent.process)
        return sent.process.returncode

    def restart(self) -> None:
        """Replace the process with a new one (the old one is waited for, or killed if it
        has not exited within two seconds)."""
        if self._process is not None:
            self._reap(self._process)
        self.start()

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
        _wait_or_kill(process)

    @property
    def closed(self) -> bool:
        return self._closed

    def _running(self) -> subprocess.Popen[bytes]:
        if self._closed:
            raise WorkerError("the server is shutting down")
        if self._process is not None and self._process.poll() is None:
            return self._process
        if self._process is not None:
            self._reap(self._process)
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOTSTRAP.format(module=self._module), json.dumps(sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        logger.info("started %s (pid %s)", self.description, self._process.pid)
        self._greeted = threading.Event()
        self._greeting = threading.Thread(
            target=_read_greeting, args=(self._process, self._greeted), daemon=True, name="pitfalls-greeting"
        )
        self._greeting.start()
        return self._process

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
        _wait_or_kill(process)


def _wait_or_kill(process: subprocess.Popen[bytes]) -> None:
    """Wait up to two seconds for the process to exit, then kill it."""
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# The child process ----------------------------------------------------------------------


def serve(
    handle: Callable[[dict[str, Any]], dict[str, Any]],
    failure: str,
    after_answer: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """The child's loop: answer each request with ``handle``'s reply, or with an error that
    starts with ``failure`` when it raises (the server logs it; the child lives on); then
    call ``after_answer`` with the reply, for work the answer need not wait for."""
    # Answers go to the original stdout; anything else that prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    answers.write(b'{"id": 0}\n')
    answers.flush()
    requests: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    threading.Thread(target=_read_requests, args=(sys.stdin.buffer, requests), daemon=True).start()
    while True:
        request = json.loads(requests.get())
        try:
            reply = handle(request)
        except Exception as error:
            logger.exception(failure)
            reply = {"error": f"{failure}: {error!r}"}
        answers.write(json.dumps({"id": request["id"], **reply}).encode("ascii") + b"\n")
        answers.flush()
        if after_answer is not None:
            after_answer(reply)


def _read_requests(lines: IO[bytes], requests: queue.SimpleQueue[bytes]) -> None:
    for line in lines:
        requests.put(line)
    # The server closed the pipe, or died: stop now, even in the middle of a request.
    os._exit(0)
