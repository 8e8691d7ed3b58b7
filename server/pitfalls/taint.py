"""Intra-procedural taint tracking: where a value in a function can have come from.

``TaintTracker(checker, scope).taint_of(expr)`` answers, for an expression inside a
scope (function, lambda, class body or module-level code), whether its value is

* ``CLEAN``: constant, computed by the program, or passed through a sanitizer;
* ``UNKNOWN``: not constant and of unknown origin (a plain parameter, an unknown call);
* ``UNTRUSTED``: data a client, a peer or the user controls (request data, ``input()``,
  ``sys.argv``, socket and queue reads, shared caches).

It follows values through assignments (only those that reach the use: a later
unconditional reassignment replaces an earlier one), augmented assignments, tuple
unpacking, f-strings, ``%``, ``.format``, ``+``, ``str.join``, subscripts and slices,
containers and ``**`` dicts, mutation (``parts.append(x)``), comprehensions, loops and
``with``, and calls whose result carries their arguments (``base64.b64decode``,
``.decode()``, ``.strip()``). Calls to functions it knows nothing about give UNKNOWN,
never UNTRUSTED: the function may validate, decrypt or ignore its argument. Allow-list
guards (``if x not in ALLOWED: return``) and validation (``if not re.fullmatch(P, x):
abort(400)``) clean the name below them. All tables live in
``pitfalls.knowledge.taint``.

The tracker works on the nodes the engine collected for the scope (``scope.nodes``), so
it never re-walks a tree; rules create one per scope in ``check_scope``.
"""

from __future__ import annotations

import ast
import enum
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pitfalls.astutil import walk
from pitfalls.engine import parent_of
from pitfalls.knowledge import taint as tables

if TYPE_CHECKING:
    from pitfalls.engine import Checker, Scope

_MAX_DEPTH = 60
_WIDENING_METHODS = frozenset(
    {"get", "getlist", "getone", "getall", "get_all", "pop", "get_json", "get_data"}
)
_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers")
_NUMERIC_PRINTF = frozenset("diouxXeEfFgGc")
_NUMERIC_FORMAT_SPECS = frozenset("bcdoxXeEfFgGn%")


class Level(enum.IntEnum):
    CLEAN = 0
    UNKNOWN = 1
    UNTRUSTED = 2


@dataclass(frozen=True, slots=True)
class Taint:
    """What is known about where a value came from.

    ``origin`` is the node where the data entered: the source expression for UNTRUSTED
    (``request.form["path"]``, a handler parameter's ``ast.arg``), the first expression of
    unknown origin for UNKNOWN. ``built`` says the value was assembled by string building
    (f-string, ``%``, ``.format``, ``+``, ``join``) from a non-constant part. ``source``
    names the kind of source (``"the request"``, ``"the command line"``).
    """

    level: Level
    origin: ast.AST | None = None
    built: bool = False
    source: str = ""

    @property
    def is_clean(self) -> bool:
        return self.level is Level.CLEAN

    @property
    def is_untrusted(self) -> bool:
        return self.level is Level.UNTRUSTED

    @property
    def is_unknown(self) -> bool:
        return self.level is Level.UNKNOWN

    def as_built(self) -> Taint:
        if self.level is Level.CLEAN or self.built:
            return self
        return Taint(self.level, self.origin, True, self.source)


CLEAN = Taint(Level.CLEAN)


def combine(taints: Iterable[Taint], *, building: bool = False) -> Taint:
    """The taint of a value made from several parts: the worst part decides, and the
    result counts as built when any non-clean part was built (or ``building`` is set)."""
    worst = CLEAN
    built = False
    for taint in taints:
        if taint.level > worst.level:
            worst = taint
        if taint.level is not Level.CLEAN and taint.built:
            built = True
    if worst.level is Level.CLEAN:
        return CLEAN
    if (built or building) and not worst.built:
        return worst.as_built()
    return worst


# Bindings -----------------------------------------------------------------------------


@dataclass(slots=True)
class Binding:
    """One place where a scope gives a name a value.

    ``kind``: ``assign`` (replaces the value), ``add`` (adds to it: ``+=``,
    ``parts.append``, ``d[k] = v``), ``written`` (the file it names was written:
    ``upload.save(path)``), ``iterate`` (a loop target), ``with``, ``walrus``,
    ``opaque`` (import, ``except ... as``, nested ``def``), ``guard`` (an allow-list or
    validation check that cleans the name below it) and ``guard-body`` (cleans it inside
    an ``if x in ALLOWED:`` block).
    """

    kind: str
    point: tuple[int, int]
    statement: ast.AST
    value: ast.expr | None = None
    path: tuple[int, ...] = ()
    building: bool = False


@dataclass(slots=True)
class _ScopeIndex:
    node_count: int
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)


def _end_point(node: ast.AST) -> tuple[int, int]:
    return (node.end_lineno or node.lineno, node.end_col_offset or 0)  # type: ignore[attr-defined]


def _start_point(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _enclosing_statement(node: ast.AST) -> ast.AST:
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parent_of(current)
    return current if current is not None else node


def _target_names(target: ast.AST, path: tuple[int, ...] = ()) -> Iterator[tuple[str, tuple[int, ...]]]:
    """Names bound by an assignment target, with their position inside tuple targets."""
    if isinstance(target, ast.Name):
        yield target.id, path
    elif isinstance(target, (ast.Tuple, ast.List)):
        starred = any(isinstance(element, ast.Starred) for element in target.elts)
        for index, element in enumerate(target.elts):
            # After a starred element, positions no longer line up with the value's.
            yield from _target_names(element, () if starred else (*path, index))
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value, ())


def _value_at(value: ast.expr, path: tuple[int, ...]) -> ast.expr:
    """The part of ``value`` a tuple target's element receives, when it can be seen."""
    for index in path:
        if (
            isinstance(value, (ast.Tuple, ast.List))
            and not any(isinstance(e, ast.Starred) for e in value.elts)
            and index < len(value.elts)
        ):
            value = value.elts[index]
            continue
        return value
    return value


def _subscript_base(target: ast.AST) -> ast.Name | None:
    while isinstance(target, ast.Subscript):
        target = target.value
    return target if isinstance(target, ast.Name) else None


class TaintTracker:
    """Answers ``taint_of(expr)`` for expressions of one scope; memoised per node."""

    def __init__(
        self,
        checker: Checker,
        scope: Scope,
        *,
        sanitizers: Iterable[str] = (),
        file_contents: bool = False,
    ) -> None:
        self.checker = checker
        self.scope = scope
        self.sanitizers = frozenset(sanitizers)
        self.file_contents = file_contents
        """Whether a path written with untrusted data (``upload.save(path)``) counts as
        untrusted: yes for what is read from it, no for the path text itself."""
        self._memo: dict[int, Taint] = {}
        self._active: set[int] = set()
        """The expressions being computed, innermost included: their number is the depth."""
        self._handler_kinds: dict[int, str | None] = {}
        self._other_trackers: dict[int, TaintTracker] = {}

    # Public API ---------------------------------------------------------------------

    def taint_of(self, node: ast.AST) -> Taint:
        key = id(node)
        found = self._memo.get(key)
        if found is not None:
            return found
        active = self._active
        if key in active or len(active) > _MAX_DEPTH:
            # A cycle (``x = x + y`` in a loop) or a very deep chain: the other
            # definitions decide.
            return CLEAN
        active.add(key)
        try:
            method = _TAINT_METHODS.get(node.__class__)
            result = method(self, node) if method is not None else Taint(Level.UNKNOWN, node)
        finally:
            active.discard(key)
        self._memo[key] = result
        return result

    def describe(self, taint: Taint, limit: int = 50) -> str:
        """``request.form['path']` (line 14)`` for messages: where the data entered."""
        origin = taint.origin
        if origin is None:
            return "a non-constant value"
        if isinstance(origin, ast.arg):
            text = origin.arg
        else:
            text = " ".join(self.checker.source.segment(origin).split())
        if len(text) > limit:
            text = text[: limit - 3] + "..."
        return f"`{text}` (line {origin.lineno})"  # type: ignore[attr-defined]

    def reaching_values(self, name: ast.Name) -> list[ast.expr] | None:
        """The values assigned to ``name`` that can reach it, or None when any binding that
        reaches it is not a plain assignment (parameter, loop, mutation)."""
        resolved = self._resolve(name)
        if resolved is None:
            return None
        _scope, bindings, parameter = resolved
        if parameter is not None:
            return None
        values: list[ast.expr] = []
        for binding in bindings:
            if binding.kind != "assign" or binding.value is None:
                return None
            values.append(_value_at(binding.value, binding.path))
        return values

    def is_request_object(self, node: ast.AST) -> bool:
        """The incoming request: ``flask.request``, ``self.request``, a handler's
        ``request`` parameter or one annotated ``Request``/``HttpRequest``/``WebSocket``."""
        if isinstance(node, ast.Attribute):
            if (
                node.attr in tables.REQUEST_SELF_ATTRIBUTES
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                return True
            return self.checker.qualified_name(node, self.scope) in tables.REQUEST_OBJECTS
        if not isinstance(node, ast.Name):
            return False
        if self.checker.qualified_name(node, self.scope) in tables.REQUEST_OBJECTS:
            return True
        parameter = self._parameter_for(node)
        return parameter is not None and self._is_request_parameter(parameter)

    # Expressions --------------------------------------------------------------------

    def _taint_Constant(self, node: ast.Constant) -> Taint:
        return CLEAN

    def _taint_JoinedStr(self, node: ast.JoinedStr) -> Taint:
        # A value at the very start is the command (or template) itself, as in
        # ``f"{cmd} >{log}"``: pasting text after it is not interpolating data into it.
        interpolated: list[Taint] = []
        leading: list[Taint] = []
        for index, value in enumerate(node.values):
            if isinstance(value, ast.FormattedValue) and not _numeric_format_spec(value):
                (leading if index == 0 else interpolated).append(self.taint_of(value.value))
        # Interpolated values first, so the message names one of them.
        building = any(not taint.is_clean for taint in interpolated)
        return combine([*interpolated, *leading], building=building)

    def _taint_FormattedValue(self, node: ast.FormattedValue) -> Taint:
        return self.taint_of(node.value)

    def _taint_BinOp(self, node: ast.BinOp) -> Taint:
        if isinstance(node.op, ast.Mod) and _is_string_constant(node.left):
            numeric = _printf_numeric_positions(node.left.value)  # type: ignore[attr-defined]
            values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            leading = 0 if node.left.value[:1] in ("%", b"%") else -1  # type: ignore[attr-defined]
            interpolated: list[Taint] = []
            first: list[Taint] = []
            for index, value in enumerate(values):
                if numeric is not None and index < len(numeric) and numeric[index]:
                    continue
                (first if index == leading else interpolated).append(self.taint_of(value))
            building = any(not taint.is_clean for taint in interpolated)
            return combine([*interpolated, *first], building=building)
        left, right = self.taint_of(node.left), self.taint_of(node.right)
        building = isinstance(node.op, (ast.Add, ast.Mod)) and not right.is_clean
        return combine((right, left), building=building)

    def _taint_BoolOp(self, node: ast.BoolOp) -> Taint:
        return combine(self.taint_of(value) for value in node.values)

    def _taint_IfExp(self, node: ast.IfExp) -> Taint:
        return combine((self.taint_of(node.body), self.taint_of(node.orelse)))

    def _taint_Compare(self, node: ast.Compare) -> Taint:
        return CLEAN

    def _taint_UnaryOp(self, node: ast.UnaryOp) -> Taint:
        if isinstance(node.op, ast.Not):
            return CLEAN
        return self.taint_of(node.operand)

    def _taint_Tuple(self, node: ast.Tuple) -> Taint:
        return combine(self.taint_of(element) for element in node.elts)

    _taint_List = _taint_Tuple
    _taint_Set = _taint_Tuple

    def _taint_Dict(self, node: ast.Dict) -> Taint:
        parts = [self.taint_of(value) for value in node.values]
        parts.extend(self.taint_of(key) for key in node.keys if key is not None)
        return combine(parts)

    def _taint_Starred(self, node: ast.Starred) -> Taint:
        return self.taint_of(node.value)

    def _taint_Await(self, node: ast.Await) -> Taint:
        return self.taint_of(node.value)

    def _taint_NamedExpr(self, node: ast.NamedExpr) -> Taint:
        return self.taint_of(node.value)

    def _taint_Lambda(self, node: ast.Lambda) -> Taint:
        return CLEAN

    def _taint_Slice(self, node: ast.Slice) -> Taint:
        return CLEAN

    def _taint_ListComp(self, node: ast.ListComp) -> Taint:
        return self.taint_of(node.elt)

    _taint_SetComp = _taint_ListComp
    _taint_GeneratorExp = _taint_ListComp

    def _taint_DictComp(self, node: ast.DictComp) -> Taint:
        return combine((self.taint_of(node.key), self.taint_of(node.value)))

    def _taint_Subscript(self, node: ast.Subscript) -> Taint:
        base = self.taint_of(node.value)
        if base.level is Level.UNKNOWN and not base.built:
            return _unknown(node)
        return base

    def _taint_Attribute(self, node: ast.Attribute) -> Taint:
        qualified = self.checker.qualified_name(node, self.scope)
        if qualified is not None:
            if qualified in tables.SOURCE_NAMES:
                return self._source(node, tables.SOURCE_NAMES[qualified])
            if qualified in tables.PROGRAM_CONSTANTS:
                return CLEAN
        if node.attr in tables.REQUEST_DATA_ATTRIBUTES and self.is_request_object(node.value):
            return self._source(node, "the request")
        if (
            node.attr in tables.MESSAGE_BODY_ATTRIBUTES
            and isinstance(node.value, ast.Name)
            and node.value.id in tables.MESSAGE_PARAMETER_NAMES
            and self._parameter_for(node.value) is not None
        ):
            return self._source(node, "a queue message")
        base = self.taint_of(node.value)
        if base.is_untrusted or base.built:
            return base
        if base.is_clean and qualified is None:
            return CLEAN
        return _unknown(node)

    def _taint_Name(self, node: ast.Name) -> Taint:
        comprehension = self._comprehension_binding(node)
        if comprehension is not None:
            return comprehension
        resolved = self._resolve(node)
        if resolved is None:
            return self._unbound_name(node)
        scope, bindings, parameter = resolved
        parts: list[Taint] = []
        if parameter is not None:
            parts.append(self._parameter_taint(parameter, scope))
        parts.extend(self._binding_taint(binding, scope) for binding in bindings)
        return combine(parts)

    def _taint_Call(self, node: ast.Call) -> Taint:
        checker = self.checker
        func = node.func
        qualified = checker.qualified_name(func, self.scope)
        if qualified is not None:
            if qualified in tables.SOURCE_CALLS:
                return self._source(node, tables.SOURCE_CALLS[qualified])
            if qualified in self.sanitizers or qualified in tables.CLEANING_CALLS:
                return CLEAN
            if qualified in tables.PROGRAM_CONSTANTS:
                return CLEAN
            if qualified in tables.PROPAGATING_CALLS:
                return combine(self._argument_taints(node))
        if qualified is not None and qualified.startswith("builtins."):
            # Builtins and their types' methods (``bytes.fromhex``, ``str.strip``) carry
            # their arguments' data; the ones that do not are in CLEANING_CALLS.
            return combine(self._argument_taints(node))
        if isinstance(func, ast.Attribute):
            return self._method_call_taint(node, func, qualified)
        return _unknown(node)

    def _method_call_taint(self, node: ast.Call, func: ast.Attribute, qualified: str | None) -> Taint:
        method = func.attr
        receiver = func.value
        source = self._method_source(method, receiver)
        if source is not None:
            return self._source(node, source)
        if method in tables.CLEANING_METHODS:
            return CLEAN
        if method in tables.STRING_BUILDING_METHODS:
            if method == "replace" and _escapes_single_quotes(node):
                # Hand-quoting for use inside '...': trusted for values of unknown
                # origin, not for client data (it may be pasted outside the quotes).
                receiver_taint = self.taint_of(receiver)
                return receiver_taint if receiver_taint.is_untrusted else CLEAN
            arguments = self._argument_taints(node)
            building = any(not taint.is_clean for taint in arguments)
            return combine([*arguments, self.taint_of(receiver)], building=building)
        base = self.taint_of(receiver)
        if base.is_untrusted:
            return base
        if base.is_clean:
            if qualified is not None:
                # A function of an imported module that no table describes.
                return _unknown(node)
            if _is_string_expression(receiver):
                return combine(self._argument_taints(node))
            # A lookup in the program's own table (``COMMANDS.get(name)``) returns its data.
            return CLEAN if method in tables.CONTAINER_READ_METHODS else _unknown(node)
        if base.built:
            return base
        return _unknown(node)

    def _argument_taints(self, node: ast.Call) -> list[Taint]:
        taints = [self.taint_of(argument) for argument in node.args]
        taints.extend(self.taint_of(keyword.value) for keyword in node.keywords)
        return taints

    # Sources ------------------------------------------------------------------------

    def _source(self, node: ast.AST, kind: str) -> Taint:
        return Taint(Level.UNTRUSTED, _widen_source(node), False, kind)

    def _method_source(self, method: str, receiver: ast.expr) -> str | None:
        if method in tables.SOURCE_METHODS:
            return "a network peer"
        if method in tables.COMMAND_LINE_METHODS:
            return "the command line"
        if method in tables.REQUEST_DATA_METHODS and self.is_request_object(receiver):
            return "the request"
        if method in tables.HANDLER_SELF_METHODS and isinstance(receiver, ast.Name) and receiver.id == "self":
            return "the request"
        receiver_name = (
            receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", None)
        )
        if method in tables.STREAM_READ_METHODS and receiver_name in tables.STREAM_READER_NAMES:
            return "a network peer"
        if method in tables.CACHE_READ_METHODS and self._is_cache(receiver):
            return "a shared cache"
        if method in tables.CONSUMER_READ_METHODS and self._constructed_by(
            receiver, tables.CONSUMER_CONSTRUCTORS
        ):
            return "a queue message"
        return None

    def _is_cache(self, receiver: ast.expr) -> bool:
        if isinstance(receiver, ast.Subscript):
            receiver = receiver.value
        qualified = self.checker.qualified_name(receiver, self.scope)
        if qualified in tables.CACHE_OBJECTS:
            return True
        last = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        lowered = last.lower()
        if any(word in lowered for word in tables.CACHE_RECEIVER_WORDS):
            return True
        if (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and receiver.value.id == "self"
        ):
            return self._self_attribute_constructed_by(receiver.attr, tables.CACHE_CLIENT_CONSTRUCTORS)
        return self._constructed_by(receiver, tables.CACHE_CLIENT_CONSTRUCTORS)

    def _self_attribute_constructed_by(self, attribute: str, constructors: frozenset[str]) -> bool:
        """Whether a method of the enclosing class sets ``self.<attribute>`` to an object
        made by one of ``constructors`` (``self.client = redis.Redis()`` in ``__init__``)."""
        scope: Scope | None = self.scope
        while scope is not None and scope.kind != "class":
            scope = scope.parent
        if scope is None:
            return False
        cache = scope.state.setdefault("taint.self_constructors", {})
        assert isinstance(cache, dict)
        if attribute not in cache:
            cache[attribute] = self._find_self_assignment(scope, attribute, constructors)
        return bool(cache[attribute])

    def _find_self_assignment(self, class_scope: Scope, attribute: str, constructors: frozenset[str]) -> bool:
        return any(
            self.checker.qualified_name(func, self.checker.module_scope) in constructors
            for func in _self_attribute_calls(class_scope).get(attribute, ())
        )

    def _constructed_by(self, receiver: ast.expr, constructors: frozenset[str]) -> bool:
        """Whether a name holds an object made by one of ``constructors`` (``r = redis.Redis()``)."""
        if not isinstance(receiver, ast.Name):
            return False
        values = self.reaching_values(receiver)
        if not values:
            values = [
                statement.value
                for statement in self.checker.module_assignments.get(receiver.id, ())
                if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None
            ]
        for value in values:
            while isinstance(value, ast.Await):
                value = value.value
            if isinstance(value, ast.Call):
                qualified = self.checker.qualified_name(value.func, self.scope)
                if qualified in constructors:
                    return True
        return False

    # Names --------------------------------------------------------------------------

    def _comprehension_binding(self, node: ast.Name) -> Taint | None:
        child: ast.AST = node
        for ancestor in self.checker.ancestors(node):
            # No comprehension holds a statement: the climb ends at the first one (which
            # definitions are), or at a lambda.
            if isinstance(ancestor, (ast.stmt, ast.Lambda)):
                return None
            if isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                generators = ancestor.generators
                if child is generators[0].iter:
                    child = ancestor
                    continue
                for generator in generators:
                    names = {name for name, _ in _target_names(generator.target)}
                    if node.id in names:
                        if any(_validates(condition, node.id, self) for condition in generator.ifs):
                            return CLEAN
                        return self.taint_of(generator.iter)
            child = ancestor
        return None

    def _resolve(self, node: ast.Name) -> tuple[Scope, list[Binding], ast.arg | None] | None:
        """The scope that binds ``node``, the bindings that reach it there and the
        parameter that does (if the name is one and no reassignment replaced it)."""
        identifier = node.id
        scope = self.scope
        while True:
            if scope is not self.scope:
                if scope.kind == "module":
                    return self._module_bindings(identifier)
                if scope.kind == "class":
                    # Class bodies do not enclose the methods defined in them.
                    if scope.parent is None:
                        return None
                    scope = scope.parent
                    continue
            index = self._index(scope)
            if identifier in index.declared_global and scope.kind != "module":
                return self._module_bindings(identifier)
            parameter = _find_parameter(scope, identifier)
            bindings = index.bindings.get(identifier)
            if parameter is not None or bindings:
                reaching, parameter_reaches = self._reaching(bindings or [], node, parameter is not None)
                return scope, reaching, parameter if parameter_reaches else None
            if scope.parent is None:
                return None
            scope = scope.parent

    def _module_bindings(self, identifier: str) -> tuple[Scope, list[Binding], None] | None:
        """Module-level names seen from inside a function: every module assignment counts,
        wherever it is (the function may run after all of them)."""
        statements = self.checker.module_assignments.get(identifier)
        if not statements:
            return None
        bindings: list[Binding] = []
        for statement in statements:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    for name, path in _target_names(target):
                        if name == identifier:
                            bindings.append(
                                Binding("assign", _end_point(statement), statement, statement.value, path)
                            )
            elif isinstance(statement, ast.AnnAssign):
                if statement.value is not None:
                    bindings.append(Binding("assign", _end_point(statement), statement, statement.value))
            elif isinstance(statement, ast.AugAssign):
                building = isinstance(statement.op, (ast.Add, ast.Mod))
                bindings.append(
                    Binding("add", _end_point(statement), statement, statement.value, building=building)
                )
        return self.checker.module_scope, bindings, None

    def _unbound_name(self, node: ast.Name) -> Taint:
        qualified = self.checker.resolve_name(node.id, self.scope)
        if qualified is not None:
            if qualified in tables.SOURCE_NAMES:
                return self._source(node, tables.SOURCE_NAMES[qualified])
            if qualified in tables.PROGRAM_CONSTANTS or qualified.startswith("builtins."):
                return CLEAN
        if node.id in tables.PROGRAM_CONSTANTS:
            return CLEAN
        return _unknown(node)

    def _reaching(
        self, bindings: list[Binding], use: ast.AST, has_parameter: bool
    ) -> tuple[list[Binding], bool]:
        use_point = _start_point(use)
        before = sorted((b for b in bindings if b.point <= use_point), key=lambda b: b.point)
        if not before:
            if has_parameter:
                return [], True
            # Used before any binding: a loop-carried value or a closure variable
            # assigned later. Every binding may reach it.
            return [b for b in bindings if b.kind not in ("guard", "guard-body")], False
        reaching: list[Binding] = []
        parameter_reaches = has_parameter
        for binding in before:
            if binding.kind in ("add", "written"):
                reaching.append(binding)
            elif binding.kind in ("guard", "guard-body"):
                # The allow-list must itself be constant: ``x not in request.args`` cleans nothing.
                if _dominates(binding, use) and (
                    binding.value is None or self.taint_of(binding.value).is_clean
                ):
                    reaching = [binding]
                    parameter_reaches = False
            elif _dominates(binding, use):
                reaching = [binding]
                parameter_reaches = False
            else:
                reaching.append(binding)
        return reaching, parameter_reaches

    def _binding_taint(self, binding: Binding, scope: Scope) -> Taint:
        if binding.kind in ("guard", "guard-body"):
            return CLEAN
        if binding.kind == "written" and not self.file_contents:
            return CLEAN
        if binding.kind == "opaque":
            return (
                CLEAN
                if isinstance(binding.statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                else (Taint(Level.UNKNOWN, binding.statement))
            )
        value = binding.value
        if value is None:
            return Taint(Level.UNKNOWN, binding.statement)
        tracker = self if scope is self.scope else self._tracker_for(scope)
        if (
            binding.kind == "iterate"
            and isinstance(value, ast.Name)
            and tracker._constructed_by(value, tables.CONSUMER_CONSTRUCTORS)
        ):
            return tracker._source(value, "a queue message")
        if (
            binding.kind == "iterate"
            and isinstance(value, ast.Name)
            and value.id in tables.WEBSOCKET_PARAMETER_NAMES
            and tracker._parameter_for(value) is not None
        ):
            return tracker._source(value, "a network peer")
        taint = tracker.taint_of(_value_at(value, binding.path))
        return taint.as_built() if binding.building else taint

    def _tracker_for(self, scope: Scope) -> TaintTracker:
        tracker = self._other_trackers.get(id(scope))
        if tracker is None:
            tracker = TaintTracker(
                self.checker, scope, sanitizers=self.sanitizers, file_contents=self.file_contents
            )
            self._other_trackers[id(scope)] = tracker
        return tracker

    # Parameters ---------------------------------------------------------------------

    def _parameter_for(self, node: ast.Name) -> ast.arg | None:
        scope: Scope | None = self.scope
        while scope is not None:
            if scope.kind == "class":
                scope = scope.parent
                continue
            parameter = _find_parameter(scope, node.id)
            if parameter is not None:
                return parameter
            index = self._index(scope)
            if node.id in index.bindings:
                return None
            scope = scope.parent
        return None

    def _is_request_parameter(self, parameter: ast.arg) -> bool:
        if parameter.arg in tables.REQUEST_PARAMETER_NAMES:
            return True
        return self._annotation_in(parameter.annotation, tables.REQUEST_ANNOTATIONS)

    def _annotation_in(self, annotation: ast.expr | None, names: frozenset[str]) -> bool:
        if annotation is None:
            return False
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            return annotation.value.strip() in names
        if isinstance(annotation, ast.Subscript):
            # Annotated[Request, ...], Optional[Request]
            return self._annotation_in(annotation.value, names) or self._annotation_in(
                annotation.slice, names
            )
        if isinstance(annotation, ast.Tuple):
            return any(self._annotation_in(element, names) for element in annotation.elts)
        if isinstance(annotation, ast.BinOp):
            return self._annotation_in(annotation.left, names) or self._annotation_in(annotation.right, names)
        qualified = self.checker.qualified_name(annotation, self.scope)
        if qualified in names:
            return True
        last = annotation.attr if isinstance(annotation, ast.Attribute) else getattr(annotation, "id", None)
        return last in names

    def _parameter_taint(self, parameter: ast.arg, scope: Scope) -> Taint:
        function = scope.node
        unknown = _unknown(parameter)
        if self._annotation_in(parameter.annotation, tables.NUMERIC_ANNOTATIONS):
            return CLEAN
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return unknown
        if self._annotation_in(parameter.annotation, tables.MESSAGE_ANNOTATIONS):
            return Taint(Level.UNTRUSTED, parameter, False, "a queue message")
        if self._is_request_parameter(parameter):
            return unknown
        kind = self._handler_kind(function)
        if kind == "message" and parameter.arg == tables.MESSAGE_CALLBACK_PARAMETERS[1]:
            return Taint(Level.UNTRUSTED, parameter, False, "a queue message")
        if kind == "lambda" and parameter.arg == tables.LAMBDA_HANDLER_PARAMETERS[0]:
            return Taint(Level.UNTRUSTED, parameter, False, "the invoking event")
        if kind == "cli" and parameter.arg not in ("self", "cls", "ctx"):
            return Taint(Level.UNTRUSTED, parameter, False, "the command line")
        if kind not in ("route", "view"):
            return unknown
        if parameter.arg in ("self", "cls"):
            return unknown
        if self._annotation_in(parameter.annotation, tables.HANDLER_SERVER_ANNOTATIONS):
            return unknown
        default = _parameter_default(function, parameter)
        if isinstance(default, ast.Call):
            qualified = self.checker.qualified_name(default.func, self.scope) or ""
            name = qualified or getattr(default.func, "id", "")
            if (
                name in tables.HANDLER_DEPENDENCY_DEFAULTS
                or name.rsplit(".", 1)[-1] in tables.HANDLER_DEPENDENCY_DEFAULTS
            ):
                return unknown
        return Taint(Level.UNTRUSTED, parameter, False, "a request parameter")

    def _handler_kind(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
        key = id(function)
        if key in self._handler_kinds:
            return self._handler_kinds[key]
        kind: str | None = None
        for decorator in function.decorator_list:
            if _is_route_decorator(decorator):
                kind = "route"
                break
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            qualified = self.checker.qualified_name(target, self.checker.module_scope) or ""
            if qualified.startswith(tables.CLI_DECORATOR_PREFIXES):
                kind = "cli"
                break
        arguments = [*function.args.posonlyargs, *function.args.args]
        names = [argument.arg for argument in arguments]
        if kind is None and names:
            first = names[1] if names[0] in ("self", "cls") and len(names) > 1 else names[0]
            if first == "request" and self._imports_django():
                kind = "view"
        if kind is None and tuple(names) == tables.LAMBDA_HANDLER_PARAMETERS:
            kind = "lambda"
        if kind is None:
            markers, body = tables.MESSAGE_CALLBACK_PARAMETERS
            if names and names[-1] == body and any(name in markers for name in names[:-1]):
                kind = "message"
        self._handler_kinds[key] = kind
        return kind

    def _imports_django(self) -> bool:
        scope = self.checker.module_scope
        return any(
            value.split(".", 1)[0] in tables.DJANGO_MODULE_PREFIXES for value in scope.imports.values()
        )

    # Index --------------------------------------------------------------------------

    def _index(self, scope: Scope) -> _ScopeIndex:
        cached = scope.state.get("taint.index")
        if isinstance(cached, _ScopeIndex) and cached.node_count == len(scope.nodes):
            return cached
        index = _ScopeIndex(len(scope.nodes))
        indexed_types = _INDEXED_TYPES
        call_type, attribute_type = ast.Call, ast.Attribute
        binding_methods = _BINDING_METHODS
        for node in scope.nodes:
            node_type = node.__class__
            if node_type is call_type:
                func = node.func  # type: ignore[attr-defined]
                if func.__class__ is attribute_type and func.attr in binding_methods:
                    self._index_call(node, index)  # type: ignore[arg-type]
            elif node_type in indexed_types:
                self._index_node(node, index)
        scope.state["taint.index"] = index
        return index

    def _index_node(self, node: ast.AST, index: _ScopeIndex) -> None:
        add = index.bindings.setdefault
        node_type = type(node)
        if node_type is ast.Assign:
            assert isinstance(node, ast.Assign)
            for target in node.targets:
                base = _subscript_base(target) if isinstance(target, ast.Subscript) else None
                if base is not None:
                    add(base.id, []).append(Binding("add", _end_point(node), node, node.value))
                    continue
                for name, path in _target_names(target):
                    add(name, []).append(Binding("assign", _end_point(node), node, node.value, path))
        elif node_type is ast.AnnAssign:
            assert isinstance(node, ast.AnnAssign)
            if node.value is not None and isinstance(node.target, ast.Name):
                add(node.target.id, []).append(Binding("assign", _end_point(node), node, node.value))
        elif node_type is ast.AugAssign:
            assert isinstance(node, ast.AugAssign)
            base = _subscript_base(node.target)
            if base is not None:
                building = isinstance(node.op, (ast.Add, ast.Mod))
                add(base.id, []).append(Binding("add", _end_point(node), node, node.value, building=building))
        elif node_type in (ast.For, ast.AsyncFor):
            assert isinstance(node, (ast.For, ast.AsyncFor))
            for name, _ in _target_names(node.target):
                add(name, []).append(Binding("iterate", _end_point(node.iter), node, node.iter))
        elif node_type is ast.withitem:
            assert isinstance(node, ast.withitem)
            if node.optional_vars is not None:
                statement = _enclosing_statement(node)
                for name, _ in _target_names(node.optional_vars):
                    add(name, []).append(
                        Binding("with", _end_point(node.context_expr), statement, node.context_expr)
                    )
        elif node_type is ast.NamedExpr:
            assert isinstance(node, ast.NamedExpr)
            if not self._in_comprehension(node):
                statement = _enclosing_statement(node)
                add(node.target.id, []).append(
                    Binding("walrus", _end_point(node.value), statement, node.value)
                )
        elif node_type in (ast.Import, ast.ImportFrom):
            assert isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names:
                local = alias.asname or alias.name.split(".", 1)[0]
                add(local, []).append(Binding("opaque", _end_point(node), node))
        elif node_type in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            name = node.name  # type: ignore[attr-defined]
            add(name, []).append(Binding("opaque", _start_point(node), node))
        elif node_type is ast.ExceptHandler:
            assert isinstance(node, ast.ExceptHandler)
            if node.name:
                add(node.name, []).append(Binding("opaque", _start_point(node), node))
        elif node_type in (ast.Global, ast.Nonlocal):
            if node_type is ast.Global:
                index.declared_global.update(node.names)  # type: ignore[attr-defined]
        elif node_type is ast.If:
            assert isinstance(node, ast.If)
            self._index_guard(node, node.test, node.body, index)
        elif node_type is ast.Assert:
            assert isinstance(node, ast.Assert)
            for name, allowed in _guarded_names(node.test, self, negated=False):
                add(name, []).append(Binding("guard", _end_point(node), node, allowed))

    def _index_call(self, node: ast.Call, index: _ScopeIndex) -> None:
        """``parts.append(x)`` adds to ``parts``; ``upload.save(path)`` writes the file ``path`` names."""
        add = index.bindings.setdefault
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in tables.CONSUMING_METHODS
            and isinstance(func.value, ast.Name)
            and (node.args or node.keywords)
        ):
            value: ast.expr = ast.Tuple(elts=[*node.args, *(k.value for k in node.keywords)], ctx=ast.Load())
            add(func.value.id, []).append(Binding("add", _end_point(node), _enclosing_statement(node), value))
        if isinstance(func, ast.Attribute) and func.attr in tables.WRITING_METHODS:
            written: ast.expr = ast.Tuple(elts=[func.value, *node.args], ctx=ast.Load())
            for argument in node.args:
                if isinstance(argument, ast.Name):
                    add(argument.id, []).append(
                        Binding("written", _end_point(node), _enclosing_statement(node), written)
                    )

    def _in_comprehension(self, node: ast.AST) -> bool:
        for ancestor in self.checker.ancestors(node):
            if isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                return True
            if isinstance(ancestor, ast.stmt):
                return False
        return False

    def _index_guard(self, node: ast.If, test: ast.expr, body: list[ast.stmt], index: _ScopeIndex) -> None:
        add = index.bindings.setdefault
        if _exits(body, self):
            for name, allowed in _guarded_names(test, self, negated=True):
                add(name, []).append(Binding("guard", _end_point(node), node, allowed))
        for name, allowed in _guarded_names(test, self, negated=False):
            add(name, []).append(Binding("guard-body", _end_point(test), node, allowed))


_TAINT_METHODS: dict[type[ast.AST], Callable[[TaintTracker, Any], Taint]] = {
    getattr(ast, name.removeprefix("_taint_")): method
    for name, method in vars(TaintTracker).items()
    if name.startswith("_taint_")
}
"""``TaintTracker._taint_<NodeType>`` by node type: ``taint_of`` dispatches on every node it meets."""

_INDEXED_TYPES = frozenset(
    (
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.For,
        ast.AsyncFor,
        ast.withitem,
        ast.NamedExpr,
        ast.Import,
        ast.ImportFrom,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.ExceptHandler,
        ast.Global,
        ast.Nonlocal,
        ast.If,
        ast.Assert,
    )
)
"""The node types ``TaintTracker._index_node`` learns something from; it skips the others
(calls go to ``_index_call``)."""
_BINDING_METHODS = tables.CONSUMING_METHODS | tables.WRITING_METHODS
"""The methods whose calls ``_index_call`` learns from: the others bind nothing."""


# Helpers ------------------------------------------------------------------------------


def _unknown(node: ast.AST) -> Taint:
    """A value of unknown origin, unless its name says it is a number (``pid``, ``port``,
    ``self.get_http_port()``): no one puts shell syntax in a port number."""
    name = _terminal_name(node)
    if name is not None:
        lowered = name.lower()
        if lowered in tables.NUMERIC_NAMES or lowered.endswith(tables.NUMERIC_NAME_SUFFIXES):
            return CLEAN
        if len(name) > 1 and name.isupper():
            # ``self.INSTALLER``, ``settings.BACKUP_DIR``: constants by convention.
            return CLEAN
    return Taint(Level.UNKNOWN, node)


def _escapes_single_quotes(call: ast.Call) -> bool:
    """``value.replace("'", "'\"'\"'")``: the usual hand-quoting for inside ``'...'``."""
    if len(call.args) != 2:
        return False
    old, new = call.args
    return (
        isinstance(old, ast.Constant)
        and old.value == "'"
        and isinstance(new, ast.Constant)
        and isinstance(new.value, str)
        and new.value in ("'\"'\"'", "'\\''")
    )


def _terminal_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.arg):
        return node.arg
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        name = _terminal_name(node.func)
        if name is not None and name.startswith("get_"):
            return name[4:]
        return name
    return None


def _widen_source(node: ast.AST) -> ast.AST:
    """``request.form`` read as ``request.form["path"]`` or ``request.args.get("q")``,
    so the message quotes the whole read."""
    for _ in range(3):
        parent = parent_of(node)
        if isinstance(parent, (ast.Subscript, ast.Await)) and parent.value is node:
            node = parent
        elif (
            isinstance(parent, ast.Attribute)
            and parent.value is node
            and parent.attr in _WIDENING_METHODS
            and isinstance(parent_of(parent), ast.Call)
            and parent_of(parent).func is parent  # type: ignore[union-attr]
        ):
            node = parent_of(parent)  # type: ignore[assignment]
        else:
            break
    return node


def _find_parameter(scope: Scope, identifier: str) -> ast.arg | None:
    node = scope.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return None
    arguments = node.args
    for argument in (
        *arguments.posonlyargs,
        *arguments.args,
        *arguments.kwonlyargs,
        *(a for a in (arguments.vararg, arguments.kwarg) if a is not None),
    ):
        if argument.arg == identifier:
            return argument
    return None


def _parameter_default(
    function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: ast.arg
) -> ast.expr | None:
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    if parameter in positional:
        offset = len(positional) - len(arguments.defaults)
        position = positional.index(parameter)
        return arguments.defaults[position - offset] if position >= offset else None
    if parameter in arguments.kwonlyargs:
        return arguments.kw_defaults[arguments.kwonlyargs.index(parameter)]
    return None


def _is_route_decorator(decorator: ast.expr) -> bool:
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return False
    method = decorator.func.attr
    if method not in tables.ROUTE_DECORATOR_METHODS:
        return False
    path: ast.expr | None = decorator.args[0] if decorator.args else None
    if path is None:
        path = next((k.value for k in decorator.keywords if k.arg in ("path", "rule", "uri")), None)
    if not (isinstance(path, ast.Constant) and isinstance(path.value, str)):
        return False
    return method == "route" or path.value.startswith("/")


def _dominates(binding: Binding, use: ast.AST) -> bool:
    """Whether ``binding`` certainly happened before ``use`` runs, so it replaces what the
    name held before (ignoring exceptions and early exits)."""
    statement = binding.statement
    if binding.kind == "guard-body":
        return _inside_block(use, statement, ("body",))
    if binding.kind == "iterate":
        return _inside_block(use, statement, ("body",))
    if binding.kind in ("with", "walrus") and _inside_block(
        use, statement, ("body", "test", "value", "items")
    ):
        return True
    return _follows_in_block(statement, use)


def _inside_block(use: ast.AST, statement: ast.AST, fields: tuple[str, ...]) -> bool:
    child = use
    for ancestor in _ancestors(use):
        if ancestor is statement:
            for name in fields:
                value = getattr(statement, name, None)
                if value is child or (isinstance(value, list) and any(item is child for item in value)):
                    return True
            return False
        child = ancestor
    return False


def _follows_in_block(statement: ast.AST, use: ast.AST) -> bool:
    parent = parent_of(statement)
    if parent is None:
        return False
    block = None
    position = -1
    for name in _STATEMENT_LISTS:
        value = getattr(parent, name, None)
        if isinstance(value, list):
            for index, item in enumerate(value):
                if item is statement:
                    block, position = value, index
                    break
        if block is not None:
            break
    if block is None:
        return False
    for ancestor in (use, *_ancestors(use)):
        if parent_of(ancestor) is parent:
            for index, item in enumerate(block):
                if item is ancestor:
                    return index > position
            return False
    return False


def _ancestors(node: ast.AST) -> Iterator[ast.AST]:
    current = parent_of(node)
    while current is not None:
        yield current
        current = parent_of(current)


def _exits(body: list[ast.stmt], tracker: TaintTracker) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        qualified = tracker.checker.qualified_name(last.value.func, tracker.scope)
        return qualified in tables.EXITING_CALLS
    return False


def _guarded_names(
    test: ast.expr, tracker: TaintTracker, *, negated: bool
) -> list[tuple[str, ast.expr | None]]:
    """Names that ``test`` validates, each with the allow-list it is checked against (None
    for a validation call): when ``negated``, names that are valid wherever the test is
    false (``x not in ALLOWED``, ``not x.isdigit()``); otherwise names that are valid
    wherever it is true (``x in ALLOWED``). The allow-lists are checked for constancy
    later, by the tracker, once the scope's index is complete."""
    if isinstance(test, ast.BoolOp):
        # ``if not a or a not in ALLOWED: return`` guards when false (every operand false);
        # ``if a and a in ALLOWED:`` guards when true (every operand true).
        if isinstance(test.op, ast.Or) == negated:
            return [item for value in test.values for item in _guarded_names(value, tracker, negated=negated)]
        return []
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _guarded_names(test.operand, tracker, negated=not negated)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name):
        wanted = ast.NotIn if negated else ast.In
        if isinstance(test.ops[0], wanted):
            return [(test.left.id, test.comparators[0])]
        return []
    if not negated:
        name = _validated_name(test, tracker)
        return [(name, None)] if name is not None else []
    return []


def _validated_name(test: ast.expr, tracker: TaintTracker) -> str | None:
    """``re.fullmatch(P, x)``, ``SLUG.fullmatch(x)``, ``x.isdigit()``: the name validated."""
    if not isinstance(test, ast.Call):
        return None
    func = test.func
    if isinstance(func, ast.Attribute):
        if func.attr in tables.VALIDATING_METHODS and isinstance(func.value, ast.Name) and not test.args:
            return func.value.id
        qualified = tracker.checker.qualified_name(func, tracker.scope)
        if (
            qualified in tables.VALIDATING_CALLS
            and len(test.args) >= 2
            and isinstance(test.args[1], ast.Name)
        ):
            return test.args[1].id
        if (
            qualified is None
            and func.attr in tables.VALIDATING_PATTERN_METHODS
            and test.args
            and isinstance(test.args[0], ast.Name)
        ):
            return test.args[0].id
    elif isinstance(func, ast.Name):
        qualified = tracker.checker.qualified_name(func, tracker.scope)
        if (
            qualified in tables.VALIDATING_CALLS
            and len(test.args) >= 2
            and isinstance(test.args[1], ast.Name)
        ):
            return test.args[1].id
    return None


def _validates(condition: ast.expr, identifier: str, tracker: TaintTracker) -> bool:
    return any(
        name == identifier and (allowed is None or tracker.taint_of(allowed).is_clean)
        for name, allowed in _guarded_names(condition, tracker, negated=False)
    )


def _is_string_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))


def _is_string_expression(node: ast.AST) -> bool:
    return _is_string_constant(node) or isinstance(node, ast.JoinedStr)


def _numeric_format_spec(value: ast.FormattedValue) -> bool:
    """``{count:d}``, ``{ratio:.2f}``: the value can only be rendered as a number."""
    spec = value.format_spec
    if spec is None or value.conversion != -1:
        return False
    if not (
        isinstance(spec, ast.JoinedStr) and len(spec.values) == 1 and _is_string_constant(spec.values[0])
    ):
        return False
    text = spec.values[0].value  # type: ignore[attr-defined]
    return bool(text) and text[-1] in _NUMERIC_FORMAT_SPECS


def _printf_numeric_positions(template: str | bytes) -> list[bool] | None:
    """For each ``%`` conversion of a printf template, whether it only prints numbers;
    None when the template uses ``%(name)s`` mappings or ``*`` widths."""
    if isinstance(template, bytes):
        template = template.decode("latin-1")
    result: list[bool] = []
    index = 0
    length = len(template)
    while index < length:
        if template[index] != "%":
            index += 1
            continue
        index += 1
        if index < length and template[index] == "%":
            index += 1
            continue
        if index < length and template[index] == "(":
            return None
        while index < length and template[index] in "#0- +.0123456789hlL":
            index += 1
        if index < length and template[index] == "*":
            return None
        if index < length:
            result.append(template[index] in _NUMERIC_PRINTF)
            index += 1
    return result


def format_fields(template: str) -> list[tuple[str, str | None, str | None, str | None]] | None:
    """``string.Formatter().parse`` with malformed templates answered by None."""
    try:
        return list(string.Formatter().parse(template))
    except ValueError:
        return None


def _self_attribute_calls(class_scope: Scope) -> dict[str, list[ast.expr]]:
    """``self.<attribute> = f(...)`` in the class's methods: the ``f`` of each, by attribute,
    in the order the methods are walked. Built once per class, not once per attribute."""
    index = class_scope.state.get("taint.self_attribute_calls")
    if index is None:
        index = {}
        for method in getattr(class_scope.node, "body", ()):
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for statement in walk(method):
                if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
                    continue
                for target in statement.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                    ):
                        index.setdefault(target.attr, []).append(statement.value.func)
        class_scope.state["taint.self_attribute_calls"] = index
    return index  # type: ignore[return-value]
