"""Caches: what builds one, how it is read and written, how entries expire, what guards a
refill. One table per question; the cache rules (PF003, PF004, PF011) read only these."""

from __future__ import annotations

# In-process containers -----------------------------------------------------------------------

IN_PROCESS_CONTAINER_CONSTRUCTORS: frozenset[str] = frozenset(
    {
        "builtins.dict",
        "collections.OrderedDict",
        "collections.defaultdict",
        "weakref.WeakValueDictionary",
        "cachetools.Cache",
        "cachetools.LRUCache",
        "cachetools.LFUCache",
        "cachetools.RRCache",
        "cachetools.FIFOCache",
        "cachetools.MRUCache",
        "pylru.lrucache",
        "lru.LRU",
    }
)
"""Calls that build an in-process mapping; with a name saying ``cache`` or ``memo`` it is a
cache whose values are handed out by reference, not copied."""

EXPIRING_CONTAINER_CONSTRUCTORS: frozenset[str] = frozenset(
    {
        "cachetools.TTLCache",
        "cachetools.TLRUCache",
        "expiringdict.ExpiringDict",
        "cacheout.Cache",
        "cacheout.LRUCache",
    }
)
"""In-process mappings whose entries expire: a cache whatever its name."""

CACHE_NAME_WORDS: tuple[str, ...] = ("cache", "memo", "redis", "memcache", "valkey")
"""Lower-case fragments of a variable or attribute name that mark it as a cache."""

PER_USER_KEY_WORDS: frozenset[str] = frozenset(
    {"user", "users", "uid", "team", "account", "member", "customer", "profile", "player", "owner"}
)
"""Words of a memoized function's parameter (``user_id``, ``team``) that make each entry one
user's or one team's: only that user's requests read it, so no crowd misses it at once."""

PER_CLIENT_KEY_WORDS: frozenset[str] = frozenset({"ip"})
"""Words of a value a cache key is built from (``client_ip``, ``hashed_client_ip``) that make
each entry one client's: only that client's requests read it, so no crowd misses it at once."""

PER_CLIENT_KEY_NAMES: frozenset[str] = frozenset(
    {"session_key", "sessionid", "remote_addr", "http_x_forwarded_for", "http_x_real_ip"}
)
"""Whole names (lower-cased attributes, variables or ``META`` keys) of per-client values whose
words alone say too little: ``request.session.session_key``, ``request.META["REMOTE_ADDR"]``."""

# Memoizing decorators --------------------------------------------------------------------------

IN_PROCESS_MEMOIZERS: frozenset[str] = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "cachetools.func.lfu_cache",
        "cachetools.func.fifo_cache",
        "cachetools.func.rr_cache",
        "cachetools.func.mru_cache",
        "async_lru.alru_cache",
        "toolz.memoize",
        "toolz.functoolz.memoize",
        "cytoolz.memoize",
        "boltons.cacheutils.cached",
        "methodtools.lru_cache",
        "fastcache.clru_cache",
        "memoization.cached",
    }
)
"""Decorators that keep the returned object itself and hand the same one to every caller."""

LOCAL_MEMOIZER_NAMES: frozenset[str] = frozenset(
    {"memoize", "memoized", "memoise", "memoised", "cached", "lru_cache"}
)
"""Names of decorators defined in the same file that memoize in process."""

SHARED_MEMOIZER_METHODS: frozenset[str] = frozenset({"cached", "memoize"})
"""Decorator methods of a shared cache object (Flask-Caching's ``@cache.cached``,
``@cache.memoize``): keyed by ``key_prefix``/``make_cache_key`` or the arguments."""

SHARED_MEMOIZERS: frozenset[str] = frozenset(
    {"aiocache.cached", "aiocache.decorators.cached", "aiocache.multi_cached"}
)

PER_INSTANCE_CACHES: frozenset[str] = frozenset(
    {
        "functools.cached_property",
        "django.utils.functional.cached_property",
        "werkzeug.utils.cached_property",
        "werkzeug.cached_property",
        "cached_property.cached_property",
        "pydantic.functional_validators.cached_property",
    }
)
"""Caches per instance: the value lives and dies with one object, so handing it out by
reference is how attributes work and is not reported."""

LANGUAGE_VARYING_CACHE_DECORATORS: frozenset[str] = frozenset(
    {
        "django.views.decorators.cache.cache_page",
        "django.views.decorators.cache.cache_control",
    }
)
"""Caching decorators whose key already varies on the active language."""

# Shared cache clients -------------------------------------------------------------------------

SHARED_CACHE_OBJECTS: frozenset[str] = frozenset(
    {
        "django.core.cache.cache",
        "django.core.cache.caches",
        "django.core.cache.default_cache",
    }
)
"""Importable objects that are shared caches (``caches[...]`` counts through subscripting)."""

CACHE_CLIENT_CONSTRUCTORS: tuple[str, ...] = (
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "redis.client",
    "redis.asyncio",
    "redis.cluster",
    "redis.RedisCluster",
    "aioredis",
    "valkey",
    "coredis",
    "flask_caching.Cache",
    "flask_cache.Cache",
    "cachelib",
    "aiocache",
    "pymemcache",
    "memcache.Client",
    "pylibmc.Client",
    "bmemcached.Client",
    "diskcache",
    "django.core.cache.caches",
)
"""Qualified names (or prefixes of them) of calls that build a shared cache client."""

CACHE_READ_METHODS: frozenset[str] = frozenset({"get", "get_many", "mget", "get_multi", "hget", "hgetall"})

CACHE_WRITE_METHODS: dict[str, tuple[int, tuple[str, ...]]] = {
    "set": (1, ("value", "val")),
    "setex": (2, ("value",)),
    "psetex": (2, ("value",)),
    "add": (1, ("value", "val")),
    "get_or_set": (1, ("default",)),
    "set_many": (-1, ()),
    "set_multi": (-1, ()),
    "hset": (2, ("value",)),
}
"""Write methods, with the position and keyword names of the stored value (-1: a mapping)."""

EXPIRY_POSITION: dict[str, int] = {
    "set": 2,
    "add": 2,
    "get_or_set": 2,
    "set_many": 1,
    "set_multi": 1,
    "setex": 1,
    "psetex": 1,
}
"""Where a write takes its timeout positionally (Django, Flask-Caching, pymemcache, redis)."""

EXPIRY_KEYWORDS: frozenset[str] = frozenset(
    {
        "timeout",
        "ex",
        "px",
        "exat",
        "pxat",
        "ttl",
        "expire",
        "expires",
        "expire_time",
        "time",
        "expiry",
        "expiration",
    }
)

EXPIRE_METHODS: frozenset[str] = frozenset({"expire", "pexpire", "expireat", "pexpireat", "touch"})
"""Calls after a write that give the entry an expiry (``r.set(k, v); r.expire(k, 60)``)."""

# What guards a refill -------------------------------------------------------------------------

LOCK_NAME_WORDS: tuple[str, ...] = (
    "lock",
    "mutex",
    "semaphore",
    "_sem",
    "singleflight",
    "single_flight",
    "condition",
)
"""Fragments of a context manager's name (``with _refresh_lock:``) that make it a lock."""

LOCK_METHODS: frozenset[str] = frozenset({"lock", "acquire", "setnx", "Lock", "RLock", "Semaphore"})
"""Calls that take a lock (``with redis.lock("k"):``, ``lock.acquire()``, ``r.setnx``)."""

ADD_LOCK_METHODS: frozenset[str] = frozenset({"add"})
"""Cache methods that only store when the key is absent: one caller wins, the others wait."""

NX_KEYWORDS: frozenset[str] = frozenset({"nx"})

SINGLE_FLIGHT_WORDS: tuple[str, ...] = (
    "single_flight",
    "singleflight",
    "dogpile",
    "coalesce",
    "stampede",
    "refresh_ahead",
    "stale",
    "early_refresh",
    "xfetch",
)
"""Fragments of called names or decorators that mean a refill is already de-duplicated or
refreshed before expiry."""

EARLY_REFRESH_CALLS: frozenset[str] = frozenset({"random.random", "random.uniform", "random.expovariate"})
"""Randomness in the expiry check: probabilistic early refresh (XFetch), not a stampede."""

# Time ----------------------------------------------------------------------------------------

CLOCK_CALLS: frozenset[str] = frozenset(
    {
        "time.time",
        "time.monotonic",
        "time.perf_counter",
        "time.time_ns",
        "time.monotonic_ns",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "django.utils.timezone.now",
        "arrow.utcnow",
        "arrow.now",
        "pendulum.now",
    }
)
"""Calls that read the clock, for hand-written expiry checks."""

CHEAP_CALLS: frozenset[str] = frozenset(
    {
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.len",
        "builtins.repr",
        "builtins.dict",
        "builtins.list",
        "builtins.tuple",
        "builtins.set",
        "builtins.frozenset",
        "builtins.min",
        "builtins.max",
        "builtins.round",
        "builtins.abs",
        "builtins.object",
        "builtins.any",
        "builtins.all",
        "builtins.next",
        "builtins.sum",
        "builtins.sorted",
        "builtins.enumerate",
        "builtins.zip",
        "builtins.map",
        "builtins.filter",
        "builtins.iter",
        "builtins.isinstance",
        "builtins.getattr",
        "json.dumps",
        "json.loads",
        "pickle.dumps",
        "pickle.loads",
        "uuid.uuid4",
        "flask.jsonify",
        "flask.make_response",
        "flask.render_template",
        "flask.render_template_string",
        "django.http.JsonResponse",
        "django.http.HttpResponse",
        "django.shortcuts.render",
        "django.template.loader.render_to_string",
        "os.path.getmtime",
        "os.path.getctime",
        "os.path.exists",
        *CLOCK_CALLS,
    }
)
"""Calls too cheap to be the recomputation a stampede repeats."""

# Copies ---------------------------------------------------------------------------------------

IMMUTABLE_RESULT_CALLS: frozenset[str] = frozenset(
    {
        "builtins.tuple",
        "builtins.frozenset",
        "builtins.str",
        "builtins.bytes",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.len",
        "types.MappingProxyType",
        "copy.copy",
        "copy.deepcopy",
        "builtins.sorted",
        "builtins.list",
        "builtins.dict",
        "builtins.set",
    }
)
"""Calls whose result, returned from a cache lookup, is a copy or immutable (PF003 silent)."""

IMMUTABLE_CONSTRUCTORS: frozenset[str] = frozenset(
    {
        "builtins.tuple",
        "builtins.frozenset",
        "builtins.str",
        "builtins.bytes",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "types.MappingProxyType",
    }
)
"""Calls that build an immutable value: a cache entry made by one is safe to hand out."""

COPY_METHODS: frozenset[str] = frozenset({"copy", "deepcopy", "model_copy", "clone"})

MUTABLE_RESULT_CALLS: frozenset[str] = frozenset(
    {
        "builtins.list",
        "builtins.dict",
        "builtins.set",
        "builtins.sorted",
        "builtins.bytearray",
        "collections.defaultdict",
        "collections.deque",
        "collections.OrderedDict",
        "collections.Counter",
        "json.load",
        "json.loads",
        "yaml.safe_load",
        "yaml.load",
        "tomllib.load",
        "tomllib.loads",
        "tomli.load",
        "tomli.loads",
    }
)
"""Calls that build a new mutable container: what a memoized function returning one keeps."""

MUTABLE_ANNOTATIONS: frozenset[str] = frozenset(
    {
        "list",
        "dict",
        "set",
        "List",
        "Dict",
        "Set",
        "DefaultDict",
        "defaultdict",
        "OrderedDict",
        "Counter",
        "deque",
        "MutableMapping",
        "MutableSequence",
        "MutableSet",
        "bytearray",
    }
)
"""Return annotations (outermost name) that promise a mutable container."""

CHEAP_METHODS: frozenset[str] = frozenset(
    {
        "format",
        "join",
        "strip",
        "lower",
        "upper",
        "encode",
        "decode",
        "replace",
        "split",
        "items",
        "keys",
        "values",
        "get",
        "copy",
        "isoformat",
        "hexdigest",
        "total_seconds",
        "timestamp",
        "append",
        "startswith",
        "endswith",
        "setdefault",
        "json",
        "raise_for_status",
    }
)
"""Methods too cheap to be the recomputation (string formatting, dict views)."""

FILLING_METHODS: frozenset[str] = frozenset(
    {"append", "appendleft", "extend", "add", "update", "insert", "setdefault"}
)
"""Methods that put items into a list, set or dict (``entries[key].append(row)``)."""

COLLECTION_METHODS: frozenset[str] = frozenset(
    {
        "all",
        "fetchall",
        "fetchmany",
        "values_list",
        "to_dict",
        "as_dict",
        "model_dump",
        "dict",
        "tolist",
        "json",
    }
)
"""Methods that return a fresh list or dict (``query.all()``, ``cursor.fetchall()``)."""

COLLECTION_VERBS: frozenset[str] = frozenset(
    {
        "get",
        "fetch",
        "load",
        "read",
        "list",
        "query",
        "find",
        "build",
        "compute",
        "collect",
        "select",
        "parse",
    }
)
"""First words of a function name that, with a plural last word (``fetch_categories``),
say the function returns a collection."""

COLLECTION_NOUNS: frozenset[str] = frozenset(
    {"list", "dict", "map", "mapping", "table", "index", "tree", "config", "settings", "data", "rows"}
)
"""Last words of a function name that name a collection even without a plural."""

TTL_MEMOIZERS: frozenset[str] = frozenset({"cachetools.func.ttl_cache", "cachetools.func.tlru_cache"})
"""Memoizing decorators whose entries always expire."""

CONTAINER_MEMOIZERS: frozenset[str] = frozenset({"cachetools.cached", "cachetools.cachedmethod"})
"""Memoizing decorators that take the cache as their first argument (or ``cache=``): they
expire entries when that cache does."""

EXPIRY_MEMOIZERS: frozenset[str] = frozenset({"aiocache.cached", "aiocache.decorators.cached"})
"""Memoizing decorators that expire entries when given a ``ttl``."""

MEMOIZER_LOCK_KEYWORDS: frozenset[str] = frozenset({"lock", "condition"})
"""Decorator options that serialise the refill (``cachetools.cached(..., lock=...)``)."""

REMOTE_RECEIVER_WORDS: frozenset[str] = frozenset(
    {
        "session",
        "sess",
        "client",
        "requests",
        "http",
        "httpx",
        "db",
        "api",
        "conn",
        "connection",
        "repo",
        "repository",
        "service",
        "objects",
        "query",
        "s3",
        "table",
        "collection",
        "cursor",
    }
)
"""Words in a receiver's name that make ``.get(...)`` a remote call, not a dict lookup."""
