"""A long document's full analysis shared with the analysis helper process (a real one,
``pitfalls.lsp.split_worker``) gives exactly what one analysis alone gives, and so do the
incremental edits that build on it; a helper that is not ready, dies or fails costs time,
never findings."""

from __future__ import annotations

import os
import random
import signal
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import service_code
from pitfalls.analysis import RuleRun
from pitfalls.config import Settings
from pitfalls.incremental import SHARED_FROM_LINES, DocumentAnalyzer
from pitfalls.lsp.split_worker import SplitWorker
from test_incremental import EVERY_RULE, _structural_edit, assert_same_as_full, outcome

PATH = Path("service.py")


def ready(helper: SplitWorker) -> SplitWorker:
    helper.start()
    deadline = time.monotonic() + 30
    while not helper.ready:
        assert time.monotonic() < deadline, "the analysis helper never said it was ready"
        time.sleep(0.01)
    return helper


@pytest.fixture(scope="module")
def shared_helper() -> Iterator[SplitWorker]:
    worker = ready(SplitWorker())
    yield worker
    worker.close()


@pytest.fixture
def helper(shared_helper: SplitWorker) -> SplitWorker:
    """The module's helper, replaced if it retired after the last test's long file (as the
    server replaces it once that file's diagnostics are out)."""
    shared_helper.replace_retired()
    return ready(shared_helper)


@pytest.fixture(scope="module")
def long_text() -> str:
    return service_code(3_000)


def test_a_shared_first_analysis_is_the_same_as_one_alone(helper: SplitWorker, long_text: str) -> None:
    sent = helper.sent
    analyzer = DocumentAnalyzer(PATH, EVERY_RULE, helper)
    assert assert_same_as_full(analyzer, long_text, PATH) == "full"
    assert helper.sent == sent + 1


STDLIB = Path(sysconfig.get_paths()["stdlib"])


@pytest.mark.parametrize("name", ["pdb.py", "doctest.py", "argparse.py", "_pydecimal.py"])
def test_long_standard_library_modules_shared_as_alone(helper: SplitWorker, name: str) -> None:
    """Real modules with findings in their later half (pdb's bare excepts, _pydecimal's)."""
    path = STDLIB / name
    if not path.exists():
        pytest.skip(f"this interpreter has no {name}")
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") >= SHARED_FROM_LINES
    sent = helper.sent
    assert_same_as_full(DocumentAnalyzer(path, EVERY_RULE, helper), text, path)
    assert helper.sent == sent + 1


def test_edits_after_a_shared_first_analysis(helper: SplitWorker, long_text: str) -> None:
    """What the shared analysis leaves for incremental edits (which names each unit looked
    up, the file's facts) is as good as a lone analysis's: edit after edit, the same."""
    analyzer = DocumentAnalyzer(PATH, EVERY_RULE, helper)
    lines = long_text.split("\n")
    last_parsed = lines
    rng = random.Random(11)
    modes = []
    for _ in range(20):
        modes.append(assert_same_as_full(analyzer, "\n".join(lines), PATH))
        if modes[-1] == "syntax error":
            lines = last_parsed
        else:
            last_parsed = lines
        edited = _structural_edit(lines, rng)
        assert edited is not None
        lines = edited
    assert modes[0] == "full" and "incremental" in modes


@pytest.mark.skipif(sys.platform == "win32", reason="the helper is never replaced without resource")
def test_a_helper_that_grew_retires_and_is_replaced() -> None:
    """Freed trees leave the helper's heap fragmented: after a long file it exits with its
    answer, and the next helper starts once the server calls ``replace_retired``."""
    helper = ready(SplitWorker())
    try:
        first = helper.pid
        text = service_code(5_000)
        assert_same_as_full(DocumentAnalyzer(PATH, EVERY_RULE, helper), text, PATH)
        assert helper.retiring
        helper.replace_retired()
        assert helper.pid not in (None, first) and helper.retired == 1
        assert first is not None and not _running(first), "the retired helper was waited for"
        ready(helper)
        sent = helper.sent
        assert_same_as_full(DocumentAnalyzer(PATH, EVERY_RULE, helper), text, PATH)
        assert helper.sent == sent + 1
    finally:
        helper.close()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_short_texts_are_not_shared(helper: SplitWorker) -> None:
    sent = helper.sent
    text = service_code(SHARED_FROM_LINES // 2)
    assert_same_as_full(DocumentAnalyzer(PATH, EVERY_RULE, helper), text, PATH)
    assert helper.sent == sent


def test_a_helper_not_yet_ready_is_not_waited_for(long_text: str) -> None:
    helper = SplitWorker()
    try:
        assert_same_as_full(DocumentAnalyzer(PATH, EVERY_RULE, helper), long_text, PATH)
        assert helper.sent == 0
        assert helper.pid is not None, "started for the next long file"
        ready(helper)
        assert_same_as_full(DocumentAnalyzer(PATH, EVERY_RULE, helper), long_text, PATH)
        assert helper.sent == 1
    finally:
        helper.close()


class Interrupted:
    """A helper whose process is killed, or made to fail, once the request is out."""

    def __init__(self, helper: SplitWorker, interrupt: Callable[[SplitWorker], None]) -> None:
        self.helper = helper
        self.interrupt = interrupt

    def begin(
        self, text: str, filename: str, codes: frozenset[str], budget: float
    ) -> Callable[[float], tuple[int, RuleRun] | None] | None:
        waiting = self.helper.begin(text, filename, codes, budget)
        assert waiting is not None
        self.interrupt(self.helper)
        return waiting


def _kill(helper: SplitWorker) -> None:
    assert helper.pid is not None
    os.kill(helper.pid, signal.SIGKILL)


@pytest.mark.skipif(sys.platform == "win32", reason="kills the helper with a POSIX signal")
def test_a_helper_that_dies_costs_time_not_findings(long_text: str) -> None:
    helper = ready(SplitWorker())
    try:
        first = helper.pid
        analyzer = DocumentAnalyzer(PATH, EVERY_RULE, Interrupted(helper, _kill))  # type: ignore[arg-type]
        assert_same_as_full(analyzer, long_text, PATH)
        assert helper.pid not in (None, first), "a new helper was started for the next long file"
        ready(helper)
        assert_same_as_full(DocumentAnalyzer(PATH, EVERY_RULE, helper), long_text, PATH)
    finally:
        helper.close()


@pytest.mark.skipif(sys.platform == "win32", reason="stops the helper with a POSIX signal")
def test_a_helper_that_answers_too_late_is_not_waited_for(long_text: str) -> None:
    """A helper that takes much longer than the server's own part is stopped, and its part
    checked in the server: within the analysis budget, with every finding."""
    helper = ready(SplitWorker())
    try:
        first = helper.pid
        stopped = Interrupted(helper, lambda worker: os.kill(worker.pid or 0, signal.SIGSTOP))
        settings = Settings(enabled=EVERY_RULE.enabled, timeout=3.0)
        got = DocumentAnalyzer(PATH, settings, stopped).analyze(long_text)  # type: ignore[arg-type]
        assert outcome(got) == outcome(DocumentAnalyzer(PATH, settings).analyze(long_text))
        assert helper.pid not in (None, first)
    finally:
        helper.close()


def test_a_text_that_does_not_parse_keeps_the_helper_in_step(helper: SplitWorker, long_text: str) -> None:
    """The helper's answer to a text that does not parse (an error) is read, so its answer
    to the next text is that text's."""
    analyzer = DocumentAnalyzer(PATH, EVERY_RULE, helper)
    broken = long_text + "\ndef broken(:\n"
    assert assert_same_as_full(analyzer, broken, PATH) == "syntax error"
    sent = helper.sent
    assert assert_same_as_full(DocumentAnalyzer(PATH, EVERY_RULE, helper), long_text, PATH) == "full"
    assert helper.sent == sent + 1
