"""How a Deployment claims ReplicaSets (getReplicaSetsForDeployment, ClaimReplicaSets): adoption of
matching orphans, release of ReplicaSets that stop matching, other controllers' left alone."""

from __future__ import annotations

from typing import Any, Mapping

import pytest
import yaml

from k8scourse.api.errors import StatusError, not_found
from k8scourse.cluster import Cluster
from k8scourse.api.meta import controller_of
from k8scourse.master.controllers.controller_ref import ControllerRefManager, new_controller_ref
from k8scourse.master.controllers.deployment import DeploymentController, util
from k8scourse.timefmt import rfc3339

WORKLOAD = """
apiVersion: apps/v1
kind: KIND
metadata: {name: NAME, labels: {app: web}}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:IMAGE"}]}
"""


def workload(kind: str, name: str, replicas: int, image: str) -> str:
    return WORKLOAD.replace("KIND", kind).replace("NAME", name).replace("REPLICAS", str(replicas)) \
        .replace("IMAGE", image)


def hand_made_rs(image: str = "1.26") -> str:
    """A ReplicaSet made by hand, selecting app=web as the Deployments below do."""
    return workload("ReplicaSet", "web-manual", 2, image)


def deployment(name: str = "web", image: str = "1.27") -> str:
    return workload("Deployment", name, 3, image)


def owner_refs(cluster: Cluster, rs: str) -> list[dict] | None:
    """The ReplicaSet's ownerReferences as ``kubectl get rs -o yaml`` shows them."""
    return yaml.safe_load(cluster.kubectl(f"get rs {rs} -o yaml"))["metadata"].get("ownerReferences")


def ref_to(cluster: Cluster, name: str = "web") -> dict:
    uid = cluster.api.get("deployments", name)["metadata"]["uid"]
    return {"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, "kind": "Deployment",
            "name": name, "uid": uid}


def rolled_out(cluster: Cluster, name: str = "web") -> bool:
    d = cluster.api.get("deployments", name)
    condition = util.get_condition(d.get("status") or {}, "Progressing")
    return util.deployment_complete(d, d.get("status") or {}) and condition is not None \
        and condition["reason"] == util.NEW_RS_AVAILABLE


def deployment_controller(cluster: Cluster) -> DeploymentController:
    return next(c for c in cluster.controllers if isinstance(c, DeploymentController))


# --- on a cluster -----------------------------------------------------------------------------------


def test_an_orphan_replica_set_is_adopted_and_scaled_down_as_an_old_one() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(hand_made_rs("1.26"))
    cluster.run(30)
    assert owner_refs(cluster, "web-manual") is None
    cluster.apply(deployment(image="1.27"))
    cluster.run(0.1)
    assert owner_refs(cluster, "web-manual") == [ref_to(cluster)]
    assert ("  ownerReferences:\n  - apiVersion: apps/v1\n    blockOwnerDeletion: true\n    controller: true\n"
            "    kind: Deployment\n    name: web\n    uid: ") in cluster.kubectl("get rs web-manual -o yaml")
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    sets = {rs["metadata"]["name"]: rs for rs in cluster.api.list("replicasets")}
    new = util.find_new_replica_set(cluster.api.get("deployments", "web"), sets.values())
    assert new is not None and new["metadata"]["name"] != "web-manual"
    assert sets["web-manual"]["spec"]["replicas"] == 0, "an old ReplicaSet: its template is not the Deployment's"
    assert "pod-template-hash" not in sets["web-manual"]["metadata"]["labels"], "adoption adds no hash (v1.11+)"
    messages = [e["message"] for e in cluster.events_for("web")]
    assert "Scaled down replica set web-manual to 1 from 2" in messages
    assert "Scaled down replica set web-manual to 0 from 1" in messages
    cluster.run(35)  # the old pods' termination grace period
    pods = cluster.api.list("pods", label_selector="app=web")
    assert len(pods) == 3 and all(controller_of(p)["uid"] == new["metadata"]["uid"] for p in pods)


def test_rollout_history_and_undo_count_an_adopted_replica_set_as_revision_0() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(hand_made_rs("1.26"))
    cluster.apply(deployment(image="1.27"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    assert cluster.kubectl("rollout history deployment/web") == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n0         <none>\n1         <none>\n\n")
    assert cluster.kubectl("rollout undo deployment/web") == "deployment.apps/web rolled back\n"
    cluster.kubectl("rollout status deployment/web")
    manual = cluster.api.get("replicasets", "web-manual")
    assert manual["spec"]["replicas"] == 3 and util.annotations(manual)[util.REVISION] == "2", \
        "the hand-made template is the Deployment's again: web-manual is its new ReplicaSet"


def test_an_adopted_replica_set_with_the_same_template_is_the_new_one_and_keeps_its_name() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(hand_made_rs("1.27"))
    cluster.run(30)
    cluster.apply(deployment(image="1.27"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    (rs,) = cluster.api.list("replicasets")
    assert rs["metadata"]["name"] == "web-manual" and rs["spec"]["replicas"] == 3
    assert rs["metadata"]["ownerReferences"] == [ref_to(cluster)]
    assert util.annotations(rs)[util.REVISION] == "1"
    assert cluster.events_for("web")[0]["message"] == "Scaled up replica set web-manual to 3 from 2"
    assert all("pod-template-hash" not in p["metadata"]["labels"] for p in cluster.api.list("pods"))


def test_a_replica_set_that_stops_matching_is_released_and_adopted_again_when_it_matches() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(hand_made_rs("1.27"))
    cluster.apply(deployment(image="1.27"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    assert owner_refs(cluster, "web-manual") == [ref_to(cluster)]
    assert cluster.kubectl("label rs web-manual app=other --overwrite") == "replicaset.apps/web-manual labeled\n"
    cluster.run(0.1)
    assert owner_refs(cluster, "web-manual") is None, "released: the selector no longer selects it"
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    names = sorted(rs["metadata"]["name"] for rs in cluster.api.list("replicasets"))
    assert len(names) == 2 and names[1] == "web-manual", "the Deployment made itself a new ReplicaSet"
    assert cluster.api.get("replicasets", "web-manual")["spec"]["replicas"] == 3, "a released set keeps its pods"
    cluster.kubectl("label rs web-manual app=web --overwrite")
    cluster.run(0.1)
    assert owner_refs(cluster, "web-manual") == [ref_to(cluster)], "an orphan relabelled to match: adopted"


def test_a_replica_set_controlled_by_another_deployment_is_left_alone() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(deployment("first", image="1.27"))
    cluster.wait_for(lambda: rolled_out(cluster, "first"), timeout=120)
    (first_rs,) = cluster.api.list("replicasets")
    cluster.apply(deployment("second", image="1.27"))  # the same selector: a user error, but no fight
    cluster.wait_for(lambda: rolled_out(cluster, "second"), timeout=120)
    cluster.run(30)
    sets = util.by_creation(cluster.api.list("replicasets"))
    assert [rs["metadata"]["name"] for rs in sets][0] == first_rs["metadata"]["name"] and len(sets) == 2
    assert [rs["metadata"]["ownerReferences"] for rs in sets] == [[ref_to(cluster, "first")],
                                                                  [ref_to(cluster, "second")]]
    assert [rs["spec"]["replicas"] for rs in sets] == [3, 3]


def mark_deleting(cluster: Cluster, name: str = "web") -> None:
    """Give the stored Deployment a deletionTimestamp, as a deletion held by a finalizer would
    (this model's apiserver removes a Deployment at once)."""
    d = cluster.api.get("deployments", name)
    d["metadata"]["deletionTimestamp"] = rfc3339(cluster.now)
    cluster.api.update(d)


def test_a_deleting_deployment_adopts_nothing() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(deployment(image="1.27"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    mark_deleting(cluster)
    cluster.run(1)
    cluster.apply(hand_made_rs("1.26"))
    cluster.run(30)
    assert owner_refs(cluster, "web-manual") is None
    owned = [rs for rs in cluster.api.list("replicasets") if rs["metadata"]["name"] != "web-manual"]
    assert [controller_of(rs)["name"] for rs in owned] == ["web"], "what it owns it keeps"


def test_adoption_rechecks_the_deletion_timestamp_with_an_uncached_read() -> None:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(deployment(image="1.27"))
    cluster.wait_for(lambda: rolled_out(cluster), timeout=120)
    dc = deployment_controller(cluster)
    dc.queue.add = lambda key: None  # type: ignore[method-assign]  # no syncs: this test runs the one below
    cluster.apply(hand_made_rs("1.26"))
    cluster.run(1)
    cached = dc.deployments.get("default/web")
    mark_deleting(cluster)  # the informer has not seen this yet: the clock has not run
    assert "web-manual" in [rs["metadata"]["name"] for rs in dc.replica_sets.list("default")]
    rs_list = dc.replica_sets_for(cached)
    assert [controller_of(rs)["name"] for rs in rs_list] == ["web"], "its own ReplicaSet only"
    assert cluster.api.get("replicasets", "web-manual")["metadata"].get("ownerReferences") is None


# --- the event handlers (addReplicaSet, updateReplicaSet, deleteReplicaSet) -------------------------


@pytest.fixture
def two_deployments() -> tuple[Cluster, DeploymentController, list[str]]:
    """A cluster with Deployments ``web`` (app=web) and ``api`` (app=api), and a recorder of queued keys."""
    cluster = Cluster.quickstart(nodes=1, seed=0)
    cluster.apply(deployment("web"))
    cluster.apply(deployment("api").replace("app: web", "app: api"))
    cluster.run(1)
    dc = deployment_controller(cluster)
    queued: list[str] = []
    dc.queue.add = queued.append  # type: ignore[method-assign]
    return cluster, dc, queued


def rs_obj(labels: Mapping[str, str], refs: list[dict] | None = None, rv: str = "1", **meta: Any) -> dict:
    return {"metadata": {"name": "x", "namespace": "default", "uid": "rs-uid", "resourceVersion": rv,
                         "labels": dict(labels), "ownerReferences": refs or [], **meta}}


def test_an_orphan_added_queues_every_deployment_selecting_it(two_deployments: Any) -> None:
    cluster, dc, queued = two_deployments
    dc._on_replica_set("ADDED", rs_obj({"app": "web"}), None)
    assert queued == ["default/web"]
    queued.clear()
    dc._on_replica_set("ADDED", rs_obj({}), None)
    dc._on_replica_set("ADDED", rs_obj({"app": "db"}), None)
    assert queued == [], "no labels, or no Deployment selecting it"
    dc._on_replica_set("ADDED", rs_obj({"app": "web"}, [ref_to(cluster, "api")]), None)
    assert queued == ["default/api"], "with a controller, only the controller"
    queued.clear()
    stale = {**ref_to(cluster, "api"), "uid": "another"}
    dc._on_replica_set("ADDED", rs_obj({"app": "web"}, [stale]), None)
    dc._on_replica_set("DELETED", rs_obj({"app": "web"}), None)
    assert queued == [], "a controller ref to a replaced Deployment, or an orphan deleted: nobody"


def test_an_update_queues_the_old_and_new_controllers_and_relabelled_orphans(two_deployments: Any) -> None:
    cluster, dc, queued = two_deployments
    web, api = ref_to(cluster, "web"), ref_to(cluster, "api")
    dc._on_replica_set("MODIFIED", rs_obj({"app": "api"}, [api], rv="2"), rs_obj({"app": "web"}, [web]))
    assert queued == ["default/web", "default/api"]
    queued.clear()
    dc._on_replica_set("MODIFIED", rs_obj({"app": "api"}, rv="2"), rs_obj({"app": "web"}))
    assert queued == ["default/api"], "an orphan whose labels changed: whoever selects it now"
    queued.clear()
    dc._on_replica_set("MODIFIED", rs_obj({"app": "web"}, rv="2"), rs_obj({"app": "web"}))
    dc._on_replica_set("MODIFIED", rs_obj({"app": "web"}, [web]), rs_obj({"app": "web"}, [web]))
    assert queued == [], "an orphan unchanged in labels and controller; a resync (same resourceVersion)"
    dc._on_replica_set("MODIFIED", rs_obj({"app": "web"}, rv="2"), rs_obj({"app": "web"}, [web]))
    assert queued == ["default/web", "default/web"], "released: the old controller, and the orphan's selectors"


# --- ControllerRefManager on its own ----------------------------------------------------------------


class FakeAPI:
    """Objects by name, a fresh owner for RecheckDeletionTimestamp, and a record of the calls."""

    def __init__(self, owner: dict, objects: list[dict], refuse: StatusError | None = None) -> None:
        self.owner, self.objects, self.refuse = owner, {o["metadata"]["name"]: o for o in objects}, refuse
        self.calls: list[tuple[str, str]] = []

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict:
        self.calls.append(("get", name))
        found = self.owner if resource == "deployments" else self.objects.get(name)
        if found is None or found["metadata"]["name"] != name:
            raise not_found(resource, name)
        return found

    def patch(self, resource: str, name: str, patch: Mapping[str, Any], namespace: str | None = None) -> dict:
        self.calls.append(("patch", name))
        if self.refuse is not None:
            raise self.refuse
        self.objects[name]["metadata"]["ownerReferences"] = patch["metadata"]["ownerReferences"]
        return self.objects[name]


def owner(**meta: Any) -> dict:
    return {"metadata": {"name": "web", "namespace": "default", "uid": "d-uid", **meta}}


def obj(name: str, refs: list[dict] | None = None, namespace: str = "default", **meta: Any) -> dict:
    return {"metadata": {"name": name, "namespace": namespace, "uid": f"{name}-uid",
                         "ownerReferences": refs, **meta}}


def manager(api: FakeAPI, d: dict) -> ControllerRefManager:
    return ControllerRefManager(api, d, "deployments", new_controller_ref(d, "apps/v1", "Deployment"), "replicasets")


def test_claim_rules() -> None:
    d = owner()
    ours = new_controller_ref(d, "apps/v1", "Deployment")
    theirs = {**ours, "name": "other", "uid": "other-uid"}
    plain = {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "cm-uid"}
    objects = [obj("kept", [ours]), obj("released", [plain, ours]), obj("foreign", [theirs]), obj("orphan", [plain]),
               obj("elsewhere", namespace="other"), obj("dying", deletionTimestamp="2025-01-01T00:00:00Z")]
    api = FakeAPI(d, objects)
    refs = manager(api, d)
    selected = {"kept": True, "released": False, "foreign": True, "orphan": True, "elsewhere": True, "dying": True}
    claimed = [o["metadata"]["name"] for o in objects if refs.claim(o, selected[o["metadata"]["name"]])]
    assert claimed == ["kept", "orphan"] and refs.error is None
    assert api.objects["released"]["metadata"]["ownerReferences"] == [plain], "only our reference goes"
    assert api.objects["orphan"]["metadata"]["ownerReferences"] == [plain, ours], "ours is added to the others"
    assert api.objects["foreign"]["metadata"]["ownerReferences"] == [theirs]
    assert api.calls.count(("get", "web")) == 1, "the owner is read fresh once, at the first adoption"
    assert ("patch", "elsewhere") not in api.calls and ("patch", "dying") not in api.calls


@pytest.mark.parametrize("fresh, why", [
    (owner(deletionTimestamp="2025-01-01T00:00:00Z"), "being deleted, though the cache does not know yet"),
    (owner(uid="a-new-one"), "deleted and created again under the same name"),
    (owner(name="gone"), "deleted (NotFound)"),
])
def test_recheck_deletion_timestamp_refuses_adoption(fresh: dict, why: str) -> None:
    d = owner()
    api = FakeAPI(fresh, [obj("orphan")])
    refs = manager(api, d)
    assert not refs.claim(api.objects["orphan"], True), why
    assert api.objects["orphan"]["metadata"]["ownerReferences"] is None and refs.error is None


def test_a_deleting_owner_neither_adopts_nor_releases_but_keeps_what_it_owns() -> None:
    d = owner(deletionTimestamp="2025-01-01T00:00:00Z")
    ours = new_controller_ref(d, "apps/v1", "Deployment")
    api = FakeAPI(d, [obj("kept", [ours]), obj("unselected", [ours]), obj("orphan")])
    refs = manager(api, d)
    assert [refs.claim(o, name != "unselected") for name, o in api.objects.items()] == [True, False, False]
    assert api.calls == [], "no write, and no fresh read either"


def test_a_refused_patch_is_the_syncs_error_after_the_others_are_claimed() -> None:
    d = owner()
    refused = StatusError(500, "InternalError", "Internal error occurred: etcd is down")
    api = FakeAPI(d, [obj("a"), obj("b")], refuse=refused)
    refs = manager(api, d)
    assert [refs.claim(o, True) for o in api.objects.values()] == [False, False]
    assert refs.error is refused and api.calls.count(("patch", "b")) == 1, "b was still tried"
    api = FakeAPI(d, [obj("gone")], refuse=not_found("replicasets", "gone"))
    refs = manager(api, d)
    assert not refs.claim(api.objects["gone"], True) and refs.error is None, "gone meanwhile: not an error"


def test_adoption_and_release_work_on_the_stored_references_not_the_cached_ones() -> None:
    d = owner()
    ours = new_controller_ref(d, "apps/v1", "Deployment")
    theirs = {**ours, "name": "other", "uid": "other-uid"}
    cached_orphan, cached_ours = obj("taken"), obj("released-meanwhile", [ours])
    api = FakeAPI(d, [obj("taken", [theirs]), obj("released-meanwhile")])
    refs = manager(api, d)
    assert not refs.claim(cached_orphan, True), "another Deployment adopted it since the cache saw it"
    assert not refs.claim(cached_ours, False)
    assert api.objects["taken"]["metadata"]["ownerReferences"] == [theirs]
    assert [call for call in api.calls if call[0] == "patch"] == [] and refs.error is None
    api = FakeAPI(d, [obj("replaced")])
    api.objects["replaced"]["metadata"]["uid"] = "a-new-uid"
    assert not manager(api, d).claim(obj("replaced"), True), "deleted and made again: the uid precondition"
