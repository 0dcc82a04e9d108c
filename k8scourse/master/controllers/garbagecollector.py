"""A small garbage collector: when an owner is deleted, its dependents go too.

``kubectl delete rs web`` deletes only the ReplicaSet; its pods are removed
by kube-controller-manager's garbage collector
(``pkg/controller/garbagecollector/garbagecollector.go``), which follows
``metadata.ownerReferences``. This model keeps to background cascading
deletion, kubectl's default (``--cascade=background``):

1. watch the owner kinds (ReplicaSets, ReplicationControllers, Deployments)
   and the dependent kinds (Pods, ReplicaSets) through shared informers,
   indexing each dependent by the UIDs of its owners;
2. when an owner is deleted, visit each of its dependents
   (``attemptToDeleteItem``): if none of its owners is left, delete it;
   if some are, only remove the references to the ones that are gone.

Not modelled: foreground deletion (``blockOwnerDeletion`` and the
``foregroundDeletion`` finalizer), orphaning (``--cascade=orphan``), and
owners of other kinds.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.clock import VirtualClock
from k8scourse.master.controllers.base import InformerFactory, Obj, WorkQueue, key_of, split_key

OWNER_RESOURCES = {"ReplicaSet": "replicasets", "ReplicationController": "replicationcontrollers",
                   "Deployment": "deployments"}
DEPENDENT_RESOURCES = ("pods", "replicasets")


class API(Protocol):
    """The part of the apiserver the garbage collector uses."""

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def patch(self, resource: str, name: str, patch: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def delete(self, resource: str, name: str, namespace: str | None = None) -> dict: ...


class GarbageCollector:
    """Delete dependents whose owners are all gone (background cascading deletion)."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory) -> None:
        self.api = api
        self.owners = {r: informers.informer(r) for r in OWNER_RESOURCES.values()}
        self.dependents = {r: informers.informer(r) for r in DEPENDENT_RESOURCES}
        self._live: set[str] = set()  # UIDs of owners that exist
        self._by_owner: dict[str, set[tuple[str, str]]] = {}  # owner UID -> (resource, key) of dependents
        self.queue = WorkQueue(clock, self._attempt_to_delete)

    def start(self) -> None:
        for informer in self.owners.values():
            informer.add_handler(self._on_owner)
        for resource, informer in self.dependents.items():
            informer.add_handler(lambda kind, obj, old, resource=resource: self._on_dependent(resource, kind, obj, old))

    def _on_owner(self, event_type: str, owner: Obj, old: Obj | None) -> None:
        uid = owner["metadata"].get("uid", "")
        if event_type != "DELETED":
            self._live.add(uid)
            return
        self._live.discard(uid)
        for resource, key in sorted(self._by_owner.get(uid, ())):
            self.queue.add(f"{resource}|{key}")

    def _on_dependent(self, resource: str, event_type: str, obj: Obj, old: Obj | None) -> None:
        key = key_of(obj)
        for ref in (old or {}).get("metadata", {}).get("ownerReferences") or ():
            self._by_owner.get(ref.get("uid"), set()).discard((resource, key))
        if event_type == "DELETED":
            return
        for ref in obj["metadata"].get("ownerReferences") or ():
            self._by_owner.setdefault(ref.get("uid"), set()).add((resource, key))
            if ref.get("uid") not in self._live:  # an owner already gone (or never seen yet)
                self.queue.add_after(f"{resource}|{key}", 0)

    def _dangling(self, ref: Mapping[str, Any], namespace: str | None) -> bool:
        """isDangling: the owner is gone, or its name now belongs to another object (another UID).
        The informer's word is checked with a read from the apiserver, as upstream does."""
        if ref.get("uid") in self._live:
            return False
        resource = OWNER_RESOURCES.get(ref.get("kind", ""))
        if resource is None:
            return False  # an owner of a kind this collector does not follow: leave it be
        try:
            owner = self.api.get(resource, ref.get("name", ""), namespace)
        except StatusError as err:
            if err.reason != "NotFound":
                raise
            return True
        return owner["metadata"].get("uid") != ref.get("uid")

    def _attempt_to_delete(self, item: str) -> None:
        resource, key = item.split("|", 1)
        obj = self.dependents[resource].get(key)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            return
        refs = obj["metadata"].get("ownerReferences") or []
        namespace, name = split_key(key)
        solid = [r for r in refs if not self._dangling(r, namespace)]
        if len(solid) == len(refs):
            return
        try:
            if solid:  # some owners remain: drop only the dangling references
                self.api.patch(resource, name, {"metadata": {"ownerReferences": solid}}, namespace)
            else:
                self.api.delete(resource, name, namespace)
        except StatusError as err:
            if err.reason != "NotFound":
                raise
