"""systemd ``EnvironmentFile`` text: the ``KEY="value"`` files under /etc that
CentOS 7's etcd, kubernetes and flannel packages read.

A file is kept line by line (comments, blank lines and the quoting of each
value), so parsing then rendering gives back the very same text, and a
changed value rewrites only its own line. Quoting follows systemd's
EnvironmentFile rules (systemd.exec(5)): lines starting with ``#`` or ``;``
are comments, a value may be double-quoted (backslash escapes), single-quoted
or bare.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


class EnvFileError(ValueError):
    """A line that is neither a comment, blank, nor ``KEY=value``."""


# systemd accepts letters, digits and underscores in names, not starting with a digit.
_ASSIGNMENT = re.compile(r"^\s*(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*?)\s*$")
_DOUBLE_ESCAPES = {'"': '"', "\\": "\\", "$": "$", "`": "`", "\n": ""}


@dataclass
class Line:
    """One line of the file: ``key`` is None for comments and blank lines."""

    raw: str
    key: str | None = None
    value: str = ""
    quote: str = '"'

    @property
    def is_comment(self) -> bool:
        return self.raw.lstrip().startswith(("#", ";"))


def unquote(text: str) -> tuple[str, str]:
    """Return (value, quote) for a value as written after ``KEY=``."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        body, out, i = text[1:-1], [], 0
        if "\\" not in body:
            return body, '"'
        while i < len(body):
            if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in _DOUBLE_ESCAPES:
                out.append(_DOUBLE_ESCAPES[body[i + 1]])
                i += 2
            else:
                out.append(body[i])
                i += 1
        return "".join(out), '"'
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1], "'"
    return text, ""


def quote(value: str, style: str = '"') -> str:
    """Write ``value`` as the packages do: in double quotes unless told otherwise."""
    if style == "'" and "'" not in value:
        return f"'{value}'"
    if style == "" and value and not re.search(r"[\s\"'\\#;$`]", value):
        return value
    escaped = "".join("\\" + ch if ch in '"\\$`' else ch for ch in value)
    return f'"{escaped}"'


@dataclass
class EnvFile:
    """A parsed EnvironmentFile; ``render()`` gives back the text it came from."""

    lines: list[Line] = field(default_factory=list)
    trailing_newline: bool = True

    @classmethod
    def parse(cls, text: str) -> EnvFile:
        if not isinstance(text, str):
            raise TypeError(f"expected the file's text as str, got {type(text).__name__}")
        body = text[:-1] if text.endswith("\n") else text
        lines = []
        for number, raw in enumerate(body.split("\n") if text else [], start=1):
            stripped = raw.strip()
            if not stripped or stripped.startswith(("#", ";")):
                lines.append(Line(raw))
                continue
            match = _ASSIGNMENT.match(raw)
            if match is None:
                raise EnvFileError(f"line {number}: {raw.strip()!r} is not KEY=value, a comment or blank")
            value, style = unquote(match["value"])
            lines.append(Line(raw, match["key"], value, style))
        return cls(lines, trailing_newline=text.endswith("\n") or not text)

    def render(self) -> str:
        text = "\n".join(line.raw for line in self.lines)
        return text + "\n" if self.trailing_newline and self.lines else text

    def assignments(self) -> Iterator[Line]:
        return (line for line in self.lines if line.key is not None)

    def keys(self) -> list[str]:
        return [line.key for line in self.assignments()]

    def values(self) -> dict[str, str]:
        """Active settings, as systemd passes them (a later line wins)."""
        return {line.key: line.value for line in self.assignments()}

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values().get(key, default)

    def duplicate_keys(self) -> list[str]:
        seen: set[str] = set()
        return [key for key in self.keys() if key in seen or seen.add(key)]

    def unknown_keys(self, known: Iterable[str]) -> list[str]:
        known = set(known)
        return [key for key in self.keys() if key not in known]

    def set(self, key: str, value: str) -> None:
        """Set ``key``: rewrite its line, else uncomment ``#KEY=...``, else append."""
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise EnvFileError(f"{key!r} is not a variable name (letters, digits and _, not starting with a digit)")
        if not isinstance(value, str):
            raise TypeError(f"{key}: expected the value as str, got {type(value).__name__}")
        for line in self.lines:
            if line.key == key:
                line.value, line.raw = value, f"{key}={quote(value, line.quote)}"
                return
        for line in self.lines:
            if line.key is None and re.match(rf"^#\s?{key}=", line.raw):
                line.key, line.value, line.quote, line.raw = key, value, '"', f"{key}={quote(value)}"
                return
        self.lines.append(Line(f"{key}={quote(value)}", key, value, '"'))
