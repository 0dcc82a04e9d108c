"""The Deployment controller's pure helpers (``pkg/controller/deployment/util/deployment_util.go``).

Everything here is a function of a Deployment and its ReplicaSets as plain
dicts, so the rolling-update arithmetic can be read, and tested, without a
cluster: fenceposts, the new ReplicaSet's size, revisions and their
annotations, conditions, the pod-template hash and the orders ReplicaSets are
sorted in.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any, Iterable, Mapping, Sequence

from k8scourse.api.deployment import scaled_value
from k8scourse.clock import VirtualClock
from k8scourse.timefmt import parse_rfc3339

Obj = Mapping[str, Any]

# apps/v1 types.go and deployment_util.go
POD_TEMPLATE_HASH = "pod-template-hash"  # DefaultDeploymentUniqueLabelKey
REVISION = "deployment.kubernetes.io/revision"  # RevisionAnnotation
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"  # RevisionHistoryAnnotation
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"  # DesiredReplicasAnnotation
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"  # MaxReplicasAnnotation
ROLLBACK_TO = "deprecated.deployment.rollback.to"  # apps.DeprecatedRollbackTo
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"  # v1.LastAppliedConfigAnnotation
#: annotationsToSkip: what a ReplicaSet never copies from its Deployment
ANNOTATIONS_TO_SKIP = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
                                 ROLLBACK_TO})
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000  # sync.go maxRevHistoryLengthInChars
MAX_INT32 = 2**31 - 1  # progressDeadlineSeconds == MaxInt32 means no deadline (HasProgressDeadline)

# Condition reasons (deployment_util.go)
FAILED_RS_CREATE = "ReplicaSetCreateError"  # FailedRSCreateReason
NEW_RS_CREATED = "NewReplicaSetCreated"  # NewRSReason
FOUND_NEW_RS = "FoundNewReplicaSet"  # FoundNewRSReason
RS_UPDATED = "ReplicaSetUpdated"  # ReplicaSetUpdatedReason
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"  # NewRSAvailableReason
TIMED_OUT = "ProgressDeadlineExceeded"  # TimedOutReason
PAUSED = "DeploymentPaused"  # PausedDeployReason
RESUMED = "DeploymentResumed"  # ResumedDeployReason
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"
ROLLBACK_DONE = "DeploymentRollback"  # RollbackDone
ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"  # RollbackRevisionNotFound
ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"  # RollbackTemplateUnchanged


# --- sizes ----------------------------------------------------------------------------

def replicas(obj: Obj | None) -> int:
    """``*spec.replicas`` (a ReplicaSet or Deployment; 0 for none)."""
    return 0 if obj is None else (obj.get("spec") or {}).get("replicas", 1)


def status_of(obj: Obj | None, field: str) -> int:
    return 0 if obj is None else (obj.get("status") or {}).get(field, 0)


def spec_replicas_sum(sets: Iterable[Obj | None]) -> int:
    """GetReplicaCountForReplicaSets: the replicas the ReplicaSets are asked for."""
    return sum(replicas(rs) for rs in sets if rs is not None)


def actual_replicas_sum(sets: Iterable[Obj | None]) -> int:
    """GetActualReplicaCountForReplicaSets: the pods they have (``status.replicas``)."""
    return sum(status_of(rs, "replicas") for rs in sets)


def ready_replicas_sum(sets: Iterable[Obj | None]) -> int:
    return sum(status_of(rs, "readyReplicas") for rs in sets)


def available_replicas_sum(sets: Iterable[Obj | None]) -> int:
    """GetAvailableReplicaCountForReplicaSets: pods ready for at least minReadySeconds."""
    return sum(status_of(rs, "availableReplicas") for rs in sets)


def active(sets: Iterable[Obj | None]) -> list[Obj]:
    """controller.FilterActiveReplicaSets: the ReplicaSets asked for at least one pod."""
    return [rs for rs in sets if rs is not None and replicas(rs) > 0]


# --- fenceposts -----------------------------------------------------------------------

def is_rolling_update(deploy: Obj) -> bool:
    return ((deploy.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None, desired: int) -> tuple[int, int]:
    """ResolveFenceposts: (surge, unavailable) as pod counts out of ``desired``.

    Percentages are of ``desired``: surge rounds up, unavailability rounds
    down, and if both come to 0 unavailability becomes 1, so the rollout can
    still move (25% of 1 replica: surge 1, unavailable 0; 0 and 10% of 3: 0 and 1).
    """
    surge = scaled_value(max_surge if max_surge is not None else 0, desired, round_up=True)
    unavailable = scaled_value(max_unavailable if max_unavailable is not None else 0, desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1  # "Validation should never allow the user to explicitly use zero values for both"
    return surge, unavailable


def _rolling(deploy: Obj) -> Mapping[str, Any]:
    return ((deploy.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}


def max_surge(deploy: Obj) -> int:
    """MaxSurge: how many pods above ``replicas`` a rolling update may run (0 for Recreate)."""
    if not is_rolling_update(deploy):
        return 0
    rolling = _rolling(deploy)
    return resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"), replicas(deploy))[0]


def max_unavailable(deploy: Obj) -> int:
    """MaxUnavailable: how many of ``replicas`` may be unavailable (0 for Recreate or 0 replicas)."""
    if not is_rolling_update(deploy) or replicas(deploy) == 0:
        return 0
    rolling = _rolling(deploy)
    unavailable = resolve_fenceposts(rolling.get("maxSurge"), rolling.get("maxUnavailable"), replicas(deploy))[1]
    return min(unavailable, replicas(deploy))


def new_rs_new_replicas(deploy: Obj, all_sets: Sequence[Obj | None], new_rs: Obj) -> int:
    """NewRSNewReplicas: how big the new ReplicaSet may be now.

    Rolling: up to ``replicas + maxSurge`` pods in all ReplicaSets together,
    and never above ``replicas``. Recreate: ``replicas`` at once (the old pods
    are gone by then).
    """
    if not is_rolling_update(deploy):
        return replicas(deploy)
    current = spec_replicas_sum(all_sets)
    max_total = replicas(deploy) + max_surge(deploy)
    if current >= max_total:
        return replicas(new_rs)  # cannot scale up
    scale_up = min(max_total - current, replicas(deploy) - replicas(new_rs))
    return replicas(new_rs) + scale_up


def max_scaled_down(deploy: Obj, all_sets: Sequence[Obj | None], new_rs: Obj) -> int:
    """reconcileOldReplicaSets' budget: old pods that may go without availability falling below
    ``replicas - maxUnavailable``, counting the new ReplicaSet's unavailable pods as missing."""
    min_available = replicas(deploy) - max_unavailable(deploy)
    new_unavailable = replicas(new_rs) - status_of(new_rs, "availableReplicas")
    return spec_replicas_sum(all_sets) - min_available - new_unavailable


def round_to_int32(value: float) -> int:
    """integer.RoundToInt32: math.Round, halves away from zero (Python's round() goes to even)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def replica_set_proportion(rs: Obj | None, deploy: Obj, to_add: int, added: int) -> int:
    """GetReplicaSetProportion: this ReplicaSet's share of a mid-rollout resize, within what is left."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _replica_set_fraction(rs, deploy)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _replica_set_fraction(rs: Obj, deploy: Obj) -> int:
    """getReplicaSetFraction: its size scaled from the Deployment size it was made for (max-replicas)."""
    if replicas(deploy) == 0:
        return -replicas(rs)
    deployment_replicas = replicas(deploy) + max_surge(deploy)
    annotated = int_annotation(rs, MAX_REPLICAS)
    if annotated is None:
        annotated = status_of(deploy, "replicas")  # fall back to the current deployment size
    return round_to_int32(replicas(rs) * deployment_replicas / annotated) - replicas(rs)


# --- annotations and revisions --------------------------------------------------------

def annotations(obj: Obj) -> Mapping[str, str]:
    return obj["metadata"].get("annotations") or {}


def int_annotation(obj: Obj, key: str) -> int | None:
    """getIntFromAnnotation: the annotation as an int, None when missing or not a number."""
    try:
        return int(annotations(obj)[key])
    except (KeyError, ValueError):
        return None


def revision(obj: Obj) -> int:
    """Revision: the object's revision annotation, 0 when it has none (or garbage)."""
    return int_annotation(obj, REVISION) or 0


def max_revision(sets: Iterable[Obj | None]) -> int:
    return max((revision(rs) for rs in sets if rs is not None), default=0)


def last_revision(sets: Iterable[Obj | None]) -> int:
    """LastRevision: the second-highest revision (the one before the current), 0 when there is none."""
    revisions = sorted({revision(rs) for rs in sets if rs is not None}, reverse=True)
    return revisions[1] if len(revisions) > 1 else 0


def replicas_annotations_need_update(rs: Obj, desired: int, max_replicas: int) -> bool:
    """ReplicasAnnotationsNeedUpdate."""
    found = annotations(rs)
    return found.get(DESIRED_REPLICAS) != str(desired) or found.get(MAX_REPLICAS) != str(max_replicas)


def set_replicas_annotations(rs: dict, desired: int, max_replicas: int) -> bool:
    """SetReplicasAnnotations: record the Deployment size the ReplicaSet was sized for."""
    if not replicas_annotations_need_update(rs, desired, max_replicas):
        return False
    found = rs["metadata"].setdefault("annotations", {})
    found[DESIRED_REPLICAS], found[MAX_REPLICAS] = str(desired), str(max_replicas)
    return True


def copy_deployment_annotations(deploy: Obj, rs: dict) -> bool:
    """copyDeploymentAnnotationsToReplicaSet: the Deployment's annotations (change-cause...) go to its
    new ReplicaSet, except the controller's own and kubectl's last-applied-configuration."""
    changed = False
    target = rs["metadata"].setdefault("annotations", {})
    for key, value in annotations(deploy).items():
        if key in ANNOTATIONS_TO_SKIP or target.get(key) == value:
            continue
        target[key] = value
        changed = True
    return changed


def set_new_replica_set_annotations(deploy: Obj, rs: dict, new_revision: int, exists: bool,
                                    history_limit_in_chars: int = MAX_REV_HISTORY_LENGTH_IN_CHARS) -> bool:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision to
    ``new_revision`` (keeping the revisions it had in revision-history: a rollback reuses a
    ReplicaSet), and size annotations for a ReplicaSet about to be created."""
    changed = copy_deployment_annotations(deploy, rs)
    found = rs["metadata"].setdefault("annotations", {})
    old_text = found.get(REVISION)
    try:
        old = int(old_text) if old_text is not None else 0
    except ValueError:
        return False  # "Updating replica set revision OldRevision not int"
    if old < new_revision:
        found[REVISION] = str(new_revision)
        changed = True
        if old_text is not None:  # a rollback to this ReplicaSet: remember the revisions it had
            history = found.get(REVISION_HISTORY, "")
            if not history:
                found[REVISION_HISTORY] = old_text
            else:
                kept = history.split(",")
                total = len(history) + len(old_text) + 1
                while total > history_limit_in_chars and kept:
                    total -= len(kept.pop(0)) + 1
                if total <= history_limit_in_chars:
                    found[REVISION_HISTORY] = ",".join([*kept, old_text])
    if not exists and set_replicas_annotations(rs, replicas(deploy), replicas(deploy) + max_surge(deploy)):
        changed = True
    return changed


def set_deployment_revision(deploy: dict, revision_text: str) -> bool:
    """SetDeploymentRevision: the Deployment's revision annotation follows its new ReplicaSet's."""
    found = deploy["metadata"].setdefault("annotations", {})
    if found.get(REVISION) == revision_text:
        return False
    found[REVISION] = revision_text
    return True


# --- templates and the pod-template hash ------------------------------------------------

_SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3


def safe_encode_string(text: str) -> str:
    """rand.SafeEncodeString: each byte mapped into an alphabet that cannot spell words."""
    return "".join(_SAFE_ALPHANUMS[b % len(_SAFE_ALPHANUMS)] for b in text.encode())


def fnv32a(data: bytes) -> int:
    """hash/fnv New32a."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def compute_hash(template: Obj, collision_count: int | None = None) -> str:
    """controller.ComputeHash: the ``pod-template-hash`` that names a Deployment's ReplicaSets.

    As upstream: FNV-1a 32 over the template, then ``collisionCount`` as 8
    little-endian bytes when it is set, and the decimal of the sum rendered by
    ``SafeEncodeString``. One simplification: upstream feeds the hash with
    go-spew's dump of the typed Go struct (``hashutil.DeepHashObject``); the
    course feeds it the template's canonical JSON, so a name has the real
    shape (``web-`` and up to 10 of those letters) but not a real cluster's value.
    """
    hasher_input = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        hasher_input += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    return safe_encode_string(str(fnv32a(hasher_input)))


def without_hash(template: Obj) -> dict:
    """The template without the ``pod-template-hash`` label (what EqualIgnoreHash compares)."""
    template = copy.deepcopy(dict(template))
    meta = template.setdefault("metadata", {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != POD_TEMPLATE_HASH}
    if labels:
        meta["labels"] = labels
    else:
        meta.pop("labels", None)
    if not meta:
        template.pop("metadata")
    return template


def equal_ignore_hash(a: Obj, b: Obj) -> bool:
    """EqualIgnoreHash: two pod templates equal but for the pod-template-hash label."""
    return without_hash(a) == without_hash(b)


def template_of(obj: Obj) -> Obj:
    return (obj.get("spec") or {}).get("template") or {}


# --- orders ---------------------------------------------------------------------------

def _created(rs: Obj) -> float:
    stamp = rs["metadata"].get("creationTimestamp")
    return parse_rfc3339(stamp) if stamp else 0.0


def by_creation(sets: Iterable[Obj]) -> list[Obj]:
    """ReplicaSetsByCreationTimestamp: oldest first; the same second is ordered by name."""
    return sorted(sets, key=lambda rs: (_created(rs), rs["metadata"]["name"]))


def by_revision(sets: Iterable[Obj]) -> list[Obj]:
    """ReplicaSetsByRevision: lowest revision first, then by creation."""
    return sorted(by_creation(sets), key=revision)


def by_size_newer(sets: Iterable[Obj]) -> list[Obj]:
    """ReplicaSetsBySizeNewer: largest first; equal sizes newest first (scaling up)."""
    return sorted(by_creation(sets)[::-1], key=lambda rs: -replicas(rs))


def by_size_older(sets: Iterable[Obj]) -> list[Obj]:
    """ReplicaSetsBySizeOlder: largest first; equal sizes oldest first (scaling down)."""
    return sorted(by_creation(sets), key=lambda rs: -replicas(rs))


def find_new_replica_set(deploy: Obj, sets: Iterable[Obj]) -> Obj | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's (ignoring the hash)."""
    template = template_of(deploy)
    return next((rs for rs in by_creation(sets) if equal_ignore_hash(template_of(rs), template)), None)


def find_active_or_latest(new_rs: Obj | None, old_sets: Sequence[Obj]) -> Obj | None:
    """FindActiveOrLatest: the one ReplicaSet with pods, or the newest when none has any; None when several do."""
    if new_rs is None and not old_sets:
        return None
    newest_first = by_creation(old_sets)[::-1]
    running = active([*newest_first, new_rs])
    if not running:
        return new_rs if new_rs is not None else newest_first[0]
    return running[0] if len(running) == 1 else None


def is_saturated(deploy: Obj, rs: Obj | None) -> bool:
    """IsSaturated: the ReplicaSet is asked for, sized for and has all of the Deployment's replicas available."""
    if rs is None:
        return False
    desired = int_annotation(rs, DESIRED_REPLICAS)
    if desired is None:
        return False
    return replicas(rs) == replicas(deploy) == desired and status_of(rs, "availableReplicas") == replicas(deploy)


# --- conditions -----------------------------------------------------------------------

def new_condition(kind: str, status: str, reason: str, message: str, clock: VirtualClock) -> dict:
    """NewDeploymentCondition."""
    stamp = clock.rfc3339(clock.now)
    return {"type": kind, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def get_condition(status: Obj, kind: str) -> dict | None:
    return next((c for c in status.get("conditions") or () if c.get("type") == kind), None)


def set_condition(status: dict, condition: dict) -> None:
    """SetDeploymentCondition: the same status and reason changes nothing; the same status keeps
    its lastTransitionTime; the condition goes to the end of the list."""
    current = get_condition(status, condition["type"])
    if current is not None and current["status"] == condition["status"] and current["reason"] == condition["reason"]:
        return
    if current is not None and current["status"] == condition["status"]:
        condition = {**condition, "lastTransitionTime": current["lastTransitionTime"]}
    remove_condition(status, condition["type"])
    status.setdefault("conditions", []).append(condition)


def remove_condition(status: dict, kind: str) -> None:
    kept = [c for c in status.get("conditions") or () if c.get("type") != kind]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def has_progress_deadline(deploy: Obj) -> bool:
    deadline = (deploy.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and deadline != MAX_INT32


def has_revision_history_limit(deploy: Obj) -> bool:
    limit = (deploy.get("spec") or {}).get("revisionHistoryLimit")
    return limit is not None and limit != MAX_INT32


def deployment_complete(deploy: Obj, status: Obj) -> bool:
    """DeploymentComplete: every pod updated and available, and this generation observed."""
    want = replicas(deploy)
    return (status.get("updatedReplicas", 0) == want and status.get("replicas", 0) == want
            and status.get("availableReplicas", 0) == want
            and status.get("observedGeneration", 0) >= deploy["metadata"].get("generation", 0))


def deployment_progressing(deploy: Obj, status: Obj) -> bool:
    """DeploymentProgressing: more pods updated, fewer old ones, or more ready or available than before."""
    old = deploy.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = status.get("replicas", 0) - status.get("updatedReplicas", 0)
    return (status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
            or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or status.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def deployment_timed_out(deploy: Obj, status: Obj, clock: VirtualClock) -> bool:
    """DeploymentTimedOut: no progress reported for progressDeadlineSeconds since the condition's lastUpdateTime."""
    if not has_progress_deadline(deploy):
        return False
    condition = get_condition(status, "Progressing")
    if condition is None or condition["reason"] == NEW_RS_AVAILABLE:
        return False
    if condition["reason"] == TIMED_OUT:
        return True
    deadline = clock.parse_rfc3339(condition["lastUpdateTime"]) + deploy["spec"]["progressDeadlineSeconds"]
    return deadline < clock.now
