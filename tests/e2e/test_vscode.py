"""The VS Code extension, packaged as a .vsix and installed into a real VS Code.

``code-server`` serves a real VS Code workbench on 127.0.0.1; Debian's headless Chromium,
driven by ``playwright-core``, opens a folder with a Python file full of pitfalls. The
driver (vscode-extension/src/test/e2e/run-e2e.mjs) reports what the workbench showed:
squiggles, Problems entries and their links, the hover, the quick fix it applied, the
result of "Pitfalls: Fix All", and what a settings change did. This test checks that
report against the rules themselves, and runs the extension's TypeScript unit tests.

vscode-extension/scripts/ci-setup.sh installs everything needed; without it the tests
skip and say what is missing. PITFALLS_VSIX=path reuses a built .vsix;
PITFALLS_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/.
"""

from __future__ import annotations

import ast
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from pitfalls.analysis import analyze_source
from pitfalls.rules import RULES_BY_CODE

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "vscode-extension"
DRIVER = EXTENSION / "src" / "test" / "e2e" / "run-e2e.mjs"
SCREENSHOTS = ROOT / "docs" / "screenshots"
SETUP_HINT = "run vscode-extension/scripts/ci-setup.sh as root"
PACKAGE_SECONDS = 900
DRIVER_SECONDS = 300


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _code_server() -> str | None:
    return os.environ.get("CODE_SERVER") or shutil.which("code-server")


def _node_modules_missing(*packages: str) -> str | None:
    for package in packages:
        if not (EXTENSION / "node_modules" / package).is_dir():
            return f"vscode-extension/node_modules has no {package} ({SETUP_HINT})"
    return None


def _e2e_missing() -> str | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return f"node and npm are not installed ({SETUP_HINT})"
    if _chromium() is None:
        return f"Chromium is not installed ({SETUP_HINT})"
    if _code_server() is None:
        return f"code-server is not installed ({SETUP_HINT})"
    missing = _node_modules_missing("playwright-core", "esbuild", "@vscode/vsce", "typescript")
    if missing:
        return missing
    server = subprocess.run(
        [sys.executable, "-m", "pitfalls", "server", "--help"], capture_output=True, text=True, timeout=60
    )
    if server.returncode != 0:
        return f"`python -m pitfalls server` does not run: {server.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="module")
def vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = _e2e_missing()
    if missing:
        pytest.skip(missing)
    given = os.environ.get("PITFALLS_VSIX")
    if given:
        return Path(given).resolve()
    version = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))["version"]
    package = EXTENSION / f"pitfalls-{version}.vsix"
    private_copy = tmp_path_factory.mktemp("vsix") / package.name
    # Test runs sharing a checkout would rebuild bundled/libs under each other's feet.
    with (Path(tempfile.gettempdir()) / "pitfalls-vscode-package.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run(
            ["npm", "run", "--silent", "package"],
            cwd=EXTENSION,
            env={**os.environ, "PITFALLS_BUNDLE_PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=PACKAGE_SECONDS,
        )
        assert built.returncode == 0, (
            f"npm run package failed:\n{built.stdout[-3000:]}\n{built.stderr[-3000:]}"
        )
        assert package.is_file(), f"npm run package made no {package.name}"
        shutil.copyfile(package, private_copy)
    return private_copy


@pytest.fixture(scope="module")
def report(vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("vscode-e2e")
    env = {
        **os.environ,
        "PITFALLS_VSIX": str(vsix),
        "PITFALLS_E2E_WORK": str(work),
        "PITFALLS_E2E_SCREENSHOT": str(work / "vscode-hover.png"),
        "CODE_SERVER": _code_server() or "code-server",
        "CHROMIUM": _chromium() or "/usr/bin/chromium",
    }
    run = subprocess.run(
        ["node", str(DRIVER)], cwd=EXTENSION, env=env, capture_output=True, text=True, timeout=DRIVER_SECONDS
    )
    try:
        result: dict[str, Any] = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"the driver printed no report (exit {run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
        )
    assert result["ok"], (
        f"{result.get('error')}\nextension log:\n{result.get('log')}\n"
        f"screenshot of the failure: {result.get('failureScreenshot')}\ndriver:\n{run.stderr[-2000:]}"
    )
    if os.environ.get("PITFALLS_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for picture in (result["screenshot"], result["videoScreenshot"]):
            shutil.copyfile(picture, SCREENSHOTS / Path(picture).name)
    return result


def _expected_codes(sample: str) -> list[str]:
    return sorted({finding.code for finding in analyze_source(sample, path="service.py").findings})


def test_problems_panel_lists_every_finding_with_its_video_link(report: dict[str, Any]) -> None:
    expected = _expected_codes(report["sample"])
    assert {"PF001", "PF002", "PF012"} <= set(expected)
    assert report["squiggles"] == len(expected)
    rows = [row for row in report["problems"] if "pitfalls" in row]
    assert sorted(code for row in rows for code in expected if code in row) == expected
    links = {link["text"]: link["href"] for link in report["problemLinks"] if link["text"] in expected}
    assert links == {code: RULES_BY_CODE[code].video.url for code in expected}


def test_hover_shows_the_rule_and_its_video(report: dict[str, Any]) -> None:
    rule = RULES_BY_CODE["PF001"]
    assert rule.slug in report["hover"]
    assert "Mutable default" in report["hover"]
    assert rule.video.url in report["hoverLinks"]
    assert Path(report["screenshot"]).stat().st_size > 10_000
    assert Path(report["videoScreenshot"]).stat().st_size > 10_000


def test_quick_fix_and_fix_all_reach_the_file(report: dict[str, Any]) -> None:
    assert "None" in report["quickFixTitle"]
    saved = report["savedFile"]
    ast.parse(saved)
    remaining = _expected_codes(saved)
    assert "PF001" not in remaining  # the quick fix chosen in the light bulb menu
    assert "PF002" not in remaining  # "Pitfalls: Fix All" (source.fixAll.pitfalls)
    assert "PF012" in remaining  # its fix is unsafe, so Fix All leaves it


def test_open_rule_video_opens_the_remaining_rules_link(report: dict[str, Any]) -> None:
    # Only PF012 is left after the fixes, so the command opens its link without asking;
    # a browser never sends the #fragment, so compare without it.
    assert report["openedVideo"] == RULES_BY_CODE["PF012"].video.url.split("#")[0]


def test_settings_change_reaches_the_running_server(report: dict[str, Any]) -> None:
    assert report["pf012BeforeIgnore"]
    assert not any("PF012" in row for row in report["problemsAfterIgnore"])
    log = report["logAfterSettingsChange"]
    assert 'sending them to the server: {"enable":true,"select":null,"ignore":["PF012"]' in log
    assert log.count("Starting the server") == 1  # no restart was needed
    assert "Pitfalls" in report["statusBar"]


def test_failures_are_reported_and_the_extension_recovers(report: dict[str, Any]) -> None:
    notifications = {failure["name"]: failure["notification"] for failure in report["failures"]}
    assert "/nonexistent/bin/python3 does not exist" in notifications["missing interpreter"]
    assert "needs Python 3.10 or newer" in notifications["interpreter too old"]
    assert "3.8.10" in notifications["interpreter too old"]
    assert "did not start" in notifications["server fails to start"]
    assert "/bin/false server --stdio" in notifications["server fails to start"]
    # A server that never ran is not restarted in a loop behind the user's back.
    assert "restarting it" not in report["log"]
    assert report["recoveredStatusRunning"]


def test_extension_unit_tests() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip(f"node and npm are not installed ({SETUP_HINT})")
    missing = _node_modules_missing("typescript", "@types/node")
    if missing:
        pytest.skip(missing)
    run = subprocess.run(
        ["npm", "run", "--silent", "test:unit"], cwd=EXTENSION, capture_output=True, text=True, timeout=300
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    assert "# fail 0" in output
    assert "# pass 0" not in output
