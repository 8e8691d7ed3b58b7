"""What the command line needs to know about the rules without importing them.

Resolving ``select`` and ``ignore``, fingerprinting the settings and printing JSON take
each rule's code, slug and video link and nothing else. Importing the rule modules costs
more than a whole warm run over a large tree, so ``pitfalls check`` keeps this summary in
its cache, under a key that changes with the tool's version and its source files, and
imports the rules only when a file actually needs analysing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True, slots=True)
class RuleName:
    code: str
    slug: str
    url: str


@dataclass(frozen=True, slots=True)
class Catalogue:
    rules: tuple[RuleName, ...]
    load_errors: tuple[str, ...] = ()
    """Rule modules that failed to import, reported on every run as the rules report them."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.rules)

    def default_enabled(self) -> frozenset[str]:
        return frozenset(("PF000", *self.codes))

    def url_of(self, code: str) -> str | None:
        return next((rule.url for rule in self.rules if rule.code == code), None)

    def slug_of(self, code: str) -> str:
        return next((rule.slug for rule in self.rules if rule.code == code), "")

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": [[rule.code, rule.slug, rule.url] for rule in self.rules],
            "load_errors": list(self.load_errors),
        }

    @classmethod
    def from_json(cls, data: Any) -> Catalogue | None:
        """The catalogue saved by ``to_json``; None for anything else."""
        try:
            rules = tuple(RuleName(str(code), str(slug), str(url)) for code, slug, url in data["rules"])
            return cls(rules, tuple(str(error) for error in data["load_errors"]))
        except (KeyError, TypeError, ValueError):
            return None


@lru_cache(maxsize=1)
def loaded_catalogue() -> Catalogue:
    """The catalogue of the rules as imported now (this imports them)."""
    from pitfalls.rules import LOAD_ERRORS, RULES

    return Catalogue(
        tuple(RuleName(rule.code, rule.slug, rule.video.url) for rule in RULES), tuple(LOAD_ERRORS)
    )
