"""Recall and precision per rule on a labeled corpus (default: tests/heldout).

A labeled file lives in ``<corpus>/PFxxx/``; a line where rule PFxxx must report ends with
``# expect: PFxxx``. Only that rule's findings count in its folder. Run:

    python benchmarks/precision.py [CORPUS] [--details]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from pitfalls.analysis import analyze_source
from pitfalls.config import Settings

ROOT = Path(__file__).resolve().parent.parent
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>PF\d{3}(?:\s*,\s*PF\d{3})*)")


def expected_lines(text: str, code: str) -> set[int]:
    found = set()
    for index, line in enumerate(text.splitlines()):
        match = EXPECT.search(line)
        if match and code in {item.strip() for item in match.group("codes").split(",")}:
            found.add(index)
    return found


def score(corpus: Path, details: bool) -> list[tuple[str, int, int, int]]:
    rows = []
    for folder in sorted(path for path in corpus.glob("PF[0-9][0-9][0-9]") if path.is_dir()):
        code = folder.name
        settings = Settings().overridden(select=[code])
        true_positives = false_negatives = false_positives = 0
        for path in sorted(folder.glob("*.py")):
            text = path.read_text(encoding="utf-8")
            expected = expected_lines(text, code)
            result = analyze_source(text, path=path, settings=settings, infer_types=True)
            actual = {finding.range.start.line for finding in result.findings if finding.code == code}
            true_positives += len(expected & actual)
            missed = sorted(expected - actual)
            extra = sorted(actual - expected)
            false_negatives += len(missed)
            false_positives += len(extra)
            if details:
                lines = text.splitlines()
                for line in missed:
                    print(f"  missed  {path.relative_to(corpus)}:{line + 1}: {lines[line].strip()}")
                for line in extra:
                    print(f"  extra   {path.relative_to(corpus)}:{line + 1}: {lines[line].strip()}")
        rows.append((code, true_positives, false_negatives, false_positives))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT / "tests" / "heldout")
    parser.add_argument("--details", action="store_true", help="list every missed and extra line")
    arguments = parser.parse_args()
    rows = score(arguments.corpus, arguments.details)
    print(f"{'rule':<6} {'TP':>4} {'FN':>4} {'FP':>4} {'recall':>7} {'precision':>9}")
    for code, tp, fn, fp in rows:
        recall = tp / (tp + fn) if tp + fn else 1.0
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"{code:<6} {tp:>4} {fn:>4} {fp:>4} {recall:>7.0%} {precision:>9.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
