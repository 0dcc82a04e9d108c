"""Chapter 04's checks: a scale-down's victims and a ReplicaSet's adoptions, computed from the cluster.

Each function returns a predicate for :func:`k8scourse.course.check`; it
asks the cluster's own ReplicaSet controller or the apiserver's validation
when it runs, so the notebook never holds the answer::

    check("first to go", answer, predicate=deleted_first(cluster, "web", 2))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from k8scourse.api.objects import documents, load
from k8scourse.api.replication import ReplicaSet
from k8scourse.master.controllers.replicaset import ReplicaSetController

from .ch03 import _difference, pod_labels, selected
from .checks import AnswerTypeError

Predicate = Callable[[Any], "bool | str"]


def replica_set_controller(cluster: Any) -> ReplicaSetController:
    """The cluster's ReplicaSet controller (not the ReplicationController's)."""
    return next(c for c in cluster.controllers if isinstance(c, ReplicaSetController) and c.kind.kind == "ReplicaSet")


def first_to_go(cluster: Any, name: str, count: int, namespace: str = "default") -> list[str]:
    """The names of the ``count`` pods the ReplicaSet ``name`` would delete if scaled down by ``count`` now."""
    doomed = replica_set_controller(cluster).deletion_candidates(f"{namespace}/{name}", count)
    return sorted(p["metadata"]["name"] for p in doomed)


def _names(answer: Any) -> list[str]:
    if isinstance(answer, str) or not isinstance(answer, Iterable) or \
            not all(isinstance(n, str) for n in answer):
        raise AnswerTypeError('a list of pod names, such as ["web-abcde", "web-fghij"]', answer)
    return sorted(answer)


def deleted_first(cluster: Any, name: str, count: int) -> Predicate:
    """A predicate: the answer names the pods a scale-down of ``name`` by ``count`` deletes."""
    def predicate(answer: Any) -> bool | str:
        chosen = _names(answer)
        if len(chosen) != count:
            return f"the scale-down removes {count} pods; your list has {len(chosen)}."
        unknown = sorted(set(chosen) - set(pod_labels(cluster)))
        if unknown:
            return f"there is no pod named {', '.join(unknown)} (see kubectl get pods)."
        return chosen == first_to_go(cluster, name, count) or \
            "not the ones the controller picks: go through the rules in order, first rule first."
    return predicate


def _replica_set(answer: Any) -> ReplicaSet | str:
    """A learner's manifest, decoded and validated as the apiserver would, or what is wrong with it."""
    if isinstance(answer, str):
        found = documents(answer)
        if len(found) != 1:
            return f"expected one ReplicaSet manifest, got {len(found)} YAML documents."
        answer = found[0]
    if not isinstance(answer, dict):
        raise AnswerTypeError("a ReplicaSet manifest, as YAML text or a dict", answer)
    try:
        loaded = load(answer)
    except ValueError as error:
        return f"the apiserver would refuse it: {error}"
    if not isinstance(loaded, ReplicaSet):
        return f"that is a {loaded.KIND}; the exercise asks for a ReplicaSet (apiVersion: apps/v1)."
    return loaded


def adopts_exactly(cluster: Any, wanted: Iterable[str]) -> Predicate:
    """A predicate: a valid ReplicaSet whose selector picks exactly the pods ``wanted`` and whose
    ``replicas`` equals their number, so that it adopts them and neither creates nor deletes a pod."""
    wanted = sorted(wanted)

    def predicate(answer: Any) -> bool | str:
        replica_set = _replica_set(answer)
        if isinstance(replica_set, str):
            return replica_set
        problem = _difference(selected(replica_set.selector(), pod_labels(cluster)), wanted)
        if problem:
            return f"its selector {problem.removeprefix('it ')}"
        if replica_set.replicas != len(wanted):
            return f"replicas: {replica_set.replicas} would make the controller " \
                   f"{'create' if replica_set.replicas > len(wanted) else 'delete'} pods."
        return True

    return predicate
