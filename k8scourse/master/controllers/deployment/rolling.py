"""The RollingUpdate strategy (``pkg/controller/deployment/rolling.go``).

Each sync takes one step and waits for the ReplicaSets' pods to change:

1. grow the new ReplicaSet, keeping all ReplicaSets together at most
   ``replicas + maxSurge`` (reconcileNewReplicaSet);
2. otherwise shrink old ReplicaSets, keeping at least ``replicas - maxUnavailable``
   pods available: first their pods that are not available anyway
   (cleanupUnhealthyReplicas), then available ones, oldest ReplicaSet first
   (scaleDownOldReplicaSetsForRollingUpdate);
3. once complete, trim the old ReplicaSets to ``revisionHistoryLimit``;
4. write the status and the Progressing condition (progress.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.api.errors import K8sValueError

from . import progress, sync, util
from .util import Obj

if TYPE_CHECKING:
    from .deployment_controller import DeploymentController


def rollout_rolling(dc: "DeploymentController", d: dict, rs_list: list[Obj]) -> None:
    """rolloutRolling: one step of a rolling update."""
    new_rs, old_sets = sync.get_all_replica_sets_and_sync_revision(dc, d, rs_list, create=True)
    assert new_rs is not None  # created above
    all_sets = [*old_sets, new_rs]
    if reconcile_new_replica_set(dc, all_sets, new_rs, d):
        progress.sync_rollout_status(dc, all_sets, new_rs, d)
        return
    if reconcile_old_replica_sets(dc, all_sets, util.active(old_sets), new_rs, d):
        progress.sync_rollout_status(dc, all_sets, new_rs, d)
        return
    if util.deployment_complete(d, d.get("status") or {}):
        sync.cleanup_deployment(dc, old_sets, d)
    progress.sync_rollout_status(dc, all_sets, new_rs, d)


def reconcile_new_replica_set(dc: "DeploymentController", all_sets: list[Obj], new_rs: Obj, d: Obj) -> bool:
    """reconcileNewReplicaSet: scale the new ReplicaSet up as far as the surge allows (down if above replicas)."""
    want = util.replicas(d)
    if util.replicas(new_rs) == want:
        return False
    if util.replicas(new_rs) > want:
        return sync.scale_replica_set_and_record_event(dc, new_rs, want, d)[0]
    count = util.new_rs_new_replicas(d, all_sets, new_rs)
    return sync.scale_replica_set_and_record_event(dc, new_rs, count, d)[0]


def reconcile_old_replica_sets(dc: "DeploymentController", all_sets: list[Obj], old_sets: list[Obj],
                               new_rs: Obj, d: Obj) -> bool:
    """reconcileOldReplicaSets: scale old ReplicaSets down within the availability budget."""
    if util.spec_replicas_sum(old_sets) == 0:
        return False  # nothing to scale down
    budget = util.max_scaled_down(d, all_sets, new_rs)
    if budget <= 0:
        return False
    old_sets, cleaned = cleanup_unhealthy_replicas(dc, old_sets, d, budget)
    scaled = scale_down_old_replica_sets_for_rolling_update(dc, [*old_sets, new_rs], old_sets, d)
    return cleaned + scaled > 0


def cleanup_unhealthy_replicas(dc: "DeploymentController", old_sets: list[Obj], d: Obj,
                               max_cleanup: int) -> tuple[list[Obj], int]:
    """cleanupUnhealthyReplicas: first remove old pods that are not available anyway (oldest ReplicaSet first)."""
    old_sets = util.by_creation(old_sets)
    total = 0
    for i, rs in enumerate(old_sets):
        if total >= max_cleanup:
            break
        unhealthy = util.replicas(rs) - util.status_of(rs, "availableReplicas")
        if util.replicas(rs) == 0 or unhealthy == 0:
            continue  # nothing to clean up, or no unhealthy pods
        count = min(max_cleanup - total, unhealthy)
        new_size = util.replicas(rs) - count
        if new_size > util.replicas(rs):
            raise K8sValueError(f"when cleaning up unhealthy replicas, got invalid request to scale down "
                                f"{rs['metadata']['namespace']}/{rs['metadata']['name']} "
                                f"{util.replicas(rs)} -> {new_size}")
        _, old_sets[i] = sync.scale_replica_set_and_record_event(dc, rs, new_size, d)
        total += count
    return old_sets, total


def scale_down_old_replica_sets_for_rolling_update(dc: "DeploymentController", all_sets: list[Obj],
                                                   old_sets: list[Obj], d: Obj) -> int:
    """scaleDownOldReplicaSetsForRollingUpdate: remove available old pods above ``replicas - maxUnavailable``."""
    min_available = util.replicas(d) - util.max_unavailable(d)
    available = util.available_replicas_sum(all_sets)
    if available <= min_available:
        return 0  # cannot scale down
    to_scale_down = available - min_available
    total = 0
    for rs in util.by_creation(old_sets):
        if total >= to_scale_down:
            break
        if util.replicas(rs) == 0:
            continue
        count = min(util.replicas(rs), to_scale_down - total)
        sync.scale_replica_set_and_record_event(dc, rs, util.replicas(rs) - count, d)
        total += count
    return total
