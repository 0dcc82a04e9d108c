"""Friendly answer checks for exercise notebooks, that never give the answer away.

A check tells a learner how an answer fares and returns a :class:`Verdict`;
it never raises on a wrong or missing answer, because an exception would
stop "Run All" at the first unfinished exercise. Output is plain text
without object ids, so notebooks stay deterministic under nbval.

The expected answer never stands in a notebook. A check compares either

* a **digest** (a hash of the normalised right answer), written by the
  author with :func:`digest` and pasted into the check call, or
* a **predicate**, a function that decides, usually one from the library
  that computes the truth from the cluster.

Normalisers (:mod:`k8scourse.course.answers`) make reasonable equivalents
count (``scheduler`` for ``kube-scheduler``, any order of a set) and turn an
answer of the wrong type into a friendly message. A wrong answer gets a hint
about *why* it is wrong: ``wrong`` maps the digests of common wrong answers
to what each one misses.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

PASS = "✔"
FAIL = "✘"
TODO = "…"

_MAX_REPR = 200
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
#: Hex digits of SHA-256 kept in a digest: enough that no two course answers collide.
DIGEST_LENGTH = 16


class Verdict(int):
    """Whether a check passed: ``1`` or ``0``, equal to ``True`` or ``False``.

    Not a ``bool`` only because ``bool`` cannot be subclassed, and the check
    has already printed its message, so the value should display as nothing.
    """

    def __repr__(self) -> str:
        return repr(bool(self))

    def _ipython_display_(self) -> None:
        """Show nothing: the check printed its verdict already."""


class AnswerTypeError(TypeError):
    """An answer of a type the exercise does not ask for; the message says what it asks for."""

    def __init__(self, wanted: str, answer: Any) -> None:
        super().__init__(f"expected {wanted}, got {describe(answer)}.")


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


def describe(value: Any) -> str:
    """Name a value for a learner: ``the number 42``, ``the text 'web'``, ``a list of 3 items``."""
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, (int, float)):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if isinstance(value, (list, tuple, set, frozenset)):
        noun = {list: "list", tuple: "tuple"}.get(type(value), "set")
        count = len(value)
        return f"a {noun} of {count} item{'s' if count != 1 else ''}"
    if isinstance(value, Mapping):
        return f"a dict with {len(value)} key{'s' if len(value) != 1 else ''}"
    return f"a {type(value).__name__} ({show(value)})"


def _canonical(value: Any) -> Any:
    """A JSON-able form of ``value`` in which sets are sorted lists and tuples lists."""
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    return value


def digest(value: Any, normalize: Callable[[Any], Any] | None = None) -> str:
    """The digest of an answer, as ``check(..., digest=...)`` compares it.

    Authors run ``digest("kube-scheduler", as_component)`` once and paste
    the result into the notebook; the answer itself never appears there.
    """
    if normalize is not None:
        value = normalize(value)
    text = json.dumps(_canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LENGTH]


def check(
    name: str,
    answer: Any,
    *,
    digest: str | None = None,  # noqa: A002 - the keyword reads best in notebooks
    predicate: Callable[[Any], bool | str] | None = None,
    normalize: Callable[[Any], Any] | None = None,
    hint: str = "",
    wrong: Mapping[str, str] | None = None,
) -> Verdict:
    """Print how ``answer`` fares against the exercise ``name``; return whether it passed.

    Give either ``digest`` (see :func:`digest`) or ``predicate``. A predicate
    returns ``True`` for a right answer, and ``False`` or a string saying what
    is wrong otherwise. ``normalize`` is applied to the answer first (it may
    raise :class:`AnswerTypeError`). ``wrong`` maps digests of common wrong
    answers to a hint about why each is wrong. An answer of ``None`` or
    ``...`` means "not answered yet" and prints the hint.
    """
    if (digest is None) == (predicate is None):
        raise TypeError("check() needs exactly one of digest= or predicate=")
    if answer is None or answer is Ellipsis:
        _report(TODO, name, "not answered yet.", hint)
        return Verdict(False)
    try:
        value = normalize(answer) if normalize is not None else answer
        problem = _problem(value, digest, predicate, wrong or {}, show(answer))
    except AnswerTypeError as exc:
        problem = str(exc)
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
    value: Any,
    expected_digest: str | None,
    predicate: Callable[[Any], bool | str] | None,
    wrong: Mapping[str, str],
    shown: str,
) -> str | None:
    """Return what is wrong with the (normalised) answer, or ``None`` when it is right.

    ``shown`` is the answer as the learner wrote it (not its normalised
    form, a frozenset's repr), for the message.
    """
    if predicate is not None:
        verdict = predicate(value)
        if isinstance(verdict, str):
            return verdict or f"{shown} is not right."
        return None if verdict else f"{shown} is not right."
    got = digest(value)
    if got == expected_digest:
        return None
    return wrong.get(got) or f"{shown} is not right."


def _report(mark: str, name: str, message: str, hint: str) -> None:
    """Print one check's verdict, with the hint on its own line."""
    print(f"{mark} {name}: {message}")
    if hint:
        print(f"  Hint: {hint}")
