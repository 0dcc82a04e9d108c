"""The node's heartbeat: a Lease in ``kube-node-lease`` that the kubelet renews every 10 s.

``pkg/kubelet/nodelease`` (now ``k8s.io/component-helpers/apimachinery/lease/controller.go``):

* the renew interval is a quarter of ``nodeLeaseDurationSeconds``
  (``renewIntervalFraction = 0.25``): 40 s gives 10 s;
* the first sync runs as the kubelet starts, then each one a renew interval
  after the previous one ends (``wait.JitterUntil``, sliding; the course
  leaves out its 4% jitter);
* a sync updates the lease it wrote last (no read first); if that fails it
  gets the lease, creating it when missing, retrying after 200 ms, 400 ms,
  ... up to 7 s (``backoffEnsureLease``, ``maxBackoff = 7 * time.Second``);
* the lease's owner is the Node, once the Node exists: the first lease is
  often created before the node has registered, and gets its owner at the
  next renewal.
"""

from __future__ import annotations

from typing import Any

from k8scourse.api.errors import StatusError
from k8scourse.api.lease import NODE_LEASE_NAMESPACE, rfc3339_micro
from k8scourse.api.meta import fast_copy
from k8scourse.clock import Timer, VirtualClock
from k8scourse.master.apiserver import APIServer

RENEW_INTERVAL_FRACTION = 0.25
FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 0.2, 7.0  # sleep doubles from 100 ms before the first wait


class NodeLease:
    """Creates and renews one node's Lease."""

    def __init__(self, api: APIServer, clock: VirtualClock, node_name: str, duration_seconds: int) -> None:
        self.api, self.clock, self.node_name = api, clock, node_name
        self.duration_seconds = duration_seconds
        self.renew_interval = duration_seconds * RENEW_INTERVAL_FRACTION
        self._latest: dict | None = None
        self._timer: Timer | None = None

    def start(self) -> None:
        self._timer = self.clock.schedule(0, self.sync)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._latest = None

    def sync(self) -> None:
        """Renew the lease, then come back one renew interval later."""
        if self._latest is not None:
            try:
                self._latest = self.api.update(self._renewed(self._latest))
                self._timer = self.clock.schedule(self.renew_interval, self.sync)
                return
            except StatusError:
                self._latest = None  # someone changed or deleted it: read it again
        self._ensure(FIRST_RETRY_SECONDS)

    def _ensure(self, retry: float) -> None:
        try:
            try:
                self._latest = self.api.update(self._renewed(
                    self.api.get("leases", self.node_name, NODE_LEASE_NAMESPACE)))
            except StatusError as exc:
                if exc.code != 404:
                    raise
                self._latest = self.api.create(self._renewed(None))
        except StatusError:  # e.g. namespaces "kube-node-lease" not found
            self._timer = self.clock.schedule(retry, self._ensure, min(2 * retry, MAX_RETRY_SECONDS))
            return
        self._timer = self.clock.schedule(self.renew_interval, self.sync)

    def _renewed(self, base: dict | None) -> dict:
        """A copy of ``base`` (or a new lease) renewed now, owned by the Node if it exists."""
        lease: dict[str, Any]
        if base is None:
            lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                     "metadata": {"name": self.node_name, "namespace": NODE_LEASE_NAMESPACE},
                     "spec": {"holderIdentity": self.node_name, "leaseDurationSeconds": self.duration_seconds}}
        else:
            lease = fast_copy(base)
        lease["spec"]["renewTime"] = rfc3339_micro(self.clock.now, self.clock.epoch)
        if not lease["metadata"].get("ownerReferences"):
            try:
                node = self.api.get("nodes", self.node_name)
            except StatusError:
                return lease
            lease["metadata"]["ownerReferences"] = [
                {"apiVersion": "v1", "kind": "Node", "name": self.node_name, "uid": node["metadata"]["uid"]}]
        return lease
