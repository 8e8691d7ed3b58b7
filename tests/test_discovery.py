"""Walking a tree: the compiled excludes match as the globs do one by one, and nested
``.gitignore`` files decide as git's do."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pitfalls.config import DEFAULT_EXCLUDE, Settings, _ExcludePatterns, _glob_match
from pitfalls.discovery import _Ignore, _load_gitignore, discover

PARTS = st.sampled_from(["src", "app", "build", "tests", "a.py", "b_test.py", ".venv", "x", ".", ""])
PATTERNS = st.sampled_from(
    ["build", "*_test.py", "tests/", "src/app", "src/*/x", ".*", "a?py", "[ab]*", "/", "*", "x/", "app/a.py"]
)


@given(st.lists(PARTS, min_size=1, max_size=5), st.lists(PATTERNS, max_size=4))
def test_compiled_excludes_match_as_each_glob_does(parts: list[str], patterns: list[str]) -> None:
    relative = "/".join(parts)
    expected = any(_glob_match(relative, pattern) for pattern in patterns)
    assert _ExcludePatterns(patterns).excludes(relative) == expected


@given(st.lists(PARTS.filter(lambda part: part not in ("", ".")), max_size=4), st.lists(PATTERNS, max_size=4))
def test_excludes_by_directory_match_the_whole_path(parts: list[str], patterns: list[str]) -> None:
    root = Path("/project")
    settings = Settings(enabled=frozenset(), exclude=tuple(patterns), root=root)
    directory = root.joinpath(*parts)
    excluded = settings.excluded_in(directory)
    for name in ("a.py", "build", "b_test.py", "x"):
        assert excluded(name) == settings.is_excluded(directory / name), (directory, name)


def test_default_excludes_leave_ordinary_paths_alone() -> None:
    patterns = _ExcludePatterns(DEFAULT_EXCLUDE)
    assert not patterns.excludes("src/app/models.py")
    assert patterns.excludes("src/.venv/lib/site.py") and patterns.excludes("build/lib/x.py")


GITIGNORE_LINES = st.sampled_from(
    [
        "*.pyc",
        "!keep.pyc",
        "build/",
        "/top",
        "a/**/b",
        "**/gen",
        "docs/*.py",
        "!docs/",
        "[ab]*.py",
        "\\#x",
        "*",
        "!*.py",
        "src/",
        "# a comment",
        "",
        "   ",
        "x?",
        "**",
    ]
)
GITIGNORE_PARTS = st.sampled_from(
    ["a", "b", "src", "build", "docs", "gen", "top", "keep.pyc", "m.py", "#x", "xy"]
)


@given(
    st.lists(GITIGNORE_LINES, max_size=6), st.lists(GITIGNORE_PARTS, min_size=1, max_size=4), st.booleans()
)
def test_a_gitignore_decides_as_pathspec_does(lines: list[str], parts: list[str], is_dir: bool) -> None:
    """The one-regex shortcut for paths no pattern is about changes no decision."""
    import pathspec

    relative = "/".join(parts) + ("/" if is_dir else "")
    loaded = _gitignore_of(lines)
    assert loaded.any_pattern is not None
    assert loaded.decides(relative) == pathspec.GitIgnoreSpec.from_lines(lines).check_file(relative).include


def _gitignore_of(lines: list[str]) -> _Ignore:
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / ".gitignore").write_text("\n".join(lines), encoding="utf-8")
        loaded = _load_gitignore(Path(scratch))
    assert loaded is not None
    return loaded


def test_a_line_that_is_no_pattern_leaves_the_others_working(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("!\ngenerated.py\n", encoding="utf-8")
    for name in ("generated.py", "module.py"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    settings = Settings(enabled=frozenset(), root=tmp_path)

    found = [path.name for path in discover([tmp_path], lambda _: settings)]
    assert found == ["module.py"]


def test_the_deepest_gitignore_decides(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("generated_*.py\nvendor/\n", encoding="utf-8")
    package = tmp_path / "package"
    package.mkdir()
    (package / ".gitignore").write_text("!generated_kept.py\nlocal.py\n", encoding="utf-8")
    for name in ("generated_kept.py", "generated_dropped.py", "local.py", "module.py"):
        (package / name).write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "local.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not python\n", encoding="utf-8")
    settings = Settings(enabled=frozenset(), root=tmp_path)

    found = [path.relative_to(tmp_path).as_posix() for path in discover([tmp_path], lambda _: settings)]
    assert found == ["local.py", "package/generated_kept.py", "package/module.py"]
    # Walked from inside, the .gitignore files above still apply.
    inside = [path.relative_to(tmp_path).as_posix() for path in discover([package], lambda _: settings)]
    assert inside == ["package/generated_kept.py", "package/module.py"]
    everything = discover([tmp_path], lambda _: settings, respect_gitignore=False)
    assert len(list(everything)) == 6


def test_files_named_twice_or_through_a_link_are_checked_once(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "link.py").symlink_to(tmp_path / "real.py")
    (tmp_path / "sub").mkdir()
    settings = Settings(enabled=frozenset(), root=tmp_path)
    named = [tmp_path / "real.py", tmp_path / "sub" / ".." / "real.py", tmp_path / "link.py"]
    assert list(discover(named, lambda _: settings)) == [(tmp_path / "real.py").resolve()]
