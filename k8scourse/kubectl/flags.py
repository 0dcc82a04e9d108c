"""Command-line flags as kubectl's parser (spf13/pflag) reads them.

Flags may sit anywhere among the arguments; ``--`` ends them. Long flags
take ``--name=value`` or ``--name value``, short ones ``-n value``,
``-nvalue`` or ``-n=value``; a boolean flag needs no value (``--overwrite``)
but accepts ``--overwrite=false``. Errors are pflag's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

BOOL, STRING, STRINGS, ARRAY, INT, DURATION = "bool", "string", "strings", "array", "int", "duration"
# STRINGS is pflag's StringSlice (``-f a,b`` is two values), ARRAY its StringArray (never split);
# DURATION is a Go time.Duration (``90s``, ``1m30s``), held as seconds.

# time.ParseDuration's units, in seconds
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")

# strconv.ParseBool
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


class FlagError(Exception):
    """A flag pflag refuses; the message is pflag's."""


@dataclass(frozen=True)
class Flag:
    """One flag: its long name, optional one-letter shorthand, value type and default."""

    name: str
    short: str = ""
    type: str = BOOL
    default: Any = None

    def initial(self) -> Any:
        if self.type in (STRINGS, ARRAY):
            return list(self.default or ())
        if self.default is None:
            return {BOOL: False, STRING: "", INT: -1}.get(self.type)
        return self.default

    def shown(self) -> str:
        """How pflag names the flag in a value error: ``-A, --all-namespaces``."""
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"

    def convert(self, value: str) -> Any:
        if self.type == BOOL:
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            raise FlagError(f'invalid argument "{value}" for "{self.shown()}" flag: '
                            f'strconv.ParseBool: parsing "{value}": invalid syntax')
        if self.type == DURATION:
            try:
                return parse_duration(value)
            except ValueError as err:
                raise FlagError(f'invalid argument "{value}" for "{self.shown()}" flag: {err}') from None
        if self.type == INT:
            try:
                return int(value, 10)
            except ValueError:
                raise FlagError(f'invalid argument "{value}" for "{self.shown()}" flag: '
                                f'strconv.ParseInt: parsing "{value}": invalid syntax') from None
        return value


def parse_duration(text: str) -> float:
    """time.ParseDuration: ``[-+]`` then number-unit pairs (``1h30m``, ``1.5s``), or a bare ``0``; seconds."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    if not body:
        raise ValueError(f'time: invalid duration "{text}"')
    total, rest = 0.0, body
    while rest:
        number, unit = _DURATION_PART.match(rest).groups()
        if number in ("", "."):
            raise ValueError(f'time: invalid duration "{text}"')
        if not unit:
            raise ValueError(f'time: missing unit in duration "{text}"')
        if unit not in _UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration "{text}"')
        total += float(number) * _UNITS[unit]
        rest = rest[len(number) + len(unit):]
    return -total if text.startswith("-") else total


def parse(tokens: Sequence[str], flags: Sequence[Flag]) -> tuple[list[str], dict[str, Any], set[str]]:
    """Split tokens into positional arguments and flag values.

    Returns (arguments, values by flag name, names of the flags given).
    """
    by_name = {f.name: f for f in flags}
    by_short = {f.short: f for f in flags if f.short}
    values = {f.name: f.initial() for f in flags}
    given: set[str] = set()
    args: list[str] = []
    rest = list(tokens)

    def store(flag: Flag, value: str) -> None:
        if flag.type == STRINGS:
            values[flag.name].extend(v for v in value.split(",") if v)
        elif flag.type == ARRAY:
            values[flag.name].append(value)
        else:
            values[flag.name] = flag.convert(value)
        given.add(flag.name)

    while rest:
        token = rest.pop(0)
        if token == "--":
            args += rest
            break
        if token.startswith("--"):
            name, has_value, value = token[2:].partition("=")
            flag = by_name.get(name)
            if flag is None:
                raise FlagError(f"unknown flag: --{name}")
            if not has_value and flag.type != BOOL:
                if not rest:
                    raise FlagError(f"flag needs an argument: --{name}")
                value = rest.pop(0)
            store(flag, value if has_value or flag.type != BOOL else "true")
        elif token.startswith("-") and len(token) > 1:
            shorts = token[1:]
            while shorts:
                flag = by_short.get(shorts[0])
                if flag is None:
                    raise FlagError(f"unknown shorthand flag: '{shorts[0]}' in -{token[1:]}")
                if len(shorts) > 2 and shorts[1] == "=":
                    store(flag, shorts[2:])
                    break
                if flag.type == BOOL:
                    store(flag, "true")
                    shorts = shorts[1:]
                    continue
                if len(shorts) > 1:
                    store(flag, shorts[1:])
                elif rest:
                    store(flag, rest.pop(0))
                else:
                    raise FlagError(f"flag needs an argument: '{shorts[0]}' in -{token[1:]}")
                break
        else:
            args.append(token)
    return args, values, given
