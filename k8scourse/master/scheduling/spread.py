"""Default spreading: keep a workload's pods apart, across nodes and zones.

A pod without ``topologySpreadConstraints`` of its own gets the system
default ones of the PodTopologySpread plugin (``systemDefaultConstraints``
in ``plugins/podtopologyspread/plugin.go``; they replaced the older
SelectorSpread plugin, KEP-1258)::

    kubernetes.io/hostname       maxSkew 3  ScheduleAnyway
    topology.kubernetes.io/zone  maxSkew 5  ScheduleAnyway

``ScheduleAnyway`` means they only score, never filter. "The workload" is
every pod matching the selector ``helper.DefaultSelector`` builds from the
Services that select the pod and the controller that owns it (a
ReplicationController or ReplicaSet; StatefulSets are not modelled). A
pod nobody selects or owns is not spread at all, and neither is one with
constraints of its own (those are not modelled).

Scoring (``scoring.go``): a node's raw score is, per constraint,
``matching pods in its domain * log(domains + 2) + (maxSkew - 1)``; fewer
matching pods is better, and NormalizeScore maps the raw scores to 0..100
as ``100 * (max + min - score) / max``.

Counting matching pods on every candidate node for every pod would be the
slowest part of scheduling, so per selector the count per node is kept up
to date as pods are booked and unbooked.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from k8scourse.api.errors import K8sValueError
from k8scourse.api.selectors import EQUALS, LabelSelector, Requirement, Selector

from .cache import LABEL_ZONE, Cache, NodeInfo
from .filters import PlacementVerdict
from .podinfo import PodInfo
from .scores import MAX_NODE_SCORE, go_round
from .snapshot import Snapshot

HOSTNAME_MAX_SKEW = 3
ZONE_MAX_SKEW = 5

# The objects DefaultSelector looks up (the scheduler watches them).
OWNER_RESOURCES = ("services", "replicationcontrollers", "replicasets")
REPLICATION_CONTROLLER = ("v1", "ReplicationController")
REPLICA_SET = ("apps/v1", "ReplicaSet")


def _selector(obj: Mapping[str, Any]) -> Any:
    return (obj.get("spec") or {}).get("selector")


class Owners:
    """The Services, ReplicationControllers and ReplicaSets seen so far, by namespace and name."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[tuple[str, str], Mapping[str, Any]]] = {r: {} for r in OWNER_RESOURCES}
        self._selectors: dict[tuple, Selector | None] = {}

    def handler(self, resource: str) -> Callable[[str, Mapping[str, Any]], None]:
        """A watch handler keeping ``resource`` up to date."""
        objects = self.objects[resource]

        def handle(event_type: str, obj: Mapping[str, Any]) -> None:
            meta = obj["metadata"]
            key = (meta.get("namespace") or "default", meta["name"])
            old = objects.pop(key, None) if event_type == "DELETED" else objects.get(key)
            if event_type != "DELETED":
                objects[key] = obj
            # Only selectors matter: a status update (say, a ReplicaSet's ready count) changes nothing here.
            if old is None or event_type == "DELETED" or _selector(old) != _selector(obj):
                self._selectors.clear()

        return handle

    def default_selector(self, pod: PodInfo) -> Selector | None:
        """The pods counted as the same workload as ``pod`` (helper.DefaultSelector); None if nobody."""
        cache_key = (pod.namespace, pod.owner, tuple(sorted(pod.labels.items())))
        if cache_key not in self._selectors:
            self._selectors[cache_key] = self._build_selector(pod)
        return self._selectors[cache_key]

    def _build_selector(self, pod: PodInfo) -> Selector | None:
        labels: dict[str, str] = {}
        for (namespace, _), service in sorted(self.objects["services"].items()):
            selector = _selector(service)
            if namespace == pod.namespace and selector is not None \
                    and all(pod.labels.get(k) == v for k, v in selector.items()):
                labels.update(selector)
        extra: list[Requirement] = []
        if pod.owner is not None:
            api_version, kind, name = pod.owner
            if (api_version, kind) == REPLICATION_CONTROLLER:
                rc = self.objects["replicationcontrollers"].get((pod.namespace, name))
                if rc is not None:
                    labels.update(_selector(rc) or {})
            elif (api_version, kind) == REPLICA_SET:
                rs = self.objects["replicasets"].get((pod.namespace, name))
                if rs is not None:
                    try:
                        extra = list(LabelSelector.from_dict(_selector(rs)).selector.requirements)
                    except K8sValueError:
                        pass  # a selector that does not parse adds nothing, as upstream
        requirements = [Requirement(k, EQUALS, (v,)) for k, v in labels.items()] + extra
        return Selector(requirements) if requirements else None


class _Tally:
    """How many non-terminating pods of one namespace match one selector: per node slot and per zone."""

    __slots__ = ("selector", "counts", "zones")

    def __init__(self, selector: Selector, size: int) -> None:
        self.selector = selector
        self.counts = np.zeros(size, dtype=np.int64)
        self.zones: dict[str, int] = {}

    def add(self, node: NodeInfo, n: int) -> None:
        self.counts[node.slot] += n
        zone = node.labels.get(LABEL_ZONE, "")
        self.zones[zone] = self.zones.get(zone, 0) + n


class DefaultSpreading:
    """PodTopologySpread with the system default constraints, scoring only."""

    def __init__(self, cache: Cache, owners: Owners) -> None:
        self.owners = owners
        self._cache = cache
        self._size = 64  # length of every tally's counts; grows with the cache's slots
        self._tallies: dict[tuple[str, Selector], _Tally] = {}
        # Tallies are found from a pod's labels, by one equality requirement of their selector.
        self._tallies_by_label: dict[tuple[str, str, str], list[_Tally]] = {}
        self._unindexed: dict[str, list[_Tally]] = {}
        # Booked pods by (namespace, label, value), so that a new tally need not look at every pod.
        self._pods_by_label: dict[tuple[str, str, str], dict[str, tuple[PodInfo, NodeInfo]]] = {}
        cache.pod_hooks.append(self._count)

    def _count(self, pod: PodInfo, node: NodeInfo, sign: int) -> None:
        """Cache hook: a pod was booked on (+1) or taken off (-1) a node."""
        if pod.deleting:  # terminating pods are not counted (countPodsMatchSelector)
            return
        if node.slot >= self._size:
            self._grow(node.slot + 1)
        namespace, labels = pod.namespace, pod.labels
        for key, value in labels.items():
            label = (namespace, key, value)
            if sign > 0:
                self._pods_by_label.setdefault(label, {})[pod.key] = (pod, node)
            else:
                del self._pods_by_label[label][pod.key]
            for tally in self._tallies_by_label.get(label, ()):
                if tally.selector.matches(labels):
                    tally.add(node, sign)
        for tally in self._unindexed.get(namespace, ()):
            if tally.selector.matches(labels):
                tally.add(node, sign)

    def _grow(self, needed: int) -> None:
        if needed <= self._size:
            return
        while self._size < needed:
            self._size *= 2
        for tally in self._tallies.values():
            tally.counts = np.concatenate((tally.counts, np.zeros(self._size - len(tally.counts), dtype=np.int64)))

    def _tally(self, namespace: str, selector: Selector) -> _Tally:
        tally = self._tallies.get((namespace, selector))
        if tally is None:
            self._grow(self._cache.slots)
            tally = self._tallies[(namespace, selector)] = _Tally(selector, self._size)
            anchor = next((r for r in selector.requirements if r.operator == EQUALS), None)
            if anchor is None:
                self._unindexed.setdefault(namespace, []).append(tally)
                candidates = [(p, n) for p, n in self._cache.pods() if p.namespace == namespace and not p.deleting]
            else:
                label = (namespace, anchor.key, anchor.values[0])
                self._tallies_by_label.setdefault(label, []).append(tally)
                candidates = list(self._pods_by_label.get(label, {}).values())
            for pod, node in candidates:
                if selector.matches(pod.labels):
                    tally.add(node, 1)
        return tally

    def scores(self, pod: PodInfo, snapshot: Snapshot, rows: np.ndarray, verdict: PlacementVerdict) -> np.ndarray | None:
        """Normalised scores of the candidate ``rows``, or None when the plugin skips the pod.

        A pod with ``topologySpreadConstraints`` of its own does not get the
        defaults; its own constraints are not modelled, so it is skipped.
        """
        if pod.pod["spec"].get("topologySpreadConstraints"):
            return None
        selector = self.owners.default_selector(pod)
        if selector is None:
            return None
        tally = self._tally(pod.namespace, selector)
        # kubernetes.io/hostname: each node is its own domain; there are as many as candidates.
        raw = np.where(snapshot.has_hostname[rows],
                       tally.counts[snapshot.slots[rows]] * math.log(len(rows) + 2) + (HOSTNAME_MAX_SKEW - 1), 0.0)
        zoned = snapshot.has_zone[rows]
        if zoned.any():
            # topology.kubernetes.io/zone: the matching pods of the whole zone, on the nodes the
            # pod's required node affinity allows; the domains are the candidates' zones.
            zone = snapshot.zone[rows]
            if pod.placement.required.matches_all:
                per_zone = np.array([tally.zones.get(z, 0) for z in snapshot.zones])
            else:
                allowed = verdict.affinity_matches()
                per_zone = np.bincount(snapshot.zone[allowed], weights=tally.counts[snapshot.slots[allowed]],
                                       minlength=len(snapshot.zones))
            domains = np.count_nonzero(np.bincount(zone, minlength=len(snapshot.zones)))
            raw = raw + np.where(zoned, per_zone[zone] * math.log(domains + 2) + (ZONE_MAX_SKEW - 1), 0.0)
        return spread_normalize(go_round(raw))


def spread_normalize(scores: np.ndarray) -> np.ndarray:
    """PodTopologySpread's NormalizeScore: 100 * (max + min - score) / max, or 100 everywhere if max is 0."""
    highest, lowest = int(scores.max()), int(scores.min())
    if highest == 0:
        return np.full(len(scores), MAX_NODE_SCORE, dtype=np.int64)
    return MAX_NODE_SCORE * (highest + lowest - scores) // highest
