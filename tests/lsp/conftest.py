"""One language server process per test module (starting one costs about a second, most
of it importing lsprotocol); tests in a module use their own document URIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from pytest_lsp import LanguageClient

from .lsp_support import session


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(workspace: Path) -> AsyncIterator[LanguageClient]:
    """VS Code's capabilities: pushed diagnostics, UTF-16, lazy code action edits."""
    async with session(folders=[workspace]) as started:
        yield started
