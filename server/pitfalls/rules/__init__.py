"""The rule catalogue, found by module name: ``pfNNN_<slug>.py``, one rule per module."""

from __future__ import annotations

import importlib
import pkgutil

from pitfalls.rules.base import Rule, RuleDoc, Video

LOAD_ERRORS: list[str] = []
"""Rule modules that failed to import: reported by the front ends, never fatal, so one
broken rule cannot take the others (or the editor's server) down with it."""


def _discover() -> tuple[Rule, ...]:
    found: list[Rule] = []
    for module_info in pkgutil.iter_modules(__path__):
        name = module_info.name
        if not (name.startswith("pf") and name[2:5].isdigit()):
            continue
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except Exception as error:
            LOAD_ERRORS.append(f"rule module {name} could not be loaded: {type(error).__name__}: {error}")
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                found.append(value())
    found.sort(key=lambda rule: rule.code)
    return tuple(found)


RULES: tuple[Rule, ...] = _discover()
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def rule_for(code_or_slug: str) -> Rule | None:
    wanted = code_or_slug.strip()
    rule = RULES_BY_CODE.get(wanted.upper())
    if rule is not None:
        return rule
    return next((rule for rule in RULES if rule.slug == wanted.lower()), None)


__all__ = ["LOAD_ERRORS", "RULES", "RULES_BY_CODE", "Rule", "RuleDoc", "Video", "rule_for"]
