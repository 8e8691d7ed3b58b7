"""The analysis engine: parse once, walk once, dispatch to every rule.

The walk is iterative (deeply nested expressions cannot overflow the C stack through
it), links each node to its parent (``parent_of``), collects each scope's nodes for
the rules that reason about a whole function, and resolves imported names to qualified
names (``import subprocess as sp`` makes ``sp.run`` read as ``subprocess.run``).
"""

from __future__ import annotations

import ast
import builtins
import operator
import time
import weakref
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pitfalls import astutil
from pitfalls.model import Finding, Fix, Position, Range, Related, Severity, TypeQuestion
from pitfalls.source import SourceFile

if TYPE_CHECKING:
    from pitfalls.rules.base import Rule

BUILTIN_NAMES = frozenset(dir(builtins))
SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
LOOP_TYPES = (ast.For, ast.AsyncFor, ast.While)
COMPREHENSION_TYPES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_TIME_CHECK_INTERVAL = 2048
ASSIGNED, UNPACKED, ANNOTATED, AUGMENTED = range(4)
MODULE_UNIT = -1
"""The unit of what the module scope's own checks report (see ``Block``)."""


def parent_of(node: ast.AST) -> ast.AST | None:
    """The node's parent in the tree the engine walked last; None for the module itself
    and for nodes the walk has not reached.

    The link is a weak reference: a strong one would make every tree a web of reference
    cycles that only the cycle collector can free, and it would free a 5,000-line file's
    tree long after the analysis, in a pause of its own.
    """
    link = getattr(node, "pf_parent", None)
    return link() if link is not None else None


class AnalysisTimeout(Exception):
    """The file's analysis ran past its time budget."""


_BINDING_NODE_TYPES = frozenset(
    (
        ast.Name,
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.For,
        ast.AsyncFor,
        ast.comprehension,
        ast.withitem,
        ast.NamedExpr,
        ast.ExceptHandler,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
    )
)
"""The node types ``Scope.binding_index`` learns a binding from."""


class Scope:
    """A module, class body, function or lambda, with the nodes that belong to it.

    Nodes of nested functions and lambdas belong to those; comprehensions stay in the
    enclosing scope, since for data flow they behave like inline loops.
    """

    __slots__ = (
        "_assignments",
        "_bindings_indexed",
        "_bound_otherwise",
        "_by_type",
        "imports",
        "kind",
        "node",
        "nodes",
        "parent",
        "state",
        "unit",
    )

    def __init__(self, kind: str, node: ast.AST, parent: Scope | None) -> None:
        self.kind = kind
        self.node = node
        self.parent = parent
        self.imports: dict[str, str] = {}
        self.nodes: list[ast.AST] = []
        self._by_type: dict[type[ast.AST], list[ast.AST]] = {}
        """``nodes`` by type, filled by the walk as it adds each node."""
        self._assignments: dict[str, list[tuple[ast.AST, int, ast.expr | None]]] = {}
        self._bound_otherwise: set[str] = set()
        self._bindings_indexed = 0
        self.state: dict[str, object] = {}
        self.unit = MODULE_UNIT
        """The block the scope's node belongs to (``Block``); ``MODULE_UNIT`` for the module."""

    def of(self, *types: type[ast.AST]) -> list[ast.AST]:
        """This scope's nodes of the given types, in walk order (source order within a
        function body). During the walk, only the nodes seen so far."""
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        wanted = set(types)
        present = [self._by_type[node_type] for node_type in wanted if self._by_type.get(node_type)]
        if len(present) <= 1:
            return list(present[0]) if present else []
        return [node for node in self.nodes if type(node) in wanted]

    def add(self, node: ast.AST) -> None:
        """Add a node to the scope (the walk does the same inline)."""
        self.nodes.append(node)
        self._by_type.setdefault(node.__class__, []).append(node)

    def has_any(self, types: tuple[type[ast.AST], ...]) -> bool:
        """Whether the scope has a node of any of the given types (of those seen so far)."""
        return not self._by_type.keys().isdisjoint(types)

    def binding_index(self) -> tuple[dict[str, list[tuple[ast.AST, int, ast.expr | None]]], set[str]]:
        """The scope's plain bindings by name, and the names it binds any other way.

        Plain bindings are ``(statement, kind, value)`` in walk order, kind one of
        ``ASSIGNED`` (``name = value``), ``UNPACKED`` (``a, name = ...``), ``ANNOTATED``
        (``name: T``, value is the annotation) and ``AUGMENTED`` (``name += ...``). Other
        bindings are loop and comprehension targets, ``with ... as``, walrus, ``except ... as``,
        nested definitions, and stores anywhere but the target of an assignment. Kept up to
        date with the nodes seen so far, so one pass serves every lookup.
        """
        nodes = self.nodes
        if self._bindings_indexed != len(nodes):
            assignments = self._assignments
            otherwise = self._bound_otherwise
            binding_types = _BINDING_NODE_TYPES
            name_type, store_type = ast.Name, ast.Store
            for node in nodes[self._bindings_indexed :]:
                node_type = node.__class__
                if node_type not in binding_types:
                    continue
                if node_type is name_type:
                    if node.ctx.__class__ is store_type and not isinstance(  # type: ignore[attr-defined]
                        parent_of(node), (ast.Assign, ast.AnnAssign)
                    ):
                        otherwise.add(node.id)  # type: ignore[attr-defined]
                    continue
                if node_type is ast.Assign:
                    for target in node.targets:  # type: ignore[attr-defined]
                        if isinstance(target, ast.Name):
                            assignments.setdefault(target.id, []).append((node, ASSIGNED, node.value))  # type: ignore[attr-defined]
                        else:
                            for name in _bound_names(target):
                                assignments.setdefault(name, []).append((node, UNPACKED, None))
                elif node_type is ast.AnnAssign or node_type is ast.AugAssign:
                    target = node.target  # type: ignore[attr-defined]
                    if isinstance(target, ast.Name):
                        if node_type is ast.AnnAssign:
                            entry = (node, ANNOTATED, node.annotation)  # type: ignore[attr-defined]
                        else:
                            entry = (node, AUGMENTED, None)
                        assignments.setdefault(target.id, []).append(entry)
                elif node_type in (ast.For, ast.AsyncFor, ast.comprehension):
                    otherwise.update(_bound_names(node.target))  # type: ignore[attr-defined]
                elif node_type is ast.withitem:
                    if node.optional_vars is not None:  # type: ignore[attr-defined]
                        otherwise.update(_bound_names(node.optional_vars))  # type: ignore[attr-defined]
                elif node_type is ast.NamedExpr:
                    otherwise.add(node.target.id)  # type: ignore[attr-defined]
                elif node.name is not None:  # type: ignore[attr-defined]
                    # a handler's ``as`` name, or a nested definition
                    otherwise.add(node.name)  # type: ignore[attr-defined]
            self._bindings_indexed = len(nodes)
        return self._assignments, self._bound_otherwise

    @property
    def is_function(self) -> bool:
        return self.kind in ("function", "lambda")

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)


@dataclass
class RuleFailure:
    code: str
    error: str


T = TypeVar("T")


@dataclass(frozen=True)
class FileFact(Generic[T]):
    """Something rules need to know about the whole file (does it import Django anywhere?),
    gathered one top-level block at a time and combined.

    Rules read it with ``checker.file_fact(FACT)``, never by walking ``checker.tree``: the
    editor analyses a tree that holds only some blocks in full, keeps each block's part of
    every fact, and recomputes it only for the blocks that changed.
    """

    name: str
    of_block: Callable[[list[ast.stmt], Checker], T]
    combine: Callable[[list[T]], T]
    words: tuple[str, ...] = ()
    """When given, a block whose text has none of these words gives ``empty`` without
    being looked at."""
    empty: Any = None

    def __post_init__(self) -> None:
        FILE_FACTS.append(self)


FILE_FACTS: list[FileFact[Any]] = []
"""Every fact rules have declared, in the order their modules were imported."""


@dataclass
class Block:
    """A run of top-level statements analysed as a unit: one statement, or several that
    share a line. Findings and type questions are kept with the unit whose check made them.

    ``lines`` are the 0-based first and last line the block owns: from the line after the
    previous block's last statement (its leading comments belong to it) to its own last
    statement's line. ``stub`` blocks stand in for definitions the analysis does not need
    in full: their ``statements`` are copies without a body, whose decorators, arguments
    and bases are still walked (they run at module level), and ``real_statements`` are the
    definitions themselves, which file facts are computed from.
    """

    statements: list[ast.stmt]
    lines: tuple[int, int]
    stub: bool = False
    bare: bool = False
    """A stub whose decorators, arguments and bases are not visited either: for walks
    whose checks look at no module-level code."""
    real_statements: list[ast.stmt] | None = None
    facts: dict[str, object] = field(default_factory=dict)
    """This block's part of each ``FileFact``, by name, once computed."""

    @property
    def source_statements(self) -> list[ast.stmt]:
        return self.real_statements if self.real_statements is not None else self.statements


class _LookupNotes:
    """Notes, for the unit being checked, each module name a check asks its container for."""

    def __init__(self, checker: Checker, notes: dict[int, set[str]]) -> None:
        super().__init__()
        self._checker = weakref.proxy(checker)  # the checker holds the container: no cycle
        self._notes = notes

    def _note(self, name: object) -> None:
        self._notes.setdefault(self._checker.unit, set()).add(name)  # type: ignore[arg-type]


class _LookedUpSet(_LookupNotes, set):  # type: ignore[type-arg]
    """A set of the module's names that notes each name asked for."""

    def __contains__(self, name: object) -> bool:
        self._note(name)
        return super().__contains__(name)


class _LookedUpDict(_LookupNotes, dict):  # type: ignore[type-arg]
    """A table of the module's definitions that notes each name asked for."""

    def __contains__(self, name: object) -> bool:
        self._note(name)
        return super().__contains__(name)

    def __getitem__(self, name: object) -> Any:
        self._note(name)
        return super().__getitem__(name)

    def get(self, name: object, default: Any = None) -> Any:
        self._note(name)
        return super().get(name, default)


class Checker:
    """What a rule sees of the file: the tree, the source, resolved names, and ``report``."""

    def __init__(
        self,
        source: SourceFile,
        tree: ast.Module,
        path: str | None,
        blocks: list[Block] | None = None,
        known_facts: dict[str, object] | None = None,
    ) -> None:
        self.source = source
        self.tree = tree
        self.path = path
        self.blocks = blocks
        """The tree's top-level statements grouped into units, when the caller keeps results
        per unit (the editor); None: the whole file is one unit."""
        self.unit = 0
        """The block whose nodes or scopes the rules are looking at (an index into ``blocks``)."""
        self.findings: list[Finding] = []
        self.finding_units: list[int] = []
        self.type_questions: list[TypeQuestion] = []
        self.question_units: list[int] = []
        self._fact_values: dict[str, object] = dict(known_facts) if known_facts else {}
        self.module_scope = Scope("module", tree, None)
        self.scope = self.module_scope
        self.lookups: dict[int, set[str]] = {}
        """With blocks: by unit, the names its checks looked up among the module's
        definitions, found or not (``fix`` helpers ask whether ``transaction`` is defined)."""
        self.definition_reads: dict[int, set[str]] = {}
        """With blocks: by unit, the module-level functions and classes its checks took to
        read, by name."""
        if blocks is None:
            self.module_defined: set[str] = set()
            self.module_assignments: dict[str, list[ast.AST]] = {}
            self.module_functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
            self.module_classes: dict[str, ast.ClassDef] = {}
        else:
            self.module_defined = _LookedUpSet(self, self.lookups)
            self.module_assignments = _LookedUpDict(self, self.lookups)
            self.module_functions = _LookedUpDict(self, self.definition_reads)
            self.module_classes = _LookedUpDict(self, self.definition_reads)
        self._node_facts: dict[ast.AST, dict[str, object]] = {}
        self._finished_scopes: dict[ast.AST, Scope] = {}
        self._resolved: dict[tuple[str, Scope, int], str | None] = {}
        """``resolve_name``'s answers by name, scope and unit, emptied whenever the walk binds
        an import. Keyed by unit too: with blocks, the first lookup of a module name in each
        unit must reach ``module_defined``, which notes it for that unit."""
        self._collect_module_bindings(tree.body)

    # Reporting -----------------------------------------------------------------------

    def report(
        self,
        rule: type[Rule] | Rule,
        where: ast.AST | Range,
        message: str,
        *,
        fix: Fix | None = None,
        related: tuple[Related, ...] = (),
        severity: Severity | None = None,
    ) -> None:
        range_ = where if isinstance(where, Range) else self.source.node_range(where)
        self.finding_units.append(self.unit)
        self.findings.append(
            Finding(
                code=rule.code,
                message=message,
                range=range_,
                severity=severity if severity is not None else rule.severity,
                fix=fix,
                related=related,
            )
        )

    def ask_type(self, rule: type[Rule] | Rule, expression: ast.expr, payload: dict[str, object]) -> None:
        """Ask cross-module inference (jedi, after the fast pass) what ``expression`` is;
        the rule's ``answer`` then decides whether it is a finding."""
        is_call = isinstance(expression, ast.Call)
        anchor = expression.func if is_call else expression  # type: ignore[attr-defined]
        self.question_units.append(self.unit)
        self.type_questions.append(TypeQuestion(rule.code, self.source.end(anchor), is_call, payload))

    def related(self, message: str, node: ast.AST) -> Related:
        return Related(message, self.source.node_range(node))

    # Names ---------------------------------------------------------------------------

    def _collect_module_bindings(self, body: list[ast.stmt]) -> None:
        """Module-level imports and definitions, found before the walk.

        Functions often use names imported further down the module, so the module's
        bindings must be known before the walk reaches the function bodies.
        """
        pending = list(body)
        while pending:
            statement = pending.pop()
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self._bind_import(self.module_scope, statement)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.module_defined.add(statement.name)
                self.module_functions[statement.name] = statement
            elif isinstance(statement, ast.ClassDef):
                self.module_defined.add(statement.name)
                self.module_classes[statement.name] = statement
            elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    for name in _bound_names(target):
                        self.module_defined.add(name)
                        self.module_assignments.setdefault(name, []).append(statement)
            elif isinstance(statement, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                for block in ("body", "orelse", "finalbody"):
                    pending.extend(getattr(statement, block, ()))
                for handler in getattr(statement, "handlers", ()):
                    pending.extend(handler.body)
            elif hasattr(ast, "TryStar") and isinstance(statement, ast.TryStar):
                pending.extend(statement.body)

    @staticmethod
    def _bind_import(scope: Scope, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    scope.imports[top] = top
            return
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            scope.imports[local] = f"{module}.{alias.name}" if module else alias.name

    def qualified_name(self, node: ast.AST, scope: Scope | None = None) -> str | None:
        """The dotted name an expression refers to through the file's imports.

        ``sp.run`` after ``import subprocess as sp`` is ``subprocess.run``; ``run`` after
        ``from subprocess import run`` is ``subprocess.run``; an unshadowed builtin such
        as ``list`` is ``builtins.list``. Names not imported return None.
        """
        if node.__class__ is ast.Name:
            return self.resolve_name(node.id, scope)  # type: ignore[attr-defined]
        attributes: list[str] = []
        while isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.resolve_name(node.id, scope)
        if base is None:
            return None
        if attributes:
            return base + "." + ".".join(reversed(attributes))
        return base

    def callee_name(
        self, call: ast.Call, attribute_names: AbstractSet[str], scope: Scope | None = None
    ) -> str | None:
        """The qualified name of what ``call`` calls, for a rule that looks for a few callees:
        ``serializer.loads(...)`` is resolved only when ``loads`` is among ``attribute_names``
        (the last names of what the rule looks for), a plain name always, and any other
        callee (``handlers[kind](...)``, ``make()()``) names nothing."""
        func = call.func
        func_type = func.__class__
        if func_type is ast.Attribute:
            return self.qualified_name(func, scope) if func.attr in attribute_names else None  # type: ignore[attr-defined]
        if func_type is ast.Name:
            return self.resolve_name(func.id, scope)  # type: ignore[attr-defined]
        return None

    def resolve_name(self, name: str, scope: Scope | None = None) -> str | None:
        start = scope if scope is not None else self.scope
        memo = self._resolved
        key = (name, start, self.unit)
        known = memo.get(key, _MISSING)
        if known is not _MISSING:
            return known  # type: ignore[return-value]
        resolved: str | None = None
        current: Scope | None = start
        while current is not None:
            found = current.imports.get(name)
            if found is not None:
                resolved = found
                break
            current = current.parent
        else:
            if name in BUILTIN_NAMES and name not in self.module_defined:
                resolved = "builtins." + name
        memo[key] = resolved
        return resolved

    def module_function_returns(self, name: str) -> ast.expr | None:
        """The return annotation of a function defined at module level, if any."""
        function = self.module_functions.get(name)
        return function.returns if function is not None else None

    def name_binding(
        self, name: ast.Name, scope: Scope | None = None
    ) -> tuple[ast.expr | None, list[ast.expr]] | None:
        """What a name holds where it is used: ``(annotation, [])`` for an annotated name or
        parameter, ``(None, values)`` for a name bound only by plain assignments, and None
        when it is bound any other way (loop target, ``with``, unannotated parameter,
        augmented assignment) or not found. Within a function, only assignments before
        the use count; the module's assignments count wherever they are."""
        current = scope if scope is not None else self.scope
        while current is not None and current.kind == "class":
            current = current.parent
        if current is None:
            return None
        identifier = name.id
        if current.is_function:
            found = _bindings_in(current, identifier, before=name)
            if found is not None:
                return found
            arguments = current.node.args  # type: ignore[attr-defined]
            for argument in _arguments_of(arguments):
                if argument.arg == identifier:
                    return (argument.annotation, []) if argument.annotation is not None else None
            if current.has_any(_DECLARATION_TYPES) and any(
                identifier in node.names  # type: ignore[attr-defined]
                for node in current.of(*_DECLARATION_TYPES)
            ):
                pass
            elif _binds_otherwise(current, identifier):
                return None
            if current.parent is not None and current.parent.kind != "module":
                return self.name_binding(name, current.parent)
        statements = self.module_assignments.get(identifier)
        if not statements:
            return None
        values: list[ast.expr] = []
        for statement in statements:
            if isinstance(statement, ast.AnnAssign):
                return (statement.annotation, [])
            if isinstance(statement, ast.AugAssign) or not isinstance(statement, ast.Assign):
                return None
            if not all(isinstance(target, ast.Name) for target in statement.targets):
                return None
            values.append(statement.value)
        return (None, values)

    # Facts about the file -------------------------------------------------------------

    def file_fact(self, fact: FileFact[T]) -> T:
        """The fact's value for the whole file, computed once per analysis."""
        known = self._fact_values.get(fact.name, _MISSING)
        if known is not _MISSING:
            return known  # type: ignore[return-value]
        if self.blocks is None:
            if fact.words and not any(word in self.source.text for word in fact.words):
                value = fact.empty
            else:
                value = fact.combine([fact.of_block(self.tree.body, self)])
        else:
            value = fact.combine([self.block_fact(fact, block) for block in self.blocks])
        self._fact_values[fact.name] = value
        return value  # type: ignore[no-any-return]

    def block_fact(self, fact: FileFact[T], block: Block) -> T:
        """One block's part of a fact (kept with the block for the next analysis)."""
        known = block.facts.get(fact.name, _MISSING)
        if known is not _MISSING:
            return known  # type: ignore[return-value]
        if fact.words:
            text = self.source.lines_text(*block.lines)
            if not any(word in text for word in fact.words):
                block.facts[fact.name] = fact.empty
                return fact.empty  # type: ignore[no-any-return]
        value = fact.of_block(block.source_statements, self)
        block.facts[fact.name] = value
        return value

    # Facts about nodes ---------------------------------------------------------------

    def facts_of(self, node: ast.AST) -> dict[str, object]:
        """A place for rules to keep what they worked out about a node during this analysis.

        Kept here rather than on the node: the editor reuses the trees of unchanged top-level
        blocks from one analysis to the next, and a fact stored on a node would outlive the
        analysis that found it."""
        facts = self._node_facts.get(node)
        if facts is None:
            facts = self._node_facts[node] = {}
        return facts

    def release(self) -> None:
        """Drop what the rules kept during the analysis, once the findings are out.

        Rules' state holds scopes, and scopes hold their nodes and their parent scope: left
        alone, those links form cycles that keep the whole tree alive until Python's cycle
        collector gets to them. Cut, the tree is freed as soon as the caller lets go of it.
        """
        for scope in self._finished_scopes.values():
            scope.state.clear()
            scope.nodes.clear()
            scope._by_type.clear()
            scope._assignments.clear()
        self.module_scope.state.clear()
        self._finished_scopes.clear()
        self._node_facts.clear()
        self._resolved.clear()

    def finished_scope(self, node: ast.AST) -> Scope | None:
        """The scope of a function, lambda or class whose walk is complete, else None."""
        return self._finished_scopes.get(node)

    # Structure -----------------------------------------------------------------------

    @staticmethod
    def parent(node: ast.AST) -> ast.AST | None:
        return parent_of(node)

    @staticmethod
    def ancestors(node: ast.AST) -> Iterator[ast.AST]:
        link = getattr(node, "pf_parent", None)
        current = link() if link is not None else None
        while current is not None:
            yield current
            link = getattr(current, "pf_parent", None)
            current = link() if link is not None else None

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, FUNCTION_TYPES):
                return ancestor
        return None

    def enclosing_loops(self, node: ast.AST) -> list[ast.AST]:
        """Loops and comprehensions around ``node`` inside its own function, innermost first.

        A loop counts only when ``node`` runs once per iteration: in a ``for`` loop's
        body or ``else``-less iteration, not in the iterable expression that is
        evaluated once.
        """
        # Asked of most calls by several rules: the parent links are followed here, without
        # the ``ancestors`` generator, and node types compared by identity.
        loops: list[ast.AST] = []
        grandchild: ast.AST | None = None
        child = node
        link = getattr(node, "pf_parent", None)
        ancestor = link() if link is not None else None
        while ancestor is not None:
            ancestor_type = ancestor.__class__
            if ancestor_type in _SCOPE_KIND:
                break
            if ancestor_type is ast.For or ancestor_type is ast.AsyncFor:
                if child is not ancestor.iter and child not in ancestor.orelse:  # type: ignore[attr-defined]
                    loops.append(ancestor)
            elif ancestor_type is ast.While:
                if child not in ancestor.orelse:  # type: ignore[attr-defined]
                    loops.append(ancestor)
            elif ancestor_type in _COMPREHENSION_KINDS:
                first = ancestor.generators[0]  # type: ignore[attr-defined]
                # The path runs through the first generator's node to reach its iterable.
                if not (child is first and grandchild is first.iter):
                    loops.append(ancestor)
            grandchild, child = child, ancestor
            link = getattr(ancestor, "pf_parent", None)
            ancestor = link() if link is not None else None
        return loops


_DECLARATION_TYPES = (ast.Global, ast.Nonlocal)
_COMPREHENSION_KINDS = frozenset(COMPREHENSION_TYPES)


def _bindings_in(
    scope: Scope, identifier: str, before: ast.AST
) -> tuple[ast.expr | None, list[ast.expr]] | None:
    values: list[ast.expr] = []
    limit = (getattr(before, "lineno", 1 << 30), getattr(before, "col_offset", 0))
    for statement, kind, value in scope.binding_index()[0].get(identifier, ()):
        if kind in (ASSIGNED, UNPACKED):
            if (statement.lineno, statement.col_offset) >= limit:  # type: ignore[attr-defined]
                continue
            if kind == UNPACKED:
                return None
            values.append(value)  # type: ignore[arg-type]
        elif kind == ANNOTATED:
            return (value, [])
        else:
            return None
    return (None, values) if values else None


def _arguments_of(arguments: ast.arguments) -> Iterator[ast.arg]:
    """Every parameter, in the order they are declared."""
    yield from arguments.posonlyargs
    yield from arguments.args
    yield from arguments.kwonlyargs
    if arguments.vararg is not None:
        yield arguments.vararg
    if arguments.kwarg is not None:
        yield arguments.kwarg


def _binds_otherwise(scope: Scope, identifier: str) -> bool:
    """Whether a name is bound in the scope by a loop, ``with``, import, walrus or handler."""
    return identifier in scope.binding_index()[1] or identifier in scope.imports


def _bound_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _bound_names(element)
    elif isinstance(target, ast.Starred):
        yield from _bound_names(target.value)


Handler = Callable[[ast.AST, Checker], None]


class _EnterScope:
    """Stack marker: the walk is about to enter the body of ``scope``."""

    __slots__ = ("scope",)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope


class _EnterBlock:
    """Stack marker: the walk is about to visit the statements of block ``unit``."""

    __slots__ = ("unit",)

    def __init__(self, unit: int) -> None:
        self.unit = unit


class _Stub:
    """Stack entry for a definition of a stub block: visited at module level, not entered."""

    __slots__ = ("node",)

    def __init__(self, node: ast.AST) -> None:
        self.node = node


class _Bare:
    """Stack entry for the statements of a bare block: they join the module scope as they
    are, not visited."""

    __slots__ = ("statements",)

    def __init__(self, statements: list[ast.stmt]) -> None:
        self.statements = statements


_SPECIAL_TYPES = frozenset((Scope, _EnterScope, _EnterBlock, _Stub, _Bare, ast.Import, ast.ImportFrom))
"""What the walk's stack holds besides nodes, and the nodes it binds names from before
the rules see them."""


class Walker:
    """Runs the single walk over a parsed module and dispatches nodes to rules.

    The walk visits every node except the expression contexts and operators (``Load``,
    ``Store``, ``Add``, ``Eq``...): CPython shares one instance of each across the whole
    tree, so they carry no position and no parent of their own. Each node's parent link
    is set when its parent is visited, so it is there before the node itself is.
    """

    def __init__(
        self,
        rules: list[Rule],
        checker: Checker,
        deadline: float | None,
        checked_units: set[int] | None = None,
    ) -> None:
        self.checker = checker
        self.deadline = deadline
        self.checked_units = checked_units
        """With blocks, the units whose nodes and scopes the rules check (``MODULE_UNIT``
        for the module scope); the others are only walked, for what checks of the checked
        ones look up in them. None: every unit."""
        self.failures: list[RuleFailure] = []
        self.failed: set[str] = set()
        dispatch: dict[type[ast.AST], list[Rule]] = {}
        self.scope_rules: list[Rule] = []
        self.late_scope_rules: list[Rule] = []
        for rule in rules:
            for node_type in rule.node_types:
                dispatch.setdefault(node_type, []).append(rule)
            if rule.wants_scopes:
                if getattr(rule, "checks_scopes_after_walk", False):
                    self.late_scope_rules.append(rule)
                else:
                    self.scope_rules.append(rule)
        self.finished_scopes: list[Scope] = []
        self.dispatch: dict[type[ast.AST], tuple[Rule, ...]] = {
            node_type: tuple(handlers) for node_type, handlers in dispatch.items()
        }

    def _fail(self, rule: Rule, error: BaseException) -> None:
        if rule.code in self.failed:
            return
        self.failed.add(rule.code)
        self.failures.append(RuleFailure(rule.code, f"{type(error).__name__}: {error}"))
        self.dispatch = {
            node_type: tuple(other for other in handlers if other is not rule)
            for node_type, handlers in self.dispatch.items()
        }
        for rules in (self.scope_rules, self.late_scope_rules):
            if rule in rules:
                rules.remove(rule)

    def run(self, tree: ast.Module) -> None:
        checker = self.checker
        deadline = self.deadline
        child_fields = _CHILD_FIELDS
        child_getters = _CHILD_GETTERS
        scope = checker.module_scope
        checker.scope = scope
        append_to_scope = scope.nodes.append
        scope_by_type = scope._by_type
        # Nodes to visit, each with its parent link already set; a Scope marks the end of
        # that scope, an _EnterScope the start of a function, lambda or class body, an
        # _EnterBlock the start of a block's statements.
        stack: list[Any] = [scope]
        link = weakref.ref(tree)
        for child in tree.body:
            child.pf_parent = link  # type: ignore[attr-defined]
        if checker.blocks is None:
            stack.extend(reversed(tree.body))
        else:
            for unit in range(len(checker.blocks) - 1, -1, -1):
                block = checker.blocks[unit]
                if block.bare:
                    stack.append(_Bare(block.statements))
                    continue  # nothing in it is checked
                if block.stub:
                    stack.extend(_Stub(statement) for statement in reversed(block.statements))
                else:
                    stack.extend(reversed(block.statements))
                stack.append(_EnterBlock(unit))
        pop = stack.pop
        push = stack.append
        new_link = weakref.ref
        until_time_check = _TIME_CHECK_INTERVAL
        checked = self.checked_units
        dispatch = self.dispatch
        special = _SPECIAL_TYPES
        import_types = (ast.Import, ast.ImportFrom)
        while stack:
            node = pop()
            node_type = node.__class__
            if node_type in special:
                if node_type in import_types:
                    checker._bind_import(scope, node)  # then visited as any other node
                    if checker._resolved:
                        checker._resolved.clear()
                else:
                    if node_type is Scope:
                        self._finish_scope(node)
                        scope = node.parent
                        if scope is not None:
                            append_to_scope = scope.nodes.append
                            scope_by_type = scope._by_type
                    elif node_type is _EnterScope:
                        scope = node.scope
                        checker.scope = scope
                        append_to_scope = scope.nodes.append
                        scope_by_type = scope._by_type
                    elif node_type is _EnterBlock:
                        checker.unit = node.unit
                        dispatch = self.dispatch if checked is None or node.unit in checked else {}
                    elif node_type is _Stub:
                        scope.add(node.node)
                        _push_outer_fields(stack, node.node)
                    else:  # _Bare
                        for statement in node.statements:
                            scope.add(statement)
                    continue
            append_to_scope(node)
            same_type = scope_by_type.get(node_type)
            if same_type is None:
                scope_by_type[node_type] = [node]
            else:
                same_type.append(node)
            handlers = dispatch.get(node_type)
            if handlers:
                for rule in handlers:
                    try:
                        rule.visit(node, checker)
                    except Exception as error:
                        self._fail(rule, error)
                        dispatch = self.dispatch
            getter = child_getters.get(node_type)
            if getter is None:
                if node_type in _SCOPE_KIND:
                    self._push_scoped_children(stack, node, scope)
                    continue
                if _child_fields_of(node_type) is None:
                    _push_any_children(stack, node)
                    continue
                getter = child_getters[node_type]
            if getter is _NO_CHILDREN:
                continue
            # Counted here, not for leaves: what a leaf costs cannot add up to the budget
            # without the nodes above it.
            until_time_check -= 1
            if not until_time_check:
                until_time_check = _TIME_CHECK_INTERVAL
                if deadline is not None and time.perf_counter() > deadline:
                    raise AnalysisTimeout
            try:
                values = getter(node)
            except AttributeError:  # a node built without one of its optional fields
                values = tuple(getattr(node, name, None) for name in child_fields[node_type])
            link = new_link(node)
            for value in values:
                if value is None:
                    continue
                if value.__class__ is list:
                    for child in reversed(value):
                        if child is not None:
                            child.pf_parent = link
                            push(child)
                else:
                    value.pf_parent = link
                    push(value)
        self._check_scopes_after_walk()

    def _push_scoped_children(self, stack: list, node: ast.AST, outer: Scope) -> None:
        inner = Scope(_SCOPE_KIND[type(node)], node, outer)
        inner.unit = self.checker.unit
        body = node.body  # type: ignore[attr-defined]
        link = weakref.ref(node)
        # Popped in order: the outer fields (arguments, decorators), the body, the scope's end.
        stack.append(inner)
        if body.__class__ is list:
            for child in reversed(body):
                child.pf_parent = link
                stack.append(child)
        else:  # a lambda's body is one expression
            body.pf_parent = link
            stack.append(body)
        stack.append(_EnterScope(inner))
        _push_outer_fields(stack, node, link)

    def _finish_scope(self, scope: Scope) -> None:
        checker = self.checker
        checker.scope = scope
        checker._finished_scopes[scope.node] = scope
        if scope.parent is None:
            checker.unit = MODULE_UNIT
        if self.checked_units is not None and scope.unit not in self.checked_units:
            pass
        else:
            if self.late_scope_rules:
                self.finished_scopes.append(scope)
            self._check_scope(scope, self.scope_rules)
        if scope.parent is not None:
            checker.scope = scope.parent

    def _check_scopes_after_walk(self) -> None:
        """Scope checks of rules that look into other functions (what a called helper
        writes), which need every scope of the file finished first."""
        checker = self.checker
        for scope in self.finished_scopes:
            checker.scope = scope
            checker.unit = scope.unit
            self._check_scope(scope, self.late_scope_rules)
        checker.scope = checker.module_scope

    def _check_scope(self, scope: Scope, rules: list[Rule]) -> None:
        for rule in tuple(rules):
            try:
                rule.check_scope(scope, self.checker)
            except Exception as error:
                self._fail(rule, error)
        # A scope's checks can cost more than thousands of node visits (the module
        # scope's run over every node of the file), so the budget is checked here too.
        if self.deadline is not None and rules and time.perf_counter() > self.deadline:
            raise AnalysisTimeout


def _push_outer_fields(stack: list, node: ast.AST, link: weakref.ref | None = None) -> None:
    """Push a definition's fields other than its body (decorators, arguments, bases,
    annotations): they run in the scope around the definition."""
    link = link if link is not None else weakref.ref(node)
    outer_fields = _SCOPE_OUTER_FIELDS.get(type(node))
    if outer_fields is None:
        outer_fields = _SCOPE_OUTER_FIELDS[type(node)] = tuple(
            name for name in reversed(node._fields) if name != "body"
        )
    for name in outer_fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            for child in reversed(value):
                if isinstance(child, ast.AST):
                    child.pf_parent = link
                    stack.append(child)
        elif isinstance(value, ast.AST):
            value.pf_parent = link
            stack.append(value)


_SCOPE_KIND: dict[type[ast.AST], str] = {
    ast.FunctionDef: "function",
    ast.AsyncFunctionDef: "function",
    ast.Lambda: "lambda",
    ast.ClassDef: "class",
}

_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
"""Per node type, its fields that can hold child nodes, last field first (the order they
are pushed on the walk's stack). Scope types take their own path."""
_CHILD_GETTERS: dict[type[ast.AST], Callable[[ast.AST], tuple[Any, ...]]] = {}
"""Per node type in ``_CHILD_FIELDS``, a function that reads those fields in one call, as a
tuple (``_NO_CHILDREN`` when there are none): cheaper than a ``getattr`` per field."""
_SCOPE_OUTER_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _NO_CHILDREN(node: ast.AST) -> tuple[Any, ...]:
    return ()


def _fields_getter(fields: tuple[str, ...]) -> Callable[[ast.AST], tuple[Any, ...]]:
    if not fields:
        return _NO_CHILDREN
    if len(fields) == 1:
        read_one = operator.attrgetter(fields[0])
        return lambda node: (read_one(node),)
    return operator.attrgetter(*fields)


_MISSING = object()

_STATEMENT_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _imported_modules_of(statements: list[ast.stmt], checker: Checker) -> frozenset[str]:
    """Every module these statements import, at any depth (``from a.b import c`` gives
    ``a.b``; a relative import gives its module part, if any). Imports are statements, so
    only statement blocks are visited, never expressions."""
    modules: set[str] = set()
    pending: list[ast.AST] = list(statements)
    while pending:
        statement = pending.pop()
        statement_type = statement.__class__
        if statement_type is ast.ImportFrom:
            if statement.module:  # type: ignore[attr-defined]
                modules.add(statement.module)  # type: ignore[attr-defined]
            continue
        if statement_type is ast.Import:
            modules.update(alias.name for alias in statement.names)  # type: ignore[attr-defined]
            continue
        names = _block_fields.get(statement_type)
        if names is None:
            names = _block_fields[statement_type] = tuple(
                name for name in _STATEMENT_BLOCK_FIELDS if name in statement_type._fields
            )
        for name in names:
            block = getattr(statement, name, None)
            if block.__class__ is list:
                pending.extend(block)  # type: ignore[arg-type]
    return frozenset(modules)


_block_fields: dict[type[ast.AST], tuple[str, ...]] = {}
"""Per statement type, which of ``_STATEMENT_BLOCK_FIELDS`` it has: most statements have none."""


IMPORTED_MODULES: FileFact[frozenset[str]] = FileFact(
    "imported_modules", _imported_modules_of, lambda parts: frozenset().union(*parts), empty=frozenset()
)
"""Every module the file imports, anywhere in it."""


def _child_fields_of(node_type: type[ast.AST]) -> tuple[str, ...] | None:
    """The fields of ``node_type`` that can hold nodes, last first, entered in the walk's
    tables; None when the node type's docstring does not describe its fields."""
    fields = astutil.child_fields(node_type)
    if fields is None:
        return None
    wanted = tuple(reversed(fields))
    _CHILD_FIELDS[node_type] = wanted
    _CHILD_GETTERS[node_type] = _fields_getter(wanted)
    return wanted


def _push_any_children(stack: list, node: ast.AST) -> None:
    """Children of a node type whose fields are not described: every node, in order."""
    link = weakref.ref(node)
    for child in reversed(astutil.any_children(node)):
        child.pf_parent = link  # type: ignore[attr-defined]
        stack.append(child)


def position_of_syntax_error(error: SyntaxError, source: SourceFile) -> Range:
    line = max((error.lineno or 1) - 1, 0)
    # SyntaxError offsets are 1-based character offsets into the line.
    column = max((error.offset or 1) - 1, 0)
    line_text = source.line(line)
    column = min(column, len(line_text))
    end = column + 1 if column < len(line_text) else column
    return Range(Position(line, column), Position(line, end))
