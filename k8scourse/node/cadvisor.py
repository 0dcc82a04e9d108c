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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from k8scourse.api.quantity import parse_quantity
from k8scourse.load import Load

if TYPE_CHECKING:
    from k8scourse.node.kubelet import Kubelet

MIB = 1024 * 1024
DEFAULT_CONTAINER_MEMORY = 16 * MIB  # the course's working set of a container without a memory request
SYSTEM_CPU_MILLI = 100  # the course's model: kubelet, container runtime and OS on an idle node
SYSTEM_MEMORY = 512 * MIB


@dataclass
class ContainerSample:
    name: str
    cpu_seconds: float  # cumulative core-seconds since the container started
    memory_bytes: int
    start_time: float


@dataclass
class PodSample:
    namespace: str
    name: str
    containers: list[ContainerSample] = field(default_factory=list)


@dataclass
class NodeSample:
    """One answer of ``/metrics/resource``: the node's and each running pod's counters at ``timestamp``."""

    node: str
    timestamp: float
    cpu_seconds: float
    memory_bytes: int
    pods: list[PodSample]


def _quantity(resources: Mapping[str, Any] | None, kind: str, name: str) -> Any:
    return ((resources or {}).get(kind) or {}).get(name)


class CAdvisor:
    """One node's container counters, advanced at each scrape."""

    def __init__(self, kubelet: "Kubelet", load: Load) -> None:
        self.kubelet, self.load = kubelet, load
        self._cpu: dict[str, float] = {}  # container id -> core-seconds
        self._node_cpu = 0.0
        self._last = kubelet.clock.now

    def _allocatable_milli(self) -> int:
        status = self.kubelet.node_status
        return parse_quantity((status.allocatable or status.capacity)["cpu"]).milli_value()

    def resource_metrics(self) -> NodeSample | None:
        """``GET /metrics/resource``; None when the kubelet is down (the scrape fails)."""
        if not self.kubelet.running:
            return None
        now = self.kubelet.clock.now
        demand = self.load.demand()
        running = [c for c in self.kubelet.runtime.ps() if c is not c.sandbox.pause]
        rates: dict[str, float] = {}  # container id -> millicores
        specs: dict[str, Mapping[str, Any]] = {}
        for container in running:
            sandbox = container.sandbox
            worker = self.kubelet.workers.get(sandbox.pod_uid)
            if worker is None:
                continue
            spec = next((c for c in worker.pod["spec"].get("containers") or () if c["name"] == container.name), {})
            share = demand.get((sandbox.namespace, sandbox.pod_name), 0.0) / max(1, len(sandbox.containers))
            limit = _quantity(spec.get("resources"), "limits", "cpu")
            if limit is not None:
                share = min(share, parse_quantity(limit).milli_value())
            rates[container.id], specs[container.id] = share, spec
        wanted = sum(rates.values())
        room = self._allocatable_milli()
        if wanted > room > 0:  # the CFS shares the node's cores out
            rates = {cid: rate * room / wanted for cid, rate in rates.items()}
        pods: dict[str, PodSample] = {}
        memory = SYSTEM_MEMORY
        for container in running:
            if container.id not in rates:
                continue
            since = max(self._last, container.started_at)
            used = self._cpu.get(container.id, 0.0) + rates[container.id] / 1000 * (now - since)
            self._cpu[container.id] = used
            resources = specs[container.id].get("resources")
            wanted_memory = _quantity(resources, "requests", "memory")
            container_memory = parse_quantity(wanted_memory).value() if wanted_memory else DEFAULT_CONTAINER_MEMORY
            limit = _quantity(resources, "limits", "memory")
            if limit is not None:
                container_memory = min(container_memory, parse_quantity(limit).value())
            memory += container_memory
            sandbox = container.sandbox
            pod = pods.setdefault(sandbox.pod_uid, PodSample(sandbox.namespace, sandbox.pod_name))
            pod.containers.append(ContainerSample(container.name, used, container_memory, container.started_at))
        self._node_cpu += (sum(rates.values()) + SYSTEM_CPU_MILLI) / 1000 * (now - self._last)
        self._last = now
        live = {c.id for c in running}
        self._cpu = {cid: used for cid, used in self._cpu.items() if cid in live}
        return NodeSample(self.kubelet.node_name, now, self._node_cpu, memory, list(pods.values()))
