"""The namespace controller: empties a Terminating namespace, then removes it.

``kubectl delete namespace x`` only marks the namespace Terminating
(NamespaceLifecycle then refuses new objects in it). This controller deletes
everything inside; once nothing is left (pods may take their grace period to
stop) it finalizes the namespace and the apiserver forgets it
(``pkg/controller/namespace/deletion/namespaced_resources_deleter.go``).
"""

from __future__ import annotations

from k8scourse.api import objects
from k8scourse.api.errors import StatusError
from k8scourse.clock import VirtualClock
from k8scourse.master.apiserver import APIServer

#: Retry period while a namespace still holds objects (upstream requeues with a
#: rate limiter; a fixed short delay keeps the story easy to follow).
RETRY_SECONDS = 1.0


class NamespaceController:
    """Watch namespaces; sweep each Terminating one until it is empty."""

    def __init__(self, api: APIServer, clock: VirtualClock) -> None:
        self.api, self.clock = api, clock
        self._sweeping: set[str] = set()

    def start(self) -> None:
        self.api.list_and_watch("namespaces", self._on_namespace)

    def _on_namespace(self, event_type: str, namespace: dict) -> None:
        name = namespace["metadata"]["name"]
        terminating = namespace.get("status", {}).get("phase") == "Terminating"
        if event_type != "DELETED" and terminating and name not in self._sweeping:
            self._sweeping.add(name)
            self.clock.schedule(0, self._sweep, name)

    def _sweep(self, name: str) -> None:
        remaining = 0
        for info in (k for k in objects.KINDS if k.NAMESPACED):
            for obj in self.api.list(info.RESOURCE, name):
                remaining += 1
                if obj["metadata"].get("deletionTimestamp"):
                    continue  # already going; its kubelet finishes the job
                try:
                    self.api.delete(info.RESOURCE, obj["metadata"]["name"], name)
                except StatusError:
                    pass  # deleted meanwhile
        if remaining:
            self.clock.schedule(RETRY_SECONDS, self._sweep, name)
        else:
            self._sweeping.discard(name)
            self.api.finalize_namespace(name)
