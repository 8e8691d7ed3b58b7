"""The results cache of `pitfalls check`: what it re-reads, what it re-analyses, what it keys on.

The command runs in this process (``--jobs 1``) so that the tests can count the files it
reads and analyses; the cache directory is the test's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import pitfalls.cache
import pitfalls.workers
from pitfalls.catalogue import Catalogue, RuleName, loaded_catalogue
from pitfalls.cli import main

MUTABLE = "def handle(payload, trace=[]):\n    trace.append(payload)\n    return trace\n"
TUPLED = "def handle(payload, trace=()):\n    trace.append(payload)\n    return trace\n"
BARE = "try:\n    import json\nexcept:\n    json = None\n"


class Counters:
    def __init__(self) -> None:
        self.analysed: list[str] = []
        self.hashed: list[str] = []


@pytest.fixture
def counters(monkeypatch: pytest.MonkeyPatch) -> Counters:
    counted = Counters()
    check_one = pitfalls.workers.check_one
    read_regular_file = pitfalls.cache.read_regular_file

    def counting_check_one(path: Path, *arguments: object) -> object:
        counted.analysed.append(path.name)
        return check_one(path, *arguments)  # type: ignore[arg-type]

    def counting_read(path: Path) -> tuple[os.stat_result, bytes]:
        counted.hashed.append(Path(path).name)
        return read_regular_file(path)

    monkeypatch.setattr(pitfalls.workers, "check_one", counting_check_one)
    monkeypatch.setattr(pitfalls.cache, "read_regular_file", counting_read)
    return counted


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "handlers.py").write_text(MUTABLE, encoding="utf-8")
    (tmp_path / "startup.py").write_text(BARE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    pitfalls.cache.tool_key.cache_clear()
    yield tmp_path
    pitfalls.cache.tool_key.cache_clear()


def check(project: Path, counters: Counters, *arguments: str) -> list[tuple[str, str]]:
    """Run `pitfalls check` on the project; the (file, code) of each finding."""
    counters.analysed.clear()
    counters.hashed.clear()
    command = ["check", "--jobs", "1", "--output-format", "json", "--cache-dir", str(project / "cache")]
    output_file = project / "out.json"
    stdout = sys.stdout
    with output_file.open("w", encoding="utf-8") as stream:
        sys.stdout = stream
        try:
            main([*command, *arguments, "handlers.py", "startup.py"])
        finally:
            sys.stdout = stdout
    items = json.loads(output_file.read_text(encoding="utf-8"))
    return sorted((Path(item["filename"]).name, item["code"]) for item in items)


def age(path: Path, seconds: float = 60) -> None:
    """Move the file's modification time into the past, as if written long ago."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns - int(seconds * 1e9)))


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust a file's times at once (otherwise a file written by the test would need two
    seconds before its times could stand for its bytes)."""
    monkeypatch.setattr(pitfalls.cache, "RACY_SECONDS", 0.0)


FOUND = [("handlers.py", "PF001"), ("startup.py", "PF012")]


def test_an_unchanged_file_is_neither_read_nor_analysed(
    project: Path, counters: Counters, no_racy_window: None
) -> None:
    assert check(project, counters) == FOUND
    assert sorted(counters.analysed) == ["handlers.py", "startup.py"]
    assert check(project, counters) == FOUND
    assert counters.analysed == [] and counters.hashed == []


def test_an_edit_of_the_same_size_that_moves_the_mtime_is_analysed_again(
    project: Path, counters: Counters, no_racy_window: None
) -> None:
    handlers = project / "handlers.py"
    check(project, counters)
    assert len(TUPLED) == len(MUTABLE)
    handlers.write_text(TUPLED, encoding="utf-8")
    age(handlers)  # another modification time, whatever the clock's granularity
    assert check(project, counters) == [("startup.py", "PF012")]
    assert counters.analysed == ["handlers.py"]


def test_an_edit_that_puts_the_old_mtime_back_is_still_seen(
    project: Path, counters: Counters, no_racy_window: None
) -> None:
    handlers = project / "handlers.py"
    check(project, counters)
    before = handlers.stat()
    handlers.write_text(TUPLED, encoding="utf-8")
    os.utime(handlers, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert handlers.stat().st_size == before.st_size and handlers.stat().st_mtime_ns == before.st_mtime_ns
    # Only the status-change time differs, which no program can set back.
    assert check(project, counters) == [("startup.py", "PF012")]
    assert counters.analysed == ["handlers.py"]


def test_a_touched_file_is_hashed_once_and_not_analysed(
    project: Path, counters: Counters, no_racy_window: None
) -> None:
    handlers = project / "handlers.py"
    check(project, counters)
    age(handlers)
    assert check(project, counters) == FOUND
    assert counters.hashed == ["handlers.py"] and counters.analysed == []
    # Its new times were recorded: the next run reads nothing.
    assert check(project, counters) == FOUND
    assert counters.hashed == [] and counters.analysed == []


def test_times_too_recent_to_trust_mean_the_file_is_hashed(
    project: Path, counters: Counters, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files written a moment ago: a write in the same clock tick would not move their times.
    check(project, counters)
    assert check(project, counters) == FOUND
    assert sorted(counters.hashed) == ["handlers.py", "startup.py"] and counters.analysed == []
    # Once they are old enough, the next run records their times, and the one after trusts them.
    monkeypatch.setattr(pitfalls.cache, "RACY_SECONDS", 0.0)
    check(project, counters)
    assert sorted(counters.hashed) == ["handlers.py", "startup.py"] and counters.analysed == []
    assert check(project, counters) == FOUND
    assert counters.hashed == [] and counters.analysed == []


def test_a_future_modification_time_is_not_trusted(
    project: Path, counters: Counters, no_racy_window: None
) -> None:
    check(project, counters)
    age(project / "handlers.py", -3600)  # a clock set wrong, or a file from another machine
    check(project, counters)
    check(project, counters)
    assert counters.hashed == ["handlers.py"] and counters.analysed == []


def test_a_settings_change_is_a_different_cache(
    project: Path, counters: Counters, no_racy_window: None
) -> None:
    check(project, counters)
    (project / "pitfalls.toml").write_text('ignore = ["PF012"]\n', encoding="utf-8")
    assert check(project, counters) == [("handlers.py", "PF001")]
    assert sorted(counters.analysed) == ["handlers.py", "startup.py"]
    assert check(project, counters, "--select", "PF012") == [("startup.py", "PF012")]
    assert sorted(counters.analysed) == ["handlers.py", "startup.py"]


@pytest.mark.parametrize("what", ["source", "version", "python"])
def test_a_different_tool_is_a_different_cache(
    project: Path, counters: Counters, no_racy_window: None, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    check(project, counters)
    if what == "source":
        monkeypatch.setattr(pitfalls.cache, "_code_fingerprint", lambda: "a rule was edited")
    elif what == "version":
        monkeypatch.setattr(pitfalls.cache, "__version__", "99.0")
    else:
        monkeypatch.setattr(pitfalls.cache, "_interpreter", lambda: "cpython 3.99.0")
    pitfalls.cache.tool_key.cache_clear()
    assert check(project, counters) == FOUND
    assert sorted(counters.analysed) == ["handlers.py", "startup.py"]


def test_the_code_fingerprint_follows_the_tool_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pitfalls"
    (package / "rules").mkdir(parents=True)
    (package / "cache.py").write_text("", encoding="utf-8")
    (package / "rules" / "pf001_rule.py").write_text("CODE = 1\n", encoding="utf-8")
    monkeypatch.setattr(pitfalls.cache, "__file__", str(package / "cache.py"))
    pitfalls.cache._code_fingerprint.cache_clear()
    try:
        before = pitfalls.cache._code_fingerprint()
        (package / "rules" / "pf001_rule.py").write_text("CODE = 22\n", encoding="utf-8")
        pitfalls.cache._code_fingerprint.cache_clear()
        assert pitfalls.cache._code_fingerprint() != before
    finally:
        pitfalls.cache._code_fingerprint.cache_clear()


def test_a_corrupt_cache_is_ignored(project: Path, counters: Counters, no_racy_window: None) -> None:
    check(project, counters)
    for cache_file in (project / "cache").rglob("*.json"):
        cache_file.write_text("{not json", encoding="utf-8")
    assert check(project, counters) == FOUND
    assert sorted(counters.analysed) == ["handlers.py", "startup.py"]
    assert check(project, counters) == FOUND and counters.analysed == []


def test_the_catalogue_survives_its_file() -> None:
    catalogue = Catalogue((RuleName("PF001", "mutable-default-argument", "https://video"),), ("broken",))
    assert Catalogue.from_json(json.loads(json.dumps(catalogue.to_json()))) == catalogue
    assert Catalogue.from_json({"rules": [["PF001"]], "load_errors": []}) is None
    assert Catalogue.from_json(None) is None
    assert loaded_catalogue().codes[0] == "PF000"


WARM_RUN = """
import json, sys
from pitfalls.cli import main
main(sys.argv[1:])
heavy = {"pitfalls.analysis", "pitfalls.engine", "pitfalls.rules", "jedi"} & set(sys.modules)
print(json.dumps(sorted(heavy)))
"""


def test_a_warm_run_imports_neither_engine_nor_rules_nor_jedi(tmp_path: Path) -> None:
    (tmp_path / "handlers.py").write_text(MUTABLE, encoding="utf-8")
    (tmp_path / "startup.py").write_text(BARE, encoding="utf-8")
    for path in tmp_path.glob("*.py"):
        age(path)
    command = [sys.executable, "-c", WARM_RUN, "check", "--output-format", "json", "."]
    cold = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    warm = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    cold_output, cold_imports = cold.stdout.rstrip("\n").rsplit("\n", 1)
    warm_output, warm_imports = warm.stdout.rstrip("\n").rsplit("\n", 1)
    assert {"pitfalls.analysis", "pitfalls.rules"} <= set(json.loads(cold_imports))
    assert json.loads(warm_imports) == [], warm.stderr
    assert warm_output == cold_output and len(json.loads(warm_output)) == 2
