"""Friendly answer checks for exercise notebooks.

A check tells a learner how an answer fares and returns ``True`` or
``False``; it never raises on a wrong or missing answer, because an
exception would stop "Run All" at the first unfinished exercise. Output is
plain text without object ids, so notebooks stay deterministic under nbval.

A check returns a :class:`Verdict`, which is truthy exactly when the answer
passed; Jupyter shows nothing for it, so a check on the last line of a cell
does not echo ``True``/``False`` under its message. (A trailing ``;`` would
not do: nbval runs cells without history, where IPython ignores it.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PASS = "✔"
FAIL = "✘"
TODO = "…"

_MAX_REPR = 200
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class Verdict(int):
    """Whether a check passed: ``1`` or ``0``, equal to ``True`` or ``False``.

    Not a ``bool`` only because ``bool`` cannot be subclassed, and the check
    has already printed its message, so the value should display as nothing.
    """

    def __repr__(self) -> str:
        return repr(bool(self))

    def _ipython_display_(self) -> None:
        """Show nothing: the check printed its verdict already."""


def show(value: Any) -> str:
    """Return a short repr of ``value`` without memory addresses."""
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the check
        text = f"<{type(value).__name__} whose repr raised {type(exc).__name__}>"
    text = _ADDRESS.sub("", text)
    if len(text) > _MAX_REPR:
        text = text[: _MAX_REPR - 3] + "..."
    return text


def check(
    name: str,
    answer: Any,
    expected: Any = None,
    *,
    predicate: Callable[[Any], bool | str] | None = None,
    normalize: Callable[[Any], Any] | None = None,
    hint: str = "",
) -> Verdict:
    """Print how ``answer`` fares against the exercise ``name``; return whether it passed.

    Give either ``expected`` (compared with ``==``) or ``predicate``. A
    predicate returns ``True`` for a right answer, and ``False`` or a string
    saying what is wrong otherwise. ``normalize`` is applied to both answer
    and expected before comparing (e.g. ``str.lower``). An answer of ``None``
    or ``...`` means "not answered yet" and prints the hint.
    """
    if (expected is None) == (predicate is None):
        raise TypeError("check() needs exactly one of expected= or predicate=")
    if answer is None or answer is Ellipsis:
        _report(TODO, name, "not answered yet.", hint)
        return Verdict(False)
    try:
        problem = _problem(answer, expected, predicate, normalize)
    except ValueError as exc:  # k8scourse rejects bad input with a ValueError naming the rule
        problem = f"{show(answer)} is not valid: {exc}"
    except Exception as exc:  # the learner's answer may not fit the check at all
        problem = f"checking {show(answer)} raised {type(exc).__name__}: {exc}"
    if problem is None:
        _report(PASS, name, "correct.", "")
        return Verdict(True)
    _report(FAIL, name, problem, hint)
    return Verdict(False)


def _problem(
    answer: Any,
    expected: Any,
    predicate: Callable[[Any], bool | str] | None,
    normalize: Callable[[Any], Any] | None,
) -> str | None:
    """Return what is wrong with ``answer``, or ``None`` when it is right."""
    if predicate is not None:
        verdict = predicate(answer)
        if isinstance(verdict, str):
            return verdict or f"{show(answer)} is not right."
        return None if verdict else f"{show(answer)} is not right."
    got, want = (normalize(answer), normalize(expected)) if normalize else (answer, expected)
    if got == want:
        return None
    return f"expected {show(expected)}, got {show(answer)}."


def _report(mark: str, name: str, message: str, hint: str) -> None:
    """Print one check's verdict, with the hint on its own line."""
    print(f"{mark} {name}: {message}")
    if hint:
        print(f"  Hint: {hint}")
