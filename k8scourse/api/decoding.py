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
a Deployment: <error>``. Types with their own UnmarshalJSON answer in their own
words (``resource.Quantity``, ``intstr.IntOrString``, ``metav1.Time``).

Every field of every kind is decoded with its v1.31 Go type. The structs come
from ``schema_v1_31.json``, generated from the v1.31 OpenAPI definitions by
``tools/gen_schema.py``; regenerate it with::

    python tools/gen_schema.py
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import orjson
import yaml

from .errors import K8sValueError
from .quantity import FORMAT_ERROR, QuantityError, parse_quantity
from .rfc3339 import TimeParseError, canonical

# --- YAML ---------------------------------------------------------------------------

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ManifestSyntaxError(K8sValueError):
    """Text that is not YAML at all."""


def _go_float(number: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, ...): shortest digits, an exponent below 1e-4 or from 1e6."""
    if number != number or number in (float("inf"), float("-inf")):
        return "NaN" if number != number else "+Inf" if number > 0 else "-Inf"
    exact = Decimal(repr(number))
    exponent = exact.adjusted() if number else 0
    if -4 <= exponent < 6:
        return format(exact.normalize(), "f")
    mantissa = format(exact.scaleb(-exponent).normalize(), "f")
    return f"{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"


class _ManifestLoader(_Loader):  # type: ignore[misc, valid-type]
    """YAML 1.1 as sigs.k8s.io/yaml reads it: timestamps stay text (metav1.Time parses them), and
    mapping keys become JSON's text keys (``1: a`` is ``"1": a``, ``true: b`` is ``"true": b``)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        self.flatten_mapping(node)  # "<<" merge keys, as SafeConstructor does
        mapping: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:float":  # a key may be .inf: it becomes text
                key = self.construct_yaml_float(key_node)
            else:
                key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                if isinstance(key, bool):
                    key = "true" if key else "false"
                elif isinstance(key, int):
                    key = str(key)
                elif isinstance(key, float):
                    key = _go_float(key)
                    key = {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(key, key)
                else:  # sigs.k8s.io/yaml convertToJSONableObject
                    shown = "<nil>" if key is None else type(key).__name__
                    raise ManifestSyntaxError(f"error converting YAML to JSON: unsupported map key of type: {shown}")
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _finite_float(loader: _ManifestLoader, node: Any) -> float:
    """A YAML float; ``.inf`` and ``.nan`` have no JSON form, so sigs.k8s.io/yaml's json.Marshal fails."""
    number = loader.construct_yaml_float(node)
    if number != number or number in (float("inf"), float("-inf")):
        raise ManifestSyntaxError(f"error converting YAML to JSON: json: unsupported value: {_go_float(number)}")
    return number


_ManifestLoader.add_constructor("tag:yaml.org,2002:float", _finite_float)
_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}


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

    __slots__ = ("go",)
    exact: type | None = None
    anything = False
    null_stays = False  # a struct field set to null is dropped (Go's zero value, omitted on output)

    def __init__(self, go: str) -> None:
        self.go = go

    def zero(self) -> Any:
        """What a JSON null becomes inside a list or map: Go's zero value, a fresh one each time."""
        return None

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        """Check ``value`` (not None); return it, possibly normalised."""
        return value


class Scalar(GoType):
    """string, bool, a sized integer or float64."""

    __slots__ = ("accepts", "bits", "exact")

    def __init__(self, go: str, accepts: type, bits: int = 0) -> None:
        super().__init__(go)
        self.accepts, self.bits = accepts, bits
        self.exact = None if bits else accepts  # integers always get their range checked

    def zero(self) -> Any:
        return self.accepts()

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if self.accepts is float:  # float64 takes any JSON number
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
            return walk.mismatch(value, struct, go_path, self.go)
        if not self.bits:
            if not isinstance(value, self.accepts):
                return walk.mismatch(value, struct, go_path, self.go)
            return value
        number = int(value) if isinstance(value, float) and value.is_integer() else value  # YAML 3.0 is JSON 3
        if isinstance(number, bool) or not isinstance(number, int):
            return walk.mismatch(value, struct, go_path, self.go, literal=isinstance(value, float))
        if not -(2 ** (self.bits - 1)) <= number < 2 ** (self.bits - 1):
            return walk.mismatch(value, struct, go_path, self.go, literal=True)
        return number


class Bytes(Scalar):
    """[]byte: JSON carries it as base64 text (base64.StdEncoding, padded)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("[]uint8", str)
        self.exact = None  # the text is always checked

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not isinstance(value, str):
            return walk.mismatch(value, struct, go_path, self.go)
        offset = base64_error_offset(value.encode("utf-8", "surrogatepass"))
        if offset is not None:  # encoding/json saves base64.CorruptInputError as it is
            walk.save(f"illegal base64 data at input byte {offset}")
        return value


def base64_error_offset(data: bytes) -> int | None:
    """Where base64.StdEncoding.Decode fails on ``data`` (its CorruptInputError), or None.

    Follows decodeQuantum in Go's encoding/base64: quanta of four, newlines
    skipped, "=" padding only at the end, nothing after it.
    """
    si, size = 0, len(data)
    while si < size:
        j = 0
        while j < 4:
            if si == size:
                if j == 0:
                    return None
                return si - j  # a quantum cut short: padding is required
            char = data[si]
            si += 1
            if char in _BASE64_ALPHABET:
                j += 1
                continue
            if char in b"\r\n":
                continue
            if char != ord("=") or j < 2:
                return si - 1
            if j == 2:  # "==" expected: the first is read
                while si < size and data[si] in b"\r\n":
                    si += 1
                if si == size:
                    return size
                if data[si] != ord("="):
                    return si - 1
                si += 1
            while si < size and data[si] in b"\r\n":
                si += 1
            return si if si < size else None  # trailing garbage after the padding
    return None


_BASE64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


class Struct(GoType):
    """A Go struct: its JSON field names and their types (embedded structs' fields inlined)."""

    __slots__ = ("name", "fields")

    def __init__(self, go: str, fields: Mapping[str, GoType]) -> None:
        super().__init__(go)
        self.name = go.rpartition(".")[2]
        self.fields = dict(fields)

    def zero(self) -> dict:
        return {}

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not isinstance(value, dict):
            return walk.mismatch(value, struct, go_path, self.go)
        return walk.struct(value, self, path, go_path)


class ListOf(GoType):
    __slots__ = ("item",)

    def __init__(self, item: GoType) -> None:
        super().__init__("[]" + item.go)
        self.item = item

    def zero(self) -> list:
        return []

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not isinstance(value, list):
            if not isinstance(value, tuple):
                return walk.mismatch(value, struct, go_path, self.go)
            value = list(value)
        item_type = self.item
        for i, item in enumerate(value):
            if item is None:
                value[i] = item_type.zero()
            elif not item_type.anything and type(item) is not item_type.exact:
                value[i] = item_type.decode(item, walk, struct, f"{path}[{i}]", go_path)
        return value


class MapOf(GoType):
    """map[string]T; ``go`` names a named map type instead (``v1.ResourceList``)."""

    __slots__ = ("value",)

    def __init__(self, value: GoType, go: str = "") -> None:
        super().__init__(go or "map[string]" + value.go)
        self.value = value

    def zero(self) -> dict:
        return {}

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not isinstance(value, dict):
            return walk.mismatch(value, struct, go_path, self.go)
        item_type = self.value
        for key, item in value.items():
            if type(key) is not str:  # only from a Python dict: YAML keys are text already
                return self.decode(_string_keys(value), walk, struct, path, go_path)
            if item is None:
                value[key] = item_type.zero()
            elif not item_type.anything and type(item) is not item_type.exact:
                value[key] = item_type.decode(item, walk, struct, f"{path}[{key}]", go_path)
        return value


class Custom(GoType):
    """A type with its own UnmarshalJSON. Its errors stop decoding at once and name no field:
    sigs.k8s.io/json adds the field only to its own UnmarshalTypeErrors."""

    __slots__ = ()


class RawJSON(Custom):
    """runtime.RawExtension, metav1.FieldsV1: keep whatever JSON is there."""

    __slots__ = ()
    anything = True


class QuantityType(Custom):
    """resource.Quantity: UnmarshalJSON hands the JSON text (unquoted) to ParseQuantity.

    Strings and numbers go on to validation, which names the field of a bad one;
    ``true``, ``[...]`` and ``{...}`` can never match the quantity grammar.
    """

    __slots__ = ()
    exact = str

    def zero(self) -> str:
        return "0"

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:  # a Quantity marshals back as its canonical string: a JSON number is never stored
                return str(parse_quantity(value))
            except QuantityError:
                return value
        raise _UnmarshalError(FORMAT_ERROR)


class IntOrStringType(Custom):
    """intstr.IntOrString: a JSON string, or anything else json.Unmarshal'd into its int32."""

    __slots__ = ()
    exact = str

    def zero(self) -> int:
        return 0

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        number = int(value) if isinstance(value, float) and value.is_integer() else value
        if isinstance(number, int) and not isinstance(number, bool) and -(2**31) <= number < 2**31:
            return number
        found = f"number {_number_literal(value)}" if _is_number(value) else _json_kind(value)
        raise _UnmarshalError(f"json: cannot unmarshal {found} into Go value of type int32")


class TimeType(Custom):
    """metav1.Time (RFC 3339, stored to the second) or metav1.MicroTime (to the microsecond), in UTC.

    A zero time is written back as null, so a null in a value field (``lastProbeTime: null``)
    stays; a pointer field (``*v1.Time``, e.g. deletionTimestamp) set to null is left out.
    """

    __slots__ = ("micro", "null_stays")

    def __init__(self, go: str, micro: bool = False) -> None:
        super().__init__(go)
        self.micro = micro
        self.null_stays = not go.startswith("*")

    def decode(self, value: Any, walk: "_Walk", struct: str, path: str, go_path: str) -> Any:
        if not isinstance(value, str):  # json.Unmarshal into a string first
            raise _UnmarshalError(f"json: cannot unmarshal {_json_kind(value)} into Go value of type string")
        try:
            return canonical(value, self.micro)
        except TimeParseError as err:
            raise _UnmarshalError(str(err)) from None


STRING = Scalar("string", str)
BOOL = Scalar("bool", bool)
INT32 = Scalar("int32", int, 32)
INT64 = Scalar("int64", int, 64)
FLOAT64 = Scalar("float64", float)
BYTES = Bytes()
QUANTITY = QuantityType("resource.Quantity")
INT_OR_STRING = IntOrStringType("intstr.IntOrString")
TIME = TimeType("v1.Time")
MICRO_TIME = TimeType("v1.MicroTime", micro=True)
TIME_POINTER = TimeType("*v1.Time")
MICRO_TIME_POINTER = TimeType("*v1.MicroTime", micro=True)
RAW_EXTENSION = RawJSON("runtime.RawExtension")
FIELDS_V1 = RawJSON("v1.FieldsV1")
_NAMED = {t.go: t for t in (STRING, BOOL, INT32, INT64, FLOAT64, BYTES, QUANTITY, INT_OR_STRING, TIME, MICRO_TIME,
                            TIME_POINTER, MICRO_TIME_POINTER, RAW_EXTENSION, FIELDS_V1)}


# --- the v1.31 structs, from the generated schema ----------------------------------------------

SCHEMA_FILE = Path(__file__).with_name("schema_v1_31.json")  # written by tools/gen_schema.py


@lru_cache(maxsize=None)
def _structs() -> dict[str, Struct]:
    """Every struct of schema_v1_31.json, by id (``core.v1.PodSpec``); read once, never changed."""
    table = json.loads(SCHEMA_FILE.read_text())["structs"]
    structs = {sid: Struct(sid.partition(".")[2], {}) for sid in table}  # "core.v1.Pod" -> Go's "v1.Pod"

    def resolve(expr: str) -> GoType:
        if expr.startswith("[]") and expr != "[]uint8":
            return ListOf(resolve(expr[2:]))
        if expr.startswith("map[string]"):
            return MapOf(resolve(expr[len("map[string]"):]))
        if expr == "v1.ResourceList":  # map[ResourceName]resource.Quantity
            return MapOf(QUANTITY, expr)
        return _NAMED.get(expr) or structs[expr]

    for sid, fields in table.items():
        structs[sid].fields.update((name, resolve(expr)) for name, expr in fields.items())
    return structs


def go_struct(sid: str) -> Struct:
    """The v1.31 struct with this id, e.g. ``go_struct("core.v1.PodSpec")``."""
    return _structs()[sid]


class StructOf:
    """A class attribute that is a generated struct, read on first use (``SCHEMA = StructOf("core.v1.Pod")``)."""

    __slots__ = ("sid", "struct")

    def __init__(self, sid: str) -> None:
        self.sid = sid
        self.struct: Struct | None = None

    def __get__(self, instance: Any, owner: type) -> Struct:
        if self.struct is None:
            self.struct = go_struct(self.sid)
        return self.struct


# --- decoding -----------------------------------------------------------------------------


class DecodeError(K8sValueError):
    """The apiserver could not decode the request body into the kind's Go struct."""

    def __init__(self, kind: str, version: str, detail: str) -> None:
        self.kind, self.version, self.detail = kind, version, detail
        super().__init__(f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}')


class _UnmarshalError(Exception):
    """An UnmarshalJSON method failed: decoding stops here."""

    def __init__(self, detail: str) -> None:
        self.detail = detail


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_kind(value: Any) -> str:
    """How encoding/json names the JSON value it found."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return "array" if isinstance(value, (list, tuple)) else "object"


def _number_literal(value: float | int) -> str:
    """The number as JSON text, as encoding/json writes a float64 (``1e+21``, ``0.000001``, ``1.5``)."""
    if not isinstance(value, float):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):  # only from a Python dict
        return _go_float(value)
    if value != 0 and not 1e-6 <= abs(value) < 1e21:
        mantissa, _, exponent = repr(value).partition("e")
        return f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
    return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")


def _json_key(key: Any) -> str:
    """A mapping key as JSON text carries it (what json.dumps does to a Python key)."""
    return key if isinstance(key, str) else json.dumps(key) if isinstance(key, (bool, int, float)) or key is None \
        else str(key)


def _string_keys(data: dict) -> dict:
    """A copy of ``data`` with JSON's text keys."""
    return {_json_key(k): v for k, v in data.items()}


class _Walk:
    """One decoding pass: checks types, drops nulls, collects unknown fields.

    As encoding/json does, the first type mismatch is remembered and decoding
    goes on (a later UnmarshalJSON failure still stops it, and wins).
    """

    __slots__ = ("unknown", "first_mismatch")

    def __init__(self) -> None:
        self.unknown: list[str] = []
        self.first_mismatch: str | None = None

    def save(self, detail: str) -> None:
        """decodeState.saveError: keep the first error, read on."""
        if self.first_mismatch is None:
            self.first_mismatch = detail

    def mismatch(self, value: Any, struct: str, go_path: str, go_type: str, literal: bool = False) -> Any:
        """Remember an UnmarshalTypeError (Go leaves the field at its zero value and reads on)."""
        if self.first_mismatch is None:
            # A number that does not fit an integer type is quoted with its digits.
            found = f"number {_number_literal(value)}" if literal else _json_kind(value)
            self.save(f"json: cannot unmarshal {found} into Go struct field {struct}.{go_path} of type {go_type}")
        return value

    def struct(self, data: dict, t: Struct, path: str, go_path: str) -> dict:
        fields, name = t.fields, t.name
        nulls = []
        unknown = len(self.unknown)
        for key, value in data.items():  # in document order, as errors are reported
            ftype = fields.get(key)
            if ftype is None:
                if type(key) is not str:  # only from a Python dict: YAML keys are text already
                    del self.unknown[unknown:]  # start this struct again, with text keys
                    return self.struct(_string_keys(data), t, path, go_path)
                self.unknown.append(f"{path}.{key}" if path else key)
                continue
            if ftype.anything or type(value) is ftype.exact:
                continue
            if value is None:  # JSON null leaves the zero value: omitted on output
                if not ftype.null_stays:
                    nulls.append(key)
            else:
                data[key] = ftype.decode(value, self, name, f"{path}.{key}" if path else key,
                                         f"{go_path}.{key}" if go_path else key)
        for key in nulls:
            del data[key]
        return data


ABSENT = object()  # a field the stored object does not have (see decode's ``unchanged``)


def same_json(value: Any, decoded: Any) -> bool:
    """Whether ``value`` is, as JSON, exactly ``decoded``: equal, and equal as JSON text, so
    ``true`` is not ``1``, ``1.0`` is not ``1`` and NaN (which orjson writes as null) is nothing.
    Anything orjson will not write as plain JSON (a datetime, a non-text key) is not the same."""
    if value != decoded:
        return False
    try:
        return orjson.dumps(value, option=_PLAIN_JSON) == orjson.dumps(decoded, option=_PLAIN_JSON)
    except TypeError:
        return False


_PLAIN_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS


def decode(data: dict, t: Struct, kind: str, version: str, unchanged: Mapping[str, Any] | None = None) -> None:
    """Type-check ``data`` against the kind's struct, in place; raise DecodeError like the apiserver.

    Nulls are dropped (Go leaves zero values; in a list or map they become the
    zero value) except in time fields that are values, which Go writes back as
    null; whole floats become ints and times are written back in UTC.
    A type error wins over unknown fields, as in sigs.k8s.io/json.

    ``unchanged`` is the stored object an update replaces: a top-level field
    that is that very object's (``meta.manifest_data`` takes a field that is,
    as JSON, exactly the stored one from it) is not walked again. Decoding is
    idempotent, so the result is the same; it only spares a status write
    (most writes) the walk over the whole spec.
    """
    walk = _Walk()
    kept = {}
    if unchanged:
        kept = {key: value for key, value in data.items() if value is unchanged.get(key, ABSENT)}
        for key in kept:
            del data[key]
    try:
        decoded = walk.struct(data, t, "", "")
    except _UnmarshalError as err:
        raise DecodeError(kind, version, err.detail) from None
    if walk.first_mismatch is not None:
        raise DecodeError(kind, version, walk.first_mismatch)
    if walk.unknown:
        listed = ", ".join(f'unknown field "{name}"' for name in walk.unknown)
        raise DecodeError(kind, version, f"strict decoding error: {listed}")
    decoded.update(kept)
    if decoded is not data:  # the top level had non-text keys
        data.clear()
        data.update(decoded)
