"""Small helpers over ``ast`` that several rules need."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from pitfalls.model import Edit, Position, Range
from pitfalls.source import SourceFile


def is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def call_keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((keyword for keyword in call.keywords if keyword.arg == name), None)


def call_argument(call: ast.Call, position: int, name: str | None = None) -> ast.expr | None:
    """The argument passed at ``position`` or by keyword ``name``, if any."""
    if position < len(call.args) and not any(
        isinstance(arg, ast.Starred) for arg in call.args[: position + 1]
    ):
        return call.args[position]
    if name is not None:
        keyword = call_keyword(call, name)
        if keyword is not None:
            return keyword.value
    return None


def last_names(qualified_names: Iterable[str]) -> frozenset[str]:
    """The last part of each dotted name. ``Checker.qualified_name`` of an attribute ends with
    that attribute, so a method call whose attribute is not among them names none of them,
    and its name need not be resolved."""
    return frozenset(name.rsplit(".", 1)[-1] for name in qualified_names)


def is_constant_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def insert_statements_at_body_start(
    source: SourceFile,
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    lines: list[str],
) -> Edit:
    """An edit inserting ``lines`` (unindented) as the first statements of a function's body,
    after its docstring, indented like the body."""
    body = function.body
    first_index = 1 if body and is_docstring(body[0]) and len(body) > 1 else 0
    anchor = body[first_index]
    anchor_start = source.start(anchor)
    newline = source.newline
    def_indent = source.indentation_of_line(function.lineno - 1)
    line_text = source.line(anchor_start.line)
    anchor_on_own_line = line_text[: anchor_start.column].strip() == ""
    if first_index == 0 and is_docstring(anchor) and len(body) == 1:
        # Only a docstring: insert after it.
        indent = source.indentation_of_line(anchor_start.line) if anchor_on_own_line else def_indent + "    "
        end = source.end(anchor)
        text = "".join(newline + indent + line for line in lines)
        return Edit(Range(end, end), text)
    if anchor_on_own_line:
        indent = line_text[: anchor_start.column]
        text = "".join(line + newline + indent for line in lines)
        return Edit(Range(anchor_start, anchor_start), text)
    # The body sits on the ``def`` line (``def f(x=[]): return x``): move it below.
    indent = def_indent + "    "
    text = "".join(newline + indent + line for line in lines) + newline + indent
    return Edit(Range(anchor_start, anchor_start), text)


def keyword_insertion_edit(source: SourceFile, call: ast.Call, text: str) -> Edit:
    """An edit adding ``text`` (such as ``return_exceptions=True``) as the call's last argument."""
    end = source.end(call)
    closing = Position(end.line, end.column - 1)
    arguments = [*call.args, *call.keywords]
    if not arguments:
        return Edit(Range(closing, closing), text)
    last_end = source.end(max(arguments, key=lambda node: (node.end_lineno, node.end_col_offset)))
    between = source.text_in(Range(last_end, closing))
    if "," in between:
        # A trailing comma already separates the last argument: add after it.
        comma_offset = source.offset(last_end) + between.index(",") + 1
        position = source.position_at(comma_offset)
        return Edit(Range(position, position), f" {text},")
    return Edit(Range(last_end, last_end), f", {text}")


def module_import_edit(
    source: SourceFile, tree: ast.Module, imports: dict[str, str], module: str
) -> tuple[str, Edit | None]:
    """The local name under which ``module`` is imported at module level, and None; or, when
    it is not imported, ``module`` and an edit adding ``import module`` at the top of the
    file (after the docstring and ``from __future__`` imports). ``imports`` is the module
    scope's ``local name -> qualified name`` map (``checker.module_scope.imports``)."""
    if imports.get(module) == module:
        return module, None
    for local, qualified in imports.items():
        if qualified == module:
            return local, None
    body = tree.body
    index = 0
    if body and is_docstring(body[0]):
        index = 1
    while (
        index < len(body) and isinstance(body[index], ast.ImportFrom) and body[index].module == "__future__"
    ):
        index += 1
    newline = source.newline
    if index < len(body):
        statement = body[index]
        decorators = getattr(statement, "decorator_list", None)
        line = (decorators[0].lineno if decorators else statement.lineno) - 1
        position = Position(line, 0)
        return module, Edit(Range(position, position), f"import {module}{newline}")
    if body:
        end = source.end(body[-1])
        return module, Edit(Range(end, end), f"{newline}import {module}")
    return module, Edit(Range(Position(0, 0), Position(0, 0)), f"import {module}{newline}")


def call_arguments(call: ast.Call) -> list[ast.expr]:
    """The call's positional and keyword argument values, in that order."""
    return [*call.args, *(keyword.value for keyword in call.keywords)]


def statement_first_line(statement: ast.stmt) -> int:
    """The statement's first line, 1-based: its first decorator's, if it has any."""
    decorators = getattr(statement, "decorator_list", None)
    return decorators[0].lineno if decorators else statement.lineno


def short_text(text: str, limit: int = 40) -> str:
    """Source text for a message: whitespace runs collapsed, cut with "..." past ``limit``."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def called_name(func: ast.expr) -> str | None:
    """The last identifier of what is called, or of a name: ``save`` for ``self.repo.save``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def walk(node: ast.AST) -> list[ast.AST]:
    """``ast.walk(node)`` as a list, in the same breadth-first order, without the expression
    contexts and operators (``Load``, ``Add``, ``Eq``...), which have no fields of their own.

    Faster than ``ast.walk``, whose two generators per node dominate the rules that look into
    a statement's expressions: only the fields that can hold nodes are read."""
    found = [node]
    fields_of = _CHILD_FIELDS
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        fields = fields_of.get(current.__class__, _UNKNOWN)
        if fields is _UNKNOWN:
            fields = child_fields(current.__class__)
        if fields is None:
            found.extend(any_children(current))
            continue
        for name in fields:
            value = getattr(current, name, None)
            if value is None:
                continue
            if value.__class__ is list:
                if None in value:  # ``{**other}`` keys, keyword-only arguments without a default
                    found.extend(child for child in value if child is not None)
                else:
                    found.extend(value)
            else:
                found.append(value)
    return found


def children(node: ast.AST) -> list[ast.AST]:
    """The node's children in ``ast.iter_child_nodes`` order, without the expression contexts
    and operators: only the fields that can hold nodes are read, several times faster than
    ``ast.iter_child_nodes``."""
    fields = _CHILD_FIELDS.get(node.__class__, _UNKNOWN)
    if fields is _UNKNOWN:
        fields = child_fields(node.__class__)
    if fields is None:
        return list(any_children(node))
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if value is None:
            continue
        if value.__class__ is list:
            found.extend([child for child in value if child is not None])
        else:
            found.append(value)
    return found


def child_fields(node_type: type[ast.AST]) -> tuple[str, ...] | None:
    """The fields of a node type that can hold nodes (not plain values, contexts or
    operators), in declaration order, from the ASDL signature CPython puts in each node
    class's docstring (``Compare(expr left, cmpop* ops, expr* comparators)``); None when it
    does not describe the fields."""
    known = _CHILD_FIELDS.get(node_type, _UNKNOWN)
    if known is not _UNKNOWN:
        return known
    fields = tuple(node_type._fields)
    match = _FIELD_SIGNATURE.match((node_type.__doc__ or "").strip().split("\n")[0])
    declared = [part.split() for part in match.group(1).split(",")] if match and match.group(1) else []
    wanted: tuple[str, ...] | None = None
    if len(declared) == len(fields) and all(
        len(part) == 2 and part[1] == name for part, name in zip(declared, fields, strict=True)
    ):
        wanted = tuple(name for kind, name in declared if kind.rstrip("*?") not in _LEAF_FIELD_TYPES)
    _CHILD_FIELDS[node_type] = wanted
    return wanted


def any_children(node: ast.AST) -> tuple[ast.AST, ...]:
    """The children of a node whose type's fields are not described: every node in its
    fields but the contexts and operators."""
    return tuple(child for child in ast.iter_child_nodes(node) if not isinstance(child, _LEAF_TYPES))


_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...] | None] = {}
_UNKNOWN = ("",)
_LEAF_TYPES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
_LEAF_FIELD_TYPES = frozenset(
    ("identifier", "int", "string", "constant", "expr_context", "boolop", "operator", "unaryop", "cmpop")
)
_FIELD_SIGNATURE = re.compile(r"^\w+\((.*)\)$")
