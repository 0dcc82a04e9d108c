"""Node failure as v1.31 handles it: NotReady after the grace period, NoExecute taints, taint-based eviction.

Upstream: pkg/controller/nodelifecycle/node_lifecycle_controller.go (monitorNodeHealth,
tryUpdateNodeHealth, doNoExecuteTaintingPass, handleDisruption), its config defaults
(pkg/controller/nodelifecycle/config/v1alpha1/defaults.go: NodeMonitorGracePeriod 40 s in
v1.31; k8s.io/cloud-provider config: NodeMonitorPeriod 5 s), scheduler/rate_limited_queue.go
(NodeEvictionPeriod 100 ms, burst 1), pkg/controller/tainteviction/taint_eviction.go and
plugin/pkg/admission/defaulttolerationseconds (300 s).
"""

from __future__ import annotations

import pytest

from k8scourse.api.errors import FieldValidationError, K8sValueError
from k8scourse.clock import VirtualClock
from k8scourse.cluster import DEFAULT_ADMISSION_PLUGINS, Cluster, UnknownNode
from k8scourse.master.controllers.nodelifecycle import (
    FULL_DISRUPTION,
    NORMAL,
    PARTIAL_DISRUPTION,
    NodeLifecycleController,
)
from k8scourse.master.controllers.ratelimitedqueue import RateLimitedTimedQueue, TokenBucket
from k8scourse.master.controllers.tainteviction import matching_tolerations, min_toleration_time

UNREACHABLE = "node.kubernetes.io/unreachable"
FAIL_AT = 30.0  # quickstart's 10 s, then 20 s for the pod to start


def pod(name: str = "web", node: str = "node-2", tolerations: list | None = None) -> dict:
    spec: dict = {"nodeName": node, "containers": [{"name": "web", "image": "nginx:1.27"}]}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def failed_cluster(*pods: dict, nodes: int = 3, **options) -> Cluster:
    """A cluster whose node-2 dies at 30 s, its pods running by then."""
    cluster = Cluster.quickstart(nodes=nodes, **options)
    cluster.apply(list(pods) or [pod()])
    cluster.run(FAIL_AT - cluster.now)
    cluster.fail_node("node-2")
    return cluster


def lifecycle(cluster: Cluster) -> NodeLifecycleController:
    return next(c for c in cluster.controllers if isinstance(c, NodeLifecycleController))


def run_until(cluster: Cluster, t: float) -> None:
    cluster.run(t - cluster.now)


def node(cluster: Cluster, name: str = "node-2") -> dict:
    return cluster.api.get("nodes", name)


def conditions(cluster: Cluster, name: str = "node-2") -> dict:
    return {c["type"]: c for c in node(cluster, name)["status"]["conditions"]}


def taints(cluster: Cluster, name: str = "node-2") -> list[tuple[str, str, str]]:
    return [(t["key"], t["effect"], t["timeAdded"]) for t in node(cluster, name)["spec"].get("taints", [])]


def events(cluster: Cluster, reason: str, namespace: str = "default") -> list[tuple[str, str, str]]:
    found = cluster.api.list("events", namespace, field_selector=f"reason={reason}")
    return sorted((e["involvedObject"]["name"], e["message"], e["source"]["component"]) for e in found)


# --- NotReady ---------------------------------------------------------------------------------


def test_a_silent_node_goes_not_ready_40_s_after_its_last_heartbeat_was_seen():
    cluster = failed_cluster()
    # The kubelet renewed its Lease at 30 s (every 10 s); the monitor, every 5 s, first saw that
    # renewal at 35 s. Unknown comes at the first pass *after* 35 + 40 s (now.After(probe + grace)).
    run_until(cluster, 79.9)
    assert conditions(cluster)["Ready"]["status"] == "True"
    assert "NotReady" not in cluster.kubectl("get nodes")
    run_until(cluster, 80)
    found = conditions(cluster)
    for kind in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
        assert found[kind]["status"] == "Unknown"
        assert found[kind]["reason"] == "NodeStatusUnknown"
        assert found[kind]["message"] == "Kubelet stopped posting node status."
        assert found[kind]["lastTransitionTime"] == "2025-01-01T00:01:20Z"  # now
        assert found[kind]["lastHeartbeatTime"] == "2025-01-01T00:00:20Z"  # kept: the kubelet's last status write
    assert cluster.kubectl("get nodes") == (
        "NAME     STATUS     ROLES    AGE   VERSION\n"
        "node-1   Ready      <none>   80s   v1.31.0\n"
        "node-2   NotReady   <none>   80s   v1.31.0\n"
        "node-3   Ready      <none>   80s   v1.31.0\n")
    assert events(cluster, "NodeNotReady") == [
        ("node-2", "Node node-2 status is now: NodeNotReady", "node-controller"),
        ("web", "Node is not ready", "node-controller")]


def test_not_ready_brings_the_unreachable_no_schedule_taint_and_the_pods_not_ready():
    cluster = failed_cluster()
    run_until(cluster, 80)
    assert taints(cluster) == [(UNREACHABLE, "NoSchedule", "2025-01-01T00:01:20Z")]
    web = cluster.pod("web")
    ready = next(c for c in web["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["lastTransitionTime"]) == ("False", "2025-01-01T00:01:20Z")
    # MarkPodsNotReady changes only the Ready condition: the containers still count as ready.
    assert cluster.kubectl("get pods") == ("NAME   READY   STATUS    RESTARTS   AGE\n"
                                           "web    1/1     Running   0          70s\n")


def test_the_no_execute_taint_comes_at_the_next_monitor_pass():
    cluster = failed_cluster()
    # The pass that wrote Unknown still saw Ready True; the next one (85 s) queues the node, and
    # the tainting pass, every 100 ms, taints it.
    run_until(cluster, 85)
    assert len(taints(cluster)) == 1
    run_until(cluster, 85.1)
    assert taints(cluster)[1] == (UNREACHABLE, "NoExecute", "2025-01-01T00:01:25Z")


# --- eviction ---------------------------------------------------------------------------------


def test_pods_leave_300_s_after_the_taint_and_stay_terminating_on_the_dead_node():
    cluster = failed_cluster()
    web = cluster.pod("web")
    assert {"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in web["spec"]["tolerations"]  # DefaultTolerationSeconds
    run_until(cluster, 385.0)
    assert "deletionTimestamp" not in cluster.pod("web")["metadata"]
    run_until(cluster, 385.1)  # tainted at 85.1 s, tolerated for 300 s
    deleted = cluster.pod("web")
    assert deleted["metadata"]["deletionTimestamp"] == "2025-01-01T00:06:55Z"  # + its 30 s grace period
    target = next(c for c in deleted["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert (target["status"], target["reason"], target["message"]) == (
        "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint")
    assert events(cluster, "TaintManagerEviction") == [
        ("web", "Marking for deletion Pod default/web", "taint-eviction-controller")]
    run_until(cluster, 1000)  # no kubelet to confirm: the pod stays, Terminating (printPod)
    assert cluster.kubectl("get pods") == ("NAME   READY   STATUS        RESTARTS   AGE\n"
                                           "web    1/1     Terminating   0          16m\n")


def test_the_shortest_toleration_wins_and_an_untolerated_taint_evicts_at_once():
    soon = pod("soon", tolerations=[{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
                                     "tolerationSeconds": 10}])
    plugins = [p for p in DEFAULT_ADMISSION_PLUGINS if p != "DefaultTolerationSeconds"]
    bare = pod("bare")
    cluster = failed_cluster(soon, bare, admission_plugins=plugins)
    assert "tolerations" not in cluster.pod("bare")["spec"]
    run_until(cluster, 85.1)
    assert "deletionTimestamp" in cluster.pod("bare")["metadata"]  # tolerates nothing: at once
    assert "deletionTimestamp" not in cluster.pod("soon")["metadata"]
    run_until(cluster, 95.1)
    assert "deletionTimestamp" in cluster.pod("soon")["metadata"]


def test_pods_that_tolerate_for_ever_and_static_pods_stay_with_their_node():
    forever = pod("forever", tolerations=[{"operator": "Exists", "effect": "NoExecute"}])
    cluster = Cluster.quickstart(nodes=2)
    cluster.add_node("node-3", static_pods={"/etc/kubernetes/manifests/etcd.yaml": {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "etcd", "namespace": "kube-system"},
        "spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.15-0"}]}}})
    cluster.apply(pod("forever", node="node-3", tolerations=forever["spec"]["tolerations"]))
    cluster.run(30)
    cluster.fail_node("node-3")
    cluster.run(600)
    assert "deletionTimestamp" not in cluster.pod("forever")["metadata"]
    assert "deletionTimestamp" not in cluster.pod("etcd-node-3", "kube-system")["metadata"]  # the kubelet
    assert events(cluster, "TaintManagerEviction") == []  # tolerates every NoExecute taint (applyDefaults)


def test_evictions_are_paced_at_one_node_every_10_s():
    cluster = Cluster.quickstart(nodes=5)
    cluster.run(20)
    cluster.fail_node("node-2")
    cluster.fail_node("node-4")
    cluster.run(100)
    times = {name: [t for t in taints(cluster, name) if t[1] == "NoExecute"][0][2] for name in ("node-2", "node-4")}
    assert times == {"node-2": "2025-01-01T00:01:25Z", "node-4": "2025-01-01T00:01:35Z"}  # --node-eviction-rate 0.1


def test_when_every_node_is_down_nothing_is_evicted():
    cluster = Cluster.quickstart(nodes=1)
    cluster.apply(pod(node="node-1"))
    cluster.run(20)
    cluster.fail_node("node-1")
    cluster.run(600)
    controller = lifecycle(cluster)
    assert controller.zone_states == {"": FULL_DISRUPTION}
    assert [t["effect"] for t in node(cluster, "node-1")["spec"]["taints"]] == ["NoSchedule"]
    assert "deletionTimestamp" not in cluster.pod("web")["metadata"]
    cluster.restore_node("node-1")
    cluster.run(10)
    assert controller.zone_states == {"": NORMAL}


def test_zone_states_follow_compute_zone_state():
    controller = lifecycle(Cluster(seed=0))
    ready, not_ready = {"status": "True"}, {"status": "Unknown"}
    assert controller.compute_zone_state([not_ready, not_ready]) == (2, FULL_DISRUPTION)
    assert controller.compute_zone_state([ready, not_ready, not_ready]) == (2, NORMAL)  # needs more than 2
    assert controller.compute_zone_state([ready, ready, not_ready, not_ready, not_ready]) == (3, PARTIAL_DISRUPTION)
    assert controller.compute_zone_state([ready] * 3 + [not_ready] * 3 + [None]) == (4, PARTIAL_DISRUPTION)
    assert controller.compute_zone_state([ready, ready, ready, not_ready, not_ready, not_ready]) == (3, NORMAL)


# --- coming back --------------------------------------------------------------------------------


def test_a_returning_node_is_ready_untainted_and_its_deleted_pods_finish():
    cluster = failed_cluster()
    run_until(cluster, 400)
    cluster.restore_node("node-2")
    cluster.run(1)
    assert conditions(cluster)["Ready"]["status"] == "True"
    assert [t[:2] for t in taints(cluster)] == [(UNREACHABLE, "NoExecute")]  # NoSchedule lifted at once
    # The kubelet sees web with its deletionTimestamp: nothing to stop, so it deletes it for good.
    assert cluster.kubectl("get pods") == "No resources found in default namespace.\n"
    cluster.run(5)  # the next monitor pass lifts the NoExecute taint
    assert "taints" not in node(cluster)["spec"]


def test_a_pending_eviction_is_cancelled_when_the_node_returns():
    cluster = failed_cluster()
    run_until(cluster, 200)
    cluster.restore_node("node-2")
    cluster.run(10)
    assert events(cluster, "TaintManagerEviction") == [
        ("web", "Cancelling deletion of Pod default/web", "taint-eviction-controller")]
    cluster.run(60)  # the kubelet restarted the pod after the reboot
    assert cluster.kubectl("get pods") == ("NAME   READY   STATUS    RESTARTS   AGE\n"
                                           "web    1/1     Running   1          4m20s\n")


def test_fail_and_restore_reject_unknown_nodes():
    cluster = Cluster.quickstart(nodes=2)
    with pytest.raises(UnknownNode, match=r'^fail_node: no node named "node-9" in this cluster '
                                          r'\(its nodes: node-1, node-2\)$') as err:
        cluster.fail_node("node-9")
    assert isinstance(err.value, K8sValueError) and isinstance(err.value, ValueError)
    with pytest.raises(UnknownNode, match='restore_node: no node named "x"'):
        cluster.restore_node("x")
    with pytest.raises(TypeError, match=r"fail_node\(\) takes a node name \(a string\), got int"):
        cluster.fail_node(2)


# --- the parts ----------------------------------------------------------------------------------


def test_toleration_times():
    taint = {"key": UNREACHABLE, "effect": "NoExecute"}
    five = {"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}
    forever = {"operator": "Exists"}
    assert matching_tolerations([taint], [five, forever]) == (True, [five])  # the first that matches
    assert matching_tolerations([taint], [{"key": "other", "operator": "Exists"}]) == (False, [])
    assert min_toleration_time([five, {**five, "tolerationSeconds": 300}]) == 5
    assert min_toleration_time([forever]) == -1  # for ever
    assert min_toleration_time([{**five, "tolerationSeconds": -3}]) == 0


def test_the_token_bucket_starts_full_and_gives_one_token_every_10_s():
    clock = VirtualClock()
    bucket = TokenBucket(clock, 0.1)
    assert bucket.try_accept() and not bucket.try_accept()
    clock.run(9.9)
    assert not bucket.try_accept()
    clock.run(0.1)
    assert bucket.try_accept()
    assert not TokenBucket(clock, 0).try_accept()  # a rate of 0 never gives one


def test_the_queue_holds_each_node_once_until_removed():
    clock = VirtualClock()
    queue = RateLimitedTimedQueue(clock, 0.1)
    assert queue.add("node-1", "uid") and not queue.add("node-1", "uid")
    done: list[str] = []
    queue.try_(lambda v: (done.append(v.value) or True, 0.0))
    assert done == ["node-1"] and len(queue) == 0
    assert not queue.add("node-1", "uid")  # processed, but still known until removed
    assert queue.remove("node-1") and queue.add("node-1", "uid")
    queue.swap_limiter(0)
    assert not queue.active()


def test_the_timeline_shows_the_failure_step_by_step():
    cluster = failed_cluster()
    assert str(cluster.timeline(400, every=5)) == (
        "TIME   OBJECT        STATE\n"
        "0s     node/node-1   Ready\n"
        "0s     node/node-2   Ready\n"
        "0s     node/node-3   Ready\n"
        "0s     pod/web       Running, Ready=True, on node-2\n"
        "50s    node/node-2   NotReady, taints: node.kubernetes.io/unreachable:NoSchedule\n"
        "50s    pod/web       Running, Ready=False, on node-2\n"
        "60s    node/node-2   NotReady, taints: node.kubernetes.io/unreachable:NoSchedule "
        "node.kubernetes.io/unreachable:NoExecute\n"
        "360s   pod/web       Terminating, Ready=False, on node-2\n")
    cluster.restore_node("node-2")
    timeline = cluster.timeline(5)
    assert timeline.states("pod/web") == [(0, "Terminating, Ready=False, on node-2"), (1, "(deleted)")]
    assert timeline.states("node/node-2")[-1] == (5, "Ready")
    assert timeline.objects() == ["node/node-1", "node/node-2", "node/node-3", "pod/web"]


def test_timeline_rejects_bad_arguments():
    cluster = Cluster(seed=0)
    with pytest.raises(FieldValidationError, match="every: Invalid value: 0: must be greater than 0"):
        cluster.timeline(10, every=0)
    with pytest.raises(TypeError, match="timeline\\(\\) takes seconds as a number of seconds, got str"):
        cluster.timeline("10")


# --- when the node does not come back: the pod garbage collector (pkg/controller/podgc) ---------


def test_deleting_the_dead_node_lets_pod_gc_remove_its_pods_after_the_quarantine():
    cluster = failed_cluster()
    run_until(cluster, 400)
    cluster.kubectl("delete node node-2")
    # PodGC runs every 20 s (420, 440, ...): at 420 the missing node enters a 40 s quarantine,
    # at 460 it is checked with the apiserver and its pods are force-deleted.
    run_until(cluster, 459.9)
    assert cluster.kubectl("get pods -o name") == "pod/web\n"
    watched = []
    cluster.api.list_and_watch("pods", lambda kind, obj: watched.append((kind, obj["status"])))
    run_until(cluster, 460)
    assert cluster.kubectl("get pods") == "No resources found in default namespace.\n"
    last = watched[-2][1]  # the status written before the deletion
    assert last["phase"] == "Failed"
    assert {k: v for k, v in last["conditions"][-1].items() if k in ("type", "reason", "message")} == {
        "type": "DisruptionTarget", "reason": "DeletionByPodGC", "message": "PodGC: node no longer exists"}


def test_the_out_of_service_taint_ends_terminating_pods_at_once():
    cluster = failed_cluster()
    run_until(cluster, 400)
    assert "deletionTimestamp" in cluster.pod("web")["metadata"]
    taints = node(cluster)["spec"]["taints"]  # as `kubectl taint nodes node-2 node.kubernetes.io/out-of-service=...`
    out_of_service = {"key": "node.kubernetes.io/out-of-service", "value": "nodeshutdown", "effect": "NoExecute"}
    cluster.api.patch("nodes", "node-2", {"spec": {"taints": [*taints, out_of_service]}})
    cluster.run(20)  # the next PodGC pass
    assert cluster.kubectl("get pods") == "No resources found in default namespace.\n"


def test_a_rebooted_node_runs_its_static_pods_again():
    cluster = Cluster.quickstart(nodes=2)
    kubelet = cluster.add_node("node-3", static_pods={"/etc/kubernetes/manifests/etcd.yaml": {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "etcd", "namespace": "kube-system"},
        "spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.15-0"}]}}})
    cluster.run(30)
    cluster.fail_node("node-3")
    assert kubelet.runtime.ps() == []  # the machine is off: no containers
    cluster.run(100)
    cluster.restore_node("node-3")
    cluster.run(10)
    assert sorted(c.name for c in kubelet.runtime.ps()) == ["POD", "etcd"]  # from its manifest, no API needed
    assert cluster.kubectl("get pod etcd-node-3 -n kube-system -o name") == "pod/etcd-node-3\n"


def test_the_timeline_draws_one_bar_per_state_legibly():
    import matplotlib

    matplotlib.use("Agg")
    from k8scourse.viz import draw_timeline
    from k8scourse.viz.timeline import STATE_COLORS, state_kind

    cluster = failed_cluster()
    timeline = cluster.timeline(400, every=5)
    assert timeline.segments("node/node-2") == [
        (0, 50, "Ready"), (50, 60, "NotReady, taints: node.kubernetes.io/unreachable:NoSchedule"),
        (60, 400, "NotReady, taints: node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute")]
    figure = draw_timeline(timeline)
    assert figure.get_figwidth() <= 9.5
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["node/node-1", "node/node-2", "node/node-3", "pod/web"]
    bars = [bar for bar in ax.collections]
    assert len(bars) == sum(len(timeline.segments(o)) for o in timeline.objects())  # 1 + 3 + 1 + 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Ready / Running", "NotReady / Running, not Ready", "NotReady, NoExecute", "Terminating"]
    assert min(t.get_fontsize() for t in [*ax.get_yticklabels(), *ax.get_legend().get_texts()]) * 100 / 72 >= 9
    assert state_kind("(deleted)") is None and STATE_COLORS[state_kind("Terminating, Ready=False, on node-2")]
    assert figure._repr_png_().startswith(b"\x89PNG")


def test_a_small_zone_with_most_nodes_down_is_not_tainted_at_all():
    cluster = Cluster.quickstart(nodes=5)
    cluster.run(20)
    for name in ("node-1", "node-2", "node-3"):
        cluster.fail_node(name)
    cluster.run(300)
    # 3 of 5 not Ready: more than 2 and at least 55% (--unhealthy-zone-threshold) -> PartialDisruption,
    # and a zone of at most 50 nodes (--large-cluster-size-threshold) is then not tainted (ReducedQPSFunc).
    assert lifecycle(cluster).zone_states == {"": PARTIAL_DISRUPTION}
    assert all(t[1] == "NoSchedule" for name in ("node-1", "node-2", "node-3") for t in taints(cluster, name))


def test_a_node_that_never_posted_status_gets_unknown_after_the_startup_grace_period():
    cluster = Cluster(seed=0)
    cluster.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ghost"}})  # no kubelet behind it
    cluster.run(60)
    assert "conditions" not in node(cluster, "ghost").get("status", {})
    cluster.run(5)  # 65 s > creation + NodeStartupGracePeriod (60 s)
    found = conditions(cluster, "ghost")
    assert list(found) == ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]
    assert {(c["status"], c["reason"], c["message"], c["lastHeartbeatTime"], c["lastTransitionTime"])
            for c in found.values()} == {("Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.",
                                          "2025-01-01T00:00:00Z", "2025-01-01T00:01:05Z")}
    assert "NotReady" in cluster.kubectl("get node ghost")
