"""cAdvisor inside the kubelet: what each container uses, served on the kubelet's ``/metrics/resource``.

The kubelet measures its containers through cAdvisor (cgroup counters) and
serves the results on ``https://<node>:10250/metrics/resource``, which
metrics-server scrapes. The counters are *cumulative*: CPU as core-seconds
used since the container started (``container_cpu_usage_seconds_total``),
memory as the working set now (``container_memory_working_set_bytes``). A
rate only appears once metrics-server has two samples to subtract.

What a container uses here (the course's model of the work, not cAdvisor's):

- CPU: its pod's share of the load (:mod:`k8scourse.load`), split evenly
  over the pod's containers, capped by the container's CPU limit (the CFS
  quota), and all of it squeezed proportionally when the node's pods ask for
  more than the node's allocatable cores; the usage is taken as constant
  between two scrapes;
- memory: its memory request (16 MiB without one), never above its limit;
- the node: its pods plus the system's own use (kubelet, runtime, OS):
  :data:`SYSTEM_CPU_MILLI` and :data:`SYSTEM_MEMORY`.

Each container's counters are one object, made when the container is first
seen and updated in place at every scrape: a large cluster is scraped every
15 s, and new objects each time would keep Python's garbage collector busy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from k8scourse.api.quantity import parse_quantity
from k8scourse.load import Load

if TYPE_CHECKING:
    from k8scourse.node.kubelet import Kubelet

MIB = 1024 * 1024
DEFAULT_CONTAINER_MEMORY = 16 * MIB  # the course's working set of a container without a memory request
SYSTEM_CPU_MILLI = 100  # the course's model: kubelet, container runtime and OS on an idle node
SYSTEM_MEMORY = 512 * MIB


def _quantity(resources: Mapping[str, Any] | None, kind: str, name: str) -> Any:
    return ((resources or {}).get(kind) or {}).get(name)


class ContainerCounters:
    """One running container's cgroup counters: cumulative CPU, the working set, and its CPU quota."""

    __slots__ = ("namespace", "pod", "key", "name", "start_time", "cpu_seconds", "memory_bytes", "cpu_limit_milli",
                 "rate", "seen")

    def __init__(self, namespace: str, pod: str, name: str, start_time: float, spec: Mapping[str, Any]) -> None:
        self.namespace, self.pod = namespace, pod
        self.key = (namespace, pod)  # the pod, as metrics-server files it
        self.name, self.start_time = name, start_time
        self.cpu_seconds = 0.0  # core-seconds since the container started
        resources = spec.get("resources")
        limit = _quantity(resources, "limits", "cpu")
        self.cpu_limit_milli = None if limit is None else parse_quantity(limit).milli_value()
        request = _quantity(resources, "requests", "memory")
        memory = parse_quantity(request).value() if request is not None else DEFAULT_CONTAINER_MEMORY
        memory_limit = _quantity(resources, "limits", "memory")
        self.memory_bytes = memory if memory_limit is None else min(memory, parse_quantity(memory_limit).value())
        self.rate = 0.0  # millicores, since the last scrape
        self.seen = 0


class NodeCounters:
    """The answer of one node's ``/metrics/resource``: the node's counters and its containers', at ``timestamp``.

    The same object every time, updated in place: read it before the next scrape."""

    __slots__ = ("node", "timestamp", "cpu_seconds", "memory_bytes", "containers")

    def __init__(self, node: str, now: float) -> None:
        self.node, self.timestamp = node, now
        self.cpu_seconds, self.memory_bytes = 0.0, SYSTEM_MEMORY
        self.containers: dict[str, ContainerCounters] = {}  # container id -> counters


class CAdvisor:
    """One node's container counters, advanced at each scrape."""

    def __init__(self, kubelet: "Kubelet", load: Load) -> None:
        self.kubelet, self.load = kubelet, load
        self.counters = NodeCounters(kubelet.node_name, kubelet.clock.now)
        self._scrapes = 0

    def _allocatable_milli(self) -> int:
        status = self.kubelet.node_status
        return parse_quantity((status.allocatable or status.capacity)["cpu"]).milli_value()

    def _new_counters(self, container: Any) -> ContainerCounters | None:
        worker = self.kubelet.workers.get(container.sandbox.pod_uid)
        if worker is None:
            return None
        spec = next((c for c in worker.pod["spec"].get("containers") or () if c["name"] == container.name), {})
        sandbox = container.sandbox
        return ContainerCounters(sandbox.namespace, sandbox.pod_name, container.name, container.started_at, spec)

    def resource_metrics(self) -> NodeCounters | None:
        """``GET /metrics/resource``; None when the kubelet is down (the scrape fails)."""
        if not self.kubelet.running:
            return None
        node, now = self.counters, self.kubelet.clock.now
        self._scrapes += 1
        demand = self.load.demand()
        wanted = 0.0
        running = (c for sandbox in self.kubelet.runtime.sandboxes for c in sandbox.containers if c.state == "running")
        for container in running:  # the pause containers aside
            counters = node.containers.get(container.id)
            if counters is None:
                counters = self._new_counters(container)
                if counters is None:
                    continue
                node.containers[container.id] = counters
            counters.seen = self._scrapes
            in_namespace = demand.get(counters.namespace)
            rate = in_namespace.get(counters.pod, 0.0) / max(1, len(container.sandbox.containers)) \
                if in_namespace else 0.0
            if counters.cpu_limit_milli is not None:
                rate = min(rate, counters.cpu_limit_milli)
            counters.rate = rate
            wanted += rate
        room = self._allocatable_milli()
        squeeze = room / wanted if wanted > room > 0 else 1.0  # the CFS shares the node's cores out
        gone = [cid for cid, c in node.containers.items() if c.seen != self._scrapes]
        for cid in gone:
            del node.containers[cid]
        memory = SYSTEM_MEMORY
        for counters in node.containers.values():
            since = max(node.timestamp, counters.start_time)
            counters.cpu_seconds += counters.rate * squeeze / 1000 * (now - since)
            memory += counters.memory_bytes
        node.cpu_seconds += (wanted * squeeze + SYSTEM_CPU_MILLI) / 1000 * (now - node.timestamp)
        node.memory_bytes, node.timestamp = memory, now
        return node
