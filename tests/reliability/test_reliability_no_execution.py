"""Never executing analysed code: a workspace whose every module would leave a marker
file if anything imported or ran it, checked through the command line and the server.

Besides the project's own package, ``conftest.py``, ``sitecustomize.py``, ``setup.py``
and a ``.pth`` file, the workspace holds modules named like the standard library and the
tool's own dependencies (``ast.py``, ``json.py``, ``jedi.py``...): ``python -m`` puts the
working directory first on ``sys.path``, so a tool started there must not pick them up.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from reliability_support import WAIT_SECONDS, open_document, published, recorder_of, session, uri_of

MARKER_NAME = "MARKER"
SHADOWS = (
    "argparse",
    "ast",
    "asyncio",
    "concurrent",
    "dataclasses",
    "decimal",
    "difflib",
    "inspect",
    "jedi",
    "json",
    "logging",
    "lsprotocol",
    "pathspec",
    "pygls",
    "tokenize",
    "tomllib",
    "typing",
    "uuid",
    "warnings",
)


def _marker_code(marker: Path, who: str) -> str:
    return f"import pathlib\nwith pathlib.Path({str(marker)!r}).open('a') as out:\n    out.write({who!r} + '\\n')\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    marker = tmp_path / MARKER_NAME
    package = tmp_path / "shop"
    package.mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n", encoding="utf-8")
    (package / "__init__.py").write_text(_marker_code(marker, "shop"), encoding="utf-8")
    (package / "rates.py").write_text(
        _marker_code(marker, "rates")
        + "VAT = 0.2\n\n\ndef fx_rate(currency: str) -> float:\n    return 1.08\n",
        encoding="utf-8",
    )
    (package / "billing.py").write_text(
        "from decimal import Decimal\n\nfrom shop.rates import VAT, fx_rate\n\n\n"
        "def totals(amount, seen=[]):\n"
        "    return Decimal(VAT) * Decimal(fx_rate('USD')) * amount\n",
        encoding="utf-8",
    )
    for name in ("conftest", "sitecustomize", "setup", "usercustomize", "__main__"):
        (tmp_path / f"{name}.py").write_text(_marker_code(marker, name), encoding="utf-8")
    for name in SHADOWS:
        (tmp_path / f"{name}.py").write_text(_marker_code(marker, f"shadow {name}"), encoding="utf-8")
    (tmp_path / "evil.pth").write_text(f"import pathlib; pathlib.Path({str(marker)!r}).write_text('pth')\n")
    return tmp_path


def _ran(project: Path) -> str:
    marker = project / MARKER_NAME
    return marker.read_text(encoding="utf-8") if marker.exists() else ""


ENTRY_POINT = Path(sys.executable).with_name("pitfalls")
"""The ``pitfalls`` script pip installs next to the interpreter."""


SAFE_PATH = {**os.environ, "PYTHONSAFEPATH": "1"}
"""``python -m`` puts the working directory first on ``sys.path``, and CPython's own start-up
(runpy, importlib) then imports modules such as ``warnings`` from it before pitfalls runs a
line: in a clean virtual environment a project's ``warnings.py`` would run. Python 3.11's
``PYTHONSAFEPATH`` (what the VS Code extension sets) prevents that; the ``pitfalls`` script
never had the problem."""


@pytest.mark.parametrize(
    ("command", "env"),
    [
        pytest.param(
            [sys.executable, "-m", "pitfalls"],
            SAFE_PATH,
            id="-m",
            marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="PYTHONSAFEPATH needs Python 3.11"),
        ),
        pytest.param([str(ENTRY_POINT)], None, id="script"),
    ],
)
def test_command_line_checks_the_workspace_without_running_it(
    project: Path, command: list[str], env: dict[str, str] | None
) -> None:
    assert ENTRY_POINT.exists(), "install the package (pip install -e .) to get the pitfalls script"
    completed = subprocess.run(
        [*command, "check", "--output-format", "json", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert _ran(project) == ""
    assert "Traceback" not in completed.stderr, completed.stderr
    items = json.loads(completed.stdout)
    billing = sorted(
        (item["code"], item["location"]["row"]) for item in items if item["filename"].endswith("billing.py")
    )
    # The float defined in the other module is found by static inference, not by import.
    assert billing == [("PF001", 6), ("PF002", 7), ("PF002", 7)]


async def _refined(client: LanguageClient, uri: str) -> list[tuple[str, int]] | None:
    """(code, line) of the first diagnostics of ``uri`` that type inference added to; None
    when none came (the marker file then usually says why)."""
    recorder = recorder_of(client)

    async def wait() -> list[tuple[str, int]]:
        while True:
            for item in recorder.published:
                if item.uri == uri and any("by type inference" in d.message for d in item.diagnostics):
                    return sorted((str(d.code), d.range.start.line) for d in item.diagnostics)
            recorder.changed.clear()
            await recorder.changed.wait()

    try:
        return await asyncio.wait_for(wait(), WAIT_SECONDS)
    except asyncio.TimeoutError:
        return None


@pytest.mark.parametrize(
    ("command", "env"),
    [
        # The way the VS Code extension starts it, in the workspace.
        pytest.param(
            [sys.executable, "-m", "pitfalls.lsp"],
            {"PYTHONSAFEPATH": "1"},
            id="-m",
            marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="PYTHONSAFEPATH needs Python 3.11"),
        ),
        pytest.param([str(ENTRY_POINT), "server"], None, id="script"),
    ],
)
async def test_server_opens_every_module_without_running_it(
    project: Path, command: list[str], env: dict[str, str] | None
) -> None:
    # The server starts its type inference process in the workspace too: the cross-module
    # findings below come from it, and it must not run the project's modules either.
    async with session(
        command=command,
        folders=[project],
        cwd=project,
        env=env,
        options={"debounce": 0, "inferenceDelay": 0},
    ) as client:
        uris = []
        for path in sorted(project.rglob("*.py")):
            uri = uri_of(path)
            uris.append(uri)
            open_document(client, uri, path.read_text(encoding="utf-8"))
        results = {uri: await published(client, uri, 1) for uri in uris}
        billing = uri_of(project / "shop" / "billing.py")
        refined = await _refined(client, billing)
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=billing),
                position=types.Position(line=5, character=26),
            )
        )
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=billing),
                range=types.Range(
                    start=types.Position(line=5, character=0), end=types.Position(line=6, character=0)
                ),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
    assert _ran(project) == ""
    assert "PF001" in [str(d.code) for d in results[billing].diagnostics]
    assert refined == [("PF001", 5), ("PF002", 6), ("PF002", 6)]
    assert hover is not None
    assert actions
