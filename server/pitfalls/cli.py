"""The ``pitfalls`` command: ``check``, ``rule``, ``rules`` and ``server``."""

from __future__ import annotations

import argparse
import difflib
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pitfalls import __version__
from pitfalls.analysis import (
    AnalysisResult,
    analysis_error,
    analyze_bytes,
    analyze_file,
    read_source_bytes,
)
from pitfalls.cache import CACHE_DIRECTORY_NAME, ResultsCache, content_hash, tree_stamp
from pitfalls.config import ConfigError, Settings, config_file_in, load_settings, settings_from_config_file
from pitfalls.discovery import discover
from pitfalls.fixes import apply_fixes
from pitfalls.inference import project_root
from pitfalls.model import Applicability, Finding
from pitfalls.output import FORMATS, WRITERS, FileReport, display_path, write_statistics
from pitfalls.rules import RULES, rule_for
from pitfalls.source import utf8_sig_aware_encoding

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
PARALLEL_THRESHOLD = 24
"""Below this many files to analyse, starting worker processes costs more than it saves."""


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
    from pitfalls.rules import LOAD_ERRORS

    for error in LOAD_ERRORS:
        print(f"pitfalls: internal error: {error} (its rule is disabled; please report it)", file=sys.stderr)
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


def command_rule(code: str) -> int:
    from pitfalls.docs import render_rule

    rule = rule_for(code)
    if rule is None:
        known = ", ".join(item.code for item in RULES)
        print(f"pitfalls: unknown rule {code!r}; known rules: {known}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(render_rule(rule).split("\n", 1)[1])
    return EXIT_CLEAN


def command_rules(output_format: str) -> int:
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


@dataclass
class CheckOptions:
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False


@dataclass
class FileOutcome:
    path: Path
    findings: list[dict[str, Any]]
    failures: list[tuple[str, str]] = field(default_factory=list)
    fixed: int = 0
    diff: str = ""
    digest: str | None = None
    cacheable: bool = True
    depends_on_other_files: bool = False


def check_one(path: Path, settings: Settings, options: CheckOptions) -> FileOutcome:
    """Analyse (and with --fix or --diff, fix) one file. Runs in worker processes too."""
    try:
        data = read_source_bytes(path)
    except OSError:
        result = analyze_file(path, settings)
        return FileOutcome(path, [finding.to_dict() for finding in result.findings])
    digest = content_hash(data)
    result = (
        analyze_file(path, settings)
        if b"\0" in data[:8192]
        else analyze_bytes(data, path=path, settings=settings, infer_types=True)
    )
    outcome = FileOutcome(
        path,
        [finding.to_dict() for finding in result.findings],
        [(failure.code, failure.error) for failure in result.failures],
        digest=digest,
        cacheable=not result.failures,
        depends_on_other_files=result.depends_on_other_files,
    )
    if (options.fix or options.diff) and result.text is not None and _has_wanted_fix(result, options):
        fixed_text, count = apply_fixes(
            result.text, path=path, settings=settings, unsafe=options.unsafe_fixes
        )
        if count:
            outcome.fixed = count
            if options.diff:
                outcome.diff = "".join(
                    difflib.unified_diff(
                        result.text.splitlines(keepends=True),
                        fixed_text.splitlines(keepends=True),
                        fromfile=display_path(path),
                        tofile=display_path(path),
                    )
                )
            else:
                path.write_bytes(fixed_text.encode(utf8_sig_aware_encoding(data)))
                after = analyze_bytes(read_source_bytes(path), path=path, settings=settings, infer_types=True)
                outcome.findings = [finding.to_dict() for finding in after.findings]
    return outcome


def _has_wanted_fix(result: AnalysisResult, options: CheckOptions) -> bool:
    return any(
        finding.fix is not None and (options.unsafe_fixes or finding.fix.applicability is Applicability.SAFE)
        for finding in result.findings
    )


def _check_batch(batch: list[tuple[Path, Settings]], options: CheckOptions) -> list[FileOutcome]:
    return [check_one(path, settings, options) for path, settings in batch]


class SettingsResolver:
    """Settings per directory: the nearest configuration file, then the command-line flags.

    Each directory is looked at once: one without a configuration file shares its parent's
    settings, so a tree under one file has one ``Settings`` (and one cache) for all of it."""

    def __init__(self, overrides: Callable[[Settings], Settings], fixed_config: Path | None) -> None:
        self.overrides = overrides
        self.fixed: Settings | None = None
        if fixed_config is not None:
            if not fixed_config.is_file():
                raise ConfigError(f"{fixed_config}: no such configuration file")
            self.fixed = overrides(load_settings(fixed_config))
        self._by_directory: dict[str, Settings] = {}

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
                settings = self.overrides(settings_from_config_file(*found))
            elif current.parent == current:
                settings = self.overrides(Settings(root=Path.cwd()))
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

    def overrides(settings: Settings) -> Settings:
        return settings.overridden(
            select=arguments.select, extend_select=arguments.extend_select, ignore=arguments.ignore
        )

    resolver = SettingsResolver(overrides, arguments.config)
    paths = arguments.paths or [Path(".")]
    for path in paths:
        if not path.exists():
            print(f"pitfalls: {path}: no such file or directory", file=sys.stderr)
            return EXIT_ERROR
    files = list(discover(paths, resolver.for_directory, respect_gitignore=not arguments.no_gitignore))
    use_cache = not arguments.no_cache and not options.fix and not options.diff
    outcomes = _run(files, resolver, options, use_cache, arguments)

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
        write_statistics(reports, out)
    else:
        WRITERS[output_format]([report for report in reports if report.findings], out)
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
    use_cache: bool,
    arguments: argparse.Namespace,
) -> list[FileOutcome]:
    caches: dict[str, ResultsCache] = {}
    cache_dir = arguments.cache_dir or Path.cwd() / CACHE_DIRECTORY_NAME
    outcomes: dict[Path, FileOutcome] = {}
    pending: list[tuple[Path, Settings]] = []
    project_stamps: dict[Path, str] = {}

    def stamp_of(path: Path) -> str:
        root = project_root(path)
        if root not in project_stamps:
            project_stamps[root] = tree_stamp(list(discover([root], resolver.for_directory)))
        return project_stamps[root]

    for path in files:
        settings = resolver.for_file(path)
        if use_cache:
            fingerprint = settings.fingerprint()
            cache = caches.get(fingerprint)
            if cache is None:
                cache = caches[fingerprint] = ResultsCache(cache_dir, fingerprint)
            try:
                digest = content_hash(read_source_bytes(path))
            except OSError:
                digest = None
            cached = cache.get(path, digest, stamp_of) if digest is not None else None
            if cached is not None:
                outcomes[path] = FileOutcome(path, cached, digest=digest)
                continue
        pending.append((path, settings))

    for outcome in _analyse(pending, options, arguments.jobs):
        outcomes[outcome.path] = outcome
        if use_cache and outcome.digest is not None and outcome.cacheable:
            settings = resolver.for_file(outcome.path)
            caches[settings.fingerprint()].put(
                outcome.path,
                outcome.digest,
                outcome.findings,
                stamp_of(outcome.path) if outcome.depends_on_other_files else None,
            )
    for cache in caches.values():
        cache.save()
    return [outcomes[path] for path in files]


def _analyse(pending: list[tuple[Path, Settings]], options: CheckOptions, jobs: int) -> Iterable[FileOutcome]:
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if workers <= 1 or len(pending) < PARALLEL_THRESHOLD:
        for path, settings in pending:
            yield _safe_check_one(path, settings, options)
        return
    batch_size = max(4, min(64, len(pending) // (workers * 4) or 1))
    batches = [pending[index : index + batch_size] for index in range(0, len(pending), batch_size)]
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        futures = [executor.submit(_check_batch, batch, options) for batch in batches]
        for batch, future in zip(batches, futures, strict=True):
            try:
                yield from future.result()
            except Exception:
                for path, settings in batch:
                    yield _safe_check_one(path, settings, options)


def _safe_check_one(path: Path, settings: Settings, options: CheckOptions) -> FileOutcome:
    try:
        return check_one(path, settings, options)
    except Exception as error:
        finding = analysis_error(f"could not analyze: internal error: {type(error).__name__}: {error}")
        return FileOutcome(path, [finding.to_dict()])


__all__ = ["main"]
