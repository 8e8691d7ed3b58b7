"""The taint layer on small snippets: each ``sink(expr)`` call is asked where ``expr`` came from."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pitfalls.engine import Checker, Scope, Walker
from pitfalls.knowledge.taint import SHELL_SANITIZERS
from pitfalls.rules.base import Rule
from pitfalls.source import SourceFile
from pitfalls.taint import Level, TaintTracker


class _SinkProbe(Rule):
    """Records the taint of the first argument of every ``sink(...)`` call."""

    code = "PF999"
    slug = "probe"
    wants_scopes = True

    def __init__(self, file_contents: bool) -> None:
        self.file_contents = file_contents
        self.results: dict[int, tuple[Level, bool, str, str]] = {}

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        tracker = TaintTracker(checker, scope, sanitizers=SHELL_SANITIZERS, file_contents=self.file_contents)
        for call in scope.of(ast.Call):
            assert isinstance(call, ast.Call)
            if isinstance(call.func, ast.Name) and call.func.id == "sink":
                taint = tracker.taint_of(call.args[0])
                self.results[call.lineno] = (taint.level, taint.built, taint.source, tracker.describe(taint))


def taints(text: str, *, file_contents: bool = False) -> dict[int, tuple[Level, bool, str, str]]:
    text = textwrap.dedent(text)
    tree = ast.parse(text)
    checker = Checker(SourceFile(text), tree, None)
    probe = _SinkProbe(file_contents)
    Walker([probe], checker, None).run(tree)
    return probe.results


def levels(text: str, **options: bool) -> list[Level]:
    return [level for _, (level, *_rest) in sorted(taints(text, **options).items())]


UNTRUSTED, UNKNOWN, CLEAN = Level.UNTRUSTED, Level.UNKNOWN, Level.CLEAN


def test_flask_request_reads_are_untrusted_and_named_in_the_description() -> None:
    results = taints(
        """
        from flask import request

        def view():
            path = request.form["path"]
            sink(f"ls {path}")
        """
    )
    level, built, source, description = results[6]
    assert (level, built, source) == (UNTRUSTED, True, "the request")
    assert description == '`request.form["path"]` (line 5)'


def test_route_parameters_are_untrusted_but_dependencies_and_numbers_are_not() -> None:
    assert levels(
        """
        from fastapi import Depends, FastAPI
        app = FastAPI()

        @app.get("/items/{name}")
        async def item(name: str, page: int, settings=Depends(get_settings)):
            sink(name)
            sink(page)
            sink(settings)
        """
    ) == [UNTRUSTED, CLEAN, UNKNOWN]


def test_django_views_request_data_and_path_parameters() -> None:
    assert levels(
        """
        from django.http import HttpResponse

        def report(request, slug):
            sink(request.GET.get("q"))
            sink(slug)
            sink(request.user)
        """
    ) == [UNTRUSTED, UNTRUSTED, UNKNOWN]


def test_without_django_a_request_parameter_still_has_source_attributes() -> None:
    assert levels(
        """
        async def handle(request):
            body = await request.json()
            sink(body["cmd"])
            sink(request.app)
        """
    ) == [UNTRUSTED, UNKNOWN]


def test_process_sources() -> None:
    assert levels(
        """
        import os, sys
        from os import environ

        def main():
            sink(sys.argv[1])
            sink(input("name: "))
            sink(os.environ.get("EDITOR"))
            sink(environ["HOME"])
            sink(os.getenv("PAGER"))
            sink(sys.executable)
        """
    ) == [UNTRUSTED, UNTRUSTED, UNTRUSTED, UNTRUSTED, UNTRUSTED, CLEAN]


def test_peers_queues_and_caches() -> None:
    assert levels(
        """
        import redis
        from django.core.cache import cache
        store = redis.Redis()

        def on_message(channel, method, properties, body):
            sink(body)

        def serve(conn, reader):
            sink(conn.recv(1024))
            sink(reader.readline())

        def lookup(key, client):
            sink(store.get(key))
            sink(cache.get(key))
            sink(client.get(key))
        """
    ) == [UNTRUSTED, UNTRUSTED, UNTRUSTED, UNTRUSTED, UNTRUSTED, UNKNOWN]


def test_propagation_through_strings_containers_and_helpers() -> None:
    assert (
        levels(
            """
        import base64, sys

        def build():
            arg = sys.argv[1]
            sink("ls %s" % arg)
            sink("ls {}".format(arg))
            sink("ls " + arg)
            sink(" ".join(["ls", arg]))
            sink(base64.b64decode(arg).decode().strip())
            sink(arg[2:])
            first, second = "ls", arg
            sink(first)
            sink(second)
            options = {"path": arg}
            sink(options)
            parts = ["tar"]
            parts.append(arg)
            sink(parts)
            sink([word.upper() for word in sys.argv])
        """
        )
        == [UNTRUSTED] * 6 + [CLEAN] + [UNTRUSTED] * 4
    )


def test_unknown_calls_hide_the_origin_but_known_cleaners_clean() -> None:
    assert levels(
        """
        import shlex, sys, hashlib

        def build():
            arg = sys.argv[1]
            sink(decrypt(arg))
            sink(shlex.quote(arg))
            sink(int(arg))
            sink(hashlib.sha256(arg.encode()).hexdigest())
            sink(arg.isdigit())
            sink(f"{len(arg):d}")
        """
    ) == [UNKNOWN, CLEAN, CLEAN, CLEAN, CLEAN, CLEAN]


def test_reassignment_replaces_and_branches_merge() -> None:
    assert levels(
        """
        import shlex, sys

        def build(flag):
            value = sys.argv[1]
            value = shlex.quote(value)
            sink(value)
            other = sys.argv[2]
            if flag:
                other = "constant"
            sink(other)
            third = "constant"
            for third in sys.argv:
                sink(third)
        """
    ) == [CLEAN, UNTRUSTED, UNTRUSTED]


def test_allow_list_and_validation_guards() -> None:
    assert levels(
        """
        import re
        from flask import abort, request
        ALLOWED = {"png", "jpg"}
        SLUG = re.compile("[a-z]+")

        def view():
            fmt = request.args["fmt"]
            if fmt not in ALLOWED:
                abort(400)
            sink(fmt)
            name = request.args["name"]
            if not SLUG.fullmatch(name):
                return "bad"
            sink(name)
            size = request.args["size"]
            if size in ("s", "m", "l"):
                sink(size)
            sink(size)
            other = request.args["other"]
            if other not in request.args:
                return "no"
            sink(other)
            kept = [word for word in request.args.getlist("w") if word in ALLOWED]
            sink(kept)
        """
    ) == [CLEAN, CLEAN, CLEAN, UNTRUSTED, UNTRUSTED, CLEAN]


def test_unknown_origin_and_built_flag() -> None:
    results = taints(
        """
        BASE = "/srv"

        def run(cmd, path):
            sink(cmd)
            sink(f"{cmd} > /dev/null")
            sink(f"ls {path}")
            sink(f"ls {BASE}")
        """
    )
    assert [(level, built) for _, (level, built, *_rest) in sorted(results.items())] == [
        (UNKNOWN, False),
        (UNKNOWN, False),
        (UNKNOWN, True),
        (CLEAN, False),
    ]


def test_module_level_code_and_closures() -> None:
    assert levels(
        """
        import sys
        COMMAND = "ls " + sys.argv[1]
        sink(COMMAND)

        def outer():
            value = input()
            def inner():
                sink(value)
            def uses_global():
                sink(COMMAND)
            return inner, uses_global
        """
    ) == [UNTRUSTED, UNTRUSTED, UNTRUSTED]


def test_files_written_from_uploads_only_when_asked() -> None:
    snippet = """
        from flask import request

        def upload():
            path = "/tmp/upload.yaml"
            request.files["file"].save(path)
            with open(path) as handle:
                sink(handle.read())
            sink(path)
        """
    assert levels(snippet, file_contents=True) == [UNTRUSTED, UNTRUSTED]
    # Without it, the path stays the program's own text; what the file holds is not known.
    assert levels(snippet, file_contents=False) == [UNKNOWN, CLEAN]


def test_round_trips_and_program_data_stay_clean() -> None:
    assert levels(
        """
        import pickle, json, tempfile

        def clone(value):
            sink(pickle.dumps(value))
            sink(json.dumps({"a": 1}))
            with tempfile.NamedTemporaryFile() as handle:
                sink(handle.name)
        """
    ) == [CLEAN, CLEAN, CLEAN]


@pytest.mark.parametrize(
    "decorator",
    ['@app.route("/x/<name>")', '@bp.get("/x/{name}")', '@router.post("/x")', '@routes.view("/x")'],
)
def test_route_decorators(decorator: str) -> None:
    assert levels(
        f"""
        {decorator}
        def handler(name):
            sink(name)
        """
    ) == [UNTRUSTED]


def test_other_decorators_do_not_make_handlers() -> None:
    assert levels(
        """
        @cache.get("key")
        def handler(name):
            sink(name)

        @functools.lru_cache()
        def other(name):
            sink(name)
        """
    ) == [UNKNOWN, UNKNOWN]


def test_messages_name_the_interpolated_value_not_the_leading_command() -> None:
    results = taints(
        """
        def run(cmd, path):
            sink("%s > '%s'" % (cmd, path))
            sink(f"{cmd} {path}")
            sink(cmd + " " + path)
        """
    )
    assert [description for _, (*_rest, description) in sorted(results.items())] == ["`path` (line 2)"] * 3


def test_conventions_for_constants_numbers_and_hand_quoting() -> None:
    assert levels(
        """
        def run(self, pid, http_port, value, settings):
            sink(f"kill {pid} {http_port}")
            sink(f"install {self.INSTALLER} {settings.BACKUP_DIR}")
            quoted = value.replace("'", "'\\"'\\"'")
            sink(f"echo '{quoted}'")
            sink(f"echo '{value}'")
        """
    ) == [CLEAN, CLEAN, CLEAN, UNKNOWN]


def test_command_line_tools_and_lambda_handlers() -> None:
    assert levels(
        """
        import argparse
        import click

        def main():
            args = argparse.ArgumentParser().parse_args()
            sink(args.host)

        @click.command()
        @click.argument("name")
        def greet(name):
            sink(name)

        def handler(event, context):
            sink(event["queryStringParameters"]["q"])
            sink(context)
        """
    ) == [UNTRUSTED, UNTRUSTED, UNTRUSTED, UNKNOWN]
