"""PF004 cache-stampede."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from pitfalls import dbflow
from pitfalls.astutil import (
    call_arguments,
    called_name,
    children,
    last_names,
    short_text,
    walk,
)
from pitfalls.cachemodel import (
    CacheCall,
    assignments_in,
    cache_call,
    container_for,
    identifier_words,
    import_edit,
    is_shared_cache,
    known_file_caches,
    last_identifier,
    own_nodes_of,
    parameter_names,
    same_expression,
    write_expiry,
)
from pitfalls.engine import Checker, Scope, parent_of
from pitfalls.knowledge.caches import (
    ADD_LOCK_METHODS,
    CHEAP_CALLS,
    CHEAP_METHODS,
    CLOCK_CALLS,
    CONTAINER_MEMOIZERS,
    EARLY_REFRESH_CALLS,
    EXPIRE_METHODS,
    EXPIRING_CONTAINER_CONSTRUCTORS,
    EXPIRY_MEMOIZERS,
    FILLING_METHODS,
    LOCK_METHODS,
    LOCK_NAME_WORDS,
    MEMOIZER_LOCK_KEYWORDS,
    NX_KEYWORDS,
    PER_CLIENT_KEY_NAMES,
    PER_CLIENT_KEY_WORDS,
    PER_USER_KEY_WORDS,
    REMOTE_RECEIVER_WORDS,
    SHARED_MEMOIZER_METHODS,
    SINGLE_FLIGHT_WORDS,
    TTL_MEMOIZERS,
)
from pitfalls.knowledge.locale import LOCALE_CALL_NAMES, LOCALE_CALLS
from pitfalls.model import Applicability, Edit, Fix, Position, Range, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video

_MAX_DEPTH = 4
_REFILL_METHODS = frozenset({"set", "setex", "psetex", "set_many", "set_multi", "get_or_set"})
"""The cache writes ``_shared_cache_refills`` reports."""


class CacheStampede(Rule):
    code = "PF004"
    slug = "cache-stampede"
    summary = "An expiring cache entry is refilled by every request that misses it at once"
    severity = Severity.WARNING
    has_fix = True
    triggers = ("cache", "Cache", "redis", "Redis", "time", "monotonic", "ttl", "TTL", "expire")
    wants_scopes = True
    video = Video(
        "What's wrong with this Python cache refresh?", "https://www.youtube.com/watch?v=EAnLdUclDwo"
    )
    doc = RuleDoc(
        what_it_does="""\
Finds the read-miss-recompute-store pattern on an entry that expires, when nothing makes
concurrent requests wait for a single refill:

- a read (`cache.get(key)`) followed by a write of the same key with an expiry — a
  timeout or TTL argument (`cache.set(key, value, 300)`, `timeout=`, `ttl=`), `setex`,
  `set(..., ex=...)`, or a later `expire(key, ...)` — on Django's cache, Flask-Caching, a
  Redis or memcached client, aiocache, or any object whose name says it is a cache;
- `cache.get_or_set(key, compute, timeout)` with a function (not a constant) to compute the
  value;
- a lookup and a store on an in-process expiring cache (`cachetools.TTLCache`);
- a function memoized with an expiring decorator — Flask-Caching's `@cache.cached(timeout=...)`
  and `@cache.memoize(timeout=...)`, `cachetools.cached(TTLCache(...))`,
  `cachetools.func.ttl_cache`, aiocache's `@cached(ttl=...)` — that runs a query or remote
  call for the value it returns, or for the loop that fills it (reported at the decorator);
- a hand-written refresh: a clock reading (`time.time()`, `time.monotonic()`,
  `datetime.now()`) compared with a stored timestamp, then a recomputed value and a new
  timestamp stored.

It stays silent when the refill runs under a lock (or the decorator is given `lock=`) (`with lock:`, `async with lock:`,
`redis.lock(...)`, `.acquire()`), when the function takes an `add`/`setnx`/`nx=True` lock,
when a single-flight or early-refresh helper is involved (names containing
`single_flight`, `dogpile`, `stale`, `refresh_ahead`, or randomness in the expiry check),
when the entry never expires, and when the stored value is cheap (a constant, or built
only from cheap calls such as `str()` or `json.dumps()` of the arguments, or by a helper
of the same file or class whose body makes no costlier call). A memoized
function with a parameter that names a user or a team (`user_id`, `team`, `account`) is
left alone too: each entry is one user's, read by that user's requests only, so its
expiry brings no crowd. So is a shared-cache entry whose key is built from one client's
value — a client IP (`f"geoip:{client_ip}"`, `request.META["REMOTE_ADDR"]`) or a session
key (`request.session.session_key`), directly or through a variable holding the key; the
key's literal text does not count (`"ip-ranges:" + region` is everybody's). A refill is also
left alone when a module- or class-level dict that never expires sits in front of the shared
cache — earlier in the function, `if key in _memo: return ...` (or `_memo.get(key)`) with
the same key, and the value is stored into `_memo[key]` too: each process then reads the
shared entry once, so its expiry costs one refill per worker, not one per request. A
sliding expiry is no stampede either: when the path that finds the entry renews it
(`else: cache.touch(key, 300)`), an entry in use never expires.""",
        why_it_bites="""\
A popular entry expires at one instant for everybody. Every request that arrives before
the first refill finishes sees a miss and runs the expensive query or remote call itself:
hundreds of identical queries hit the database at once, each one slower because of the
others, so the refill takes longer and even more requests pile up behind it. The
database melts exactly when traffic is highest, and the cache that was meant to protect
it is the reason. Nothing shows in tests or at low traffic.""",
        example="""\
```python
def exchange_rates():
    rates = cache.get("rates")
    if rates is None:
        rates = fetch_rates_from_provider()      # slow, rate-limited
        cache.set("rates", rates, timeout=300)
    return rates
```""",
        use_instead="""\
```python
def exchange_rates():
    rates = cache.get("rates")
    if rates is None:
        if cache.add("rates:lock", 1, timeout=30):   # one request refills
            try:
                rates = fetch_rates_from_provider()
                cache.set("rates", rates, timeout=300)
            finally:
                cache.delete("rates:lock")
        else:
            rates = wait_for_refill("rates")
    return rates
```

In one process, a `threading.Lock` (or `asyncio.Lock`) around the refill with a second
look at the cache inside it does the same. Refreshing ahead of expiry in the background,
or probabilistic early expiration, avoids the miss altogether.""",
        fix_safety="""\
The fix is unsafe and offered only for the plain shape — `value = cache.get(key)` followed by
`if value is None:` holding the refill. It wraps the refill in a double-checked lock: a
module-level `threading.Lock()` (`asyncio.Lock()` in `async def`), a second look at the cache
inside it, and the refill only if that still misses. Requests in the same process then
wait for one refill instead of repeating it; other processes are not coordinated (use a
`cache.add` or Redis lock for that), and a slow refill now holds the others back.""",
    )

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        if scope.kind != "function" or scope.node.__class__ is ast.Lambda:
            return
        function = scope.node
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        nodes = scope.nodes
        # What each check needs before it can report: most functions have none of it, and
        # looking for a guard first costs more than all four looks.
        calls = scope.of(ast.Call)
        memoized = bool(function.decorator_list) and any(
            _expiring_memoizer(decorator, checker) for decorator in function.decorator_list
        )
        # Only a store into an expiring container of the file can be reported.
        caches = known_file_caches(checker)
        subscript_stores = (caches is None or caches.any_expiring) and any(
            len(store.targets) == 1 and isinstance(store.targets[0], ast.Subscript)  # type: ignore[attr-defined]
            for store in scope.of(ast.Assign)
        )
        refilled = timed = False
        for call in calls:  # one pass for both looks
            func = call.func  # type: ignore[attr-defined]
            if func.__class__ is ast.Attribute:
                refilled = refilled or func.attr in _REFILL_METHODS
                # what _is_clock_call says at once of other method calls, without the call
                timed = timed or (func.attr in _CLOCK_ATTRIBUTES and _is_clock_call(call, checker))  # type: ignore[arg-type]
            elif not timed:
                timed = _is_clock_call(call, checker)  # type: ignore[arg-type]
            if refilled and timed:
                break
        if not (memoized or refilled or subscript_stores or timed) or _function_guarded(
            function, calls, checker
        ):
            return
        if memoized:
            self._memoized_with_expiry(function, scope, checker)
        if refilled:
            self._shared_cache_refills(function, scope, checker)
        if subscript_stores:
            self._expiring_container_refills(function, scope, checker)
        if timed:
            self._hand_written_refresh(function, nodes, checker)

    # Memoizing decorators with expiry --------------------------------------------------

    def _memoized_with_expiry(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, checker: Checker
    ) -> None:
        for decorator in function.decorator_list:
            if not _expiring_memoizer(decorator, checker):
                continue
            assert isinstance(decorator, ast.Call)
            if any(keyword.arg in MEMOIZER_LOCK_KEYWORDS for keyword in decorator.keywords):
                return
            if _per_user_entries(function):
                return
            cost = None
            for node in scope.of(ast.Return):
                if isinstance(node, ast.Return) and node.value is not None:
                    cost = _expensive(node.value, function, checker, 0) or _filled_from(
                        node.value, function, scope, checker
                    )
                    if cost is not None:
                        break
            if cost is None:
                return
            message = (
                f"When `{function.name}`'s cached result expires under load, every request that misses it "
                f"reruns {cost} at once (a cache stampede on the backend); refresh it ahead of expiry or let "
                "one request refill it behind a lock"
            )
            checker.report(self, decorator, message)
            return

    # Shared caches ---------------------------------------------------------------------

    def _shared_cache_refills(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, checker: Checker
    ) -> None:
        every_call: list[ast.Call] = scope.of(ast.Call)  # type: ignore[assignment]
        calls = [found for node in every_call for found in [cache_call(node, checker)] if found]
        reads = [call for call in calls if call.method in ("get", "get_many", "mget", "get_multi", "hget")]
        for write in calls:
            if write.method == "get_or_set":
                self._get_or_set(function, write, checker)
                continue
            if write.method not in ("set", "setex", "psetex", "set_many", "set_multi"):
                continue
            expiry = write_expiry(write.call, write.method)
            if expiry is None and not _expired_later(write, every_call):
                continue
            read = _matching_read(write, reads)
            if read is None or write.value is None or _under_lock(write.call, checker):
                continue
            if (
                _per_client_key(write.key, function, checker, 0)
                or _process_memo_in_front(write, scope, checker)
                or _renewed_on_hit(write, every_call)
            ):
                continue
            cost = _expensive(write.value, function, checker, 0)
            if cost is None:
                continue
            message = (
                f"When this entry expires under load, every request that misses it reruns {cost} and "
                "stores it at once (a cache stampede on the backend); let one request refill it behind "
                "a lock or `cache.add` lock, or refresh it before it expires"
            )
            checker.report(
                self,
                write.call,
                message,
                fix=_double_checked_lock_fix(function, read, write, checker),
                related=(checker.related("the read that misses", read.call),),
            )

    def _get_or_set(self, function: ast.AST, write: CacheCall, checker: Checker) -> None:
        default = write.value
        if default is None or write_expiry(write.call, "get_or_set") is None:
            return
        if isinstance(default, ast.Lambda):
            cost = _expensive(default.body, function, checker, 0)
        elif isinstance(default, (ast.Name, ast.Attribute)) and _names_function(default, function, checker):
            cost = f"`{ast.unparse(default)}()`"
        else:
            return
        if (
            cost is None
            or _under_lock(write.call, checker)
            or _per_client_key(write.key, function, checker, 0)
        ):
            return
        message = (
            f"`get_or_set` takes no lock: when this entry expires under load, every request that misses it "
            f"runs {cost} at once (a cache stampede); let one request refill it behind a lock"
        )
        checker.report(self, write.call, message)

    # In-process expiring caches --------------------------------------------------------

    def _expiring_container_refills(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, checker: Checker
    ) -> None:
        for node in scope.of(ast.Assign):
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target = node.targets[0]
            if not isinstance(target, ast.Subscript):
                continue
            container = container_for(target.value, checker, target)
            if container is None or not container.expiring:
                continue
            if not _looked_up(target.value, scope, before=node) or _under_lock(node, checker):
                continue
            cost = _expensive(node.value, function, checker, 0)
            if cost is None:
                continue
            message = (
                f"Every thread that misses this expiring `{container.name}` entry reruns {cost} at the "
                "same time when it expires; refill it under a lock with a second look inside"
            )
            checker.report(
                self, node, message, related=(checker.related("the expiring cache", container.definition),)
            )

    # Hand-written expiry ---------------------------------------------------------------

    def _hand_written_refresh(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, nodes: list[ast.AST], checker: Checker
    ) -> None:
        if not any(isinstance(node, ast.Call) and _is_clock_call(node, checker) for node in nodes):
            return
        clock_names = _clock_names(function, nodes, checker)
        stores = [
            node for node in nodes if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
        ]
        declared = {
            name for node in nodes if isinstance(node, (ast.Global, ast.Nonlocal)) for name in node.names
        }
        shared_stores = [node for node in stores if _stores_shared_state(checker, node, function, declared)]
        stamps = [
            target
            for node in shared_stores
            if _reads_clock(node.value, clock_names, checker)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        ]
        if not stamps:
            return  # no timestamp is written: not a refresh
        checks = [
            node
            for node in nodes
            if isinstance(node, ast.Compare)
            and _reads_clock(node, clock_names, checker)
            and _mentions_any(node, stamps)
        ]
        if not checks:
            return
        if any(_calls_any(check, EARLY_REFRESH_CALLS, checker) for check in checks):
            return
        for store in shared_stores:
            if _under_lock(store, checker):
                continue
            if _reads_clock(store.value, clock_names, checker) and not isinstance(
                store.value, (ast.Tuple, ast.List, ast.Dict)
            ):
                continue  # the timestamp (or next deadline) itself, not a cached value
            if not _depends_on_check(store, checks, nodes, checker):
                continue
            cost = _expensive(store.value, function, checker, 0)
            if cost is None:
                continue
            message = (
                f"When the stored timestamp goes stale, every request that checks it at that moment reruns "
                f"{cost} at once (a cache stampede); refill under a lock with a second check inside, or "
                "refresh in the background"
            )
            checker.report(self, store, message, related=(checker.related("the expiry check", checks[0]),))
            return


# Guards ---------------------------------------------------------------------------------------


def _expiring_memoizer(decorator: ast.expr, checker: Checker) -> bool:
    """A memoizing decorator call whose entries expire: ``@ttl_cache(...)``,
    ``@cached(TTLCache(...))``, ``@cached(ttl=60)``, Flask-Caching's ``@cache.memoize(timeout=60)``."""
    if not isinstance(decorator, ast.Call):
        return False
    name = checker.qualified_name(decorator.func, checker.module_scope)
    if name in TTL_MEMOIZERS:
        return True
    if name in CONTAINER_MEMOIZERS:
        cache = decorator.args[0] if decorator.args else None
        for keyword in decorator.keywords:
            if keyword.arg == "cache":
                cache = keyword.value
        if isinstance(cache, ast.Call):
            return checker.qualified_name(cache.func, checker.module_scope) in EXPIRING_CONTAINER_CONSTRUCTORS
        if isinstance(cache, ast.Name):
            container = container_for(cache, checker, decorator)
            return container is not None and container.expiring
        return False
    if name in EXPIRY_MEMOIZERS:
        return any(keyword.arg == "ttl" and _truthy(keyword.value) for keyword in decorator.keywords)
    func = decorator.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr in SHARED_MEMOIZER_METHODS
        and is_shared_cache(func.value, checker)
    ):
        timeout = decorator.args[0] if decorator.args else None
        for keyword in decorator.keywords:
            if keyword.arg == "timeout":
                timeout = keyword.value
        return timeout is not None and _truthy(timeout)
    return False


def _filled_from(value: ast.expr, function: ast.AST, scope: Scope, checker: Checker) -> str | None:
    """What makes a returned container costly when the function fills it in a loop
    (``results = []``, ``for row in query: results.append(...)``, then ``return results``
    or ``return {"data": results}``): the loop's iterable."""
    names = {node.id for node in walk(value) if isinstance(node, ast.Name)}
    if not names:
        return None
    for loop in scope.of(ast.For, ast.AsyncFor):
        if not isinstance(loop, (ast.For, ast.AsyncFor)):
            continue
        if any(_fills(statement, name) for statement in loop.body for name in names):
            cost = _expensive(loop.iter, function, checker, 0)
            if cost is not None:
                return cost
    return None


def _fills(statement: ast.stmt, name: str) -> bool:
    """Whether ``statement`` adds to the container named ``name``."""
    for node in walk(statement):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in FILLING_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == name
            for target in node.targets
        ):
            return True
    return False


def _per_user_entries(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A memoized function with a parameter that names a user or a team (``user_id``,
    ``team``): its arguments are the key, so each entry is one user's, read by that user's
    requests alone, and an expiry brings no crowd."""
    return any(
        identifier_words(name) & PER_USER_KEY_WORDS
        for name in parameter_names(function)
        if name not in ("self", "cls")
    )


def _per_client_key(key: ast.expr | None, function: ast.AST, checker: Checker, depth: int) -> bool:
    """A key built from one client's value (``f"geoip:{client_ip}"``, ``"s:%s" % session_key``,
    or a variable assigned such a key): each entry is that client's, read by its requests
    alone, so an expiry brings no crowd. The key's literal text and the names of the
    functions it calls say nothing about whose entry it is, so neither counts."""
    if key is None or depth > _MAX_DEPTH:
        return False
    pending: list[ast.AST] = [key]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Constant):
            continue
        if isinstance(node, ast.Subscript):
            index = node.slice
            if (
                isinstance(index, ast.Constant)
                and isinstance(index.value, str)
                and _names_one_client(index.value)
            ):
                return True  # ``request.META["REMOTE_ADDR"]``
        elif isinstance(node, ast.Call):
            pending.extend(call_arguments(node))
            if isinstance(node.func, ast.Attribute):
                pending.append(node.func.value)
            continue
        elif isinstance(node, ast.Name):
            if _names_one_client(node.id):
                return True
            if any(
                _per_client_key(value, function, checker, depth + 1)
                for value in assignments_in(checker, function, node.id, before=node)
            ):
                return True
            continue
        elif isinstance(node, ast.Attribute) and _names_one_client(node.attr):
            return True
        pending.extend(children(node))
    return False


def _process_memo_in_front(write: CacheCall, scope: Scope, checker: Checker) -> bool:
    """An earlier ``if key in MEMO: return ...`` (or ``MEMO.get(key)``) on a module- or
    class-level dict that never expires, and the value stored into it too: the shared entry
    is then read once per process, so its expiry costs one refill per worker, not a crowd."""
    key = write.key
    if key is None:
        return False
    write_at = (write.call.lineno, write.call.col_offset)
    for node in scope.of(ast.If):
        if not isinstance(node, ast.If) or (node.lineno, node.col_offset) >= write_at:
            continue
        if not node.body or not isinstance(node.body[-1], (ast.Return, ast.Raise)):
            continue
        for memo in _dicts_looked_up(node.test, key):
            container = container_for(memo, checker, node)
            if (
                container is not None
                and not container.expiring
                and checker.enclosing_function(container.definition) is None  # not one instance's
                and _stored_into(memo, key, scope.of(ast.Assign))
            ):
                return True
    return False


def _dicts_looked_up(test: ast.expr, key: ast.expr) -> Iterator[ast.expr]:
    """The containers ``test`` looks ``key`` up in: ``key in memo``, ``memo.get(key)``."""
    for node in walk(test):
        if (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In)
            and same_expression(node.left, key)
        ):
            yield node.comparators[0]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and same_expression(node.args[0], key)
        ):
            yield node.func.value


def _stored_into(container: ast.expr, key: ast.expr, assignments: list[ast.AST]) -> bool:
    return any(
        isinstance(node, ast.Assign)
        and any(
            isinstance(target, ast.Subscript)
            and same_expression(target.value, container)
            and same_expression(target.slice, key)
            for target in node.targets
        )
        for node in assignments
    )


def _names_one_client(name: str) -> bool:
    return name.lower() in PER_CLIENT_KEY_NAMES or bool(identifier_words(name) & PER_CLIENT_KEY_WORDS)


def _function_guarded(
    function: ast.FunctionDef | ast.AsyncFunctionDef, calls: list[ast.AST], checker: Checker
) -> bool:
    """A lock taken, an add/nx lock, or a single-flight or early-refresh helper anywhere in the
    function (``calls``: its calls, in walk order)."""
    for decorator in function.decorator_list:
        text = (_dotted_name(decorator) or ast.unparse(decorator)).lower()
        if _SINGLE_FLIGHT_WORD.search(text) or _LOCK_NAME_WORD.search(text):
            return True
    for node in calls:
        assert isinstance(node, ast.Call)
        name = called_name(node.func) or ""
        if name in LOCK_METHODS or _SINGLE_FLIGHT_WORD.search(name.lower()):
            return True
        if node.keywords and any(
            keyword.arg in NX_KEYWORDS and _truthy(keyword.value) for keyword in node.keywords
        ):
            return True
        if name in ADD_LOCK_METHODS and cache_call(node, checker) is not None:
            return True
    return False


def _dotted_name(node: ast.expr) -> str | None:
    """``app.cache.memoize`` for a chain of attributes on a name (what ``ast.unparse`` gives,
    without its visitor), else None."""
    parts: list[str] = []
    while node.__class__ is ast.Attribute:
        parts.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if node.__class__ is not ast.Name:
        return None
    parts.append(node.id)  # type: ignore[attr-defined]
    parts.reverse()
    return ".".join(parts)


_SINGLE_FLIGHT_WORD = re.compile("|".join(map(re.escape, SINGLE_FLIGHT_WORDS)))
_LOCK_NAME_WORD = re.compile("|".join(map(re.escape, LOCK_NAME_WORDS)))
"""Whether a text holds one of the words: one search instead of a generator over them."""


def _truthy(node: ast.expr) -> bool:
    return not (isinstance(node, ast.Constant) and not node.value)


def _under_lock(node: ast.AST, checker: Checker) -> bool:
    for ancestor in checker.ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                if _is_lock(item.context_expr):
                    return True
    return False


def _is_lock(expression: ast.expr) -> bool:
    if isinstance(expression, ast.Call):
        name = called_name(expression.func) or ""
        if name in LOCK_METHODS:
            return True
        expression = expression.func
    identifier = (last_identifier(expression) or "").lower()
    return any(word in identifier for word in LOCK_NAME_WORDS)


# Reads, writes and costs ------------------------------------------------------------------------


def _matching_read(write: CacheCall, reads: list[CacheCall]) -> CacheCall | None:
    earlier = [
        read
        for read in reads
        if same_expression(read.receiver, write.receiver)
        and (read.call.lineno, read.call.col_offset) < (write.call.lineno, write.call.col_offset)
    ]
    for read in earlier:
        if read.key is not None and write.key is not None and same_expression(read.key, write.key):
            return read
    if len(earlier) == 1 and write.method not in ("set_many", "set_multi"):
        return earlier[0]
    return None


def _expired_later(write: CacheCall, calls: list[ast.Call]) -> bool:
    """``r.set(k, v)`` followed by ``r.expire(k, ttl)`` on the same client (``calls``: the
    function's)."""
    write_at = (write.call.lineno, write.call.col_offset)
    return any((call.lineno, call.col_offset) > write_at for call in _expiry_calls(write, calls))


def _renewed_on_hit(write: CacheCall, calls: list[ast.Call]) -> bool:
    """``cache.touch(key, ttl)`` on the path that found the entry: a sliding expiry. An
    entry in use never expires, so there is no moment when a crowd misses it at once."""
    key = write.key
    return key is not None and any(
        call.args and same_expression(call.args[0], key) and not dbflow.follows(write.call, call)
        for call in _expiry_calls(write, calls)
    )


def _expiry_calls(write: CacheCall, calls: list[ast.Call]) -> Iterator[ast.Call]:
    """Calls that set an entry's expiry (``expire``, ``touch``) on the client ``write`` uses."""
    for node in calls:
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in EXPIRE_METHODS
            and same_expression(node.func.value, write.receiver)
        ):
            yield node


def _looked_up(container: ast.expr, scope: Scope, before: ast.AST) -> bool:
    """Whether the function looks ``container`` up before ``before``: ``key in container``,
    ``container.get(...)``, ``container[...]``."""
    limit = (before.lineno, before.col_offset)  # type: ignore[attr-defined]
    for node in scope.of(ast.Compare):
        if (
            (node.lineno, node.col_offset) < limit  # type: ignore[attr-defined]
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)  # type: ignore[attr-defined]
            and any(same_expression(comparator, container) for comparator in node.comparators)  # type: ignore[attr-defined]
        ):
            return True
    for node in scope.of(ast.Call):
        if (
            (node.lineno, node.col_offset) < limit  # type: ignore[attr-defined]
            and isinstance(node.func, ast.Attribute)  # type: ignore[attr-defined]
            and node.func.attr == "get"  # type: ignore[attr-defined]
            and same_expression(node.func.value, container)  # type: ignore[attr-defined]
        ):
            return True
    for node in scope.of(ast.Subscript):
        if (
            (node.lineno, node.col_offset) < limit  # type: ignore[attr-defined]
            and isinstance(node.ctx, ast.Load)  # type: ignore[attr-defined]
            and same_expression(node.value, container)  # type: ignore[attr-defined]
        ):
            return True
    return False


def _names_function(node: ast.expr, function: ast.AST, checker: Checker) -> bool:
    """Whether a name passed as a value is a function (defined or imported), not data."""
    if isinstance(node, ast.Name):
        if node.id in checker.module_functions:
            return True
        if assignments_in(checker, function, node.id):
            return False
        return checker.resolve_name(node.id) is not None and not checker.resolve_name(node.id).startswith(
            "builtins."
        )
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("self", "cls")
    )


def _expensive(node: ast.expr, function: ast.AST, checker: Checker, depth: int) -> str | None:
    """The call that makes a value costly to compute (for the message), or None when it is cheap.

    Cache reads are cheap and their keys are not part of the value, so neither is looked into.
    """
    if depth > _MAX_DEPTH:
        return None
    pending: list[ast.AST] = [node]  # breadth-first, as ``ast.walk``, pruned as it goes
    index = 0
    constructor: str | None = None
    while index < len(pending):
        inner = pending[index]
        index += 1
        if isinstance(inner, ast.Lambda):
            continue
        if isinstance(inner, ast.Await):
            if isinstance(inner.value, ast.Call) and cache_call(inner.value, checker) is not None:
                continue
            return f"`{short_text(_display(inner.value), 60)}`"
        if isinstance(inner, ast.Call):
            if cache_call(inner, checker) is not None:
                continue
            if not _cheap_call(inner, checker) and not _cheap_helper(inner, function, checker, depth):
                name = called_name(inner.func) or ""
                if not name[:1].isupper():
                    return f"`{short_text(_display(inner), 60)}`"
                constructor = constructor or f"`{short_text(_display(inner), 60)}`"
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
            for value in assignments_in(checker, function, inner.id, before=inner):
                found = _expensive(value, function, checker, depth + 1)
                if found is not None:
                    return found
        pending.extend(children(inner))
    return constructor


def _cheap_helper(call: ast.Call, function: ast.AST, checker: Checker, depth: int) -> bool:
    """A call of a function of this file, or of a method of the caller's class
    (``self._get(value)``), whose body makes no costly call: it only reads attributes and
    builds the value."""
    func = call.func
    helper: ast.AST | None = None
    if isinstance(func, ast.Name):
        helper = checker.module_functions.get(func.id)
    elif (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
    ):
        owner = parent_of(function)
        if isinstance(owner, ast.ClassDef):
            helper = dbflow.method_in_class(func.attr, owner, checker)
    if not isinstance(helper, ast.FunctionDef) or helper is function or depth >= _MAX_DEPTH:
        return False
    return all(_expensive(statement, helper, checker, depth + 1) is None for statement in helper.body)  # type: ignore[arg-type]


def _cheap_call(call: ast.Call, checker: Checker) -> bool:
    name = checker.qualified_name(call.func)
    if name in CHEAP_CALLS or name in LOCALE_CALLS:
        return True
    if isinstance(call.func, ast.Name) and name is None and call.func.id in LOCALE_CALL_NAMES:
        return True  # ``_("...")``: a catalogue lookup
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in CHEAP_METHODS:
        return False
    if call.func.attr == "get":
        receiver = identifier_words(last_identifier(call.func.value) or "")
        return not receiver & REMOTE_RECEIVER_WORDS
    return True


def _display(node: ast.expr) -> str:
    """``Product.objects.filter(...).count()``: a call chain with its arguments elided."""
    if isinstance(node, ast.Call):
        return f"{_display(node.func)}({'...' if node.args or node.keywords else ''})"
    if isinstance(node, ast.Attribute):
        return f"{_display(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"{_display(node.value)}[...]"
    if isinstance(node, ast.Name):
        return node.id
    return "..."


# Hand-written expiry --------------------------------------------------------------------------


def _clock_names(function: ast.AST, nodes: list[ast.AST], checker: Checker) -> set[str]:
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign) and _is_clock_value(node.value, checker):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
    return names


def _is_clock_value(node: ast.expr, checker: Checker) -> bool:
    """A clock reading, possibly shifted or converted: ``time.time() + ttl``,
    ``int(time.time())``, ``datetime.now(tz).timestamp()`` — not a record that holds one."""
    if isinstance(node, ast.BinOp):
        return _is_clock_value(node.left, checker) or _is_clock_value(node.right, checker)
    if not isinstance(node, ast.Call):
        return False
    if _is_clock_call(node, checker):
        return True
    if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
        return _is_clock_value(node.func.value, checker)
    return (
        bool(node.args)
        and checker.qualified_name(node.func) in CHEAP_CALLS
        and _is_clock_value(node.args[0], checker)
    )


def _reads_clock(node: ast.AST, clock_names: set[str], checker: Checker) -> bool:
    if _calls_any(node, CLOCK_CALLS, checker):
        return True
    return any(isinstance(inner, ast.Name) and inner.id in clock_names for inner in walk(node))


def _calls_any(node: ast.AST, names: frozenset[str], checker: Checker) -> bool:
    for inner in walk(node):
        if isinstance(inner, ast.Call):
            if checker.qualified_name(inner.func) in names:
                return True
            if names is CLOCK_CALLS and _is_clock_call(inner, checker):
                return True
    return False


def _is_clock_call(call: ast.Call, checker: Checker) -> bool:
    """``time.time()``, ``datetime.now()``... or ``loop.time()``."""
    func = call.func
    if not isinstance(func, (ast.Attribute, ast.Name)):
        return False
    if isinstance(func, ast.Attribute) and func.attr not in _CLOCK_ATTRIBUTES:
        return False  # a qualified name ends with the attribute called
    if checker.qualified_name(func) in CLOCK_CALLS:
        return True
    if isinstance(func, ast.Attribute) and func.attr in ("time", "monotonic"):
        return "loop" in identifier_words(last_identifier(func.value) or "")
    return False


_CLOCK_ATTRIBUTES = last_names(CLOCK_CALLS) | {"time", "monotonic"}


def _stores_shared_state(
    checker: Checker, store: ast.Assign | ast.AnnAssign, function: ast.AST, declared: set[str]
) -> bool:
    """A store that outlives the call: ``self.x = ...``, ``CACHE["k"] = ...``, or a name
    declared ``global``/``nonlocal``."""
    targets = store.targets if isinstance(store, ast.Assign) else [store.target]
    parameters = set(parameter_names(function))
    for target in targets:
        base = target
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if not isinstance(base, ast.Name) or (base is target and base.id not in declared):
            continue
        if base.id in ("self", "cls") or base.id in declared:
            return True
        if (
            base.id not in parameters
            and not assignments_in(checker, function, base.id)
            and not _bound_locally(checker, function, base.id)
        ):
            return True
    return False


def _bound_locally(checker: Checker, function: ast.AST, name: str) -> bool:
    for node in own_nodes_of(checker, function, ast.Name, ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (alias.asname or alias.name.split(".")[0]) == name for alias in node.names
        ):
            return True
    return False


def _mentions_any(node: ast.AST, targets: list[ast.expr]) -> bool:
    """Whether an expiry check reads one of the stored timestamps (``self._loaded_at``,
    ``_cache["at"]``), or the entry holding it (``_cache["rates"][1]``)."""
    dumps = {ast.dump(_load(target)) for target in targets}
    bases = {ast.dump(_load(target.value)) for target in targets if isinstance(target, ast.Subscript)}
    for inner in walk(node):
        if isinstance(inner, (ast.Name, ast.Attribute, ast.Subscript)):
            dumped = ast.dump(_load(inner))
            if dumped in dumps or dumped in bases:
                return True
    return False


def _load(node: ast.expr) -> ast.expr:
    """The expression as it reads when loaded, so a store target compares equal to a load."""
    text = ast.unparse(node)
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError:
        return node


def _depends_on_check(store: ast.AST, checks: list[ast.AST], nodes: list[ast.AST], checker: Checker) -> bool:
    """Whether the store runs because of the expiry check: inside an ``if`` that tests it, or
    after an ``if`` that tests it and returns early while the value is fresh."""
    tests = [
        node for node in nodes if isinstance(node, (ast.If, ast.While)) and _contains_any(node.test, checks)
    ]
    ancestors = set(map(id, checker.ancestors(store)))
    for test in tests:
        if id(test) in ancestors:
            return True
        ends_early = test.body and isinstance(test.body[-1], (ast.Return, ast.Raise, ast.Continue))
        if ends_early and (test.lineno, test.col_offset) < (store.lineno, store.col_offset):  # type: ignore[attr-defined]
            return True
    return False


def _contains_any(node: ast.AST, wanted: list[ast.AST]) -> bool:
    ids = set(map(id, wanted))
    return any(id(inner) in ids for inner in walk(node))


# Fix ---------------------------------------------------------------------------------------------


def _double_checked_lock_fix(
    function: ast.FunctionDef | ast.AsyncFunctionDef, read: CacheCall, write: CacheCall, checker: Checker
) -> Fix | None:
    """``v = cache.get(k)`` then ``if v is None: <refill>`` becomes a refill under a module lock
    with a second look inside."""
    source = checker.source
    read_statement = checker.parent(read.call)
    if isinstance(read_statement, ast.Await):
        read_statement = checker.parent(read_statement)
    if not (
        isinstance(read_statement, ast.Assign)
        and len(read_statement.targets) == 1
        and isinstance(read_statement.targets[0], ast.Name)
        and read_statement.lineno == read_statement.end_lineno
    ):
        return None
    holder = checker.parent(read_statement)
    body = _block_holding(holder, read_statement)
    if body is None:
        return None
    index = next(i for i, statement in enumerate(body) if statement is read_statement)
    if index + 1 >= len(body):
        return None
    refill = body[index + 1]
    name = read_statement.targets[0].id
    if not (
        isinstance(refill, ast.If)
        and not refill.orelse
        and any(isinstance(node, ast.Name) and node.id == name for node in walk(refill.test))
    ):
        return None
    refill_nodes = walk(refill)
    if not any(node is write.call for node in refill_nodes):
        return None
    if any(
        isinstance(node, ast.Constant) and isinstance(node.value, str) and node.lineno != node.end_lineno
        for node in refill_nodes
    ):
        return None  # re-indenting would change a multi-line string
    top = function
    for ancestor in checker.ancestors(function):
        if isinstance(ancestor, ast.Module):
            break
        top = ancestor  # type: ignore[assignment]
    if not isinstance(checker.parent(top), ast.Module):
        return None
    is_async = isinstance(function, ast.AsyncFunctionDef)
    module = "asyncio" if is_async else "threading"
    edits: list[Edit] = []
    bound = checker.resolve_name(module, checker.module_scope)
    if bound is None:
        if module in checker.module_defined:
            return None
        edits.append(import_edit(source, checker.tree, f"import {module}"))
    elif bound != module:
        return None
    lock = f"_{function.name.strip('_')}_refill_lock"
    if lock in checker.module_defined:
        return None
    newline = source.newline
    edits.append(
        Edit(
            Range(source.start(top), source.start(top)),
            f"{lock} = {module}.Lock(){newline}{newline}{newline}",
        )
    )
    indent = source.indentation_of_line(refill.lineno - 1)
    first_body_line = refill.body[0].lineno - 1
    last_line = refill.end_lineno - 1  # type: ignore[operator]
    body_lines = [source.line(number) for number in range(first_body_line, last_line + 1)]
    shifted = [("        " + line) if line.strip() else line for line in body_lines]
    test = source.segment(refill.test)
    with_keyword = "async with" if is_async else "with"
    text = newline.join(
        [
            f"if {test}:",
            f"{indent}    {with_keyword} {lock}:",
            f"{indent}        {source.segment(read_statement)}",
            f"{indent}        if {test}:",
            *shifted,
        ]
    )
    end = Position(last_line, len(source.line(last_line)))
    edits.append(Edit(Range(source.start(refill), end), text))
    return Fix(
        "Refill under a lock, with a second look at the cache inside it",
        tuple(edits),
        Applicability.UNSAFE,
    )


def _block_holding(holder: ast.AST | None, statement: ast.stmt) -> list[ast.stmt] | None:
    for field in ("body", "orelse", "finalbody"):
        block = getattr(holder, field, None)
        if isinstance(block, list) and any(item is statement for item in block):
            return block
    for handler in getattr(holder, "handlers", ()):
        if any(item is statement for item in handler.body):
            return handler.body
    return None
