"""The engine benchmark counted in CPU instructions, which a shared, noisy machine cannot blur.

    python benchmarks/instructions.py               # ast.parse, the bare walk, all rules
    python benchmarks/instructions.py --each-rule   # and each rule alone (a few minutes more)
    python benchmarks/instructions.py --server ../other-checkout/server   # another version

Needs valgrind (``apt-get install valgrind``). Each measurement runs the 5,000-line fixture
corpus (``corpus.build``) through ``ast.parse`` or ``analyze_source`` in a fresh interpreter under
cachegrind, once with one run and once with three; half the difference is one run, without the
interpreter's start-up and imports. Hash randomisation is fixed, so a count repeats to within a
few hundred thousand instructions. Instructions are not time (a cache miss costs more than an
add), so the timed benchmark in ``run.py`` stays the one to quote against the targets; this one
tells whether a change made the engine do less work when the timed one cannot.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SERVER = HERE.parent / "server"
LINES = 5_000

# Run in the child interpreter: argv is (server dir, what, runs), what one of PARSE, WALK,
# ALL or a rule code.
_CHILD = """
import ast, gc, sys
server, what, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path[:0] = [server, {benchmarks!r}]
from corpus import build
from pitfalls.analysis import ANALYSIS_ERROR, analyze_source
from pitfalls.config import Settings
from pitfalls.rules import RULES
codes = {{rule.code for rule in RULES}} if what == "ALL" else set() if what in ("PARSE", "WALK") else {{what}}
settings = Settings(enabled=frozenset(codes | {{ANALYSIS_ERROR}}), timeout=600)
text = build({lines})
gc.disable()
for _ in range(runs):
    if what == "PARSE":
        ast.parse(text)
    else:
        analyze_source(text, path="bench.py", settings=settings)
"""
_TOTAL = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(server: Path, what: str, runs: int) -> int:
    """Instructions executed by a fresh interpreter that does ``what`` ``runs`` times."""
    child = _CHILD.format(benchmarks=str(HERE), lines=LINES)
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-c",
        child,
        str(server),
        what,
        str(runs),
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    environment.pop("PYTHONPATH", None)
    finished = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    match = _TOTAL.search(finished.stderr)
    if finished.returncode != 0 or match is None:
        tail = "\n".join(finished.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"valgrind failed for {what}:\n{tail}")
    return int(match.group(1).replace(",", ""))


def per_run(server: Path, what: str) -> float:
    """Million instructions of one run of ``what``."""
    return (instructions(server, what, 3) - instructions(server, what, 1)) / 2 / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--server", type=Path, default=DEFAULT_SERVER, help="the pitfalls package's parent folder"
    )
    parser.add_argument("--each-rule", action="store_true", help="also each rule alone on top of the walk")
    arguments = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    server = arguments.server.resolve()
    sys.path.insert(0, str(server))
    from pitfalls.analysis import ANALYSIS_ERROR
    from pitfalls.rules import RULES

    parse = per_run(server, "PARSE")
    walk = per_run(server, "WALK")
    every_rule = per_run(server, "ALL")
    print(f"{LINES:,}-line fixture corpus, million instructions per analysis ({server})\n")
    print("| measure | instructions | / ast.parse |")
    print("|---|---|---|")
    for name, count in (("ast.parse", parse), ("walk, no rule", walk), ("all rules", every_rule)):
        print(f"| {name} | {count:.0f}M | {count / parse:.2f}x |")
    if arguments.each_rule:
        print("\n| rule alone, on top of the walk | instructions | / ast.parse |")
        print("|---|---|---|")
        costs = [
            (rule.code, per_run(server, rule.code) - walk) for rule in RULES if rule.code != ANALYSIS_ERROR
        ]
        for code, extra in sorted(costs, key=lambda cost: -cost[1]):
            print(f"| {code} | {extra:.0f}M | {extra / parse:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
