"""The ReplicaSet controller (and, through it, the ReplicationController's): keep N pods alive.

kube-controller-manager's replicaset controller
(``pkg/controller/replicaset/replica_set.go``, v1.31) and replication manager
(``pkg/controller/replication/``, which converts each RC into a ReplicaSet
and runs this same code) work in these steps:

1. watch ReplicaSets (or RCs) and Pods through shared informers. A pod event
   queues the pod's controller, found through its controller owner
   reference; an orphan pod (no controller) queues every ReplicaSet whose
   selector matches it, so one of them can adopt it;
2. a worker takes a ReplicaSet's key and first asks its **expectations**:
   while pods it created or deleted in an earlier sync have not yet come
   back through the pod informer, it must not count again (it would create
   twice), so it only refreshes status;
3. it **claims** pods (``ControllerRefManager``, controller_ref.py, which the
   Deployment controller uses for its ReplicaSets too): it adopts orphans its
   selector matches (writing an owner reference with ``controller: true``,
   ``blockOwnerDeletion: true``) and releases pods it owns that no longer
   match (removing its reference). Pods that are finished (Succeeded,
   Failed) or being deleted do not count;
4. it compares: too few pods -> create the difference (at most
   ``BURST_REPLICAS`` per sync) in **slow-start** batches of 1, 2, 4, ...,
   stopping at the first refused create, so a doomed create (quota, a bad
   template) fails once rather than 500 times; too many -> delete the
   difference, choosing pods in ``ActivePodsWithRanks`` order
   (:func:`deletion_order`);
5. it writes ``status`` (replicas, fullyLabeledReplicas, readyReplicas,
   availableReplicas, observedGeneration, a ``ReplicaFailure`` condition
   when a create or delete was refused) through the status subresource, and
   records Events (``SuccessfulCreate``, ``SuccessfulDelete``, ``FailedCreate``);
6. a refused write makes the sync fail, and the work queue retries it with
   back-off.

Deleting a ReplicaSet deletes its pods: that is the garbage collector's
work (``garbagecollector.py``), not this controller's.
"""

from __future__ import annotations

from datetime import datetime

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.api.replication import ReplicaSet, ReplicationController
from k8scourse.api.selectors import LabelSelector, Selector, selector_from_set
from k8scourse.clock import VirtualClock
from k8scourse.master.controllers.base import Informer, InformerFactory, Obj, WorkQueue, key_of
from k8scourse.api.meta import controller_of
from k8scourse.master.controllers.controller_ref import ControllerRefManager, new_controller_ref
from k8scourse.timefmt import EPOCH, parse_rfc3339

BURST_REPLICAS = 500  # replicaset.BurstReplicas (pkg/controller/replicaset/replica_set.go)
SLOW_START_INITIAL_BATCH_SIZE = 1  # controller.SlowStartInitialBatchSize (pkg/controller/controller_utils.go)
EXPECTATIONS_TIMEOUT = 5 * 60.0  # controller.ExpectationsTimeout (controller_utils.go: 5 * time.Minute)
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"  # core.PodDeletionCost annotation
#: podPhaseToOrdinal (controller_utils.go): Pending < Unknown < Running.
PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}
#: apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause): no pods can be created there.
NAMESPACE_TERMINATING = "because it is being terminated"


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def create(self, manifest: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def patch(self, resource: str, name: str, patch: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def delete(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def update_status(self, obj: Mapping[str, Any]) -> dict: ...
    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str) -> None: ...


@dataclass(frozen=True)
class ControlledKind:
    """What differs between the two controllers: the resource, its owner reference, its selector type."""

    kind: str
    api_version: str
    resource: str
    component: str  # the event source (the recorder's component)

    def selector(self, owner: Obj) -> Selector:
        spec = owner.get("spec") or {}
        if self.kind == ReplicationController.KIND:  # a plain label map, equality only
            return selector_from_set(spec.get("selector"))
        return LabelSelector.from_dict(spec.get("selector")).selector

    def controller_ref(self, owner: Obj) -> dict:
        """The owner reference the controller writes into the pods it creates or adopts."""
        return new_controller_ref(owner, self.api_version, self.kind)


REPLICA_SET = ControlledKind(ReplicaSet.KIND, "apps/v1", ReplicaSet.RESOURCE, "replicaset-controller")
REPLICATION_CONTROLLER = ControlledKind(ReplicationController.KIND, "v1", ReplicationController.RESOURCE,
                                        "replication-controller")


# --- pod helpers (pkg/api/v1/pod/util.go, controller_utils.go) -----------------------------------


def is_pod_active(pod: Obj) -> bool:
    """controller.IsPodActive: not finished and not being deleted."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") \
        and not pod["metadata"].get("deletionTimestamp")


def _ready_condition(pod: Obj) -> Mapping[str, Any] | None:
    return next((c for c in (pod.get("status") or {}).get("conditions") or () if c.get("type") == "Ready"), None)


def is_pod_ready(pod: Obj) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    condition = _ready_condition(pod)
    return condition is not None and condition.get("status") == "True"


def ready_since(pod: Obj, epoch: datetime = EPOCH) -> float | None:
    """When a ready pod became Ready (its Ready condition's lastTransitionTime), in clock seconds."""
    condition = _ready_condition(pod)
    if condition is None or condition.get("status") != "True" or not condition.get("lastTransitionTime"):
        return None
    return parse_rfc3339(condition["lastTransitionTime"], epoch)


def is_pod_available(pod: Obj, min_ready_seconds: int, now: float, epoch: datetime = EPOCH) -> bool:
    """podutil.IsPodAvailable: ready, and for more than ``minReadySeconds``."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    since = ready_since(pod, epoch)
    return since is not None and since + min_ready_seconds < now


def _restarts(pod: Obj) -> int:
    return max((c.get("restartCount", 0) for c in (pod.get("status") or {}).get("containerStatuses") or ()),
               default=0)


def _deletion_cost(pod: Obj) -> int:
    """helper.GetDeletionCostFromPodAnnotations (PodDeletionCost, on by default): 0 when absent or invalid."""
    value = (pod["metadata"].get("annotations") or {}).get(POD_DELETION_COST)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _log_rank(since: float, now: float) -> int:
    """logarithmicRankDiff's rank: floor(log2(age in nanoseconds)), -1 for no age (LogarithmicScaleDown)."""
    age = (now - since) * 1e9
    return int(math.log2(age)) if age > 0 else -1


def deletion_order(pods: list[Obj], ranks: list[int], now: float, epoch: datetime = EPOCH) -> list[Obj]:
    """Sort pods as ``ActivePodsWithRanks`` (controller_utils.go) does: the first ones are deleted first.

    1. unassigned before assigned; 2. Pending before Unknown before Running;
    3. not ready before ready; 4. lower ``pod-deletion-cost`` first;
    5. higher rank first (more related pods on the same node);
    6. ready for less time first (on a log2 scale of the age: pods that became
       ready within the same power of two are equal, then ordered by UID);
    7. more container restarts first; 8. newer first (again on a log2 scale).
    """
    def key(i: int) -> tuple:
        pod = pods[i]
        meta, node = pod["metadata"], (pod.get("spec") or {}).get("nodeName") or ""
        ready = is_pod_ready(pod)
        since = ready_since(pod, epoch) if ready else None
        created = parse_rfc3339(meta["creationTimestamp"], epoch) if meta.get("creationTimestamp") else None
        return (bool(node), PHASE_ORDINAL.get((pod.get("status") or {}).get("phase"), 0), ready,
                _deletion_cost(pod), -ranks[i],
                # a zero ready time sorts first; then the shorter log-age (the latest ready) first
                (0, 0) if since is None else (1, _log_rank(since, now)),
                -_restarts(pod),
                (0, 0) if created is None else (1, _log_rank(created, now)),
                meta.get("uid", ""))

    # Upstream breaks ties of the log-scaled times by UID; where the times are equal it
    # uses no UID at all, so pods equal in every rule keep no particular order there either.
    return [pods[i] for i in sorted(range(len(pods)), key=key)]


def slow_start_batch(count: int, initial_batch_size: int, fn: Callable[[], None]) -> tuple[int, StatusError | None]:
    """controller_utils.go slowStartBatch: call ``fn`` ``count`` times in batches of 1, 2, 4, ...;
    stop after the first batch with an error. Returns the successes and that error."""
    remaining, successes = count, 0
    batch = min(remaining, initial_batch_size)
    while batch > 0:
        error = None
        for _ in range(batch):  # upstream runs a batch in parallel; each call is independent
            try:
                fn()
                successes += 1
            except StatusError as err:
                error = error or err
        if error is not None:
            return successes, error
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


# --- expectations (controller_utils.go ControllerExpectations, UIDTrackingControllerExpectations) -


@dataclass
class _Expectation:
    add: int
    deletes: set[str]
    timestamp: float


class Expectations:
    """What each controller is waiting to see: pods it created and pods it deleted, not yet observed.

    A sync counts pods only once the informer has caught up with its own
    writes; after ``EXPECTATIONS_TIMEOUT`` it stops waiting (a watch event
    may have been lost)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._by_key: dict[str, _Expectation] = {}

    def satisfied(self, key: str) -> bool:
        """SatisfiedExpectations: nothing outstanding, expired, or never set (a new controller)."""
        found = self._by_key.get(key)
        if found is None:
            return True
        fulfilled = found.add <= 0 and not found.deletes
        return fulfilled or self.clock.now - found.timestamp > EXPECTATIONS_TIMEOUT

    def expect_creations(self, key: str, count: int) -> None:
        self._by_key[key] = _Expectation(count, set(), self.clock.now)

    def expect_deletions(self, key: str, pod_keys: Iterable[str]) -> None:
        self._by_key[key] = _Expectation(0, set(pod_keys), self.clock.now)

    def creation_observed(self, key: str) -> None:
        found = self._by_key.get(key)
        if found is not None:
            found.add -= 1

    def deletion_observed(self, key: str, pod_key: str) -> None:
        found = self._by_key.get(key)
        if found is not None:
            found.deletes.discard(pod_key)

    def delete(self, key: str) -> None:
        self._by_key.pop(key, None)


class PodFacts:
    """A cached pod with what every sync asks of it, computed once per pod change rather than per sync."""

    __slots__ = ("pod", "labels", "active", "ready")

    def __init__(self, pod: Obj) -> None:
        self.pod, self.labels = pod, pod["metadata"].get("labels") or {}
        self.active, self.ready = is_pod_active(pod), is_pod_ready(pod)


class PodIndex:
    """The pod informer's indexes the controller lists by: pods by their controller's UID, and orphans
    by namespace (upstream's ``controllerUIDIndex`` and orphan index), so a sync reads only its own pods.
    Pods controlled by another kind (a ReplicationController's, for the ReplicaSet controller) can never
    count or be adopted, so they are left out."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.by_owner: dict[str, dict[str, PodFacts]] = {}
        self.orphans: dict[str, dict[str, PodFacts]] = {}

    def _slot(self, pod: Obj) -> tuple[dict[str, dict[str, PodFacts]], str] | None:
        """Which index and which entry of it the pod belongs in, if any."""
        ref = controller_of(pod)
        if ref is None:
            return self.orphans, pod["metadata"].get("namespace", "")
        return (self.by_owner, ref.get("uid", "")) if ref.get("kind") == self.kind else None

    def on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        key = key_of(pod)
        if old is not None and (slot := self._slot(old)) is not None:
            index, entry = slot
            pods = index.get(entry, {})
            pods.pop(key, None)
            if not pods:
                index.pop(entry, None)
        if event_type != "DELETED" and (slot := self._slot(pod)) is not None:
            index, entry = slot
            index.setdefault(entry, {})[key] = PodFacts(pod)

    def owned(self, owner: Obj) -> Iterable[PodFacts]:
        """The pods whose controller reference names ``owner``."""
        return self.by_owner.get(owner["metadata"]["uid"], {}).values()

    def orphans_near(self, owner: Obj) -> Iterable[PodFacts]:
        """The pods without a controller in ``owner``'s namespace: candidates for adoption."""
        return self.orphans.get(owner["metadata"].get("namespace", ""), {}).values()


# --- the controller -------------------------------------------------------------------------------


class ReplicaSetController:
    """Reconcile each ReplicaSet (or ReplicationController) with the pods it controls."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory,
                 kind: ControlledKind = REPLICA_SET, burst_replicas: int = BURST_REPLICAS) -> None:
        self.api, self.clock, self.kind, self.burst_replicas = api, clock, kind, burst_replicas
        self.owners: Informer = informers.informer(kind.resource)
        self.pods: Informer = informers.informer("pods")
        self.index = PodIndex(kind.kind)
        self.expectations = Expectations(clock)
        self.queue = WorkQueue(clock, self.sync)
        # owner UID -> (spec generation, its selector, its template's labels as a selector)
        self._selectors: dict[str, tuple[int, Selector, Selector]] = {}

    def start(self) -> None:
        self.owners.add_handler(self._on_owner)
        self.pods.add_handler(self._on_pod)

    # --- event handlers ---------------------------------------------------------------------------

    def _on_owner(self, event_type: str, owner: Obj, old: Obj | None) -> None:
        key = key_of(owner)
        if event_type == "DELETED":
            self.expectations.delete(key)
            self._selectors.pop(owner["metadata"].get("uid", ""), None)
        self.queue.add(key)

    def _resolve(self, namespace: str, ref: Mapping[str, Any] | None) -> str | None:
        """resolveControllerRef: the key of our controller named in ``ref``, if it still exists."""
        if ref is None or ref.get("kind") != self.kind.kind:
            return None
        key = f"{namespace}/{ref.get('name')}"
        owner = self.owners.get(key)
        return key if owner is not None and owner["metadata"].get("uid") == ref.get("uid") else None

    def _matching_owners(self, pod: Obj) -> list[str]:
        """getPodReplicaSets: every controller in the pod's namespace whose selector matches it."""
        labels = pod["metadata"].get("labels") or {}
        if not labels:
            return []
        namespace = pod["metadata"].get("namespace")
        found = []
        for owner in self.owners.list(namespace):
            selector = self._selector(owner)
            if not selector.empty() and selector.matches(labels):
                found.append(key_of(owner))
        return found

    def _on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        self.index.on_pod(event_type, pod, old)
        namespace = pod["metadata"].get("namespace", "")
        if event_type == "DELETED" or (event_type == "ADDED" and pod["metadata"].get("deletionTimestamp")):
            self._pod_gone(pod)
            return
        ref = controller_of(pod)
        if event_type == "ADDED":  # addPod
            if ref is not None:
                key = self._resolve(namespace, ref)
                if key is not None:
                    self.expectations.creation_observed(key)
                    self.queue.add(key)
                return
            for key in self._matching_owners(pod):
                self.queue.add(key)
            return
        assert old is not None  # updatePod
        labels_changed = (old["metadata"].get("labels") or {}) != (pod["metadata"].get("labels") or {})
        if pod["metadata"].get("deletionTimestamp"):
            self._pod_gone(pod)
            if labels_changed:
                self._pod_gone(old)
            return
        old_ref = controller_of(old)
        ref_changed = (old_ref or {}).get("uid") != (ref or {}).get("uid")
        if ref_changed and old_ref is not None:
            key = self._resolve(namespace, old_ref)
            if key is not None:
                self.queue.add(key)
        if ref is not None:
            key = self._resolve(namespace, ref)
            if key is not None:
                self.queue.add(key)
                owner = self.owners.get(key) or {}
                min_ready = (owner.get("spec") or {}).get("minReadySeconds", 0)
                if min_ready > 0 and not is_pod_ready(old) and is_pod_ready(pod):
                    # check availability again once minReadySeconds have passed
                    self.queue.add_after(key, min_ready + 1)
            return
        if labels_changed or ref_changed:
            for key in self._matching_owners(pod):
                self.queue.add(key)

    def _pod_gone(self, pod: Obj) -> None:
        """deletePod: the controller sees a deletion it may have been expecting."""
        key = self._resolve(pod["metadata"].get("namespace", ""), controller_of(pod))
        if key is not None:
            self.expectations.deletion_observed(key, key_of(pod))
            self.queue.add(key)

    # --- sync -------------------------------------------------------------------------------------

    def sync(self, key: str) -> None:
        """syncReplicaSet: claim pods, create or delete the difference, write status."""
        owner = self.owners.get(key)
        if owner is None:
            self.expectations.delete(key)
            return
        needs_sync = self.expectations.satisfied(key)
        claimed = self._claim_pods(owner)  # active pods only
        error: StatusError | None = None
        if needs_sync and not owner["metadata"].get("deletionTimestamp"):
            error = self._manage_replicas(key, owner, claimed)
        updated = self._update_status(owner, self._status(owner, claimed, error))
        spec, status = updated.get("spec") or {}, updated.get("status") or {}
        min_ready = spec.get("minReadySeconds", 0)
        if error is None and min_ready > 0 and status.get("readyReplicas", 0) == spec.get("replicas", 1) \
                and status.get("availableReplicas", 0) != spec.get("replicas", 1):
            self.queue.add_after(key, min_ready)  # a last line of defence against clock skew
        if error is not None:
            raise error

    def _selector(self, owner: Obj) -> Selector:
        """The owner's selector, parsed once per version of its spec (``metadata.generation``)."""
        return self._parsed(owner)[1]

    def _parsed(self, owner: Obj) -> tuple[int, Selector, Selector]:
        """(generation, the selector, the template's labels as a selector), cached per owner UID."""
        meta = owner["metadata"]
        generation = meta.get("generation", 1)
        cached = self._selectors.get(meta["uid"])
        if cached is None or cached[0] != generation:
            template = ((owner.get("spec") or {}).get("template") or {}).get("metadata") or {}
            cached = (generation, self.kind.selector(owner), selector_from_set(template.get("labels")))
            self._selectors[meta["uid"]] = cached
        return cached

    def _claim_pods(self, owner: Obj) -> list[PodFacts]:
        """PodControllerRefManager.ClaimPods over the active pods (controller_ref.py): keep the
        matching pods we own, release the others, adopt matching orphans. A refused patch fails the sync."""
        refs = ControllerRefManager(self.api, owner, self.kind.resource, self.kind.controller_ref(owner), "pods")
        matches = self._selector(owner).matches
        # the index tells owned pods from orphans; listed first, as a patch changes the index
        owned, orphans = list(self.index.owned(owner)), list(self.index.orphans_near(owner))
        # a selected pod we own stays ours with no call (claim_owned's first rule): this loop runs per pod per sync
        claimed = [f for f in owned if f.active and (matches(f.labels) or refs.claim_owned(f.pod, False))]
        claimed += [f for f in orphans if f.active and refs.claim_orphan(f.pod, matches(f.labels))]
        if refs.error is not None:
            raise refs.error
        return claimed

    def _manage_replicas(self, key: str, owner: Obj, claimed: list[PodFacts]) -> StatusError | None:
        """manageReplicas: create or delete the difference; return the first refused write."""
        pods = [f.pod for f in claimed]
        diff = len(pods) - (owner.get("spec") or {}).get("replicas", 1)
        if diff < 0:
            wanted = min(-diff, self.burst_replicas)
            self.expectations.expect_creations(key, wanted)
            successes, error = slow_start_batch(wanted, SLOW_START_INITIAL_BATCH_SIZE,
                                                lambda: self._create_pod(owner))
            for _ in range(wanted - successes):  # never made: the informer won't report them
                self.expectations.creation_observed(key)
            return error
        if diff > 0:
            doomed = self._pods_to_delete(owner, pods, min(diff, self.burst_replicas))
            self.expectations.expect_deletions(key, (key_of(p) for p in doomed))
            first_error = None
            for pod in doomed:
                error = self._delete_pod(owner, pod)
                if error is not None:
                    self.expectations.deletion_observed(key, key_of(pod))
                    if error.reason != "NotFound":
                        first_error = first_error or error
            return first_error
        return None

    def _create_pod(self, owner: Obj) -> None:
        """RealPodControl.CreatePodsWithGenerateName: a pod from the template, named ``<owner>-xxxxx``."""
        template = (owner.get("spec") or {}).get("template") or {}
        template_meta = template.get("metadata") or {}
        name, namespace = owner["metadata"]["name"], owner["metadata"].get("namespace")
        meta: dict[str, Any] = {"generateName": f"{name}-", "namespace": namespace,
                                "ownerReferences": [self.kind.controller_ref(owner)]}
        for field in ("labels", "annotations", "finalizers"):
            if template_meta.get(field):
                meta[field] = template_meta[field]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template.get("spec") or {}}
        try:
            created = self.api.create(pod, namespace)
        except StatusError as err:
            if NAMESPACE_TERMINATING in str(err):
                return  # the namespace is going away: nothing to do and nothing to report
            self.api.record_event(owner, "Warning", "FailedCreate", f"Error creating: {err}", self.kind.component)
            raise
        self.api.record_event(owner, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}",
                              self.kind.component)

    def _delete_pod(self, owner: Obj, pod: Obj) -> StatusError | None:
        meta = pod["metadata"]
        try:
            self.api.delete("pods", meta["name"], meta.get("namespace"))
        except StatusError as err:
            if err.reason != "NotFound":
                self.api.record_event(owner, "Warning", "FailedDelete", f"Error deleting: {err}",
                                      self.kind.component)
            return err
        self.api.record_event(owner, "Normal", "SuccessfulDelete", f"Deleted pod: {meta['name']}",
                              self.kind.component)
        return None

    def deletion_candidates(self, key: str, count: int) -> list[Obj]:
        """The ``count`` pods a scale-down of the owner ``namespace/name`` by ``count`` would delete now."""
        owner = self.owners.get(key)
        if owner is None:
            return []
        matches = self._selector(owner).matches
        claimed = [f.pod for f in self.index.owned(owner) if f.active and matches(f.labels)]
        return self._pods_to_delete(owner, claimed, count)

    def _related_pods(self, owner: Obj) -> list[Obj]:
        """getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller as this one
        (a Deployment's old and new ReplicaSets). A ReplicaSet without a controller has none."""
        ref = controller_of(owner)
        if ref is None:
            return []
        related = [o for o in self.owners.list(owner["metadata"].get("namespace"))
                   if (controller_of(o) or {}).get("uid") == ref.get("uid")]
        seen: dict[str, Obj] = {}
        for other in related:
            selector = self._selector(other)
            for facts in (*self.index.owned(other), *self.index.orphans_near(other)):
                if selector.matches(facts.labels):
                    seen.setdefault(facts.pod["metadata"]["uid"], facts.pod)
        return list(seen.values())

    def _pods_to_delete(self, owner: Obj, pods: list[Obj], count: int) -> list[Obj]:
        """getPodsToDelete: rank each pod by its related active pods on the same node, sort, take the first."""
        if count >= len(pods):
            return pods
        on_node: dict[str, int] = {}
        for pod in self._related_pods(owner):
            if is_pod_active(pod):
                node = (pod.get("spec") or {}).get("nodeName") or ""
                on_node[node] = on_node.get(node, 0) + 1
        ranks = [on_node.get((p.get("spec") or {}).get("nodeName") or "", 0) for p in pods]
        return deletion_order(pods, ranks, self.clock.now, self.clock.epoch)[:count]

    # --- status -----------------------------------------------------------------------------------

    def _status(self, owner: Obj, claimed: list[PodFacts], error: StatusError | None) -> dict:
        """calculateStatus: counts over the claimed pods, and the ReplicaFailure condition."""
        spec = owner.get("spec") or {}
        status = owner.get("status") or {}
        min_ready, now = spec.get("minReadySeconds", 0), self.clock.now
        fully_labeled = self._parsed(owner)[2].matches
        labeled = ready = available = 0
        for facts in claimed:
            if fully_labeled(facts.labels):
                labeled += 1
            if facts.ready:
                ready += 1
                if min_ready == 0 or is_pod_available(facts.pod, min_ready, now, self.clock.epoch):
                    available += 1
        conditions = [c for c in status.get("conditions") or () if c.get("type") != "ReplicaFailure"]
        failure = next((c for c in status.get("conditions") or () if c.get("type") == "ReplicaFailure"), None)
        if error is not None and failure is None:
            diff = len(claimed) - spec.get("replicas", 1)
            reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
            conditions.append({"type": "ReplicaFailure", "status": "True",
                               "lastTransitionTime": self.clock.rfc3339(now), "reason": reason, "message": str(error)})
        elif error is not None:
            conditions.append(failure)
        # in ReplicaSetStatus's field order; zero counts are omitted (omitempty), replicas never
        new = {"replicas": len(claimed), "fullyLabeledReplicas": labeled, "readyReplicas": ready,
               "availableReplicas": available, "observedGeneration": owner["metadata"].get("generation", 1)}
        new = {k: v for k, v in new.items() if v or k == "replicas"}
        if conditions:
            new["conditions"] = conditions
        return new

    def _update_status(self, owner: Obj, status: dict) -> Obj:
        """updateReplicaSetStatus: write only when something changed; one retry on a conflict."""
        if (owner.get("status") or {}) == status:
            return owner
        meta = owner["metadata"]
        for attempt in range(2):  # statusUpdateRetries = 1
            try:
                return self.api.update_status({**owner, "status": status})
            except StatusError as err:
                if attempt or err.reason == "NotFound":
                    raise
                owner = self.api.get(self.kind.resource, meta["name"], meta.get("namespace"))
                status = {**status, "observedGeneration": owner["metadata"].get("generation", 1)}
        return owner


def replication_manager(api: API, clock: VirtualClock, informers: InformerFactory) -> ReplicaSetController:
    """NewReplicationManager: the ReplicaSet controller's code, run over ReplicationControllers."""
    return ReplicaSetController(api, clock, informers, REPLICATION_CONTROLLER)

