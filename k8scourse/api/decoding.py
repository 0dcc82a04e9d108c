"""Decoding: from manifest text to typed data, as the apiserver reads a request.

Before any validation runs, the apiserver turns YAML into JSON and unmarshals
it into Go structs (``sigs.k8s.io/yaml``, then ``sigs.k8s.io/json``). Two
kinds of mistakes surface there:

* a value of the wrong JSON type stops decoding, in encoding/json's words::

    json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32

* fields the Go struct does not have are collected and, with kubectl's default
  server-side field validation (``--validate=strict``), fail the request::

    strict decoding error: unknown field "spec.replica"

Either way the reply reads ``Deployment in version "v1" cannot be handled as
a Deployment: <error>``. The types below describe each kind's Go structs just
enough to give those answers; a subtree the course never inspects is ``ANY``.
"""

from __future__ import annotations

from typing import Any, Mapping

import yaml

from .errors import K8sValueError

# --- YAML ---------------------------------------------------------------------------

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ManifestLoader(_Loader):  # type: ignore[misc, valid-type]
    """YAML 1.1 as sigs.k8s.io/yaml reads it, but timestamps stay text: metav1.Time parses them."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}


class ManifestSyntaxError(K8sValueError):
    """Text that is not YAML at all."""


def parse_yaml_documents(text: str) -> list[Any]:
    """Every non-empty document of a YAML stream (``---`` separated), as kubectl reads files."""
    try:
        return [doc for doc in yaml.load_all(text, Loader=_ManifestLoader) if doc is not None]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ManifestSyntaxError(f"error converting YAML to JSON: yaml: {where}{problem}") from None


# --- Go types -------------------------------------------------------------------------


class GoType:
    """A Go type a JSON value is unmarshalled into; ``go`` is how errors name it.

    ``exact`` is the Python type that needs no further check (the fast path);
    ``anything`` marks types that accept every value.
    """

    __slots__ = ("go", "zero")
    exact: type | None = None
    anything = False

    def __init__(self, go: str, zero: Any = None) -> None:
        self.go = go
        self.zero = zero  # what a JSON null becomes inside a list or map

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        """Check ``value`` (not None); return it, possibly normalised."""
        return value


class Scalar(GoType):
    """string, bool or a sized integer."""

    __slots__ = ("accepts", "bits", "exact")

    def __init__(self, go: str, accepts: type, bits: int = 0) -> None:
        super().__init__(go, accepts())
        self.accepts, self.bits = accepts, bits
        self.exact = None if bits else accepts  # integers always get their range checked

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not self.bits:
            if not isinstance(value, self.accepts):
                raise _mismatch(value, struct, go_path, self.go)
            return value
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # YAML 3.0 reaches the apiserver as JSON 3
        if isinstance(value, bool) or not isinstance(value, int):
            raise _mismatch(value, struct, go_path, self.go, literal=isinstance(value, float))
        if not -(2 ** (self.bits - 1)) <= value < 2 ** (self.bits - 1):
            raise _mismatch(value, struct, go_path, self.go, literal=True)
        return value


class Struct(GoType):
    """A Go struct: its JSON field names and their types."""

    __slots__ = ("name", "fields")

    def __init__(self, go: str, fields: Mapping[str, GoType]) -> None:
        super().__init__(go)
        self.name = go.rpartition(".")[2]
        self.fields = dict(fields)

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not isinstance(value, dict):
            raise _mismatch(value, struct, go_path, self.go)
        walk.struct(value, self, path, go_path)
        return value


class ListOf(GoType):
    __slots__ = ("item",)

    def __init__(self, item: GoType) -> None:
        super().__init__("[]" + item.go)
        self.item = item

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not isinstance(value, list):
            raise _mismatch(value, struct, go_path, self.go)
        item_type = self.item
        for i, item in enumerate(value):
            if item is None:
                value[i] = item_type.zero
            elif not item_type.anything and type(item) is not item_type.exact:
                value[i] = item_type.decode(item, walk, struct, f"{path}[{i}]", go_path)
        return value


class MapOf(GoType):
    __slots__ = ("value",)

    def __init__(self, value: GoType) -> None:
        super().__init__("map[string]" + value.go)
        self.value = value

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not isinstance(value, dict):
            raise _mismatch(value, struct, go_path, self.go)
        item_type = self.value
        for key, item in value.items():
            if item is None:
                value[key] = item_type.zero
            elif not item_type.anything and type(item) is not item_type.exact:
                value[key] = item_type.decode(item, walk, struct, f"{path}[{key}]", go_path)
        return value


class Custom(GoType):
    """A type with its own UnmarshalJSON (Quantity, Time, raw JSON): any value decodes here;
    its own rules are checked by validation, which can name the field."""

    __slots__ = ()
    anything = True


class IntOrStringType(GoType):
    """intstr.IntOrString: a JSON string, or a number read as an int32."""

    __slots__ = ()
    exact = str

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        found = f"number {_number_literal(value)}" if isinstance(value, float) else _json_kind(value)
        # IntOrString.UnmarshalJSON decodes non-strings into an int32 on its own: no field named.
        raise _TypeMismatch(f"json: cannot unmarshal {found} into Go value of type int32")


STRING = Scalar("string", str)
BOOL = Scalar("bool", bool)
INT32 = Scalar("int32", int, 32)
INT64 = Scalar("int64", int, 64)
STRINGS = ListOf(STRING)
STRING_MAP = MapOf(STRING)
QUANTITY = Custom("resource.Quantity", "0")
TIME = Custom("v1.Time")
ANY = Custom("runtime.RawExtension")
INT_OR_STRING = IntOrStringType("intstr.IntOrString")


# --- decoding -----------------------------------------------------------------------------


class DecodeError(K8sValueError):
    """The apiserver could not decode the request body into the kind's Go struct."""

    def __init__(self, kind: str, version: str, detail: str) -> None:
        self.kind, self.version, self.detail = kind, version, detail
        super().__init__(f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}')


class _TypeMismatch(Exception):
    def __init__(self, detail: str) -> None:
        self.detail = detail


def _json_kind(value: Any) -> str:
    """How encoding/json names the JSON value it found."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return "array" if isinstance(value, list) else "object"


def _number_literal(value: float | int) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _mismatch(value: Any, struct: str, go_path: str, go_type: str, literal: bool = False) -> _TypeMismatch:
    found = _json_kind(value)
    if literal:  # a number that does not fit an integer type is quoted with its digits
        found = f"number {_number_literal(value)}"
    return _TypeMismatch(f"json: cannot unmarshal {found} into Go struct field {struct}.{go_path} of type {go_type}")


class _Walk:
    """One decoding pass: checks types, drops nulls, collects unknown fields."""

    __slots__ = ("unknown",)

    def __init__(self) -> None:
        self.unknown: list[str] = []

    def struct(self, data: dict, t: Struct, path: str, go_path: str) -> None:
        fields, name = t.fields, t.name
        nulls = []
        for key, value in data.items():  # in document order, as errors are reported
            ftype = fields.get(key)
            if ftype is None:
                self.unknown.append(f"{path}.{key}" if path else key)
                continue
            if ftype.anything or type(value) is ftype.exact:
                continue
            if value is None:  # JSON null leaves the zero value: omitted on output
                nulls.append(key)
            else:
                data[key] = ftype.decode(value, self, name, f"{path}.{key}" if path else key,
                                         f"{go_path}.{key}" if go_path else key)
        for key in nulls:
            del data[key]


def decode(data: dict, t: Struct, kind: str, version: str) -> None:
    """Type-check ``data`` against the kind's struct, in place; raise DecodeError like the apiserver.

    Nulls are dropped (Go leaves zero values) and whole floats become ints.
    A type error wins over unknown fields, as in sigs.k8s.io/json.
    """
    walk = _Walk()
    try:
        walk.struct(data, t, "", "")
    except _TypeMismatch as err:
        raise DecodeError(kind, version, err.detail) from None
    if walk.unknown:
        listed = ", ".join(f'unknown field "{name}"' for name in walk.unknown)
        raise DecodeError(kind, version, f"strict decoding error: {listed}")
