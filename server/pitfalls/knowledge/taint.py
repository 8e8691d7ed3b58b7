"""Where untrusted data comes from, what cleans it, what carries it, and where it must not go.

The taint layer (``pitfalls.taint``) reads these tables; rules that track data flow read
the sink tables. Names are qualified the way ``Checker.qualified_name`` spells them
(``subprocess.run``, ``flask.request``, ``builtins.input``). To teach pitfalls a new web
framework, queue client or dangerous call, add rows here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Sources ---------------------------------------------------------------------------------

REQUEST_OBJECTS: frozenset[str] = frozenset(
    {"flask.request", "quart.request", "bottle.request", "sanic.request", "werkzeug.local.request"}
)
"""Module-level request proxies: reading their data attributes yields client data."""

REQUEST_PARAMETER_NAMES: frozenset[str] = frozenset({"request", "req"})
"""Parameter names that hold the incoming request in handlers of every framework
(Django views, aiohttp and Starlette handlers, DRF view methods)."""

REQUEST_ANNOTATIONS: frozenset[str] = frozenset(
    {
        "Request",
        "HttpRequest",
        "WebSocket",
        "BaseRequest",
        "fastapi.Request",
        "fastapi.WebSocket",
        "starlette.requests.Request",
        "starlette.websockets.WebSocket",
        "aiohttp.web.Request",
        "aiohttp.web.BaseRequest",
        "aiohttp.web_request.Request",
        "django.http.HttpRequest",
        "django.http.request.HttpRequest",
        "rest_framework.request.Request",
        "werkzeug.wrappers.Request",
        "flask.Request",
    }
)
"""Annotations (qualified or as written) that mark a parameter as the incoming request."""

REQUEST_SELF_ATTRIBUTES: frozenset[str] = frozenset({"request"})
"""``self.request`` in class-based views (Django, Tornado) is the incoming request."""

REQUEST_DATA_ATTRIBUTES: frozenset[str] = frozenset(
    {
        # Flask / Werkzeug / Quart
        "args",
        "form",
        "values",
        "json",
        "data",
        "files",
        "cookies",
        "headers",
        "stream",
        "view_args",
        "full_path",
        "path",
        "url",
        "query_string",
        "environ",
        # Django / DRF
        "GET",
        "POST",
        "FILES",
        "COOKIES",
        "META",
        "body",
        "query_params",
        # Starlette / FastAPI / aiohttp
        "path_params",
        "match_info",
        "query",
        "rel_url",
        "raw_path",
        "content",
        # Bottle, Falcon, Pyramid
        "forms",
        "params",
        "media",
        "matchdict",
        "json_body",
        # Tornado
        "arguments",
        "query_arguments",
        "body_arguments",
    }
)
"""Attributes of a request object whose value the client chose."""

REQUEST_DATA_METHODS: frozenset[str] = frozenset(
    {
        "get_json",
        "get_data",
        "body",
        "json",
        "form",
        "post",
        "text",
        "read",
        "stream",
        "multipart",
        "receive_text",
        "receive_bytes",
        "receive_json",
        "get_argument",
        "get_arguments",
        "get_query_argument",
        "get_body_argument",
        "get_cookie",
        "get_secure_cookie",
        "get_param",
        "get_media",
    }
)
"""Methods of a request object (or a Tornado handler's ``self``) that return client data."""

HANDLER_SELF_METHODS: frozenset[str] = frozenset(
    {"get_argument", "get_arguments", "get_query_argument", "get_body_argument", "get_cookie"}
)
"""Tornado ``RequestHandler`` methods, called on ``self``, that return client data."""

ROUTE_DECORATOR_METHODS: frozenset[str] = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "websocket", "api_route", "view"}
)
"""``@app.<method>("/path")``: Flask, Quart, FastAPI, Starlette, aiohttp, Sanic, Bottle routes."""

HANDLER_DEPENDENCY_DEFAULTS: frozenset[str] = frozenset(
    {"fastapi.Depends", "fastapi.Security", "Depends", "Security", "fastapi.params.Depends"}
)
"""A handler parameter defaulting to these is built by the server, not sent by the client."""

HANDLER_SERVER_ANNOTATIONS: frozenset[str] = frozenset(
    {
        "BackgroundTasks",
        "Response",
        "Session",
        "AsyncSession",
        "fastapi.BackgroundTasks",
        "fastapi.Response",
        "starlette.background.BackgroundTasks",
        "starlette.responses.Response",
        "sqlalchemy.orm.Session",
        "sqlalchemy.ext.asyncio.AsyncSession",
    }
)
"""Handler parameters of these types are server objects, not client data."""

NUMERIC_ANNOTATIONS: frozenset[str] = frozenset(
    {
        "int",
        "float",
        "bool",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "UUID",
        "uuid.UUID",
        "Decimal",
        "decimal.Decimal",
        "datetime",
        "date",
        "datetime.datetime",
        "datetime.date",
        "PositiveInt",
        "pydantic.PositiveInt",
    }
)
"""A parameter annotated with these holds a number, a UUID or a date (FastAPI and Flask
``<int:id>`` converters enforce it for handlers): no shell text fits in it."""

NUMERIC_NAMES: frozenset[str] = frozenset(
    {
        "pid",
        "ppid",
        "port",
        "uid",
        "gid",
        "signum",
        "signal_number",
        "lineno",
        "line_number",
        "linenum",
        "line",
        "timeout",
        "retries",
        "jobs",
        "workers",
        "concurrency",
        "count",
        "width",
        "height",
        "verbosity",
    }
)
NUMERIC_NAME_SUFFIXES: tuple[str, ...] = ("_pid", "_port", "_count", "_timeout", "_size", "_num", "_number")
"""Names of values that are numbers by convention (``pid``, ``http_port``). A value of
unknown origin with such a name is not reported as possible shell text."""

DJANGO_MODULE_PREFIXES: tuple[str, ...] = ("django", "rest_framework")
"""A module importing these makes ``def view(request, slug)`` a view: its other
parameters come from the URL."""

SOURCE_NAMES: dict[str, str] = {
    "sys.argv": "the command line",
    "sys.stdin": "standard input",
    "os.environ": "the environment",
    "os.environb": "the environment",
}
"""Names and attributes whose value comes from outside the program."""

SOURCE_CALLS: dict[str, str] = {
    "builtins.input": "user input",
    "os.getenv": "the environment",
    "os.getenvb": "the environment",
    "sys.stdin.read": "standard input",
    "sys.stdin.readline": "standard input",
    "sys.stdin.readlines": "standard input",
}
"""Calls whose result comes from outside the program."""

SOURCE_METHODS: frozenset[str] = frozenset(
    {
        # sockets, whatever the receiver is called
        "recv",
        "recvfrom",
        "recvmsg",
        "recv_bytes",
        # websockets (websockets, Starlette, Django Channels helpers)
        "receive_text",
        "receive_bytes",
        "receive_json",
        # queues and brokers
        "receive_messages",
        "receive_message",
        "basic_get",
        "get_message",
    }
)
"""Methods that return bytes a remote peer sent, on any receiver."""

COMMAND_LINE_METHODS: frozenset[str] = frozenset({"parse_args", "parse_known_args", "parse_intermixed_args"})
"""``parser.parse_args()`` reads ``sys.argv``."""

CLI_DECORATOR_PREFIXES: tuple[str, ...] = ("click.", "typer.", "asyncclick.")
"""``@click.command()``/``@click.option(...)``: the function's parameters come from the command line."""

LAMBDA_HANDLER_PARAMETERS: tuple[str, str] = ("event", "context")
"""``def handler(event, context)``: an AWS Lambda handler; ``event`` is the invoking request."""

STREAM_READER_NAMES: frozenset[str] = frozenset({"reader", "stream_reader", "rfile"})
STREAM_READ_METHODS: frozenset[str] = frozenset({"read", "readline", "readexactly", "readuntil"})
"""``reader.readline()`` in an asyncio stream handler ``handle(reader, writer)``, and
``self.rfile.readline()`` in a ``socketserver`` handler, read what the peer sent."""

WEBSOCKET_PARAMETER_NAMES: frozenset[str] = frozenset({"websocket", "ws"})
"""``async for message in websocket:`` in a ``websockets`` handler yields what the peer sent."""

MESSAGE_PARAMETER_NAMES: frozenset[str] = frozenset({"message", "msg"})
MESSAGE_BODY_ATTRIBUTES: frozenset[str] = frozenset({"body", "value", "data", "payload"})
"""``message.body`` of a consumer callback's ``message`` parameter (aio-pika, SQS, Kafka
records, Pub/Sub): the bytes the broker delivered."""

CACHE_CLIENT_CONSTRUCTORS: frozenset[str] = frozenset(
    {
        "redis.Redis",
        "redis.StrictRedis",
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.StrictRedis.from_url",
        "redis.client.Redis",
        "redis.asyncio.Redis",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
        "redis.cluster.RedisCluster",
        "redis.RedisCluster",
        "aioredis.from_url",
        "aioredis.Redis",
        "aioredis.create_redis_pool",
        "valkey.Valkey",
        "valkey.from_url",
        "pymemcache.Client",
        "pymemcache.client.base.Client",
        "pymemcache.client.hash.HashClient",
        "pymemcache.client.base.PooledClient",
        "memcache.Client",
        "pylibmc.Client",
        "bmemcached.Client",
        "aiomcache.Client",
        "django_redis.get_redis_connection",
    }
)
"""Calls that create clients of shared caches: what other processes (and, through them,
clients) stored there comes back from their reads."""

CACHE_OBJECTS: frozenset[str] = frozenset(
    {"django.core.cache.cache", "django.core.cache.caches", "flask_caching.cache"}
)
"""Module-level cache objects (``caches["default"]`` counts as ``caches``)."""

CACHE_RECEIVER_WORDS: tuple[str, ...] = ("redis", "cache", "memcache", "valkey")
"""A receiver whose name contains one of these (``self.redis``, ``session_cache``) is a cache."""

CACHE_READ_METHODS: frozenset[str] = frozenset(
    {
        "get",
        "gets",
        "mget",
        "get_many",
        "get_multi",
        "getdel",
        "getex",
        "getset",
        "hget",
        "hgetall",
        "hmget",
        "hvals",
        "lpop",
        "rpop",
        "blpop",
        "brpop",
        "lrange",
        "lindex",
        "lmove",
        "blmove",
        "rpoplpush",
        "brpoplpush",
        "spop",
        "smembers",
        "srandmember",
        "zrange",
        "zrangebyscore",
        "zpopmin",
        "zpopmax",
        "xread",
        "xreadgroup",
        "xrange",
    }
)

CONSUMER_CONSTRUCTORS: frozenset[str] = frozenset(
    {
        "kafka.KafkaConsumer",
        "aiokafka.AIOKafkaConsumer",
        "confluent_kafka.Consumer",
        "confluent_kafka.DeserializingConsumer",
        "pulsar.Client.subscribe",
    }
)
"""Calls that create message consumers: iterating them or polling them yields message bodies."""

CONSUMER_READ_METHODS: frozenset[str] = frozenset({"poll", "consume", "getone", "getmany", "receive"})

MESSAGE_CALLBACK_PARAMETERS: tuple[frozenset[str], str] = (
    frozenset({"properties", "props", "method"}),
    "body",
)
"""A pika consumer callback ``on_message(channel, method, properties, body)``: its ``body``
parameter is the message the broker delivered."""

MESSAGE_ANNOTATIONS: frozenset[str] = frozenset(
    {
        "IncomingMessage",
        "AbstractIncomingMessage",
        "aio_pika.IncomingMessage",
        "aio_pika.abc.AbstractIncomingMessage",
        "aio_pika.message.IncomingMessage",
        "ConsumerRecord",
        "aiokafka.ConsumerRecord",
        "kafka.consumer.fetcher.ConsumerRecord",
    }
)
"""Parameters annotated with a broker's message type carry what the broker delivered."""

# Sanitizers and propagators -------------------------------------------------------------

PROGRAM_CONSTANTS: frozenset[str] = frozenset(
    {
        "sys.executable",
        "sys.prefix",
        "sys.exec_prefix",
        "sys.base_prefix",
        "sys.platform",
        "sys.version",
        "sys.version_info",
        "sys.maxsize",
        "os.sep",
        "os.altsep",
        "os.pathsep",
        "os.linesep",
        "os.devnull",
        "os.curdir",
        "os.pardir",
        "os.name",
        "os.extsep",
        "os.path.sep",
        "subprocess.PIPE",
        "subprocess.DEVNULL",
        "subprocess.STDOUT",
        "__file__",
        "__name__",
        "__spec__",
    }
)
"""Values the program or the interpreter chose: no client can put text in them."""

CLEANING_CALLS: frozenset[str] = frozenset(
    {
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.len",
        "builtins.round",
        "builtins.abs",
        "builtins.hash",
        "builtins.id",
        "builtins.isinstance",
        "builtins.callable",
        "builtins.hasattr",
        "builtins.type",
        "decimal.Decimal",
        "uuid.UUID",
        "uuid.uuid4",
        "ipaddress.ip_address",
        "ipaddress.ip_network",
        "hashlib.md5",
        "hashlib.sha1",
        "hashlib.sha256",
        "hashlib.sha512",
        "hashlib.blake2b",
        "hmac.new",
        "hmac.compare_digest",
        "pickle.dumps",
        "marshal.dumps",
        "base64.b64encode",
        "base64.urlsafe_b64encode",
        "base64.b32encode",
        "base64.b16encode",
        "binascii.hexlify",
        "tempfile.mkdtemp",
        "tempfile.mkstemp",
        "tempfile.mktemp",
        "tempfile.gettempdir",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryFile",
        "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory",
        "secrets.token_hex",
        "secrets.token_urlsafe",
        "os.getpid",
        "os.cpu_count",
        "time.time",
        "time.monotonic",
    }
)
"""Calls whose result holds no attacker-chosen text, whatever their arguments: numbers,
booleans, digests, pickled or base64 output, fresh identifiers. (``json.dumps`` is not one:
it keeps ``$(...)`` in strings as it is.)"""

SHELL_SANITIZERS: frozenset[str] = frozenset(
    {
        "shlex.quote",
        "pipes.quote",
        "shlex.join",
        "werkzeug.utils.secure_filename",
        "werkzeug.secure_filename",
        "django.utils.text.slugify",
        "slugify.slugify",
    }
)
"""Calls that make a value safe to paste into a shell command line (quoting, or keeping
only letters, digits, ``_``, ``.`` and ``-``)."""

CLEANING_METHODS: frozenset[str] = frozenset(
    {
        "isdigit",
        "isalnum",
        "isalpha",
        "isdecimal",
        "isnumeric",
        "isidentifier",
        "startswith",
        "endswith",
        "count",
        "find",
        "rfind",
        "index",
        "hexdigest",
        "digest",
        "exists",
        "is_file",
        "is_dir",
        "isoformat",
        "timestamp",
        "total_seconds",
    }
)
"""Methods whose result is a number, a boolean, a digest or a date text."""

VALIDATING_METHODS: frozenset[str] = frozenset(
    {"isdigit", "isalnum", "isalpha", "isdecimal", "isnumeric", "isidentifier", "isascii"}
)
"""``if not value.isdigit(): return`` leaves ``value`` with nothing a shell would interpret."""

VALIDATING_CALLS: frozenset[str] = frozenset({"re.match", "re.fullmatch", "re.search"})
"""``if not re.fullmatch(PATTERN, value): abort(400)`` validates ``value`` below it."""

VALIDATING_PATTERN_METHODS: frozenset[str] = frozenset({"match", "fullmatch"})
"""``if not SLUG.fullmatch(value): ...`` with a compiled pattern."""

EXITING_CALLS: frozenset[str] = frozenset(
    {
        "flask.abort",
        "quart.abort",
        "werkzeug.exceptions.abort",
        "bottle.abort",
        "sys.exit",
        "builtins.exit",
        "os._exit",
    }
)
"""Calls that leave the function: a guard whose body ends in one of these returns early."""

PROPAGATING_CALLS: frozenset[str] = frozenset(
    {
        "builtins.str",
        "builtins.bytes",
        "builtins.bytearray",
        "builtins.repr",
        "builtins.format",
        "builtins.list",
        "builtins.tuple",
        "builtins.set",
        "builtins.frozenset",
        "builtins.dict",
        "builtins.sorted",
        "builtins.reversed",
        "builtins.open",
        "builtins.memoryview",
        "builtins.enumerate",
        "builtins.zip",
        "builtins.filter",
        "builtins.iter",
        "builtins.next",
        "builtins.min",
        "builtins.max",
        "base64.b64decode",
        "base64.urlsafe_b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "base64.b85decode",
        "base64.a85decode",
        "base64.decodebytes",
        "binascii.unhexlify",
        "binascii.a2b_base64",
        "codecs.decode",
        "zlib.decompress",
        "gzip.decompress",
        "bz2.decompress",
        "lzma.decompress",
        "gzip.open",
        "gzip.GzipFile",
        "io.BytesIO",
        "io.StringIO",
        "io.open",
        "json.loads",
        "json.load",
        "json.dumps",
        "urllib.parse.unquote",
        "urllib.parse.unquote_plus",
        "urllib.parse.unquote_to_bytes",
        "urllib.parse.parse_qs",
        "urllib.parse.parse_qsl",
        "urllib.parse.urlparse",
        "html.unescape",
        "os.path.join",
        "os.path.normpath",
        "os.path.abspath",
        "os.path.expanduser",
        "os.path.basename",
        "os.path.dirname",
        "os.fsencode",
        "os.fsdecode",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "shelve.open",
        "textwrap.dedent",
        "contextlib.closing",
        "string.Template",
    }
)
"""Calls whose result carries their arguments' data: decoding, wrapping, joining paths."""

STRING_BUILDING_METHODS: frozenset[str] = frozenset({"format", "format_map", "join", "replace", "__mod__"})
"""Methods that paste their arguments into the receiver's text."""

CONTAINER_READ_METHODS: frozenset[str] = frozenset(
    {"get", "pop", "setdefault", "copy", "keys", "values", "items"}
)
"""Reads of a container: on a constant table they return the table's own data."""

CONSUMING_METHODS: frozenset[str] = frozenset(
    {"append", "extend", "insert", "update", "add", "appendleft", "extendleft", "setdefault", "write"}
)
"""``parts.append(value)`` puts ``value`` into ``parts``: later reads of ``parts`` carry it."""

WRITING_METHODS: frozenset[str] = frozenset({"save", "save_as", "download_file", "download_fileobj"})
"""``upload.save(path)``, ``storage.save(name, content)``: the file named by the arguments
now holds the receiver's (and the other arguments') data, so a later ``open(path)`` reads it."""


# Sinks ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShellSink:
    """A call that hands a string to ``/bin/sh``.

    ``position``/``keyword`` locate the command argument; ``needs_shell_flag`` means only
    with ``shell=True``; ``list_fix``/``quote_fix`` say which fixes can be offered.
    """

    position: int
    keyword: str | None
    needs_shell_flag: bool
    list_fix: str | None = None
    """``"same"`` when the call takes an argument list once ``shell=True`` is dropped,
    ``"subprocess.run"`` when it becomes ``subprocess.run([...], check=False)``,
    ``"asyncio.create_subprocess_exec"`` for the exec twin of the shell call."""


SHELL_SINKS: dict[str, ShellSink] = {
    "subprocess.run": ShellSink(0, "args", True, "same"),
    "subprocess.call": ShellSink(0, "args", True, "same"),
    "subprocess.check_call": ShellSink(0, "args", True, "same"),
    "subprocess.check_output": ShellSink(0, "args", True, "same"),
    "subprocess.Popen": ShellSink(0, "args", True, "same"),
    "subprocess.getoutput": ShellSink(0, "cmd", False),
    "subprocess.getstatusoutput": ShellSink(0, "cmd", False),
    "commands.getoutput": ShellSink(0, "cmd", False),
    "commands.getstatusoutput": ShellSink(0, "cmd", False),
    "os.system": ShellSink(0, "command", False, "subprocess.run"),
    "os.popen": ShellSink(0, "cmd", False),
    "popen2.popen2": ShellSink(0, "cmd", False),
    "asyncio.create_subprocess_shell": ShellSink(0, "cmd", False, "asyncio.create_subprocess_exec"),
    "asyncio.subprocess.create_subprocess_shell": ShellSink(
        0, "cmd", False, "asyncio.create_subprocess_exec"
    ),
}

SHELL_METHOD_SINKS: dict[str, ShellSink] = {"subprocess_shell": ShellSink(1, "cmd", False)}
"""``loop.subprocess_shell(protocol_factory, cmd)`` on any event loop."""

SHELL_FLAG_KEYWORD = "shell"

ARGV_SINKS: frozenset[str] = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "asyncio.create_subprocess_exec",
        "os.execl",
        "os.execle",
        "os.execlp",
        "os.execlpe",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execvpe",
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnlpe",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.spawnvpe",
        "os.posix_spawn",
        "os.posix_spawnp",
    }
)
"""Calls that run an argument vector: dangerous only when the vector is ``sh -c <string>``."""

SHELL_PROGRAMS: frozenset[str] = frozenset(
    {
        "sh",
        "bash",
        "zsh",
        "dash",
        "ksh",
        "ash",
        "/bin/sh",
        "/bin/bash",
        "/usr/bin/bash",
        "/bin/zsh",
        "/bin/dash",
    }
)
SHELL_COMMAND_FLAGS: frozenset[str] = frozenset({"-c", "-lc", "-ec", "-xc", "-ce", "-cl"})


LOCAL_SOURCE_KINDS: frozenset[str] = frozenset(
    {"the command line", "the environment", "user input", "standard input"}
)
"""Sources that only the person running the program controls. Loading a pickle or a
checkpoint they name (``torch.load(args.checkpoint)``) runs code they could run anyway, so
PF010 does not report them; a shell command built from them still breaks on odd input."""


@dataclass(frozen=True, slots=True)
class DeserializationSink:
    """A call that can run code chosen by whoever wrote its input.

    ``position``/``keyword`` locate the data (or file, or path) argument. ``safe_when``
    names a keyword whose presence with a safe value makes the call harmless:
    ``("Loader", SAFE_YAML_LOADERS)``; ``unsafe_when`` names a keyword that must be
    ``True`` for the call to be dangerous at all (``allow_pickle=True``).
    """

    position: int
    keyword: str | None
    what: str
    safe_keyword: str | None = None
    unsafe_only_with: str | None = None
    fix: str | None = None
    """``"json"``: offer ``json.loads``/``json.load``; ``"yaml-loader"``: add a safe Loader;
    ``"weights-only"``: add ``weights_only=True``; ``"no-pickle"``: ``allow_pickle=False``."""


_PICKLE_LIKE_MODULES = ("pickle", "_pickle", "cPickle", "dill", "cloudpickle", "pickle5")

DESERIALIZATION_SINKS: dict[str, DeserializationSink] = {
    **{
        f"{module}.loads": DeserializationSink(0, "data", "unpickles data", fix="json")
        for module in _PICKLE_LIKE_MODULES
    },
    **{
        f"{module}.load": DeserializationSink(0, "file", "unpickles data", fix="json")
        for module in _PICKLE_LIKE_MODULES
    },
    **{
        f"{module}.Unpickler": DeserializationSink(0, "file", "unpickles data")
        for module in _PICKLE_LIKE_MODULES
    },
    "jsonpickle.decode": DeserializationSink(0, "string", "decodes data with jsonpickle", fix="json"),
    "jsonpickle.loads": DeserializationSink(0, "string", "decodes data with jsonpickle", fix="json"),
    "marshal.loads": DeserializationSink(0, "bytes", "unmarshals data"),
    "marshal.load": DeserializationSink(0, "file", "unmarshals data"),
    "shelve.open": DeserializationSink(0, "filename", "opens a shelf (pickles) at a path"),
    "yaml.load": DeserializationSink(0, "stream", "loads YAML", safe_keyword="Loader", fix="yaml-loader"),
    "yaml.load_all": DeserializationSink(0, "stream", "loads YAML", safe_keyword="Loader", fix="yaml-loader"),
    "yaml.unsafe_load": DeserializationSink(0, "stream", "loads YAML with the unsafe loader"),
    "yaml.unsafe_load_all": DeserializationSink(0, "stream", "loads YAML with the unsafe loader"),
    "pandas.read_pickle": DeserializationSink(0, "filepath_or_buffer", "unpickles data"),
    "numpy.load": DeserializationSink(
        0, "file", "unpickles data", unsafe_only_with="allow_pickle", fix="no-pickle"
    ),
    "torch.load": DeserializationSink(
        0, "f", "unpickles data", safe_keyword="weights_only", fix="weights-only"
    ),
    "joblib.load": DeserializationSink(0, "filename", "unpickles data"),
    "sklearn.externals.joblib.load": DeserializationSink(0, "filename", "unpickles data"),
}

SAFE_YAML_LOADERS: frozenset[str] = frozenset(
    {
        "yaml.SafeLoader",
        "yaml.CSafeLoader",
        "yaml.BaseLoader",
        "yaml.CBaseLoader",
        "yaml.loader.SafeLoader",
        "yaml.cyaml.CSafeLoader",
        "SafeLoader",
        "CSafeLoader",
        "BaseLoader",
    }
)
"""YAML loaders that build only plain data. ``FullLoader`` is not among them: it still
builds Python objects from tags, and older PyYAML releases ran code through it."""

SAFE_YAML_LOADER_FIX = "SafeLoader"
YAML_MODULE = "yaml"
JSON_MODULE = "json"
WEIGHTS_ONLY_KEYWORD = "weights_only"
ALLOW_PICKLE_KEYWORD = "allow_pickle"
SUBPROCESS_MODULE = "subprocess"
SHLEX_MODULE = "shlex"
SHLEX_QUOTE = "quote"
