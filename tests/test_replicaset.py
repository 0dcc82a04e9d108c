"""The ReplicaSet and ReplicationController controllers, the garbage collector, the scale subresource."""

from __future__ import annotations

from typing import Any

import pytest

from k8scourse.api.decoding import DecodeError
from k8scourse.api.errors import ObjectInvalidError, StatusError
from k8scourse.cluster import Cluster
from k8scourse.master.controllers.replicaset import (BURST_REPLICAS, SLOW_START_INITIAL_BATCH_SIZE,
                                                     ReplicaSetController, deletion_order, slow_start_batch)
from k8scourse.timefmt import rfc3339


def rs(name: str = "web", replicas: int = 3, **spec: Any) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}, **spec}}


def rc(name: str = "web", replicas: int = 3) -> dict:
    return {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": name},
            "spec": {"replicas": replicas,
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


def bare_pod(name: str, labels: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}


def pods_of(cluster: Cluster, owner: str = "web") -> list[dict]:
    return [p for p in cluster.api.list("pods", "default")
            if any(r["name"] == owner for r in p["metadata"].get("ownerReferences") or ())]


def controller(cluster: Cluster, kind: str = "ReplicaSet") -> ReplicaSetController:
    return next(c for c in cluster.controllers if isinstance(c, ReplicaSetController) and c.kind.kind == kind)


@pytest.fixture()
def cluster() -> Cluster:
    return Cluster.quickstart(nodes=3, seed=0)


# --- reconciling ---------------------------------------------------------------------------------


def test_creates_pods_with_controller_owner_references_and_events(cluster: Cluster) -> None:
    created = cluster.apply(rs(replicas=3))[0]
    cluster.run(20)
    pods = pods_of(cluster)
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["name"].startswith("web-") and len(pod["metadata"]["name"]) == len("web-abcde")
        assert pod["metadata"]["generateName"] == "web-"
        assert pod["metadata"]["ownerReferences"] == [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": created["metadata"]["uid"],
             "controller": True, "blockOwnerDeletion": True}]
        assert pod["metadata"]["labels"] == {"app": "web"}
        assert pod["status"]["phase"] == "Running"
    events = cluster.events_for("web")
    assert sorted(e["message"] for e in events) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    assert {(e["type"], e["reason"], e["source"]["component"]) for e in events} == {
        ("Normal", "SuccessfulCreate", "replicaset-controller")}


def test_status_counts_and_observed_generation(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=2))
    cluster.run(20)
    status = cluster.api.get("replicasets", "web")["status"]
    assert status == {"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                      "observedGeneration": 1}
    cluster.api.patch("replicasets", "web", {"spec": {"replicas": 3}})
    cluster.run(0)
    stored = cluster.api.get("replicasets", "web")
    assert stored["metadata"]["generation"] == 2 and stored["status"]["observedGeneration"] == 2


def test_available_waits_for_min_ready_seconds(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=2, minReadySeconds=30))
    cluster.wait_for(lambda: cluster.api.get("replicasets", "web").get("status", {}).get("readyReplicas") == 2)
    status = cluster.api.get("replicasets", "web")["status"]
    assert status.get("availableReplicas", 0) == 0, "ready, but not yet for 30 s"
    cluster.run(32)
    assert cluster.api.get("replicasets", "web")["status"]["availableReplicas"] == 2


def test_fully_labeled_counts_pods_carrying_all_template_labels(cluster: Cluster) -> None:
    manifest = rs(replicas=1)
    manifest["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    cluster.apply(manifest)
    cluster.run(10)
    cluster.apply(bare_pod("extra", {"app": "web"}))  # adopted, but without tier=front
    cluster.api.patch("replicasets", "web", {"spec": {"replicas": 2}})
    cluster.run(10)
    status = cluster.api.get("replicasets", "web")["status"]
    assert status["replicas"] == 2 and status["fullyLabeledReplicas"] == 1


def test_self_heals_a_deleted_pod(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=3))
    cluster.run(20)
    victim = pods_of(cluster)[0]["metadata"]["name"]
    cluster.kubectl(f"delete pod {victim}")
    cluster.run(40)
    names = [p["metadata"]["name"] for p in pods_of(cluster)]
    assert len(names) == 3 and victim not in names


def test_adopts_a_matching_orphan_instead_of_creating(cluster: Cluster) -> None:
    cluster.apply(bare_pod("orphan", {"app": "web"}))
    cluster.run(10)
    created = cluster.apply(rs(replicas=2))[0]
    cluster.run(10)
    orphan = cluster.pod("orphan")
    assert orphan["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
    assert len(pods_of(cluster)) == 2, "the orphan counts: only one pod is created"


def test_releases_a_pod_whose_labels_stop_matching(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=2))
    cluster.run(20)
    name = pods_of(cluster)[0]["metadata"]["name"]
    cluster.kubectl(f"label pod {name} app=debug --overwrite")
    cluster.run(10)
    assert "ownerReferences" not in cluster.pod(name)["metadata"], "released: no owner any more"
    assert len(pods_of(cluster)) == 2 and name not in [p["metadata"]["name"] for p in pods_of(cluster)]


def test_does_not_adopt_pods_another_controller_owns(cluster: Cluster) -> None:
    cluster.apply(rs("a", replicas=1))
    cluster.run(10)
    other = rs("b", replicas=1)
    other["spec"]["selector"] = {"matchLabels": {"app": "a"}}
    other["spec"]["template"]["metadata"]["labels"] = {"app": "a"}
    cluster.apply(other)
    cluster.run(10)
    assert len(pods_of(cluster, "a")) == 1 and len(pods_of(cluster, "b")) == 1


def test_expectations_stop_a_second_sync_from_creating_again(cluster: Cluster) -> None:
    rsc = controller(cluster)
    cluster.apply(rs(replicas=3))
    cluster.clock.run(0)
    created = len(cluster.api.list("pods", "default"))
    assert created == 3
    rsc.expectations.expect_creations("default/web", 2)  # as if two creates were still in flight
    cluster.api.delete("pods", pods_of(cluster)[0]["metadata"]["name"], grace_period_seconds=0)
    cluster.clock.run(0)  # the informer reports the deletion; the sync it queues must not create
    assert len(cluster.api.list("pods", "default")) == 2, "no create while creations are unobserved"
    rsc.expectations.expect_creations("default/web", 0)
    rsc.sync("default/web")
    assert len(cluster.api.list("pods", "default")) == 3


def test_expectations_expire_after_five_minutes(cluster: Cluster) -> None:
    rsc = controller(cluster)
    rsc.expectations.expect_creations("default/x", 1)
    assert not rsc.expectations.satisfied("default/x")
    cluster.run(301)
    assert rsc.expectations.satisfied("default/x")


def test_burst_limit_caps_creations_per_sync(cluster: Cluster) -> None:
    assert BURST_REPLICAS == 500 and SLOW_START_INITIAL_BATCH_SIZE == 1
    rsc = controller(cluster)
    rsc.burst_replicas = 3
    per_sync: list[int] = []
    original = rsc.sync

    def counting(key: str) -> None:
        before = len(cluster.api.list("pods", "default"))
        original(key)
        per_sync.append(len(cluster.api.list("pods", "default")) - before)

    rsc.queue.sync = counting
    cluster.apply(rs(replicas=7))
    cluster.run(1)
    assert [n for n in per_sync if n] == [3, 3, 1]


def test_slow_start_batches_double_and_stop_at_the_first_error() -> None:
    calls: list[int] = []

    def create() -> None:
        calls.append(1)
        if len(calls) == 5:
            raise StatusError(403, "Forbidden", "no")

    successes, error = slow_start_batch(10, 1, create)
    assert (successes, len(calls), str(error)) == (6, 7, "no"), "batches 1, 2, 4: the third batch fails"
    calls.clear()
    assert slow_start_batch(10, 1, lambda: calls.append(1)) == (10, None) and len(calls) == 10


QUOTA = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pods"}, "spec": {"hard": {"pods": "2"}}}


def test_refused_create_sets_replica_failure_and_one_attempt_per_batch(cluster: Cluster) -> None:
    rsc = controller(cluster)
    attempts: list[int] = []  # create calls in each sync
    create, sync = rsc._create_pod, rsc.queue.sync

    def counting_create(owner: dict) -> None:
        attempts[-1] += 1
        create(owner)

    def counting_sync(key: str) -> None:
        attempts.append(0)
        sync(key)

    rsc._create_pod, rsc.queue.sync = counting_create, counting_sync
    cluster.apply(QUOTA)
    cluster.apply(rs(replicas=5))
    cluster.run(0)
    assert len(pods_of(cluster)) == 2
    tries = [n for n in attempts if n]
    assert tries[0] == 3 and set(tries[1:]) == {1}, "batches of 1 and 2, then 1 per retry: never 3 doomed creates"
    failed = [e for e in cluster.events_for("web") if e["reason"] == "FailedCreate"]
    assert len(failed) == sum(tries) - 2 and failed[0]["type"] == "Warning"
    assert failed[0]["message"].startswith('Error creating: pods "web-') and \
        "is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2" in failed[0]["message"]
    condition = cluster.api.get("replicasets", "web")["status"]["conditions"][0]
    assert condition["type"] == "ReplicaFailure" and condition["status"] == "True"
    assert condition["reason"] == "FailedCreate" and "exceeded quota: pods" in condition["message"]
    cluster.api.delete("resourcequotas", "pods")
    cluster.run(30)
    stored = cluster.api.get("replicasets", "web")
    assert len(pods_of(cluster)) == 5 and "conditions" not in stored["status"]


# --- scaling down ------------------------------------------------------------------------------


def _pod(name: str, node: str = "", phase: str = "Running", ready: float | None = None, restarts: int = 0,
         created: float = 0.0, uid: str = "", cost: str | None = None) -> dict:
    conditions = [] if ready is None else [{"type": "Ready", "status": "True", "lastTransitionTime": rfc3339(ready)}]
    meta: dict = {"name": name, "uid": uid or name, "creationTimestamp": rfc3339(created)}
    if cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": cost}
    return {"metadata": meta, "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": conditions,
                       "containerStatuses": [{"name": "c", "restartCount": restarts}]}}


def names(pods: list[dict]) -> list[str]:
    return [p["metadata"]["name"] for p in pods]


def test_deletion_order_rules() -> None:
    now = 10_000.0
    assert names(deletion_order([_pod("assigned", "n1"), _pod("unassigned")], [0, 0], now)) == \
        ["unassigned", "assigned"]
    assert names(deletion_order([_pod("running", "n1"), _pod("unknown", "n1", "Unknown"),
                                 _pod("pending", "n1", "Pending")], [0, 0, 0], now)) == \
        ["pending", "unknown", "running"]
    assert names(deletion_order([_pod("ready", "n1", ready=0), _pod("not-ready", "n1")], [0, 0], now)) == \
        ["not-ready", "ready"]
    assert names(deletion_order([_pod("dear", "n1", cost="100"), _pod("cheap", "n1")], [0, 0], now)) == \
        ["cheap", "dear"]
    assert names(deletion_order([_pod("alone", "n1"), _pod("crowded", "n2")], [1, 3], now)) == \
        ["crowded", "alone"]
    # ready for 9990 s vs 10 s: different powers of two
    assert names(deletion_order([_pod("old", "n1", ready=10), _pod("young", "n1", ready=9990)], [0, 0], now)) == \
        ["young", "old"]
    assert names(deletion_order([_pod("steady", "n1"), _pod("crashy", "n1", restarts=4)], [0, 0], now)) == \
        ["crashy", "steady"]
    assert names(deletion_order([_pod("older", "n1", created=1), _pod("newer", "n1", created=9000)], [0, 0], now)) \
        == ["newer", "older"]
    # created 1.0 s and 1.5 s ago: the same power of two of nanoseconds, so the UID decides
    assert names(deletion_order([_pod("b", "n1", created=now - 1.5, uid="2"),
                                 _pod("a", "n1", created=now - 1.0, uid="1")], [0, 0], now)) == ["a", "b"]


def test_scale_down_deletes_pending_unassigned_first(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=2))
    cluster.run(20)
    running = sorted(names(pods_of(cluster)))
    cluster.kubectl("cordon node-1")
    cluster.kubectl("cordon node-2")
    cluster.kubectl("cordon node-3")
    cluster.api.patch("replicasets", "web", {"spec": {"replicas": 4}})
    cluster.run(5)
    assert len(pods_of(cluster)) == 4
    cluster.api.patch("replicasets", "web", {"spec": {"replicas": 2}})
    cluster.run(40)
    assert sorted(names(pods_of(cluster))) == running, "the two Pending, unscheduled pods went first"
    deleted = [e["message"] for e in cluster.events_for("web") if e["reason"] == "SuccessfulDelete"]
    assert len(deleted) == 2 and all(m.startswith("Deleted pod: web-") for m in deleted)


def test_rank_counts_related_pods_on_the_node_only_for_owned_replica_sets(cluster: Cluster) -> None:
    rsc = controller(cluster)
    cluster.apply(rs(replicas=3))
    cluster.run(20)
    owner = rsc.owners.get("default/web")
    assert rsc._related_pods(owner) == [], "a ReplicaSet without a controller ranks every pod 0"


# --- ReplicationController -------------------------------------------------------------------------


def test_replication_controller_defaults_its_selector_and_owns_pods(cluster: Cluster) -> None:
    created = cluster.apply(rc(replicas=2))[0]
    assert created["spec"]["selector"] == {"app": "web"} and created["metadata"]["labels"] == {"app": "web"}
    cluster.run(20)
    pods = pods_of(cluster)
    assert len(pods) == 2
    assert pods[0]["metadata"]["ownerReferences"][0] == {
        "apiVersion": "v1", "kind": "ReplicationController", "name": "web", "uid": created["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}
    assert {e["source"]["component"] for e in cluster.events_for("web")} == {"replication-controller"}
    assert cluster.api.get("replicationcontrollers", "web")["status"]["readyReplicas"] == 2


def test_replication_controller_selector_is_equality_only(cluster: Cluster) -> None:
    manifest = rc()
    manifest["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}
    with pytest.raises(DecodeError) as err:
        cluster.apply(manifest)
    assert str(err.value) == ('ReplicationController in version "v1" cannot be handled as a ReplicationController: '
                              'json: cannot unmarshal array into Go struct field '
                              'ReplicationControllerSpec.spec.selector of type string')


def test_replication_controller_selector_must_match_template(cluster: Cluster) -> None:
    manifest = rc()
    manifest["spec"]["selector"] = {"app": "db"}
    with pytest.raises(ObjectInvalidError) as err:
        cluster.apply(manifest)
    assert str(err.value) == ('ReplicationController "web" is invalid: spec.template.metadata.labels: '
                              'Invalid value: map[string]string{"app":"web"}: `selector` does not match template '
                              '`labels`')


@pytest.mark.parametrize("selector", [{"app": "web", "bad key!": "v"}, {"app": "web b"}, {"matchLabels": "web"}])
def test_replication_controller_selector_is_not_validated_only_matched(cluster: Cluster, selector: dict) -> None:
    """ValidateNonEmptySelector and AsSelector() check no key or value: what no label can be matches no template."""
    manifest = rc()
    manifest["spec"]["selector"] = selector
    with pytest.raises(ObjectInvalidError) as err:
        cluster.apply(manifest)
    assert str(err.value) == ('ReplicationController "web" is invalid: spec.template.metadata.labels: '
                              'Invalid value: map[string]string{"app":"web"}: `selector` does not match template '
                              '`labels`')


def test_replica_set_selector_must_match_template(cluster: Cluster) -> None:
    manifest = rs()
    manifest["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]}
    with pytest.raises(ObjectInvalidError) as err:
        cluster.apply(manifest)
    assert str(err.value) == ('ReplicaSet.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
                              'map[string]string{"app":"web"}: `selector` does not match template `labels`')


def test_replica_set_requires_a_selector_and_nonnegative_replicas(cluster: Cluster) -> None:
    manifest = rs(replicas=-1)
    del manifest["spec"]["selector"]
    with pytest.raises(ObjectInvalidError) as err:
        cluster.apply(manifest)
    text = str(err.value)
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in text
    assert "spec.selector: Required value" in text


# --- garbage collection ------------------------------------------------------------------------------


def test_deleting_a_replica_set_deletes_its_pods(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=3))
    cluster.apply(bare_pod("bystander", {"app": "other"}))
    cluster.run(20)
    assert cluster.kubectl("delete rs web") == 'replicaset.apps "web" deleted\n'
    cluster.run(1)
    assert all(p["metadata"].get("deletionTimestamp") for p in pods_of(cluster)), "terminating"
    cluster.run(40)
    assert names(cluster.api.list("pods", "default")) == ["bystander"]


def test_garbage_collector_keeps_a_dependent_with_another_owner(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=1))
    cluster.apply(rc("keeper", replicas=0))
    cluster.run(10)
    pod = pods_of(cluster)[0]
    keeper = cluster.api.get("replicationcontrollers", "keeper")
    refs = [*pod["metadata"]["ownerReferences"],
            {"apiVersion": "v1", "kind": "ReplicationController", "name": "keeper",
             "uid": keeper["metadata"]["uid"]}]
    cluster.api.patch("pods", pod["metadata"]["name"], {"metadata": {"ownerReferences": refs}})
    cluster.kubectl("delete rs web")
    cluster.run(5)
    kept = cluster.pod(pod["metadata"]["name"])
    assert [r["name"] for r in kept["metadata"]["ownerReferences"]] == ["keeper"]
    assert not kept["metadata"].get("deletionTimestamp")


# --- the scale subresource -----------------------------------------------------------------------------


def test_get_scale_of_replica_set_and_replication_controller(cluster: Cluster) -> None:
    manifest = rs(replicas=2)
    manifest["spec"]["selector"]["matchExpressions"] = [{"key": "tier", "operator": "NotIn", "values": ["db"]}]
    created = cluster.apply(manifest)[0]
    cluster.apply(rc("legacy", replicas=1))
    cluster.run(10)
    scale = cluster.api.get_scale("replicasets", "web", "default")
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["metadata"]["uid"] == created["metadata"]["uid"]
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 2, "selector": "app=web,tier notin (db)"}
    assert cluster.api.get_scale("rc", "legacy")["status"] == {"replicas": 1, "selector": "app=legacy"}


def test_update_scale_changes_spec_replicas(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=1))
    cluster.run(10)
    scale = cluster.api.get_scale("replicasets", "web")
    scale["spec"]["replicas"] = 3
    updated = cluster.api.update_scale("replicasets", "web", scale)
    assert updated["spec"]["replicas"] == 3
    stored = cluster.api.get("replicasets", "web")
    assert stored["spec"]["replicas"] == 3 and stored["metadata"]["generation"] == 2
    with pytest.raises(StatusError) as err:  # the old resourceVersion is a failed precondition
        cluster.api.update_scale("replicasets", "web", scale)
    assert str(err.value) == ('Operation cannot be fulfilled on replicasets.apps "web": the object has been '
                              'modified; please apply your changes to the latest version and try again')


def test_update_scale_bad_input(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=1))
    with pytest.raises(ObjectInvalidError) as invalid:
        cluster.api.update_scale("replicasets", "web", {"spec": {"replicas": -1}})
    assert str(invalid.value) == ('Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: '
                                  'must be greater than or equal to 0')
    with pytest.raises(StatusError) as bad:
        cluster.api.update_scale("replicasets", "web", {"spec": {"replicas": "3"}})
    assert str(bad.value) == ('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string '
                              'into Go struct field ScaleSpec.spec.replicas of type int32')
    with pytest.raises(StatusError) as missing:
        cluster.api.get_scale("pods", "web")
    assert missing.value.code == 404 and str(missing.value) == "the server could not find the requested resource"
    with pytest.raises(StatusError) as absent:
        cluster.api.get_scale("replicasets", "nope")
    assert str(absent.value) == 'replicasets.apps "nope" not found'


# --- kubectl -------------------------------------------------------------------------------------------


DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                       "template": {"metadata": {"labels": {"app": "api"}},
                                    "spec": {"containers": [{"name": "api", "image": "nginx:1.27"}]}}}}


def test_kubectl_scale_rs_rc_and_deployment(cluster: Cluster) -> None:
    cluster.apply([rs(replicas=1), rc("legacy", replicas=1), DEPLOYMENT])
    assert cluster.kubectl("scale rs web --replicas=3") == "replicaset.apps/web scaled\n"
    assert cluster.kubectl("scale --replicas=2 rc/legacy") == "replicationcontroller/legacy scaled\n"
    assert cluster.kubectl("scale deployment api --replicas=4") == "deployment.apps/api scaled\n"
    assert [cluster.api.get(r, n)["spec"]["replicas"] for r, n in
            [("replicasets", "web"), ("replicationcontrollers", "legacy"), ("deployments", "api")]] == [3, 2, 4]
    cluster.run(20)
    assert len(pods_of(cluster)) == 3 and len(pods_of(cluster, "legacy")) == 2


def test_kubectl_scale_preconditions(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=2))
    refused = cluster.kubectl("scale rs web --current-replicas=3 --replicas=5")
    assert not refused.ok and refused == "error: Expected replicas to be 3, was 2\n"
    assert cluster.kubectl("scale rs web --current-replicas=2 --replicas=5") == "replicaset.apps/web scaled\n"
    version = cluster.api.get("replicasets", "web")["metadata"]["resourceVersion"]
    assert cluster.kubectl("scale rs web --resource-version=1 --replicas=1") == \
        f"error: Expected resource version to be 1, was {version}\n"


@pytest.mark.parametrize(("command", "error"), [
    ("scale rs web --replicas=-1",
     "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n"),
    ("scale rs web", 'error: required flag(s) "replicas" not set\n'),
    ("scale rs web --replicas=1 --current-replicas=-2",
     "error: The --current-replicas must specify an integer of -1 or greater\n"),
    ("scale rs nope --replicas=1", "error: no objects passed to scale\n"),  # kubectl v1.32 skips what it can't read
    ("scale pod/nope --replicas=1", "error: no objects passed to scale\n"),
    ("scale rs web --replicas=1 --timeout=soon",
     'error: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"\n'
     "See 'kubectl scale --help' for usage.\n"),
    ("scale rs web --replicas=two", 'error: invalid argument "two" for "--replicas" flag: strconv.ParseInt: '
                                    "parsing \"two\": invalid syntax\nSee 'kubectl scale --help' for usage.\n"),
])
def test_kubectl_scale_errors(cluster: Cluster, command: str, error: str) -> None:
    cluster.apply(rs(replicas=1))
    result = cluster.kubectl(command)
    assert not result.ok and result == error


def test_kubectl_scale_a_missing_object_among_others(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=1))
    result = cluster.kubectl("scale rs/nope rs/web --replicas=2")
    assert not result.ok and result == (
        'replicaset.apps/web scaled\nError from server (NotFound): replicasets.apps "nope" not found\n')


def test_kubectl_scale_timeout_waits_for_the_status(cluster: Cluster) -> None:
    """--timeout polls the Scale every second until status.replicas has caught up (WaitForScaleHasDesiredReplicas)."""
    cluster.apply(rs(replicas=1))
    cluster.run(5)
    start = cluster.now
    assert cluster.kubectl("scale rs web --replicas=3 --timeout=1m") == "replicaset.apps/web scaled\n"
    assert cluster.api.get("replicasets", "web")["status"]["replicas"] == 3 and cluster.now - start < 5
    assert cluster.kubectl("scale rs web --replicas=500 --timeout=0.5s") == \
        'error: timed out waiting for "web" to be synced\n'


def test_kubectl_get_rs_rc_columns(cluster: Cluster) -> None:
    cluster.apply([rs(replicas=2), rc("legacy", replicas=1)])
    cluster.run(20)
    assert cluster.kubectl("get rs,rc") == (
        "NAME                  DESIRED   CURRENT   READY   AGE\n"
        "replicaset.apps/web   2         2         2       20s\n\n"
        "NAME                           DESIRED   CURRENT   READY   AGE\n"
        "replicationcontroller/legacy   1         1         1       20s\n")
    assert cluster.kubectl("get rs -o wide") == (
        "NAME   DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES       SELECTOR\n"
        "web    2         2         2       20s   web          nginx:1.27   app=web\n")


def test_kubectl_describe_rs_shows_pods_status_and_events(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=2))
    cluster.run(20)
    cluster.kubectl("scale rs web --replicas=1")
    cluster.run(1)
    text = cluster.kubectl("describe rs web")
    assert "Replicas:     1 current / 1 desired\n" in text
    assert "Pods Status:  1 Running / 0 Waiting / 0 Succeeded / 0 Failed\n" in text
    assert "  Normal  SuccessfulCreate  21s   replicaset-controller  Created pod: web-" in text
    assert "  Normal  SuccessfulDelete  1s    replicaset-controller  Deleted pod: web-" in text


def test_garbage_collector_deletes_a_pod_whose_owner_never_existed(cluster: Cluster) -> None:
    ghost = bare_pod("ghost-child", {"app": "ghost"})
    ghost["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "ghost",
                                             "uid": "00000000-0000-4000-8000-000000000000", "controller": True}]
    cluster.apply(ghost)
    cluster.apply(rs("ghost", replicas=0))  # same name, another UID: still not the owner
    cluster.run(40)
    assert "ghost-child" not in names(cluster.api.list("pods", "default"))


def test_status_write_retries_once_on_a_conflict(cluster: Cluster) -> None:
    cluster.apply(rs(replicas=1))
    cluster.run(10)
    rsc = controller(cluster)
    stale = rsc.owners.get("default/web")
    cluster.api.patch("replicasets", "web", {"spec": {"replicas": 2}})  # the cached copy is now stale
    written = rsc._update_status(stale, {"replicas": 7})
    assert written["status"] == {"replicas": 7, "observedGeneration": 2}, "retried on the fresh object"
