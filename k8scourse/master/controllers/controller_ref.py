"""Controller references: which controller an object belongs to, and how a controller claims objects.

An object names its controller in ``metadata.ownerReferences``: the one
reference with ``controller: true`` (``metav1.GetControllerOf``). A label
selector only says which objects a controller *may* own; the reference says
which one does, so two controllers whose selectors overlap never fight over
an object. Every sync, the ReplicaSet controller claims pods and the
Deployment controller claims ReplicaSets with the same rules
(``BaseControllerRefManager.ClaimObject``, ``pkg/controller/controller_ref_manager.go``):

1. an object controlled by another controller (another UID) is ignored;
2. one controlled by us that the selector still selects is ours, even while
   we are being deleted (keeping it takes no write);
3. one controlled by us that the selector no longer selects is released (our
   reference removed), unless we are being deleted;
4. an orphan (no controller) that the selector selects, not being deleted
   itself, in our namespace, is adopted: a reference with ``controller: true``
   and ``blockOwnerDeletion: true`` is added, unless we are being deleted.
   Before the first adoption of a sync the controller reads itself fresh
   from the apiserver, not from its cache (``RecheckDeletionTimestamp``): a
   controller deleted or replaced meanwhile adopts nothing.

An object gone before its patch (NotFound) is simply not ours; any other
refused write fails the sync, after the other objects are claimed.

Two differences from upstream, with the same outcome: adopting and releasing
read the object fresh and write its whole reference list, where upstream's
strategic merge patch edits the stored list by UID; and a failed recheck
skips the adoption, where upstream fails the sync and retries it (by which
time the cache shows the deletion, so nothing is adopted then either).
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.api.meta import controller_of

Obj = Mapping[str, Any]


class API(Protocol):
    """The part of the apiserver claiming uses: a fresh read of the controller, a patch of the object."""

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def patch(self, resource: str, name: str, patch: Mapping[str, Any], namespace: str | None = None) -> dict: ...


def new_controller_ref(owner: Obj, api_version: str, kind: str) -> dict:
    """metav1.NewControllerRef: the reference a controller writes into what it creates or adopts."""
    return {"apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


class ControllerRefManager:
    """One controller's claims during one sync (``NewPodControllerRefManager``,
    ``NewReplicaSetControllerRefManager``): ``claim`` each candidate, then raise ``error`` if set.

    ``owner_resource`` is where the fresh read of the owner goes (``deployments``),
    ``resource`` the kind of object claimed (``replicasets``)."""

    def __init__(self, api: API, owner: Obj, owner_resource: str, owner_ref: Mapping[str, Any],
                 resource: str) -> None:
        self.api, self.owner, self.owner_resource, self.resource = api, owner, owner_resource, resource
        self.owner_ref = owner_ref
        self.uid: str = owner["metadata"]["uid"]
        self.namespace: str | None = owner["metadata"].get("namespace")
        self.deleting = bool(owner["metadata"].get("deletionTimestamp"))
        self.error: StatusError | None = None  # the first refused write (upstream aggregates them all)
        self._can_adopt: bool | None = None  # canAdoptOnce: asked at the first adoption only

    def claim(self, obj: Obj, selected: bool) -> bool:
        """ClaimObject: is ``obj`` ours after this call? Releases or adopts it as the rules say."""
        ref = controller_of(obj)
        if ref is None:
            return self.claim_orphan(obj, selected)
        if ref.get("uid") != self.uid:
            return False  # rule 1: someone else's
        return self.claim_owned(obj, selected)

    def claim_owned(self, obj: Obj, selected: bool) -> bool:
        """Rules 2 and 3, for an object whose controller reference names us."""
        if selected:
            return True
        if not self.deleting:
            self._release(obj)
        return False

    def claim_orphan(self, obj: Obj, selected: bool) -> bool:
        """Rule 4, for an object without a controller."""
        if self.deleting or not selected or obj["metadata"].get("deletionTimestamp"):
            return False
        if self.namespace and obj["metadata"].get("namespace") != self.namespace:
            return False  # ClaimObject: "Ignore if namespace not match"
        if not self.can_adopt():
            # Upstream's adopt returns "can't adopt ...: ... has just been deleted" and the sync is
            # retried; by then the informer has the deletion, so it adopts nothing either way.
            return False
        return self._adopt(obj)

    def can_adopt(self) -> bool:
        """RecheckDeletionTimestamp, with the UID check of the caller's getObject (e.g.
        getReplicaSetsForDeployment's "original Deployment ... is gone"): an uncached read of
        the owner; a deleted, replaced or deleting owner adopts nothing. Asked once per manager."""
        if self._can_adopt is None:
            meta = self.owner["metadata"]
            try:
                fresh = self.api.get(self.owner_resource, meta["name"], self.namespace)
            except StatusError:
                self._can_adopt = False
            else:
                fresh_meta = fresh["metadata"]
                self._can_adopt = fresh_meta.get("uid") == self.uid and not fresh_meta.get("deletionTimestamp")
        return self._can_adopt

    def _adopt(self, obj: Obj) -> bool:
        """AdoptPod / AdoptReplicaSet: add our reference. Upstream's strategic merge patch adds it
        to the stored list, and validation refuses a second controller; here the stored object
        is read first, so a reference written since the cache saw the object is kept."""
        current = self._current(obj)
        if current is None:
            return False
        ref = controller_of(current)
        if ref is not None:  # claimed meanwhile: ours, or (upstream: Invalid, retried) another's
            return ref.get("uid") == self.uid
        refs = [r for r in current["metadata"].get("ownerReferences") or () if r.get("uid") != self.uid]
        return self._write_refs(current, [*refs, dict(self.owner_ref)])

    def _release(self, obj: Obj) -> None:
        """ReleasePod / ReleaseReplicaSet: remove our reference from the stored list (upstream's
        ``$patch: delete`` keyed by UID). Upstream ignores the 422 its patch gets when the object
        holds no reference of ours or was replaced; here both are seen before writing."""
        current = self._current(obj)
        if current is None:
            return
        refs = current["metadata"].get("ownerReferences") or []
        kept = [r for r in refs if r.get("uid") != self.uid]
        if len(kept) != len(refs):
            self._write_refs(current, kept)

    def _current(self, obj: Obj) -> dict | None:
        """The object as stored now, or None when it is gone or was replaced (the patch's ``uid``
        precondition). A refused read other than NotFound is kept in ``error``."""
        meta = obj["metadata"]
        try:
            current = self.api.get(self.resource, meta["name"], meta.get("namespace"))
        except StatusError as err:
            if err.reason != "NotFound":
                self.error = self.error or err
            return None
        return current if current["metadata"].get("uid") == meta.get("uid") else None

    def _write_refs(self, obj: Obj, refs: list) -> bool:
        """Patch the object's owner references to ``refs`` (a merge patch replaces the list).
        Returns whether it was written; a refused patch other than NotFound is kept in ``error``."""
        meta = obj["metadata"]
        try:
            self.api.patch(self.resource, meta["name"], {"metadata": {"ownerReferences": refs or None}},
                           meta.get("namespace"))
        except StatusError as err:
            if err.reason != "NotFound":
                self.error = self.error or err
            return False
        return True
