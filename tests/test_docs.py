"""Rule documentation: complete for every rule, and the generated pages up to date."""

from __future__ import annotations

import ast
import re

import pytest

from conftest import ROOT
from pitfalls.docs import expected_pages
from pitfalls.rules import RULES

CATALOGUE_SLUGS = {
    "PF000": "analysis-error",
    "PF001": "mutable-default-argument",
    "PF002": "decimal-from-float",
    "PF003": "shared-cached-mutable",
    "PF004": "cache-stampede",
    "PF005": "query-in-loop",
    "PF006": "ack-before-commit",
    "PF007": "shell-injection",
    "PF008": "gather-without-return-exceptions",
    "PF009": "writes-without-transaction",
    "PF010": "unsafe-deserialization",
    "PF011": "cache-key-missing-locale",
    "PF012": "bare-except",
}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_identity_matches_the_catalogue(rule) -> None:
    assert CATALOGUE_SLUGS[rule.code] == rule.slug


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_section_is_written(rule) -> None:
    doc = rule.doc
    for section in (doc.what_it_does, doc.why_it_bites, doc.fix_safety):
        assert len(section.split()) >= 8, f"{rule.code}: a documentation section is too thin: {section!r}"
    for section in (doc.example, doc.use_instead):
        blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
        assert blocks, f"{rule.code}: the example sections need a ```python block"
        if rule.code == "PF000" and section is doc.example:
            continue  # its example is, by design, code that does not parse
        for block in blocks:
            ast.parse(block)
    assert rule.video.url.startswith("https://")


def test_seed_videos_are_linked() -> None:
    catalogue = ROOT.parent / "shared" / "seed" / "catalogue.md"
    if not catalogue.exists():
        pytest.skip("the seed catalogue is not beside this checkout")
    text = catalogue.read_text(encoding="utf-8")
    for rule in RULES:
        if rule.code in ("PF000",):
            continue
        row = next(line for line in text.splitlines() if line.startswith(f"| {rule.code} |"))
        assert rule.video.url in row, f"{rule.code} links {rule.video.url}, the catalogue says {row}"


def test_generated_pages_are_fresh() -> None:
    directory = ROOT / "docs" / "rules"
    stale = []
    for name, text in expected_pages().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    assert not stale, f"docs/rules is stale for {stale}: run `python -m pitfalls.docs`"


def test_every_rule_module_loads() -> None:
    from pitfalls.rules import LOAD_ERRORS

    assert not LOAD_ERRORS
