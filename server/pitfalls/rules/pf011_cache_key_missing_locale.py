"""PF011 cache-key-missing-locale."""

from __future__ import annotations

import ast
from collections.abc import Callable

from pitfalls.astutil import call_keyword, called_name, keyword_insertion_edit, walk
from pitfalls.cachemodel import (
    CacheCall,
    Function,
    assignments_in,
    cache_call,
    container_for,
    fills_on_miss,
    import_edit,
    imported_modules,
    is_shared_cache,
    last_identifier,
    local_definition,
    own_nodes_of,
    parameter_names,
    same_expression,
)
from pitfalls.engine import Checker, Scope, parent_of
from pitfalls.knowledge.caches import (
    IN_PROCESS_MEMOIZERS,
    LANGUAGE_VARYING_CACHE_DECORATORS,
    LOCAL_MEMOIZER_NAMES,
    SHARED_MEMOIZER_METHODS,
    SHARED_MEMOIZERS,
)
from pitfalls.knowledge.locale import (
    I18N_MODULES,
    KEY_LANGUAGE_WORDS,
    LANGUAGE_KEY_PARTS,
    LOCALE_ATTRIBUTES,
    LOCALE_CALL_NAMES,
    LOCALE_CALLS,
    LOCALE_HEADER_STRINGS,
    SETTINGS_RECEIVERS,
    TEMPLATE_RENDER_CALLS,
    TEMPLATE_RENDER_METHODS,
)
from pitfalls.model import Applicability, Edit, Fix, Range, Severity
from pitfalls.rules.base import Rule, RuleDoc, Video

_MAX_DEPTH = 3
_WRITE_METHODS = frozenset({"set", "setex", "psetex", "add", "get_or_set"})
_KEYED_METHODS = _WRITE_METHODS | {"get", "delete", "get_many", "touch", "incr", "decr", "expire"}


class CacheKeyMissingLocale(Rule):
    code = "PF011"
    slug = "cache-key-missing-locale"
    summary = "A translated value is cached under a key without the language"
    severity = Severity.WARNING
    has_fix = True
    triggers = ("cache", "Cache", "redis", "memo")
    wants_scopes = True
    video = Video(
        "Why does this Python cache serve the wrong language?", "https://www.youtube.com/watch?v=YA1sMwee9Z4"
    )
    doc = RuleDoc(
        what_it_does="""\
Finds values that depend on the user's language stored in a cache under a key that does
not. The value counts as language-dependent when it is produced (directly, through local
variables, or through a function of the same file) by the gettext family (`_`, `gettext`,
`ngettext`, `pgettext` and their `lazy` variants, from Django, Flask-Babel or `gettext`),
Django's `get_language()`, `request.LANGUAGE_CODE`, `translation.override`, locale-aware
formatting (`date_format`, Flask-Babel's `format_currency`...), `get_locale()`, the
`Accept-Language` header, or a template rendered in a file that uses translations.

The cache can be a shared one (`cache.set(key, value, ...)`, `get_or_set`, Redis `set`/
`setex`), an in-process dict used as a cache, or a memoizing decorator: `functools.lru_cache`
/`cache`, `cachetools.cached`, Flask-Caching's `@cache.cached` (whose key comes from
`key_prefix`, `make_cache_key` or `query_string`) and `@cache.memoize`. The key counts as
language-aware when its expression, the variables it is built from, the key helper it
calls, or a parameter of the memoized function mentions `lang`, `locale` or `translation`,
or calls `get_language()`/`get_locale()`.

Silent for Django's `@cache_page` (its key already includes the active language), for
keys built by helpers the analysis cannot see whose names mention `key`, and for values
that do not depend on the language.""",
        why_it_bites="""\
The first request after the entry expires decides its language. If that user reads
German, every user gets the German menu, error messages or e-mail subject until the entry
expires again, then maybe French. It never shows in development, where everybody uses one
language, and in production it looks random: a localization incident that support cannot
reproduce.""",
        example="""\
```python
from django.core.cache import cache
from django.utils.translation import gettext as _

def navigation(request):
    menu = cache.get("navigation")
    if menu is None:
        menu = [_("Home"), _("Orders"), _("Settings")]
        cache.set("navigation", menu, 3600)
    return menu
```""",
        use_instead="""\
```python
from django.core.cache import cache
from django.utils.translation import get_language, gettext as _

def navigation(request):
    key = f"navigation:{get_language()}"
    menu = cache.get(key)
    if menu is None:
        menu = [_("Home"), _("Orders"), _("Settings")]
        cache.set(key, menu, 3600)
    return menu
```

For memoized functions, pass the language as an argument; for Flask-Caching's
`@cache.cached`, give a `key_prefix` callable that includes `get_locale()`.""",
        fix_safety="""\
The fix is unsafe: it changes the cache key, so existing entries are no longer found
(one refill per language after deployment), and the cache holds one entry per language.
It adds the current language (`get_language()` in a Django file, `get_locale()` with
Flask-Babel, imported when needed) to the key's assignment or to every read and write of
that key in the function; for `@cache.cached` it adds a `key_prefix` callable of the
request path and the locale, and for `@cache.memoize` a `make_name` that appends the
locale. Memoized functions without such options, and files where the framework is not
known, get no fix.""",
    )

    def check_scope(self, scope: Scope, checker: Checker) -> None:
        if scope.kind != "function" or scope.node.__class__ is ast.Lambda:
            return
        function = scope.node
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        if self._check_decorators(function, checker):
            return
        self._check_stores(function, scope, checker)

    # Explicit stores --------------------------------------------------------------------

    def _check_stores(self, function: Function, scope: Scope, checker: Checker) -> None:
        calls = [
            call
            for call in scope.of(ast.Call)
            if call.func.__class__ is ast.Attribute and call.func.attr in _KEYED_METHODS  # type: ignore[attr-defined]
        ]
        candidates: list[ast.AST] = [call for call in calls if call.func.attr in _WRITE_METHODS]  # type: ignore[attr-defined]
        # ``_store`` reads only a single subscript target.
        candidates += [
            node
            for node in scope.of(ast.Assign)
            if len(node.targets) == 1 and node.targets[0].__class__ is ast.Subscript  # type: ignore[attr-defined]
        ]
        if not candidates:
            return
        known: dict[int, CacheCall | None] = {}

        def cache_call_of(call: ast.Call) -> CacheCall | None:
            # A write's key is compared with every keyed call's: each is classified once.
            key = id(call)
            if key not in known:
                known[key] = cache_call(call, checker)
            return known[key]

        for node in candidates:
            store = _store(node, function, calls, cache_call_of, checker)
            if store is None:
                continue
            key, value, keys = store
            reason = _locale_reason(value, function, checker, 0)
            if reason is None:
                override = _translation_override(node, checker)
                if override is None or not _computed(checker, value, function):
                    continue
                reason = "built inside `translation.override`"
            if _key_mentions_language(key, function, checker, 0):
                continue
            message = (
                f"The cached value is {reason}, but the key has no language in it: whichever user "
                "fills this entry decides the language everyone else gets; add the current language to the key"
            )
            # From the store (the call or assignment) to the key: the squiggle starts where the
            # entry is written, even when the key sits on a later line of a long call.
            where = Range(checker.source.start(node), checker.source.end(key))
            checker.report(self, where, message, fix=_key_fix(key, function, keys, checker))

    # Memoized functions ------------------------------------------------------------------

    def _check_decorators(self, function: Function, checker: Checker) -> bool:
        """Reports a memoizing decorator whose key ignores the language; True when the function
        is memoized (its stores are then the decorator's business)."""
        memoizer: ast.expr | None = None
        shared_method: str | None = None
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = checker.qualified_name(target, checker.module_scope)
            if name in LANGUAGE_VARYING_CACHE_DECORATORS:
                return True
            if _varies_on_language_header(decorator, checker):
                return True
            if (
                name in IN_PROCESS_MEMOIZERS
                or name in SHARED_MEMOIZERS
                or (
                    isinstance(target, ast.Name)
                    and target.id in LOCAL_MEMOIZER_NAMES
                    and target.id in checker.module_functions
                )
            ):
                memoizer = decorator
            elif (
                isinstance(target, ast.Attribute)
                and target.attr in SHARED_MEMOIZER_METHODS
                and is_shared_cache(target.value, checker)
            ):
                memoizer = decorator
                shared_method = target.attr
        if memoizer is None:
            return False
        reason = None
        for node in own_nodes_of(checker, function, ast.Return):
            if isinstance(node, ast.Return) and node.value is not None:
                reason = _locale_reason(node.value, function, checker, 0)
                if reason is not None:
                    break
        if reason is None:
            return True
        if any(_mentions_language(name) for name in parameter_names(function)):
            return True
        if isinstance(memoizer, ast.Call):
            for keyword in memoizer.keywords:
                if keyword.arg in ("key_prefix", "make_cache_key", "make_name", "key", "key_builder"):
                    if _key_mentions_language(keyword.value, function, checker, 0):
                        return True
                    if isinstance(keyword.value, ast.Name | ast.Attribute):
                        definition = local_definition(keyword.value, checker, function)
                        if definition is None or _mentions_language(ast.unparse(definition)):
                            return True  # a key function that varies, or one we cannot read
                if keyword.arg == "query_string" and _reads_language_argument(checker, function):
                    return True
        what = f"`@{ast.unparse(memoizer.func if isinstance(memoizer, ast.Call) else memoizer)}`"
        message = (
            f"`{function.name}` returns a value {reason}, but {what} keys it without the language: "
            "the first caller's language is served to every later caller; make the language part of the key"
        )
        fix = _decorator_fix(memoizer, shared_method, checker)
        checker.report(self, memoizer, message, fix=fix)
        return True


# Stores ----------------------------------------------------------------------------------------


def _store(
    node: ast.AST,
    function: Function,
    calls: list[ast.Call],
    cache_call_of: Callable[[ast.Call], CacheCall | None],
    checker: Checker,
) -> tuple[ast.expr, ast.expr, list[ast.expr]] | None:
    """(key, value, every key expression of the same entry in the function) of a cache write;
    ``cache_call_of`` is ``cache_call`` for this function's calls."""
    if isinstance(node, ast.Call):
        found = cache_call_of(node)
        if found is None or found.method not in _WRITE_METHODS or found.key is None or found.value is None:
            return None
        value = found.value
        if found.method == "get_or_set":
            value = _callable_result(value, checker, function)
            if value is None:
                return None
        keys = [found.key]
        for other in calls:
            if other is not node:
                sibling = cache_call_of(other)
                if (
                    sibling is not None
                    and sibling.key is not None
                    and same_expression(sibling.key, found.key)
                ):
                    keys.append(sibling.key)
        return found.key, value, keys
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
        target = node.targets[0]
        container = container_for(target.value, checker, target)
        if container is None or not (
            container.named_cache or fills_on_miss(checker, target.value, function, target.slice)
        ):
            return None
        return target.slice, node.value, []
    return None


def _callable_result(default: ast.expr, checker: Checker, function: Function) -> ast.expr | None:
    if isinstance(default, ast.Lambda):
        return default.body
    if isinstance(default, ast.Name | ast.Attribute):
        definition = local_definition(default, checker, function)
        if definition is not None:
            return ast.Call(func=default, args=[], keywords=[])
    return None


def _translation_override(node: ast.AST, checker: Checker) -> ast.AST | None:
    for ancestor in checker.ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        if isinstance(ancestor, (ast.With, ast.AsyncWith)):
            for item in ancestor.items:
                expression = item.context_expr
                if (
                    isinstance(expression, ast.Call)
                    and checker.qualified_name(expression.func) in LOCALE_CALLS
                ):
                    return ancestor
    return None


def _computed(checker: Checker, value: ast.expr, function: Function, depth: int = 0) -> bool:
    """Whether a value is produced by a call (which may translate), not only assembled from
    attributes and literals."""
    for inner in walk(value):
        if isinstance(inner, ast.Call) and called_name(inner.func) not in ("str", "int", "format", "join"):
            return True
        if (
            isinstance(inner, ast.Name)
            and depth < _MAX_DEPTH
            and any(
                _computed(checker, item, function, depth + 1)
                for item in assignments_in(checker, function, inner.id, before=inner)
            )
        ):
            return True
    return False


def _varies_on_language_header(decorator: ast.expr, checker: Checker) -> bool:
    if not isinstance(decorator, ast.Call):
        return False
    name = called_name(decorator.func) or ""
    if name not in ("vary_on_headers", "vary_on"):
        return False
    return any(
        isinstance(argument, ast.Constant) and str(argument.value).lower() in LOCALE_HEADER_STRINGS
        for argument in decorator.args
    )


def _reads_language_argument(checker: Checker, function: Function) -> bool:
    """``request.args.get("lang")``: with ``query_string=True`` the key has the language."""
    for node in own_nodes_of(checker, function, ast.Constant):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _mentions_language(node.value):
            return True
    return False


# Locale dependence ---------------------------------------------------------------------------------


def _locale_reason(node: ast.AST, function: Function | None, checker: Checker, depth: int) -> str | None:
    """Why a value depends on the user's language (for the message), or None."""
    if depth > _MAX_DEPTH:
        return None
    for inner in walk(node):
        kind = inner.__class__
        if kind is ast.Call:
            reason = _call_reason(inner, function, checker, depth)  # type: ignore[arg-type]
            if reason is not None:
                return reason
        elif kind is ast.Attribute:
            if inner.attr not in LOCALE_ATTRIBUTES:  # type: ignore[attr-defined]
                continue
            if (last_identifier(inner.value) or "").lower() in SETTINGS_RECEIVERS:  # type: ignore[attr-defined]
                continue
            return f"derived from `{ast.unparse(inner)}`"
        elif kind is ast.Constant:
            if inner.value.__class__ is str and inner.value.lower() in LOCALE_HEADER_STRINGS:  # type: ignore[attr-defined]
                return "derived from the Accept-Language header"
        elif kind is ast.Name and inner.ctx.__class__ is ast.Load and function is not None:  # type: ignore[attr-defined]
            assert isinstance(inner, ast.Name)
            values = assignments_in(checker, function, inner.id, before=inner)
            if not values and _reads_entries(inner, node) and inner.id not in parameter_names(function):
                values = [
                    statement.value
                    for statement in checker.module_assignments.get(inner.id, [])
                    if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None
                ]
            for value in values:
                reason = _locale_reason(value, function, checker, depth + 1)
                if reason is not None:
                    return reason
    return None


def _reads_entries(name: ast.Name, whole: ast.AST) -> bool:
    """Whether a module-level mapping's values are used (``LABELS[k]``, ``LABELS.items()``), not
    only its keys (``tuple(LABELS)``)."""
    if name is whole:
        return True
    parent = parent_of(name)
    if isinstance(parent, ast.Subscript) and parent.value is name:
        return True
    return isinstance(parent, ast.Attribute) and parent.attr in ("items", "values", "get")


def _call_reason(call: ast.Call, function: Function | None, checker: Checker, depth: int) -> str | None:
    name = checker.qualified_name(call.func)
    short = called_name(call.func) or ""
    if name in LOCALE_CALLS or _unresolved_locale_call(call, checker):
        return (
            f"translated with `{short}()`"
            if "gettext" in short or short.startswith("_")
            else (f"localized by `{short}()`")
        )
    if name in TEMPLATE_RENDER_CALLS or (
        isinstance(call.func, ast.Attribute) and short in TEMPLATE_RENDER_METHODS
    ):
        if _file_is_translated(checker):
            return f"a template rendered by `{short}()` in the current language"
        return None
    if function is not None and depth < _MAX_DEPTH:
        definition = local_definition(call.func, checker, function)
        if definition is not None and definition is not function:
            for inner in own_nodes_of(checker, definition, ast.Return):
                if isinstance(inner, ast.Return) and inner.value is not None:
                    reason = _locale_reason(inner.value, definition, checker, depth + 1)
                    if reason is not None:
                        return f"built by `{short}()`, {reason}"
    return None


def _unresolved_locale_call(call: ast.Call, checker: Checker) -> bool:
    """``_("Home")`` where ``_`` comes from ``gettext.install()`` or a module alias such as
    ``_ = gettext_lazy``."""
    if not isinstance(call.func, ast.Name) or call.func.id not in LOCALE_CALL_NAMES:
        return False
    identifier = call.func.id
    resolved = checker.resolve_name(identifier, checker.module_scope)
    if resolved is not None:
        return resolved in LOCALE_CALLS
    assignments = checker.module_assignments.get(identifier, [])
    for statement in assignments:
        value = getattr(statement, "value", None)
        if value is not None and checker.qualified_name(value, checker.module_scope) in LOCALE_CALLS:
            return True
    if assignments or identifier in checker.module_functions:
        return False
    return bool(call.args) and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)


def _file_is_translated(checker: Checker) -> bool:
    state = checker.module_scope.state
    known = state.get("pf011_translated")
    if isinstance(known, bool):
        return known
    translated = any(
        module == item or module.startswith(item + ".")
        for module in imported_modules(checker)
        for item in I18N_MODULES
    )
    state["pf011_translated"] = translated
    return translated


# Keys --------------------------------------------------------------------------------------------


def _mentions_language(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in KEY_LANGUAGE_WORDS)


def _key_mentions_language(key: ast.expr, function: Function, checker: Checker, depth: int) -> bool:
    """Whether a key varies with the language — or might, through a helper we cannot read."""
    if depth > _MAX_DEPTH:
        return True
    if _mentions_language(ast.unparse(key)):
        return True
    for inner in walk(key):
        if isinstance(inner, ast.Call):
            if _call_reason(inner, None, checker, depth) is not None and not _is_render(inner, checker):
                return True
            definition = local_definition(inner.func, checker, function)
            if definition is not None:
                if _mentions_language(ast.unparse(definition)):
                    return True
                continue
            if "key" in (called_name(inner.func) or "").lower():
                return True  # a key builder we cannot read (Django's get_cache_key includes the language)
        elif isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
            for value in assignments_in(checker, function, inner.id, before=inner):
                if _key_mentions_language(value, function, checker, depth + 1):
                    return True
    return False


def _is_render(call: ast.Call, checker: Checker) -> bool:
    name = checker.qualified_name(call.func)
    return name in TEMPLATE_RENDER_CALLS or called_name(call.func) in TEMPLATE_RENDER_METHODS


# Fixes ---------------------------------------------------------------------------------------------


def _language_expression(checker: Checker) -> tuple[str, list[Edit]] | None:
    """The current-language expression for this file's framework, with the import it needs."""
    part = _language_key_part(checker)
    if part is None:
        return None
    module, name, expression = part
    bound = checker.resolve_name(name, checker.module_scope)
    if bound == f"{module}.{name}":
        return expression, []
    if bound is not None or name in checker.module_defined:
        return None
    return expression, [import_edit(checker.source, checker.tree, f"from {module} import {name}")]


def _language_key_part(checker: Checker) -> tuple[str, str, str] | None:
    """(module, name, expression) of the first framework in ``LANGUAGE_KEY_PARTS`` the file
    imports: the imports are the file's, so this is worked out once per analysis."""
    state = checker.module_scope.state
    if "pf011_language_part" in state:
        return state["pf011_language_part"]  # type: ignore[return-value]
    imported = imported_modules(checker)
    found: tuple[str, str, str] | None = None
    for framework, module, name, expression in LANGUAGE_KEY_PARTS:
        if any(item == framework or item.startswith(framework + ".") for item in imported):
            found = (module, name, expression)
            break
    state["pf011_language_part"] = found
    return found


def _with_language(key: ast.expr, language: str, checker: Checker) -> str | None:
    text = checker.source.segment(key)
    if "\n" in text or "\r" in text:
        return None
    if isinstance(key, ast.JoinedStr) and text[-1:] in "\"'" and not text.endswith(('"""', "'''")):
        return f"{text[:-1]}:{{{language}}}{text[-1]}"
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and text[:1] in "\"'":
        if text.endswith(('"""', "'''")):
            return None
        escaped = text[1:-1].replace("{", "{{").replace("}", "}}")
        return f"f{text[0]}{escaped}:{{{language}}}{text[0]}"
    if "'" not in text and '"' not in text:
        return f'f"{{{text}}}:{{{language}}}"'
    return f'"{{}}:{{}}".format({text}, {language})'


def _key_fix(key: ast.expr, function: Function, keys: list[ast.expr], checker: Checker) -> Fix | None:
    found = _language_expression(checker)
    if found is None:
        return None
    language, edits = found
    source = checker.source
    targets: list[ast.expr] = []
    if isinstance(key, ast.Name):
        values = assignments_in(checker, function, key.id)
        if len(values) == 1 and key.id not in parameter_names(function):
            targets = [values[0]]
    if not targets:
        if not keys:
            return None
        targets = keys
    for target in targets:
        replacement = _with_language(target, language, checker)
        if replacement is None:
            return None
        edits.append(Edit(source.node_range(target), replacement))
    return Fix(f"Add `{language}` to the cache key", tuple(edits), Applicability.UNSAFE)


def _decorator_fix(decorator: ast.expr, shared_method: str | None, checker: Checker) -> Fix | None:
    if shared_method is None or not isinstance(decorator, ast.Call):
        return None
    found = _language_expression(checker)
    if found is None:
        return None
    language, edits = found
    source = checker.source
    if shared_method == "memoize":
        if call_keyword(decorator, "make_name") is not None:
            return None
        edits.append(
            keyword_insertion_edit(source, decorator, f'make_name=lambda name: f"{{name}}:{{{language}}}"')
        )
        return Fix("Append the current language to the memoized name", tuple(edits), Applicability.UNSAFE)
    existing = call_keyword(decorator, "key_prefix")
    if existing is None:
        request = checker.resolve_name("request", checker.module_scope)
        if request is None and "request" not in checker.module_defined:
            edits.append(import_edit(source, checker.tree, "from flask import request"))
        elif request != "flask.request":
            return None
        edits.append(
            keyword_insertion_edit(
                source, decorator, f'key_prefix=lambda: f"view/{{request.path}}:{{{language}}}"'
            )
        )
    else:
        value = existing.value
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)) or "%s" in value.value:
            return None
        replacement = _with_language(value, language, checker)
        if replacement is None:
            return None
        edits.append(Edit(source.node_range(value), f"lambda: {replacement}"))
    return Fix("Key the cached view by the current language too", tuple(edits), Applicability.UNSAFE)
