"""Benchmark 3 and the first half of 4: whole trees through ``pitfalls check`` and the
Python-implemented tools people use for the same checks, on the same files, in the same run."""

from __future__ import annotations

import compileall
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from processes import Measured, run_measured

import pitfalls
from pitfalls.catalogue import loaded_catalogue
from pitfalls.cli import SettingsResolver
from pitfalls.discovery import discover

RUFF_RULES = "B006,E722,RUF032,S301,S602,S605"
BANDIT_TESTS = "B301,B602,B605"
PYLINT_MESSAGES = "W0102,W0702"
SKIPPED_DIRECTORIES = {"site-packages", "__pycache__", ".git", ".pitfalls_cache"}
WARM_RUNS = 3


@dataclass
class ToolRow:
    tree: str
    tool: str
    files: int
    lines: int
    run: Measured

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.run.seconds if self.run.seconds else 0.0

    @property
    def lines_per_cpu_second(self) -> float:
        return self.lines / self.run.cpu_seconds if self.run.cpu_seconds else 0.0

    @property
    def cores_busy(self) -> float:
        """CPU time over wall time: how many cores the tool kept busy on average."""
        return self.run.cpu_seconds / self.run.seconds if self.run.seconds else 0.0


@dataclass
class DiscoveryRow:
    what: str
    files: int
    milliseconds: float


def python_files(root: Path) -> list[Path]:
    """Every ``.py`` file under ``root`` (installed packages excluded), relative, sorted."""
    found = [
        path.relative_to(root)
        for path in root.rglob("*.py")
        if not SKIPPED_DIRECTORIES.intersection(path.relative_to(root).parts[:-1]) and path.is_file()
    ]
    return sorted(found)


def count_lines(root: Path, files: list[Path]) -> int:
    return sum((root / path).read_bytes().count(b"\n") for path in files)


def _tool(name: str) -> str:
    """A console script installed next to this interpreter, or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed: pip install {name}")
    return found


def pitfalls_command(files: list[Path], cache_dir: Path | None) -> list[str]:
    cache = ["--cache-dir", str(cache_dir)] if cache_dir is not None else ["--no-cache"]
    return [
        sys.executable,
        "-m",
        "pitfalls",
        "check",
        "--no-gitignore",
        "--exit-zero",
        "--quiet",
        "--output-format",
        "concise",
        *cache,
        *map(str, files),
    ]


def ruff_command(files: list[Path]) -> list[str]:
    return [
        _tool("ruff"),
        "check",
        "--isolated",
        "--no-cache",
        "--select",
        RUFF_RULES,
        "--exit-zero",
        "--quiet",
        "--output-format",
        "concise",
        *map(str, files),
    ]


def bandit_command(files: list[Path]) -> list[str]:
    return [_tool("bandit"), "--quiet", "-t", BANDIT_TESTS, "-f", "txt", *map(str, files)]


def pylint_command(files: list[Path], jobs: int) -> list[str]:
    return [
        _tool("pylint"),
        "--disable=all",
        f"--enable={PYLINT_MESSAGES}",
        "--score=n",
        "--persistent=n",
        f"--jobs={jobs}",
        "--exit-zero",
        *map(str, files),
    ]


def _git_checkout_around(root: Path) -> Path | None:
    for directory in (root, *root.parents):
        if (directory / ".git").exists() and (directory / ".gitignore").exists():
            return directory
    return None


def discovery(root: Path, files: list[Path], repeats: int = 5) -> list[DiscoveryRow]:
    """How long finding the files takes, alone, in this process (best of ``repeats``): the
    benchmark's explicit file list, the walk of the tree, and, when the tree sits in a git
    checkout with a ``.gitignore`` (pyenv's does), the walk of that checkout honouring it,
    which is what a run does to stamp a project whose findings used cross-module inference."""
    walks = [
        ("the file list, as named on the command line", [root / path for path in files], False),
        ("walking the tree, .gitignore not read", [root], False),
    ]
    checkout = _git_checkout_around(root)
    if checkout is not None:
        walks.append((f"walking {checkout}, honouring its .gitignore files", [checkout], True))
    rows = []
    for what, paths, respect_gitignore in walks:
        best, found = float("inf"), 0
        for _ in range(repeats):
            resolver = SettingsResolver(lambda settings: settings, None, loaded_catalogue())
            started = time.perf_counter()
            found = len(list(discover(paths, resolver.for_directory, respect_gitignore=respect_gitignore)))
            best = min(best, time.perf_counter() - started)
        rows.append(DiscoveryRow(what, found, best * 1000))
    return rows


def subset(files: list[Path], every: int) -> list[Path]:
    """A fixed, representative sample: every ``every``-th file in sorted order."""
    return files[::every]


def run(
    name: str,
    root: Path,
    *,
    limit: float,
    pylint_every: int,
    jobs: int,
    with_bandit: bool = True,
    with_pylint: bool = True,
    progress: callable = print,  # type: ignore[valid-type]
) -> list[ToolRow]:
    files = python_files(root)
    lines = count_lines(root, files)
    rows: list[ToolRow] = []
    snapshot = tempfile.TemporaryDirectory(prefix="pitfalls-bench-package-")
    # pitfalls runs from a copy of its package taken now: the results cache is keyed on the
    # package's files, so an edit in the checkout during the run would make "warm" cold.
    package = Path(snapshot.name) / "pitfalls"
    shutil.copytree(Path(pitfalls.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    # Byte-compiled, as `pip install` leaves it (and as Bandit and Pylint are installed): with
    # PYTHONDONTWRITEBYTECODE set, every run would otherwise compile every module it imports.
    compileall.compile_dir(package, quiet=1)
    environment = {**os.environ, "PYTHONPATH": snapshot.name}

    def measure(
        tool: str, command: list[str], chosen: list[Path], chosen_lines: int, runs: int = 1
    ) -> Measured:
        progress(f"  {name}: {tool} on {len(chosen)} files ...")
        results = sorted(
            (run_measured(command, cwd=root, limit=limit, env=environment) for _ in range(runs)),
            key=lambda result: result.seconds,
        )
        measured = results[len(results) // 2]
        rows.append(ToolRow(name, tool, len(chosen), chosen_lines, measured))
        if measured.returncode not in (0, 1) and not measured.timed_out:
            progress(f"    {tool} exited {measured.returncode}: {measured.stderr.strip()[-400:]}")
        return measured

    with tempfile.TemporaryDirectory(prefix="pitfalls-bench-cache-") as cache:
        cache_dir = Path(cache)
        measure("pitfalls cold", pitfalls_command(files, cache_dir), files, lines)
        # A fifth of a second is easily disturbed on a shared machine: the median of three.
        measure("pitfalls warm", pitfalls_command(files, cache_dir), files, lines, runs=WARM_RUNS)
    measure("ruff", ruff_command(files), files, lines)
    if with_bandit:
        measure("bandit", bandit_command(files), files, lines)
    if with_pylint:
        sample = subset(files, pylint_every)
        sample_lines = count_lines(root, sample)
        sample_name = f"1/{pylint_every} sample"
        measure(f"pitfalls cold, {sample_name}", pitfalls_command(sample, None), sample, sample_lines)
        measure(f"pylint -j{jobs}, {sample_name}", pylint_command(sample, jobs), sample, sample_lines)
        if with_bandit:
            measure(f"bandit, {sample_name}", bandit_command(sample), sample, sample_lines)
    snapshot.cleanup()
    return rows
