"""Label selectors: how controllers, services and kubectl pick objects by label.

Three forms exist, as in ``k8s.io/apimachinery/pkg/labels``:

* the **string form** that ``kubectl get -l`` takes:
  ``env in (dev,prod),tier!=db,!canary`` -> :func:`parse_selector`;
* the **structured form** of Deployments and ReplicaSets
  (``matchLabels`` + ``matchExpressions``) -> :class:`LabelSelector`;
* the **equality-only map** of ReplicationControllers and Services
  (``{app: web}``) -> :func:`selector_from_set`.

All three become a :class:`Selector`: requirements that must all hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .errors import (
    FieldError,
    FieldValidationError,
    LabelSelectorError,
    aggregate,
    forbidden,
    go_value,
    invalid,
    not_supported,
    required,
    unknown_field,
)
from .labels import label_errors
from .validation import is_qualified_name, is_valid_label_value

# Operators, spelled as k8s.io/apimachinery/pkg/selection/operator.go spells them.
EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "=", "==", "!="
IN, NOT_IN = "in", "notin"
EXISTS, DOES_NOT_EXIST = "exists", "!"
GREATER_THAN, LESS_THAN = "gt", "lt"
BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
ALL_OPERATORS = BINARY_OPERATORS + (EXISTS, DOES_NOT_EXIST)

Labels = Mapping[str, str]
_INT64 = re.compile(r"[+-]?[0-9]+")


def _is_int64(text: str) -> bool:
    """Go's strconv.ParseInt(text, 10, 64) succeeds."""
    return bool(_INT64.fullmatch(text)) and -(2**63) <= int(text) < 2**63


def _requirement_errors(key: str, op: str, values: Sequence[str]) -> list[str]:
    """The rules NewRequirement enforces (labels/selector.go), as messages."""
    errs = [f"key: Invalid value: {_q(key)}: {m}" for m in is_qualified_name(key)]
    shown = go_value(list(values))
    if op in (IN, NOT_IN) and not values:
        errs.append(f"values: Invalid value: {shown}: for 'in', 'notin' operators, values set can't be empty")
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS) and len(values) != 1:
        errs.append(f"values: Invalid value: {shown}: exact-match compatibility requires one single value")
    elif op in (EXISTS, DOES_NOT_EXIST) and values:
        errs.append(f"values: Invalid value: {shown}: values set must be empty for exists and does not exist")
    elif op in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(f"values: Invalid value: {shown}: for 'Gt', 'Lt' operators, exactly one value is required")
        errs += [
            f"values[{i}]: Invalid value: {_q(v)}: for 'Gt', 'Lt' operators, the value must be an integer"
            for i, v in enumerate(values)
            if not _is_int64(v)
        ]
    elif op not in ALL_OPERATORS:
        listed = ", ".join(_q(o) for o in ALL_OPERATORS)
        errs.append(f"operator: Unsupported value: {_q(op)}: supported values: {listed}")
    for i, v in enumerate(values):
        errs += [f"values[{i}][{key}]: Invalid value: {_q(v)}: {m}" for m in is_valid_label_value(v)]
    return errs


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Requirement:
    """One condition on one label key, e.g. ``env in (dev,prod)``."""

    key: str
    operator: str
    values: tuple[str, ...] = ()
    _test: Callable[[Labels], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errs = _requirement_errors(self.key, self.operator, self.values)
        if errs:
            raise LabelSelectorError(aggregate(errs))
        object.__setattr__(self, "_test", self._compile())

    def _compile(self) -> Callable[[Labels], bool]:
        """Turn the requirement into one small predicate; matching is the hot path."""
        key, op = self.key, self.operator
        if op in (EQUALS, DOUBLE_EQUALS):
            value = self.values[0]
            return lambda labels: labels.get(key) == value
        if op in (IN, NOT_IN, NOT_EQUALS):
            values = frozenset(self.values)
            if op == IN:  # a missing key gives None, never in the set
                return lambda labels: labels.get(key) in values
            return lambda labels: labels.get(key) not in values
        if op == EXISTS:
            return lambda labels: key in labels
        if op == DOES_NOT_EXIST:
            return lambda labels: key not in labels
        bound = int(self.values[0])
        above = op == GREATER_THAN

        def compare(labels: Labels) -> bool:
            value = labels.get(key)
            if value is None or not _is_int64(value):
                return False  # upstream: no key, or not an integer, never matches
            return int(value) > bound if above else int(value) < bound

        return compare

    def matches(self, labels: Labels) -> bool:
        return self._test(labels)

    def __str__(self) -> str:
        """Upstream's Requirement.String(): values sorted, set operators parenthesised."""
        op = self.operator
        if op == EXISTS:
            return self.key
        if op == DOES_NOT_EXIST:
            return "!" + self.key
        shown = ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            return f"{self.key} {op} ({shown})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        return f"{self.key}{symbol}{shown}"


class Selector:
    """Requirements ANDed together, sorted by key. No requirements selects everything."""

    __slots__ = ("requirements", "_tests", "_pairs")

    def __init__(self, requirements: Sequence[Requirement] = ()) -> None:
        self.requirements: tuple[Requirement, ...] = tuple(sorted(requirements, key=lambda r: r.key))
        self._tests = tuple(r._test for r in self.requirements)
        # The common case, a matchLabels selector (one ``key=value`` per key), is a subset test
        # on the labels' items, done in C: the controllers match every pod on every sync.
        equal = {r.key: r.values[0] for r in self.requirements if r.operator in (EQUALS, DOUBLE_EQUALS)}
        self._pairs = equal.items() if len(equal) == len(self.requirements) else None

    def matches(self, labels: Labels) -> bool:
        if self._pairs is not None:
            return self._pairs <= labels.items()
        for test in self._tests:
            if not test(labels):
                return False
        return True

    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return f"Selector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Selector) and self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash(self.requirements)


# --- the string form ----------------------------------------------------------------

_SPECIAL = set("=!(),><")
_WHITESPACE = set(" \t\r\n")
_KEYWORDS = {"in": IN, "notin": NOT_IN}
_SYMBOLS = {"!=": NOT_EQUALS, "==": DOUBLE_EQUALS, "=": EQUALS, "!": DOES_NOT_EXIST,
            ">": GREATER_THAN, "<": LESS_THAN, "(": "(", ")": ")", ",": ","}
_IDENT, _END = "identifier", "end"


def _lex(text: str) -> list[tuple[str, str]]:
    """Split selector text into (token, literal) pairs, as labels.Lexer does."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _WHITESPACE:
            i += 1
        if i == n:
            tokens.append((_END, ""))
            return tokens
        if text[i] in _SPECIAL:  # longest symbol first: "!=" before "!"
            symbol = text[i : i + 2] if text[i : i + 2] in ("!=", "==") else text[i]
            tokens.append((_SYMBOLS[symbol], symbol))
            i += len(symbol)
            continue
        start = i
        while i < n and text[i] not in _SPECIAL and text[i] not in _WHITESPACE:
            i += 1
        word = text[start:i]
        tokens.append((_KEYWORDS.get(word, _IDENT), word))


class _Parser:
    """Recursive descent over the grammar documented on labels.Parse."""

    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.pos = 0

    def peek(self, values: bool = True) -> tuple[str, str]:
        return self._token(self.tokens[self.pos], values)

    def take(self, values: bool = True) -> tuple[str, str]:
        self.pos += 1
        return self._token(self.tokens[self.pos - 1], values)

    @staticmethod
    def _token(item: tuple[str, str], values: bool) -> tuple[str, str]:
        # 'in' and 'notin' are ordinary words where a key or value is expected.
        tok, lit = item
        return (_IDENT, lit) if values and tok in (IN, NOT_IN) else (tok, lit)

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            tok, lit = self.peek()
            if tok == _END:
                return requirements
            if tok not in (_IDENT, DOES_NOT_EXIST):
                raise LabelSelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self.requirement())
            except LabelSelectorError as err:
                raise LabelSelectorError(f"unable to parse requirement: {err}") from None
            tok, lit = self.take()
            if tok == _END:
                return requirements
            if tok != ",":
                raise LabelSelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            tok, lit = self.peek()
            if tok not in (_IDENT, DOES_NOT_EXIST):
                raise LabelSelectorError(f"found '{lit}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        tok, key = self.take()
        negated = tok == DOES_NOT_EXIST
        if negated:
            tok, key = self.take()
        if tok != _IDENT:
            raise LabelSelectorError(f"found '{key}', expected: identifier")
        key_errors = is_qualified_name(key)
        if key_errors:
            raise LabelSelectorError(f"Invalid value: {_q(key)}: {'; '.join(key_errors)}")
        if negated:
            return Requirement(key, DOES_NOT_EXIST)
        if self.peek()[0] in (_END, ","):
            return Requirement(key, EXISTS)
        tok, lit = self.take(values=False)
        if tok not in BINARY_OPERATORS:
            raise LabelSelectorError(f"found '{lit}', expected: {', '.join(BINARY_OPERATORS)}")
        values = self.value_set() if tok in (IN, NOT_IN) else self.exact_value()
        return Requirement(key, tok, tuple(sorted(values)))

    def exact_value(self) -> set[str]:
        if self.peek()[0] in (_END, ","):
            return {""}  # "env=" selects an empty value
        tok, lit = self.take()
        if tok != _IDENT:
            raise LabelSelectorError(f"found '{lit}', expected: identifier")
        return {lit}

    def value_set(self) -> set[str]:
        tok, lit = self.take()
        if tok != "(":
            raise LabelSelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.peek()
        if tok == ")":  # upstream reads "()" as the set holding one empty value
            self.take()
            return {""}
        if tok not in (_IDENT, ","):
            raise LabelSelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self.value_list()
        if self.take()[0] != ")":
            raise LabelSelectorError(f"found '{lit}', expected: ')'")
        return values

    def value_list(self) -> set[str]:
        """Comma-separated values; empty places (``(a,,b)``, ``(,a)``, ``(a,,)``) are empty strings.

        As parseIdentifiersList (apimachinery labels/selector.go): a comma followed by
        another comma adds "" and leaves that comma to be read next, so any run of commas
        is valid.
        """
        values: set[str] = set()
        while True:
            tok, lit = self.take()
            if tok == _IDENT:
                values.add(lit)
                following, flit = self.peek()
                if following == ")":
                    return values
                if following != ",":
                    raise LabelSelectorError(f"found '{flit}', expected: ',' or ')'")
            elif tok == ",":
                if not values:
                    values.add("")
                following = self.peek()[0]
                if following == ")":
                    values.add("")
                    return values
                if following == ",":
                    values.add("")
            else:
                raise LabelSelectorError(f"found '{lit}', expected: ',', or identifier")


def parse_selector(text: str) -> Selector:
    """Parse kubectl's ``-l`` syntax; raise LabelSelectorError naming the bad token."""
    if not isinstance(text, str):
        raise LabelSelectorError(f"a label selector must be a string, not {type(text).__name__}")
    return Selector(_Parser(text).parse())


# --- the equality-only map ------------------------------------------------------------

def equality_selector_errors(selector: Any, field: str = "spec.selector") -> list[FieldError]:
    """Check a ReplicationController/Service selector: a plain map of label to value."""
    structured = sorted({"matchLabels", "matchExpressions"} & set(selector or {}))
    if isinstance(selector, Mapping) and structured:
        return [invalid(field, structured[-1],
                        "this selector is a plain map of labels (equality-based only); "
                        "matchLabels/matchExpressions need a ReplicaSet or Deployment")]
    return label_errors(selector, field)


def selector_from_set(labels: Mapping[str, str] | None) -> Selector:
    """The selector a label map means: every key equal to its value (empty map: everything)."""
    errors = equality_selector_errors(labels, "selector")
    if errors:
        raise FieldValidationError(errors)
    return Selector([Requirement(k, EQUALS, (v,)) for k, v in (labels or {}).items()])


# --- the structured form (metav1.LabelSelector) ---------------------------------------

_STRUCTURED_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}
_STRING_TO_STRUCTURED = {IN: "In", NOT_IN: "NotIn", EXISTS: "Exists", DOES_NOT_EXIST: "DoesNotExist"}


def _unknown_fields(data: Mapping[str, Any], allowed: Sequence[str], field: str) -> list[FieldError]:
    return [unknown_field(f"{field}.{k}") for k in data if k not in allowed]


def label_selector_errors(selector: Any, field: str = "spec.selector") -> list[FieldError]:
    """Check a matchLabels/matchExpressions selector as ValidateLabelSelector does."""
    if selector is None:
        return []
    if not isinstance(selector, Mapping):
        return [invalid(field, _short_any(selector), "must be an object with matchLabels and/or matchExpressions")]
    errors = _unknown_fields(selector, ("matchLabels", "matchExpressions"), field)
    errors += label_errors(selector.get("matchLabels"), f"{field}.matchLabels")
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        return errors + [invalid(f"{field}.matchExpressions", _short_any(expressions), "must be a list")]
    for i, expr in enumerate(expressions):
        errors += _expression_errors(expr, f"{field}.matchExpressions[{i}]")
    return errors


def _short_any(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _expression_errors(expr: Any, path: str) -> list[FieldError]:
    if not isinstance(expr, Mapping):
        return [invalid(path, _short_any(expr), "must be an object with key, operator and values")]
    errors: list[FieldError] = []
    op, values = expr.get("operator"), expr.get("values") or []
    if op in ("In", "NotIn"):
        if not values:
            errors.append(required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errors.append(forbidden(f"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif op is None:
        errors.append(required(f"{path}.operator"))
    else:
        errors.append(not_supported(f"{path}.operator", op, _STRUCTURED_OPERATORS))
    key = expr.get("key")
    if not isinstance(key, str) or not key:
        errors.append(required(f"{path}.key"))
    else:
        errors += [invalid(f"{path}.key", key, m) for m in is_qualified_name(key)]
    if not isinstance(values, list):
        return errors + [invalid(f"{path}.values", _short_any(values), "must be a list of strings")]
    for j, value in enumerate(values):
        if not isinstance(value, str):
            errors.append(invalid(f"{path}.values[{j}]", value, 'must be a string (quote it in YAML, e.g. "1")'))
        else:
            errors += [invalid(f"{path}.values[{j}]", value, m) for m in is_valid_label_value(value)]
    return errors + _unknown_fields(expr, ("key", "operator", "values"), path)


@dataclass(frozen=True)
class LabelSelector:
    """metav1.LabelSelector: ``matchLabels`` and ``matchExpressions``, ANDed.

    An empty LabelSelector selects everything (LabelSelectorAsSelector).
    """

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    selector: Selector = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        reqs = [Requirement(k, EQUALS, (v,)) for k, v in self.match_labels]
        reqs += [Requirement(k, _STRUCTURED_OPERATORS[op], vals) for k, op, vals in self.match_expressions]
        object.__setattr__(self, "selector", Selector(reqs))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, field: str = "selector") -> "LabelSelector":
        """Build from a manifest's selector; bad input raises FieldValidationError."""
        errors = label_selector_errors(data if data is not None else {}, field)
        if errors:
            raise FieldValidationError(errors)
        data = data or {}
        labels = tuple(sorted((data.get("matchLabels") or {}).items()))
        exprs = tuple((e["key"], e["operator"], tuple(e.get("values") or ()))
                      for e in data.get("matchExpressions") or ())
        return cls(labels, exprs)

    @classmethod
    def from_selector(cls, selector: Selector | str) -> "LabelSelector":
        """The structured form of a string selector (upstream's ParseToLabelSelector)."""
        if isinstance(selector, str):
            selector = parse_selector(selector)
        labels: dict[str, str] = {}
        exprs = []
        for r in selector.requirements:
            if r.operator in (EQUALS, DOUBLE_EQUALS):
                labels[r.key] = r.values[0]
            elif r.operator == NOT_EQUALS:
                exprs.append((r.key, "NotIn", r.values))
            elif r.operator in _STRING_TO_STRUCTURED:
                exprs.append((r.key, _STRING_TO_STRUCTURED[r.operator], r.values))
            else:
                raise LabelSelectorError(f'"{r.operator}" isn\'t supported in label selectors')
        return cls(tuple(sorted(labels.items())), tuple(exprs))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.match_labels:
            out["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            out["matchExpressions"] = [
                {"key": k, "operator": op, **({"values": list(v)} if v else {})}
                for k, op, v in self.match_expressions
            ]
        return out

    def matches(self, labels: Labels) -> bool:
        return self.selector.matches(labels)

    def __str__(self) -> str:
        return str(self.selector)
