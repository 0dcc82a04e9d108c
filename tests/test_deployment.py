"""The Deployment controller: fenceposts, hashing, revisions, conditions, and whole rollouts on a cluster."""

from __future__ import annotations

import copy

import pytest

from k8scourse.api.errors import FieldValidationError
from k8scourse.api.objects import load
from k8scourse.clock import VirtualClock
from k8scourse.cluster import Cluster
from k8scourse.master.controllers.deployment import util

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: web}}
  strategy: STRATEGY
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
"""


def web(replicas: int = 3, strategy: str = "{}") -> str:
    return WEB.replace("REPLICAS", str(replicas)).replace("STRATEGY", strategy)


def rolling(surge: object, unavailable: object) -> str:
    return f"{{type: RollingUpdate, rollingUpdate: {{maxSurge: {surge!r}, maxUnavailable: {unavailable!r}}}}}"


def deploy_dict(replicas: int = 10, surge: object = "25%", unavailable: object = "25%") -> dict:
    return {"metadata": {"name": "web", "generation": 1},
            "spec": {"replicas": replicas,
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}}}


def rs_dict(name: str, replicas: int, available: int = 0, created: str = "2025-01-01T00:00:00Z") -> dict:
    return {"metadata": {"name": name, "creationTimestamp": created},
            "spec": {"replicas": replicas}, "status": {"replicas": replicas, "availableReplicas": available}}


# --- fenceposts -------------------------------------------------------------------------

@pytest.mark.parametrize("surge, unavailable, desired, expected", [
    ("25%", "25%", 10, (3, 2)),   # surge rounds up, unavailability down
    ("25%", "25%", 4, (1, 1)),
    ("25%", "25%", 1, (1, 0)),
    (0, "10%", 3, (0, 1)),        # both 0 after rounding: unavailability becomes 1
    ("0%", "0%", 0, (0, 1)),
    (2, 0, 5, (2, 0)),
    ("50%", "100%", 3, (2, 3)),
])
def test_resolve_fenceposts(surge: object, unavailable: object, desired: int, expected: tuple[int, int]) -> None:
    assert util.resolve_fenceposts(surge, unavailable, desired) == expected


def test_max_unavailable_never_exceeds_replicas_and_is_zero_for_recreate() -> None:
    assert util.max_unavailable(deploy_dict(2, 0, 5)) == 2
    assert util.max_unavailable(deploy_dict(0)) == 0
    recreate = {"metadata": {"name": "web"}, "spec": {"replicas": 3, "strategy": {"type": "Recreate"}}}
    assert util.max_unavailable(recreate) == 0 and util.max_surge(recreate) == 0


@pytest.mark.parametrize("rolling_update, message", [
    ({"maxSurge": 0, "maxUnavailable": 0},
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    ({"maxSurge": "0%", "maxUnavailable": "0%"},
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 when `maxSurge` is 0"),
    ({"maxSurge": "25", "maxUnavailable": 1},
     "spec.strategy.rollingUpdate.maxSurge: Invalid value: 25: a valid percent string must be a numeric string "
     "followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"),
    ({"maxSurge": -1, "maxUnavailable": 1},
     "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"),
    ({"maxSurge": 1, "maxUnavailable": "110%"},
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 110%: must not be greater than 100%"),
])
def test_rolling_update_validation(rolling_update: dict, message: str) -> None:
    manifest = load(web()).data
    manifest["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling_update}
    with pytest.raises(FieldValidationError) as err:
        load(manifest).validate()
    assert message in str(err.value)


# --- the rolling arithmetic ------------------------------------------------------------

def test_new_replica_set_grows_within_the_surge() -> None:
    d = deploy_dict(10, "25%", "25%")  # surge 3: at most 13 pods asked for
    old, new = rs_dict("old", 10, 10), rs_dict("new", 0)
    assert util.new_rs_new_replicas(d, [old, new], new) == 3
    old, new = rs_dict("old", 8, 8), rs_dict("new", 3, 1)
    assert util.new_rs_new_replicas(d, [old, new], new) == 5
    old, new = rs_dict("old", 1, 1), rs_dict("new", 9, 9)
    assert util.new_rs_new_replicas(d, [old, new], new) == 10, "never above replicas"
    old, new = rs_dict("old", 10, 10), rs_dict("new", 3, 0)
    assert util.new_rs_new_replicas(d, [old, new], new) == 3, "at the surge: no growth"


def test_old_replica_sets_shrink_within_the_availability_budget() -> None:
    d = deploy_dict(10, "25%", "25%")  # at least 8 available
    old, new = rs_dict("old", 10, 10), rs_dict("new", 3, 0)
    assert util.max_scaled_down(d, [old, new], new) == 2  # 13 - 8 - 3 unavailable new pods
    old, new = rs_dict("old", 10, 10), rs_dict("new", 3, 3)
    assert util.max_scaled_down(d, [old, new], new) == 5


def test_round_to_int32_rounds_halves_away_from_zero() -> None:
    assert [util.round_to_int32(x) for x in (0.5, 1.5, 2.5, -0.5, -2.5, 2.4)] == [1, 2, 3, -1, -3, 2]


def test_replica_set_proportion_follows_the_max_replicas_annotation() -> None:
    d = deploy_dict(20, 3, 2)  # resized from 10 (+3 surge) to 20 (+3)
    rs = rs_dict("old", 8, 8)
    rs["metadata"]["annotations"] = {util.MAX_REPLICAS: "13"}
    assert util.replica_set_proportion(rs, d, to_add=10, added=0) == 6  # round(8 * 23 / 13) - 8
    assert util.replica_set_proportion(rs, d, to_add=10, added=7) == 3, "never more than what is left"


# --- hashing, revisions and conditions ---------------------------------------------------

def test_fnv32a_and_safe_encoding() -> None:
    assert util.fnv32a(b"") == 0x811C9DC5 and util.fnv32a(b"a") == 0xE40C292C  # the FNV reference values
    assert util.safe_encode_string("0123456789") == "456789bcdf"  # byte % 27 in "bcdfghjklmnpqrstvwxz2456789"


def test_compute_hash_is_stable_and_changes_with_the_template_and_collision_count() -> None:
    template = load(web()).data["spec"]["template"]
    first = util.compute_hash(template)
    assert first == util.compute_hash(copy.deepcopy(template))
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789") and 1 <= len(first) <= 10
    changed = copy.deepcopy(template)
    changed["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert util.compute_hash(changed) != first
    assert util.compute_hash(template, 1) != first and util.compute_hash(template, 0) != first


def test_revision_history_keeps_the_revisions_a_reused_replica_set_had() -> None:
    d = {"metadata": {"name": "web", "annotations": {"kubernetes.io/change-cause": "v1", util.LAST_APPLIED: "{}"}},
         "spec": {"replicas": 3, "strategy": {"type": "Recreate"}}}
    rs = {"metadata": {"name": "web-a", "annotations": {util.REVISION: "1"}}, "spec": {"replicas": 3}}
    assert util.set_new_replica_set_annotations(d, rs, 3, exists=True)
    assert rs["metadata"]["annotations"] == {util.REVISION: "3", util.REVISION_HISTORY: "1",
                                             "kubernetes.io/change-cause": "v1"}
    util.set_new_replica_set_annotations(d, rs, 5, exists=True)
    assert rs["metadata"]["annotations"][util.REVISION_HISTORY] == "1,3"
    assert not util.set_new_replica_set_annotations(d, rs, 4, exists=True), "a revision never goes down"
    assert util.last_revision([rs, {"metadata": {"name": "b", "annotations": {util.REVISION: "2"}}}]) == 2


def test_set_condition_keeps_transition_time_for_the_same_status() -> None:
    status: dict = {}
    clock = VirtualClock()
    util.set_condition(status, util.new_condition("Progressing", "True", util.NEW_RS_CREATED, "m", clock))
    util.set_condition(status, util.new_condition("Available", "False", util.MINIMUM_REPLICAS_UNAVAILABLE, "m", clock))
    clock.run(60)
    util.set_condition(status, util.new_condition("Progressing", "True", util.RS_UPDATED, "m", clock))
    progressing = util.get_condition(status, "Progressing")
    assert [c["type"] for c in status["conditions"]] == ["Available", "Progressing"]
    assert progressing["lastTransitionTime"] == "2025-01-01T00:00:00Z"
    assert progressing["lastUpdateTime"] == "2025-01-01T00:01:00Z"


def test_orders() -> None:
    a, b = rs_dict("a", 2, created="2025-01-01T00:00:01Z"), rs_dict("b", 2, created="2025-01-01T00:00:02Z")
    c = rs_dict("c", 5, created="2025-01-01T00:00:03Z")
    assert [r["metadata"]["name"] for r in util.by_size_newer([a, b, c])] == ["c", "b", "a"]
    assert [r["metadata"]["name"] for r in util.by_size_older([a, b, c])] == ["c", "a", "b"]


# --- whole rollouts on a cluster ---------------------------------------------------------

def replica_sets(cluster: Cluster) -> list[dict]:
    return util.by_creation(cluster.api.list("replicasets"))


def available_pods(cluster: Cluster) -> int:
    """Pods that are Ready and not being deleted (minReadySeconds is 0)."""
    return sum(1 for p in cluster.api.list("pods") if not p["metadata"].get("deletionTimestamp")
               and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", [])))


def set_image(cluster: Cluster, image: str, name: str = "web") -> None:
    d = cluster.api.get("deployments", name)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    cluster.api.update(d)


def rolled_out(cluster: Cluster, name: str = "web") -> bool:
    d = cluster.api.get("deployments", name)
    return util.deployment_complete(d, d.get("status") or {}) and util.get_condition(
        d["status"], "Progressing")["reason"] == util.NEW_RS_AVAILABLE


@pytest.mark.parametrize("replicas, surge, unavailable", [
    (10, "25%", "25%"), (5, 1, 0), (5, 0, 1), (6, "50%", "50%"), (4, 0, "100%"), (3, 3, 0),
])
def test_rolling_update_keeps_within_surge_and_availability_at_every_step(replicas: int, surge: object,
                                                                          unavailable: object) -> None:
    cluster = Cluster.quickstart(nodes=3, seed=1)
    cluster.apply(web(replicas, rolling(surge, unavailable)))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    max_surge, max_unavailable = util.resolve_fenceposts(surge, unavailable, replicas)
    set_image(cluster, "nginx:1.28")
    sizes: list[tuple[int, ...]] = []
    while True:
        cluster.run(0.5)
        asked = sum(rs["spec"]["replicas"] for rs in replica_sets(cluster))
        assert asked <= replicas + max_surge, f"{asked} pods asked for at t={cluster.now}"
        assert available_pods(cluster) >= replicas - max_unavailable, f"too few available at t={cluster.now}"
        sizes.append(tuple(rs["spec"]["replicas"] for rs in replica_sets(cluster)))
        if rolled_out(cluster) and len(replica_sets(cluster)) == 2:
            break
        assert cluster.now < 300, "the rollout never finished"
    assert sizes[-1] == (0, replicas)


def test_recreate_removes_every_old_pod_before_the_new_ones() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(3, "{type: Recreate}"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    set_image(cluster, "nginx:1.28")
    images_seen = []
    while not rolled_out(cluster) or cluster.api.get("deployments", "web")["status"]["updatedReplicas"] != 3:
        cluster.run(0.5)
        images = {p["spec"]["containers"][0]["image"] for p in cluster.api.list("pods")}
        assert len(images) <= 1, f"old and new pods together at t={cluster.now}"
        images_seen.append(tuple(sorted(images)))
        assert cluster.now < 300
    assert images_seen[0] == ("nginx:1.27",) and images_seen[-1] == ("nginx:1.28",)


def test_names_labels_revisions_and_events() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(3))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    d = cluster.api.get("deployments", "web")
    (rs,) = cluster.api.list("replicasets")
    pod_hash = util.compute_hash(d["spec"]["template"])
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {util.DESIRED_REPLICAS: "3", util.MAX_REPLICAS: "4", util.REVISION: "1"}
    assert d["metadata"]["annotations"][util.REVISION] == "1"
    assert all(p["metadata"]["labels"]["pod-template-hash"] == pod_hash for p in cluster.api.list("pods"))
    set_image(cluster, "nginx:1.28")
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    new = replica_sets(cluster)[-1]["metadata"]["name"]
    messages = [e["message"] for e in cluster.events_for("web")]
    assert messages[:3] == [f"Scaled up replica set web-{pod_hash} to 3", f"Scaled up replica set {new} to 1",
                            f"Scaled down replica set web-{pod_hash} to 2 from 3"]
    assert cluster.api.get("deployments", "web")["metadata"]["annotations"][util.REVISION] == "2"
    status = cluster.api.get("deployments", "web")["status"]
    assert {c["type"]: (c["reason"], c["message"]) for c in status["conditions"]} == {
        "Available": ("MinimumReplicasAvailable", "Deployment has minimum availability."),
        "Progressing": ("NewReplicaSetAvailable", f'ReplicaSet "{new}" has successfully progressed.')}


def test_a_bad_image_hits_the_progress_deadline() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(3).replace("spec:\n  replicas", "spec:\n  progressDeadlineSeconds: 60\n  replicas"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    set_image(cluster, "nginx:no-such-tag")
    cluster.run(30)
    progressing = util.get_condition(cluster.api.get("deployments", "web")["status"], "Progressing")
    assert progressing["reason"] == "ReplicaSetUpdated"
    cluster.run(60)
    status = cluster.api.get("deployments", "web")["status"]
    progressing = util.get_condition(status, "Progressing")
    new = replica_sets(cluster)[-1]["metadata"]["name"]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{new}" has timed out progressing.')
    assert status["availableReplicas"] == 3 and status["updatedReplicas"] == 1, "the old pods keep serving"


def test_scaling_mid_rollout_is_proportional() -> None:
    cluster = Cluster.quickstart(nodes=3, seed=0)
    cluster.apply(web(10, rolling(3, 2)))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    set_image(cluster, "nginx:no-such-tag")  # the rollout stalls with 13 pods asked for
    cluster.run(20)
    assert [rs["spec"]["replicas"] for rs in replica_sets(cluster)] == [8, 5]
    d = cluster.api.get("deployments", "web")
    d["spec"]["replicas"] = 20
    cluster.api.update(d)
    cluster.run(1)
    sizes = [rs["spec"]["replicas"] for rs in replica_sets(cluster)]
    assert sum(sizes) == 23 and sizes == [14, 9]  # 8*23/13 = 14.15 -> 14, 5*23/13 = 8.8 -> 9
    assert "Scaled up replica set" in cluster.events_for("web")[-1]["message"]


def test_pause_stops_the_rollout_and_resume_continues() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(3))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    d = cluster.api.get("deployments", "web")
    d["spec"]["paused"] = True
    cluster.api.update(d)
    cluster.run(1)
    set_image(cluster, "nginx:1.28")
    cluster.run(60)
    assert len(cluster.api.list("replicasets")) == 1, "no rollout while paused"
    progressing = util.get_condition(cluster.api.get("deployments", "web")["status"], "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("Unknown", "DeploymentPaused")
    d = cluster.api.get("deployments", "web")
    d["spec"]["paused"] = False
    cluster.api.update(d)
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    assert len(cluster.api.list("replicasets")) == 2


def test_revision_history_limit_deletes_the_oldest_replica_sets() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(1).replace("spec:\n  replicas", "spec:\n  revisionHistoryLimit: 2\n  replicas"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    for tag in ("1.26", "1.27", "1.28", "latest"):
        set_image(cluster, f"nginx:{tag}")
        cluster.run(1)
        cluster.wait_for(lambda: rolled_out(cluster) and len(cluster.api.list("replicasets")) <= 3, timeout=120)
    revisions = sorted(util.revision(rs) for rs in cluster.api.list("replicasets"))
    assert revisions == [3, 4, 5]


def test_the_rollback_annotation_rolls_back_to_a_revision() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(2))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    set_image(cluster, "nginx:1.28")
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    d = cluster.api.get("deployments", "web")
    d["metadata"]["annotations"][util.ROLLBACK_TO] = "1"
    cluster.api.update(d)
    cluster.run(1)
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    d = cluster.api.get("deployments", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert util.ROLLBACK_TO not in d["metadata"]["annotations"] and d["metadata"]["annotations"][util.REVISION] == "3"
    first = replica_sets(cluster)[0]
    assert util.annotations(first)[util.REVISION_HISTORY] == "1"
    assert cluster.events_for("web")[-2]["message"] == 'Rolled back deployment "web" to revision 1' or any(
        e["message"] == 'Rolled back deployment "web" to revision 1' for e in cluster.events_for("web"))


# --- kubectl rollout, set image, get, describe ----------------------------------------------

@pytest.fixture
def rolled() -> Cluster:
    cluster = Cluster.quickstart(nodes=3, seed=0)
    cluster.apply(web(3))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    return cluster


def test_rollout_status_runs_the_clock_until_the_rollout_is_done(rolled: Cluster) -> None:
    assert rolled.kubectl("rollout status deployment/web") == 'deployment "web" successfully rolled out\n'
    assert rolled.kubectl("set image deployment/web web=nginx:1.28") == "deployment.apps/web image updated\n"
    start = rolled.now
    out = rolled.kubectl("rollout status deploy/web")
    lines = out.splitlines()
    assert out.ok and lines[0] == "Waiting for deployment spec update to be observed..."
    assert 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...' in lines
    assert 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...' in lines
    assert lines[-1] == 'deployment "web" successfully rolled out'
    assert rolled_out(rolled) and 10 < rolled.now - start < 60
    header, row = rolled.kubectl("get deploy").splitlines()
    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"] and row.split()[:4] == [
        "web", "3/3", "3", "3"]


def test_rollout_status_times_out_and_reports_the_progress_deadline(rolled: Cluster) -> None:
    rolled.kubectl("set image deployment/web web=nginx:no-such-tag")
    out = rolled.kubectl("rollout status deployment/web --timeout=20s")
    assert out.exit_code == 1 and out.endswith("error: timed out waiting for the condition\n")
    out = rolled.kubectl("rollout status deployment/web")
    assert out.exit_code == 1 and out.endswith('error: deployment "web" exceeded its progress deadline\n')
    assert 590 < rolled.now < 680
    assert rolled.kubectl("rollout status deployment/web --watch=false").exit_code == 1
    assert rolled.kubectl("rollout status deployment/web --timeout=soon") == (
        'error: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"\n'
        "See 'kubectl rollout status --help' for usage.\n")


def test_rollout_history_and_undo(rolled: Cluster) -> None:
    d = rolled.api.get("deployments", "web")
    d["metadata"]["annotations"]["kubernetes.io/change-cause"] = "kubectl set image deployment/web web=nginx:1.28"
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    rolled.api.update(d)
    rolled.kubectl("rollout status deployment/web")
    assert rolled.kubectl("rollout history deployment/web") == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n"
        "2         kubectl set image deployment/web web=nginx:1.28\n\n")
    one = rolled.kubectl("rollout history deployment/web --revision=1")
    # printTemplate writes the describer's lines through a bare PrefixWriter: tabs, no tabwriter
    assert one.startswith("deployment.apps/web with revision #1\nPod Template:\n  Labels:\tapp=web\n"
                          "\tpod-template-hash=")
    assert "    Image:\tnginx:1.27\n" in one
    assert rolled.kubectl("rollout history deployment/web --revision=7") == \
        "error: unable to find the specified revision\n"
    assert rolled.kubectl("rollout undo deployment/web --to-revision=99") == \
        "error: unable to find specified revision 99 in history\n"
    assert rolled.kubectl("rollout undo deployment/web --to-revision=2") == \
        "deployment.apps/web skipped rollback (current template already matches revision 2)\n"
    assert rolled.kubectl("rollout undo deployment/web") == "deployment.apps/web rolled back\n"
    rolled.kubectl("rollout status deployment/web")
    d = rolled.api.get("deployments", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert "kubernetes.io/change-cause" not in d["metadata"]["annotations"], "the old revision's annotations"
    history = rolled.kubectl("rollout history deployment/web")
    assert history.splitlines()[2:4] == ["2         kubectl set image deployment/web web=nginx:1.28",
                                         "3         <none>"]
    events = [e["message"] for e in rolled.events_for("web")]
    first = util.by_creation(rolled.api.list("replicasets"))[0]["metadata"]["name"]
    assert f"Scaled up replica set {first} to 1 from 0" in events


def test_pause_resume_restart_messages(rolled: Cluster) -> None:
    k = rolled.kubectl
    assert k("rollout pause deployment/web") == "deployment.apps/web paused\n"
    assert k("rollout pause deployment/web") == 'error: deployments.apps "web" is already paused\n'
    assert k("rollout restart deployment/web") == (
        'error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)\n')
    assert k("rollout undo deployment/web") == 'error: no rollout history found for deployment "web"\n', \
        "the revision is looked up before the pause is checked"
    assert k("rollout resume deployment/web") == "deployment.apps/web resumed\n"
    assert k("rollout resume deployment/web") == 'error: deployments.apps "web" is not paused\n'
    assert k("rollout restart deployment/web") == "deployment.apps/web restarted\n"
    assert k("rollout restart deployment/web") == (
        "error: failed to create patch for web: if restart has already been triggered within the past second, "
        "please wait before attempting to trigger another\n")
    k("rollout status deployment/web")
    assert len(rolled.api.list("replicasets")) == 2, "a restart is a new template"
    assert k("rollout status rs/x") == 'Error from server (NotFound): replicasets.apps "x" not found\n'
    assert k("rollout status") == "error: required resource not specified\n"
    assert k("rollout bogus deployment/web") == ('error: unknown command "bogus deployment/web"\n'
                                                 "See 'kubectl rollout -h' for help and examples\n")
    assert k("set image deployment/web nope=nginx") == 'error: unable to find container named "nope"\n'


def test_rollout_bad_input_as_kubectl_answers_it(rolled: Cluster) -> None:
    """Each text as kubectl v1.32 prints it (compared against `k8scourse serve`)."""
    k = rolled.kubectl
    rolled.kubectl("set image deployment/web web=nginx:1.28")
    rolled.kubectl("rollout status deployment/web")
    rolled.apply(RS_OF_ITS_OWN)
    assert k("rollout undo deployment/web --to-revision=-1") == \
        "error: unable to find specified revision -1 in history\n"  # DeploymentRollbacker.Rollback
    assert k("rollout history deployment/web --revision=-1") == "error: revision must be a positive integer: -1\n"
    assert k("rollout status deployment/web --revision=-1") == "error: revision must be a positive integer: -1\n"
    assert k("rollout status deployment/web --revision=1") == \
        "error: desired revision (1) is different from the running revision (2)\n"
    assert k("rollout status deployment/web --revision=2") == 'deployment "web" successfully rolled out\n'
    assert k("rollout undo deployment/web --to-revision=abc") == (
        'error: invalid argument "abc" for "--to-revision" flag: strconv.ParseInt: parsing "abc": invalid syntax\n'
        "See 'kubectl rollout undo --help' for usage.\n")
    assert k("rollout status deployment/web --to-revision=1") == (  # each subcommand has its own flags
        "error: unknown flag: --to-revision\nSee 'kubectl rollout status --help' for usage.\n")
    assert k("rollout status deployment/web --timeout=5") == (  # a Go duration needs its unit
        'error: invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"\n'
        "See 'kubectl rollout status --help' for usage.\n")
    assert k("rollout undo") == "error: required resource not specified\n"
    assert k("rollout history deployment").startswith("deployment.apps/web \nREVISION"), "a type is all of it"
    assert k("rollout status deployment/nope deployment/web") == (
        'deployment "web" successfully rolled out\nError from server (NotFound): deployments.apps "nope" not found\n')
    assert k("rollout history") == "error: required resource not specified\n"
    assert k("rollout undo rs/other") == 'error: no rollbacker has been implemented for "ReplicaSet.apps"\n'
    assert k("rollout history deployment/nope deployment/web") == (  # every object, the errors at the end
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
        'Error from server (NotFound): deployments.apps "nope" not found\n')
    assert k("rollout undo deployment/nope rs/other deployment/web") == (
        "deployment.apps/web rolled back\n"
        'Error from server (NotFound): deployments.apps "nope" not found\n'
        'no rollbacker has been implemented for "ReplicaSet.apps"\n')  # among several, without "error: "
    k("rollout pause deployment/web")
    assert k("rollout undo deployment/web --to-revision=99") == \
        "error: unable to find specified revision 99 in history\n", "the revision is looked up before the pause"
    assert k("rollout undo deployment/web") == ("error: you cannot rollback a paused deployment; resume it first "
                                                "with 'kubectl rollout resume' and try again\n")
    assert k("rollout restart deployment/web deployment/nope") == (  # the objects are all read first
        'Error from server (NotFound): deployments.apps "nope" not found\n'
        'error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)\n')
    help_text = k("rollout")
    assert help_text.exit_code == 1 and help_text.startswith("Manage the rollout of one or many resources.\n")
    assert "  undo          Undo a previous rollout\n" in help_text


def test_a_replica_set_whose_status_lags_its_spec_is_retried_not_raised() -> None:
    """cleanupUnhealthyReplicas returns an error when an old ReplicaSet has more available pods than
    it asks for (its status not yet caught up); the sync is retried, the cluster runs on."""
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(2))
    cluster.apply({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
                   "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                            "maxReplicas": 1}})
    cluster.run(60)
    for command in ("scale deployment/web --replicas=3", "scale rs --all --replicas=1",
                    "set image deployment/web web=nginx:1.28", "rollout restart deployment/web"):
        cluster.kubectl(command)
    cluster.run(120)  # raised K8sValueError out of the Deployment controller's sync
    assert rolled_out(cluster)


def test_a_changed_selector_is_immutable_as_the_strategy_words_it() -> None:
    """ValidateImmutableField compares semantically (an empty list is no list) and prints the *LabelSelector
    through its String(); the spec's own errors come first, in the same Invalid."""
    cluster = Cluster.quickstart(nodes=1, seed=0)
    cluster.kubectl("apply -f -", stdin=web(1))
    same = web(1).replace("selector: {matchLabels: {app: web}}",
                          "selector: {matchLabels: {app: web}, matchExpressions: []}")
    assert cluster.kubectl("apply -f -", stdin=same) == "deployment.apps/web configured\n"
    other = web(1).replace("selector: {matchLabels: {app: web}}", "selector: {matchLabels: {app: api}}")
    assert cluster.kubectl("apply -f -", stdin=other) == (
        'The Deployment "web" is invalid: \n'
        '* spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
        "`selector` does not match template `labels`\n"
        "* spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{app: api,},"
        "MatchExpressions:[]LabelSelectorRequirement{},}: field is immutable\n")


def test_describe_a_deployment_without_replica_sets_leaves_their_lines_out() -> None:
    """kubectl v1.32 (on `k8scourse serve`): a Deployment paused from the start has no ReplicaSet to show."""
    cluster = Cluster.quickstart(nodes=1, seed=0)
    cluster.apply(web(2).replace("  strategy: {}\n", "  strategy: {}\n  paused: true\n"))
    cluster.run(5)
    text = cluster.kubectl("describe deploy web")
    assert "ReplicaSet" not in text
    assert text.endswith("  Progressing   Unknown  DeploymentPaused\n"
                         "  Available     False    MinimumReplicasUnavailable\nEvents:         <none>\n")


RS_OF_ITS_OWN = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "other"},
                 "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "other"}},
                          "template": {"metadata": {"labels": {"app": "other"}},
                                       "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


def test_describe_deployment_shows_old_and_new_replica_sets(rolled: Cluster) -> None:
    rolled.kubectl("set image deployment/web web=nginx:1.28")
    rolled.run(12)
    text = rolled.kubectl("describe deploy web")
    old, new = (rs["metadata"]["name"] for rs in replica_sets(rolled))
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n" in text
    assert f"OldReplicaSets:  {old} (2/2 replicas created)\n" in text
    assert f"NewReplicaSet:   {new} (2/2 replicas created)\n" in text
    assert f"Scaled up replica set {new} to 2 from 1" in text
    rolled.kubectl("rollout status deployment/web")
    text = rolled.kubectl("describe deploy web")
    assert f"OldReplicaSets:  <none>\nNewReplicaSet:   {new} (3/3 replicas created)\n" in text, \
        "kubectl lists only old ReplicaSets still asked for pods"
    assert "  Progressing    True    NewReplicaSetAvailable\n" in text


def test_deleting_a_deployment_takes_its_replica_sets_and_pods() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(3))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    assert cluster.kubectl("delete deployment web") == 'deployment.apps "web" deleted\n'
    cluster.run(40)  # the garbage collector follows the ownerReferences; the pods terminate gracefully
    assert cluster.api.list("replicasets") == [] and cluster.api.list("pods", label_selector="app=web") == []



def test_recreate_is_queued_when_the_last_old_pod_is_deleted_not_before() -> None:
    """deletePod (deployment_controller.go): a pod deletion queues a Recreate Deployment only
    once getPodMapForDeployment finds none of its pods left."""
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(web(3, "{type: Recreate}"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    dc = next(c for c in cluster.controllers if type(c).__name__ == "DeploymentController")
    adds: list[str] = []
    add = dc.queue.add
    dc.queue.add = lambda key: (adds.append(key), add(key))[1]  # type: ignore[method-assign]
    pods = cluster.informers.informer("pods")
    seen: list[tuple[int, bool]] = []  # (pods left, queued) at each deletion

    def delete_pod(event_type: str, pod: dict, old: dict | None) -> None:
        before = len(adds)
        dc._on_pod(event_type, pod, old)
        if event_type == "DELETED":
            seen.append((len(pods.list()), len(adds) > before))

    pods._handlers[pods._handlers.index(dc._on_pod)] = delete_pod
    set_image(cluster, "nginx:1.28")
    cluster.wait_for(lambda: rolled_out(cluster) and
                     cluster.api.get("deployments", "web")["status"].get("updatedReplicas") == 3, timeout=120)
    assert seen == [(2, False), (1, False), (0, True)]
