"""Benchmark 3 and the first half of 4: whole trees through ``pitfalls check`` and the
Python-implemented tools people use for the same checks, on the same files, in the same run."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from processes import Measured, run_measured

import pitfalls

RUFF_RULES = "B006,E722,RUF032,S301,S602,S605"
BANDIT_TESTS = "B301,B602,B605"
PYLINT_MESSAGES = "W0102,W0702"
SKIPPED_DIRECTORIES = {"site-packages", "__pycache__", ".git", ".pitfalls_cache"}


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
    shutil.copytree(Path(pitfalls.__file__).parent, Path(snapshot.name) / "pitfalls")
    environment = {**os.environ, "PYTHONPATH": snapshot.name}

    def measure(tool: str, command: list[str], chosen: list[Path], chosen_lines: int) -> Measured:
        progress(f"  {name}: {tool} on {len(chosen)} files ...")
        measured = run_measured(command, cwd=root, limit=limit, env=environment)
        rows.append(ToolRow(name, tool, len(chosen), chosen_lines, measured))
        if measured.returncode not in (0, 1) and not measured.timed_out:
            progress(f"    {tool} exited {measured.returncode}: {measured.stderr.strip()[-400:]}")
        return measured

    with tempfile.TemporaryDirectory(prefix="pitfalls-bench-cache-") as cache:
        cache_dir = Path(cache)
        measure("pitfalls cold", pitfalls_command(files, cache_dir), files, lines)
        measure("pitfalls warm", pitfalls_command(files, cache_dir), files, lines)
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
