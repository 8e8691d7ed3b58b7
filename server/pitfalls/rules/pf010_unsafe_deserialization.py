"""PF010 unsafe-deserialization."""

from __future__ import annotations

import ast

from pitfalls.astutil import (
    call_argument,
    call_keyword,
    keyword_insertion_edit,
    last_names,
    module_import_edit,
)
from pitfalls.engine import Checker, Scope
from pitfalls.knowledge.taint import (
    ALLOW_PICKLE_KEYWORD,
    DESERIALIZATION_SINKS,
    JSON_MODULE,
    LOCAL_SOURCE_KINDS,
    SAFE_YAML_LOADER_FIX,
    SAFE_YAML_LOADERS,
    WEIGHTS_ONLY_KEYWORD,
    YAML_MODULE,
    DeserializationSink,
)
from pitfalls.model import Applicability, Edit, Fix, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video
from pitfalls.taint import Taint, TaintTracker


class UnsafeDeserialization(Rule):
    code = "PF010"
    slug = "unsafe-deserialization"
    summary = "Pickle, marshal or unsafe YAML loads data someone else can write"
    severity = Severity.ERROR
    has_fix = True
    suppressed_by = ("S301", "S302", "S506", "B301", "B302", "B506")
    triggers = ("pickle", "marshal", "shelve", "yaml", "dill", "load", "jsonpickle", "Unpickler")
    video = Video("Why is this Python cache a security risk?", "https://www.youtube.com/watch?v=ZTCtqjdlANk")
    doc = RuleDoc(
        what_it_does="""\
Finds loads that can run code (`pickle.loads/load` and `Unpickler`, also from `_pickle`,
`cPickle`, `dill`, `cloudpickle`; `jsonpickle.decode`; `marshal.loads`; `shelve.open`;
`yaml.load`/`load_all` without a safe `Loader` and `yaml.unsafe_load`; `pandas.read_pickle`;
`numpy.load(..., allow_pickle=True)`; `torch.load` without `weights_only=True`;
`joblib.load`) whose data can come from outside the program: a request (body, form,
cookies, headers, uploaded files, handler parameters), a socket or websocket, a queue
message, a Lambda event, or a shared cache such as Redis or memcached; followed through
assignments, decoding (`base64`, `zlib`, `.decode()`), `io.BytesIO`, `open(...)` of such a
path, and files saved from an upload.

Loads of data the program made itself (`pickle.loads(pickle.dumps(x))`), of files it names
by a constant path, of values whose origin the function does not show, and of files named
on the command line or in the environment (whoever runs the program already runs code)
are left alone.""",
        why_it_bites="""\
Unpickling is running a program: a pickle can name any importable callable and its
arguments, and `pickle.loads` calls it (`os.system`, for instance). The same holds for
`marshal`, `dill`, `jsonpickle` and for YAML's `!!python/object` tags. A cache entry, a
cookie or a message body is data that someone else can write: whoever can put bytes
there (a client, another tenant, anyone who reaches the Redis port) gets code execution
on every worker that reads it.""",
        example="""\
```python
import pickle

import redis
from flask import Flask, request

app = Flask(__name__)
cache = redis.Redis()

@app.get("/cart")
def cart():
    state = pickle.loads(bytes.fromhex(request.cookies["cart"]))
    profile = pickle.loads(cache.get(f"profile:{state['user']}"))
    return {"items": state["items"], "name": profile["name"]}
```""",
        use_instead="""\
```python
import hashlib
import hmac
import json

SECRET = load_secret()

def sign(payload: bytes) -> bytes:
    return hmac.new(SECRET, payload, hashlib.sha256).hexdigest().encode() + b"." + payload

def verify(blob: bytes) -> bytes:
    digest, _, payload = blob.partition(b".")
    expected = hmac.new(SECRET, payload, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(digest, expected):
        raise ValueError("tampered")
    return payload

@app.get("/cart")
def cart():
    state = json.loads(verify(bytes.fromhex(request.cookies["cart"])))
    profile = json.loads(cache.get(f"profile:{state['user']}"))
    return {"items": state["items"], "name": profile["name"]}
```

Store plain data as JSON (or msgpack): loading it cannot call anything. When pickle must
stay (complex objects between your own services), sign what you write with `hmac` and
verify the signature before `pickle.loads`. Load YAML with `yaml.safe_load` or
`Loader=yaml.SafeLoader`; load model weights with `torch.load(..., weights_only=True)`.""",
        fix_safety="""\
Adding `Loader=yaml.SafeLoader` to `yaml.load` is safe: documents of plain data load the
same, and PyYAML 6 refuses a `load` without a loader anyway. Replacing an explicit unsafe
loader, adding `weights_only=True` to `torch.load`, `allow_pickle=False` to `numpy.load`,
and `json.loads` in place of `pickle.loads` are unsafe: data that really holds Python
objects stops loading.""",
    )
    wants_scopes = True

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        tracker: TaintTracker | None = None
        for node in scope.of(ast.Call):
            qualified = checker.callee_name(node, _SINK_NAMES, scope)  # type: ignore[arg-type]
            if qualified is None:
                continue
            sink = DESERIALIZATION_SINKS.get(qualified)
            if sink is None:
                continue
            assert isinstance(node, ast.Call)
            if not _dangerous(node, sink, checker, scope):
                continue
            data = call_argument(node, sink.position, sink.keyword)
            if data is None:
                continue
            if tracker is None:
                tracker = TaintTracker(checker, scope, file_contents=True)
            taint = tracker.taint_of(data)
            if not taint.is_untrusted or taint.source in LOCAL_SOURCE_KINDS:
                continue
            self._report(node, qualified, sink, taint, tracker, checker)

    def _report(
        self,
        call: ast.Call,
        qualified: str,
        sink: DeserializationSink,
        taint: Taint,
        tracker: TaintTracker,
        checker: Checker,
    ) -> None:
        written = " ".join(checker.source.segment(call.func).split())
        where = tracker.describe(taint)
        if sink.fix == "yaml-loader" or "YAML" in sink.what:
            consequence = (
                "a `!!python/object` tag in it runs code on this server; load it with `yaml.safe_load`"
            )
        elif sink.fix == "weights-only":
            consequence = "a crafted checkpoint runs code on this server; pass `weights_only=True`"
        else:
            consequence = (
                "whoever writes those bytes runs code on this server; store JSON, or verify an hmac "
                "signature before loading"
            )
        message = f"`{written}` {sink.what} from {taint.source}, {where}: {consequence}"
        related = ()
        if taint.origin is not None and hasattr(taint.origin, "lineno"):
            related = (checker.related(f"data from {taint.source} enters here", taint.origin),)
        checker.report(self, call, message, fix=_fix(call, sink, checker), related=related)


_SINK_NAMES = last_names(DESERIALIZATION_SINKS)


def _dangerous(call: ast.Call, sink: DeserializationSink, checker: Checker, scope: Scope) -> bool:
    if sink.unsafe_only_with is not None:
        keyword = call_keyword(call, sink.unsafe_only_with)
        return keyword is not None and not (
            isinstance(keyword.value, ast.Constant) and not keyword.value.value
        )
    if sink.safe_keyword is None:
        return True
    keyword = call_keyword(call, sink.safe_keyword)
    value = keyword.value if keyword is not None else None
    if value is None and sink.fix == "yaml-loader" and len(call.args) > 1:
        value = call.args[1]
    if value is None:
        return True
    if sink.fix == "yaml-loader":
        loader = (
            checker.qualified_name(value, scope) or getattr(value, "id", None) or getattr(value, "attr", None)
        )
        return not (
            loader in SAFE_YAML_LOADERS
            or (isinstance(loader, str) and loader.rsplit(".", 1)[-1] in SAFE_YAML_LOADERS)
        )
    # weights_only=True (or any non-constant choice the caller made) is safe.
    return isinstance(value, ast.Constant) and not value.value


def _fix(call: ast.Call, sink: DeserializationSink, checker: Checker) -> Fix | None:
    source = checker.source
    imports = checker.module_scope.imports
    if sink.fix == "yaml-loader":
        local, import_edit = module_import_edit(source, checker.tree, imports, YAML_MODULE)
        loader = f"{local}.{SAFE_YAML_LOADER_FIX}"
        keyword = call_keyword(call, "Loader")
        edits: list[Edit] = [] if import_edit is None else [import_edit]
        if keyword is not None:
            edits.append(Edit(source.node_range(keyword.value), loader))
            return Fix(f"Load with `{loader}`", tuple(edits), Applicability.UNSAFE)
        if len(call.args) > 1:
            edits.append(Edit(source.node_range(call.args[1]), loader))
            return Fix(f"Load with `{loader}`", tuple(edits), Applicability.UNSAFE)
        edits.append(keyword_insertion_edit(source, call, f"Loader={loader}"))
        return Fix(f"Load with `Loader={loader}`", tuple(edits), Applicability.SAFE)
    if sink.fix == "weights-only":
        keyword = call_keyword(call, WEIGHTS_ONLY_KEYWORD)
        if keyword is not None:
            edit = Edit(source.node_range(keyword.value), "True")
        else:
            edit = keyword_insertion_edit(source, call, f"{WEIGHTS_ONLY_KEYWORD}=True")
        return Fix("Load tensors only, with `weights_only=True`", (edit,), Applicability.UNSAFE)
    if sink.fix == "no-pickle":
        keyword = call_keyword(call, ALLOW_PICKLE_KEYWORD)
        if keyword is None:
            return None
        edit = Edit(source.node_range(keyword.value), "False")
        return Fix("Refuse pickled arrays with `allow_pickle=False`", (edit,), Applicability.UNSAFE)
    if sink.fix == "json" and not call.keywords and len(call.args) == 1:
        local, import_edit = module_import_edit(source, checker.tree, imports, JSON_MODULE)
        function = "load" if _reads_a_file(call) else "loads"
        edits = [Edit(source.node_range(call.func), f"{local}.{function}")]
        if import_edit is not None:
            edits.insert(0, import_edit)
        return Fix(f"Store JSON and load it with `{local}.{function}`", tuple(edits), Applicability.UNSAFE)
    return None


def _reads_a_file(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "load"
