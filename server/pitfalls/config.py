"""Configuration: ``[tool.pitfalls]`` in pyproject.toml, or a ``pitfalls.toml``.

The nearest file wins, searching upwards from the checked path; a ``pyproject.toml``
without a ``[tool.pitfalls]`` table is passed over, as Ruff does. Command-line flags
and editor settings override what the file says through ``Settings.overridden``.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from pitfalls.catalogue import Catalogue, loaded_catalogue
from pitfalls.model import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pitfalls_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)
DEFAULT_TIMEOUT_SECONDS = 10.0

_KEYS = {
    "select": 'a list of rule codes, code prefixes ("PF00") or slugs, or "ALL"',
    "ignore": "a list of rule codes, code prefixes or slugs",
    "extend-select": "a list of rule codes, code prefixes or slugs",
    "per-file-ignores": "a table of glob pattern = list of rule codes",
    "severity": 'a table of rule code = "error", "warning", "info" or "hint"',
    "exclude": "a list of glob patterns",
    "extend-exclude": "a list of glob patterns",
    "timeout": "a number of seconds (the analysis budget of one file)",
}


class ConfigError(Exception):
    """A configuration file or flag that cannot be used; the message says why."""


def all_codes(catalogue: Catalogue | None = None) -> tuple[str, ...]:
    """Every rule's code, from ``catalogue`` or else from the rules themselves."""
    return (catalogue or loaded_catalogue()).codes


def resolve_selectors(
    selectors: Iterable[str], where: str, catalogue: Catalogue | None = None
) -> frozenset[str]:
    """Turn codes, prefixes, slugs and ``ALL`` into the set of rule codes they mean."""
    rules = (catalogue or loaded_catalogue()).rules
    codes: set[str] = set()
    for selector in selectors:
        if not isinstance(selector, str):
            raise ConfigError(f"{where}: expected rule codes as strings, got {selector!r}")
        wanted = selector.strip()
        if wanted.upper() == "ALL":
            codes.update(rule.code for rule in rules)
            codes.add("PF000")
            continue
        matched = {
            rule.code for rule in rules if rule.code.startswith(wanted.upper()) or rule.slug == wanted.lower()
        }
        if "PF000".startswith(wanted.upper()):
            matched.add("PF000")
        if not matched:
            known = ", ".join(f"{rule.code} ({rule.slug})" for rule in rules)
            raise ConfigError(f"{where}: unknown rule selector {selector!r}; known rules: {known}")
        codes.update(matched)
    return frozenset(codes)


@dataclass(frozen=True)
class Settings:
    enabled: frozenset[str] = field(default_factory=lambda: frozenset(("PF000", *all_codes())))
    severity: Mapping[str, Severity] = field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    root: Path | None = None
    config_file: Path | None = None

    def codes_for(self, path: str | Path | None) -> frozenset[str]:
        """The rules enabled for one file, after ``per-file-ignores``."""
        if path is None or not self.per_file_ignores:
            return self.enabled
        relative = self._relative(Path(path))
        codes = set(self.enabled)
        for pattern, ignored in self.per_file_ignores:
            if _glob_match(relative, pattern):
                codes -= ignored
        return frozenset(codes)

    def is_excluded(self, path: Path) -> bool:
        return self._exclude_patterns.excludes(self._relative(path))

    def excluded_in(self, directory: Path) -> Callable[[str], bool]:
        """``is_excluded`` for the entries of ``directory`` by name, for walking it: the
        directory's own part of their paths is matched once, not once per entry.
        ``directory`` must be resolved already, and an entry that is a symbolic link is not
        covered: its target's path is what counts."""
        relative = self._relative(directory, resolved=True)
        patterns = self._exclude_patterns
        if relative == ".":
            prefix = ""
        else:
            prefix = relative if relative.endswith("/") else f"{relative}/"
            if patterns.excludes_leading_parts(prefix[:-1]):
                return lambda name: True
        return lambda name: patterns.excludes_last_part(name, prefix + name)

    @cached_property
    def _exclude_patterns(self) -> _ExcludePatterns:
        return _ExcludePatterns((*self.exclude, *self.extend_exclude))

    def overridden(
        self,
        *,
        select: Iterable[str] | None = None,
        extend_select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        severity: Mapping[str, str] | None = None,
        where: str = "command line",
        catalogue: Catalogue | None = None,
    ) -> Settings:
        enabled = self.enabled
        if select is not None:
            # PF000 (the file could not be analysed) stays on unless ignored by name.
            enabled = resolve_selectors(select, f"{where}: select", catalogue) | {"PF000"}
        if extend_select is not None:
            enabled = enabled | resolve_selectors(extend_select, f"{where}: extend-select", catalogue)
        if ignore is not None:
            enabled = enabled - resolve_selectors(ignore, f"{where}: ignore", catalogue)
        severities = dict(self.severity)
        if severity is not None:
            severities.update(_parse_severity_table(severity, f"{where}: severity", catalogue))
        return replace(self, enabled=enabled, severity=severities)

    def fingerprint(self) -> str:
        """A stable text that changes whenever a setting that affects findings changes."""
        return repr(
            (
                sorted(self.enabled),
                sorted((code, int(level)) for code, level in self.severity.items()),
                self.per_file_ignores and [(p, sorted(c)) for p, c in self.per_file_ignores],
                self.timeout,
            )
        )

    def _relative(self, path: Path, resolved: bool = False) -> str:
        if self.root is not None:
            try:
                return PurePosixPath((path if resolved else path.resolve()).relative_to(self.root)).as_posix()
            except ValueError:
                pass
        return PurePosixPath(path).as_posix()


def _glob_match(relative: str, pattern: str) -> bool:
    """Match a path against a glob the way users write excludes: by name or by path."""
    pattern = pattern.rstrip("/")
    parts = relative.split("/")
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    if fnmatch.fnmatchcase(relative, pattern):
        return True
    return any(fnmatch.fnmatchcase("/".join(parts[:index]), pattern) for index in range(1, len(parts)))


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in patterns))


class _ExcludePatterns:
    """Exclude globs compiled into two expressions, matching as ``_glob_match`` does with
    each glob in turn: one without a slash matches any part of the relative path, one with
    a slash the whole path or a leading run of its parts."""

    def __init__(self, patterns: Iterable[str]) -> None:
        stripped = [pattern.rstrip("/") for pattern in patterns]
        self._by_name = _any_of([pattern for pattern in stripped if "/" not in pattern])
        self._by_path = _any_of([pattern for pattern in stripped if "/" in pattern])

    def excludes(self, relative: str) -> bool:
        head, slash, last = relative.rpartition("/")
        if slash and self.excludes_leading_parts(head):
            return True
        return self.excludes_last_part(last, relative)

    def excludes_leading_parts(self, head: str) -> bool:
        """Whether a pattern matches within ``head``, the part of a path before its last slash."""
        parts = head.split("/")
        if self._by_name is not None and any(self._by_name.match(part) for part in parts):
            return True
        by_path = self._by_path
        return by_path is not None and any(
            by_path.match("/".join(parts[:index])) for index in range(1, len(parts) + 1)
        )

    def excludes_last_part(self, name: str, relative: str) -> bool:
        """Whether a pattern matches the last part (``name``) or the whole of ``relative``."""
        if self._by_name is not None and self._by_name.match(name):
            return True
        return self._by_path is not None and self._by_path.match(relative) is not None


def _parse_severity_table(
    table: Mapping[str, Any], where: str, catalogue: Catalogue | None = None
) -> dict[str, Severity]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table of rule code = level, got {table!r}")
    result: dict[str, Severity] = {}
    for selector, level in table.items():
        if not isinstance(level, str):
            raise ConfigError(f"{where}.{selector}: expected a level as a string, got {level!r}")
        try:
            parsed = Severity.parse(level)
        except ValueError as error:
            raise ConfigError(f"{where}.{selector}: {error}") from None
        for code in resolve_selectors([selector], f"{where}", catalogue):
            result[code] = parsed
    return result


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return value


def settings_from_table(
    table: Mapping[str, Any], *, source: str, root: Path | None, catalogue: Catalogue | None = None
) -> Settings:
    """Validate a ``[tool.pitfalls]`` table; every problem names the file and the key."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: [tool.pitfalls] must be a table")
    for key in table:
        if key not in _KEYS:
            allowed = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{source}: unknown key {key!r} in [tool.pitfalls]; allowed: {allowed}")
    enabled = (catalogue or loaded_catalogue()).default_enabled()
    if "select" in table:
        where = f"{source}: select"
        enabled = resolve_selectors(_string_list(table["select"], where), where, catalogue) | {"PF000"}
    if "extend-select" in table:
        where = f"{source}: extend-select"
        enabled |= resolve_selectors(_string_list(table["extend-select"], where), where, catalogue)
    if "ignore" in table:
        where = f"{source}: ignore"
        enabled -= resolve_selectors(_string_list(table["ignore"], where), where, catalogue)
    per_file: list[tuple[str, frozenset[str]]] = []
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: per-file-ignores: {_KEYS['per-file-ignores']}")
        for pattern, codes in raw.items():
            where = f"{source}: per-file-ignores.{pattern!r}"
            per_file.append((pattern, resolve_selectors(_string_list(codes, where), where, catalogue)))
    severity = _parse_severity_table(table.get("severity", {}), f"{source}: severity", catalogue)
    exclude = (
        tuple(_string_list(table["exclude"], f"{source}: exclude")) if "exclude" in table else DEFAULT_EXCLUDE
    )
    extend_exclude = tuple(_string_list(table.get("extend-exclude", []), f"{source}: extend-exclude"))
    timeout = table.get("timeout", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(f"{source}: timeout: {_KEYS['timeout']}, greater than 0; got {timeout!r}")
    return Settings(
        enabled=enabled,
        severity=severity,
        per_file_ignores=tuple(per_file),
        exclude=exclude,
        extend_exclude=extend_exclude,
        timeout=float(timeout),
        root=root,
    )


def find_config_file(start: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The nearest pitfalls.toml or pyproject.toml with a [tool.pitfalls] table."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate_dir in (directory, *directory.parents):
        found = config_file_in(candidate_dir)
        if found is not None:
            return found
    return None


def config_file_in(directory: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The pitfalls.toml, or pyproject.toml with a [tool.pitfalls] table, in ``directory``
    itself, and its table."""
    dedicated = directory / "pitfalls.toml"
    if dedicated.is_file():
        return dedicated, _read_toml(dedicated)
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject)
        tool = data.get("tool", {})
        if isinstance(tool, Mapping) and "pitfalls" in tool:
            return pyproject, tool["pitfalls"]
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None


def load_settings(start: Path, catalogue: Catalogue | None = None) -> Settings:
    """Settings for files under ``start``, from the nearest configuration file."""
    found = find_config_file(start)
    if found is None:
        return Settings(
            enabled=(catalogue or loaded_catalogue()).default_enabled(),
            root=start.resolve() if start.is_dir() else start.resolve().parent,
        )
    return settings_from_config_file(*found, catalogue=catalogue)


def settings_from_config_file(
    path: Path, table: Mapping[str, Any], catalogue: Catalogue | None = None
) -> Settings:
    """The settings of one configuration file, from its (already read) table."""
    settings = settings_from_table(table, source=str(path), root=path.parent, catalogue=catalogue)
    return replace(settings, config_file=path)
