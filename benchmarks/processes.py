"""Running a command with a time bound while sampling the memory of its whole process tree."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.05


@dataclass
class Measured:
    seconds: float
    peak_tree_mb: float
    """The largest sum of resident memory over the command and its workers at one moment."""
    peak_process_mb: float
    """The largest resident memory of any one process of the tree."""
    returncode: int | None
    timed_out: bool
    stderr: str
    cpu_seconds: float = 0.0
    """User plus system CPU time of the command and every worker it waited for: unlike wall
    time, it hardly moves when other work competes for the cores."""


def tree_rss(process: psutil.Process) -> tuple[int, int]:
    """(sum, largest) resident bytes of a process and its descendants; gone processes count 0."""
    total = largest = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for member in members:
        try:
            rss = member.memory_info().rss
        except psutil.Error:
            continue
        total += rss
        largest = max(largest, rss)
    return total, largest


def run_measured(
    command: list[str], *, cwd: Path, limit: float, env: dict[str, str] | None = None
) -> Measured:
    """Run ``command`` to completion or for at most ``limit`` seconds (then kill its group)."""
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
        text=True,
        errors="replace",
    )
    watched = psutil.Process(child.pid)
    peaks = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total, largest = tree_rss(watched)
            peaks[0] = max(peaks[0], total)
            peaks[1] = max(peaks[1], largest)
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timed_out = False
    try:
        _, stderr = child.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(child.pid, signal.SIGKILL)
        _, stderr = child.communicate()
    elapsed = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    done.set()
    sampler.join()
    return Measured(
        seconds=elapsed,
        peak_tree_mb=peaks[0] / 2**20,
        peak_process_mb=peaks[1] / 2**20,
        returncode=child.returncode,
        timed_out=timed_out,
        stderr=stderr[-2000:],
        cpu_seconds=cpu,
    )
