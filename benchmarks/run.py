"""Run the pitfalls benchmark suite; print the tables and write ``benchmarks/results/<date>.md``.

    python benchmarks/run.py                      # everything (stdlib; Pylint on a 1/10 sample)
    python benchmarks/run.py --only engine,editor # some parts
    python benchmarks/run.py --project PATH       # also a large real project of your choice

Needs ``pip install -e '.[test]' bandit pylint psutil``. Not part of the test run: the numbers
are measured, never asserted. Ratios within one run are the numbers to quote; absolute times
depend on the machine and on whatever else it is doing.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import editor_bench  # noqa: E402
import engine_bench  # noqa: E402
import tree_bench  # noqa: E402

import pitfalls  # noqa: E402
from pitfalls.rules import RULES  # noqa: E402

PARTS = ("engine", "editor", "tree", "memory")
TARGETS = {
    "engine": "all rules <= 2x ast.parse",
    "editor": "p95 didChange -> diagnostics < 50 ms on 5,000 lines; first diagnostics < 150 ms",
    "tree": ">= 5x faster than Bandit, >= 10x than Pylint, cold; warm >= 20x faster than cold",
    "memory": "server < 150 MB RSS with 500 files open",
}


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, which also reads well in a terminal."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (width + 2) for width in widths) + "|",
    ]
    lines.extend(
        "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        for row in rows
    )
    return "\n".join(lines)


def _version(command: list[str]) -> str:
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    return output.strip().splitlines()[0] if output.strip() else "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_section() -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    tools = [
        (
            "pitfalls",
            f"{pitfalls.__version__} ({len(RULES)} rules: {', '.join(rule.code for rule in RULES)})",
        ),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Ruff", _version([tree_bench._tool("ruff"), "--version"])),
        ("Bandit", _version([tree_bench._tool("bandit"), "--version"])),
        ("Pylint", _version([sys.executable, "-m", "pylint", "--version"])),
    ]
    lines = [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} logical cores; load average at start {load}",
        f"- OS: {platform.platform()}",
        *(f"- {name}: {version}" for name, version in tools),
    ]
    try:
        commit = subprocess.run(
            ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        lines.append(f"- pitfalls commit: {commit or 'unknown'} (plus any uncommitted changes)")
    except OSError:
        pass
    return "\n".join(lines)


def engine_section(repeats: int, trees: list[tuple[str, Path]]) -> str:
    rows, costs, module_count = engine_bench.run(repeats=repeats)
    tree_rows = [engine_bench.tree_run(name, root, tree_bench.python_files(root)) for name, root in trees]
    real = table(
        [
            "tree",
            "files",
            "of which unparsable",
            "lines",
            "ast.parse s",
            "all rules s",
            "all rules / parse",
            "findings",
        ],
        [
            [
                row.name,
                f"{row.files:,}",
                str(row.unparsable),
                f"{row.lines:,}",
                f"{row.parse_ms / 1000:.2f}",
                f"{row.all_rules_ms / 1000:.2f}",
                f"**{row.ratio:.2f}x**",
                str(row.findings),
            ]
            for row in tree_rows
        ],
    )
    main = table(
        ["lines", "ast.parse ms", "walk, no rule ms", "all rules ms", "all rules / parse", "findings"],
        [
            [
                f"{row.lines:,}",
                f"{row.parse_ms:.1f}",
                f"{row.walk_ms:.1f} ({row.walk_ratio:.2f}x)",
                f"{row.all_rules_ms:.1f}",
                f"**{row.ratio:.2f}x**",
                str(row.findings),
            ]
            for row in rows
        ],
    )
    per_rule = table(
        ["rule", "extra ms on 5,000 lines", "extra / parse"],
        [[cost.code, f"{cost.ms:.1f}", f"{cost.share_of_parse:.2f}x"] for cost in costs],
    )
    return (
        f"## 1. Engine vs `ast.parse`\n\nTarget: {TARGETS['engine']}. Corpus: {module_count} fixture and "
        "example modules concatenated (service code), analysed in this process with `analyze_source`; "
        f"CPU time, best of {repeats}, measurements interleaved. 'walk, no rule' is the engine with every "
        "rule off (parse + walk + bookkeeping).\n\n"
        f"{main}\n\nCost of each rule alone on top of the walk:\n\n{per_rule}\n\n"
        "The same on real trees: each file parsed, then analysed with all rules (the fast pass, "
        "no cross-module inference), one after the other in this process, CPU time with the "
        "collector paused for both, summed. Files the running interpreter cannot parse (newer "
        "syntax) are left out of both sums. The fixture corpus has a finding every 16 lines; "
        "real code has far fewer, and less for the rules to do.\n\n"
        f"{real}\n"
    )


def editor_section(edits: int) -> str:
    result = editor_bench.edit_latency(5_000, edits)
    rows = [
        [
            f"{result.lines:,}",
            f"{result.open_ms:.0f}",
            f"{statistics.median(result.more_opens_ms):.0f} ({result.more_opens_ms[0]:.0f}-{result.more_opens_ms[-1]:.0f})",
            str(result.edits),
            f"{result.parseable_edits}",
            f"{result.p50_ms:.0f}",
            f"**{result.p95_ms:.0f}**",
            f"{result.max_ms:.0f}",
            f"{result.handled_p50_ms:.0f} / {result.handled_p95_ms:.0f}",
        ]
    ]
    return (
        f"## 2. Editor latency (pygls client, `pitfalls server` over stdio, debounce 0)\n\n"
        f"Target: {TARGETS['editor']}. Typing a statement character by character above `return` "
        "lines spread over the file; each keystroke is one incremental `didChange`, and the next is "
        "sent when the diagnostics for its version arrive. Then copies of the file are opened one "
        "after the other, half a second apart, in the same server. Each open is a full analysis, "
        "which on two or more cores the server shares with its analysis helper process (see "
        "docs/server.md). Wall-clock times until the "
        "`publishDiagnostics` message is read off the server's stdout; the last column is until "
        "the pygls client has also decoded it into lsprotocol objects (cattrs, the client's own "
        "cost: tens of ms for a few hundred diagnostics, where an editor's `JSON.parse` takes a "
        "millisecond or two) and called its handler.\n\n"
        + table(
            [
                "lines",
                "didOpen -> first diagnostics ms, fresh server",
                f"the same, median of {editor_bench.MORE_OPENS} more opens (range)",
                "edits",
                "of which parse",
                "p50 ms",
                "p95 ms",
                "max ms",
                "decoded by pygls p50 / p95 ms",
            ],
            rows,
        )
        + "\n"
    )


def tree_section(
    trees: list[tuple[str, Path]], limit: float, pylint_every: int, jobs: int
) -> tuple[str, list[tree_bench.ToolRow]]:
    all_rows: list[tree_bench.ToolRow] = []
    discovery_rows: list[list[str]] = []
    for name, root in trees:
        discovery_rows.extend(
            [name, row.what, f"{row.files:,}", f"{row.milliseconds:.1f}"]
            for row in tree_bench.discovery(root, tree_bench.python_files(root))
        )
        all_rows.extend(
            tree_bench.run(
                name,
                root,
                limit=limit,
                pylint_every=pylint_every,
                jobs=jobs,
                progress=lambda message: print(message, file=sys.stderr, flush=True),
            )
        )
    rendered: list[list[str]] = []
    for row in all_rows:
        baseline = _pitfalls_row(all_rows, row)
        stopped = row.run.timed_out
        wall_ratio = cpu_ratio = ""
        if baseline is not None and baseline is not row and not stopped:
            wall_ratio = f"{row.run.seconds / baseline.run.seconds:.1f}x"
            if baseline.run.cpu_seconds:
                cpu_ratio = f"{row.run.cpu_seconds / baseline.run.cpu_seconds:.1f}x"
        rendered.append(
            [
                row.tree,
                row.tool,
                f"{row.files:,}",
                f"{row.lines:,}",
                f"> {limit:.0f} (stopped)" if stopped else _seconds(row.run.seconds),
                _seconds(row.run.cpu_seconds),
                "" if stopped else f"{row.lines_per_second:,.0f}",
                "" if stopped else f"{row.lines_per_cpu_second:,.0f}",
                "" if stopped else f"{row.cores_busy:.2f}",
                wall_ratio,
                cpu_ratio,
                f"{row.run.peak_tree_mb:.0f} / {row.run.peak_process_mb:.0f}",
            ]
        )
    text = (
        f"## 3. Whole trees, and 4a. memory of `pitfalls check`\n\nTargets: {TARGETS['tree']}. "
        "The same files for every tool (explicit file lists; installed packages under "
        "`site-packages` left out), run one after the other in this run. Ruff "
        f"`--select {tree_bench.RUFF_RULES} --no-cache`, Bandit `-t {tree_bench.BANDIT_TESTS}` "
        f"(one process), Pylint `--disable=all --enable={tree_bench.PYLINT_MESSAGES} -j{jobs}`. Pylint "
        f"runs on a fixed sample (every {pylint_every}th file in sorted order) with pitfalls and Bandit "
        "on the same sample. pitfalls uses one worker per core and runs from a copy of its package "
        "taken at the start. 'wall' is elapsed time; 'CPU' is user + system time of the tool and all "
        "its workers, which a busy machine disturbs far less. 'x pitfalls' is the tool's time over "
        "pitfalls' cold time on the same files. 'cores busy' is CPU over wall time. pitfalls' warm "
        f"run is the median of {tree_bench.WARM_RUNS}. Memory is the peak resident memory of the whole "
        "process tree / of its largest process, sampled every 50 ms.\n\n"
        + table(
            [
                "tree",
                "tool",
                "files",
                "lines",
                "wall s",
                "CPU s",
                "lines/s",
                "lines/CPU s",
                "cores busy",
                "x pitfalls (wall)",
                "x pitfalls (CPU)",
                "peak MB tree / process",
            ],
            rendered,
        )
        + "\n\nFinding the files alone (in the benchmark's process, best of 5; the runs above "
        "include it):\n\n" + table(["tree", "what", "files", "ms"], discovery_rows) + "\n"
    )
    return text, all_rows


def _seconds(value: float) -> str:
    """Tenths, or hundredths below a second (a warm run takes a fifth of one)."""
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


def _pitfalls_row(rows: list[tree_bench.ToolRow], row: tree_bench.ToolRow) -> tree_bench.ToolRow | None:
    """The pitfalls cold run a row compares with: same tree and same files."""
    if row.tool == "pitfalls warm":
        # For the warm run the interesting ratio is cold / warm; invert by comparing the other way.
        return None
    for other in rows:
        if other.tree == row.tree and other.tool.startswith("pitfalls cold") and other.files == row.files:
            return other
    return None


def warm_ratio_lines(rows: list[tree_bench.ToolRow]) -> str:
    lines = []
    for row in rows:
        if row.tool == "pitfalls warm":
            cold = next(o for o in rows if o.tree == row.tree and o.tool == "pitfalls cold")
            lines.append(
                f"- {row.tree}: the warm re-run is {cold.run.seconds / row.run.seconds:.1f}x faster than cold "
                f"in wall time, {cold.run.cpu_seconds / max(row.run.cpu_seconds, 1e-9):.1f}x in CPU time"
            )
    return "\n".join(lines)


def memory_section(files_wanted: int) -> str:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = tree_bench.python_files(root)
    step = max(len(files) // files_wanted, 1)
    chosen = files[::step][:files_wanted]
    result = editor_bench.open_many(root, chosen)
    return (
        f"## 4b. Server memory\n\nTarget: {TARGETS['memory']}. {result.files} standard-library files "
        f"({result.lines:,} lines, 1 file in {step} in sorted order) opened one after the other in one "
        "server, each waited for until its diagnostics arrived; then until the server and its two "
        "child processes, the type inference worker (running jedi) and the analysis helper (which "
        "checks half of each first analysis of a file of 1,500 lines or more), were idle "
        f"({result.settle_seconds:.1f} s more). RSS after is measured then; peaks are sampled after "
        "each file and while waiting, and the peak of the sum is the largest sum at one sample. A "
        "worker of 0 MB was never started (no file asked a cross-module type question).\n\n"
        + table(
            [
                "files open",
                "lines",
                "seconds to open all",
                "server RSS after MB",
                "worker RSS after MB",
                "helper RSS after MB",
                "sum after MB",
                "server peak MB",
                "worker peak MB",
                "helper peak MB",
                "peak of the sum MB",
            ],
            [
                [
                    str(result.files),
                    f"{result.lines:,}",
                    f"{result.seconds:.1f}",
                    f"**{result.rss_mb:.0f}**",
                    f"{result.worker_rss_mb:.0f}",
                    f"{result.helper_rss_mb:.0f}",
                    f"**{result.total_mb:.0f}**",
                    f"{result.peak_rss_mb:.0f}",
                    f"{result.worker_peak_rss_mb:.0f}",
                    f"{result.helper_peak_rss_mb:.0f}",
                    f"{result.peak_total_mb:.0f}",
                ]
            ],
        )
        + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {', '.join(PARTS)}")
    parser.add_argument(
        "--project", type=Path, action="append", default=[], help="another tree to check (repeatable)"
    )
    parser.add_argument("--repeats", type=int, default=7, help="engine: runs per measurement (best kept)")
    parser.add_argument("--edits", type=int, default=240, help="editor: typing edits to time")
    parser.add_argument("--open-files", type=int, default=500, help="memory: files to open in the server")
    parser.add_argument("--pylint-every", type=int, default=10, help="Pylint's sample: every Nth file")
    parser.add_argument("--limit", type=float, default=1800, help="seconds any one tool may run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="Pylint's -j")
    parser.add_argument("--output", type=Path, help="results file (default: benchmarks/results/<date>.md)")
    arguments = parser.parse_args(argv)
    parts = [part.strip() for part in arguments.only.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    sections = [f"# pitfalls benchmarks, {datetime.datetime.now():%Y-%m-%d %H:%M}\n", machine_section(), ""]
    print("\n".join(sections), flush=True)

    def emit(text: str) -> None:
        sections.append(text)
        print(text, flush=True)

    trees = [("stdlib", Path(sysconfig.get_paths()["stdlib"]))]
    trees.extend((project.resolve().name, project.resolve()) for project in arguments.project)
    if "engine" in parts:
        emit(engine_section(arguments.repeats, trees))
    if "editor" in parts:
        emit(editor_section(arguments.edits))
    if "tree" in parts:
        text, rows = tree_section(trees, arguments.limit, arguments.pylint_every, arguments.jobs)
        emit(text + "\n" + warm_ratio_lines(rows) + "\n")
    if "memory" in parts:
        emit(memory_section(arguments.open_files))
    emit(
        f"_Suite ran in {time.perf_counter() - started:.0f} s: `python benchmarks/run.py --only {','.join(parts)}`._\n"
    )

    output = arguments.output or HERE / "results" / f"{datetime.date.today():%Y-%m-%d}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(sections), encoding="utf-8")
    print(f"written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
