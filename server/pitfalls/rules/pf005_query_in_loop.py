"""PF005 query-in-loop."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pitfalls import dbflow
from pitfalls.astutil import call_arguments, called_name, last_names, short_text, walk
from pitfalls.cachemodel import names_a_cache, parameter_names
from pitfalls.engine import (
    COMPREHENSION_TYPES,
    FUNCTION_TYPES,
    LOOP_TYPES,
    SCOPE_TYPES,
    Checker,
    Scope,
    parent_of,
)
from pitfalls.knowledge import db
from pitfalls.model import Applicability, Edit, Fix, Range, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video


class QueryInLoop(Rule):
    code = "PF005"
    slug = "query-in-loop"
    summary = "A database query runs once per item of a loop (N+1 queries)"
    severity = Severity.WARNING
    has_fix = True
    triggers = ("execute", "objects", "session", "fetch", "query", "scalar", ".get(")
    video = Video(
        "What's wrong with this Python database loop?", "https://www.youtube.com/watch?v=N6sw4QnOV00"
    )
    doc = RuleDoc(
        what_it_does="""\
Finds a database query sent once per item of a `for` loop or a comprehension, with
values taken from the item: `cursor.execute(...)`/`conn.execute(...)` (sqlite3, psycopg,
PyMySQL, mysqlclient), `session.get/execute/scalar/scalars/query(...)` (SQLAlchemy,
Flask-SQLAlchemy's `Model.query`), `Model.objects.get/filter/...(...)` (Django) and
`await conn.fetch/fetchrow/fetchval/execute(...)` (asyncpg). A Django queryset kept in a
name before the loop counts as well (`fields = CustomField.objects.filter(...)`, then
`fields.get(id=field_id)` in the loop), as long as the name holds that queryset only: not
a row (`.first()`), a count, or anything else assigned to it too.

It also finds Django's hidden form: iterating a queryset and reading a `ForeignKey` or
`OneToOneField` of each row (`order.customer.name`) when the queryset has no
`select_related`/`prefetch_related` for that relation (the model must be defined in the
same file). And the related managers read per row, with any model: a chain that queries
even on a prefetched relation (`op.checkins.filter(list=checkin_list).first()`,
`order.fees.exclude(...).exists()`, `lane.stories.order_by(...)` iterated) in a loop over
anything, and `order.lines.all()`, `.count()`, `.exists()`, `.first()`, `.last()` in a loop
over a queryset built in the same function without `prefetch_related` of that relation
(rows that come from elsewhere may arrive prefetched). Another object's related manager
queried with a value of each item (`event.vouchers.get(code=line.code)` in a loop over
`line`) is a query per item too, unless the lookup takes a batch (`code__in=chunk`). A chain
built and never run in the loop (handed on to another call, or one branch of `a if c else
b`), and `row.data.get(key)` or `row.totals.values()` (a dict's methods), are left alone.

The query may sit in a helper: a loop that calls a function or method of the same file
(`load_invoice(invoice_id)`, `self.open_invoices(status)`) whose query is built from the
parameter the loop feeds is reported at the call, naming the helper's query; so is one that
queries a related manager of the object it is given in a way no prefetch serves
(`trigger.excluded_tags.filter(id=tag_id).exists()`, `event.line_quantities.get(line=line)`).
Helpers that remember their answers are left alone: memoized with a decorator
(`lru_cache`, `cache`, `cached`...), or that look the parameter up in a cache or a dict
named like one first. So is a helper's query under `if isinstance(<parameter>, ...)`, the
"an id or an instance" idiom (`if isinstance(order, int): order = Order.objects.get(pk=order)`):
it queries only for one of the types, and a loop that passes the instances it holds sends
no query. The same idiom written in the loop itself (`if not isinstance(cf, CachedFile): cf =
CachedFile.objects.get(pk=cf)`) is left alone too.

Loops that do not walk a collection are left alone: `while` loops (polling, retries,
paging with a cursor), `for attempt in range(3)`, loops that sleep (in their body or
through a helper of the file), loops over batches, chunks or pages (one query per batch
is the cure, not the disease), loops over constants (`ALL_CAPS` names such as
`settings.DEFAULT_GROUPS`, or a local name for part of one), over the members of an
enumeration or choice set (`for status in OrderStatus`, `OrderStatus.choices`), loops
over databases, schemas, models or tables, and schema statements
(`CREATE`, `ALTER`, `VACUUM`...). A query after which the loop always returns, raises or
breaks runs once, and is not reported either; nor is one in an `except` handler, which
runs when the exception happens, not per item (the query in the `try` body still counts).
A row lock (`select_for_update()`, `with_for_update()`, `SELECT ... FOR UPDATE`) taken in
a transaction block opened inside the loop (or by the helper of this file it calls)
is left alone: locking and committing each item on its own is deliberate, and one batched
lock would hold every row until the last item is done and let one failure undo them all.
The same lock in one transaction around the whole loop is reported.
`executemany`, `bulk_create`, `bulk_update` and `in_bulk` are one round trip and never
reported. Django data migrations, Alembic revisions, `migration.py` modules and tests
(files such as `test_*.py`, `conftest.py`, `tests.py`, `testcases.py` and the modules of a
`tests/` folder, and elsewhere `test_*` functions, fixtures and `Test*` or `*Tests` classes)
are skipped: they run once or against a throwaway database.""",
        why_it_bites="""\
Each query is a network round trip plus parsing and planning on the server. A page that
lists 50 orders with one query per order makes 51 queries; in development, with ten rows
and a local database, nobody notices. In production the list grows, the database is a
few milliseconds away, and the endpoint gets slower with every row until it times out.
The load also lands on the database, where every other request feels it.""",
        example="""\
```python
def order_summaries(order_ids):
    summaries = []
    for order_id in order_ids:
        order = Order.objects.get(pk=order_id)
        summaries.append((order.number, order.customer.name))
    return summaries

for order in Order.objects.filter(status="paid"):
    print(order.customer.email)
```""",
        use_instead="""\
```python
def order_summaries(order_ids):
    orders = Order.objects.select_related("customer").in_bulk(order_ids)
    return [(orders[i].number, orders[i].customer.name) for i in order_ids if i in orders]

for order in Order.objects.select_related("customer").filter(status="paid"):
    print(order.customer.email)
```

With raw SQL, fetch all rows with one `WHERE id = ANY(%s)` (or `IN (...)`) query, and
write many rows with `executemany` or a multi-row `INSERT`.""",
        fix_safety="""\
Only the Django relation forms have a fix: adding `.select_related("<relation>")` to the
queryset for a foreign key, `.prefetch_related("<relation>")` for a related manager's
`all()`, `count()` or `exists()`, which is safe (the same rows and values, loaded with one
join, or one more query, instead of a query per row). A query per item has no automatic fix: how to batch it depends on the
code around it.""",
    )
    wants_scopes = True
    checks_scopes_after_walk = True
    """Calls of helpers of this file look into the helper's finished scope."""

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        if scope.kind == "class" or not scope.has_any(_LOOP_TYPES):
            return  # every finding is about a loop of this scope
        if dbflow.is_migration(checker, scope) or dbflow.is_test_code(checker, scope):
            return
        if _classifiable_call_in_loop(scope, checker):
            queries = _repeatable_queries(scope, checker)
            query_ids = {id(call.node) for call in queries}
            for call in queries:
                loop = _per_item_loop(call, checker, scope)
                if loop is not None and not _id_or_instance(call.node, loop, query_ids):
                    self._report_query(call, loop, checker)
            classified = {id(call.node) for call in dbflow.classified_calls(scope, checker)}
        else:
            classified = set()  # only calls in loops are looked up in it, and none of them is classified
        self._check_helper_calls(scope, checker, classified)
        self._check_lazy_relations(scope, checker)
        self._check_related_managers(scope, checker)
        if dbflow.is_django_file(checker):
            self._check_managers_fed_by_items(scope, checker)

    def _report_query(self, call: dbflow.DbCall, loop: ast.AST, checker: Checker) -> None:
        source = checker.source
        iterated = _iterated(loop)
        what = f"`{dbflow.describe_call(call.node, source.segment)}`"
        message = (
            f"{what} runs a query for each item of `{short_text(source.segment(iterated))}`: "
            f"1 + N round trips that grow with the data; {_batching_hint(call)}"
        )
        checker.report(
            self,
            call.node,
            message,
            related=(checker.related("the loop that repeats the query", iterated),),
        )

    # Helpers of this file that query ---------------------------------------------------

    def _check_helper_calls(self, scope: Scope, checker: Checker, classified: set[int]) -> None:
        """``for order_id in ids: load_order(order_id)`` where ``load_order`` (a function or
        method of this file) sends a query built from that parameter."""
        defined = _defined_function_names(checker)
        for node in scope.of(ast.Call):
            assert isinstance(node, ast.Call)
            if called_name(node.func) not in defined or id(node) in classified:
                continue
            if not checker.enclosing_loops(node):
                continue
            callee = dbflow.local_callee(node, checker, scope)
            callee_scope = dbflow.scope_for(callee, checker) if callee is not None else None
            if callee_scope is None or callee_scope is scope:
                continue
            queries = _parameter_queries(callee_scope, checker)
            if not queries:
                continue
            fed = _arguments_by_parameter(node, callee_scope)
            for query in queries:
                built_from = [fed[name] for name in query.built_from if name in fed]
                if not built_from:
                    continue
                receivers = [fed[name] for name in query.receiver_from if name in fed]
                loop = _loop_feeding(
                    node,
                    checker,
                    scope,
                    functools.partial(_any_uses, built_from),
                    functools.partial(_any_uses, receivers),
                    _transaction_per_item(node, checker, scope) if _locks_rows(query.call, checker) else None,
                )
                if loop is not None:
                    self._report_helper_call(node, query.call, loop, checker)
                    break

    def _report_helper_call(
        self, node: ast.Call, query: dbflow.DbCall, loop: ast.AST, checker: Checker
    ) -> None:
        source = checker.source
        iterated = _iterated(loop)
        helper = short_text(source.segment(node.func))
        what = f"`{dbflow.describe_call(query.node, source.segment)}`"
        if query.kind == _RELATED_MANAGER:
            relation = _relation_of(query.node)
            hint = (
                f'prefetch `{relation}` for all of them (`prefetch_related(Prefetch("{relation}", '
                f"queryset=...))`) and let the helper pick from `.all()` in Python"
            )
        else:
            hint = f"{_batching_hint(query)} and pass them in"
        message = (
            f"`{helper}(...)` runs a query ({what}, line {query.node.lineno}) for each item of "
            f"`{short_text(source.segment(iterated))}`: 1 + N round trips that grow with the data; {hint}"
        )
        checker.report(
            self,
            node,
            message,
            related=(
                checker.related("the query the helper sends", query.node),
                checker.related("the loop that repeats it", iterated),
            ),
        )

    # Django lazy relations -------------------------------------------------------------

    def _check_lazy_relations(self, scope: Scope, checker: Checker) -> None:
        if not checker.module_classes or not dbflow.is_django_file(checker):
            return
        for loop in _item_loops(scope):
            target = loop.target  # type: ignore[attr-defined]
            if not isinstance(target, ast.Name):
                continue
            queryset = _queryset_of(loop.iter, checker, scope)  # type: ignore[attr-defined]
            if queryset is None:
                continue
            chain_expr, manager, calls = queryset
            model = checker.module_classes.get(called_name(manager.value) or "")
            if model is None:
                continue
            relations = _forward_relations(model, checker, set())
            if not relations or any(c.func.attr in db.QUERYSET_ROW_SHAPES for c in calls):  # type: ignore[attr-defined]
                continue
            loaded = _loaded_relations(calls)
            if loaded is None:
                continue
            reads = _relation_reads(loop, target.id, relations - loaded)
            if not reads:
                continue
            names = list(dict.fromkeys(attribute.attr for attribute in reads))
            quoted = ", ".join(f'"{name}"' for name in names)
            fix = None
            if chain_expr is not None:
                end = checker.source.end(manager)
                fix = Fix(
                    f"Add `.select_related({quoted})` to the queryset",
                    (Edit(Range(end, end), f".select_related({quoted})"),),
                    Applicability.SAFE,
                )
            first = reads[0]
            relation_list = " and ".join(f"`{name}`" for name in names)
            message = (
                f"`{target.id}.{first.attr}` loads the {relation_list} of each row with its own query: "
                f"1 + N queries; add `.select_related({quoted})` to the queryset"
            )
            checker.report(
                self,
                first,
                message,
                fix=fix,
                related=(checker.related("the queryset iterated", loop.iter),),  # type: ignore[attr-defined]
            )

    # Django related managers -----------------------------------------------------------

    def _check_related_managers(self, scope: Scope, checker: Checker) -> None:
        """``order.lines.filter(...).first()`` or ``order.lines.all()`` run for each
        ``order`` of a loop: a query per row, unless ``prefetch_related`` loaded the
        relation (which helps only ``all()``, ``count()``, ``exists()``...)."""
        if not dbflow.is_django_file(checker):
            return
        owners = _related_manager_owners(scope)
        for loop in _item_loops(scope):
            target = loop.target  # type: ignore[attr-defined]
            if not isinstance(target, ast.Name):
                continue
            if owners is not None and target.id not in owners:
                continue  # no chain on the item anywhere in the scope: no need to walk the loop
            reported: set[str] = set()
            prefetched: tuple[set[str], bool] | None = None  # not looked up yet
            for node in _loop_region(loop):
                if not isinstance(node, ast.Call):
                    continue
                chain = _related_manager_chain(node, target.id)
                if chain is None:
                    continue
                relation, calls = chain
                if relation in reported or not _evaluated_chain(node, calls):
                    continue
                if _fed_by_inner_loop(node, calls, loop, checker):
                    continue  # reported for that loop, as another object's manager fed by its items
                if _exception_handler_of(node, stop_at=loop) is not None or _leaves_after(node, loop):
                    continue
                always = _always_queries(calls[0])
                if prefetched is None:
                    prefetched = _prefetched_by_loop(loop, checker, scope)
                names, known = prefetched
                if not always and (not known or relation in names):
                    continue  # an unknown collection, or the relation is prefetched
                reported.add(relation)
                # ``first()`` and ``last()`` order by the key, and query again, unless the
                # related model has an ordering: prefetching is no sure cure for them.
                prefetch_cures = not always and calls[0].func.attr in db.RELATED_MANAGER_PREFETCHABLE  # type: ignore[attr-defined]
                bypassed = always and relation in names
                self._report_related_manager(
                    node, loop, target.id, relation, prefetch_cures, bypassed, checker
                )

    def _check_managers_fed_by_items(self, scope: Scope, checker: Checker) -> None:
        """``self.event.vouchers.get(code__iexact=line.code)`` in a loop over ``line``: another
        object's related manager, queried with a value of each item."""
        reported: set[tuple[int, str]] = set()
        for call, relation, calls in _querying_manager_chains(scope, None):
            if any(
                (keyword.arg or "").endswith(db.QUERYSET_BATCH_LOOKUP_SUFFIX)
                for link in calls
                for keyword in link.keywords
            ):
                continue  # ``filter(id__in=chunk)``: a batch
            manager = calls[0].func.value  # type: ignore[attr-defined]
            owner = next(node for node in walk(manager) if isinstance(node, ast.Name))
            if checker.resolve_name(owner.id, scope) is not None:
                continue  # ``pycountry.subdivisions.get(...)``: an imported module, no row
            used = {
                name for link in calls for argument in call_arguments(link) for name in _names_in(argument)
            }
            loop = next(
                (loop for loop in checker.enclosing_loops(call) if _loop_targets(loop) & used),
                None,
            )
            if (
                loop is None
                or _loop_targets(loop) & _names_in(manager)
                or (id(loop), _source_key(manager)) in reported
                or not _walks_collection(loop, checker, scope)
                or _exception_handler_of(call, stop_at=loop) is not None
                or _leaves_after(call, loop)
            ):
                continue
            reported.add((id(loop), _source_key(manager)))
            source = checker.source
            message = (
                f"`{short_text(source.segment(call), 60)}` runs a query for each item of "
                f"`{short_text(source.segment(_iterated(loop)))}`: 1 + N queries; fetch the rows for all items "
                f"with one `{relation}.filter(<field>__in=...)` before the loop and pick per item in Python"
            )
            checker.report(self, call, message, related=(checker.related("the loop", _iterated(loop)),))

    def _report_related_manager(
        self,
        call: ast.Call,
        loop: ast.AST,
        variable: str,
        relation: str,
        prefetch_cures: bool,
        bypassed: bool,
        checker: Checker,
    ) -> None:
        source = checker.source
        what = f"`{short_text(source.segment(call), 60)}`"
        if prefetch_cures:
            hint = f'add `.prefetch_related("{relation}")` to the queryset'
        elif bypassed:
            method = call.func.attr if isinstance(call.func, ast.Attribute) else "the chain"
            hint = (
                f"the queryset prefetches `{relation}`, but a new query (`{method}`) passes the "
                f"prefetched rows by: read `{variable}.{relation}.all()` and pick in Python"
            )
        else:
            hint = (
                f'load them for all rows at once (`prefetch_related(Prefetch("{relation}", queryset=...))`, '
                f"or one query filtered on the `{variable}` ids) and pick per row in Python"
            )
        message = (
            f"{what} runs a query for each `{variable}` of `{short_text(source.segment(loop.iter))}`: "
            f"1 + N queries; {hint}"
        )
        fix = None
        queryset = _queryset_of(loop.iter, checker, checker.scope) if prefetch_cures else None
        if queryset is not None and queryset[0] is not None:
            end = source.end(queryset[1])
            fix = Fix(
                f'Add `.prefetch_related("{relation}")` to the queryset',
                (Edit(Range(end, end), f'.prefetch_related("{relation}")'),),
                Applicability.SAFE,
            )
        checker.report(
            self,
            call,
            message,
            fix=fix,
            related=(checker.related("the loop", loop.iter),),
        )


def _loop_region(loop: ast.AST) -> list[ast.AST]:
    """Every node that runs once per item of ``loop``: a ``for`` body, or a comprehension's
    element and conditions (with the generators after this one)."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        roots: list[ast.AST] = list(loop.body)
    else:
        comprehension = parent_of(loop)
        roots = [
            child
            for name, child in ast.iter_fields(comprehension)
            if name in ("elt", "key", "value") and child is not None
        ]
        roots.extend(loop.ifs)  # type: ignore[attr-defined]
        generators = comprehension.generators  # type: ignore[union-attr]
        for later in generators[generators.index(loop) + 1 :]:
            roots.extend([later.iter, *later.ifs])
    return [node for root in roots for node in walk(root)]


def _related_manager_chain(call: ast.Call, variable: str | None) -> tuple[str, list[ast.Call]] | None:
    """For the outermost call of ``variable.<relation>.<method>(...)...``: the relation and
    the chained calls, innermost first. With no ``variable``, of ``<name>.<relation>`` or
    ``<name>.<attribute>.<relation>`` (``self.event.vouchers``), whatever the name."""
    chain = _manager_chain_shape(call)
    if chain is None or not _manager_owner_is(chain[0].value, variable):
        return None
    return chain[0].attr, chain[1]


def _manager_chain_shape(call: ast.Call) -> tuple[ast.Attribute, list[ast.Call]] | None:
    """``_related_manager_chain`` but for its owner: the relation's attribute and the
    chained calls, innermost first. The calls are followed down first: most calls are
    no such chain, and tell so before their parent is looked up."""
    calls: list[ast.Call] = []
    current: ast.AST = call
    while current.__class__ is ast.Call and current.func.__class__ is ast.Attribute:  # type: ignore[attr-defined]
        calls.append(current)  # type: ignore[arg-type]
        current = current.func.value  # type: ignore[attr-defined]
    if not (
        calls
        and current.__class__ is ast.Attribute
        and not current.attr.startswith("_")  # type: ignore[attr-defined]
        and current.attr not in db.DJANGO_MANAGERS  # type: ignore[attr-defined]
    ):
        return None
    first = calls[-1]
    method = first.func.attr  # type: ignore[attr-defined]
    if method in db.RELATED_MANAGER_CACHED:
        if first.args or first.keywords:
            return None  # ``all()``, ``count()``, ``first()`` take no arguments on a manager
    elif method not in db.RELATED_MANAGER_QUERIES or not _always_queries(first):
        return None  # ``row.data.get(key)``, ``row.totals.values()``: a dict
    parent = parent_of(call)
    grandparent = parent_of(parent) if parent.__class__ is ast.Attribute else None
    if grandparent.__class__ is ast.Call and grandparent.func is parent:  # type: ignore[union-attr]
        return None  # a link of a longer chain: its outermost call is looked at instead
    calls.reverse()
    return current, calls  # type: ignore[return-value]


def _manager_chains(scope: Scope) -> list[tuple[ast.Call, ast.Attribute, list[ast.Call]]]:
    """Each call of the scope that ``_manager_chain_shape`` takes for a related-manager
    chain, with the relation's attribute and the chained calls; worked out once per scope
    for the owners asked about (every item name, every parameter, any)."""
    chains = scope.state.get("pf005.manager_chains")
    if chains is None:
        chains = []
        for node in scope.of(ast.Call):
            func = node.func  # type: ignore[attr-defined]
            if func.__class__ is not ast.Attribute or func.value.__class__ not in _CHAIN_LINK_TYPES:
                continue  # ``f(x)``, ``rows.get(x)``: no manager attribute to chain from
            shape = _manager_chain_shape(node)  # type: ignore[arg-type]
            if shape is not None:
                chains.append((node, *shape))
        scope.state["pf005.manager_chains"] = chains
    return chains  # type: ignore[return-value]


_CHAIN_LINK_TYPES = (ast.Call, ast.Attribute)


def _related_manager_owners(scope: Scope) -> set[str] | None:
    """The names ``_related_manager_chain`` finds a chain on among the scope's calls; None
    when the scope defines a function, lambda or class, whose calls are not among them
    but are in the loops that hold them."""
    if scope.has_any(SCOPE_TYPES):
        return None
    return {
        relation.value.id  # type: ignore[attr-defined]
        for _node, relation, _calls in _manager_chains(scope)
        if relation.value.__class__ is ast.Name
    }


def _manager_owner_is(owner: ast.expr, variable: str | None) -> bool:
    if variable is not None:
        return isinstance(owner, ast.Name) and owner.id == variable
    if isinstance(owner, ast.Attribute):
        owner = owner.value
    return isinstance(owner, ast.Name) and not owner.id[:1].isupper()  # ``Order.items`` is no row


def _fed_by_inner_loop(node: ast.Call, calls: list[ast.Call], loop: ast.AST, checker: Checker) -> bool:
    """Whether a loop inside ``loop`` feeds the chain's lookups (``ticket.values.get(field=f)``
    in a loop over ``f`` inside one over ``ticket``): the query is reported once, there."""
    used = {name for link in calls for argument in call_arguments(link) for name in _names_in(argument)}
    outer = loop if isinstance(loop, (ast.For, ast.AsyncFor)) else parent_of(loop)
    for inner in checker.enclosing_loops(node):
        if inner is outer:
            return False
        if _loop_targets(inner) & used:
            return True
    return False


def _names_in(node: ast.AST) -> set[str]:
    return {inner.id for inner in walk(node) if isinstance(inner, ast.Name)}


def _source_key(node: ast.AST) -> str:
    return ast.dump(node)


def _always_queries(first: ast.Call) -> bool:
    """Whether the chain's first call queries even on a prefetched relation."""
    method = first.func.attr  # type: ignore[attr-defined]
    if method not in db.RELATED_MANAGER_QUERIES:
        return False
    if method in ("values", "values_list"):
        return bool(first.args or first.keywords)
    if method == "get":
        return bool(first.keywords) and not first.args
    return True


def _evaluated_chain(outermost: ast.Call, calls: list[ast.Call]) -> bool:
    """Whether the chain's query runs here: it ends with a method that runs it, or it is
    iterated, indexed, or handed to ``list()``/``len()``..."""
    if outermost.func.attr in db.RELATED_MANAGER_EVALUATING:  # type: ignore[attr-defined]
        return True
    parent = parent_of(outermost)
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is outermost:
        return True
    if isinstance(parent, ast.Subscript) and parent.value is outermost:
        return True
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id in db.EVALUATING_BUILTINS
        and outermost in parent.args
    )


def _prefetched_by_loop(loop: ast.AST, checker: Checker, scope: Scope) -> tuple[set[str], bool]:
    """The relations the loop's queryset prefetches (``"lines"``, ``Prefetch("lines", ...)``),
    and whether that is all of them: not when the loop does not iterate a queryset built in
    this function (its rows may come prefetched), or a prefetch names its relation in a
    way not read here."""
    queryset = _queryset_of(loop.iter, checker, scope)  # type: ignore[attr-defined]
    if queryset is None:
        return set(), False
    calls = queryset[2]
    if any(call.func.attr in db.QUERYSET_ROW_SHAPES for call in calls):  # type: ignore[attr-defined]
        return set(), False
    prefetched: set[str] = set()
    known = True
    for call in calls:
        if call.func.attr not in db.PREFETCH_RELATED:  # type: ignore[attr-defined]
            continue
        for argument in call.args:
            if isinstance(argument, ast.Call) and called_name(argument.func) == "Prefetch" and argument.args:
                argument = argument.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                prefetched.add(argument.value.split("__", 1)[0])
            else:
                known = False
    return prefetched, known


_LOOP_TYPES = (*LOOP_TYPES, *COMPREHENSION_TYPES)
"""What ``Checker.enclosing_loops`` counts as a loop; the lazy relations are read in loops too."""


def _item_loops(scope: Scope) -> list[ast.AST]:
    """The scope's ``for`` loops and comprehension generators: the loops with an item."""
    loops = scope.state.get("pf005.item_loops")
    if loops is None:
        loops = scope.state["pf005.item_loops"] = (
            scope.of(ast.For) + scope.of(ast.AsyncFor) + scope.of(ast.comprehension)
        )
    return loops  # type: ignore[return-value]


def _classifiable_call_in_loop(scope: Scope, checker: Checker) -> bool:
    """Whether a loop of the scope runs a call ``dbflow.classified_calls`` may classify.
    Without one, no query of the scope repeats per item, and the scope's calls need no
    classifying, the costly part, for its own loops (a helper's are looked at on their own)."""
    for node in scope.of(ast.Call):
        if dbflow.may_be_classified(node, checker, scope) and checker.enclosing_loops(node):  # type: ignore[arg-type]
            return True
    return False


def _repeatable_queries(scope: Scope, checker: Checker) -> list[dbflow.DbCall]:
    """The scope's calls that send a query (or a write other than Django's) each time they
    run: not one link of a longer chain, not a bulk call, not a lazy queryset left unrun."""
    cached = scope.state.get("pf005.queries")
    if cached is not None:
        return cached  # type: ignore[return-value]
    calls = dbflow.classified_calls(scope, checker)
    classified = {id(call.node) for call in calls}
    queries = []
    for call in calls:
        if call.bulk or call.role not in (dbflow.QUERY, dbflow.WRITE):
            continue
        if _is_chain_link(call.node, classified):
            continue
        if call.role == dbflow.WRITE and call.library == "django":
            continue
        lazy = call.library in ("django", db.LEGACY_QUERY) and call.method in db.QUERYSET_LAZY_METHODS
        if lazy and not _evaluated(call.node, scope):
            continue
        if call.kind == db.SESSION and call.method in db.SESSION_WRITE_METHODS:
            continue
        if call.sql is not None and dbflow.sql_verb(call.sql) in db.SCHEMA_SQL_VERBS:
            continue
        queries.append(call)
    scope.state["pf005.queries"] = queries
    return queries


def _defined_function_names(checker: Checker) -> frozenset[str]:
    """The name of every ``def`` in the file's text: most calls in a loop call no function
    of the file, and are dropped with a set lookup instead of a search for a callee."""
    state = checker.module_scope.state
    names = state.get("pf005.defined")
    if names is None:
        names = state["pf005.defined"] = frozenset(_DEF_NAME.findall(checker.source.text))
    return names  # type: ignore[return-value]


# No ``\b`` before ``def``: without it the search skips ahead to each "def" (ten times
# faster), and a name from ``undef f(`` in a string only keeps a few more calls in play.
_DEF_NAME = re.compile(r"def\s+([^\W\d]\w*)\s*[(\[]")


def _batching_hint(call: dbflow.DbCall) -> str:
    if call.role == dbflow.WRITE:
        return "send the rows in one `executemany` call or one multi-row statement"
    if call.library == "django" and _manager_of(call) == db.FLASK_SQLALCHEMY_QUERY:
        return "fetch all rows before the loop with one query (`filter(Model.id.in_(...))`)"
    if call.library == "django":
        return "fetch all rows before the loop (`filter(pk__in=...)`, `in_bulk`, `select_related`)"
    if call.kind == db.ASYNCPG:
        return "fetch all rows before the loop with one query (`WHERE id = ANY($1)`)"
    return "fetch all rows before the loop with one query (`WHERE id IN (...)`)"


@dataclass(frozen=True)
class _HelperQuery:
    """A query a helper sends once per call, and the parameters it is built from."""

    call: dbflow.DbCall
    built_from: frozenset[str]
    """The parameters its arguments (the SQL values, the lookup) are built from."""
    receiver_from: frozenset[str]
    """The parameters its receiver comes from (``conn.execute``, ``model.objects``): a
    loop that passes a different one each time walks databases or models."""


def _parameter_queries(scope: Scope, checker: Checker) -> list[_HelperQuery]:
    """The function's queries that are built from its parameters and run once per call:
    not in a loop of its own (reported there), not behind a memo check or a cache lookup
    of the parameter, not in a function memoized by a decorator (one query per key), not
    in an ``except`` handler, not a row lock taken in the function's own transaction, not
    under an ``isinstance`` check of a parameter."""
    cached = scope.state.get("pf005.parameter_queries")
    if cached is not None:
        return cached  # type: ignore[return-value]
    found: list[_HelperQuery] = []
    scope.state["pf005.parameter_queries"] = found
    function = scope.node
    if not isinstance(function, FUNCTION_TYPES) or _is_memoized(function):
        return found
    if dbflow.is_migration(checker, scope) or dbflow.is_test_code(checker, scope):
        return found
    queries = [
        call
        for call in _repeatable_queries(scope, checker)
        if not checker.enclosing_loops(call.node)
        and not _guarded_by_memo(call.node, function)
        and _exception_handler_of(call.node) is None
        and not (
            _locks_rows(call, checker) and dbflow.enclosing_transaction(call.node, checker, scope) is not None
        )
    ]
    parameters = parameter_names(function)
    if parameters and parameters[0] in ("self", "cls"):
        parameters = parameters[1:]
    # Named after the queries of the function's own calls: a finding names the first.
    on_managers: list[_HelperQuery] = []
    if dbflow.is_django_file(checker):
        for parameter in parameters:
            on_managers.extend(_parameter_manager_queries(scope, function, parameter))
    if not queries and not on_managers:
        return found
    queries = [call for call in queries if not _dispatches_on_type(call.node, function, set(parameters))]
    # Only plain assignments carry a parameter on here: a helper's loops do not count.
    assignments = _assignment_flows(scope, function)
    dependents = {name: _spread({name}, assignments) for name in parameters}
    every_query = [*queries, *(query.call for query in on_managers)]
    memo_keys = _memo_keys(scope, function, every_query) if dependents else []
    if any(_uses(key, dependent) for key in memo_keys for dependent in dependents.values()):
        return found
    for call in queries:
        built_from = frozenset(
            name for name, dependent in dependents.items() if _query_depends(call, dependent, checker, scope)
        )
        if built_from:
            receiver_from = frozenset(
                name for name, dependent in dependents.items() if _receiver_depends(call, dependent)
            )
            found.append(_HelperQuery(call, built_from, receiver_from))
    found.extend(on_managers)
    return found


def _parameter_manager_queries(
    scope: Scope, function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str
) -> list[_HelperQuery]:
    """``trigger.excluded_tags.filter(id=tag_id).exists()`` on a parameter: a query per
    object passed in, prefetched or not (only chains that query even on a prefetched
    relation: whether the caller prefetched it is not known here)."""
    found: list[_HelperQuery] = []
    for node, _relation, _calls in _querying_manager_chains(scope, parameter):
        if (
            _exception_handler_of(node) is not None
            or _guarded_by_memo(node, function)
            or _dispatches_on_type(node, function, {parameter})
            or any(isinstance(ancestor, _LOOP_TYPES) for ancestor in _ancestors_within(node, function))
        ):
            continue
        method = node.func.attr  # type: ignore[attr-defined]
        query = dbflow.DbCall(node, dbflow.QUERY, method, _RELATED_MANAGER, "django")
        # The object is the query's own key: built from it, and its receiver is no database.
        found.append(_HelperQuery(query, frozenset({parameter}), frozenset()))
        break  # one is enough to say the helper queries per object
    return found


_RELATED_MANAGER = "related manager"
"""The receiver kind of a helper's query on a related manager of its parameter."""


def _querying_manager_chains(
    scope: Scope, variable: str | None
) -> Iterator[tuple[ast.Call, str, list[ast.Call]]]:
    """The scope's related-manager chains (``_related_manager_chain``) that are run where
    they are and query even on a prefetched relation: each outermost call, its relation and
    its calls."""
    for node, relation, calls in _manager_chains(scope):
        if (
            _manager_owner_is(relation.value, variable)
            and _always_queries(calls[0])
            and _evaluated_chain(node, calls)
        ):
            yield node, relation.attr, calls


def _relation_of(chain: ast.Call) -> str:
    """``tags`` for ``trigger.tags.filter(...).exists()``."""
    current: ast.AST = chain
    while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
        current = current.func.value
    return current.attr if isinstance(current, ast.Attribute) else "the relation"


def _ancestors_within(node: ast.AST, function: ast.AST) -> Iterator[ast.AST]:
    for ancestor in Checker.ancestors(node):
        if ancestor is function:
            return
        yield ancestor


def _dispatches_on_type(node: ast.AST, function: ast.AST, parameters: set[str]) -> bool:
    """``if isinstance(order, int): order = Order.objects.get(pk=order)``: a helper that takes
    an id or an instance queries only for one of them, and which one a caller passes is not
    known here; a loop that passes the instances it already holds sends no query."""
    for ancestor in Checker.ancestors(node):
        if ancestor is function:
            return False
        if isinstance(ancestor, ast.If) and _tests_type_of(ancestor.test, parameters):
            return True
    return False


def _id_or_instance(node: ast.AST, loop: ast.AST, queries: set[int]) -> bool:
    """``if not isinstance(cf, CachedFile): cf = CachedFile.objects.get(pk=cf)`` in the
    loop: an item that may be an id or an instance, with a query only for ids, and none on
    the other branch. When both branches query (``get(email=value)`` for strings,
    ``get(pk=value)`` otherwise) every item costs a query, and it still counts."""
    targets = _loop_targets(loop)
    child = node
    for ancestor in Checker.ancestors(node):
        if ancestor is loop:
            return False
        if isinstance(ancestor, ast.If) and _tests_type_of(ancestor.test, targets):
            other = ancestor.orelse if child in ancestor.body else ancestor.body
            return not any(id(inner) in queries for statement in other for inner in walk(statement))
        child = ancestor
    return False


def _tests_type_of(test: ast.expr, names: set[str]) -> bool:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    return (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Name)
        and test.func.id == "isinstance"
        and bool(test.args)
        and isinstance(test.args[0], ast.Name)
        and test.args[0].id in names
    )


def _loop_targets(loop: ast.AST) -> set[str]:
    """The names a loop binds to each item (``cf`` in ``for cf in files``)."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        targets = [loop.target]
    elif isinstance(loop, COMPREHENSION_TYPES):
        targets = [generator.target for generator in loop.generators]
    else:
        return set()
    return {name for target in targets for name in _bound(target)}


def _memo_keys(
    scope: Scope, function: ast.FunctionDef | ast.AsyncFunctionDef, queries: list[dbflow.DbCall]
) -> list[ast.expr]:
    """What the function (``scope``'s) looks up in a cache, anywhere in it: ``key`` in
    ``self._cache[key]`` and in ``cache.get(key)`` (not one of its ``queries``). A helper
    that looks its parameter up there first memoizes: it queries once per key, not per
    call. One look serves every parameter."""
    if scope.has_any(SCOPE_TYPES):
        nodes = walk(function)  # the calls of the definitions inside are not the scope's
    else:
        # The body's nodes are the scope's; its signature and decorators are the outer scope's.
        nodes = [*scope.of(ast.Subscript), *scope.of(ast.Call)]
        for outer in (
            function.args,
            *function.decorator_list,
            function.returns,
            *getattr(function, "type_params", ()),
        ):
            if outer is not None:
                nodes.extend(walk(outer))
    keys: list[ast.expr] = []
    for node in nodes:
        if isinstance(node, ast.Subscript):
            if names_a_cache(node.value):
                keys.append(node.slice)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _CACHE_READS
            and node.args
            and names_a_cache(node.func.value)
            and all(node is not query.node for query in queries)
        ):
            keys.extend(node.args)
    return keys


_CACHE_READS = ("get", "get_many")


def _is_memoized(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated with a memoizer (``lru_cache``, ``cached``, ``memoize``...): by its name."""
    return any(
        names_a_cache(decorator.func if isinstance(decorator, ast.Call) else decorator)
        for decorator in function.decorator_list
    )


def _arguments_by_parameter(call: ast.Call, callee_scope: Scope) -> dict[str, ast.expr]:
    """The call's arguments by the callee's parameter names; positional ones only up to a
    ``*args`` (after it, which parameter gets what is unknown)."""
    function = callee_scope.node
    assert isinstance(function, FUNCTION_TYPES)
    arguments = function.args
    positional = [argument.arg for argument in (*arguments.posonlyargs, *arguments.args)]
    bound_method = isinstance(call.func, ast.Attribute) and not any(
        called_name(decorator) == "staticmethod" for decorator in function.decorator_list
    )
    if bound_method and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    fed: dict[str, ast.expr] = {}
    for name, argument in zip(positional, call.args, strict=False):
        if isinstance(argument, ast.Starred):
            break
        fed[name] = argument
    for keyword in call.keywords:
        if keyword.arg is not None:
            fed[keyword.arg] = keyword.value
    return fed


def _manager_of(call: dbflow.DbCall) -> str | None:
    """``objects`` for ``Order.objects.get(...)``, ``query`` for ``User.query.get(...)``."""
    func = call.node.func
    chain = dbflow.queryset_chain(func.value) if isinstance(func, ast.Attribute) else None
    if chain is None:
        return None
    manager = parent_of(chain[0])
    return manager.attr if isinstance(manager, ast.Attribute) else None


def _evaluated(node: ast.expr, scope: Scope) -> bool:
    """Whether a lazy queryset (``Model.objects.filter(...)``) is run where it is built:
    iterated, passed to ``list()``/``len()``..., or stored in a name that is then iterated.
    Building querysets to combine them as subqueries sends nothing to the database."""
    parent = parent_of(node)
    outer = parent_of(parent)
    if isinstance(parent, ast.Attribute) and isinstance(outer, ast.Call) and outer.func is parent:
        # ``Model.objects.filter(...).order_by(...)``, ``session.query(M).filter(...).all()``
        if parent.attr in db.QUERY_EVALUATING_METHODS:
            return True
        return _evaluated(outer, scope)
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is node:
        return True
    if (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id in db.EVALUATING_BUILTINS
    ):
        return True
    if isinstance(parent, (ast.If, ast.While, ast.IfExp)):
        # Tested, it runs; a branch of ``a if c else b`` is only handed on.
        return parent.test is node or (isinstance(parent, ast.IfExp) and _evaluated(parent, scope))
    if isinstance(parent, ast.BoolOp):
        return node is not parent.values[-1] or _evaluated(parent, scope)
    if isinstance(parent, ast.UnaryOp):
        return True
    if (
        isinstance(parent, ast.Assign)
        and len(parent.targets) == 1
        and isinstance(parent.targets[0], ast.Name)
    ):
        name = parent.targets[0].id
        for other in _item_loops(scope):
            iterable = other.iter  # type: ignore[attr-defined]
            if isinstance(iterable, ast.Name) and iterable.id == name:
                return True
        for branch in scope.of(ast.If) + scope.of(ast.While):
            test = branch.test  # type: ignore[attr-defined]
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                test = test.operand
            if isinstance(test, ast.Name) and test.id == name:
                return True  # ``if rows:`` fetches every row to tell
        for call in scope.of(ast.Call):
            func = call.func  # type: ignore[attr-defined]
            arguments = call.args  # type: ignore[attr-defined]
            if (
                isinstance(func, ast.Name)
                and func.id in db.EVALUATING_BUILTINS
                and any(isinstance(arg, ast.Name) and arg.id == name for arg in arguments)
            ):
                return True
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == name
                and func.attr in db.QUERYSET_QUERY_METHODS
                and func.attr not in db.QUERYSET_LAZY_METHODS
            ):
                return True
    return False


def _is_chain_link(call: ast.Call, classified: set[int]) -> bool:
    """``filter(...)`` in ``Order.objects.filter(...).count()``: the outer call reports."""
    current: ast.AST = call
    while True:
        parent = parent_of(current)
        outer = parent_of(parent)
        if not (isinstance(parent, ast.Attribute) and isinstance(outer, ast.Call) and outer.func is parent):
            return False
        if id(outer) in classified:
            return True
        current = outer


def _iterated(loop: ast.AST) -> ast.expr:
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return loop.iter
    if isinstance(loop, ast.While):
        return loop.test  # the collection being drained
    return loop.generators[0].iter  # type: ignore[attr-defined]


def _per_item_loop(call: dbflow.DbCall, checker: Checker, scope: Scope) -> ast.AST | None:
    """The innermost loop that walks a collection and feeds the query a value of its item."""
    return _loop_feeding(
        call.node,
        checker,
        scope,
        lambda dependent: _query_depends(call, dependent, checker, scope),
        lambda dependent: _receiver_depends(call, dependent),
        _transaction_per_item(call.node, checker, scope) if _locks_rows(call, checker) else None,
    )


def _loop_feeding(
    node: ast.Call,
    checker: Checker,
    scope: Scope,
    depends: Callable[[set[str]], bool],
    receiver_depends: Callable[[set[str]], bool] | None = None,
    own_transaction: ast.AST | None = None,
) -> ast.AST | None:
    """The innermost loop around ``node`` that walks a collection and whose items
    ``depends`` says the call is built from; not one around ``own_transaction``, the
    transaction block each item's row lock is taken in."""
    loops: list[ast.AST] = []
    for loop in _loops_repeating(node, checker, own_transaction):
        if isinstance(loop, ast.While) and not _popped_targets(loop):
            break  # polling, retrying or paging: what runs inside is not per item
        loops.append(loop)
    if not loops:
        return None
    every_dependent: set[str] = set()
    dependents = []
    # Every query in a loop asks the same questions of it: answer them once per loop.
    per_loop: dict[int, tuple[set[str], bool | None]] = scope.state.setdefault("pf005.loops", {})  # type: ignore[assignment]
    for loop in loops:
        if id(loop) not in per_loop:
            per_loop[id(loop)] = (_dependent_names(loop), None)
        dependent = set(per_loop[id(loop)][0])
        dependents.append(dependent)
        every_dependent |= dependent
    if receiver_depends is not None and receiver_depends(every_dependent):
        return None
    for loop, dependent in zip(loops, dependents, strict=True):
        if _guarded_by_memo(node, loop):
            return None
        leaves = _leaves_after(node, loop)
        if leaves is ast.Return:
            return None  # runs once, then the function returns
        if leaves is ast.Break or not dependent:
            continue
        names, walks = per_loop[id(loop)]
        if walks is None:
            walks = _walks_collection(loop, checker, scope)
            per_loop[id(loop)] = (names, walks)
        if not walks:
            continue
        if depends(dependent):
            return loop
    return None


def _loops_repeating(node: ast.AST, checker: Checker, own_transaction: ast.AST | None) -> list[ast.AST]:
    """The loops around ``node`` that run it each time round: not those around an ``except``
    handler it sits in (it runs when that exception happens, not per item), nor those
    around ``own_transaction``."""
    boundary = _exception_handler_of(node, stop_at=own_transaction) or own_transaction
    loops = checker.enclosing_loops(node)
    if boundary is None:
        return loops
    around_boundary = {id(loop) for loop in checker.enclosing_loops(boundary)}
    return [loop for loop in loops if id(loop) not in around_boundary]


def _exception_handler_of(node: ast.AST, stop_at: ast.AST | None = None) -> ast.ExceptHandler | None:
    """The innermost ``except`` handler ``node`` runs in, within its function (and inside
    ``stop_at``)."""
    for ancestor in Checker.ancestors(node):
        if ancestor is stop_at or isinstance(ancestor, SCOPE_TYPES):
            return None
        if isinstance(ancestor, ast.ExceptHandler):
            return ancestor
    return None


def _locks_rows(call: dbflow.DbCall, checker: Checker) -> bool:
    """``select_for_update()`` in a Django chain, SQLAlchemy's ``with_for_update()``,
    ``session.get(..., with_for_update=True)`` or ``SELECT ... FOR UPDATE``."""
    if call.sql is not None and _ROW_LOCK_SQL.search(call.sql.lower()):
        return True
    node = call.node
    lines = checker.source.lines_text(node.lineno - 1, (node.end_lineno or node.lineno) - 1)
    if not any(word in lines for word in _ROW_LOCK_NAMES):
        return False  # the attributes and keywords looked for below are spelled out in the call's lines
    for node in walk(call.node):
        if isinstance(node, ast.Attribute) and node.attr in db.ROW_LOCK_METHODS:
            return True
        if (
            isinstance(node, ast.keyword)
            and node.arg in db.ROW_LOCK_KEYWORDS
            and not (isinstance(node.value, ast.Constant) and not node.value.value)
        ):
            return True
    return False


_ROW_LOCK_SQL = re.compile(db.ROW_LOCK_SQL_PATTERN)
_ROW_LOCK_NAMES = tuple(sorted(db.ROW_LOCK_METHODS | db.ROW_LOCK_KEYWORDS))


def _transaction_per_item(node: ast.AST, checker: Checker, scope: Scope) -> ast.AST | None:
    """The transaction block ``node`` runs in when the block sits in a loop: each item is
    locked, changed and committed (or rolled back) on its own. Batching the row locks would
    hold them all until the last item is done and let one failure undo every item."""
    block = dbflow.enclosing_transaction(node, checker, scope)
    if isinstance(block, (ast.With, ast.AsyncWith)) and checker.enclosing_loops(block):
        return block
    return None


def _leaves_after(node: ast.AST, loop: ast.AST) -> type[ast.Return] | type[ast.Break] | None:
    """``ast.Return`` when, once ``node`` has run, the code always returns or raises before
    the next iteration of ``loop`` (``if check.key == key: return flips(check)``),
    ``ast.Break`` when it always leaves ``loop``; None when it may go round again. A path
    through a ``try`` body may go on after an exception, so it counts as going round."""
    child = node
    nested_loop = False
    for ancestor in Checker.ancestors(node):
        if isinstance(ancestor, SCOPE_TYPES) or (isinstance(ancestor, ast.Try) and child in ancestor.body):
            return None
        if ancestor is not loop and isinstance(ancestor, _LOOP_TYPES):
            nested_loop = True  # a ``break`` from here on leaves that loop, not this one
        held = dbflow.block_of(child) if isinstance(child, ast.stmt) else None
        if held is not None:
            block = held[2]
            for statement in block[block.index(child) :]:
                if isinstance(statement, (ast.Return, ast.Raise)):
                    return ast.Return
                if isinstance(statement, ast.Break) and not nested_loop:
                    return ast.Break
                if isinstance(statement, ast.Continue):
                    return None
        if ancestor is loop:
            return None
        child = ancestor
    return None


def _guarded_by_memo(node: ast.AST, loop: ast.AST) -> bool:
    """``if key not in cache: cache[key] = query(key)``: one query per distinct key."""
    for ancestor in Checker.ancestors(node):
        if ancestor is loop:
            return False
        if isinstance(ancestor, ast.If):
            for test in walk(ancestor.test):
                if isinstance(test, ast.Compare) and any(
                    isinstance(op, (ast.NotIn, ast.Is)) for op in test.ops
                ):
                    return True
    return False


def _is_literal_collection(iterable: ast.expr, checker: Checker, scope: Scope) -> bool:
    """A list or tuple written out in the code: a fixed handful of items, not data."""
    if isinstance(iterable, ast.Name):
        binding = dbflow.name_binding(iterable, checker, scope)
        if binding is None or binding[0] is not None or not binding[1]:
            return False
        return all(_is_literal_collection(value, checker, scope) for value in binding[1])
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and not iterable.args:
        return iterable.func.attr in ("items", "keys", "values") and _is_literal_collection(
            iterable.func.value, checker, scope
        )
    # ``(*CMS_PERMISSION_MODELS, (PageUserGroup, "pageuser"))``: constants spread into one
    return isinstance(iterable, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and all(
        not isinstance(element, ast.Starred)
        or _iterates_constant(element.value)
        or _is_literal_collection(element.value, checker, scope)
        for element in getattr(iterable, "elts", [])
    )


def _popped_targets(loop: ast.While) -> set[str]:
    """``while pending: item = pending.pop()``: a loop that drains a collection one item at a
    time is as much per item as a ``for``; the names bound to the popped items."""
    if not isinstance(loop.test, ast.Name):
        return set()
    drained = loop.test.id
    names: set[str] = set()
    for statement in loop.body:
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Attribute)
            and statement.value.func.attr in db.DRAINING_METHODS
            and isinstance(statement.value.func.value, ast.Name)
            and statement.value.func.value.id == drained
        ):
            names.update(name for target in statement.targets for name in _bound(target))
    return names


def _walks_collection(loop: ast.AST, checker: Checker, scope: Scope) -> bool:
    if isinstance(loop, ast.While):
        return bool(_popped_targets(loop))
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        pairs = [(loop.target, loop.iter)]
        body: list[ast.AST] = list(loop.body)
    else:
        pairs = [(generator.target, generator.iter) for generator in loop.generators]  # type: ignore[attr-defined]
        body = [loop]
    for target, iterable in pairs:
        if _names_batches(target) or _iterates_counter(iterable, checker, scope):
            return False
        if (
            _is_literal_collection(iterable, checker, scope)
            or _iterates_command_arguments(iterable, checker, scope)
            or _iterates_constant(iterable)
            or _bound_to_constant(iterable, checker, scope)
            or _iterates_enumeration(iterable, checker, scope)
        ):
            return False
        if isinstance(iterable, ast.Call) and _names_batches(iterable.func):
            return False
        if _walks_schema(iterable):
            return False
    if not _may_sleep(scope, checker):
        return True  # the loop's calls are among the scope's, and none of them sleeps
    for statement in body:
        for node in walk(statement):
            if node.__class__ is ast.Call and _call_sleeps(node, checker, scope):  # type: ignore[arg-type]
                return False
    return True


def _may_sleep(scope: Scope, checker: Checker) -> bool:
    """Whether a call of the scope sleeps, or the scope defines a function, lambda or class
    (whose calls a loop's walk meets but the scope's do not hold): when not, no loop of
    the scope sleeps, and its body need not be walked to tell."""
    known = scope.state.get("pf005.may_sleep")
    if known is None:
        known = scope.state["pf005.may_sleep"] = scope.has_any(SCOPE_TYPES) or any(
            _call_sleeps(node, checker, scope)  # type: ignore[arg-type]
            for node in scope.of(ast.Call)
        )
    return known  # type: ignore[return-value]


def _call_sleeps(call: ast.Call, checker: Checker, scope: Scope) -> bool:
    return _sleeps(call, checker, scope) or (
        called_name(call.func) in _defined_function_names(checker) and _helper_sleeps(call, checker, scope)
    )


def _sleeps(call: ast.Call, checker: Checker, scope: Scope) -> bool:
    func = call.func
    # A method call names a sleep only when its attribute is ``sleep``: only those, and
    # plain names (imported under any alias), need resolving.
    if func.__class__ is ast.Attribute and func.attr not in _SLEEP_NAMES:  # type: ignore[attr-defined]
        return False
    return checker.qualified_name(func, scope) in db.SLEEP_CALLS


def _helper_sleeps(call: ast.Call, checker: Checker, scope: Scope) -> bool:
    """``self.pause()`` where ``pause`` (a function of this file) calls ``time.sleep``: a
    throttled loop, as much as one that sleeps in its own body."""
    callee = dbflow.local_callee(call, checker, scope)
    callee_scope = dbflow.scope_for(callee, checker) if callee is not None else None
    if callee_scope is None or callee_scope is scope:
        return False
    return any(_sleeps(node, checker, callee_scope) for node in callee_scope.of(ast.Call))  # type: ignore[arg-type]


_SLEEP_NAMES = last_names(db.SLEEP_CALLS)


def _iterates_command_arguments(iterable: ast.expr, checker: Checker, scope: Scope) -> bool:
    """``for slug in options["projects"]``: the handful of values an operator typed."""
    if isinstance(iterable, ast.Name):
        binding = dbflow.name_binding(iterable, checker, scope)
        if binding is not None and binding[0] is None and len(binding[1]) == 1:
            iterable = binding[1][0]
    root: ast.AST = iterable
    while isinstance(root, (ast.Subscript, ast.Attribute, ast.Call)):
        root = root.func if isinstance(root, ast.Call) else root.value
    return isinstance(root, ast.Name) and root.id in db.COMMAND_ARGUMENT_NAMES


def _bound_to_constant(iterable: ast.expr, checker: Checker, scope: Scope) -> bool:
    """``role_configs = settings.SSO_CONFIG.role_map.get(provider, [])`` then ``for config in
    role_configs``: a local name for part of a constant."""
    if not isinstance(iterable, ast.Name):
        return False
    binding = dbflow.name_binding(iterable, checker, scope)
    if binding is None or binding[0] is not None or len(binding[1]) != 1:
        return False
    node: ast.AST = binding[1][0]
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Attribute):
            if _names_constant(node.attr):
                return True
            node = node.value
        else:
            return isinstance(node, ast.Name) and _names_constant(node.id)


def _iterates_constant(iterable: ast.expr) -> bool:
    """``for name in settings.DEFAULT_GROUPS``, ``for model in MODELS``,
    ``self.FIELDS.items()``: a constant by its name, the handful of values the code or its
    configuration lists, not data."""
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Attribute)
        and iterable.func.attr in ("items", "keys", "values")
        and not iterable.args
    ):
        iterable = iterable.func.value
    if isinstance(iterable, ast.Attribute) and called_name(iterable.value) in db.WEB_REQUEST_NAMES:
        return False  # ``request.POST``, ``request.FILES``: what the client sent
    name = called_name(iterable) if isinstance(iterable, (ast.Name, ast.Attribute)) else None
    return name is not None and _names_constant(name)


def _names_constant(identifier: str) -> bool:
    """``DEFAULT_GROUPS``, ``MODELS``: an ``ALL_CAPS`` name (one letter is too short to say)."""
    return len(identifier) > 1 and identifier.isupper()


def _iterates_enumeration(iterable: ast.expr, checker: Checker, scope: Scope) -> bool:
    """``for leg, label in FeedLegChoices``, ``for status in OrderStatus.choices``: the
    members of an enumeration or choice set, a class the file defines or imports. A class
    is iterable only through such a metaclass, so its members are fixed in the code."""
    if (
        isinstance(iterable, ast.Attribute)
        and iterable.attr in db.ENUMERATION_MEMBER_ATTRIBUTES
        and isinstance(iterable.value, ast.Name)
    ):
        iterable = iterable.value
    if not isinstance(iterable, ast.Name):
        return False
    name = iterable.id
    if not (name[:1].isupper() and not name.isupper() and "_" not in name):
        return False
    if dbflow.name_binding(iterable, checker, scope) is not None:
        return False  # a variable that happens to be capitalised
    return (
        name in checker.module_classes
        or checker.resolve_name(name, scope) is not None
        or name.endswith(db.ENUMERATION_NAME_SUFFIXES)  # through ``from .choices import *``
    )


def _walks_schema(iterable: ast.expr) -> bool:
    for node in walk(iterable):
        name = (
            node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        )
        if name in db.SCHEMA_ITERABLES:
            return True
    return False


def _names_batches(node: ast.AST) -> bool:
    for child in walk(node):
        name = (
            child.id
            if isinstance(child, ast.Name)
            else child.attr
            if isinstance(child, ast.Attribute)
            else None
        )
        if name is not None and _BATCH_WORD.search(name.lower()):
            return True
    return False


_BATCH_WORD = re.compile("|".join(re.escape(word) for word in db.BATCH_WORDS))
"""Any of ``db.BATCH_WORDS`` in a (lowered) name: one search instead of one per word."""


def _iterates_counter(iterable: ast.expr, checker: Checker, scope: Scope) -> bool:
    if (
        isinstance(iterable, ast.Call)
        and checker.qualified_name(iterable.func, scope) == "builtins.enumerate"
    ):
        iterable = iterable.args[0] if iterable.args else iterable
    if not isinstance(iterable, ast.Call):
        return False
    if checker.qualified_name(iterable.func, scope) not in db.FIXED_COUNT_ITERATORS:
        return False
    return not any(
        isinstance(argument, ast.Call) and checker.qualified_name(argument.func, scope) == db.LENGTH_FUNCTION
        for argument in iterable.args
    )


def _dependent_names(loop: ast.AST) -> set[str]:
    """The loop's targets and the names assigned from them inside the loop."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        names = set(_bound(loop.target))
        region: list[ast.AST] = list(loop.body)
    elif isinstance(loop, ast.While):
        names = _popped_targets(loop)
        region = list(loop.body)
    else:
        names = set()
        for generator in loop.generators:  # type: ignore[attr-defined]
            names.update(_bound(generator.target))
        region = [loop]
    return _spread(names, _value_flows(region, through_bindings=True))


def _value_flows(region: list[ast.AST], through_bindings: bool) -> list[tuple[set[str], set[str]]]:
    """The (names bound, names used by the value they are bound from) of the region's
    assignments, and with ``through_bindings`` also of its loop targets, ``with ... as``
    names and walruses. The names a value uses are read once here: ``_spread`` asks about
    each value again for every name it adds."""
    return _flows_among([node for statement in region for node in walk(statement)], through_bindings)


def _assignment_flows(
    scope: Scope, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> list[tuple[set[str], set[str]]]:
    """``_value_flows(function.body, through_bindings=False)`` for the function of ``scope``:
    its body's assignments are the scope's, unless it defines a function, lambda or class."""
    if scope.has_any(SCOPE_TYPES):
        return _value_flows(function.body, through_bindings=False)
    assignments = scope.of(ast.Assign) + scope.of(ast.AnnAssign) + scope.of(ast.AugAssign)
    return _flows_among(assignments, through_bindings=False)  # in another order, which ``_spread`` ignores


def _flows_among(nodes: list[ast.AST], through_bindings: bool) -> list[tuple[set[str], set[str]]]:
    """``_value_flows`` of the nodes given (every node of the region)."""
    flows: list[tuple[set[str], ast.AST]] = []
    wanted = _BINDING_FLOW_TYPES if through_bindings else _ASSIGNMENT_TYPES
    for node in nodes:
        if node.__class__ not in wanted:
            continue  # most nodes: one set lookup instead of the tests below
        if isinstance(node, ast.Assign):
            flows.append(({name for target in node.targets for name in _bound(target)}, node.value))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            flows.append((set(_bound(node.target)), node.value))
        elif not through_bindings:
            continue
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            flows.append((set(_bound(node.target)), node.iter))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            flows.append((set(_bound(node.optional_vars)), node.context_expr))
        elif isinstance(node, ast.NamedExpr):
            flows.append(({node.target.id}, node.value))
    return [(targets, _names_in(value)) for targets, value in flows]


_ASSIGNMENT_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign})
_BINDING_FLOW_TYPES = _ASSIGNMENT_TYPES | {
    ast.For,
    ast.AsyncFor,
    ast.comprehension,
    ast.withitem,
    ast.NamedExpr,
}
"""The node types ``_value_flows`` reads a flow from, without and with ``through_bindings``."""


def _spread(names: set[str], flows: list[tuple[set[str], set[str]]]) -> set[str]:
    """``names`` and every name bound, directly or in turn, from a value that uses them."""
    names = set(names)
    changed = True
    while changed:
        changed = False
        for targets, used in flows:
            if targets - names and not used.isdisjoint(names):
                names |= targets
                changed = True
    return names


def _bound(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _bound(element)]
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    return []


def _any_uses(nodes: list[ast.expr], names: set[str]) -> bool:
    return any(_uses(node, names) for node in nodes)


def _uses(node: ast.AST | None, names: set[str]) -> bool:
    if node is None:
        return False
    return any(isinstance(child, ast.Name) and child.id in names for child in walk(node))


def _receiver_depends(call: dbflow.DbCall, dependent: set[str]) -> bool:
    """A loop over databases, models or tables: the receiver itself changes per item."""
    receiver = call.receiver
    if receiver is None:
        return False
    root: ast.AST = receiver
    while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript)):
        root = root.func if isinstance(root, ast.Call) else root.value
    if isinstance(root, ast.Name) and root.id in dependent:
        return True
    if isinstance(receiver, (ast.Attribute, ast.Call)):
        # ``connections[alias].cursor()``, ``models[name].objects``
        return any(
            isinstance(node, ast.Subscript) and _uses(node.slice, dependent) for node in walk(receiver)
        )
    return False


def _query_depends(call: dbflow.DbCall, dependent: set[str], checker: Checker, scope: Scope) -> bool:
    node = call.node
    arguments: list[ast.AST] = list(call_arguments(node))
    keywords: list[ast.keyword] = list(node.keywords)
    link: ast.AST = node.func.value if isinstance(node.func, ast.Attribute) else node
    while isinstance(link, ast.Call) and isinstance(link.func, ast.Attribute):
        # ``Order.objects.filter(pk=x).first()``, ``session.query(User).filter(User.id == x).one()``
        arguments.extend(link.args)
        arguments.extend(keyword.value for keyword in link.keywords)
        keywords.extend(link.keywords)
        link = link.func.value
    uses = [argument for argument in arguments if _uses(argument, dependent)]
    if not uses:
        return False
    if call.library == "django":
        batch = {
            id(keyword.value)
            for keyword in keywords
            if keyword.arg is not None and keyword.arg.endswith(db.QUERYSET_BATCH_LOOKUP_SUFFIX)
        }
        if any(id(argument) in batch for argument in uses):
            return False
    statement = node.args[0] if node.args and call.method in db.EXECUTE_METHODS else None
    if (
        statement is not None
        and _uses(statement, dependent)
        and _runs_statement_list(call, statement, dependent)
    ):
        return False
    if call.sql is not None and node.args and _uses(node.args[0], dependent):
        other = [argument for argument in uses if argument is not node.args[0]]
        if not other and _interpolates_structure(call.sql):
            return False
    return True


def _runs_statement_list(call: dbflow.DbCall, statement: ast.expr, dependent: set[str]) -> bool:
    """``for sql in statements: cursor.execute(sql)`` runs a script, one statement each;
    ``conn.execute(table.delete())`` and ``conn.execute(DropConstraint(fk))`` walk the schema."""
    if call.sql is None and not isinstance(statement, ast.Call):
        return True
    if isinstance(statement, ast.Call):
        root: ast.AST = statement.func
        while isinstance(root, (ast.Attribute, ast.Call)):
            root = root.value if isinstance(root, ast.Attribute) else root.func
        if isinstance(root, ast.Name) and root.id in dependent:
            return True
        name = (
            statement.func.attr
            if isinstance(statement.func, ast.Attribute)
            else getattr(statement.func, "id", "")
        )
        if name.startswith(db.DDL_CONSTRUCT_PREFIXES):
            return True
    return False


def _interpolates_structure(sql: str) -> bool:
    """Whether the first value interpolated into the SQL text stands before any clause that
    takes row values: a table or column name (``SELECT count(*) FROM {table}``)."""
    position = sql.find(dbflow.PLACEHOLDER)
    if position < 0:
        return False
    before = sql[:position].lower()
    return not any(word in before for word in db.SQL_VALUE_CLAUSES)


def _queryset_of(
    iterable: ast.expr, checker: Checker, scope: Scope, depth: int = 0
) -> tuple[ast.expr | None, ast.Attribute, list[ast.Call]] | None:
    """The queryset expression iterated (the chain's expression, None when the loop iterates
    a name), its manager attribute (``Order.objects``) and the chained calls."""
    if depth > _MAX_NAME_DEPTH:
        return None  # ``queryset = queryset.filter(...)`` names itself
    if isinstance(iterable, ast.Name):
        binding = dbflow.name_binding(iterable, checker, scope)
        if binding is None or binding[0] is not None or len(binding[1]) != 1:
            return None
        found = _queryset_of(binding[1][0], checker, scope, depth + 1)
        return found
    on_name = _calls_on_name(iterable)
    if on_name is not None:
        # ``for row in rows.all()`` with ``rows = Price.objects.filter(...)`` before it
        root, more = on_name
        found = _queryset_of(root, checker, scope, depth + 1)
        if found is None or more[-1].func.attr in _SINGLE_ROW_METHODS:  # type: ignore[attr-defined]
            return None
        return found[0], found[1], [*found[2], *more]
    expression: ast.AST = iterable
    if isinstance(iterable, ast.Attribute) and iterable.attr in db.DJANGO_MANAGERS:
        return None
    chain = dbflow.queryset_chain(expression)
    if chain is None or not chain[1]:
        return None
    model, calls = chain
    manager = parent_of(model)
    if not isinstance(manager, ast.Attribute) or manager.attr not in db.DJANGO_MANAGERS:
        return None
    if calls[-1].func.attr in _SINGLE_ROW_METHODS:  # type: ignore[attr-defined]
        return None
    return iterable, manager, calls


_SINGLE_ROW_METHODS = ("get", "first", "last", "count", "exists", "aggregate")
_MAX_NAME_DEPTH = 4


def _calls_on_name(expression: ast.expr) -> tuple[ast.Name, list[ast.Call]] | None:
    """``rows.filter(...).all()`` as the name ``rows`` and its calls, in order."""
    calls: list[ast.Call] = []
    node = expression
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        calls.append(node)
        node = node.func.value
    if not calls or not isinstance(node, ast.Name):
        return None
    return node, calls[::-1]


def _forward_relations(model: ast.ClassDef, checker: Checker, seen: set[str]) -> set[str]:
    if model.name in seen:
        return set()
    seen.add(model.name)
    relations: set[str] = set()
    for statement in model.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Call):
            target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
            if checker.qualified_name(statement.value.func) in db.DJANGO_FORWARD_RELATIONS:
                relations.update(_bound(target))
    for base in model.bases:
        parent = checker.module_classes.get(called_name(base) or "")
        if parent is not None:
            relations |= _forward_relations(parent, checker, seen)
    return relations


def _loaded_relations(calls: list[ast.Call]) -> set[str] | None:
    """Relations the chain loads up front; None when it loads all (``select_related()``)."""
    loaded: set[str] = set()
    for call in calls:
        method = call.func.attr  # type: ignore[attr-defined]
        if method not in db.SELECT_RELATED and method not in db.PREFETCH_RELATED:
            continue
        if not call.args and not call.keywords and method in db.SELECT_RELATED:
            return None
        for argument in call.args:
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                loaded.add(argument.value.split("__", 1)[0])
            else:
                return None
    return loaded


def _relation_reads(loop: ast.AST, variable: str, relations: set[str]) -> list[ast.Attribute]:
    if not relations:
        return []
    reads: list[ast.Attribute] = []
    for node in _loop_region(loop):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in relations
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Name)
            and node.value.id == variable
        ):
            reads.append(node)
    reads.sort(key=lambda attribute: (attribute.lineno, attribute.col_offset))
    return reads
