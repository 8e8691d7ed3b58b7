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

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pitfalls.lsp.worker_process import WorkerError, WorkerProcess, serve
from pitfalls.model import Finding, Severity, TypeQuestion

logger = logging.getLogger(__name__)

__all__ = ["HANG_SECONDS", "InferenceWorker", "WorkerError", "merged", "request_for"]

HANG_SECONDS = 30.0
"""How much longer than the file's analysis budget an answer may take before the worker is
presumed stuck and killed (jedi checks the budget only between questions)."""


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
        "questions": [question.to_dict() for question in questions],
    }


def merged(fast: list[Finding], typed: list[Finding]) -> list[Finding]:
    """The fast pass's findings with those from type inference, deduplicated and in the
    order ``analysis._finish`` gives them."""
    kept: dict[tuple[object, ...], Finding] = {}
    for finding in (*fast, *typed):
        kept.setdefault((finding.code, finding.range, finding.message), finding)
    return sorted(kept.values(), key=lambda finding: (finding.range.start, finding.code))


INFERENCE_NICENESS = 19
"""The lowest priority: at 10, a busy jedi still slowed the first analyses of long files that
the server and its analysis helper share two cores for by a quarter."""


class InferenceWorker(WorkerProcess):
    """The server's handle on the worker process. ``refine`` blocks, so it runs in the
    server's inference thread, one request at a time; ``close`` may come from any thread."""

    def __init__(self) -> None:
        super().__init__("pitfalls.lsp.inference_worker", "the type inference process")

    def refine(self, request: dict[str, Any]) -> list[Finding]:
        """Findings from the answers to ``request``'s questions. A worker found dead is
        replaced, and the request sent again once, so a crash costs one restart."""
        for attempt in range(2):
            sent = None
            try:
                sent = self.send(request)
                answer = self.receive(sent, float(request["timeout"]) + HANG_SECONDS)
            except (OSError, EOFError):  # a broken pipe, or no answer: the worker died
                code = self.exit_code(sent) if sent is not None else None
                if self.closed or attempt == 1:
                    raise WorkerError(f"{self.description} exited (code {code})") from None
                logger.warning("%s exited (code %s); starting it again", self.description, code)
                continue
            return [Finding.from_dict(item) for item in answer["findings"]]
        raise AssertionError("unreachable")


# The worker process ---------------------------------------------------------------------


def answer(request: dict[str, Any]) -> list[Finding]:
    """Runs in the worker: the findings of the rules' answers, filtered like the fast pass's
    (rules enabled for the file, ``noqa`` comments, severity overrides)."""
    from pitfalls.analysis import AnalysisResult, refine_with_types
    from pitfalls.config import Settings

    questions = [TypeQuestion.from_dict(item) for item in request["questions"]]
    settings = Settings(
        enabled=frozenset(request["codes"]),
        severity={code: Severity(level) for code, level in request["severity"].items()},
        timeout=request["timeout"],
    )
    unanswered = AnalysisResult([], text=request["text"], type_questions=questions)
    return refine_with_types(unanswered, path=request["path"], settings=settings).findings


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="pitfalls inference: %(levelname)s %(message)s")
    if hasattr(os, "nice"):
        # Its findings come after the fast pass's anyway: the fast pass, in the server and in
        # the analysis helper, is what the user waits for, and gets the cores first.
        os.nice(INFERENCE_NICENESS)
    serve(
        lambda request: {"findings": [finding.to_dict() for finding in answer(request)]},
        "type inference failed",
    )
