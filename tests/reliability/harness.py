"""Runs the real command line tool or language server with test-only additions.

``python harness.py server [ARGS]`` starts ``pitfalls.lsp`` over stdio with three more
commands: ``pitfalls.test.documentText`` returns the server's copy of a document (so a
test can compare it with the client's), ``pitfalls.test.inference`` the type inference
process's pid, how many requests it was sent, and whether the server itself imported
jedi, and ``pitfalls.test.analysisHelper`` the analysis helper process's pid, requests and
readiness. ``python harness.py cli [ARGS]`` runs ``pitfalls``. With
``PITFALLS_TEST_BREAK_RULE=PF012`` in the environment, that rule's checks raise, to prove
a failing rule costs only its own findings (in the server's own process: keep such files
shorter than ``incremental.SHARED_FROM_LINES``, which the helper would share).
"""

from __future__ import annotations

import os
import sys


def _break_rule(code: str) -> None:
    from pitfalls.rules import RULES_BY_CODE

    rule = RULES_BY_CODE[code]

    def broken(*arguments: object) -> None:
        raise RuntimeError(f"injected failure in {code}")

    for name in ("visit", "check_scope"):
        if hasattr(rule, name):
            setattr(rule, name, broken)


def main(argv: list[str]) -> int:
    mode, *arguments = argv
    broken = os.environ.get("PITFALLS_TEST_BREAK_RULE")
    if broken:
        _break_rule(broken)
    if mode == "cli":
        from pitfalls.cli import main as cli_main

        sys.argv = ["pitfalls", *arguments]
        return cli_main()
    from pitfalls.lsp.cli import main as server_main
    from pitfalls.lsp.server import SERVER

    @SERVER.command("pitfalls.test.documentText")
    def document_text(ls, uri: str) -> str | None:
        document = ls.documents.get(uri)
        return document.text if document is not None else None

    @SERVER.command("pitfalls.test.inference")
    def inference(ls) -> dict[str, object]:
        return {"pid": ls._inference.pid, "sent": ls._inference.sent, "jediImported": "jedi" in sys.modules}

    @SERVER.command("pitfalls.test.analysisHelper")
    def analysis_helper(ls) -> dict[str, object] | None:
        helper = ls.split_worker
        return None if helper is None else {"pid": helper.pid, "sent": helper.sent, "ready": helper.ready}

    return server_main(arguments)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
