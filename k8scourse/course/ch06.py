"""Chapter 06's checks: answers about the HPA are judged by running the HPA.

Each function returns a predicate for :func:`k8scourse.course.check`. The
truth is computed when the check runs (by :func:`calculate_replicas`, or on
a small fresh cluster), so the notebook never holds the answer::

    check("by hand", my_replicas, predicate=matches_calculation(3, 50, pods))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from k8scourse.api.hpa import default_scale_up
from k8scourse.master.controllers.hpa import calculate_replicas

from .answers import as_int
from .checks import AnswerTypeError

Predicate = Callable[[Any], "bool | str"]

#: The exercises' workload: a ReplicaSet whose Pods request 200m of CPU (limit 1 core), and its HPA.
WORKLOAD = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: %(replicas)d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {requests: {cpu: 200m}, limits: {cpu: "1"}}
"""


def autoscaler(behavior: Mapping[str, Any] | None = None, minimum: int = 1, maximum: int = 10,
               target: int = 50) -> dict:
    """The exercises' HPA for the ReplicaSet ``web``, with an optional ``spec.behavior``."""
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web"},
        "minReplicas": minimum, "maxReplicas": maximum,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": target}}}]}
    if behavior is not None:
        spec["behavior"] = behavior
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": spec}


def _cluster(replicas: int, seed: int, hpa: dict) -> Any:
    from k8scourse.cluster import Cluster

    cluster = Cluster.quickstart(nodes=3, seed=seed)
    cluster.apply(WORKLOAD % {"replicas": replicas})
    cluster.apply(hpa)
    return cluster


def _replicas(cluster: Any) -> int:
    return cluster.api.get("replicasets", "web", "default")["spec"]["replicas"]


def matches_calculation(current: int, target: int, pods: Sequence[Mapping[str, Any]]) -> Predicate:
    """A predicate: the answer is the replica count the HPA computes for these pods."""
    pods = [dict(p) for p in pods]

    def predicate(answer: Any) -> bool | str:
        guess = as_int(answer)
        right, utilization = calculate_replicas(current_replicas=current, target_utilization=target, pods=pods)
        if guess == right:
            return True
        measured = [p for p in pods if p["usage_milli"] is not None and p["ready"] and p["phase"] == "Running"
                    and not p["deleting"]]
        naive = math.ceil(len(measured) * utilization / target)
        if guess == naive:
            return (f"{guess} is the plain formula on the measured, ready Pods only. The HPA does not stop "
                    f"there: which way is this scale going, and what does it assume about the other Pods?")
        if guess == math.ceil(current * utilization / target):
            return (f"{guess} applies the measured utilisation to all {current} replicas, as if every Pod "
                    f"used what the measured ones use. Count the Pods one by one.")
        if guess == current:
            return (f"{guess} is the current count, as if the HPA held back altogether. It holds back only "
                    f"when its guesses bring the ratio within the tolerance or turn it round: compute it again.")
        return f"{guess} is not what the HPA computes here."

    return predicate


def settles_at(replicas: int, *, start: int = 2, seed: int = 0, seconds: float = 600.0) -> Predicate:
    """A predicate: with the answer as the total CPU load, the exercises' HPA ends at ``replicas`` and stays."""

    def predicate(answer: Any) -> bool | str:
        if isinstance(answer, bool) or not isinstance(answer, (str, int)):
            raise AnswerTypeError('a CPU quantity such as "750m" (or a whole number of millicores)', answer)
        load = answer if isinstance(answer, str) else f"{answer}m"
        cluster = _cluster(start, seed, autoscaler())
        cluster.set_load("app=web", cpu=load)  # a bad quantity raises the ValueError check() reports
        cluster.run(seconds - 120)
        before = _replicas(cluster)
        cluster.run(120)
        after = _replicas(cluster)
        if before != after:
            return f"with {load} the HPA is still moving after {seconds:g} s ({before} -> {after} replicas)."
        if after != replicas:
            return f"with {load} the HPA settles at {after} replicas, not {replicas}."
        return True

    return predicate


def scales_down_gently(*, seed: int = 0) -> Predicate:
    """A predicate on a ``spec.behavior`` dict: after the load drops, the HPA waits two minutes (not the
    default five), then removes at most one Pod a minute, all the way to minReplicas; scale-up keeps the
    default behaviour. (Metrics arrive up to a scrape late, so "two minutes" allows 120-180 s.)"""

    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, Mapping):
            raise AnswerTypeError("spec.behavior as a dict, such as {\"scaleDown\": {...}}", answer)
        cluster = _cluster(8, seed, autoscaler(dict(answer)))  # the apiserver validates it first
        stored = cluster.api.get("horizontalpodautoscalers", "web", "default")["spec"]["behavior"]
        if stored["scaleUp"] != default_scale_up():
            return "scale-up should keep its default behaviour: leave scaleUp out (or as it was)."
        cluster.set_load("app=web", cpu="800m")  # 8 Pods at 50 %: steady
        cluster.run(120)
        cluster.set_load("app=web", cpu="50m")
        dropped, changes, last = cluster.now, [], _replicas(cluster)
        while cluster.now - dropped < 900:
            cluster.run(15)
            now = _replicas(cluster)
            if now != last:
                changes.append((cluster.now - dropped, last - now))
                last = now
        if not changes:
            return "the HPA never scaled down within 15 minutes of the drop."
        if changes[0][0] < 120:
            return f"the first Pod went {changes[0][0]:g} s after the load dropped: too soon."
        if changes[0][0] >= 180:
            return (f"the first Pod went {changes[0][0]:g} s after the load dropped: a longer wait than two "
                    f"minutes. Which window applies when scaleDown does not set one?")
        if any(removed != 1 for _, removed in changes):
            return "at some step more than one Pod went at once."
        gaps = [b[0] - a[0] for a, b in zip(changes, changes[1:])]
        if any(gap < 60 for gap in gaps):
            return f"two scale-downs came {min(gaps):g} s apart: less than a minute."
        if last != 1:
            return f"15 minutes after the drop the HPA was still at {last} replicas: it should reach minReplicas (1)."
        return True

    return predicate
