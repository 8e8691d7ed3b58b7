"""``pitfalls server``: start the language server for an editor."""

from __future__ import annotations

import argparse
import logging
import sys

LOG_LEVELS = ("error", "warning", "info", "debug")

_DESCRIPTION = """\
Start the pitfalls language server. Editors start it themselves and talk to it over
stdin/stdout (the default); --tcp serves one client on a TCP port instead, for
debugging. The server never writes anything but protocol messages to stdout: its own
messages go to the editor (window/logMessage, and $/logTrace while the editor has
tracing on), to --log-file, and to stderr.

Editor settings (initializationOptions, or the "pitfalls" section of the editor's
configuration): enable (true/false), select and ignore (lists of rule codes,
prefixes or slugs), severity (object of code: "error"|"warning"|"info"|"hint"),
debounce (milliseconds to wait after typing before checking; default 150, 0 checks
at once), inferenceDelay (milliseconds a file must stay unchanged after it was checked
before types are inferred across modules; default 300). They override [tool.pitfalls]
in the project's pyproject.toml or pitfalls.toml."""


def build_parser(prog: str = "pitfalls server") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument(
        "--stdio", action="store_true", help="talk to the editor over stdin/stdout (the default)"
    )
    transport.add_argument(
        "--tcp", metavar="HOST:PORT", help="listen on HOST:PORT (e.g. 127.0.0.1:2087) for one client"
    )
    parser.add_argument("--log-file", metavar="PATH", help="also write the server's log to this file")
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        help="the least important messages to log, to the editor and the log file (default: info)",
    )
    return parser


def _host_and_port(value: str, parser: argparse.ArgumentParser) -> tuple[str, int]:
    host, separator, port = value.rpartition(":")
    if not separator or not port.isdigit() or not 0 < int(port) < 65536:
        parser.error(f"--tcp: expected HOST:PORT such as 127.0.0.1:2087, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def main(argv: list[str]) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    address = _host_and_port(arguments.tcp, parser) if arguments.tcp else None
    level = getattr(logging, arguments.log_level.upper())
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    handlers[0].setLevel(max(level, logging.WARNING))
    if arguments.log_file:
        try:
            handlers.append(logging.FileHandler(arguments.log_file, encoding="utf-8"))
        except OSError as error:
            print(f"pitfalls server: cannot write the log file: {error}", file=sys.stderr)
            return 2
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers
    )
    # pygls logs every message it sends and receives at info level, a whole file's text or
    # diagnostics per keystroke: only with --log-level debug.
    logging.getLogger("pygls").setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)

    # Started before the server's own imports, so that it is ready by the first file.
    from pitfalls.lsp.split_worker import SplitWorker, usable_cores

    helper = SplitWorker() if usable_cores() > 1 else None
    if helper is not None:
        helper.start()
    try:
        from lsprotocol import types

        from pitfalls.lsp.server import SERVER
    except ImportError as error:
        print(
            f"pitfalls server: the language server needs pygls and lsprotocol ({error}); "
            "install them with: pip install 'pitfalls[server]'",
            file=sys.stderr,
        )
        if helper is not None:
            helper.close()
        return 2
    if helper is not None:
        SERVER.share_first_analyses(helper)
    SERVER.log_level = {
        "error": types.MessageType.Error,
        "warning": types.MessageType.Warning,
        "info": types.MessageType.Info,
        "debug": types.MessageType.Log,
    }[arguments.log_level]
    if address is not None:
        SERVER.start_tcp(*address)
    else:
        SERVER.start_io()
    return 0
