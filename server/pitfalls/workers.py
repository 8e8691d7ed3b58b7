"""Analysing the files the cache could not answer for: here, or in worker processes.

Imported only when some file needs analysing; importing it loads the engine and the rules,
and worker processes forked afterwards inherit them instead of importing them again.
"""

from __future__ import annotations

import difflib
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path

from pitfalls.analysis import AnalysisResult, analysis_error, analyze_bytes, analyze_file, read_source_bytes
from pitfalls.cache import content_hash, trusted_signature
from pitfalls.checking import CheckOptions, FileOutcome
from pitfalls.config import Settings
from pitfalls.files import read_regular_file
from pitfalls.fixes import apply_fixes
from pitfalls.model import Applicability
from pitfalls.output import display_path
from pitfalls.source import utf8_sig_aware_encoding

PARALLEL_THRESHOLD = 24
"""Below this many files to analyse, starting worker processes costs more than it saves."""
GUIDED_FRACTION = 4
"""Each task takes 1 / (workers x this) of the bytes not yet in a task."""
SMALLEST_TASK_FRACTION = 64
"""No task is smaller than 1 / (workers x this) of all the bytes: ending on many tiny
tasks would cost more in sending them than it saves in waiting."""


def check_one(path: Path, settings: Settings, options: CheckOptions) -> FileOutcome:
    """Analyse (and with --fix or --diff, fix) one file. Runs in worker processes too."""
    read_at = time.time_ns()
    try:
        status, data = read_regular_file(path)
    except OSError:
        result = analyze_file(path, settings)
        return FileOutcome(path, [finding.to_dict() for finding in result.findings])
    result = (
        analyze_file(path, settings)
        if b"\0" in data[:8192]
        else analyze_bytes(data, path=path, settings=settings, infer_types=True)
    )
    outcome = FileOutcome(
        path,
        [finding.to_dict() for finding in result.findings],
        [(failure.code, failure.error) for failure in result.failures],
        digest=content_hash(data),
        signature=trusted_signature(status, read_at),
        cacheable=not result.failures,
        depends_on_other_files=result.depends_on_other_files,
        files_read=result.files_read,
    )
    if (options.fix or options.diff) and result.text is not None and _has_wanted_fix(result, options):
        fixed_text, count = apply_fixes(
            result.text, path=path, settings=settings, unsafe=options.unsafe_fixes
        )
        if count:
            outcome.fixed = count
            if options.diff:
                outcome.diff = "".join(
                    difflib.unified_diff(
                        result.text.splitlines(keepends=True),
                        fixed_text.splitlines(keepends=True),
                        fromfile=display_path(path),
                        tofile=display_path(path),
                    )
                )
            else:
                path.write_bytes(fixed_text.encode(utf8_sig_aware_encoding(data)))
                after = analyze_bytes(read_source_bytes(path), path=path, settings=settings, infer_types=True)
                outcome.findings = [finding.to_dict() for finding in after.findings]
    return outcome


def _has_wanted_fix(result: AnalysisResult, options: CheckOptions) -> bool:
    return any(
        finding.fix is not None and (options.unsafe_fixes or finding.fix.applicability is Applicability.SAFE)
        for finding in result.findings
    )


def _check_batch(batch: list[tuple[Path, Settings]], options: CheckOptions) -> list[FileOutcome]:
    return [check_one(path, settings, options) for path, settings in batch]


def _safe_check_one(path: Path, settings: Settings, options: CheckOptions) -> FileOutcome:
    try:
        return check_one(path, settings, options)
    except Exception as error:
        finding = analysis_error(f"could not analyze: internal error: {type(error).__name__}: {error}")
        return FileOutcome(path, [finding.to_dict()])


def worker_count(jobs: int) -> int:
    """``jobs`` if given, else the cores this process may run on (fewer than the machine's
    in a container or under ``taskset``)."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def tasks_for(pending: list[tuple[Path, Settings]], workers: int) -> list[list[tuple[Path, Settings]]]:
    """The files cut into runs of neighbours, in their order, each run a fraction of the bytes
    still unassigned (guided self-scheduling): the first tasks are long, the last ones short,
    so no worker is left with a long task while the others wait.

    Neighbours stay together, as in equal batches, because the files of one package ask
    about the same modules and a worker's caches then serve them; sorting by size instead
    measured no faster (file size is a poor guess at the cost of cross-module inference)."""
    sizes = [_size(path) for path, _ in pending]
    remaining = sum(sizes)
    smallest = max(remaining // (workers * SMALLEST_TASK_FRACTION), 1)
    tasks: list[list[tuple[Path, Settings]]] = []
    start = 0
    while start < len(pending):
        target = max(remaining // (workers * GUIDED_FRACTION), smallest)
        end, task_bytes = start, 0
        while end < len(pending) and (task_bytes < target or end == start):
            task_bytes += sizes[end]
            end += 1
        tasks.append(pending[start:end])
        remaining -= task_bytes
        start = end
    return tasks


def analyse(pending: list[tuple[Path, Settings]], options: CheckOptions, jobs: int) -> Iterator[FileOutcome]:
    """The outcome of each pending file, in no particular order."""
    workers = worker_count(jobs)
    if workers <= 1 or len(pending) < PARALLEL_THRESHOLD:
        for path, settings in pending:
            yield _safe_check_one(path, settings, options)
        return
    tasks = tasks_for(pending, workers)
    # Forked, the workers start with the engine and the rules this process has imported.
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as executor:
        futures: dict[Future[list[FileOutcome]], list[tuple[Path, Settings]]] = {
            executor.submit(_check_batch, task, options): task for task in tasks
        }
        for future in as_completed(futures):
            try:
                outcomes = future.result()
            except Exception:
                outcomes = [_safe_check_one(path, settings, options) for path, settings in futures[future]]
            yield from outcomes
