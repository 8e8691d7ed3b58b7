"""A second process for the first analysis of a long document (``incremental.UnitChecker``).

Python runs the rules on one core at a time, and the first analysis of a 5,000-line file
is nearly all of the wait for its first diagnostics. So the server keeps one helper
process, started with the server so that it is ready when the first file opens: it parses
the same text and checks the later half of its units while the server checks the rest,
and the server joins the two runs. Later edits are incremental and stay in the server.

The helper is used only once it has said it is ready, and only on machines with more than
one core; the type inference process runs at the lowest priority, so that it takes none of
the cores the two of them need. When the helper fails, dies or runs out of time, the server
checks those units itself and starts a new helper.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pitfalls.lsp.worker_process import WorkerError, WorkerProcess, serve

if TYPE_CHECKING:  # imported when first used: ``pitfalls server`` starts the helper first
    from pitfalls.analysis import RuleRun

logger = logging.getLogger(__name__)


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class SplitWorker(WorkerProcess):
    """The server's handle on the helper; used from the analysis thread only."""

    def __init__(self) -> None:
        super().__init__("pitfalls.lsp.split_worker", "the analysis helper process")
        self.retiring = False
        """Whether the helper said, with its last answer, that it is exiting (see
        ``RETIRE_ABOVE_MB``); ``replace_retired`` starts the next one."""
        self.retired = 0

    def replace_retired(self) -> None:
        """Start a new helper if the last one retired: call once the analysis it helped
        with is published, so the start costs the server nothing on the way there."""
        if not self.retiring:
            return
        self.retiring = False
        self.retired += 1
        self.restart()

    def begin(
        self, text: str, filename: str, codes: frozenset[str], budget: float
    ) -> Callable[[float], tuple[int, RuleRun] | None] | None:
        if self.closed:
            return None
        if self.retiring:
            self.replace_retired()
            return None
        if not self.ready:
            self.start()  # for the next long file; this one is checked here alone
            return None
        request = {"text": text, "filename": filename, "codes": sorted(codes), "budget": budget}
        try:
            sent = self.send(request)
        except (OSError, WorkerError) as error:
            logger.warning("%s could not take the request (%s)", self.description, error)
            self.start()
            return None

        def wait(wait_seconds: float) -> tuple[int, RuleRun] | None:
            try:
                answer = self.receive(sent, wait_seconds)
            except (EOFError, OSError, WorkerError) as error:
                why = f"exited (code {self.exit_code(sent)})" if isinstance(error, EOFError) else str(error)
                logger.warning("%s: %s; the server checked its part", self.description, why)
                self.start()
                return None
            self.retiring = bool(answer.get("retiring"))
            return answer["middle"], run_from_dict(answer["run"])

        return wait


def run_to_dict(run: RuleRun) -> dict[str, Any]:
    """The parts of a run of some units that the server joins with its own (not the facts:
    the server works those out for the whole file)."""
    return {
        "findings": [finding.to_dict() for finding in run.findings],
        "finding_units": run.finding_units,
        "questions": [question.to_dict() for question in run.questions],
        "question_units": run.question_units,
        "failures": [[failure.code, failure.error] for failure in run.failures],
        "complete": run.complete,
        "lookups": [[unit, sorted(names)] for unit, names in run.lookups.items()],
        "definition_reads": [[unit, sorted(names)] for unit, names in run.definition_reads.items()],
    }


def run_from_dict(data: dict[str, Any]) -> RuleRun:
    from pitfalls.analysis import RuleRun
    from pitfalls.engine import RuleFailure
    from pitfalls.model import Finding, TypeQuestion

    return RuleRun(
        [Finding.from_dict(item) for item in data["findings"]],
        list(data["finding_units"]),
        [TypeQuestion.from_dict(item) for item in data["questions"]],
        list(data["question_units"]),
        [RuleFailure(code, error) for code, error in data["failures"]],
        bool(data["complete"]),
        {},
        {unit: set(names) for unit, names in data["lookups"]},
        {unit: set(names) for unit, names in data["definition_reads"]},
    )


# The helper process -----------------------------------------------------------------------


RETIRE_ABOVE_MB = 24
"""The peak memory above which the helper exits once it has answered. Freed trees leave the
process's heap fragmented: a helper that has analysed a few long files holds 30 MB or more
where a new one holds 17, so it is replaced instead (about 0.1 s of the spare core)."""

_answered: list[object] = []
"""What the last answer was worked out from, freed once it is sent."""


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows: the helper is never replaced
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def answer(request: dict[str, Any]) -> dict[str, Any]:
    from pitfalls.incremental import check_later_units

    codes = frozenset(request["codes"])
    middle, run, tree = check_later_units(request["text"], request["filename"], codes, request["budget"])
    _answered.append(tree)
    peak = _peak_rss_mb()
    reply = {"middle": middle, "run": run_to_dict(run)}
    if peak is not None and peak > RETIRE_ABOVE_MB:
        reply["retiring"] = True
    return reply


def _after_answer(reply: dict[str, Any]) -> None:
    if reply.get("retiring"):
        os._exit(0)  # at once: freeing what it holds would only delay the next helper
    _answered.clear()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="pitfalls analysis helper: %(levelname)s %(message)s")
    import pitfalls.incremental  # noqa: F401  (before saying it is ready)

    serve(answer, "the analysis helper failed", after_answer=_after_answer)
