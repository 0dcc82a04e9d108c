"""The Filter plugins of the default profile: may this pod run on this node?

The filters run in the profile's order and the first one that says no
decides the node's reason (``frameworkImpl.RunFilterPlugins``):

1. **NodeUnschedulable**: the node is cordoned (``spec.unschedulable``);
2. **NodeName**: the pod asks for another node (``spec.nodeName``);
3. **TaintToleration**: a ``NoSchedule``/``NoExecute`` taint the pod does not tolerate;
4. **NodeAffinity**: ``nodeSelector`` or required node affinity do not match;
5. **NodeResourcesFit**: not enough free cpu, memory or pod slots.

The first four depend only on the pod's placement rules and the node's
labels and taints, so their verdicts are worked out once per placement (pods
of one template share it) and reused until a node changes. Resource fit
depends on what is booked, so it runs every cycle, as array operations over
all nodes at once. (Not modelled, since course pods use none of them:
NodePorts, the volume plugins, hard topology spread constraints, inter-pod
affinity.)

The first four say no with ``UnschedulableAndUnresolvable``: evicting pods
would not change their answer, so preemption passes those nodes by.
NodeResourcesFit says ``Unschedulable``, even for a request larger than the
whole node (v1.34 made that case unresolvable too, kubernetes#131345).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping, NamedTuple

import numpy as np

from .cache import NodeInfo
from .podinfo import Placement, PodInfo
from .snapshot import Snapshot
from .taints import first_untolerated, intolerable_prefer_no_schedule

# Plugin names (pkg/scheduler/framework/plugins/names/names.go).
NODE_UNSCHEDULABLE = "NodeUnschedulable"
NODE_NAME = "NodeName"
TAINT_TOLERATION = "TaintToleration"
NODE_AFFINITY = "NodeAffinity"
NODE_RESOURCES_FIT = "NodeResourcesFit"

# The reasons each plugin gives, as FailedScheduling prints them.
ERR_UNSCHEDULABLE = "node(s) were unschedulable"  # nodeunschedulable.ErrReasonUnschedulable
ERR_NODE_NAME = "node(s) didn't match the requested node name"  # nodename.ErrReason
# tainttoleration at the course's v1.31: the first untolerated taint is named. (From
# v1.35, and v1.32.10/v1.33.6/v1.34.2, it is just "node(s) had untolerated taint(s)",
# as taints may be sensitive: kubernetes#134740.)
def err_untolerated_taint(taint: Mapping[str, Any]) -> str:
    return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"
ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"  # nodeaffinity.ErrReasonPod
TOO_MANY_PODS = "Too many pods"  # noderesources fitsRequest
INSUFFICIENT_CPU = "Insufficient cpu"
INSUFFICIENT_MEMORY = "Insufficient memory"


def node_filter(placement: Placement, node: NodeInfo) -> tuple[str, str] | None:
    """The (plugin, reason) of the first node-only filter the node fails, or None if it passes them."""
    if node.unschedulable and not placement.tolerates_unschedulable:
        return NODE_UNSCHEDULABLE, ERR_UNSCHEDULABLE
    if placement.node_name and placement.node_name != node.name:
        return NODE_NAME, ERR_NODE_NAME
    taint = first_untolerated(node.taints, placement.tolerations)
    if taint is not None:
        return TAINT_TOLERATION, err_untolerated_taint(taint)
    if not placement.required.matches(node.labels, node.name):
        return NODE_AFFINITY, ERR_NODE_AFFINITY
    return None


class PlacementVerdict:
    """Everything that depends only on a placement and the nodes' labels and taints, per snapshot row.

    ``passed``: the node-only filters let the pod through; ``failures``: how
    many nodes each reason turned away; ``prefer_no_schedule`` and
    ``preferred``: the raw TaintToleration and NodeAffinity scores
    (``preferred`` is None when the pod has no preferred terms).
    """

    def __init__(self, placement: Placement, snapshot: Snapshot) -> None:
        verdicts = [node_filter(placement, node) for node in snapshot.nodes]
        self.placement = placement
        self.passed = np.array([v is None for v in verdicts], dtype=bool)
        self.failures = Counter(v[1] for v in verdicts if v is not None)
        self.plugins = frozenset(v[0] for v in verdicts if v is not None)
        self.prefer_no_schedule = np.array(
            [intolerable_prefer_no_schedule(node.taints, placement.tolerations) for node in snapshot.nodes],
            dtype=np.int64)
        self.preferred = np.array([placement.preferred.score(node.labels, node.name) for node in snapshot.nodes],
                                  dtype=np.int64) if placement.preferred.terms else None
        self._affinity: np.ndarray | None = None
        self._snapshot = snapshot

    def affinity_matches(self) -> np.ndarray:
        """Rows whose labels satisfy the pod's required node affinity, whatever their taints
        (the nodes topology spreading counts); computed when first needed."""
        if self._affinity is None:
            self._affinity = np.array([self.placement.required.matches(node.labels, node.name)
                                       for node in self._snapshot.nodes], dtype=bool)
        return self._affinity


class PlacementVerdicts:
    """PlacementVerdict per placement key, dropped whenever the snapshot's node list changes."""

    def __init__(self) -> None:
        self._verdicts: dict[str, PlacementVerdict] = {}
        self._generation = -1

    def get(self, placement: Placement, snapshot: Snapshot) -> PlacementVerdict:
        if snapshot.generation != self._generation:
            self._verdicts.clear()
            self._generation = snapshot.generation
        verdict = self._verdicts.get(placement.key)
        if verdict is None:
            verdict = self._verdicts[placement.key] = PlacementVerdict(placement, snapshot)
        return verdict


class Misfit(NamedTuple):
    """Rows where NodeResourcesFit turns the pod away for one reason."""

    reason: str
    rows: np.ndarray


def resource_misfits(pod: PodInfo, snapshot: Snapshot, rows: slice = slice(None)) -> list[Misfit]:
    """NodeResourcesFit's verdict for the snapshot ``rows`` (fitsRequest): one more pod must
    fit under the pod count, and each requested resource under what is still free."""
    misfits = [Misfit(TOO_MANY_PODS, snapshot.free_pods[rows] < 1)]
    cpu, memory = pod.requests
    if cpu:
        misfits.append(Misfit(INSUFFICIENT_CPU, snapshot.free_cpu[rows] < cpu))
    if memory:
        misfits.append(Misfit(INSUFFICIENT_MEMORY, snapshot.free_memory[rows] < memory))
    return misfits
