"""Scaling, revisions, cleanup and status: the steps every sync shares (``pkg/controller/deployment/sync.go``).

Each function takes the controller ``dc`` (its apiserver, clock and event
recorder) and works on a private copy ``d`` of the Deployment, as upstream's
methods on ``DeploymentController`` do.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Sequence

from k8scourse.api.errors import StatusError

from . import util
from .util import Obj

if TYPE_CHECKING:
    from .deployment_controller import DeploymentController


def sync_status_only(dc: "DeploymentController", d: dict, rs_list: list[Obj]) -> None:
    """syncStatusOnly: a Deployment being deleted only gets its status brought up to date."""
    new_rs, old_sets = get_all_replica_sets_and_sync_revision(dc, d, rs_list, create=False)
    sync_deployment_status(dc, [*old_sets, new_rs], new_rs, d)


def sync(dc: "DeploymentController", d: dict, rs_list: list[Obj]) -> None:
    """sync: a paused Deployment, or one whose ``replicas`` changed, is only scaled (proportionally)."""
    new_rs, old_sets = get_all_replica_sets_and_sync_revision(dc, d, rs_list, create=False)
    scale(dc, d, new_rs, old_sets)
    if (d.get("spec") or {}).get("paused") and util.annotations(d).get(util.ROLLBACK_TO) is None:
        cleanup_deployment(dc, old_sets, d)
    sync_deployment_status(dc, [*old_sets, new_rs], new_rs, d)


def check_paused_conditions(dc: "DeploymentController", d: dict) -> None:
    """checkPausedConditions: Progressing turns Unknown while paused, so time spent paused
    never counts against the progress deadline."""
    if not util.has_progress_deadline(d):
        return
    status = d.setdefault("status", {})
    condition = util.get_condition(status, "Progressing")
    if condition is not None and condition["reason"] == util.TIMED_OUT:
        return  # a reported lack of progress is not overwritten
    paused_noted = condition is not None and condition["reason"] == util.PAUSED
    paused = bool(d["spec"].get("paused"))
    if paused and not paused_noted:
        util.set_condition(status, util.new_condition("Progressing", "Unknown", util.PAUSED,
                                                      "Deployment is paused", dc.clock))
    elif not paused and paused_noted:
        util.set_condition(status, util.new_condition("Progressing", "Unknown", util.RESUMED,
                                                      "Deployment is resumed", dc.clock))
    else:
        return
    dc.write_status(d)


def get_all_replica_sets_and_sync_revision(dc: "DeploymentController", d: dict, rs_list: list[Obj],
                                           create: bool) -> tuple[Obj | None, list[Obj]]:
    """getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when ``create``) and all old ones."""
    new = util.find_new_replica_set(d, rs_list)
    old_sets = [rs for rs in rs_list if new is None or rs["metadata"]["name"] != new["metadata"]["name"]]
    return get_new_replica_set(dc, d, rs_list, old_sets, create), old_sets


def get_new_replica_set(dc: "DeploymentController", d: dict, rs_list: list[Obj], old_sets: list[Obj],
                        create: bool) -> Obj | None:
    """getNewReplicaSet: find the ReplicaSet for the current template and bring its revision to
    one above the old ones' highest, or create it (named ``<deployment>-<pod-template-hash>``)."""
    existing = util.find_new_replica_set(d, rs_list)
    new_revision = util.max_revision(old_sets) + 1
    status = d.setdefault("status", {})
    if existing is not None:
        rs = copy.deepcopy(existing)
        annotations_updated = util.set_new_replica_set_annotations(d, rs, new_revision, exists=True)
        min_ready = d["spec"].get("minReadySeconds", 0)
        if annotations_updated or rs["spec"].get("minReadySeconds", 0) != min_ready:
            rs["spec"]["minReadySeconds"] = min_ready
            return dc.api.update(rs)
        needs_update = util.set_deployment_revision(d, util.annotations(rs).get(util.REVISION, ""))
        if util.has_progress_deadline(d) and util.get_condition(status, "Progressing") is None:
            util.set_condition(status, util.new_condition("Progressing", "True", util.FOUND_NEW_RS,
                                                          f'Found new replica set "{rs["metadata"]["name"]}"',
                                                          dc.clock))
            needs_update = True
        if needs_update:
            dc.write_status(d)
        return rs
    if not create:
        return None

    template = copy.deepcopy(util.template_of(d))
    collision_count = status.get("collisionCount")
    pod_template_hash = util.compute_hash(template, collision_count)
    template.setdefault("metadata", {})["labels"] = {**(template["metadata"].get("labels") or {}),
                                                    util.POD_TEMPLATE_HASH: pod_template_hash}
    selector = copy.deepcopy(d["spec"]["selector"])
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), util.POD_TEMPLATE_HASH: pod_template_hash}
    name = f"{d['metadata']['name']}-{pod_template_hash}"  # deterministic, so a retried create is idempotent
    new_rs: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": d["metadata"]["namespace"],
                     "labels": dict(template["metadata"]["labels"]),
                     "ownerReferences": [dc.controller_ref(d)]},
        "spec": {"replicas": 0, "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                 "selector": selector, "template": template},
    }
    new_count = util.new_rs_new_replicas(d, [*old_sets, new_rs], new_rs)
    new_rs["spec"]["replicas"] = new_count
    util.set_new_replica_set_annotations(d, new_rs, new_revision, exists=False)
    already_exists = False
    try:
        created = dc.api.create(new_rs)
    except StatusError as err:
        if err.reason != "AlreadyExists":
            message = f'Failed to create new replica set "{name}": {err}'
            if util.has_progress_deadline(d):
                util.set_condition(status, util.new_condition("Progressing", "False", util.FAILED_RS_CREATE,
                                                              message, dc.clock))
                dc.write_status(d, ignore_errors=True)
            dc.record(d, "Warning", util.FAILED_RS_CREATE, message)
            raise
        already_exists = True
        found = dc.replica_sets.get(f"{d['metadata']['namespace']}/{name}")
        if found is None or not (dc.controlled_by(found, d)
                                 and util.equal_ignore_hash(util.template_of(d), util.template_of(found))):
            # A hash collision: another template has this name. Count it, so the next hash differs.
            status["collisionCount"] = (collision_count or 0) + 1
            dc.write_status(d, ignore_errors=True)
            raise
        created = found
    if not already_exists and new_count > 0:
        dc.record(d, "Normal", "ScalingReplicaSet", f"Scaled up replica set {name} to {new_count}")
    needs_update = util.set_deployment_revision(d, str(new_revision))
    if not already_exists and util.has_progress_deadline(d):
        util.set_condition(status, util.new_condition("Progressing", "True", util.NEW_RS_CREATED,
                                                      f'Created new replica set "{name}"', dc.clock))
        needs_update = True
    if needs_update:
        dc.write_status(d)
    return created


def scale(dc: "DeploymentController", d: dict, new_rs: Obj | None, old_sets: list[Obj]) -> None:
    """scale: bring the ReplicaSets to a changed ``replicas``.

    One active ReplicaSet (or none) takes the whole count; a saturated new one
    means the old ones go to 0; otherwise, mid-rollout, the difference to
    ``replicas + maxSurge`` is shared out in proportion to each ReplicaSet's
    size, the leftover to the largest.
    """
    want = util.replicas(d)
    target = util.find_active_or_latest(new_rs, old_sets)
    if target is not None:
        if util.replicas(target) != want:
            scale_replica_set_and_record_event(dc, target, want, d)
        return
    if util.is_saturated(d, new_rs):
        for old in util.active(old_sets):
            scale_replica_set_and_record_event(dc, old, 0, d)
        return
    if not util.is_rolling_update(d):
        return
    sets = util.active([*old_sets, new_rs])
    allowed = want + util.max_surge(d) if want > 0 else 0
    to_add = allowed - util.spec_replicas_sum(sets)
    operation = ""
    if to_add > 0:
        sets, operation = util.by_size_newer(sets), "up"
    elif to_add < 0:
        sets, operation = util.by_size_older(sets), "down"
    added = 0
    sizes: dict[str, int] = {}
    for rs in sets:
        proportion = util.replica_set_proportion(rs, d, to_add, added) if to_add else 0
        sizes[rs["metadata"]["name"]] = util.replicas(rs) + proportion
        added += proportion
    for i, rs in enumerate(sets):
        name = rs["metadata"]["name"]
        if i == 0 and to_add:  # the leftover goes to the largest
            sizes[name] = max(sizes[name] + to_add - added, 0)
        scale_replica_set(dc, rs, sizes[name], d, operation)


def scale_replica_set_and_record_event(dc: "DeploymentController", rs: Obj, new_scale: int,
                                       d: Obj) -> tuple[bool, Obj]:
    """scaleReplicaSetAndRecordEvent: scale only when the size differs."""
    if util.replicas(rs) == new_scale:
        return False, rs
    return scale_replica_set(dc, rs, new_scale, d, "up" if util.replicas(rs) < new_scale else "down")


def scale_replica_set(dc: "DeploymentController", rs: Obj, new_scale: int, d: Obj,
                      operation: str) -> tuple[bool, Obj]:
    """scaleReplicaSet: write the size and the Deployment size it was made for; an Event for a new size."""
    want, most = util.replicas(d), util.replicas(d) + util.max_surge(d)
    size_changes = util.replicas(rs) != new_scale
    if not (size_changes or util.replicas_annotations_need_update(rs, want, most)):
        return False, rs
    old_scale = util.replicas(rs)
    rs_copy = copy.deepcopy(rs)
    rs_copy["spec"]["replicas"] = new_scale
    util.set_replicas_annotations(rs_copy, want, most)
    written = dc.api.update(rs_copy)
    if size_changes:
        # sync.go scaleReplicaSet
        dc.record(d, "Normal", "ScalingReplicaSet",
                  f"Scaled {operation} replica set {rs['metadata']['name']} to {new_scale} from {old_scale}")
    return size_changes, written


def cleanup_deployment(dc: "DeploymentController", old_sets: Sequence[Obj], d: Obj) -> None:
    """cleanupDeployment: delete the oldest scaled-down ReplicaSets beyond ``revisionHistoryLimit``."""
    if not util.has_revision_history_limit(d):
        return
    alive = [rs for rs in old_sets if not rs["metadata"].get("deletionTimestamp")]
    extra = len(alive) - d["spec"]["revisionHistoryLimit"]
    for rs in util.by_revision(alive)[:max(extra, 0)]:
        observed = util.status_of(rs, "observedGeneration")
        if util.status_of(rs, "replicas") or util.replicas(rs) or rs["metadata"].get("generation", 0) > observed:
            continue  # only ReplicaSets whose pods are gone, as their controller has seen
        try:
            dc.api.delete("replicasets", rs["metadata"]["name"], rs["metadata"]["namespace"])
        except StatusError as err:
            if err.reason != "NotFound":
                raise


def calculate_status(dc: "DeploymentController", all_sets: Sequence[Obj | None], new_rs: Obj | None,
                     d: Obj) -> dict:
    """calculateStatus: counts summed over the ReplicaSets, and the Available condition."""
    available = util.available_replicas_sum(all_sets)
    status: dict[str, Any] = {
        "observedGeneration": d["metadata"].get("generation", 0),
        "replicas": util.actual_replicas_sum(all_sets),
        "updatedReplicas": util.actual_replicas_sum([new_rs]),
        "readyReplicas": util.ready_replicas_sum(all_sets),
        "availableReplicas": available,
        "unavailableReplicas": max(util.spec_replicas_sum(all_sets) - available, 0),
    }
    old = d.get("status") or {}
    if old.get("conditions"):
        status["conditions"] = [dict(c) for c in old["conditions"]]
    if "collisionCount" in old:
        status["collisionCount"] = old["collisionCount"]
    if available >= util.replicas(d) - util.max_unavailable(d):
        condition = util.new_condition("Available", "True", util.MINIMUM_REPLICAS_AVAILABLE,
                                       "Deployment has minimum availability.", dc.clock)
    else:
        condition = util.new_condition("Available", "False", util.MINIMUM_REPLICAS_UNAVAILABLE,
                                       "Deployment does not have minimum availability.", dc.clock)
    util.set_condition(status, condition)
    return status


def sync_deployment_status(dc: "DeploymentController", all_sets: Sequence[Obj | None], new_rs: Obj | None,
                           d: dict) -> None:
    """syncDeploymentStatus: write the calculated status when it differs."""
    status = calculate_status(dc, all_sets, new_rs, d)
    if status != (d.get("status") or {}):
        d["status"] = status
        dc.write_status(d)


def is_scaling_event(dc: "DeploymentController", d: dict, rs_list: list[Obj]) -> bool:
    """isScalingEvent: an active ReplicaSet was sized for another ``replicas`` than the Deployment's now."""
    new_rs, old_sets = get_all_replica_sets_and_sync_revision(dc, d, rs_list, create=False)
    for rs in util.active([*old_sets, new_rs]):
        desired = util.int_annotation(rs, util.DESIRED_REPLICAS)
        if desired is not None and desired != util.replicas(d):
            return True
    return False
