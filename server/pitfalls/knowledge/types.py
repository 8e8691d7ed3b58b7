"""Which calls build mutable containers, which build decimals, which return floats."""

from __future__ import annotations

MUTABLE_CONSTRUCTORS: frozenset[str] = frozenset(
    {
        "builtins.list",
        "builtins.dict",
        "builtins.set",
        "builtins.bytearray",
        "collections.defaultdict",
        "collections.deque",
        "collections.OrderedDict",
        "collections.Counter",
        "collections.ChainMap",
    }
)

READ_ONLY_METHODS: frozenset[str] = frozenset(
    {
        "copy",
        "count",
        "index",
        "get",
        "keys",
        "values",
        "items",
        "most_common",
        "elements",
        "total",
        "union",
        "intersection",
        "difference",
        "symmetric_difference",
        "issubset",
        "issuperset",
        "isdisjoint",
        "fromkeys",
        "decode",
        "hex",
        "find",
        "startswith",
        "endswith",
        "__contains__",
        "__len__",
        "__iter__",
        "__getitem__",
    }
)
"""Methods of lists, dicts, sets, deques, counters and bytearrays that leave the object as it
is and return nothing that aliases it: calling one on a mutable default is harmless."""

COPYING_METHODS: frozenset[str] = frozenset(
    {
        "update",
        "extend",
        "union",
        "intersection",
        "difference",
        "symmetric_difference",
        "intersection_update",
        "difference_update",
        "symmetric_difference_update",
        "issubset",
        "issuperset",
        "isdisjoint",
        "join",
        "format",
        "get",
        "count",
        "index",
        "startswith",
        "endswith",
        "fromkeys",
        "__contains__",
    }
)
"""Methods of any object that read the elements of their argument and keep no reference to
it (``target.update(defaults)``, ``", ".join(parts)``): passing a default to one is harmless."""

READING_CALLS: frozenset[str] = frozenset(
    {
        "builtins.len",
        "builtins.list",
        "builtins.tuple",
        "builtins.set",
        "builtins.frozenset",
        "builtins.dict",
        "builtins.sorted",
        "builtins.reversed",
        "builtins.iter",
        "builtins.enumerate",
        "builtins.zip",
        "builtins.sum",
        "builtins.min",
        "builtins.max",
        "builtins.any",
        "builtins.all",
        "builtins.isinstance",
        "builtins.print",
        "builtins.str",
        "builtins.repr",
        "builtins.bool",
        "builtins.hash",
        "builtins.id",
        "builtins.type",
        "builtins.map",
        "builtins.filter",
        "builtins.bytes",
        "copy.copy",
        "copy.deepcopy",
        "json.dumps",
        "itertools.chain",
        "collections.OrderedDict",
        "collections.Counter",
    }
)
"""Calls that read their arguments and keep no reference to them (``list(items)`` copies)."""

DECIMAL_CONSTRUCTORS: frozenset[str] = frozenset(
    {"decimal.Decimal", "_decimal.Decimal", "_pydecimal.Decimal"}
)
DECIMAL_FROM_FLOAT: frozenset[str] = frozenset(name + ".from_float" for name in DECIMAL_CONSTRUCTORS)

FLOAT_ANNOTATIONS: frozenset[str] = frozenset({"float", "builtins.float", "numpy.float64", "numpy.float32"})

FLOAT_RETURNING_CALLS: frozenset[str] = frozenset(
    {
        "builtins.float",
        "math.sqrt",
        "math.exp",
        "math.log",
        "math.log10",
        "math.log2",
        "math.pow",
        "math.fabs",
        "math.fsum",
        "math.sin",
        "math.cos",
        "math.tan",
        "math.hypot",
        "math.radians",
        "math.degrees",
        "math.copysign",
        "math.fmod",
        "time.time",
        "time.monotonic",
        "time.perf_counter",
        "time.process_time",
        "random.random",
        "random.uniform",
        "random.gauss",
        "random.normalvariate",
        "random.expovariate",
        "random.triangular",
        "numpy.float64",
        "numpy.float32",
    }
)
FLOAT_RETURNING_METHODS: frozenset[str] = frozenset({"total_seconds", "timestamp"})
"""Methods that return a float whatever the receiver (``timedelta.total_seconds()``)."""

NON_FINITE_FLOAT_STRINGS: frozenset[str] = frozenset({"nan", "inf", "-inf", "+inf", "infinity", "-infinity"})

EXITING_CALLS: frozenset[str] = frozenset(
    {"sys.exit", "os._exit", "builtins.exit", "builtins.quit", "os.abort"}
)
"""Calls that end the process: a handler ending in one does not swallow a shutdown."""

EXCEPTION_HANDOVER_METHODS: frozenset[str] = frozenset({"set_exception", "throw", "put_exception"})
"""Methods that pass a caught exception on to someone who will raise it (futures, generators)."""

FLOAT_TYPE_NAMES: frozenset[str] = frozenset({"builtins.float", "numpy.float64", "numpy.float32"})
"""What cross-module inference (jedi) calls a float instance."""

NOT_FLOAT_CALLS: frozenset[str] = frozenset({"builtins.str", "builtins.int", "builtins.len", "builtins.repr"})

INT_RETURNING_CALLS: frozenset[str] = frozenset(
    {"builtins.int", "builtins.len", "builtins.ord", "builtins.hash"}
)
PLAIN_NUMBER_TYPE_NAMES: frozenset[str] = FLOAT_TYPE_NAMES | {"builtins.int"}
"""Types whose true division yields a float (unlike Decimal / int)."""

PARAMETRIZE_DECORATORS: frozenset[str] = frozenset({"pytest.mark.parametrize", "_pytest.mark.parametrize"})
"""Decorators that hand a test its parameters' values; inference sees none of them."""
