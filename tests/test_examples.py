"""The demo the README promises: `pitfalls check examples/` shows every rule."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT
from pitfalls.rules import RULES


def test_examples_show_every_rule() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pitfalls", "check", "--no-cache", "--output-format", "json", "examples/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    found = {item["code"] for item in json.loads(result.stdout)}
    expected = {rule.code for rule in RULES if rule.code != "PF000"}
    assert found == expected, f"missing {sorted(expected - found)}, unexpected {sorted(found - expected)}"
