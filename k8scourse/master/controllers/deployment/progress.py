"""The Progressing condition and the progress deadline (``pkg/controller/deployment/progress.go``).

After each rollout step the status is recalculated; with a
``progressDeadlineSeconds`` the Progressing condition says how the rollout goes:

* ``NewReplicaSetAvailable`` (True) once every pod is updated and available;
* ``ReplicaSetUpdated`` (True), its lastUpdateTime refreshed, whenever pods
  were updated, old ones went, or more became ready or available;
* ``ProgressDeadlineExceeded`` (False) when none of that happened for
  ``progressDeadlineSeconds`` since lastUpdateTime. The rollout is not
  stopped: the condition only reports it (``kubectl rollout status`` exits 1).

A Deployment still in progress is requeued for the moment its deadline
passes (requeueStuckDeployment), so the timeout is noticed even when nothing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence


from . import sync, util
from .util import Obj

if TYPE_CHECKING:
    from .deployment_controller import DeploymentController


def sync_rollout_status(dc: "DeploymentController", all_sets: Sequence[Obj | None], new_rs: Obj | None,
                        d: dict) -> None:
    """syncRolloutStatus: the status with the Progressing and ReplicaFailure conditions brought up to date."""
    status = sync.calculate_status(dc, all_sets, new_rs, d)
    if not util.has_progress_deadline(d):
        util.remove_condition(status, "Progressing")
    current = util.get_condition(d.get("status") or {}, "Progressing")
    complete = (status["replicas"] == status["updatedReplicas"] and current is not None
                and current["reason"] == util.NEW_RS_AVAILABLE)
    name = d["metadata"]["name"]
    subject = f'ReplicaSet "{new_rs["metadata"]["name"]}"' if new_rs is not None else f'Deployment "{name}"'
    if util.has_progress_deadline(d) and not complete:
        if util.deployment_complete(d, status):
            util.set_condition(status, util.new_condition("Progressing", "True", util.NEW_RS_AVAILABLE,
                                                          f"{subject} has successfully progressed.", dc.clock))
        elif util.deployment_progressing(d, status):
            condition = util.new_condition("Progressing", "True", util.RS_UPDATED, f"{subject} is progressing.",
                                           dc.clock)
            if current is not None:  # same reason, new lastUpdateTime: progress resets the deadline
                if current["status"] == "True":
                    condition["lastTransitionTime"] = current["lastTransitionTime"]
                util.remove_condition(status, "Progressing")
            util.set_condition(status, condition)
        elif util.deployment_timed_out(d, status, dc.clock):
            util.set_condition(status, util.new_condition("Progressing", "False", util.TIMED_OUT,
                                                          f"{subject} has timed out progressing.", dc.clock))
    failures = replica_failures(all_sets, new_rs)
    if failures:
        util.set_condition(status, failures[0])
    else:
        util.remove_condition(status, "ReplicaFailure")
    if status == (d.get("status") or {}):
        requeue_stuck_deployment(dc, d, status)
        return
    d["status"] = status
    dc.write_status(d)


def replica_failures(all_sets: Sequence[Obj | None], new_rs: Obj | None) -> list[dict]:
    """getReplicaFailures: the ReplicaSets' ReplicaFailure conditions, the new ReplicaSet's first."""
    def failures(sets: Sequence[Obj | None]) -> list[dict]:
        return [{"type": c["type"], "status": c["status"], "lastUpdateTime": c.get("lastTransitionTime"),
                 "lastTransitionTime": c.get("lastTransitionTime"), "reason": c.get("reason", ""),
                 "message": c.get("message", "")}
                for rs in sets if rs is not None
                for c in (rs.get("status") or {}).get("conditions") or () if c.get("type") == "ReplicaFailure"]
    return failures([new_rs]) or failures(all_sets)


def requeue_stuck_deployment(dc: "DeploymentController", d: Obj, status: Obj) -> float | None:
    """requeueStuckDeployment: look again when the progress deadline passes; None when there is none to wait for."""
    current = util.get_condition(d.get("status") or {}, "Progressing")
    if not util.has_progress_deadline(d) or current is None:
        return None
    if util.deployment_complete(d, status) or current["reason"] == util.TIMED_OUT:
        return None
    after = dc.clock.parse_rfc3339(current["lastUpdateTime"]) + d["spec"]["progressDeadlineSeconds"] - dc.clock.now
    key = f"{d['metadata']['namespace']}/{d['metadata']['name']}"
    if after < 1:
        dc.queue.add_rate_limited(key)
        return 0.0
    dc.queue.add_after(key, after + 1)  # a second later, so the deadline has surely passed
    return after
