"""Resource quantities: ``100m`` of CPU, ``128Mi`` of memory, ``1e3`` of anything.

Kubernetes never stores a quantity as a floating-point number
(``k8s.io/apimachinery/pkg/api/resource/quantity.go``). A quantity is an exact
decimal that remembers which *format* it was written in:

* ``DecimalSI``: no suffix or one of ``n u m k M G T P E`` (powers of 1000);
* ``BinarySI``: ``Ki Mi Gi Ti Pi Ei`` (powers of 1024);
* ``DecimalExponent``: ``1e3``, ``5E-2``.

Parsing rounds any finer value *up* to a whole nano (``0.9n`` -> ``1n``), so
here a quantity is simply an integer count of nano-units plus its format.
Printing gives upstream's canonical form: the largest suffix of the same
format that keeps the number whole (``0.5`` -> ``500m``, ``1024Mi`` -> ``1Gi``,
``1.5Gi`` -> ``1536Mi``).
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache, total_ordering
from typing import Union

from .errors import K8sValueError

# The three formats of quantity.go.
DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

# The error texts of quantity.go (ErrFormatWrong, ErrNumeric, ErrSuffix).
QUANTITY_PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
FORMAT_ERROR = f"quantities must match the regular expression '{QUANTITY_PATTERN}'"
NUMERIC_ERROR = "unable to parse numeric part of quantity"
SUFFIX_ERROR = "unable to parse quantity's suffix"

# suffix.go: suffix -> power of 10 (decimal) or power of 2 (binary).
DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {e: s for s, e in DECIMAL_SUFFIXES.items()}
_BINARY_BY_POWER = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]  # index: power of 1024

NANO = 10**9
MAX_INT64 = 2**63 - 1  # quantity.go caps a BinarySI value here: "8Ei" parses as 2^63-1
# A course limit, not upstream's: exponents past this would build huge integers.
MAX_EXPONENT = 1000

# parseQuantityString's grammar: sign, digits, optional fraction, then the suffix.
_SCANNER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)")
_EXPONENT = re.compile(r"[+-]?[0-9]+")


class QuantityError(K8sValueError):
    """Text that is not a quantity; the message is upstream's parse error."""


@total_ordering
class Quantity:
    """An exact amount of a resource: ``nanos`` billionths of a unit, in a format.

    Compare, add and subtract quantities as numbers; ``str()`` prints the
    canonical form the apiserver stores and kubectl shows. A quantity never
    changes: parsed ones are cached and shared by every cluster in the process.
    """

    __slots__ = ("nanos", "format")

    def __init__(self, nanos: int = 0, format: str = DECIMAL_SI) -> None:
        object.__setattr__(self, "nanos", nanos)
        object.__setattr__(self, "format", format)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Quantity cannot be changed; make a new one (tried to set {name})")

    @classmethod
    def from_units(cls, value: int, format: str = DECIMAL_SI) -> "Quantity":
        """``Quantity.from_units(4)`` is four whole units (NewQuantity)."""
        return cls(value * NANO, format)

    @classmethod
    def from_milli(cls, value: int) -> "Quantity":
        """``Quantity.from_milli(250)`` is ``250m`` (NewMilliQuantity)."""
        return cls(value * 1_000_000, DECIMAL_SI)

    # -- numbers ------------------------------------------------------------------
    def value(self) -> int:
        """Whole units, rounded up away from zero: ``1500m`` -> 2 (Value())."""
        return _scaled(self.nanos, NANO)

    def milli_value(self) -> int:
        """Thousandths, rounded up away from zero: ``0.5`` -> 500 (MilliValue())."""
        return _scaled(self.nanos, 1_000_000)

    def exact(self) -> Fraction:
        """The exact amount in units, e.g. ``Fraction(1, 2)`` for ``500m``."""
        return Fraction(self.nanos, NANO)

    def sign(self) -> int:
        return (self.nanos > 0) - (self.nanos < 0)

    def round_up(self, scale: int) -> "Quantity":
        """Round away from zero to a multiple of 10**scale (RoundUp; -3 is milli)."""
        step = 10 ** (scale + 9) if scale > -9 else 1
        return Quantity(_scaled(self.nanos, step) * step, self.format)

    def __float__(self) -> float:
        return self.nanos / NANO

    def __bool__(self) -> bool:
        return self.nanos != 0

    # -- arithmetic: a zero quantity takes the other's format (Add, Sub) ---------------
    def __add__(self, other: "Quantity") -> "Quantity":
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.nanos + other.nanos, self.format if self.nanos else other.format)

    def __sub__(self, other: "Quantity") -> "Quantity":
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.nanos - other.nanos, self.format if self.nanos else other.format)

    def __neg__(self) -> "Quantity":
        return Quantity(-self.nanos, self.format)

    def __mul__(self, factor: int) -> "Quantity":
        if not isinstance(factor, int):
            return NotImplemented
        return Quantity(self.nanos * factor, self.format)

    __rmul__ = __mul__

    # -- comparison is by value only, as Quantity.Cmp ---------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quantity) and self.nanos == other.nanos

    def __lt__(self, other: "Quantity") -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos < other.nanos

    def __hash__(self) -> int:
        return hash(self.nanos)

    # -- text -----------------------------------------------------------------------
    def __str__(self) -> str:
        return _canonical(self.nanos, self.format)

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"


def _scaled(nanos: int, unit: int) -> int:
    """nanos / unit rounded away from zero (ScaledValue)."""
    whole, rest = divmod(abs(nanos), unit)
    whole += rest > 0
    return whole if nanos >= 0 else -whole


def _canonical(nanos: int, format: str) -> str:
    """CanonicalizeBytes: no fractional digits, the largest suffix that stays exact."""
    if nanos == 0:
        return "0"
    sign = "-" if nanos < 0 else ""
    magnitude = abs(nanos)
    # BinarySI prints as DecimalSI when it is below 1024 or not a whole number.
    if format == BINARY_SI and magnitude >= 1024 * NANO and magnitude % NANO == 0:
        units, power = magnitude // NANO, 0
        while power < 6 and units % 1024 == 0:
            units //= 1024
            power += 1
        return f"{sign}{units}{_BINARY_BY_POWER[power]}"
    mantissa, exponent = magnitude, -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    shift = exponent % 3  # move the exponent down to a multiple of 3
    mantissa, exponent = mantissa * 10**shift, exponent - shift
    if format in (DECIMAL_SI, BINARY_SI) and exponent in _DECIMAL_BY_EXPONENT:
        suffix = _DECIMAL_BY_EXPONENT[exponent]
    else:  # DecimalExponent (or an unknown format), or beyond "E": "e<n>"
        suffix = f"e{exponent}" if exponent else ""
    return f"{sign}{mantissa}{suffix}"


def _interpret(suffix: str) -> tuple[int, int, str] | None:
    """suffixer.interpret: (base, exponent, format), or None for an unknown suffix."""
    if suffix in DECIMAL_SUFFIXES:
        return 10, DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in BINARY_SUFFIXES:
        return 2, BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _EXPONENT.fullmatch(suffix[1:]):
        return 10, int(suffix[1:]), DECIMAL_EXPONENT
    return None


@lru_cache(maxsize=4096)  # keyed by text alone (1, 1.0 and True would share a key); values are immutable
def _parse(text: str) -> Quantity:
    if not text:
        raise QuantityError(FORMAT_ERROR)
    match = _SCANNER.fullmatch(text)
    if match is None:
        raise QuantityError(FORMAT_ERROR)
    sign, whole, fraction, suffix = match.groups()
    interpreted = _interpret(suffix)
    if interpreted is None:
        raise QuantityError(SUFFIX_ERROR)
    base, exponent, format = interpreted
    if abs(exponent) > MAX_EXPONENT:
        raise QuantityError(NUMERIC_ERROR)
    fraction = fraction or ""
    digits = int((whole or "0") + fraction)
    # value = digits * 10**-len(fraction) * base**exponent, rounded up to a nano.
    if base == 10:
        shift = exponent - len(fraction) + 9
        nanos = digits * 10**shift if shift >= 0 else -(-digits // 10**-shift)
    else:
        nanos = -(-(digits << exponent) * NANO // 10 ** len(fraction))
    if format == BINARY_SI:
        nanos = min(nanos, MAX_INT64 * NANO)
        if 0 < nanos < NANO:  # a fraction of one unit cannot be written in Ki/Mi/...
            format = DECIMAL_SI
    return Quantity(-nanos if sign == "-" else nanos, format)


QuantityLike = Union[str, int, float, Quantity]


def parse_quantity(value: QuantityLike) -> Quantity:
    """Parse ``"100m"``, ``"1.5Gi"``, ``"1e3"``, or a YAML number such as ``0.5``.

    Raises QuantityError with upstream's text for anything else. Like
    ParseQuantity, surrounding spaces are an error; manifests trim them first.
    """
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        # JSON true/false/objects reach ParseQuantity as text and fail its grammar.
        raise QuantityError(FORMAT_ERROR)
    return _parse(value if isinstance(value, str) else repr(value))
