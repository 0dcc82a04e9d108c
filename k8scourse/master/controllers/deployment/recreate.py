"""The Recreate strategy (``pkg/controller/deployment/recreate.go``).

1. scale every old ReplicaSet to 0;
2. wait until no old pod runs any more (not even one still terminating);
3. create the new ReplicaSet if needed and scale it to ``replicas`` at once;
4. once complete, trim old ReplicaSets to ``revisionHistoryLimit``; write the status.

Between 2 and 3 the Deployment has no pods at all: the price of never running
two versions side by side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from k8scourse.api.meta import controller_of

from . import progress, sync, util
from .util import Obj

if TYPE_CHECKING:
    from .deployment_controller import DeploymentController


def rollout_recreate(dc: "DeploymentController", d: dict, rs_list: list[Obj], pods: Iterable[Obj]) -> None:
    """rolloutRecreate: one step of a Recreate rollout."""
    new_rs, old_sets = sync.get_all_replica_sets_and_sync_revision(dc, d, rs_list, create=False)
    all_sets = [*old_sets, new_rs]
    if scale_down_old_replica_sets_for_recreate(dc, util.active(old_sets), d):
        progress.sync_rollout_status(dc, all_sets, new_rs, d)
        return  # wait for the old pods to go
    if old_pods_running(new_rs, old_sets, pods):
        progress.sync_rollout_status(dc, all_sets, new_rs, d)
        return
    if new_rs is None:
        new_rs, old_sets = sync.get_all_replica_sets_and_sync_revision(dc, d, rs_list, create=True)
        all_sets = [*old_sets, new_rs]
    assert new_rs is not None
    sync.scale_replica_set_and_record_event(dc, new_rs, util.replicas(d), d)  # scaleUpNewReplicaSetForRecreate
    if util.deployment_complete(d, d.get("status") or {}):
        sync.cleanup_deployment(dc, old_sets, d)
    progress.sync_rollout_status(dc, all_sets, new_rs, d)


def scale_down_old_replica_sets_for_recreate(dc: "DeploymentController", old_sets: list[Obj], d: Obj) -> bool:
    scaled = False
    for rs in old_sets:
        if util.replicas(rs) != 0:
            scaled |= sync.scale_replica_set_and_record_event(dc, rs, 0, d)[0]
    return scaled


def old_pods_running(new_rs: Obj | None, old_sets: list[Obj], pods: Iterable[Obj]) -> bool:
    """oldPodsRunning: any old ReplicaSet still reports pods, or one of its pods has not finished
    (Pending, Running, Unknown or terminating: only Succeeded and Failed pods are done)."""
    if util.actual_replicas_sum(old_sets) > 0:
        return True
    old_uids = {rs["metadata"].get("uid") for rs in old_sets}
    for pod in pods:
        owner = controller_of(pod)
        if owner is None or owner.get("uid") not in old_uids:
            continue
        if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
            return True
    return False
