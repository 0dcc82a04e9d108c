"""The node lifecycle controller's NoSchedule tainting pass, against the course's apiserver."""

from __future__ import annotations

import random
from typing import Any

import pytest

from k8scourse.clock import VirtualClock
from k8scourse.cluster import Cluster
from k8scourse.etcd.store import Store
from k8scourse.master.apiserver import APIServer
from k8scourse.master.controllers.nodelifecycle import NodeLifecycleController, no_schedule_taints

UNSCHEDULABLE = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def node(name: str = "node-1", *, ready: str = "True", unschedulable: bool = False,
         taints: list | None = None, **conditions: str) -> dict:
    spec: dict[str, Any] = {}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    status_conditions = [{"type": kind, "status": status} for kind, status in conditions.items()]
    status_conditions.append({"type": "Ready", "status": ready})
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": spec,
            "status": {"conditions": status_conditions}}


class Harness:
    """An apiserver and a started controller on one clock."""

    def __init__(self, *nodes: dict) -> None:
        self.clock = VirtualClock()
        self.api = APIServer(Store(self.clock), self.clock, random.Random(0))
        for n in nodes:
            self.api.create(n)
        self.controller = NodeLifecycleController(self.api, self.clock)
        self.controller.start()
        self.clock.run(1)

    def taints(self, name: str = "node-1") -> list[dict] | None:
        return self.api.get("nodes", name)["spec"].get("taints")

    def set(self, name: str = "node-1", **spec: Any) -> None:
        self.api.patch("nodes", name, {"spec": spec})
        self.clock.run(1)

    def set_ready(self, status: str, name: str = "node-1") -> None:
        current = self.api.get("nodes", name)
        self.api.update_status({**current, "status": {"conditions": [{"type": "Ready", "status": status}]}})
        self.clock.run(1)


def test_cordon_adds_the_unschedulable_taint_and_uncordon_removes_it():
    cluster = Cluster.quickstart(nodes=2)
    assert cluster.kubectl("cordon node-1") == "node/node-1 cordoned\n"
    cluster.run(1)
    spec = cluster.api.get("nodes", "node-1")["spec"]
    assert spec["unschedulable"] is True
    assert spec["taints"] == [{**UNSCHEDULABLE, "timeAdded": "2025-01-01T00:00:10Z"}]  # cordoned at 10 s
    described = cluster.kubectl("describe node node-1")
    assert "Taints:             node.kubernetes.io/unschedulable:NoSchedule\n" in described
    assert "taints" not in cluster.api.get("nodes", "node-2")["spec"]
    cluster.kubectl("uncordon node-1")
    cluster.run(1)
    assert "taints" not in cluster.api.get("nodes", "node-1")["spec"]  # no taints left: the field goes


def test_the_taint_follows_spec_unschedulable_however_it_is_set():
    harness = Harness(node(unschedulable=True))
    assert harness.taints() == [{**UNSCHEDULABLE, "timeAdded": "2025-01-01T00:00:00Z"}]
    harness.set(unschedulable=None)
    assert harness.taints() is None


def test_other_taints_are_kept_and_the_new_one_goes_last():
    own = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
           {"key": "node.kubernetes.io/unschedulable", "effect": "NoExecute"}]  # not this pass's: NoExecute
    harness = Harness(node(taints=own))
    assert harness.taints() == own
    harness.set(unschedulable=True)
    assert harness.taints() == [*own, {**UNSCHEDULABLE, "timeAdded": "2025-01-01T00:00:01Z"}]
    harness.set(unschedulable=None)
    assert harness.taints() == own


def test_a_taint_already_there_is_left_as_it_is():
    mine = {**UNSCHEDULABLE, "value": "by-hand"}
    harness = Harness(node(unschedulable=True, taints=[mine]))
    assert harness.taints() == [mine]  # same key and effect: nothing to add (Taint.MatchTaint)


@pytest.mark.parametrize("ready, key", [("False", "node.kubernetes.io/not-ready"),
                                        ("Unknown", "node.kubernetes.io/unreachable")])
def test_ready_condition_gives_its_taint_until_the_node_is_ready(ready, key):
    harness = Harness(node(ready=ready))
    assert harness.taints() == [{"key": key, "effect": "NoSchedule", "timeAdded": "2025-01-01T00:00:00Z"}]
    harness.set_ready("True")
    assert harness.taints() is None


def test_the_admission_plugins_not_ready_taint_goes_once_the_node_is_ready():
    # TaintNodesByCondition taints every new Node not-ready:NoSchedule; this pass lifts it.
    harness = Harness(node(taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]))
    assert harness.taints() is None


def test_not_ready_becoming_unreachable_swaps_the_taints():
    harness = Harness(node(ready="False"))
    harness.set_ready("Unknown")
    assert harness.taints() == [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule",
                                 "timeAdded": "2025-01-01T00:00:01Z"}]


def test_pressure_conditions_map_to_taints_in_condition_order():
    pressured = node(MemoryPressure="True", DiskPressure="False", PIDPressure="True", NetworkUnavailable="True",
                     unschedulable=True)
    assert [t["key"] for t in no_schedule_taints(pressured)] == [
        "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure",
        "node.kubernetes.io/network-unavailable", "node.kubernetes.io/unschedulable"]


def test_a_node_deleted_before_its_pass_is_ignored():
    harness = Harness(node())
    harness.api.patch("nodes", "node-1", {"spec": {"unschedulable": True}})
    harness.api.delete("nodes", "node-1")
    harness.clock.run(1)  # no error: the pass finds nothing to taint
    assert harness.api.list("nodes") == []


def test_a_cordoned_node_is_still_reported_as_unschedulable_by_the_scheduler():
    cluster = Cluster.quickstart(nodes=1)
    cluster.kubectl("cordon node-1")
    cluster.run(1)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                   "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    cluster.run(1)
    messages = [e["message"] for e in cluster.api.list("events", "default") if e["reason"] == "FailedScheduling"]
    assert messages == ["0/1 nodes are available: 1 node(s) were unschedulable. "
                        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.."]
