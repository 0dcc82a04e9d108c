"""Normalisers for answers: reasonable equivalents count, wrong types get a friendly word.

Each takes a learner's answer and returns the canonical form that
:func:`k8scourse.course.check` hashes, or raises
:class:`~k8scourse.course.checks.AnswerTypeError` saying what the exercise
asks for. Use the same normaliser when computing the digest::

    digest("kube-scheduler", as_component)     # author, once
    check("who places pods", answer, digest="…", normalize=as_component)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .checks import AnswerTypeError

#: Other names learners use for the components (lower case, spaces or dashes).
_COMPONENT_NAMES = {
    "kube-apiserver": ("apiserver", "api server", "api-server", "kube apiserver", "kube-api-server", "kube-apiserverr"),
    "kube-scheduler": ("scheduler", "kube scheduler", "default-scheduler"),  # the name its Events carry
    "kube-controller-manager": ("controller-manager", "controller manager", "kube controller manager",
                                "controllers", "controller"),
    "kubelet": ("the kubelet",),
    "kube-proxy": ("proxy", "kube proxy"),
    "etcd": ("etcd cluster", "the etcd"),
    "container runtime": ("runtime", "containerd", "cri-o", "docker", "docker engine", "cri"),
    "flanneld": ("flannel", "flannel daemon", "flanneld daemon"),
}
_COMPONENTS = {alias: name for name, aliases in _COMPONENT_NAMES.items() for alias in (name, *aliases)}


def as_text(answer: Any) -> str:
    """A word or phrase, compared without case and surrounding spaces."""
    if not isinstance(answer, str):
        raise AnswerTypeError("a text in quotes", answer)
    return " ".join(answer.split()).lower()


def as_component(answer: Any) -> str:
    """A Kubernetes component's name; ``scheduler`` and ``the scheduler`` count as ``kube-scheduler``."""
    text = as_text(answer).strip("`'\" .").removeprefix("the ")
    return _COMPONENTS.get(text, text)


def as_components(answer: Any) -> frozenset[str]:
    """Several component names, in any order."""
    return frozenset(as_component(name) for name in _items(answer, "a list of component names"))


def as_names(answer: Any) -> frozenset[str]:
    """Object names (pods, nodes, keys), in any order; a comma-separated text also counts."""
    items = _items(answer, "a list of names")
    if not all(isinstance(item, str) for item in items):
        raise AnswerTypeError("a list of names (texts in quotes)", answer)
    return frozenset(item.strip() for item in items)


def as_int(answer: Any) -> int:
    """A whole number; ``3.0`` and ``"3"`` count as 3."""
    if isinstance(answer, bool):
        raise AnswerTypeError("a whole number", answer)
    if isinstance(answer, float) and answer.is_integer():
        return int(answer)
    if isinstance(answer, str) and re.fullmatch(r"\s*-?\d+\s*", answer):
        return int(answer)
    if not isinstance(answer, int):
        raise AnswerTypeError("a whole number", answer)
    return answer


def as_choice(answer: Any) -> str:
    """A multiple-choice letter: ``"b"``, ``"B"`` and ``"(b)"`` are the same."""
    if not isinstance(answer, str):  # say what is wanted: a letter, not just "a text"
        raise AnswerTypeError("one letter, such as \"b\"", answer)
    letter = as_text(answer).strip("() .)")
    if not re.fullmatch(r"[a-z]", letter):
        raise AnswerTypeError("one letter, such as \"b\"", answer)
    return letter


def as_choices(answer: Any) -> frozenset[str]:
    """Several multiple-choice letters, in any order: ``["a", "c"]`` or ``"a, c"``."""
    return frozenset(as_choice(item) for item in _items(answer, "a list of letters, such as [\"a\", \"c\"]"))


def _items(answer: Any, wanted: str) -> list[Any]:
    """A list, tuple or set as a list; a text is split at commas."""
    if isinstance(answer, str):
        return [part for part in (p.strip() for p in answer.split(",")) if part]
    if isinstance(answer, (list, tuple, set, frozenset)):
        return list(answer)
    if isinstance(answer, Iterable) and not isinstance(answer, (bytes, dict)):
        return list(answer)
    raise AnswerTypeError(wanted, answer)
