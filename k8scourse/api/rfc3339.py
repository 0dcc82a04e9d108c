"""Go's ``time.Parse`` for the two layouts API times use, with Go's error texts.

``metav1.Time`` reads ``2006-01-02T15:04:05Z07:00`` (time.RFC3339) and
``metav1.MicroTime`` reads ``2006-01-02T15:04:05.000000Z07:00``
(apimachinery ``micro_time.go`` RFC3339Micro); both write UTC back. A text
that does not parse fails the request with Go's ``*time.ParseError``::

    parsing time "today" as "2006-01-02T15:04:05Z07:00": cannot parse "today" as "2006"

This follows ``parse`` in Go's ``src/time/format.go`` for just these layout
elements: a 4-digit year, 2-digit month, day, minute and second, a 1- or
2-digit hour, an optional fraction (exactly 6 digits for MicroTime), and
``Z`` or ``±hh:mm``.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

RFC3339 = "2006-01-02T15:04:05Z07:00"
RFC3339_MICRO = "2006-01-02T15:04:05.000000Z07:00"

# Text already in the form the apiserver writes (UTC, "Z"): the common case, checked cheaply.
_WRITTEN = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z")
_WRITTEN_MICRO = re.compile(_WRITTEN.pattern[:-1] + r"\.[0-9]{6}Z")


class TimeParseError(ValueError):
    """time.ParseError: the message is Go's."""


def _quote(text: str) -> str:
    """time's own quote(): non-ASCII and control bytes as \\xNN, quotes and backslashes escaped."""
    out = ['"']
    for char in text:
        if char < " " or char >= "\x80":
            out += [f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass")]
        else:
            out.append("\\" + char if char in '"\\' else char)
    return "".join(out + ['"'])


class _Parse:
    """One time.Parse call: ``rest`` is the text still to read."""

    def __init__(self, layout: str, value: str) -> None:
        self.layout, self.value, self.rest = layout, value, value

    def fail(self, layout_elem: str, value_elem: str, message: str = "") -> TimeParseError:
        if message:
            return TimeParseError(f"parsing time {_quote(self.value)}{message}")
        return TimeParseError(f"parsing time {_quote(self.value)} as {_quote(self.layout)}: "
                              f"cannot parse {_quote(value_elem)} as {_quote(layout_elem)}")

    def literal(self, text: str) -> None:
        """skip(): the layout's literal characters must follow."""
        for char in text:
            if not self.rest.startswith(char):
                raise self.fail(text, self.rest)
            self.rest = self.rest[1:]

    def number(self, elem: str, fixed: bool, low: int, high: int, what: str) -> int:
        """getnum(): two digits (one allowed unless fixed), then the range check."""
        rest = self.rest
        if not rest[:1].isdigit() or not rest[:1].isascii():
            raise self.fail(elem, rest)
        width = 2 if rest[1:2].isdigit() and rest[1:2].isascii() else 1
        if width == 1 and fixed:
            raise self.fail(elem, rest)
        number, self.rest = int(rest[:width]), rest[width:]
        if not low <= number <= high:
            raise self.fail(elem, self.rest, f": {what} out of range")
        return number

    def digits(self, start: int) -> int:
        end = start
        while end < len(self.rest) and "0" <= self.rest[end] <= "9":
            end += 1
        return end


def parse_rfc3339(value: str, micro: bool = False) -> datetime:
    """The UTC instant ``value`` names; TimeParseError with Go's text when it is not one."""
    layout = RFC3339_MICRO if micro else RFC3339
    p = _Parse(layout, value)
    year_text = p.rest[:4]
    if len(year_text) < 4 or not all("0" <= c <= "9" for c in year_text):
        raise p.fail("2006", p.rest)
    year, p.rest = int(year_text), p.rest[4:]
    p.literal("-")
    month = p.number("01", True, 1, 12, "month")
    p.literal("-")
    day = p.number("02", True, 0, 99, "day")
    p.literal("T")
    hour = p.number("15", False, 0, 23, "hour")
    p.literal(":")
    minute = p.number("04", True, 0, 59, "minute")
    p.literal(":")
    second = p.number("05", True, 0, 59, "second")
    micros = 0
    if micro:  # stdFracSecond0: exactly six digits after the point
        fraction = p.rest[:7]
        if len(fraction) < 7 or fraction[0] not in ".," or not all("0" <= c <= "9" for c in fraction[1:]):
            raise p.fail(".000000", p.rest)
        micros, p.rest = int(fraction[1:]), p.rest[7:]
    elif len(p.rest) >= 2 and p.rest[0] in ".," and "0" <= p.rest[1] <= "9":
        end = p.digits(1)  # a fraction the layout does not ask for is accepted
        micros, p.rest = int(p.rest[1:end][:6].ljust(6, "0")), p.rest[end:]
    offset = _zone(p)
    if p.rest:
        raise p.fail("", p.rest, f": extra text: {_quote(p.rest)}")
    if not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:  # year 0 is a leap year, as 2000
        raise p.fail("", p.rest, ": day out of range")
    try:
        return datetime(year, month, day, hour, minute, second, micros, timezone.utc) - offset
    except (ValueError, OverflowError):  # year 0, or an offset past year 1 or 9999: out of Python's range
        raise p.fail("", p.rest, ": year out of range") from None


def _zone(p: _Parse) -> timedelta:
    """stdISO8601ColonTZ: ``Z`` or ``±hh:mm`` (offsets up to 24:60 are accepted, as Go does)."""
    rest = p.rest
    if rest.startswith("Z"):
        p.rest = rest[1:]
        return timedelta(0)
    if len(rest) < 6 or rest[3] != ":" or not all("0" <= c <= "9" for c in rest[1:3] + rest[4:6]) \
            or rest[0] not in "+-":
        raise p.fail("Z07:00", rest)
    hours, minutes = int(rest[1:3]), int(rest[4:6])
    p.rest = rest[6:]
    if minutes > 60 or hours > 24:
        raise p.fail("Z07:00", p.rest, f": time zone offset {'minute' if minutes > 60 else 'hour'} out of range")
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if rest[0] == "-" else offset


def canonical(value: str, micro: bool = False) -> str:
    """``value`` as metav1.Time (or MicroTime) stores it after a round trip: parsed, then written in UTC."""
    written = (_WRITTEN_MICRO if micro else _WRITTEN).fullmatch(value)
    if written and (value[8:10] <= "28" or int(value[8:10]) <= calendar.monthrange(int(value[:4]) or 2000,
                                                                                    int(value[5:7]))[1]):
        return value
    return format_rfc3339(parse_rfc3339(value, micro), micro)


def format_rfc3339(instant: datetime, micro: bool = False) -> str:
    """How metav1.Time (seconds) and MicroTime (microseconds) write an instant: UTC, ``Z``."""
    text = instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{instant.microsecond:06d}Z" if micro else f"{text}Z"
