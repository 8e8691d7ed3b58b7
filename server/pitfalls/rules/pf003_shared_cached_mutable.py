"""PF003 shared-cached-mutable."""

from __future__ import annotations

import ast

from pitfalls.cachemodel import (
    Container,
    Mutable,
    assignments_in,
    container_for,
    container_values_mutable,
    fills_on_miss,
    holds_empty_container,
    import_edit,
    is_empty_container,
    known_file_caches,
    mutable_value,
    own_nodes_of,
    same_expression,
)
from pitfalls.engine import Checker, Scope, parent_of
from pitfalls.knowledge.caches import (
    IN_PROCESS_MEMOIZERS,
    LOCAL_MEMOIZER_NAMES,
    MUTABLE_ANNOTATIONS,
    PER_INSTANCE_CACHES,
)
from pitfalls.model import Applicability, Edit, Fix, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video


class SharedCachedMutable(Rule):
    code = "PF003"
    slug = "shared-cached-mutable"
    summary = "A cached list, dict or set is returned without a copy, so callers edit the cache"
    severity = Severity.WARNING
    has_fix = True
    triggers = ("return",)
    wants_scopes = True
    video = Video("Why does this Python cache mutate itself?", "https://www.youtube.com/watch?v=m8EkmbfHcEw")
    doc = RuleDoc(
        what_it_does="""\
Finds functions that hand out the very list, dict or set an in-process cache keeps:

- a function memoized with `functools.lru_cache`/`cache`, `cachetools.cached` (and
  `cachetools.func`), `async_lru.alru_cache`, `toolz.memoize` or a `memoize` decorator of
  the same file, that returns a list, dict or set display or comprehension, `list(...)`,
  `dict(...)`, `sorted(...)`, `json.load(...)`, a variable holding one of these, or
  anything when its return annotation is `list`, `dict` or `set`;
- `return _cache[key]`, `return _cache.get(key)`, and returning the value just fetched
  from or just stored into a module-level, class-level or `self.` dict (or `cachetools`
  cache) that is named as a cache or filled on a miss in the same function, when the file
  shows its entries are lists, dicts or sets: a display or comprehension is stored, the
  container is annotated `dict[str, list[...]]`, it is a `defaultdict(list)`, or what is
  stored comes from a function of the file that builds one, from `.all()`, `.fetchall()`,
  `.json()`, or from a call whose name says it returns a collection (`fetch_roles(...)`,
  `load_settings(...)`).

An entry stored empty (`options = cache[key] = {}`, or `uids = set()` then
`index[key] = uids`) is a slot handed out to be filled, the way `setdefault` is used, and
is not reported; so is an entry of a `defaultdict` that the file never stores into or
fills (`cache[key].append(...)`): its factory makes empty slots for the callers to fill.

Returning a copy (`list(...)`, `dict(...)`, `.copy()`, `copy.copy`/`copy.deepcopy`) or an
immutable value (tuple, frozenset, string, number, `MappingProxyType`) is not reported.
Caches shared between processes (Django's cache, Redis, Flask-Caching) are not reported
either: they serialize the value, so every reader gets its own copy. `cached_property` is
left alone too, and so is a memoized method that takes only `self`: the value belongs to
one instance, like any other attribute.""",
        why_it_bites="""\
A cache hands every caller the same object. When one caller sorts, appends to, filters
in place or adds a key to what it got back — usually far from the cache, in code that
has no idea the list is shared — it edits the cached entry. From then on every request
served by that process sees the edited data: items from another user's response, a
permission list that grew, totals counted twice. It only shows after a cache hit, so
tests that call the function once never see it.""",
        example="""\
```python
from functools import lru_cache

@lru_cache(maxsize=None)
def allowed_roles(org_id):
    return [row.role for row in db.query(Role).filter_by(org_id=org_id)]

def roles_for(user):
    roles = allowed_roles(user.org_id)
    if user.is_staff:
        roles.append("admin")   # now every user of the org is admin
    return roles
```""",
        use_instead="""\
```python
@lru_cache(maxsize=None)
def allowed_roles(org_id):
    return tuple(row.role for row in db.query(Role).filter_by(org_id=org_id))
```

Cache immutable values (tuples, frozensets, `MappingProxyType`), or return a copy from
the function that reads the cache.""",
        fix_safety="""\
The fix is unsafe. For a memoized function it returns a tuple (or a frozenset) instead of
a list (or a set), which breaks callers that append to the result or compare it with a
list. Elsewhere it copies the value at the return (`list(...)`, `dict(...)`,
`copy.copy(...)`, or `copy.deepcopy(...)` for nested values, adding `import copy` when
needed): callers that relied on editing the cache through the returned object stop
doing so, and large values cost a copy per call. A memoized function that returns a dict
gets no fix: pick `MappingProxyType` or a copy by hand.""",
    )

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        if scope.kind != "function" or scope.node.__class__ is ast.Lambda:
            return
        function = scope.node
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        returns = [node for node in scope.of(ast.Return) if node.value is not None]  # type: ignore[attr-defined]
        if not returns:
            return
        memoizer = _in_process_memoizer(function, checker)
        if memoizer is not None:
            if not scope.of(ast.Yield, ast.YieldFrom):
                for statement in returns:
                    self._check_memoized_return(function, memoizer, statement, checker)
            return
        caches = known_file_caches(checker)
        if caches is not None and not caches.containers:
            return  # every cache return names a container of the file
        for statement in returns:
            self._check_cache_return(function, statement, checker)

    # Memoized functions ----------------------------------------------------------------

    def _check_memoized_return(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        memoizer: str,
        statement: ast.Return,
        checker: Checker,
    ) -> None:
        value = statement.value
        assert value is not None
        found = mutable_value(value, checker, function)
        if found is None:
            kind = _annotated_kind(function)
            if kind is None or _looks_immutable(value, checker):
                return
            found = Mutable(kind, False)
        message = (
            f"`{function.name}` is memoized with `{memoizer}`: every caller gets this same {found.kind}, "
            f"so one caller that edits it changes the cached result for all later calls"
        )
        checker.report(self, value, message, fix=_memoized_fix(value, found, function, checker))

    # Explicit caches -------------------------------------------------------------------

    def _check_cache_return(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, statement: ast.Return, checker: Checker
    ) -> None:
        value = statement.value
        assert value is not None
        lookup = _cache_lookup(value, checker)
        how = "the entry kept in"
        entries: Mutable | None = None
        if lookup is not None:
            container, _ = lookup
            entries = container_values_mutable(container, checker)
            if isinstance(value, ast.Call) and value.func.attr == "setdefault":  # type: ignore[attr-defined]
                entries = entries or mutable_value(value.args[1], checker, function)
        elif isinstance(value, ast.Name):
            found = _name_from_cache(value, function, checker)
            if found is None:
                return
            container, how, entries = found
        else:
            return
        if entries is None:
            return
        message = (
            f"Returns {how} `{_display(container)}` itself, not a copy: a caller that edits this "
            f"{entries.kind} changes the cached entry that every later caller gets"
        )
        may_be_none = isinstance(value, ast.Call) or (
            isinstance(value, ast.Name) and how == "the entry fetched from"
        )
        checker.report(
            self,
            value,
            message,
            fix=_copy_fix(value, entries, may_be_none, checker),
            related=(checker.related("the cache", container.definition),),
        )


def _in_process_memoizer(function: ast.FunctionDef | ast.AsyncFunctionDef, checker: Checker) -> str | None:
    if not function.decorator_list:
        return None  # most functions
    if _takes_only_self(function):
        return None  # ``@lru_cache`` keyed by the instance alone: its own value, as ``cached_property``
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = checker.qualified_name(target, checker.module_scope)
        if name in PER_INSTANCE_CACHES:
            return None
        if name in IN_PROCESS_MEMOIZERS:
            return name.rsplit(".", 1)[-1]
        if (
            isinstance(target, ast.Name)
            and target.id in LOCAL_MEMOIZER_NAMES
            and target.id in checker.module_functions
        ):
            return target.id
    return None


def _takes_only_self(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    arguments = function.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return (
        len(every) == 1
        and every[0].arg == "self"
        and arguments.vararg is None
        and arguments.kwarg is None
        and isinstance(parent_of(function), ast.ClassDef)
    )


def _annotated_kind(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    annotation = function.returns
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    name = annotation.attr if isinstance(annotation, ast.Attribute) else getattr(annotation, "id", None)
    if name in MUTABLE_ANNOTATIONS:
        return name.lower() if name in ("List", "Dict", "Set") else name
    return None


def _looks_immutable(value: ast.expr, checker: Checker) -> bool:
    if isinstance(value, (ast.Constant, ast.Tuple, ast.JoinedStr, ast.BinOp, ast.Compare, ast.BoolOp)):
        return True
    if isinstance(value, ast.Call):
        name = checker.qualified_name(value.func)
        return name in (
            "builtins.tuple",
            "builtins.frozenset",
            "types.MappingProxyType",
            "copy.deepcopy",
            "copy.copy",
        )
    return False


def _cache_lookup(value: ast.expr, checker: Checker) -> tuple[Container, ast.expr] | None:
    """``_cache[key]``, ``_cache.get(key)`` or ``_cache.setdefault(key, v)`` on an in-process cache."""
    if isinstance(value, ast.Subscript):
        container = container_for(value.value, checker, value)
        return (
            (container, value.value) if _used_as_cache(container, value.value, checker, value.slice) else None
        )
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in ("get", "setdefault", "pop")
        and value.args
    ):
        if value.func.attr == "pop":
            return None
        if value.func.attr == "setdefault" and len(value.args) != 2:
            return None
        container = container_for(value.func.value, checker, value)
        return (
            (container, value.func.value)
            if _used_as_cache(container, value.func.value, checker, value.args[0])
            else None
        )
    return None


def _used_as_cache(
    container: Container | None, node: ast.expr, checker: Checker, key: ast.expr | None
) -> bool:
    """A container named as a cache, or one this function fills on a miss of the same key."""
    if container is None:
        return False
    if container.named_cache:
        return True
    function = checker.enclosing_function(node)
    return function is not None and key is not None and fills_on_miss(checker, node, function, key)


def _name_from_cache(
    name: ast.Name, function: ast.FunctionDef | ast.AsyncFunctionDef, checker: Checker
) -> tuple[Container, str, Mutable | None] | None:
    """A returned local that was just fetched from, or just stored into, a cache."""
    assigned = assignments_in(checker, function, name.id, before=name)
    for value in assigned:
        lookup = _cache_lookup(value, checker)
        if lookup is not None:
            container = lookup[0]
            entries = container_values_mutable(container, checker)
            if entries is None and isinstance(value, ast.Call) and value.func.attr == "setdefault":  # type: ignore[attr-defined]
                entries = mutable_value(value.args[1], checker, function)
            return container, "the entry fetched from", entries
    for node in own_nodes_of(checker, function, ast.Assign):
        if not isinstance(node, ast.Assign):
            continue
        value = node.value
        if not (isinstance(value, ast.Name) and value.id == name.id) and not any(
            isinstance(target, ast.Name) and target.id == name.id for target in node.targets
        ):
            continue  # what same_expression needs below: the name itself, as value or target
        if is_empty_container(node.value, checker) and any(
            same_expression(target, name) for target in node.targets
        ):
            return None  # ``d = cache[k] = {}``: an entry handed out to be filled, as ``setdefault`` does
        if not same_expression(node.value, name):
            continue
        if holds_empty_container(name, function, checker):
            return None  # ``d = set(); cache[k] = d``: the same slot, in two statements
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                container = container_for(target.value, checker, target)
                if container is not None and _used_as_cache(container, target.value, checker, target.slice):
                    stored = mutable_value(name, checker, function) or container_values_mutable(
                        container, checker
                    )
                    return container, "the value just stored in", stored
    return None


def _display(container: Container) -> str:
    return f"self.{container.name}" if container.owner is not None else container.name


def _memoized_fix(
    value: ast.expr, found: Mutable, function: ast.FunctionDef | ast.AsyncFunctionDef, checker: Checker
) -> Fix | None:
    source = checker.source
    text = source.segment(value)
    if found.kind == "list":
        if isinstance(value, ast.List):
            inner = text[1:-1].strip().rstrip(",")
            replacement = f"({inner},)" if len(value.elts) == 1 else f"({inner})"
        elif isinstance(value, ast.ListComp):
            replacement = f"tuple({text[1:-1]})"
        else:
            replacement = f"tuple({text})"
        message = "Return a tuple, which no caller can change"
    elif found.kind == "set":
        inner = text[1:-1] if isinstance(value, ast.SetComp) else text
        replacement = f"frozenset({inner})"
        message = "Return a frozenset, which no caller can change"
    else:
        return None
    return Fix(message, (Edit(source.node_range(value), replacement),), Applicability.UNSAFE)


def _copy_fix(value: ast.expr, entries: Mutable, may_be_none: bool, checker: Checker) -> Fix | None:
    source = checker.source
    text = source.segment(value)
    edits: list[Edit] = []
    if entries.nested or may_be_none or entries.kind not in ("list", "dict", "set"):
        copy_module = checker.resolve_name("copy", checker.module_scope)
        if copy_module is None:
            if "copy" in checker.module_defined:
                return None
            edits.append(import_edit(source, checker.tree, "import copy"))
        elif copy_module != "copy":
            return None
        function_name = "deepcopy" if entries.nested else "copy"
        replacement = f"copy.{function_name}({text})"
        message = f"Return `copy.{function_name}(...)` of the cached value"
    else:
        replacement = f"{entries.kind}({text})"
        message = f"Return a copy: `{entries.kind}(...)`"
    edits.append(Edit(source.node_range(value), replacement))
    return Fix(message, tuple(edits), Applicability.UNSAFE)
