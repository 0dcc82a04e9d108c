"""The Deployment controller (``pkg/controller/deployment/deployment_controller.go``).

kube-controller-manager's deployment controller watches Deployments,
ReplicaSets and Pods through shared informers and keeps each Deployment's
ReplicaSets in step with it:

1. every change to a Deployment, or to a ReplicaSet it controls, queues the
   Deployment's ``namespace/name``; an orphan ReplicaSet (no controller)
   added or relabelled queues every Deployment whose selector matches it, so
   one can adopt it; a ReplicaSet whose controller changed queues the old
   controller too (and a Recreate Deployment is queued when the last of its
   pods is deleted: Recreate waits for old pods to be gone);
2. a worker takes the key and runs ``sync_deployment``: it **claims** the
   ReplicaSets of its namespace (``getReplicaSetsForDeployment``; the rules
   are in ``controller_ref.py``): it keeps those it controls that its
   selector selects, releases those it controls that it no longer selects,
   adopts matching orphans and leaves other controllers' alone; then
3. a Deployment being deleted only gets its status updated; paused or
   resumed, Progressing turns Unknown (``checkPausedConditions``);
4. paused, or with a changed ``replicas`` (a scaling event), the ReplicaSets are
   only scaled, proportionally mid-rollout (sync.py);
5. with the deprecated rollback annotation, it rolls back (rollback.py);
6. otherwise its strategy takes one step (recreate.py or rolling.py), which
   ends by writing the status and the Progressing condition (progress.py).

An adopted ReplicaSet keeps its name and labels: since v1.11 no
``pod-template-hash`` is added to it or its pods (kubernetes/kubernetes#61615;
owner references keep ReplicaSets apart). It is the new ReplicaSet if its
template equals the Deployment's but for that label (``FindNewReplicaSet``,
``EqualIgnoreHash``), an old one otherwise, which a rollout scales down.

The controller only ever changes ReplicaSets (size, annotations, owner
references) and the Deployment's status; the ReplicaSet controller makes and
removes the pods.
A refused write raises StatusError and the key is retried, rate-limited.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.api.selectors import LabelSelector
from k8scourse.clock import VirtualClock

from ..base import Informer, InformerFactory, WorkQueue, key_of
from k8scourse.api.meta import controller_of

from ..controller_ref import ControllerRefManager, new_controller_ref
from . import recreate, rollback, rolling, sync, util
from .util import Obj

EVENT_SOURCE = "deployment-controller"  # the Events' source component (controller name in controllermanager)


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def list(self, resource: str, namespace: str | None = None) -> list[dict]: ...
    def create(self, manifest: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def patch(self, resource: str, name: str, patch: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def update(self, obj: Mapping[str, Any], *, subresource: str | None = None) -> dict: ...
    def update_status(self, obj: Mapping[str, Any]) -> dict: ...
    def delete(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str) -> None: ...


class DeploymentController:
    """Watch Deployments, ReplicaSets and Pods; sync each changed Deployment's ReplicaSets."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory) -> None:
        self.api, self.clock = api, clock
        self.deployments: Informer = informers.informer("deployments")
        self.replica_sets: Informer = informers.informer("replicasets")
        self.pods: Informer = informers.informer("pods")
        self.queue = WorkQueue(clock, self.sync_deployment)
        self.deployments.add_handler(self._on_deployment)
        self.replica_sets.add_handler(self._on_replica_set)
        self.pods.add_handler(self._on_pod)

    def start(self) -> None:
        """Nothing of its own to start: the shared informers bring the events."""

    # --- event handlers (addDeployment, updateReplicaSet, deletePod, ...) -------------------

    def _on_deployment(self, event_type: str, deploy: Obj, old: Obj | None) -> None:
        self.queue.add(key_of(deploy))

    def _on_replica_set(self, event_type: str, rs: Obj, old: Obj | None) -> None:
        """addReplicaSet, updateReplicaSet, deleteReplicaSet: queue the Deployments the change concerns."""
        namespace = rs["metadata"]["namespace"]
        keys: list[str | None] = []
        if event_type == "DELETED" or (event_type == "ADDED" and rs["metadata"].get("deletionTimestamp")):
            keys.append(self._resolve(namespace, controller_of(rs)))  # an orphan's deletion concerns no one
        elif event_type == "ADDED":
            keys.extend(self._concerned(rs, changed=True))
        else:
            assert old is not None
            if rs["metadata"].get("resourceVersion") == old["metadata"].get("resourceVersion"):
                return  # a periodic resync, not a change
            ref, old_ref = controller_of(rs), controller_of(old)
            if old_ref is not None and ref != old_ref:
                keys.append(self._resolve(namespace, old_ref))  # released or taken over: the old one syncs too
            labels_changed = (rs["metadata"].get("labels") or {}) != (old["metadata"].get("labels") or {})
            keys.extend(self._concerned(rs, changed=labels_changed or ref != old_ref))
        for key in keys:
            if key is not None:
                self.queue.add(key)

    def _concerned(self, rs: Obj, changed: bool) -> Iterable[str | None]:
        """The ReplicaSet's controller, if it has one ("that's all that matters"); for an orphan just
        added, or whose labels or controller just changed, every Deployment selecting it, to adopt it."""
        ref = controller_of(rs)
        if ref is not None:
            return [self._resolve(rs["metadata"]["namespace"], ref)]
        return self._deployments_selecting(rs) if changed else []

    def _resolve(self, namespace: str, ref: Mapping[str, Any] | None) -> str | None:
        """resolveControllerRef: the key of the Deployment ``ref`` names, if it is still that one (same UID)."""
        if ref is None or ref.get("kind") != "Deployment":
            return None
        key = f"{namespace}/{ref.get('name')}"
        deploy = self.deployments.get(key)
        return key if deploy is not None and deploy["metadata"]["uid"] == ref.get("uid") else None

    def _deployments_selecting(self, rs: Obj) -> list[str]:
        """getDeploymentsForReplicaSet (util.GetDeploymentsForReplicaSet): the Deployments in the
        namespace whose selector matches the ReplicaSet's labels; none for a ReplicaSet without labels,
        and an empty selector matches nothing."""
        labels = rs["metadata"].get("labels") or {}
        if not labels:
            return []
        keys: list[str] = []
        for deploy in self.deployments.list(rs["metadata"]["namespace"]):
            selector = LabelSelector.from_dict(deploy["spec"].get("selector")).selector
            if not selector.empty() and selector.matches(labels):
                keys.append(key_of(deploy))
        return keys

    def _on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        """deletePod: a Recreate Deployment waits for its old pods to be gone, so it is queued when
        the last pod of its ReplicaSets goes (getDeploymentForPod: the pod's ReplicaSet, then that
        ReplicaSet's Deployment, each by a controller reference)."""
        if event_type != "DELETED":
            return
        owner = controller_of(pod)
        if owner is None or owner.get("kind") != "ReplicaSet":
            return
        rs = self.replica_sets.get(f"{pod['metadata']['namespace']}/{owner['name']}")
        if rs is None or rs["metadata"]["uid"] != owner.get("uid"):
            return
        key = self._resolve(rs["metadata"]["namespace"], controller_of(rs))
        deploy = self.deployments.get(key) if key is not None else None
        if deploy is None or util.is_rolling_update(deploy):
            return
        try:  # util.ListReplicaSets reads them from the apiserver (RsListFromClient), not the cache
            listed = self.api.list("replicasets", deploy["metadata"]["namespace"])
        except StatusError:
            return  # as upstream, a failed list just returns
        selector = LabelSelector.from_dict(deploy["spec"]["selector"]).selector
        owned = [r for r in listed if selector.matches(r["metadata"].get("labels") or {})
                 and (controller_of(r) or {}).get("uid") == deploy["metadata"]["uid"]]
        if not self.pods_for(deploy, owned):
            self.queue.add(key)

    # --- the sync ---------------------------------------------------------------------

    def sync_deployment(self, key: str) -> None:
        """syncDeployment: one pass over one Deployment (see the module docstring's steps 2-6)."""
        cached = self.deployments.get(key)
        if cached is None:
            return  # deleted: its ReplicaSets go with the garbage collector
        d = copy.deepcopy(dict(cached))
        rs_list = self.replica_sets_for(d)
        if d["metadata"].get("deletionTimestamp"):
            sync.sync_status_only(self, d, rs_list)
            return
        sync.check_paused_conditions(self, d)
        if d["spec"].get("paused"):
            sync.sync(self, d, rs_list)
        elif rollback.rollback_to(d) is not None:
            rollback.rollback(self, d, rs_list)
        elif sync.is_scaling_event(self, d, rs_list):
            sync.sync(self, d, rs_list)
        elif util.is_rolling_update(d):
            rolling.rollout_rolling(self, d, rs_list)
        else:
            recreate.rollout_recreate(self, d, rs_list, self.pods_for(d, rs_list))

    def replica_sets_for(self, d: Obj) -> list[Obj]:
        """getReplicaSetsForDeployment: claim the ReplicaSets of the namespace (ClaimReplicaSets: keep,
        release, adopt; see controller_ref.py) and return the ones the Deployment now controls.
        The whole namespace is listed, to find owned ReplicaSets the selector no longer selects."""
        selector = LabelSelector.from_dict(d["spec"]["selector"]).selector
        refs = ControllerRefManager(self.api, d, "deployments", self.controller_ref(d), "replicasets")
        claimed = [rs for rs in self.replica_sets.list(d["metadata"]["namespace"])
                   if refs.claim(rs, selector.matches(rs["metadata"].get("labels") or {}))]
        if refs.error is not None:
            raise refs.error
        return claimed

    def pods_for(self, d: Obj, rs_list: list[Obj]) -> list[Obj]:
        """getPodMapForDeployment, flattened: the pods the Deployment selects that one of the
        ReplicaSets controls, finished ones too (Recreate must see every old pod gone)."""
        uids = {rs["metadata"]["uid"] for rs in rs_list}
        selector = LabelSelector.from_dict(d["spec"]["selector"]).selector
        return [pod for pod in self.pods.list(d["metadata"]["namespace"], selector)
                if (controller_of(pod) or {}).get("uid") in uids]

    # --- what the strategies share ------------------------------------------------------

    @staticmethod
    def controlled_by(obj: Obj, d: Obj) -> bool:
        return (controller_of(obj) or {}).get("uid") == d["metadata"]["uid"]

    @staticmethod
    def controller_ref(d: Obj) -> dict:
        """metav1.NewControllerRef: the ownerReference a new or adopted ReplicaSet carries."""
        return new_controller_ref(d, "apps/v1", "Deployment")

    def record(self, d: Obj, type: str, reason: str, message: str) -> None:
        self.api.record_event(d, type, reason, message, source=EVENT_SOURCE)

    def write_status(self, d: dict, ignore_errors: bool = False) -> None:
        """UpdateStatus with ``d``. Upstream's status update also carries the revision annotation;
        here that takes a write of the Deployment itself first. ``d`` gets the new resourceVersion."""
        try:
            stored = self.deployments.get(key_of(d))
            if stored is not None and util.annotations(stored) != util.annotations(d):
                d["metadata"]["resourceVersion"] = self.api.update(d)["metadata"]["resourceVersion"]
            d["metadata"]["resourceVersion"] = self.api.update_status(d)["metadata"]["resourceVersion"]
        except StatusError:
            if not ignore_errors:
                raise
