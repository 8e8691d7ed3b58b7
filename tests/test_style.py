"""The project follows its own advice: Ruff lint and format clean."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import ROOT


def _ruff() -> list[str]:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return [ruff]


def test_ruff_check() -> None:
    result = subprocess.run([*_ruff(), "check", "server", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = subprocess.run(
        [*_ruff(), "format", "--check", "server", "tests"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
