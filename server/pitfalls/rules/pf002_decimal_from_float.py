"""PF002 decimal-from-float."""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from pitfalls.astutil import call_argument, last_names, short_text
from pitfalls.dbflow import is_test_code
from pitfalls.engine import FUNCTION_TYPES, Checker
from pitfalls.knowledge.types import (
    DECIMAL_CONSTRUCTORS,
    DECIMAL_FROM_FLOAT,
    FLOAT_ANNOTATIONS,
    FLOAT_RETURNING_CALLS,
    FLOAT_RETURNING_METHODS,
    FLOAT_TYPE_NAMES,
    INT_RETURNING_CALLS,
    NON_FINITE_FLOAT_STRINGS,
    NOT_FLOAT_CALLS,
    PARAMETRIZE_DECORATORS,
    PLAIN_NUMBER_TYPE_NAMES,
)
from pitfalls.model import Applicability, Edit, Finding, Fix, Range, Severity, TypeQuestion
from pitfalls.rules.base import Rule, RuleDoc, Video

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Mod, ast.Pow, ast.FloorDiv)
_MAX_DEPTH = 12


class DecimalFromFloat(Rule):
    code = "PF002"
    slug = "decimal-from-float"
    summary = "`Decimal` built from a float keeps the float's binary error"
    severity = Severity.WARNING
    has_fix = True
    suppressed_by = ("RUF032",)
    triggers = ("Decimal",)
    video = Video("Why is this Python price rounding wrong?", "https://www.youtube.com/watch?v=wrkMRPbp91g")
    doc = RuleDoc(
        what_it_does="""\
Finds `Decimal(...)` and `Decimal.from_float(...)` (however `Decimal` is imported) whose
argument is a float: a float literal, `float(...)`, a true division `/`, arithmetic
with a float, a name annotated or assigned as a float, or a call known to return one
(`time.time()`, `math.sqrt()`, `timedelta.total_seconds()`). A value that comes from
another module (a constant, an attribute, what a function returns) is followed there by
static type inference, which never imports or runs the project. Arguments whose type is
still unknown are left alone. A literal binary holds exactly (`2.0`, `0.25`) is reported
too, with a message that says it is exact: it drifts as soon as someone edits it to `2.1`.

In test code (test files, `test_*` functions, fixtures, test classes) only what the file
itself shows is reported. There a value from elsewhere is mostly a pytest fixture, which
inference resolves by reading every conftest and fixture module, and what it finds is the
test's expected value, not money the program moves.""",
        why_it_bites="""\
`0.1` cannot be stored exactly in binary floating point. `Decimal(0.1)` faithfully copies
the float's error: `Decimal('0.1000000000000000055511151231257827021181583404541015625')`.
Money code that converts through a float rounds half-cents the wrong way, invoices are off
by a cent, and reconciliation totals drift from the ledger. The bug hides in tests that use
round numbers and shows up in production on prices such as 2.675.""",
        example="""\
```python
from decimal import Decimal

def line_total(unit_price: float, quantity: int) -> Decimal:
    return (Decimal(unit_price) * quantity).quantize(Decimal("0.01"))

VAT = Decimal(0.2)
```""",
        use_instead="""\
```python
from decimal import Decimal

def line_total(unit_price: str, quantity: int) -> Decimal:
    return (Decimal(unit_price) * quantity).quantize(Decimal("0.01"))

VAT = Decimal("0.2")
```

Keep money as `Decimal` (or integer cents) from the moment it enters the program: parse
strings from requests and databases directly, never through `float`.""",
        fix_safety="""\
Replacing a float literal by the string of the same digits (`Decimal(0.1)` becomes
`Decimal("0.1")`) is safe: it gives the value the author wrote. Wrapping another float
expression in `str(...)` is unsafe: `str()` rounds the float to its shortest repr, which
is usually what was meant but is a different number than before.""",
    )
    node_types: ClassVar = (ast.Call,)

    def visit(self, node: ast.AST, checker: Checker) -> None:
        assert isinstance(node, ast.Call)
        name = checker.callee_name(node, _DECIMAL_NAMES)
        if name in DECIMAL_CONSTRUCTORS:
            argument = call_argument(node, 0, "value")
            from_float = False
        elif name in DECIMAL_FROM_FLOAT:
            argument = call_argument(node, 0, "f")
            from_float = True
        else:
            return
        if argument is None:
            return
        undecided: list[ast.expr] = []
        reason = float_reason(argument, checker, 0, undecided)
        if reason is None and from_float and not _is_int_literal(argument):
            reason = "a value passed to `Decimal.from_float`"
        if reason is None:
            if is_test_code(checker, checker.scope):
                return
            if undecided and isinstance(undecided[0], _INFERABLE):
                if not _from_parametrize(undecided[0], checker):
                    payload = self._payload(node, argument, from_float, checker)
                    payload["accept"] = "number"
                    checker.ask_type(self, undecided[0], payload)
            elif (
                isinstance(argument, _INFERABLE)
                and not _known_not_float(argument, checker)
                and not _from_parametrize(argument, checker)
            ):
                checker.ask_type(self, argument, self._payload(node, argument, from_float, checker))
            return
        if _exact_float_literal(argument, checker):
            # Saying this one drifts would be false, and users would learn to ignore the rule.
            message = (
                f"`Decimal` built from {reason}: this value happens to be exact in binary, but "
                "most are not (0.1 is not), so the literal is one edit away from rounding "
                "error; build it from a string"
            )
        else:
            message = (
                f"`Decimal` built from {reason}: it keeps the float's binary rounding error, "
                "so sums drift and rounding goes the wrong way; build it from a string"
            )
        checker.report(self, node, message, fix=self._fix(node, argument, from_float, checker))

    @staticmethod
    def _payload(call: ast.Call, argument: ast.expr, from_float: bool, checker: Checker) -> dict[str, object]:
        fix = DecimalFromFloat._fix(call, argument, from_float, checker)
        edit = fix.edits[0]
        return {
            "call": _range_list(checker.source.node_range(call)),
            "argument": short_text(checker.source.segment(argument)),
            "edit": [_range_list(edit.range), edit.content],
        }

    def moved_question(
        self, question: TypeQuestion, move: Callable[[Range], Range | None]
    ) -> TypeQuestion | None:
        moved = super().moved_question(question, move)
        call = move(Range.of(*question.payload["call"]))
        edit_range, content = question.payload["edit"]
        edit = move(Range.of(*edit_range))
        if moved is None or call is None or edit is None:
            return None
        payload = {**question.payload, "call": _range_list(call), "edit": [_range_list(edit), content]}
        return TypeQuestion(moved.code, moved.position, moved.is_call, payload)

    def answer(self, question: TypeQuestion, type_names: frozenset[str]) -> Finding | None:
        payload = question.payload
        # Typeshed's protocols and None are what inference adds for generic helpers such as sum().
        concrete = {
            name for name in type_names if name != "builtins.NoneType" and not name.startswith("_typeshed.")
        }
        if payload.get("accept") == "number":
            # A true division is a float when inference shows its other operand is a plain
            # number too. Unknown is no evidence: in money code it is most often a Decimal
            # (a model field, `Money.amount`) and the division exact.
            if not concrete or not concrete <= PLAIN_NUMBER_TYPE_NAMES:
                return None
        elif not concrete or not concrete <= FLOAT_TYPE_NAMES:
            return None
        edit_range, content = payload["edit"]
        fix = Fix(
            "Convert the float with `str()` first",
            (Edit(Range.of(*edit_range), content),),
            Applicability.UNSAFE,
        )
        if payload.get("accept") == "number":
            what = "a true division, which yields a float"
        else:
            what = "a float (by type inference)"
        message = (
            f"`Decimal` built from `{payload['argument']}`, {what}: it keeps the float's binary "
            "rounding error, so sums drift and rounding goes the wrong way; build it from a string"
        )
        return Finding(self.code, message, Range.of(*payload["call"]), self.severity, fix)

    @staticmethod
    def _fix(call: ast.Call, argument: ast.expr, from_float: bool, checker: Checker) -> Fix:
        source = checker.source
        constructor = source.segment(call.func.value) if from_float else None  # type: ignore[attr-defined]
        literal = _float_literal_text(argument, checker)
        if literal is not None:
            replacement = f'"{literal}"'
            applicability = Applicability.SAFE
            message = f"Build the Decimal from the string {replacement}"
        else:
            replacement = f"str({source.segment(argument)})"
            applicability = Applicability.UNSAFE
            message = "Convert the float with `str()` first"
        if from_float:
            return Fix(
                message, (Edit(source.node_range(call), f"{constructor}({replacement})"),), applicability
            )
        return Fix(message, (Edit(source.node_range(argument), replacement),), applicability)


_DECIMAL_NAMES = last_names((*DECIMAL_CONSTRUCTORS, *DECIMAL_FROM_FLOAT))


_INFERABLE = (ast.Name, ast.Attribute, ast.Call, ast.Subscript)


def _known_not_float(node: ast.expr, checker: Checker) -> bool:
    """Arguments that are plainly not floats, not worth asking inference about."""
    if isinstance(node, ast.Call):
        name = checker.qualified_name(node.func)
        # float(...) was judged by the fast pass already (float("inf") is exact).
        return name in NOT_FLOAT_CALLS or name in DECIMAL_CONSTRUCTORS or name == "builtins.float"
    return False


def _from_parametrize(expression: ast.expr, checker: Checker) -> bool:
    """Whether ``expression`` is, or is an attribute or item of, a parameter that
    ``pytest.mark.parametrize`` fills in. Inference cannot see those values (jedi looks for
    a fixture of that name, across every conftest and plugin, and finds none), so asking it
    only costs time."""
    root = expression
    while isinstance(root, (ast.Attribute, ast.Subscript)):
        root = root.value
    scope = checker.scope
    if not isinstance(root, ast.Name) or not isinstance(scope.node, FUNCTION_TYPES):
        return False
    assignments, bound_otherwise = scope.binding_index()
    if root.id in assignments or root.id in bound_otherwise:
        return False
    arguments = scope.node.args
    if not any(
        argument.arg == root.id and argument.annotation is None
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
    ):
        return False
    decorators = list(scope.node.decorator_list)
    if scope.parent is not None and isinstance(scope.parent.node, ast.ClassDef):
        decorators += scope.parent.node.decorator_list
    return any(root.id in _parametrized_names(decorator, checker) for decorator in decorators)


def _parametrized_names(decorator: ast.expr, checker: Checker) -> set[str]:
    if (
        not isinstance(decorator, ast.Call)
        or checker.qualified_name(decorator.func) not in PARAMETRIZE_DECORATORS
    ):
        return set()
    names = call_argument(decorator, 0, "argnames")
    if isinstance(names, ast.Constant) and isinstance(names.value, str):
        return {name.strip() for name in names.value.split(",")}
    if isinstance(names, (ast.Tuple, ast.List)):
        return {
            element.value
            for element in names.elts
            if isinstance(element, ast.Constant) and isinstance(element.value, str)
        }
    return set()


def _range_list(range_: Range) -> list[int]:
    return [range_.start.line, range_.start.column, range_.end.line, range_.end.column]


def _is_int_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


def _float_literal_text(node: ast.expr, checker: Checker) -> str | None:
    sign = ""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = "-" if isinstance(node.op, ast.USub) else ""
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is float:
        text = checker.source.segment(node)
        if "\n" in text or not text:
            return None
        return sign + text
    return None


def _exact_float_literal(node: ast.expr, checker: Checker) -> bool:
    """A float literal, maybe signed, whose value is exactly what its digits say (``2.0``,
    ``0.25``), so ``Decimal`` of it equals ``Decimal`` of its text."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if not isinstance(node, ast.Constant) or type(node.value) is not float:
        return False
    text = checker.source.segment(node)
    try:
        return text is not None and Decimal(node.value) == Decimal(text.replace("_", ""))
    except ArithmeticError:  # digits Decimal cannot read
        return False


def float_reason(
    node: ast.expr, checker: Checker, depth: int, undecided: list[ast.expr] | None = None
) -> str | None:
    """Why ``node`` is a float (for the message), or None when it is not known to be one.

    A top-level true division with one operand of unknown type adds that operand to
    ``undecided``: cross-module inference may still show it is a plain number."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Constant):
        if type(node.value) is float:
            return f"the float literal `{checker.source.segment(node)}`"
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        if isinstance(node.operand, ast.Constant):
            inner = float_reason(node.operand, checker, depth + 1)
            return f"the float literal `{checker.source.segment(node)}`" if inner else None
        return float_reason(node.operand, checker, depth + 1)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Div):
            if _is_decimal_like(node.left, checker, depth) or _is_decimal_like(node.right, checker, depth):
                return None
            # Decimal / int is a Decimal: only a division of plain numbers yields a float.
            unknown = [
                operand
                for operand in (node.left, node.right)
                if not _is_plain_number(operand, checker, depth + 1)
            ]
            reason = f"the true division `{short_text(checker.source.segment(node))}`, which yields a float"
            if not unknown:
                return reason
            if undecided is None or depth > 0:
                return None
            if all(isinstance(operand, _INFERABLE) for operand in unknown):
                # Type inference decides: a Decimal operand keeps the division exact.
                undecided.append(unknown[0])
                return None
            return reason
        if isinstance(node.op, ast.Mod) and _is_string(node.left):
            return None  # `"%s" % price` formats: the result is a string
        if isinstance(node.op, _ARITHMETIC):
            for operand in (node.left, node.right):
                if float_reason(operand, checker, depth + 1) is not None:
                    if _is_decimal_like(node.left, checker, depth) or _is_decimal_like(
                        node.right, checker, depth
                    ):
                        return None
                    return f"`{short_text(checker.source.segment(node))}`, arithmetic with a float"
        return None
    if isinstance(node, ast.IfExp):
        body = float_reason(node.body, checker, depth + 1)
        orelse = float_reason(node.orelse, checker, depth + 1)
        if body and (orelse or _is_int_literal(node.orelse)):
            return body
        if orelse and _is_int_literal(node.body):
            return orelse
        return None
    if isinstance(node, ast.Call):
        return _call_reason(node, checker)
    if isinstance(node, ast.Name):
        return _name_reason(node, checker, depth)
    return None


def _is_string(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _is_string(node.left)


def _call_reason(node: ast.Call, checker: Checker) -> str | None:
    name = checker.qualified_name(node.func)
    if name == "builtins.float":
        first = node.args[0] if node.args else None
        if (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and first.value.strip().lower() in NON_FINITE_FLOAT_STRINGS
        ):
            return None
        return f"`{short_text(checker.source.segment(node))}`, a float"
    if name in FLOAT_RETURNING_CALLS:
        return f"`{short_text(checker.source.segment(node))}`, which returns a float"
    if (
        name == "builtins.round"
        and len(node.args) == 2
        and float_reason(node.args[0], checker, 1) is not None
    ):
        return f"`{short_text(checker.source.segment(node))}`, which returns a float"
    if isinstance(node.func, ast.Attribute) and node.func.attr in FLOAT_RETURNING_METHODS and not node.args:
        return f"`{short_text(checker.source.segment(node))}`, which returns a float"
    if isinstance(node.func, ast.Name):
        annotation = checker.module_function_returns(node.func.id)
        if annotation is not None and _is_float_annotation(annotation, checker):
            return f"`{short_text(checker.source.segment(node))}`, annotated to return a float"
    return None


def _name_reason(node: ast.Name, checker: Checker, depth: int) -> str | None:
    """A name is a float when it is a parameter annotated ``float`` or when every assignment
    to it seen in its scope gives a float."""
    binding = checker.name_binding(node)
    if binding is None:
        return None
    annotation, values = binding
    if annotation is not None:
        if _is_float_annotation(annotation, checker):
            return f"`{node.id}`, annotated as a float"
        return None
    if not values:
        return None
    reasons = [float_reason(value, checker, depth + 1) for value in values]
    if all(reason is not None for reason in reasons):
        return f"`{node.id}`, assigned a float"
    return None


def _is_plain_number(node: ast.expr, checker: Checker, depth: int) -> bool:
    """An int or a float (not a Decimal or Fraction), as far as this file shows."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_plain_number(node.operand, checker, depth + 1)
    if isinstance(node, ast.BinOp):
        return _is_plain_number(node.left, checker, depth + 1) and _is_plain_number(
            node.right, checker, depth + 1
        )
    if float_reason(node, checker, depth + 1) is not None:
        return True
    if isinstance(node, ast.Call):
        return checker.qualified_name(node.func) in INT_RETURNING_CALLS
    if isinstance(node, ast.Name):
        binding = checker.name_binding(node)
        if binding is None:
            return False
        annotation, values = binding
        if annotation is not None:
            name = checker.qualified_name(annotation)
            return name in ("builtins.int", "builtins.float") or _is_float_annotation(annotation, checker)
        return bool(values) and all(_is_plain_number(value, checker, depth + 1) for value in values)
    return False


def _is_float_annotation(annotation: ast.expr, checker: Checker) -> bool:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.strip() in FLOAT_ANNOTATIONS
    name = checker.qualified_name(annotation)
    return name in FLOAT_ANNOTATIONS or (isinstance(annotation, ast.Name) and annotation.id == "float")


def _is_decimal_like(node: ast.expr, checker: Checker, depth: int) -> bool:
    """True when an operand is known to be a Decimal, so the arithmetic stays exact."""
    if isinstance(node, ast.Call):
        name = checker.qualified_name(node.func)
        if name in DECIMAL_CONSTRUCTORS or name == "fractions.Fraction":
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr == "quantize":
            return True
    if isinstance(node, ast.BinOp) and depth < _MAX_DEPTH:
        return _is_decimal_like(node.left, checker, depth + 1) or _is_decimal_like(
            node.right, checker, depth + 1
        )
    if isinstance(node, ast.Name) and depth < _MAX_DEPTH:
        binding = checker.name_binding(node)
        if binding is None:
            return False
        annotation, values = binding
        if annotation is not None:
            name = checker.qualified_name(annotation) or (
                annotation.value if isinstance(annotation, ast.Constant) else None
            )
            return isinstance(name, str) and name.rsplit(".", 1)[-1] in ("Decimal", "Fraction")
        return bool(values) and all(_is_decimal_like(value, checker, depth + 1) for value in values)
    return False
