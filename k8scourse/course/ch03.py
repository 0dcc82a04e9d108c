"""Chapter 03's checks: selectors are judged by *which objects they select*, not by how they are spelled.

Each function returns a predicate for :func:`k8scourse.course.check`. A
predicate computes the truth from the cluster when it runs, so the notebook
never holds the answer; it checks the answer's type first and says in a
sentence what is wrong, as a learner would want to hear it::

    check("exactly these Pods", four_pods, predicate=selects_exactly(cluster, ["blog-api-1", ...]))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from k8scourse.api.objects import load
from k8scourse.api.selectors import Selector, parse_selector, selector_from_set

from .checks import AnswerTypeError, describe

Predicate = Callable[[Any], "bool | str"]
Labels = Mapping[str, str]


def _selector(text: Any) -> Selector:
    """Parse a learner's selector text; a wrong type is an :class:`AnswerTypeError`."""
    if not isinstance(text, str):
        raise AnswerTypeError("a selector as a text in quotes, such as \"app=shop\"", text)
    return parse_selector(text)


def pod_labels(cluster: Any, namespace: str = "default") -> dict[str, Labels]:
    """Every Pod's labels in ``namespace``, by Pod name, as the apiserver stores them."""
    return {p["metadata"]["name"]: p["metadata"].get("labels") or {} for p in cluster.api.list("pods", namespace)}


def selected(selector: Selector, labels_by_name: Mapping[str, Labels]) -> list[str]:
    """The names whose labels ``selector`` matches, sorted."""
    return sorted(name for name, labels in labels_by_name.items() if selector.matches(labels))


def _difference(chosen: Iterable[str], wanted: Iterable[str]) -> str | None:
    """Say what a selection has too much and too little of, or ``None`` when it is just right."""
    extra, missing = sorted(set(chosen) - set(wanted)), sorted(set(wanted) - set(chosen))
    problems = ([f"it also selects {', '.join(extra)}"] if extra else []) + \
               ([f"it misses {', '.join(missing)}"] if missing else [])
    return "; ".join(problems) + "." if problems else None


def selects_exactly(cluster: Any, wanted: Iterable[str]) -> Predicate:
    """A predicate: the selector (text) picks exactly the Pods named ``wanted`` in the cluster, no more."""
    wanted = sorted(wanted)

    def predicate(text: Any) -> bool | str:
        problem = _difference(selected(_selector(text), pod_labels(cluster)), wanted)
        return problem or True

    return predicate


#: Pods that may come tomorrow: a new release, and a Pod with no release label at all.
TOMORROW: dict[str, Labels] = {"shop-web-beta": {"app": "shop", "tier": "web", "release": "beta"},
                               "scratch": {"app": "shop"}}


def has_a_release_but_not_stable(cluster: Any) -> Predicate:
    """A predicate: the selector picks the Pods that *have* a ``release`` label other than ``stable``.

    Judged on today's Pods plus :data:`TOMORROW`'s, so a list of today's
    values does not pass.
    """
    def predicate(text: Any) -> bool | str:
        labels = {**pod_labels(cluster), **TOMORROW}
        chosen = selected(_selector(text), labels)
        wanted = [name for name, pod in labels.items() if "release" in pod and pod["release"] != "stable"]
        if "shop-web-beta" in wanted and "shop-web-beta" not in chosen:
            return "it misses shop-web-beta, labelled release=beta, that someone may start tomorrow."
        return _difference(chosen, wanted) or True

    return predicate


def allows_only_node(cluster: Any, node: str, forbidden_prefix: str = "kubernetes.io/") -> Predicate:
    """A predicate: the ``nodeSelector`` (a dict) allows ``node`` and no other, using the admin's labels."""
    def predicate(selector_map: Any) -> bool | str:
        if not isinstance(selector_map, Mapping):
            return f"expected a nodeSelector as a dict, such as {{'disktype': 'ssd'}}, got {describe(selector_map)}."
        if any(not isinstance(k, str) or not isinstance(v, str) for k, v in selector_map.items()):
            return "keys and values of a nodeSelector are texts in quotes."
        if any(forbidden_prefix in key for key in selector_map):
            return "ask for the properties the Pod needs (the admin's labels), not for the node's name."
        wanted = selector_from_set(selector_map)
        allowed = sorted(n["metadata"]["name"] for n in cluster.api.list("nodes")
                         if wanted.matches(n["metadata"].get("labels") or {}))
        if allowed == [node]:
            return True
        if allowed:
            return f"it allows {', '.join(allowed)}."
        return "no node has all those labels: the Pod would stay Pending."

    return predicate


def repairs_deployment(cluster: Any, service_selector: str, owned: Labels) -> Predicate:
    """A predicate for a repaired Deployment (YAML text).

    Right when the apiserver accepts it, the Service (``service_selector``)
    reaches its Pods, and its selector matches no existing Pod outside
    ``owned``, which its ReplicaSet would otherwise adopt.
    """
    service = parse_selector(service_selector)

    def predicate(text: Any) -> bool | str:
        if not isinstance(text, str):
            return f"expected the manifest as YAML text, got {describe(text)}."
        try:
            deployment = load(text)
        except ValueError as error:
            return f"the apiserver still refuses it: {error}"
        if deployment.KIND != "Deployment":
            return f"that is a {deployment.KIND}, not a Deployment."
        labels = deployment.template["metadata"].get("labels") or {}
        if not service.matches(labels):
            return f"its Pods would carry {labels}: the Service ({service_selector}) would not reach them."
        selector = deployment.selector()
        grabbed = [name for name, pod in pod_labels(cluster).items()
                   if selector.matches(pod) and any(pod.get(key) != value for key, value in owned.items())]
        if grabbed:
            return (f"its selector {selector} also matches {', '.join(sorted(grabbed))}, "
                    "which its ReplicaSet would adopt.")
        return True

    return predicate
