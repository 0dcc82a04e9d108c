"""The pod garbage collector: removes pods no kubelet will ever finish deleting.

``pkg/controller/podgc/gc_controller.go`` runs every 20 s (``gcCheckPeriod``)
over the pods and nodes it watches. What it force-deletes (grace period 0,
after writing phase ``Failed``, so that nothing counts them as running):

1. **orphaned** pods, bound to a node that no longer exists: a node name
   missing from the cache waits in quarantine for 40 s (``quarantineTime``),
   then the controller asks the apiserver; if the Node is really gone, its
   pods are deleted, with the condition ``DisruptionTarget``
   (``DeletionByPodGC``, "PodGC: node no longer exists"). This is how the
   ``Terminating`` pods of a dead node end when an administrator deletes the
   Node (``kubectl delete node``);
2. **terminating** pods on a node that is not Ready and carries the
   ``node.kubernetes.io/out-of-service`` taint (non-graceful node shutdown:
   the administrator vouches that the machine is off);
3. **unscheduled terminating** pods: deleted before any node took them.

(``--terminated-pod-gc-threshold``, 12500 finished pods, is left out: the
course never comes near it.)
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.clock import Timer, VirtualClock

from .base import InformerFactory

Obj = Mapping[str, Any]

GC_CHECK_PERIOD = 20.0  # gc_controller.go: gcCheckPeriod
QUARANTINE_TIME = 40.0  # gc_controller.go: quarantineTime
TAINT_NODE_OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"  # k8s.io/api/core/v1/well_known_taints.go
ORPHANED = {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByPodGC",
            "message": "PodGC: node no longer exists"}


class API(Protocol):
    """The part of the apiserver the controller uses."""

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def update_status(self, obj: Mapping[str, Any]) -> dict: ...
    def delete(self, resource: str, name: str, namespace: str | None = None,
               grace_period_seconds: int | None = None) -> dict: ...


def _ready(node: Obj) -> bool:
    """nodeutil.IsNodeReady."""
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or ())


class PodGCController:
    """Force-delete the pods of deleted nodes, of out-of-service nodes, and unscheduled deleted ones."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory | None = None) -> None:
        self.api, self.clock = api, clock
        informers = informers or InformerFactory(api)
        self.nodes, self.pods = informers.informer("nodes"), informers.informer("pods")
        self.quarantine: dict[str, float] = {}  # nodeQueue: node name -> when it may be checked
        self._timer: Timer | None = None

    def start(self) -> None:
        for informer in (self.nodes, self.pods):
            informer.start()
        self._timer = self.clock.call_every(GC_CHECK_PERIOD, self.gc, first_delay=0)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for informer in (self.nodes, self.pods):
            informer.stop()

    def gc(self) -> None:
        pods = sorted(self.pods.list(), key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
        self.gc_terminating(pods)
        self.gc_orphaned(pods)
        self.gc_unscheduled_terminating(pods)

    def gc_terminating(self, pods: list[Obj]) -> None:
        for pod in pods:
            if not pod["metadata"].get("deletionTimestamp"):
                continue
            node = self.nodes.get(pod["spec"].get("nodeName") or "")
            if node is None or _ready(node):
                continue
            if any(t.get("key") == TAINT_NODE_OUT_OF_SERVICE for t in (node.get("spec") or {}).get("taints") or ()):
                self.mark_failed_and_delete(pod)

    def gc_orphaned(self, pods: list[Obj]) -> None:
        now = self.clock.now
        for pod in pods:
            name = pod["spec"].get("nodeName")
            if name and self.nodes.get(name) is None:
                self.quarantine.setdefault(name, now + QUARANTINE_TIME)  # AddAfter keeps the earlier time
        deleted = set()
        for name, ready_at in list(self.quarantine.items()):  # discoverDeletedNodes
            if ready_at > now:
                continue
            del self.quarantine[name]
            if self.nodes.get(name) is not None:
                continue
            try:
                self.api.get("nodes", name)
            except StatusError as err:
                if err.code == 404:
                    deleted.add(name)
        for pod in pods:
            if pod["spec"].get("nodeName") in deleted:
                self.mark_failed_and_delete(pod, ORPHANED)

    def gc_unscheduled_terminating(self, pods: list[Obj]) -> None:
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp") and not pod["spec"].get("nodeName"):
                self.mark_failed_and_delete(pod)

    def mark_failed_and_delete(self, pod: Obj, condition: Mapping[str, str] | None = None) -> None:
        """markFailedAndDeletePodWithCondition: phase Failed (and the condition), then delete at once."""
        meta = pod["metadata"]
        try:
            if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                updated = copy.deepcopy(dict(pod))
                status = updated.setdefault("status", {})
                status["phase"] = "Failed"
                if condition is not None:
                    kept = [c for c in status.get("conditions") or () if c.get("type") != condition["type"]]
                    status["conditions"] = [*kept, {"type": condition["type"], "status": condition["status"],
                                                    "lastProbeTime": None,
                                                    "lastTransitionTime": self.clock.rfc3339(self.clock.now),
                                                    "reason": condition["reason"], "message": condition["message"]}]
                self.api.update_status(updated)
            self.api.delete("pods", meta["name"], meta["namespace"], grace_period_seconds=0)
        except StatusError:
            pass  # gone meanwhile, or changed: the next pass looks again
