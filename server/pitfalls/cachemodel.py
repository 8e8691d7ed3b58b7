"""Shared reasoning for the cache and fan-out rules (PF003, PF004, PF008, PF011).

Recognises caches — in-process containers, memoizing decorators, shared cache clients —
their reads and writes, keys and expiry, what guards a refill, and follows values through
a function's local assignments. The library names come from ``pitfalls.knowledge.caches``.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pitfalls.astutil import called_name, children, walk
from pitfalls.engine import IMPORTED_MODULES, Checker, FileFact, Scope
from pitfalls.knowledge.caches import (
    CACHE_CLIENT_CONSTRUCTORS,
    CACHE_NAME_WORDS,
    CACHE_READ_METHODS,
    CACHE_WRITE_METHODS,
    COLLECTION_METHODS,
    COLLECTION_NOUNS,
    COLLECTION_VERBS,
    EXPIRING_CONTAINER_CONSTRUCTORS,
    EXPIRY_KEYWORDS,
    EXPIRY_POSITION,
    FILLING_METHODS,
    IMMUTABLE_CONSTRUCTORS,
    IN_PROCESS_CONTAINER_CONSTRUCTORS,
    MUTABLE_ANNOTATIONS,
    MUTABLE_RESULT_CALLS,
    SHARED_CACHE_OBJECTS,
)
from pitfalls.model import Edit, Position, Range
from pitfalls.source import SourceFile

Function = ast.FunctionDef | ast.AsyncFunctionDef

_WORD_BOUNDARY = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


# Names and words --------------------------------------------------------------------------


def identifier_words(name: str) -> set[str]:
    """``send_email`` -> {send, email}; ``updateOrder`` -> {update, order}."""
    return {word.lower() for word in _WORD_BOUNDARY.findall(name)}


def last_identifier(node: ast.expr) -> str | None:
    """``_cache`` for ``self._cache`` or ``_cache``; the subscripted name for ``caches["x"]``."""
    if isinstance(node, ast.Subscript):
        return last_identifier(node.value)
    if isinstance(node, ast.Call):
        return called_name(node.func)
    return called_name(node)


def names_a_cache(node: ast.expr) -> bool:
    identifier = last_identifier(node)
    if identifier is None:
        return False
    lowered = identifier.lower()
    return any(word in lowered for word in CACHE_NAME_WORDS)


def same_expression(left: ast.AST, right: ast.AST) -> bool:
    """Whether two expressions are written alike, positions aside: what comparing their
    ``ast.dump`` says, without building the two dumps."""
    pending: list[tuple[object, object]] = [(left, right)]
    while pending:
        one, other = pending.pop()
        if one.__class__ is not other.__class__:
            return False
        if isinstance(one, ast.AST):
            pending.extend((getattr(one, name, None), getattr(other, name, None)) for name in one._fields)
        elif one.__class__ is list:
            if len(one) != len(other):  # type: ignore[arg-type]
                return False
            pending.extend(zip(one, other, strict=True))  # type: ignore[call-overload]
        elif one != other and repr(one) != repr(other):  # repr: NaN constants dump alike
            return False
    return True


# Functions and statements -------------------------------------------------------------------


def function_of(node: ast.AST, checker: Checker) -> Function | None:
    return checker.enclosing_function(node)


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_NESTED_SCOPE_TYPES = frozenset(_NESTED_SCOPES)


def own_nodes(function: ast.AST) -> list[ast.AST]:
    """The nodes of a function body, not descending into nested functions, lambdas or classes,
    without the expression contexts and operators (``Load``, ``Add``...), which the engine's
    scopes leave out too. Depth first, the last child first."""
    nested = _NESTED_SCOPE_TYPES
    nodes: list[ast.AST] = []
    pending: list[ast.AST] = [node for node in getattr(function, "body", []) if node.__class__ not in nested]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend([child for child in children(node) if child.__class__ not in nested])
    return nodes


def own_nodes_of(checker: Checker, function: ast.AST, *types: type[ast.AST]) -> list[ast.AST]:
    """The nodes of the given types in a function body (as ``own_nodes``: not in nested
    functions, lambdas or classes, nor in their decorators, defaults or bases), latest first.

    Nodes that cannot contain one another (statements) come in the order ``own_nodes``
    yields them; for expressions only the set is the same. Indexed once per function and
    type, from the engine's scope once the function's walk is complete."""
    facts = checker.facts_of(function)
    index: dict[type[ast.AST], list[ast.AST]] | None = facts.get("own_index")  # type: ignore[assignment]
    if index is not None and len(types) == 1:
        known = index.get(types[0])
        if known is not None:  # asked before: most calls
            return known
    scope = checker.finished_scope(function)
    if index is None:
        index = {}
        if scope is None:  # not walked yet (a helper defined further down): walk it once, now
            for node in own_nodes(function):
                index.setdefault(type(node), []).append(node)
            facts["own_index_complete"] = True
        facts["own_index"] = index
    if scope is not None and not facts.get("own_index_complete", False):
        for node_type in types:
            if node_type in index:
                continue
            if node_type in _NESTED_SCOPES:
                index[node_type] = []
                continue
            foreign = _nested_outer_nodes(checker, function, scope)
            if foreign:
                found = [node for node in scope.of(node_type) if id(node) not in foreign]
                found.reverse()
            else:
                found = scope.of(node_type)[::-1]
            index[node_type] = found
    if len(types) == 1:
        return index.get(types[0], [])
    return [node for node_type in types for node in index.get(node_type, ())]


def _nested_outer_nodes(checker: Checker, function: ast.AST, scope: Scope) -> set[int]:
    """Ids of the nodes of a scope that sit in a nested definition's decorators, arguments,
    annotations or bases: evaluated in the scope, but outside what ``own_nodes`` visits."""
    facts = checker.facts_of(function)
    known: set[int] | None = facts.get("nested_outer")  # type: ignore[assignment]
    if known is not None:
        return known
    known = set()
    # Type by type: asked for several types at once, ``Scope.of`` scans every node of the scope.
    for nested in [node for node_type in _NESTED_SCOPES for node in scope.of(node_type)]:
        for name, value in ast.iter_fields(nested):
            if name == "body":
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, ast.AST):
                    known.update(map(id, walk(item)))
    facts["nested_outer"] = known
    return known


def own_statements(function: ast.AST) -> Iterator[ast.stmt]:
    """The statements of a function body, nested blocks included, without looking into
    expressions or nested definitions: a cheap pass for finding assignments."""
    nested = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    pending: list[ast.stmt] = list(getattr(function, "body", []))
    while pending:
        statement = pending.pop()
        if isinstance(statement, nested):
            continue
        yield statement
        for block in ("body", "orelse", "finalbody"):
            pending.extend(getattr(statement, block, ()))
        for handler in getattr(statement, "handlers", ()):
            pending.extend(handler.body)
        for case in getattr(statement, "cases", ()):
            pending.extend(case.body)


_STATEMENT_BLOCKS: dict[type[ast.AST], tuple[str, ...]] = {
    ast.FunctionDef: ("body",),
    ast.AsyncFunctionDef: ("body",),
    ast.ClassDef: ("body",),
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "orelse", "finalbody", "handlers"),
    ast.Match: ("cases",),
}
"""Per compound statement type, its fields holding statements (or handlers and cases, whose
``body`` holds them). Simple statements are not listed."""
if hasattr(ast, "TryStar"):
    _STATEMENT_BLOCKS[ast.TryStar] = ("body", "orelse", "finalbody", "handlers")


def _inner_statements(statement: ast.stmt) -> list[ast.stmt]:
    """The statements directly inside a compound statement (through its handlers and cases)."""
    inner: list[ast.stmt] = []
    for block in _STATEMENT_BLOCKS.get(type(statement), ()):
        for item in getattr(statement, block):
            if isinstance(item, ast.stmt):
                inner.append(item)
            else:
                inner.extend(item.body)
    return inner


def imported_modules(checker: Checker) -> frozenset[str]:
    """Every module the file imports, anywhere (``from a.b import c`` gives ``a.b``)."""
    return checker.file_fact(IMPORTED_MODULES)


def sorted_own_nodes(function: ast.AST) -> list[ast.AST]:
    nodes = [node for node in own_nodes(function) if hasattr(node, "lineno")]
    nodes.sort(key=lambda node: (node.lineno, node.col_offset))  # type: ignore[attr-defined]
    return nodes


def assignments_in(
    checker: Checker, function: ast.AST, name: str, before: ast.AST | None = None
) -> list[ast.expr]:
    """Values assigned to ``name`` in the function (``x = v``, ``x: T = v``, ``x := v``),
    only those before ``before`` when given."""
    assigned = _assignment_index(checker, function).get(name)
    if not assigned:
        return []  # most names looked up are parameters, globals or builtins
    limit = (getattr(before, "lineno", 1 << 30), getattr(before, "col_offset", 0)) if before else (1 << 30, 0)
    return [value for position, value in assigned if position < limit]


def _assignment_index(
    checker: Checker, function: ast.AST
) -> dict[str, list[tuple[tuple[int, int], ast.expr]]]:
    """Every simple assignment of the function by name, in source order; built once per function."""
    facts = checker.facts_of(function)
    index: dict[str, list[tuple[tuple[int, int], ast.expr]]] | None = facts.get("assignments")  # type: ignore[assignment]
    if index is not None:
        return index
    index = {}

    def add(name: str, statement: ast.AST, value: ast.expr) -> None:
        index.setdefault(name, []).append(((statement.lineno, statement.col_offset), value))  # type: ignore[attr-defined]

    for node in own_nodes_of(checker, function, ast.Assign, ast.AnnAssign, ast.NamedExpr):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    add(target.id, node, node.value)
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for element, value in zip(target.elts, node.value.elts, strict=False):
                        if isinstance(element, ast.Name):
                            add(element.id, node, value)
        elif (
            isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name)
        ) or isinstance(node, ast.NamedExpr):
            add(node.target.id, node, node.value)
    for values in index.values():
        values.sort(key=lambda item: (item[1].lineno, item[1].col_offset))
    facts["assignments"] = index
    return index


def parameter_names(function: ast.AST) -> list[str]:
    arguments = getattr(function, "args", None)
    if arguments is None:
        return []
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every.extend(argument for argument in (arguments.vararg, arguments.kwarg) if argument is not None)
    return [argument.arg for argument in every]


def enclosing_statement(node: ast.AST, checker: Checker) -> ast.stmt | None:
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = checker.parent(current)
    return current


def enclosing_class(node: ast.AST, checker: Checker) -> ast.ClassDef | None:
    for ancestor in checker.ancestors(node):
        if isinstance(ancestor, ast.ClassDef):
            return ancestor
    return None


def local_definition(func: ast.expr, checker: Checker, context: ast.AST) -> Function | None:
    """The function defined in this file that a call refers to: a module-level function, or a
    method of the class around ``context`` called through ``self``/``cls``."""
    if isinstance(func, ast.Name):
        return checker.module_functions.get(func.id)
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
    ):
        owner = enclosing_class(context, checker)
        if owner is None:
            return None
        for statement in owner.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == func.attr:
                return statement
    return None


def unused_name(function: ast.AST | None, base: str) -> str:
    taken = (
        {node.id for node in walk(function) if isinstance(node, ast.Name)} if function is not None else set()
    )
    taken.update(parameter_names(function) if function is not None else [])
    name = base
    counter = 2
    while name in taken:
        name = f"{base}_{counter}"
        counter += 1
    return name


def insert_after_statement(source: SourceFile, statement: ast.stmt, lines: list[str]) -> Edit:
    """An edit adding ``lines`` (unindented) after ``statement``, at its indentation, past any
    comment that ends the statement's last line."""
    indent = source.indentation_of_line(statement.lineno - 1)
    last_line = source.end(statement).line
    end = Position(last_line, len(source.line(last_line)))
    newline = source.newline
    text = "".join(newline + indent + line for line in lines)
    return Edit(Range(end, end), text)


def insert_before_statement(source: SourceFile, statement: ast.stmt, lines: list[str]) -> Edit:
    indent = source.indentation_of_line(statement.lineno - 1)
    start = source.start(statement)
    newline = source.newline
    text = "".join(line + newline + indent for line in lines)
    return Edit(Range(start, start), text)


def import_edit(source: SourceFile, tree: ast.Module, line: str) -> Edit:
    """An edit adding an import line after the module's last top-level import (or its
    docstring, or at the top)."""
    anchor: ast.stmt | None = None
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            anchor = statement
        elif anchor is not None:
            break
    newline = source.newline
    if anchor is None and tree.body:
        first = tree.body[0]
        is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
        if is_doc and isinstance(first.value.value, str):  # type: ignore[attr-defined]
            anchor = first
    if anchor is None:
        return Edit(Range(Position(0, 0), Position(0, 0)), line + newline)
    end = source.end(anchor)
    return Edit(Range(end, end), newline + line)


# Cache objects ------------------------------------------------------------------------------


@dataclass
class Container:
    """An in-process container used as a cache: a module global, a class attribute, or an
    instance attribute assigned in a method (``self._cache = {}``)."""

    name: str
    definition: ast.expr
    expiring: bool
    owner: ast.ClassDef | None
    named_cache: bool
    """Its name says it is a cache (``_cache``, ``memo``), or it expires entries."""
    annotation: ast.expr | None = None
    stored_values: list[tuple[ast.expr, ast.AST | None]] = field(default_factory=list)
    """Values stored into it, each with the function that stores it (None: module level)."""


@dataclass
class FileCaches:
    """The caches one file defines, found once per file."""

    containers: dict[tuple[int, str], Container]
    shared_clients: set[str]
    """Names (``cache``, ``redis_client``, ``self.redis``) assigned from a known cache client."""
    stored_values_collected: bool = False
    """Whether the containers' ``stored_values`` are filled in (on first need: a pass over the
    file that only the entry kinds need)."""
    names: set[str] = field(default_factory=set)
    """The containers' names (the second part of each key): most lookups name none of them."""
    any_expiring: bool = False
    """Whether one of the containers expires its entries (``TTLCache``...)."""


def file_caches(checker: Checker) -> FileCaches:
    state = checker.module_scope.state
    found = state.get("pf_cachemodel")
    if isinstance(found, FileCaches):
        return found
    found = _collect_file_caches(checker)
    state["pf_cachemodel"] = found
    return found


def known_file_caches(checker: Checker) -> FileCaches | None:
    """The file's caches if something has asked for them already, without finding them now:
    found earlier, they could miss module imports the walk binds later (an import in an
    ``except`` block rebinding a name)."""
    found = checker.module_scope.state.get("pf_cachemodel")
    return found if isinstance(found, FileCaches) else None


def _container_key(target: ast.expr, owner: ast.ClassDef | None) -> tuple[int, str] | None:
    if isinstance(target, ast.Name):
        return (id(owner) if owner is not None else 0, target.id)
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id in ("self", "cls")
    ):
        return (id(owner) if owner is not None else 0, target.attr)
    return None


def _collect_file_caches(checker: Checker) -> FileCaches:
    found = FileCaches({}, set())
    _note_caches_in(checker.tree.body, None, False, checker, found)
    return found


def _shared_clients_in(statements: list[ast.stmt], checker: Checker) -> frozenset[str]:
    if statements is checker.tree.body:
        return frozenset(file_caches(checker).shared_clients)
    found = FileCaches({}, set())
    _note_caches_in(statements, None, False, checker, found)
    return frozenset(found.shared_clients)


SHARED_CACHE_CLIENTS: FileFact[frozenset[str]] = FileFact(
    "cachemodel.shared_clients",
    _shared_clients_in,
    lambda parts: frozenset().union(*parts),
    empty=frozenset(),
)
"""Names the file assigns a shared cache client to (``cache = redis.Redis()``, and
``self.redis = ...`` in any class): a name, not an object, so it counts file-wide."""


def _note_caches_in(
    body: list[ast.stmt], owner: ast.ClassDef | None, in_method: bool, checker: Checker, found: FileCaches
) -> None:
    for statement in body:
        if isinstance(statement, ast.ClassDef):
            _note_caches_in(statement.body, statement, False, checker, found)
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if owner is not None:
                for node in own_statements(statement):
                    if isinstance(node, (ast.Assign, ast.AnnAssign)):
                        _note_cache(node, owner, True, checker, found)
            continue
        if in_method:
            continue
        if not hasattr(statement, "body") and not hasattr(statement, "cases"):
            # A simple statement holds no other statement: only itself can be an assignment.
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                _note_cache(statement, owner, False, checker, found)
            continue
        for node in ast.walk(statement):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                _note_cache(node, owner, False, checker, found)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                break


def _note_cache(
    node: ast.Assign | ast.AnnAssign,
    owner: ast.ClassDef | None,
    attributes_only: bool,
    checker: Checker,
    found: FileCaches,
) -> None:
    value = node.value
    if value is None:
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in targets:
        if attributes_only and not isinstance(target, ast.Attribute):
            continue
        key = _container_key(target, owner)
        if key is None:
            continue
        kind = _container_kind(value, checker)
        if kind is not None:
            expiring = kind == "expiring"
            named = expiring or names_a_cache(target)
            annotation = node.annotation if isinstance(node, ast.AnnAssign) else None
            found.containers.setdefault(key, Container(key[1], value, expiring, owner, named, annotation))
            found.names.add(key[1])
            found.any_expiring = found.any_expiring or found.containers[key].expiring
        elif _is_shared_client(value, checker):
            found.shared_clients.add(key[1])


def _container_kind(value: ast.expr, checker: Checker) -> str | None:
    if isinstance(value, (ast.Dict, ast.DictComp)):
        return "plain"
    if isinstance(value, ast.Call):
        name = checker.qualified_name(value.func, checker.module_scope)
        if name in EXPIRING_CONTAINER_CONSTRUCTORS:
            return "expiring"
        if name in IN_PROCESS_CONTAINER_CONSTRUCTORS:
            return "plain"
    return None


_CACHE_CLIENTS = frozenset(CACHE_CLIENT_CONSTRUCTORS)
_CACHE_CLIENT_PREFIXES = tuple(item + "." for item in CACHE_CLIENT_CONSTRUCTORS)
"""A constructor, or anything under it (``redis.Redis.from_url``)."""


def _is_shared_client(value: ast.expr, checker: Checker) -> bool:
    while isinstance(value, ast.Call):
        name = checker.qualified_name(value.func, checker.module_scope)
        if name is not None and (name in _CACHE_CLIENTS or name.startswith(_CACHE_CLIENT_PREFIXES)):
            return True
        if isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Call):
            value = value.func.value
            continue
        return False
    if isinstance(value, ast.Subscript):
        name = checker.qualified_name(value.value, checker.module_scope)
        return name in SHARED_CACHE_OBJECTS
    return False


def _collect_stored_values(checker: Checker, containers: dict[tuple[int, str], Container]) -> None:
    """What the file stores into each container — ``c[k] = v``, ``c.setdefault(k, v)`` — with
    the function the store is in, so that a stored name can be followed.

    Assignments are statements, so only statement blocks are visited, and of those only the
    statements whose lines spell a container's name or ``setdefault``; expressions are looked
    into only in statements whose lines spell ``setdefault``. Stores keep the order of a
    depth-first walk that takes the last child first (which decides the kind reported)."""
    by_name: dict[str, list[Container]] = {}
    for container in containers.values():
        by_name.setdefault(container.name, []).append(container)
    if not by_name:
        return
    # A store names its container (``last_identifier`` of the target) on one of its lines.
    if _spelled_otherwise(checker.source.text, [*by_name, "setdefault"]):
        setdefault_lines = visited_lines = _EVERY_LINE
    else:
        setdefault_lines = _lines_spelling(checker.source, ["setdefault"])
        # A line that spells ``_price_cache`` spells ``_cache``: only the shortest are searched.
        searched = [name for name in by_name if not any(other != name and other in name for other in by_name)]
        visited_lines = sorted(setdefault_lines + _lines_spelling(checker.source, searched))
        if not visited_lines:
            return
    parents: dict[int, ast.AST] = {}
    found: list[tuple[ast.AST, ast.expr, ast.AST | None]] = []

    def scan_expressions(node: ast.AST, function: ast.AST | None) -> None:
        pending = [node]
        while pending:
            current = pending.pop()
            if (
                isinstance(current, ast.Call)
                and isinstance(current.func, ast.Attribute)
                and current.func.attr == "setdefault"
                and len(current.args) == 2
                and last_identifier(current.func.value) in by_name
            ):
                found.append((current, current.args[1], function))
            for child in ast.iter_child_nodes(current):
                parents[id(child)] = current
                if isinstance(child, ast.stmt):
                    statements.append((child, function, True))
                else:
                    pending.append(child)

    def may_hold_store(statement: ast.stmt) -> bool:
        # Not spelling ``setdefault``, a simple statement other than an assignment holds no
        # store: it is not visited.
        return (statement.__class__ in _STATEMENT_BLOCKS or statement.__class__ is ast.Assign) and _spans_any(
            statement, visited_lines
        )

    # Each statement with the function it is in, and whether it may spell ``setdefault``:
    # a statement's lines lie within its parent's, so one whose parent spells none spells none.
    statements: list[tuple[ast.stmt, ast.AST | None, bool]] = []
    for statement in checker.tree.body:
        if not _spans_any(statement, visited_lines):
            continue
        parents[id(statement)] = checker.tree
        statements.append((statement, None, True))
    while statements:
        statement, function, may_spell = statements.pop()
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Subscript) and (last_identifier(target.value) or "") in by_name:
                    found.append((statement, statement.value, function))
                    break
        inner = statement if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
        spells = may_spell and bool(setdefault_lines) and _spans_any(statement, setdefault_lines)
        if spells:
            for child in ast.iter_child_nodes(statement):
                if isinstance(child, ast.stmt):
                    if _spans_any(child, visited_lines):
                        parents[id(child)] = statement
                        statements.append((child, inner, True))
                else:
                    parents[id(child)] = statement
                    scan_expressions(child, inner)
            continue
        for block in _STATEMENT_BLOCKS.get(type(statement), ()):
            for child in getattr(statement, block):
                if isinstance(child, ast.stmt):
                    if may_hold_store(child):
                        parents[id(child)] = statement
                        statements.append((child, inner, False))
                    continue
                parents[id(child)] = statement
                for grandchild in child.body:  # a handler's or a case's statements
                    if may_hold_store(grandchild):
                        parents[id(grandchild)] = child
                        statements.append((grandchild, inner, False))
    if not found:
        return
    order = _last_child_first_order(checker.tree, parents)
    found.sort(key=lambda item: order(item[0]))

    def owning_class(function: ast.AST | None) -> ast.AST | None:
        current = parents.get(id(function)) if function is not None else None
        while current is not None and not isinstance(current, ast.ClassDef):
            current = parents.get(id(current))
        return current

    def belongs(container: Container, function: ast.AST | None) -> bool:
        # Two classes may each keep a ``self._cache``: a store feeds its own class's.
        return container.owner is None or owning_class(function) is container.owner

    for node, value, function in found:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript):
                    for container in by_name.get(last_identifier(target.value) or "", ()):
                        if belongs(container, function):
                            container.stored_values.append((value, function))
        else:
            name = last_identifier(node.func.value)  # type: ignore[attr-defined]
            for container in by_name[name or ""]:
                if belongs(container, function):
                    container.stored_values.append((value, function))


_EVERY_LINE = [0, 1 << 30]
"""What ``_spans_any`` reads as every line."""


def _spelled_otherwise(text: str, words: list[str]) -> bool:
    """Whether an identifier spelled with other characters could normalize to one of the words
    (Python reads identifiers NFKC-normalized): then the text cannot tell where they are used."""
    if text.isascii():
        return False
    normalized = unicodedata.normalize("NFKC", text)
    return normalized != text and any(normalized.count(word) != text.count(word) for word in words)


def _lines_spelling(source: SourceFile, words: Iterable[str]) -> list[int]:
    """The 1-based lines where one of the words is written, sorted (a line once for each word)."""
    text = source.text
    starts = source.line_starts
    lines: list[int] = []
    for word in words:
        start = text.find(word)
        while start != -1:
            line = bisect_right(starts, start)  # 1-based: the number of lines that start at or before
            lines.append(line)
            # Once a line is known, the rest of it need not be searched.
            start = text.find(word, starts[line]) if line < len(starts) else -1
    lines.sort()
    return lines


def _spans_any(statement: ast.stmt, lines: list[int]) -> bool:
    if lines[0] == 0:
        return True
    decorators = getattr(statement, "decorator_list", None)
    first = decorators[0].lineno if decorators else statement.lineno
    index = bisect_left(lines, first)
    return index < len(lines) and lines[index] <= (statement.end_lineno or statement.lineno)


def _last_child_first_order(
    tree: ast.AST, parents: dict[int, ast.AST]
) -> Callable[[ast.AST], tuple[int, ...]]:
    """A sort key giving the order in which a depth-first walk that pushes children in order
    and pops the last one visits nodes: a node before its descendants, a later sibling first."""
    indexes: dict[int, dict[int, int]] = {}

    def key(node: ast.AST) -> tuple[int, ...]:
        path: list[int] = []
        current = node
        while current is not tree:
            parent = parents[id(current)]
            children = indexes.get(id(parent))
            if children is None:
                # A module's children are its statements: read without the generator of ``ast.iter_child_nodes``.
                siblings = parent.body if parent.__class__ is ast.Module else ast.iter_child_nodes(parent)  # type: ignore[attr-defined]
                children = {id(child): index for index, child in enumerate(siblings)}
                indexes[id(parent)] = children
            path.append(-children[id(current)])
            current = parent
        path.reverse()
        return tuple(path)

    return key


def container_for(node: ast.expr, checker: Checker, context: ast.AST) -> Container | None:
    """The in-process container (a module-level, class-level or ``self.`` dict or cache) an
    expression such as ``_cache`` or ``self._cache`` names."""
    caches = file_caches(checker)
    if isinstance(node, ast.Name):
        if (0, node.id) not in caches.containers:
            return None
        if checker.resolve_name(node.id) not in (None, f"builtins.{node.id}"):
            return None
        function = checker.enclosing_function(context)
        if function is not None and assignments_in(checker, function, node.id):
            return None
        return caches.containers.get((0, node.id))
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.attr not in caches.names:
            return None
        owner = enclosing_class(context, checker)
        if node.value.id not in ("self", "cls"):
            owner = checker.module_classes.get(node.value.id)
        if owner is None:
            return None
        return caches.containers.get((id(owner), node.attr))
    return None


def is_shared_cache(receiver: ast.expr, checker: Checker) -> bool:
    """Whether a receiver is a cache shared between processes (Django's ``cache``, a
    ``redis`` client, Flask-Caching's ``Cache``): by import, by assignment in this file, or by
    its name (``self.cache``, ``redis_client``)."""
    name = checker.qualified_name(receiver)
    if name in SHARED_CACHE_OBJECTS:
        return True
    if isinstance(receiver, ast.Subscript):
        return checker.qualified_name(receiver.value) in SHARED_CACHE_OBJECTS
    identifier = last_identifier(receiver)
    if identifier in checker.file_fact(SHARED_CACHE_CLIENTS):
        return True
    if isinstance(receiver, ast.Call):
        return _is_shared_client(receiver, checker)
    if not names_a_cache(receiver):
        return False
    return container_for(receiver, checker, receiver) is None


@dataclass
class CacheCall:
    """A read or write on a cache client: ``cache.get(key)``, ``r.setex(key, 60, value)``."""

    call: ast.Call
    receiver: ast.expr
    method: str
    key: ast.expr | None
    value: ast.expr | None


def cache_call(call: ast.Call, checker: Checker) -> CacheCall | None:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    method = func.attr
    if method not in CACHE_READ_METHODS and method not in CACHE_WRITE_METHODS:
        return None
    receiver = func.value
    if not is_shared_cache(receiver, checker):
        return None
    key = _argument(call, 0, ("key", "name", "keys"))
    value: ast.expr | None = None
    if method in CACHE_WRITE_METHODS:
        position, names = CACHE_WRITE_METHODS[method]
        value = _argument(call, position, names) if position >= 0 else None
    return CacheCall(call, receiver, method, key, value)


def _argument(call: ast.Call, position: int, names: tuple[str, ...]) -> ast.expr | None:
    if position < len(call.args) and not any(
        isinstance(arg, ast.Starred) for arg in call.args[: position + 1]
    ):
        return call.args[position]
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def write_expiry(call: ast.Call, method: str) -> ast.expr | None:
    """The expiry a cache write sets (a node), or None when the entry does not expire."""
    position = EXPIRY_POSITION.get(method)
    candidate: ast.expr | None = None
    if position is not None and position < len(call.args):
        candidate = call.args[position]
    for keyword in call.keywords:
        if keyword.arg in EXPIRY_KEYWORDS:
            candidate = keyword.value
    if candidate is None:
        return None
    if isinstance(candidate, ast.Constant) and candidate.value in (None, 0, False):
        return None
    return candidate


# Mutability ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutable:
    """What kind of mutable container an expression builds: ``list``, ``dict``, ``set`` or
    another (``defaultdict``); ``nested`` when it holds mutable containers itself."""

    kind: str
    nested: bool


_DISPLAY_KINDS: dict[type[ast.AST], str] = {
    ast.List: "list",
    ast.ListComp: "list",
    ast.Dict: "dict",
    ast.DictComp: "dict",
    ast.Set: "set",
    ast.SetComp: "set",
}


def mutable_value(
    node: ast.expr | None, checker: Checker, function: ast.AST | None, depth: int = 0, guess: bool = False
) -> Mutable | None:
    """The mutable container an expression evaluates to, when the code shows it: a display,
    a known constructor, or a function of this file that returns one. With ``guess``, also a
    call whose name says it returns a collection (``fetch_categories()``, ``.fetchall()``)."""
    if node is None or depth > 3:
        return None
    kind = _DISPLAY_KINDS.get(type(node))
    if kind is not None:
        return Mutable(kind, _holds_mutable(node, checker, function, depth))
    if isinstance(node, ast.Call):
        name = checker.qualified_name(node.func)
        if name in MUTABLE_RESULT_CALLS:
            short = name.rsplit(".", 1)[-1]
            kind = {"sorted": "list", "load": "dict", "loads": "dict", "safe_load": "dict"}.get(short, short)
            nested = short in ("defaultdict", "load", "loads", "safe_load") or (
                short in ("list", "dict", "sorted")
                and bool(node.args)
                and _first_argument_nested(node.args[0], checker, function, depth)
            )
            return Mutable(kind, nested)
        if name in IMMUTABLE_CONSTRUCTORS:
            return None  # ``frozenset(load_roles(org))`` is immutable whatever it is built from
        return _call_result(node, checker, depth, guess, function)
    if isinstance(node, ast.Await) and guess:
        return mutable_value(node.value, checker, function, depth + 1, guess)
    if isinstance(node, ast.Name) and function is not None:
        values = assignments_in(checker, function, node.id, before=node)
        if not values:
            return None
        values = [value for value in values if not _neutral(value)]
        found = [mutable_value(value, checker, function, depth + 1, guess) for value in values]
        known = [item for item in found if item is not None]
        if not known or len(known) != len(found):
            return None
        return Mutable(known[0].kind, any(item.nested for item in known))
    if isinstance(node, ast.IfExp):
        return mutable_value(node.body, checker, function, depth + 1, guess) or mutable_value(
            node.orelse, checker, function, depth + 1, guess
        )
    return None


def _call_result(
    call: ast.Call, checker: Checker, depth: int, guess: bool, function: ast.AST | None
) -> Mutable | None:
    definition: ast.AST | None = None
    if isinstance(call.func, ast.Name):
        definition = checker.module_functions.get(call.func.id)
    elif function is not None:
        definition = local_definition(call.func, checker, function)
    if definition is not None and depth < 3:
        for node in own_nodes_of(checker, definition, ast.Return):
            if isinstance(node, ast.Return) and node.value is not None:
                found = mutable_value(node.value, checker, definition, depth + 1, guess)
                if found is not None:
                    return found
        return None
    if not guess:
        return None
    name = called_name(call.func) or ""
    if not name or name[:1].isupper():
        return None  # a class: an object, not a collection
    if name in COLLECTION_METHODS:
        return Mutable("collection", False)
    words = sorted(identifier_words(name), key=name.lower().rfind)
    if not words or words[0] not in COLLECTION_VERBS:
        return None
    last = words[-1]
    if last in COLLECTION_NOUNS or (last.endswith("s") and not last.endswith(("ss", "us", "is"))):
        return Mutable("collection", False)
    return None


def _neutral(value: ast.expr) -> bool:
    """``None`` or a lookup (``d.get(k)``, ``d[k]``): an assignment that says nothing about
    what kind of value a name holds once it has been filled."""
    if isinstance(value, ast.Constant) and value.value is None:
        return True
    if isinstance(value, ast.Subscript):
        return True
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get"


def _holds_mutable(node: ast.expr, checker: Checker, function: ast.AST | None, depth: int) -> bool:
    if isinstance(node, (ast.List, ast.Set)):
        elements: list[ast.expr] = list(node.elts)
    elif isinstance(node, ast.Dict):
        elements = list(node.values)
    elif isinstance(node, (ast.ListComp, ast.SetComp)):
        elements = [node.elt]
    elif isinstance(node, ast.DictComp):
        elements = [node.value]
    else:
        return False
    return any(mutable_value(element, checker, function, depth + 1) is not None for element in elements)


def _first_argument_nested(node: ast.expr, checker: Checker, function: ast.AST | None, depth: int) -> bool:
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return mutable_value(node.elt, checker, function, depth + 1) is not None
    return False


def _entry_annotation_kind(annotation: ast.expr | None) -> str | None:
    """``list`` for ``dict[str, list[str]]`` or ``Dict[int, List[Row]]``: the entries' type."""
    if not isinstance(annotation, ast.Subscript):
        return None
    arguments = annotation.slice
    if not isinstance(arguments, ast.Tuple) or len(arguments.elts) != 2:
        return None
    entry = arguments.elts[1]
    if isinstance(entry, ast.Subscript):
        entry = entry.value
    name = entry.attr if isinstance(entry, ast.Attribute) else getattr(entry, "id", None)
    if name in MUTABLE_ANNOTATIONS:
        return name.lower() if name in ("List", "Dict", "Set") else name
    return None


def container_values_mutable(container: Container, checker: Checker) -> Mutable | None:
    """What the container's entries are, when a store, its definition or its annotation shows
    they are mutable containers (worked out once per container and analysis: it reads the
    stores of the whole file)."""
    known: dict[int, Mutable | None] = checker.module_scope.state.setdefault("cachemodel.entries", {})  # type: ignore[assignment]
    key = id(container)
    if key not in known:
        known[key] = _container_values_mutable(container, checker)
    return known[key]


def _container_values_mutable(container: Container, checker: Checker) -> Mutable | None:
    definition = container.definition
    kind = _entry_annotation_kind(container.annotation)
    if kind is not None:
        return Mutable(kind, False)
    if isinstance(definition, ast.Call) and definition.args:
        name = checker.qualified_name(definition.func, checker.module_scope)
        if name == "collections.defaultdict":
            factory = checker.qualified_name(definition.args[0], checker.module_scope)
            if factory in MUTABLE_RESULT_CALLS:
                if not _entries_filled_in_file(container, checker):
                    return None  # only empty slots the callers fill, as ``setdefault`` hands out
                return Mutable(factory.rsplit(".", 1)[-1], False)
    if isinstance(definition, ast.Dict):
        for value in definition.values:
            found = mutable_value(value, checker, None)
            if found is not None:
                return found
    kinds: list[Mutable] = []
    for value, function in _stored_values(container, checker):
        if is_empty_container(value, checker) or holds_empty_container(value, function, checker):
            continue  # ``d[k] = []`` to be filled by the caller: a registry, not a cached result
        found = mutable_value(value, checker, function, guess=True)
        if found is not None:
            kinds.append(found)
    if not kinds:
        return None
    # Prefer a kind the code shows over a guessed one; nested if any store is nested.
    shown = [item for item in kinds if item.kind != "collection"] or kinds
    return Mutable(shown[0].kind, any(item.nested for item in kinds))


def _stored_values(container: Container, checker: Checker) -> list[tuple[ast.expr, ast.AST | None]]:
    """The container's ``stored_values``, the file's stores found on the first ask."""
    caches = file_caches(checker)
    if not caches.stored_values_collected:
        _collect_stored_values(checker, caches.containers)
        caches.stored_values_collected = True
    return container.stored_values


def _entries_filled_in_file(container: Container, checker: Checker) -> bool:
    """Whether this file stores into the container (``cache[k] = ...``) or fills one of its
    entries (``cache[k].append(...)``, ``cache[k] += ...``): a ``defaultdict`` that the file
    only reads hands out the empty entries its factory makes, for callers to fill."""
    if _stored_values(container, checker):
        return True
    filling = re.compile(
        rf"\b{re.escape(container.name)}\[[^\]\n]*\]\s*(?:\.\s*(?:{_FILLING_ALTERNATIVES})\s*\(|[+|]=)"
    )
    # A pattern that starts with ``\b`` is tried at every character of the file: match it only
    # where the name and its bracket are written.
    text = checker.source.text
    opening = container.name + "["
    start = text.find(opening)
    while start != -1:
        if filling.match(text, start) is not None:
            return True
        start = text.find(opening, start + 1)
    return False


_FILLING_ALTERNATIVES = "|".join(sorted(FILLING_METHODS))


def holds_empty_container(value: ast.expr, function: ast.AST | None, checker: Checker) -> bool:
    """``uids = set()`` and nothing else before ``cache[key] = uids``: the slot spelled in two
    statements."""
    if not isinstance(value, ast.Name) or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    values = assignments_in(checker, function, value.id, before=value)
    return bool(values) and all(is_empty_container(assigned, checker) for assigned in values)


def fills_on_miss(
    checker: Checker, container_node: ast.expr, function: ast.AST, key: ast.expr | None = None
) -> bool:
    """Whether the function uses the container as a memo: it looks a key up (``k in d``,
    ``d.get(k)``, ``d[k]``) and stores into ``d[k]`` — the same ``k`` when ``key`` is given."""

    def same_key(candidate: ast.expr | None) -> bool:
        return key is None or (candidate is not None and same_expression(candidate, key))

    looked_up = stored = False
    for node in own_nodes_of(checker, function, ast.Compare, ast.Call, ast.Assign):
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            if (
                isinstance(node.ops[0], (ast.NotIn, ast.In))
                and same_expression(node.comparators[0], container_node)
                and same_key(node.left)
            ):
                looked_up = True
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if (
                node.func.attr == "get"
                and same_expression(node.func.value, container_node)
                and same_key(node.args[0] if node.args else None)
            ):
                looked_up = True
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and same_expression(target.value, container_node)
                    and same_key(target.slice)
                ):
                    stored = True
    return looked_up and stored


def is_empty_container(node: ast.expr, checker: Checker) -> bool:
    """``[]``, ``{}``, ``set()``, ``list()``, ``defaultdict(list)``: an empty container."""
    if isinstance(node, (ast.List, ast.Set, ast.Tuple)):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    if isinstance(node, ast.Call) and not node.keywords:
        name = checker.qualified_name(node.func)
        if name in (
            "builtins.list",
            "builtins.dict",
            "builtins.set",
            "collections.OrderedDict",
            "collections.deque",
        ):
            return not node.args
        if name == "collections.defaultdict":
            return len(node.args) <= 1
    return False
