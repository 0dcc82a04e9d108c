"""kube-scheduler: filters, scores, the adaptive search, the queue and the messages.

The pure parts (taints, affinity, requests, score formulas) are tested
directly; the rest runs a Scheduler against the course's APIServer, which
delivers watch events on the virtual clock as the real one would.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from k8scourse.api.errors import K8sValueError, ObjectInvalidError
from k8scourse.clock import VirtualClock
from k8scourse.etcd.store import Store
from k8scourse.master.apiserver import APIServer
from k8scourse.master.scheduler import Scheduler
from k8scourse.master.scheduling.cache import Cache
from k8scourse.master.scheduling.filters import (
    ERR_NODE_AFFINITY,
    ERR_NODE_NAME,
    ERR_UNSCHEDULABLE,
    node_filter,
)
from k8scourse.master.scheduling.framework import num_feasible_nodes_to_find
from k8scourse.api.podvalidation.affinity import node_affinity_errors
from k8scourse.master.scheduling.nodeaffinity import (
    NodeSelectorTerm,
    PreferredNodeAffinity,
    RequiredNodeAffinity,
)
from k8scourse.master.scheduling.podinfo import (
    NON_ZERO_DEFAULTS,
    PodInfo,
    Requests,
    pod_requests,
)
from k8scourse.master.scheduling.queue import QueuedPod
from k8scourse.master.scheduling.scores import (
    balanced_allocation,
    default_normalize,
    go_round,
    least_allocated,
    least_requested_score,
)
from k8scourse.master.scheduling.spread import Owners, spread_normalize
from k8scourse.master.scheduling.taints import (
    first_untolerated,
    intolerable_prefer_no_schedule,
    node_taints,
    tolerates,
)

GIB = 1024**3
MIB = 1024**2
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


# --- objects -----------------------------------------------------------------------------------

def node(name: str, cpu: str = "4", memory: str = "8Gi", pods: str = "110", labels: dict | None = None,
         taints: list | None = None, ready: str | None = "True", unschedulable: bool = False) -> dict:
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    status: dict[str, Any] = {"capacity": {"cpu": cpu, "memory": memory, "pods": pods},
                              "allocatable": {"cpu": cpu, "memory": memory, "pods": pods}}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": ready}]
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": spec, "status": status}


def pod(name: str, cpu: str | None = "100m", memory: str | None = "128Mi", labels: dict | None = None,
        owner: str | None = None, **spec: Any) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    meta: dict[str, Any] = {"name": name, "namespace": "default", "labels": labels or {"app": "web"}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner,
                                    "uid": f"uid-{owner}", "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "resources": {"requests": requests}}],
                     **spec}}


def replica_set(name: str, labels: dict) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "default", "labels": labels},
            "spec": {"replicas": 3, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


# --- a cluster of an apiserver and a scheduler ------------------------------------------------

class Cluster:
    """The course's APIServer over the etcd model, and a started Scheduler, with shortcuts for tests."""

    def __init__(self, nodes: list[dict] = (), seed: int = 1, **options: Any) -> None:
        self.clock = VirtualClock()
        self.api = APIServer(Store(self.clock), self.clock, random.Random(seed))
        self.api.bootstrap()
        for n in nodes:
            self.api.create(n)
        self.scheduler = Scheduler(self.api, self.clock, random.Random(seed), **options)
        self.scheduler.start()
        self.clock.run(0)

    def add(self, *pods: dict, run: float = 0) -> None:
        for p in pods:
            self.api.create(p)
        self.clock.run(run)

    def pod(self, name: str) -> dict:
        return self.api.get("pods", name, "default")

    def node_of(self, name: str) -> str | None:
        return self.pod(name)["spec"].get("nodeName")

    def events(self, name: str, reason: str = "FailedScheduling") -> list[dict]:
        return [e for e in self.api.list("events", "default")
                if e["involvedObject"]["name"] == name and e["reason"] == reason]

    def messages(self, name: str, reason: str = "FailedScheduling") -> list[str]:
        return [e["message"] for e in self.events(name, reason)]


def preemption(n: int, not_helpful: int = 0) -> str:
    """DefaultPreemption's part of a FailedScheduling message. It ends with two full stops: the
    preemption FitError's own, then FitError.Error's SeparatorFormat " %v." around it."""
    parts = sorted(f"{c} {r}" for r, c in (("Preemption is not helpful for scheduling", not_helpful),
                                           ("No preemption victims found for incoming pod", n - not_helpful)) if c)
    return f"preemption: 0/{n} nodes are available: {', '.join(parts)}.."


# --- taints and tolerations --------------------------------------------------------------------

def test_toleration_matching_follows_tolerates_taint():
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    assert tolerates({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}, taint)
    assert tolerates({"key": "dedicated", "value": "gpu"}, taint)  # empty operator is Equal, empty effect is any
    assert not tolerates({"key": "dedicated", "value": "cpu"}, taint)
    assert tolerates({"key": "dedicated", "operator": "Exists"}, taint)
    assert tolerates({"operator": "Exists"}, taint)  # empty key with Exists tolerates everything
    assert not tolerates({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, taint)


def test_only_noschedule_and_noexecute_taints_block():
    prefer = {"key": "a", "effect": "PreferNoSchedule"}
    hard = {"key": "b", "effect": "NoExecute"}
    assert first_untolerated([prefer], []) is None
    assert first_untolerated([prefer, hard], []) == hard
    assert first_untolerated([hard], [{"key": "b", "operator": "Exists"}]) is None
    # Only tolerations with an empty or PreferNoSchedule effect count against PreferNoSchedule.
    assert intolerable_prefer_no_schedule([prefer], [{"key": "a", "operator": "Exists", "effect": "NoSchedule"}]) == 1
    assert intolerable_prefer_no_schedule([prefer, hard], [{"key": "a", "operator": "Exists"}]) == 0


@pytest.mark.parametrize("ready, key", [("False", "node.kubernetes.io/not-ready"), (None, "node.kubernetes.io/not-ready"),
                                        ("Unknown", "node.kubernetes.io/unreachable")])
def test_a_node_that_is_not_ready_counts_as_tainted(ready, key):
    assert node_taints(node("n", ready=ready)) == ({"key": key, "effect": "NoSchedule"},)
    assert node_taints(node("n", ready="True")) == ()
    tainted = node("n", ready="False", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}])
    assert len(node_taints(tainted)) == 1  # the lifecycle controller's taint is not doubled


# --- node affinity -----------------------------------------------------------------------------

def _term(*expressions: tuple) -> dict:
    return {"matchExpressions": [{"key": k, "operator": op, **({"values": list(v)} if v else {})}
                                 for k, op, *rest in expressions for v in [rest[0] if rest else None]]}


@pytest.mark.parametrize("expression, matches", [
    (("disk", "In", ["ssd", "nvme"]), True),
    (("disk", "NotIn", ["ssd"]), False),
    (("gpu", "NotIn", ["yes"]), True),  # a missing label is "not in"
    (("disk", "Exists"), True),
    (("gpu", "DoesNotExist"), True),
    (("cores", "Gt", ["8"]), True),
    (("cores", "Lt", ["8"]), False),
    (("disk", "Gt", ["1"]), False),  # a label that is not a number never compares
])
def test_node_selector_operators(expression, matches):
    labels = {"disk": "ssd", "cores": "16"}
    assert NodeSelectorTerm(_term(expression)).matches(labels, "n1") is matches


def test_required_terms_are_ored_and_need_the_node_selector_too():
    affinity = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        _term(("zone", "In", ["a"])), _term(("zone", "In", ["b"]))]}}
    required = RequiredNodeAffinity({"disk": "ssd"}, affinity)
    assert required.matches({"zone": "b", "disk": "ssd"}, "n")
    assert not required.matches({"zone": "b"}, "n")
    assert not required.matches({"zone": "c", "disk": "ssd"}, "n")
    assert RequiredNodeAffinity(None, None).matches_all


def test_empty_or_unparsable_terms_match_nothing_and_fields_match_the_name():
    assert not NodeSelectorTerm({}).matches({"a": "b"}, "n")
    assert not NodeSelectorTerm(_term(("cores", "Gt", ["many"]))).matches({"cores": "3"}, "n")
    by_name = NodeSelectorTerm({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]})
    assert by_name.matches({}, "n2") and not by_name.matches({}, "n1")


def test_preferred_terms_add_their_weights():
    preferred = PreferredNodeAffinity({"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 80, "preference": _term(("disk", "In", ["ssd"]))},
        {"weight": 20, "preference": _term(("zone", "Exists"))},
        {"weight": 50, "preference": {}},  # an empty preference is skipped
    ]})
    assert preferred.score({"disk": "ssd", "zone": "a"}, "n") == 100
    assert preferred.score({"zone": "a"}, "n") == 20


def test_node_affinity_validation_messages():
    path = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
    errors = node_affinity_errors({"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}})
    assert [str(e) for e in errors] == [f"{path}: Required value: must have at least one node selector term"]
    errors = node_affinity_errors({"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In"}, {"key": "a", "operator": "Near", "values": ["x"]},
                              {"key": "n", "operator": "Gt", "values": ["1", "2"]}]}]}})
    assert [str(e) for e in errors] == [
        f"{path}[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        f'{path}[0].matchExpressions[1].operator: Invalid value: "Near": not a valid selector operator',
        (f"{path}[0].matchExpressions[2].values: Required value: must be specified single value when "
        "`operator` is 'Lt' or 'Gt'")]
    errors = node_affinity_errors({"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 0, "preference": _term(("zone", "Exists"))}]})
    assert [str(e) for e in errors] == [
        ("spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
        "Invalid value: 0: must be in the range 1-100")]


# --- what the scheduler reads from a pod -------------------------------------------------------

def test_pod_requests_add_containers_and_take_the_largest_init_container():
    spec = {"containers": [{"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
                           {"resources": {"requests": {"cpu": "1"}}}],
            "initContainers": [{"resources": {"requests": {"cpu": "2", "memory": "512Mi"}}}],
            "overhead": {"cpu": "100m", "memory": "64Mi"}}
    assert pod_requests(spec) == Requests(2100, GIB + 64 * MIB)
    # A container without requests counts as 100m/200MB for the LeastAllocated score.
    assert pod_requests(spec, NON_ZERO_DEFAULTS) == Requests(2100, GIB + 200 * MIB + 64 * MIB)


def test_sidecars_keep_running_and_add_up():
    spec = {"containers": [{"resources": {"requests": {"cpu": "1"}}}],
            "initContainers": [{"restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}},
                               {"resources": {"requests": {"cpu": "1200m"}}}]}
    # The sidecar runs beside the app (1.5 cores) and beside the later init container (1.7 cores).
    assert pod_requests(spec).cpu == 1700


def test_bad_node_selector_is_a_clear_validation_error():
    with pytest.raises(ObjectInvalidError) as err:
        PodInfo(pod("web", nodeSelector={"disk": "fast ssd"}))
    assert isinstance(err.value, ValueError)
    assert str(err.value).startswith('Pod "web" is invalid: spec.nodeSelector: Invalid value: "fast ssd": '
                                     "a valid label must be an empty string or consist of alphanumeric characters")


def test_bad_quantity_names_its_field():
    with pytest.raises(ObjectInvalidError, match=r"spec.containers\[0\].resources.requests\[cpu\]: "
                                                 r'Invalid value: "lots": quantities must match'):
        PodInfo(pod("web", cpu="lots"))


# --- score formulas ----------------------------------------------------------------------------

def test_least_allocated_matches_upstream_examples():
    # least_allocated_test.go: node 4000m/10000, requested 3000m/5000 -> cpu 25, memory 50 -> 37.
    requested = (np.array([3000]), np.array([4000]), 1), (np.array([5000]), np.array([10000]), 1)
    assert least_allocated(requested).tolist() == [37]
    assert least_requested_score(np.array([5, 0, 1]), np.array([4, 0, 10])).tolist() == [0, 0, 90]
    # A node without memory is scored on cpu alone.
    assert least_allocated(((np.array([1000]), np.array([4000]), 1),
                            (np.array([1]), np.array([0]), 1))).tolist() == [75]


def test_balanced_allocation_prefers_even_use():
    # balanced_allocation_test.go: cpu 3000/4000 and memory 5000/10000 -> |0.75-0.5|/2 = 0.125 -> 87.
    assert balanced_allocation((np.array([3000]), np.array([4000])), (np.array([5000]), np.array([10000]))).tolist() == [87]
    assert balanced_allocation((np.array([6000]), np.array([4000])), (np.array([0]), np.array([10000]))).tolist() == [50]


def test_normalizations():
    assert default_normalize(np.array([0, 1, 3]), reverse=True).tolist() == [100, 67, 0]
    assert default_normalize(np.array([0, 1, 3]), reverse=False).tolist() == [0, 33, 100]
    assert default_normalize(np.array([0, 0]), reverse=True).tolist() == [100, 100]
    assert spread_normalize(np.array([2, 4, 6])).tolist() == [100, 66, 33]
    assert go_round(np.array([2.5, 3.49, 0.5])).tolist() == [3, 3, 1]  # halves go up, as in Go


# --- the adaptive share of nodes ---------------------------------------------------------------

@pytest.mark.parametrize("nodes, percentage, wanted", [
    (50, 0, 50), (100, 0, 100), (1000, 0, 420), (5000, 0, 500), (6000, 0, 300), (15000, 0, 750),
    (1000, 30, 300), (150, 10, 100), (5000, 100, 5000),
])
def test_num_feasible_nodes_to_find(nodes, percentage, wanted):
    assert num_feasible_nodes_to_find(percentage, nodes) == wanted


def test_percentage_of_nodes_to_score_is_validated():
    with pytest.raises(K8sValueError, match=r"percentageOfNodesToScore: Invalid value: 120: not in valid range \[0-100\]"):
        Cluster(percentage_of_nodes_to_score=120)


def test_the_search_rotates_and_stops_once_enough_nodes_are_found():
    cluster = Cluster([node(f"node-{i:03d}") for i in range(200)])
    framework = cluster.scheduler.framework
    first = framework.schedule(PodInfo(pod("a")))
    # 200 nodes: 50% - 1% = 49% = 98, raised to the minimum of 100 feasible nodes.
    assert (first.evaluated, first.feasible, framework.next_start_node_index) == (100, 100, 100)
    second = framework.schedule(PodInfo(pod("b")))
    assert (second.evaluated, framework.next_start_node_index) == (100, 0)
    assert int(second.node.split("-")[1]) >= 100  # chosen among the second half


def test_infeasible_nodes_count_as_evaluated():
    nodes = [node(f"node-{i:03d}", cpu="100m" if i % 2 else "4") for i in range(300)]
    framework = Cluster(nodes).scheduler.framework
    result = framework.schedule(PodInfo(pod("a", cpu="1")))
    # 300 nodes: 48% = 144 wanted; the 145th feasible node is row 288, so rows 0-287 were looked at.
    assert (result.feasible, result.evaluated, framework.next_start_node_index) == (144, 288, 288)


# --- filters, end to end -----------------------------------------------------------------------

def test_a_pod_is_bound_and_the_event_says_where():
    cluster = Cluster([node("node-1")])
    cluster.add(pod("web"))
    assert cluster.node_of("web") == "node-1"
    assert cluster.messages("web", "Scheduled") == ["Successfully assigned default/web to node-1"]
    assert cluster.events("web", "Scheduled")[0]["source"] == {"component": "default-scheduler"}


def test_insufficient_cpu_message():
    cluster = Cluster([node(f"node-{i}", cpu="1") for i in range(3)])
    cluster.add(*(pod(f"fill-{i}", cpu="800m") for i in range(3)), pod("web", cpu="500m"))
    assert cluster.node_of("web") is None
    assert cluster.messages("web") == [f"0/3 nodes are available: 3 Insufficient cpu. {preemption(3)}"]


def test_insufficient_cpu_reads_as_v1_31_says_it():
    cluster = Cluster([node(f"node-{i}", cpu="1") for i in range(3)])
    cluster.add(pod("web", cpu="2"))
    assert cluster.messages("web") == [
        "0/3 nodes are available: 3 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.."]


def test_a_request_larger_than_any_node_still_looks_for_victims():
    # Until v1.34 (kubernetes#131345) NodeResourcesFit answered Unschedulable even then.
    cluster = Cluster([node(f"node-{i}", cpu="2") for i in range(3)])
    cluster.add(pod("big", cpu="3", memory="16Gi"))
    assert cluster.messages("big") == [
        f"0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. {preemption(3)}"]


def test_preemption_is_not_helpful_only_where_an_unresolvable_filter_said_no():
    cluster = Cluster([node("cordoned", unschedulable=True, cpu="8"), node("small-1", cpu="1"),
                       node("small-2", cpu="1")])
    cluster.add(pod("web", cpu="2"))
    assert cluster.messages("web") == [
        f"0/3 nodes are available: 1 {ERR_UNSCHEDULABLE}, 2 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod.."]


def test_node_selector_mismatch_message():
    cluster = Cluster([node(f"node-{i}") for i in range(3)])
    cluster.add(pod("web", nodeSelector={"disktype": "ssd"}))
    assert cluster.messages("web") == [
        f"0/3 nodes are available: 3 {ERR_NODE_AFFINITY}. {preemption(3, not_helpful=3)}"]


def test_too_many_pods_on_a_node():
    cluster = Cluster([node("node-1", pods="110")])
    cluster.add(*(pod(f"p-{i:03d}", cpu=None, memory=None) for i in range(111)))
    assert sum(cluster.node_of(f"p-{i:03d}") == "node-1" for i in range(111)) == 110
    assert cluster.messages("p-110") == [f"0/1 nodes are available: 1 Too many pods. {preemption(1)}"]


def test_mixed_reasons_are_counted_and_sorted_as_strings():
    nodes = [node("control-plane", taints=[CONTROL_PLANE_TAINT]),
             node("other-zone", labels={"zone": "b"}),
             *(node(f"node-{i}", memory="1Gi", labels={"zone": "a"}) for i in range(3))]
    cluster = Cluster(nodes)
    cluster.add(pod("web", memory="2Gi", affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [_term(("zone", "NotIn", ["b"]))]}}}))
    assert cluster.messages("web") == [
        (f"0/5 nodes are available: 1 {ERR_NODE_AFFINITY}, "
         "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient memory. "
        f"{preemption(5, not_helpful=2)}")]


def test_unschedulable_and_not_ready_nodes_are_filtered():
    cluster = Cluster([node("cordoned", unschedulable=True), node("sick", ready="False"), node("fine")])
    cluster.add(*(pod(f"web-{i}") for i in range(4)))
    assert {cluster.node_of(f"web-{i}") for i in range(4)} == {"fine"}
    tolerant = pod("tolerant", tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                            "effect": "NoSchedule"}], nodeSelector={"kubernetes.io/hostname": "cordoned"})
    cluster.add(tolerant)
    assert cluster.node_of("tolerant") == "cordoned"


def test_untolerated_taint_and_cordon_message():
    cluster = Cluster([node("cordoned", unschedulable=True), node("tainted", taints=[CONTROL_PLANE_TAINT])])
    cluster.add(pod("web"))
    assert cluster.messages("web") == [
        "0/2 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        f"1 {ERR_UNSCHEDULABLE}. {preemption(2, not_helpful=2)}"]


def test_node_name_filter():
    info = Cache()
    info.set_node(node("node-1"))
    placement = PodInfo(pod("web", nodeName="node-2")).placement
    assert node_filter(placement, info.nodes["node-1"]) == ("NodeName", ERR_NODE_NAME)


def test_preemption_policy_never_says_so():
    cluster = Cluster([node("node-1", cpu="1")])
    cluster.add(pod("web", cpu="2", preemptionPolicy="Never"))
    assert cluster.messages("web") == [("0/1 nodes are available: 1 Insufficient cpu. "
                                       "preemption: not eligible due to preemptionPolicy=Never..")]


def test_no_nodes_at_all_then_a_node_registers():
    cluster = Cluster()
    cluster.add(pod("web"))
    assert cluster.messages("web") == ["no nodes available to schedule pods"]
    cluster.api.create(node("node-1"))
    cluster.clock.run(5)
    assert cluster.node_of("web") == "node-1"


def test_failed_scheduling_sets_the_pod_scheduled_condition_once():
    cluster = Cluster([node("node-1", cpu="1")])
    cluster.add(pod("web", cpu="2"))
    status = cluster.pod("web")["status"]
    condition = next(c for c in status["conditions"] if c["type"] == "PodScheduled")
    assert condition["status"] == "False" and condition["reason"] == "Unschedulable"
    assert condition["message"] == cluster.messages("web")[0]
    version = cluster.pod("web")["metadata"]["resourceVersion"]
    cluster.clock.run(600)  # retried after 5 minutes, same outcome: the event repeats, the pod is not rewritten
    assert cluster.events("web")[0]["count"] == 2
    assert cluster.pod("web")["metadata"]["resourceVersion"] == version


# --- scores, end to end ------------------------------------------------------------------------

def test_least_allocated_picks_the_emptier_node():
    cluster = Cluster([node("busy"), node("idle")])
    cluster.api.create(pod("hog", cpu="3", memory="6Gi", nodeName="busy"))
    cluster.add(pod("web"))
    assert cluster.node_of("web") == "idle"


def test_balanced_allocation_outweighs_a_slightly_emptier_node():
    # LeastAllocated gives cpu-heavy 53 and even 47; BalancedAllocation 68 and 99.
    cluster = Cluster([node("cpu-heavy", cpu="4", memory="8Gi"), node("even", cpu="4", memory="8Gi")])
    cluster.api.create(pod("a", cpu="3", memory="1Gi", nodeName="cpu-heavy"))
    cluster.api.create(pod("b", cpu="2", memory="4Gi", nodeName="even"))
    cluster.add(pod("web", cpu="100m", memory="128Mi"))
    assert cluster.node_of("web") == "even"


def test_prefer_no_schedule_taint_is_avoided_but_not_forbidden():
    cluster = Cluster([node("spot", taints=[{"key": "spot", "effect": "PreferNoSchedule"}]), node("regular")])
    cluster.add(pod("web"))
    assert cluster.node_of("web") == "regular"
    lonely = Cluster([node("spot", taints=[{"key": "spot", "effect": "PreferNoSchedule"}])])
    lonely.add(pod("web"))
    assert lonely.node_of("web") == "spot"


def test_preferred_node_affinity_wins():
    cluster = Cluster([node(f"node-{i}", labels={"disk": "ssd" if i == 2 else "hdd"}) for i in range(4)])
    cluster.add(pod("web", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 50, "preference": _term(("disk", "In", ["ssd"]))}]}}))
    assert cluster.node_of("web") == "node-2"


def test_replicas_of_a_replicaset_spread_over_nodes_and_zones():
    nodes = [node(f"node-{i}", labels={"topology.kubernetes.io/zone": f"zone-{i % 2}"}) for i in range(4)]
    cluster = Cluster(nodes)
    labels = {"app": "web", "pod-template-hash": "abc"}
    cluster.api.create(replica_set("web-abc", labels))
    cluster.clock.run(0)
    for i in range(4):  # one at a time, so each sees the last one placed
        cluster.add(pod(f"web-abc-{i}", labels=labels, owner="web-abc"))
    placed = [cluster.node_of(f"web-abc-{i}") for i in range(4)]
    assert sorted(placed) == [f"node-{i}" for i in range(4)]
    assert {int(placed[0][-1]) % 2, int(placed[1][-1]) % 2} == {0, 1}  # the second goes to the other zone


def scores_on_two_nodes(info: PodInfo, *objects: dict) -> dict[str, list[int]]:
    cluster = Cluster([node("node-1"), node("node-2")])
    for obj in objects:
        cluster.api.create(obj)
    cluster.clock.run(0)
    framework = cluster.scheduler.framework
    framework.snapshot.update(framework.cache)
    verdict = framework.verdicts.get(info.placement, framework.snapshot)
    return {plugin: s.tolist() for plugin, s in framework.scores(info, verdict, np.array([0, 1])).items()}


def test_plugins_skip_pods_they_have_nothing_to_say_about():
    # Nobody owns the pod (no spreading), no preferred terms (no NodeAffinity score).
    assert set(scores_on_two_nodes(PodInfo(pod("lonely")))) == {
        "TaintToleration", "NodeResourcesFit", "NodeResourcesBalancedAllocation"}
    # An owned pod is spread, unless it brings spreading constraints of its own.
    labels = {"app": "web", "pod-template-hash": "abc"}
    owned = pod("web-abc-1", labels=labels, owner="web-abc")
    assert "PodTopologySpread" in scores_on_two_nodes(PodInfo(owned), replica_set("web-abc", labels))
    owned["spec"]["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                                   "whenUnsatisfiable": "ScheduleAnyway"}]
    assert "PodTopologySpread" not in scores_on_two_nodes(PodInfo(owned), replica_set("web-abc", labels))
    # A best-effort pod gets no BalancedAllocation score.
    assert set(scores_on_two_nodes(PodInfo(pod("best-effort", cpu=None, memory=None)))) == {
        "TaintToleration", "NodeResourcesFit"}


def test_weights_of_the_default_profile():
    scores = scores_on_two_nodes(PodInfo(pod("web", cpu="1", memory="2Gi")))
    assert scores["TaintToleration"] == [300, 300]  # no PreferNoSchedule taints: full marks, times 3
    assert scores["NodeResourcesFit"] == [75, 75]  # 3/4 of cpu and memory left, times 1
    assert scores["NodeResourcesBalancedAllocation"] == [100, 100]  # a quarter of each used


# --- retries, determinism, bad input -----------------------------------------------------------

def test_unschedulable_pod_is_retried_when_a_pod_is_deleted_after_its_backoff():
    cluster = Cluster([node("node-1", cpu="1")])
    cluster.add(pod("hog", cpu="800m"))
    cluster.add(pod("web", cpu="500m"))
    assert cluster.node_of("web") is None
    cluster.api.delete("pods", "hog", "default", grace_period_seconds=0)
    cluster.clock.run(0.5)
    assert cluster.node_of("web") is None  # still backing off: 1 s after its first attempt
    cluster.clock.run(0.5)
    assert cluster.node_of("web") == "node-1"


def test_rescheduling_after_a_node_is_added():
    cluster = Cluster([node("node-1", cpu="1")])
    cluster.add(pod("web", cpu="2"))
    assert cluster.node_of("web") is None
    cluster.api.create(node("node-2", cpu="4"))
    cluster.clock.run(2)
    assert cluster.node_of("web") == "node-2"
    assert cluster.messages("web", "Scheduled") == ["Successfully assigned default/web to node-2"]


def test_a_node_update_only_retries_pods_it_could_help():
    cluster = Cluster([node("node-1", cpu="1")])
    cluster.add(pod("big", cpu="2"), pod("picky", nodeSelector={"disk": "ssd"}))
    cluster.clock.run(20)
    queue = cluster.scheduler.queue
    assert {q.info.name for q in queue.pods("unschedulable")} == {"big", "picky"}
    cluster.api.update(node("node-1", cpu="1", labels={"disk": "ssd"}))  # labels changed, not allocatable
    cluster.clock.run(0)
    assert cluster.node_of("picky") == "node-1"
    assert [q.info.name for q in queue.pods("unschedulable")] == ["big"]


def test_backoff_doubles_up_to_ten_seconds():
    queued = QueuedPod(PodInfo(pod("web")), 0.0)
    backoffs = []
    for attempts in range(1, 7):
        queued.attempts = attempts
        backoffs.append(queued.backoff())
    assert backoffs == [1, 2, 4, 8, 10, 10]


def test_higher_priority_pods_go_first():
    cluster = Cluster([node("node-1", cpu="1")])
    cluster.api.create(pod("low", cpu="800m"))
    cluster.api.create(pod("high", cpu="800m", priority=1000))
    cluster.clock.run(0)
    assert (cluster.node_of("high"), cluster.node_of("low")) == ("node-1", None)


def test_same_seed_same_placement():
    def placement(seed: int) -> list[str | None]:
        cluster = Cluster([node(f"node-{i}") for i in range(20)], seed=seed)
        cluster.add(*(pod(f"web-{i}", labels={"app": f"app-{i}"}) for i in range(30)))
        return [cluster.node_of(f"web-{i}") for i in range(30)]

    assert placement(7) == placement(7)
    assert placement(7) != placement(8)  # ties are broken by the seeded RNG


def test_bad_node_selector_is_refused_by_the_apiserver():
    cluster = Cluster([node("node-1")])
    with pytest.raises(ValueError, match=r'^Pod "web" is invalid: spec.nodeSelector: Invalid value: "fast ssd"'):
        cluster.add(pod("web", nodeSelector={"disk": "fast ssd"}))


def test_invalid_node_affinity_is_a_clear_error_not_a_traceback():
    cluster = Cluster([node("node-1")])
    bad = pod("web", affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "disk", "operator": "Near", "values": ["ssd"]}]}]}}})
    expected = ('Pod "web" is invalid: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution'
                '.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator')
    try:
        cluster.add(bad)
    except ObjectInvalidError as err:  # an apiserver that validates node affinity refuses the pod
        assert str(err) == expected
    else:  # otherwise the scheduler finds out and says so
        assert cluster.node_of("web") is None
        assert cluster.messages("web") == [expected]


def test_binding_conflict_forgets_the_assumed_pod():
    cluster = Cluster([node("node-1", cpu="1")])
    cluster.api.create(pod("web", cpu="800m"))
    original_bind = cluster.api.bind

    def racing_bind(namespace: str, name: str, node_name: str) -> None:
        original_bind(namespace, name, node_name)  # someone else got there first
        original_bind(namespace, name, node_name)

    cluster.api.bind = racing_bind  # type: ignore[method-assign]
    cluster.clock.run(0)
    assert "already assigned" in cluster.messages("web")[0]
    cluster.clock.run(1)
    assert cluster.scheduler.cache.nodes["node-1"].requested_cpu == 800  # booked once, from the watch


def test_pending_pods_are_scheduled_back_to_back():
    """ScheduleOne runs again at once (wait.UntilWithContext(..., 0)): every pod pending
    together is bound before any watcher, a kubelet or a controller, sees the first binding."""
    cluster = Cluster([node("node-1"), node("node-2")])
    bound_when_seen: list[int] = []

    def on_pod(event_type: str, obj: dict) -> None:
        if obj["spec"].get("nodeName") and not bound_when_seen:
            bound_when_seen.append(sum(1 for p in cluster.api.list("pods", "default") if p["spec"].get("nodeName")))

    cluster.api.list_and_watch("pods", on_pod)
    cluster.add(*(pod(f"web-{i}") for i in range(5)))
    assert bound_when_seen == [5]


def test_finished_and_deleted_pods_free_their_node():
    cluster = Cluster([node("node-1", cpu="1")])
    cluster.add(pod("job", cpu="800m"))
    done = cluster.pod("job")
    cluster.api.update_status({**done, "status": {**done["status"], "phase": "Succeeded"}})
    cluster.clock.run(0)
    assert cluster.scheduler.cache.nodes["node-1"].requested_cpu == 0
    cluster.add(pod("next", cpu="800m"))
    assert cluster.node_of("next") == "node-1"


def test_the_workload_is_what_services_and_the_controller_select():
    owners = Owners()
    owners.handler("services")("ADDED", {"metadata": {"name": "web", "namespace": "default"},
                                         "spec": {"selector": {"app": "web"}}})
    owners.handler("services")("ADDED", {"metadata": {"name": "headless", "namespace": "default"}, "spec": {}})
    owners.handler("replicationcontrollers")("ADDED", {"metadata": {"name": "web-v1", "namespace": "default"},
                                                       "spec": {"selector": {"app": "web", "version": "v1"}}})
    info = PodInfo(pod("web-v1-x", labels={"app": "web", "version": "v1"}))
    info.owner = ("v1", "ReplicationController", "web-v1")
    assert str(owners.default_selector(info)) == "app=web,version=v1"
    assert owners.default_selector(PodInfo(pod("db", labels={"app": "db"}))) is None
