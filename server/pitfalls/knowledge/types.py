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
