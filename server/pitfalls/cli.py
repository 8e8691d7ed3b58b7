"""The ``pitfalls`` command: ``check``, ``rule``, ``rules`` and ``server``.

A ``check`` whose files are all in the results cache imports neither the engine nor the
rules (``pitfalls.workers`` and ``pitfalls.rules``): they cost more than the rest of such a
run. Keep imports at the top of this module light.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pitfalls import __version__
from pitfalls.cache import (
    CACHE_DIRECTORY_NAME,
    ResultsCache,
    Stamp,
    dependency_paths,
    load_catalogue,
    paths_stamp,
    save_catalogue,
    tree_stamp,
)
from pitfalls.catalogue import Catalogue, loaded_catalogue
from pitfalls.checking import CheckOptions, FileOutcome
from pitfalls.config import ConfigError, Settings, config_file_in, load_settings, settings_from_config_file
from pitfalls.discovery import discover
from pitfalls.model import Applicability, Finding
from pitfalls.output import FORMATS, WRITERS, FileReport, display_path, write_statistics
from pitfalls.projects import project_root

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _selector_list(text: str) -> list[str]:
    return [item for item in (part.strip() for part in text.split(",")) if item]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pitfalls",
        description="Catch the production pitfalls that ordinary Python linters miss.",
    )
    parser.add_argument("--version", action="version", version=f"pitfalls {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check files and directories (default: .)")
    check.add_argument("paths", nargs="*", type=Path, default=[], metavar="PATH")
    check.add_argument(
        "--output-format", choices=FORMATS, default=None, help="how to print findings (default: full)"
    )
    check.add_argument(
        "--select", type=_selector_list, help="comma-separated rule codes, prefixes or slugs to enable"
    )
    check.add_argument(
        "--extend-select", type=_selector_list, help="rules to enable on top of the configuration"
    )
    check.add_argument("--ignore", type=_selector_list, help="comma-separated rules to disable")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply unsafe fixes"
    )
    check.add_argument("--diff", action="store_true", help="print the fixes as a diff and change nothing")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when pitfalls are found")
    check.add_argument(
        "--statistics", action="store_true", help="print a count per rule instead of each finding"
    )
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the results cache")
    check.add_argument(
        "--cache-dir", type=Path, help=f"where to keep the cache (default: ./{CACHE_DIRECTORY_NAME})"
    )
    check.add_argument("--config", type=Path, help="use this pyproject.toml or pitfalls.toml for every file")
    check.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    check.add_argument("--no-gitignore", action="store_true", help="check files that .gitignore excludes")
    check.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")

    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code", help="a rule code (PF007) or slug (shell-injection)")

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--output-format", choices=("text", "json"), default="text")

    server = commands.add_parser(
        "server", help="run the language server (see `pitfalls server --help`)", add_help=False
    )
    server.add_argument("server_args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "server":
        from pitfalls.lsp.cli import main as server_main

        return server_main(argv[1:])
    if not argv or argv[0] != "check":
        # `check` reports these itself, from the catalogue it uses, which may be cached.
        _report_load_errors(loaded_catalogue())
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_ERROR if exit_.code not in (0, None) else EXIT_CLEAN
    try:
        if arguments.command == "rule":
            return command_rule(arguments.code)
        if arguments.command == "rules":
            return command_rules(arguments.output_format)
        if arguments.command == "check":
            return command_check(arguments)
        parser.print_help()
        return EXIT_CLEAN
    except ConfigError as error:
        print(f"pitfalls: configuration error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _report_load_errors(catalogue: Catalogue) -> None:
    for error in catalogue.load_errors:
        print(f"pitfalls: internal error: {error} (its rule is disabled; please report it)", file=sys.stderr)


def command_rule(code: str) -> int:
    from pitfalls.docs import render_rule
    from pitfalls.rules import RULES, rule_for

    rule = rule_for(code)
    if rule is None:
        known = ", ".join(item.code for item in RULES)
        print(f"pitfalls: unknown rule {code!r}; known rules: {known}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(render_rule(rule).split("\n", 1)[1])
    return EXIT_CLEAN


def command_rules(output_format: str) -> int:
    from pitfalls.rules import RULES

    if output_format == "json":
        data = [
            {
                "code": rule.code,
                "name": rule.slug,
                "summary": rule.summary,
                "severity": rule.severity.name.lower(),
                "fix": rule.has_fix,
                "url": rule.video.url,
                "video_title": rule.video.title,
            }
            for rule in RULES
        ]
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_CLEAN
    for rule in RULES:
        fix = "[fix]" if rule.has_fix else "     "
        print(f"{rule.code}  {rule.slug:<34} {rule.severity.name.lower():<8} {fix} {rule.summary}")
    return EXIT_CLEAN


class SettingsResolver:
    """Settings per directory: the nearest configuration file, then the command-line flags.

    Each directory is looked at once: one without a configuration file shares its parent's
    settings, so a tree under one file has one ``Settings`` (and one cache) for all of it."""

    def __init__(
        self, overrides: Callable[[Settings], Settings], fixed_config: Path | None, catalogue: Catalogue
    ) -> None:
        self.overrides = overrides
        self.catalogue = catalogue
        self.fixed: Settings | None = None
        if fixed_config is not None:
            if not fixed_config.is_file():
                raise ConfigError(f"{fixed_config}: no such configuration file")
            self.fixed = overrides(load_settings(fixed_config, catalogue))
        self._by_directory: dict[str, Settings] = {}

    def _unconfigured(self, root: Path) -> Settings:
        return Settings(enabled=self.catalogue.default_enabled(), root=root)

    def for_directory(self, directory: Path) -> Settings:
        """The settings for the files in ``directory``, an absolute, resolved path."""
        if self.fixed is not None:
            return self.fixed
        unresolved: list[str] = []
        current = directory
        settings = self._by_directory.get(str(current))
        while settings is None:
            unresolved.append(str(current))
            found = config_file_in(current)
            if found is not None:
                settings = self.overrides(settings_from_config_file(*found, catalogue=self.catalogue))
            elif current.parent == current:
                settings = self.overrides(self._unconfigured(Path.cwd()))
            else:
                current = current.parent
                settings = self._by_directory.get(str(current))
        for seen in unresolved:
            self._by_directory[seen] = settings
        return settings

    def for_file(self, path: Path) -> Settings:
        settings = self._by_directory.get(os.path.dirname(path))
        return settings if settings is not None else self.for_directory(path.parent)


def command_check(arguments: argparse.Namespace) -> int:
    options = CheckOptions(fix=arguments.fix, unsafe_fixes=arguments.unsafe_fixes, diff=arguments.diff)

    use_cache = not arguments.no_cache and not options.fix and not options.diff
    cache_dir = arguments.cache_dir or Path.cwd() / CACHE_DIRECTORY_NAME
    cached_catalogue = load_catalogue(cache_dir) if use_cache else None
    catalogue = cached_catalogue or loaded_catalogue()
    _report_load_errors(catalogue)

    def overrides(settings: Settings) -> Settings:
        return settings.overridden(
            select=arguments.select,
            extend_select=arguments.extend_select,
            ignore=arguments.ignore,
            catalogue=catalogue,
        )

    resolver = SettingsResolver(overrides, arguments.config, catalogue)
    paths = arguments.paths or [Path(".")]
    missing: list[Path] = []
    files = list(
        discover(paths, resolver.for_directory, respect_gitignore=not arguments.no_gitignore, missing=missing)
    )
    if missing:
        print(f"pitfalls: {missing[0]}: no such file or directory", file=sys.stderr)
        return EXIT_ERROR
    # `pitfalls check .` at a project's top has just walked what a stamp of the project walks.
    walked: dict[Path, list[Path]] = {}
    if len(paths) == 1 and not arguments.no_gitignore and paths[0].is_dir():
        walked[paths[0].resolve()] = files
    outcomes = _run(files, resolver, options, cache_dir if use_cache else None, arguments.jobs, walked)
    if use_cache and cached_catalogue is None:
        save_catalogue(cache_dir, catalogue)

    reports: list[FileReport] = []
    failures_seen: set[tuple[str, str]] = set()
    fixed_total = 0
    diffs: list[str] = []
    for outcome in outcomes:
        findings = [Finding.from_dict(item) for item in outcome.findings]
        reports.append(FileReport(outcome.path, findings))
        fixed_total += outcome.fixed
        if outcome.diff:
            diffs.append(outcome.diff)
        for code, error in outcome.failures:
            if (code, error) not in failures_seen:
                failures_seen.add((code, error))
                print(
                    f"pitfalls: internal error in rule {code} on {display_path(outcome.path)}: {error} "
                    "(the rule was skipped for this file; please report it)",
                    file=sys.stderr,
                )

    output_format = arguments.output_format or os.environ.get("PITFALLS_OUTPUT_FORMAT") or "full"
    if output_format not in WRITERS:
        print(
            f"pitfalls: unknown output format {output_format!r}; choose one of {', '.join(FORMATS)}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    out = sys.stdout
    found = [finding for report in reports for finding in report.findings]
    if options.diff:
        out.write("".join(diffs))
        if not arguments.quiet:
            print(f"Would fix {fixed_total} pitfall(s).", file=sys.stderr)
    elif arguments.statistics:
        write_statistics(reports, out, catalogue)
    else:
        WRITERS[output_format]([report for report in reports if report.findings], out, catalogue)
    if not arguments.quiet and output_format in ("full", "concise") and not options.diff:
        _print_summary(found, fixed_total, options, len(files))
    if arguments.exit_zero:
        return EXIT_CLEAN
    if options.diff:
        return EXIT_FINDINGS if fixed_total else EXIT_CLEAN
    return EXIT_FINDINGS if found else EXIT_CLEAN


def _print_summary(found: list[Finding], fixed_total: int, options: CheckOptions, file_count: int) -> None:
    safe = sum(1 for f in found if f.fix is not None and f.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for f in found if f.fix is not None and f.fix.applicability is Applicability.UNSAFE)
    if fixed_total:
        print(f"Fixed {fixed_total} pitfall(s).")
    if not found:
        print(f"All checks passed ({file_count} file(s)).")
        return
    print(f"Found {len(found)} pitfall(s) in {file_count} file(s).")
    if safe:
        print(f"[*] {safe} fixable with `pitfalls check --fix`.")
    if unsafe and not options.unsafe_fixes:
        print(f"({unsafe} more fix(es) available with `--fix --unsafe-fixes`.)")


def _run(
    files: list[Path],
    resolver: SettingsResolver,
    options: CheckOptions,
    cache_dir: Path | None,
    jobs: int,
    walked: dict[Path, list[Path]],
) -> list[FileOutcome]:
    """The outcome of every file, from the cache (when ``cache_dir`` is given) or analysed.
    ``walked`` has the files already found under a directory, honouring ``.gitignore``."""
    caches: dict[str, ResultsCache] = {}
    outcomes: dict[Path, FileOutcome] = {}
    pending: list[tuple[Path, Settings]] = []
    roots: dict[Path, Path] = {}
    project_stamps: dict[Path, str] = {}

    def root_of(path: Path) -> Path:
        """The project ``path`` belongs to, worked out once per folder."""
        root = roots.get(path.parent)
        if root is None:
            root = roots[path.parent] = project_root(path)
        return root

    def stamp_of(path: Path) -> str:
        """The stamp of the project that inference read for ``path``, once per project."""
        root = root_of(path)
        if root not in project_stamps:
            files_of_project = walked.get(root)
            if files_of_project is None:
                files_of_project = list(discover([root], resolver.for_directory))
            project_stamps[root] = tree_stamp(files_of_project)
        return project_stamps[root]

    def stamp_for(outcome: FileOutcome) -> Stamp:
        """What the outcome's inferred findings depend on: the files inference read, or,
        when it did not say, the whole project."""
        if outcome.files_read is None:
            return stamp_of(outcome.path)
        paths = dependency_paths(outcome.files_read, outcome.path, root_of(outcome.path))
        return [paths, paths_stamp(paths)]

    def cache_for(settings: Settings) -> ResultsCache:
        fingerprint = settings.fingerprint()
        cache = caches.get(fingerprint)
        if cache is None:
            cache = caches[fingerprint] = ResultsCache(cache_dir, fingerprint)  # type: ignore[arg-type]
        return cache

    for path in files:
        settings = resolver.for_file(path)
        if cache_dir is not None:
            cached = cache_for(settings).get(path, stamp_of)
            if cached is not None:
                outcomes[path] = FileOutcome(path, cached)
                continue
        pending.append((path, settings))

    if pending:
        from pitfalls.workers import analyse

        for outcome in analyse(pending, options, jobs):
            outcomes[outcome.path] = outcome
            if cache_dir is not None and outcome.digest is not None and outcome.cacheable:
                cache_for(resolver.for_file(outcome.path)).put(
                    outcome.path,
                    outcome.digest,
                    outcome.signature,
                    outcome.findings,
                    stamp_for(outcome) if outcome.depends_on_other_files else None,
                )
    for cache in caches.values():
        cache.save()
    return [outcomes[path] for path in files]


__all__ = ["main"]
