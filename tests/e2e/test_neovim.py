"""A real Neovim, headless, drives the pitfalls language server over stdio.

The Lua driver (tests/e2e/nvim/driver.lua) uses nothing but Neovim's own LSP client: it
opens a file with several pitfalls, checks where the diagnostics land, reads a hover,
applies quick fixes with ``vim.lsp.util.apply_workspace_edit``, writes the file and types
a new pitfall. This test writes the driver's spec, runs Neovim with a time bound and checks
the file it leaves on disk.

``nvim`` is Debian's 0.7 (UTF-16 only); ``nvim-0.11`` is a newer build that offers UTF-8
first. tests/e2e/ci-setup-neovim.sh installs both.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pitfalls.analysis import analyze_source
from pitfalls.rules import RULES_BY_CODE

HERE = Path(__file__).parent
DRIVER = HERE / "nvim" / "driver.lua"
ORDERS = HERE / "nvim" / "orders.py"
BROKEN_SERVER = HERE / "broken_server.py"
SERVER = [sys.executable, "-m", "pitfalls", "server"]
NEOVIMS = ("nvim", "nvim-0.11")
RUN_SECONDS = 45

# Each diagnostic is found by a piece of its line (`on`) and must cover exactly `text`.
# The PF001 and PF002 lines have emoji before the finding, so a column counted in the
# wrong unit lands visibly elsewhere.
EXPECTED = [
    {"code": "PF001", "on": "def add_line(", "text": "[]"},
    {"code": "PF002", "on": "SHIPPING_FEES = ", "text": "Decimal(0.1)"},
    {"code": "PF012", "on": "except:", "text": "except"},
]
FIXES = [
    {"code": "PF002", "on": "SHIPPING_FEES = ", "text": "Decimal(0.1)", "fixed_text": 'Decimal("0.1")'},
    {"code": "PF001", "on": "def add_line(", "text": "[]", "fixed_text": "lines=None"},
    {"code": "PF012", "on": "except:", "text": "except", "fixed_text": "except Exception:"},
]
# Quick fixes the server offers that do not fix the code (Lua patterns of their titles).
NOT_FIXES = ["^Ignore PF%d+ on this line", "^Open video"]
TYPED = {
    "keys": 'Go<CR>0<C-d>def audit(event, note="🧾 reçu", seen={}):<CR>    return seen<Esc>',
    "expect": {"code": "PF001", "on": "def audit(", "text": "{}"},
}


@dataclass
class Run:
    returncode: int
    report: dict[str, Any]
    file: Path
    output: str


def neovim(name: str) -> str:
    """The path of a Neovim binary; skipped where it is missing, except in CI, which must have it."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not on PATH; tests/e2e/ci-setup-neovim.sh installs it"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (and CI must run this test)")
        pytest.skip(reason)
    return path


def run_driver(nvim: str, tmp_path: Path, server: list[str], timeout_ms: int = 10_000) -> Run:
    project = tmp_path / "project"
    project.mkdir()
    source = project / "orders.py"
    shutil.copyfile(ORDERS, source)
    result = tmp_path / "result.json"
    spec = {
        "server": server,
        "root": str(project),
        "file": str(source),
        "result": str(result),
        "python": sys.executable,
        "start_timeout_ms": 20_000,
        "timeout_ms": timeout_ms,
        "init_options": {},
        "settings": {"pitfalls": {}},
        "expect": EXPECTED,
        "hover": {**EXPECTED[1], "url": RULES_BY_CODE["PF002"].video.url},
        "fix": FIXES,
        "not_fixes": NOT_FIXES,
        "type": TYPED,
    }
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    environment = {
        **os.environ,
        "PITFALLS_E2E_SPEC": str(spec_file),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    command = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {DRIVER}"]
    completed = subprocess.run(
        command,
        env=environment,
        cwd=project,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )
    output = completed.stdout + completed.stderr
    for log in tmp_path.glob("*/**/lsp.log"):
        output += f"\n--- {log} ---\n" + log.read_text(encoding="utf-8", errors="replace")[-4000:]
    report = json.loads(result.read_text(encoding="utf-8")) if result.exists() else {}
    return Run(completed.returncode, report, source, output)


def explain(run: Run) -> str:
    steps = "\n".join(f"  {step['name']}: {step['detail']}" for step in run.report.get("steps", []))
    return f"exit {run.returncode}; error: {run.report.get('error')}\nsteps:\n{steps}\noutput:\n{run.output}"


@pytest.mark.parametrize("name", NEOVIMS)
def test_neovim_shows_fixes_and_follows_edits(name: str, tmp_path: Path) -> None:
    run = run_driver(neovim(name), tmp_path, SERVER)

    assert run.returncode == 0 and run.report.get("ok") is True, explain(run)
    assert [step["name"] for step in run.report["steps"]] == [
        "start",
        "diagnostics",
        "hover",
        "quick fix",
        "write",
        "type",
    ]
    if name == "nvim":
        assert run.report["offset_encoding"] == "utf-16", "Neovim 0.7 only speaks UTF-16"

    fixed = run.file.read_text(encoding="utf-8")
    ast.parse(fixed)
    assert 'Decimal("0.1")' in fixed
    assert "📦 colis suivi" in fixed and "🛒 panier" in fixed, "the fixes must not touch the emoji"
    remaining = {finding.code for finding in analyze_source(fixed).findings}
    assert not remaining & {"PF001", "PF002", "PF012"}, fixed


@pytest.mark.parametrize(
    ("breakage", "symptom"),
    [
        ("code-point-columns", "PF001 expected at line"),
        # The server's copy of the text goes wrong after the first fix: it cannot parse it.
        ("code-point-edits", "Neovim shows [PF000"),
        ("no-quick-fixes", "no quick fix for PF002"),
    ],
)
def test_neovim_catches_a_broken_server(breakage: str, symptom: str, tmp_path: Path) -> None:
    broken = [sys.executable, str(BROKEN_SERVER), breakage]
    run = run_driver(neovim("nvim"), tmp_path, broken, timeout_ms=3_000)

    assert run.returncode != 0, explain(run)
    assert symptom in str(run.report.get("error")), explain(run)


EDITORS_DOC = HERE.parent.parent / "docs" / "editors.md"
# Waits until the three findings show and PF012 has the severity the snippet sets (the
# settings may arrive just after the first diagnostics), then records what Neovim shows.
CHECK_SETUP = """
local function code_of(d) return d.code or d.user_data.lsp.code end
local ok = vim.wait(15000, function()
  local codes, settled = 0, false
  for _, d in ipairs(vim.diagnostic.get(0)) do
    if d.source == 'pitfalls' then codes = codes + 1 end
    if code_of(d) == 'PF012' and d.severity == vim.diagnostic.severity.ERROR then settled = true end
  end
  return codes >= 3 and settled
end, 50)
local found = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(found, { code = code_of(d), severity = d.severity, source = d.source })
end
vim.fn.writefile({ vim.fn.json_encode(found) }, os.getenv('PITFALLS_E2E_RESULT'))
vim.cmd(ok and 'qa!' or 'cq!')
"""


def documented_snippet(name: str) -> str:
    """The Lua block under ``<!-- snippet: NAME -->`` in docs/editors.md."""
    text = EDITORS_DOC.read_text(encoding="utf-8")
    marker = f"<!-- snippet: {name} -->\n```lua\n"
    start = text.index(marker) + len(marker)
    return text[start : text.index("```", start)]


@pytest.mark.parametrize(
    ("snippet", "name"),
    [("neovim-0.11", "nvim-0.11"), ("neovim-0.8", "nvim-0.11"), ("neovim-0.7", "nvim")],
)
def test_documented_neovim_setup_works(snippet: str, name: str, tmp_path: Path) -> None:
    nvim = neovim(name)
    scripts = Path(sys.executable).parent
    if shutil.which("pitfalls", path=str(scripts)) is None:
        pytest.skip(f"no `pitfalls` command next to {sys.executable}; install the package")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\n', encoding="utf-8")
    shutil.copyfile(ORDERS, project / "orders.py")
    (tmp_path / "init.lua").write_text(documented_snippet(snippet), encoding="utf-8")
    (tmp_path / "check.lua").write_text(CHECK_SETUP, encoding="utf-8")
    result = tmp_path / "found.json"
    environment = {
        **os.environ,
        "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}",
        "PITFALLS_E2E_RESULT": str(result),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    command = [nvim, "--headless", "-u", str(tmp_path / "init.lua"), "-i", "NONE", "-n", "orders.py"]
    completed = subprocess.run(
        [*command, "-c", f"luafile {tmp_path / 'check.lua'}"],
        env=environment,
        cwd=project,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )
    found = json.loads(result.read_text(encoding="utf-8")) if result.exists() else []
    assert completed.returncode == 0, f"{found}\n{completed.stdout}{completed.stderr}"
    severities = {item["code"]: item["severity"] for item in found if item["source"] == "pitfalls"}
    assert {"PF001", "PF002", "PF012"} <= set(severities)
    assert severities["PF012"] == 1, "the snippet's settings make PF012 an error"
    assert severities["PF001"] == 2
