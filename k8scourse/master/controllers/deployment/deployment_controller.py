"""The Deployment controller (``pkg/controller/deployment/deployment_controller.go``).

kube-controller-manager's deployment controller watches Deployments,
ReplicaSets and Pods through shared informers and keeps each Deployment's
ReplicaSets in step with it:

1. every change to a Deployment, or to a ReplicaSet it controls, queues the
   Deployment's ``namespace/name`` (a deleted pod of a Recreate Deployment
   too: Recreate waits for old pods to be gone);
2. a worker takes the key and runs ``sync_deployment``: it lists the
   ReplicaSets the Deployment controls and
3. a Deployment being deleted only gets its status updated; paused or
   resumed, Progressing turns Unknown (``checkPausedConditions``);
4. paused, or with a changed ``replicas`` (a scaling event), the ReplicaSets are
   only scaled, proportionally mid-rollout (sync.py);
5. with the deprecated rollback annotation, it rolls back (rollback.py);
6. otherwise its strategy takes one step (recreate.py or rolling.py), which
   ends by writing the status and the Progressing condition (progress.py).

The controller only ever changes ReplicaSets (size, annotations) and the
Deployment's status; the ReplicaSet controller makes and removes the pods.
A refused write raises StatusError and the key is retried, rate-limited.

Simplification: ReplicaSets are claimed by their controller ownerReference
only; orphans matching the selector are not adopted (ClaimReplicaSets).
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.api.selectors import LabelSelector
from k8scourse.clock import VirtualClock

from ..base import Informer, InformerFactory, WorkQueue, key_of
from . import recreate, rollback, rolling, sync, util
from .util import Obj

EVENT_SOURCE = "deployment-controller"  # the Events' source component (controller name in controllermanager)


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def create(self, manifest: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def update(self, obj: Mapping[str, Any], *, subresource: str | None = None) -> dict: ...
    def update_status(self, obj: Mapping[str, Any]) -> dict: ...
    def delete(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str) -> None: ...


def controller_of(obj: Obj) -> Mapping[str, Any] | None:
    """metav1.GetControllerOf: the ownerReference with ``controller: true``."""
    return next((r for r in obj["metadata"].get("ownerReferences") or () if r.get("controller")), None)


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
        """A ReplicaSet changed: queue the Deployment controlling it (and the one that did, if that changed)."""
        for obj in (rs, old):
            owner = controller_of(obj) if obj is not None else None
            if owner is not None and owner.get("kind") == "Deployment":
                self.queue.add(f"{rs['metadata']['namespace']}/{owner['name']}")

    def _on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        """deletePod: a Recreate Deployment waits for its old pods to be gone."""
        if event_type != "DELETED":
            return
        owner = controller_of(pod)
        if owner is None or owner.get("kind") != "ReplicaSet":
            return
        rs = self.replica_sets.get(f"{pod['metadata']['namespace']}/{owner['name']}")
        deploy_ref = controller_of(rs) if rs is not None else None
        if deploy_ref is None or deploy_ref.get("kind") != "Deployment":
            return
        key = f"{pod['metadata']['namespace']}/{deploy_ref['name']}"
        deploy = self.deployments.get(key)
        if deploy is not None and not util.is_rolling_update(deploy):
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
            recreate.rollout_recreate(self, d, rs_list, self.pods_for(rs_list))

    def replica_sets_for(self, d: Obj) -> list[Obj]:
        """getReplicaSetsForDeployment: the ReplicaSets it controls that its selector still selects."""
        selector = LabelSelector.from_dict(d["spec"]["selector"]).selector
        return [rs for rs in self.replica_sets.list(d["metadata"]["namespace"], selector)
                if self.controlled_by(rs, d)]

    def pods_for(self, rs_list: list[Obj]) -> list[Obj]:
        """getPodMapForDeployment, flattened: the pods the ReplicaSets control."""
        uids = {rs["metadata"]["uid"] for rs in rs_list}
        namespaces = {rs["metadata"]["namespace"] for rs in rs_list}
        return [pod for ns in namespaces for pod in self.pods.list(ns)
                if (controller_of(pod) or {}).get("uid") in uids]

    # --- what the strategies share ------------------------------------------------------

    @staticmethod
    def controlled_by(obj: Obj, d: Obj) -> bool:
        return (controller_of(obj) or {}).get("uid") == d["metadata"]["uid"]

    @staticmethod
    def controller_ref(d: Obj) -> dict:
        """metav1.NewControllerRef: the ownerReference a new ReplicaSet carries."""
        return {"apiVersion": "apps/v1", "kind": "Deployment", "name": d["metadata"]["name"],
                "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}

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
