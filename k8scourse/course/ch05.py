"""Chapter 05's helpers and checks: record a rollout step by step, and judge predictions against it.

:func:`record_rollout` runs the clock and notes, at every step, how many pods
the old and new ReplicaSets are asked for and how many pods are available;
:func:`timeline_table` prints that as a table and ``k8scourse.viz.draw_rollouts``
plots it. The predicates compute the truth from the cluster when they run,
so the notebooks never hold an answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from k8scourse.master.controllers.deployment import util

from .answers import as_int
from .checks import AnswerTypeError, describe

Predicate = Callable[[Any], "bool | str"]


class Sample(NamedTuple):
    """One look at a rollout: seconds since it began, pods asked of the old and new ReplicaSets, pods available."""

    t: float
    old: int
    new: int
    available: int


@dataclass
class Rollout:
    """A recorded rollout: the Deployment's size and fenceposts, and what happened at each step."""

    title: str
    replicas: int
    max_surge: int
    max_unavailable: int
    rolling: bool = True  # False for Recreate, whose pods all go before the new ones come
    samples: list[Sample] = field(default_factory=list)

    @property
    def peak_pods(self) -> int:
        """The most pods the ReplicaSets were asked for at once."""
        return max(s.old + s.new for s in self.samples)

    @property
    def least_available(self) -> int:
        return min(s.available for s in self.samples)

    @property
    def seconds(self) -> float:
        return self.samples[-1].t


def available_pods(cluster: Any, name: str, namespace: str = "default") -> int:
    """Pods of the Deployment's ReplicaSets that are Ready and not being deleted."""
    deploy = cluster.api.get("deployments", name, namespace)
    uids = {rs["metadata"]["uid"] for rs in _replica_sets(cluster, deploy)}
    return sum(1 for pod in cluster.api.list("pods", namespace)
               if any(r.get("uid") in uids for r in pod["metadata"].get("ownerReferences") or ())
               and not pod["metadata"].get("deletionTimestamp")
               and any(c["type"] == "Ready" and c["status"] == "True"
                       for c in (pod.get("status") or {}).get("conditions") or ()))


def _replica_sets(cluster: Any, deploy: Mapping[str, Any]) -> list[dict]:
    uid = deploy["metadata"]["uid"]
    return util.by_creation(rs for rs in cluster.api.list("replicasets", deploy["metadata"]["namespace"])
                            if any(r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or ()))


def rolled_out(cluster: Any, name: str, namespace: str = "default") -> bool:
    """The rollout is over: every pod updated and available, and no old ReplicaSet asked for pods."""
    deploy = cluster.api.get("deployments", name, namespace)
    status = deploy.get("status") or {}
    progressing = util.get_condition(status, "Progressing") or {}
    return (util.deployment_complete(deploy, status) and progressing.get("reason") == util.NEW_RS_AVAILABLE
            and status.get("replicas") == status.get("updatedReplicas"))


def record_rollout(cluster: Any, name: str, title: str = "", step: float = 1.0, timeout: float = 600.0,
                   namespace: str = "default") -> Rollout:
    """Run the clock ``step`` seconds at a time until the Deployment has rolled out (or ``timeout``
    seconds pass), noting the ReplicaSets' sizes and the available pods at every step.

    Start it right after changing the template: the first sample is taken at once.
    """
    deploy = cluster.api.get("deployments", name, namespace)
    surge, unavailable = util.max_surge(deploy), util.max_unavailable(deploy)
    rollout = Rollout(title or name, util.replicas(deploy), surge, unavailable, util.is_rolling_update(deploy))
    start = cluster.now

    def sample() -> None:
        deploy = cluster.api.get("deployments", name, namespace)
        sets = _replica_sets(cluster, deploy)
        new = util.find_new_replica_set(deploy, sets)
        new_size = util.replicas(new) if new is not None else 0
        rollout.samples.append(Sample(round(cluster.now - start, 3), util.spec_replicas_sum(sets) - new_size,
                                      new_size, available_pods(cluster, name, namespace)))

    sample()  # before the controller has seen the change
    cluster.run(0)  # its first reaction takes no time
    while True:
        sample()
        if cluster.now - start >= timeout or rolled_out(cluster, name, namespace):
            return rollout
        cluster.run(step)


def deployment_manifest(name: str, replicas: int, strategy: Mapping[str, Any] | None = None,
                        image: str = "nginx:1.27") -> dict:
    """A Deployment of ``replicas`` nginx pods labelled ``app: <name>``, with the given ``strategy``."""
    spec: dict[str, Any] = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                            "template": {"metadata": {"labels": {"app": name}},
                                         "spec": {"containers": [{"name": "app", "image": image}]}}}
    if strategy is not None:
        spec["strategy"] = dict(strategy)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": spec}


def rollout_with_strategy(cluster: Any, name: str, replicas: int, strategy: Mapping[str, Any],
                          image: str = "nginx:1.28", title: str = "") -> Rollout:
    """Create Deployment ``name`` (nginx:1.27) with ``strategy``, wait until it runs, then change its
    image to ``image`` and record that rollout."""
    cluster.apply(deployment_manifest(name, replicas, strategy))
    cluster.wait_for(lambda: rolled_out(cluster, name), timeout=300)
    cluster.kubectl(f"set image deployment/{name} app={image}")
    return record_rollout(cluster, name, title or name, timeout=300)


def timeline_table(rollout: Rollout, changes_only: bool = True) -> str:
    """The samples as a table; with ``changes_only``, only the steps where something changed."""
    lines = [f"{'t (s)':>6}  {'old RS':>6}  {'new RS':>6}  {'asked':>5}  {'available':>9}"]
    previous = None
    for s in rollout.samples:
        row = (s.old, s.new, s.available)
        if changes_only and row == previous and s is not rollout.samples[-1]:
            continue
        previous = row
        lines.append(f"{s.t:>6g}  {s.old:>6}  {s.new:>6}  {s.old + s.new:>5}  {s.available:>9}")
    return "\n".join(lines)


# --- checks -------------------------------------------------------------------------------

def _pair(answer: Any, what: str) -> tuple[int, int] | str:
    """Two whole numbers (``3.0`` counts as 3), or a sentence saying what the answer is instead."""
    wanted = f"expected {what} as a pair of whole numbers, such as (5, 3), got {describe(answer)}."
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return wanted
    try:
        return as_int(answer[0]), as_int(answer[1])
    except AnswerTypeError:
        return wanted


def predicts_extremes(rollout: Rollout) -> Predicate:
    """A predicate: the answer is (most pods asked for at once, fewest pods available) in the recorded rollout."""
    def predicate(answer: Any) -> bool | str:
        pair = _pair(answer, "(most pods asked for, fewest available)")
        if isinstance(pair, str):
            return pair
        most, fewest = pair
        problems = []
        if most != rollout.peak_pods:
            problems.append("the most pods asked for is not right: replicas plus what maxSurge allows, rounded how?")
        if fewest != rollout.least_available:
            problems.append("the fewest available is not right: replicas minus what maxUnavailable allows, "
                            "rounded how?")
        return " ".join(problems) or True
    return predicate


def keeps_within(cluster: Any, replicas: int, most_pods: int, least_available: int, image: str) -> Predicate:
    """A predicate: a Deployment with the learner's ``strategy`` (a dict) rolls out within the bounds.

    The check creates a Deployment ``check-N`` with ``replicas`` pods and the
    learner's strategy, N being the first number no Deployment has yet (so a
    notebook cell can be run again and again), rolls it out to ``image``,
    looks every second, and deletes it again to free the nodes.
    """
    def predicate(strategy: Any) -> bool | str:
        if not isinstance(strategy, Mapping):
            return f"expected a strategy as a dict, such as {{'type': 'RollingUpdate', ...}}, got {describe(strategy)}."
        taken = {d["metadata"]["name"] for d in cluster.api.list("deployments", "default")}
        name = next(f"check-{n}" for n in itertools.count(1) if f"check-{n}" not in taken)
        rollout = rollout_with_strategy(cluster, name, replicas, strategy, image)
        finished = rolled_out(cluster, name)
        cluster.api.delete("deployments", name)
        if not finished:
            return "the rollout did not finish within 5 minutes."
        if rollout.peak_pods > most_pods:
            return f"at one moment the ReplicaSets were asked for {rollout.peak_pods} pods, more than {most_pods}."
        if rollout.least_available < least_available:
            return f"at one moment only {rollout.least_available} pods were available, fewer than {least_available}."
        return True
    return predicate


def runs_image(cluster: Any, name: str, image: str) -> Predicate:
    """A predicate: the Deployment has rolled out, every pod runs ``image``, and no old pod is left.
    The answer is the kubectl command line (or lines) the learner ran, only checked to be text."""
    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, str):
            return f"expected the kubectl command you ran, as text, got {describe(answer)}."
        deploy = cluster.api.get("deployments", name)
        images = {c["image"] for c in deploy["spec"]["template"]["spec"]["containers"]}
        if images != {image}:
            return f"the Deployment's template runs {', '.join(sorted(images))}, not the image that worked."
        if not rolled_out(cluster, name):
            return "the Deployment has not finished rolling out yet: run `rollout status`."
        return True
    return predicate


def predicts_sizes(cluster: Any, name: str) -> Predicate:
    """A predicate: the answer is (pods asked of the old ReplicaSets, of the new one) as they are now."""
    def predicate(answer: Any) -> bool | str:
        pair = _pair(answer, "(old ReplicaSet, new ReplicaSet)")
        if isinstance(pair, str):
            return pair
        deploy = cluster.api.get("deployments", name)
        sets = _replica_sets(cluster, deploy)
        new = util.find_new_replica_set(deploy, sets)
        new_size = util.replicas(new)
        actual = (util.spec_replicas_sum(sets) - new_size, new_size)
        if sum(pair) != sum(actual):
            return (f"the two do not add up: {sum(pair)} is not what the Deployment may run at most "
                    f"while it rolls out. Which two numbers make that ceiling?")
        return True if pair == actual else "the total is right, but not how it is shared between the two."
    return predicate
