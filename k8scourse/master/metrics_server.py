"""metrics-server: the resource metrics API (``metrics.k8s.io/v1beta1``) behind ``kubectl top`` and the HPA.

A cluster add-on (kubernetes-sigs/metrics-server), here on the master beside
the controller-manager that reads it. Unlike the other master components it
does not only talk to the apiserver: it scrapes every kubelet directly.
The kubelet side (cAdvisor's counters) is :mod:`k8scourse.node.cadvisor`;
this module is the server side, which is why the pipeline is split in two.
Its loop:

1. every ``--metric-resolution`` (15 s in metrics-server's deployment
   manifest, ``components.yaml``) scrape each node's ``/metrics/resource``; a
   node that does not answer (kubelet down) drops out with its pods;
2. keep the last two samples of each container and node;
3. serve a pod's usage as the *rate* between those two samples: CPU is
   ``Δ core-seconds / Δ t`` over the ``window`` between them (so what you
   see is up to one resolution old, averaged over the last one), memory the
   last working set. A pod shows up once each of its containers has two
   samples from the same run; a container that started 10 s to one
   resolution before a scrape counts its start (at zero CPU) as the first,
   so a fresh Pod shows up after one scrape. A restarted container starts over.

Clients reach it through the apiserver's aggregation layer (the
``v1beta1.metrics.k8s.io`` APIService): ``api.aggregated["metrics.k8s.io"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from k8scourse.api.selectors import Selector
from k8scourse.clock import VirtualClock
from k8scourse.node.cadvisor import CAdvisor, NodeSample
from k8scourse.timefmt import rfc3339

METRIC_RESOLUTION = 15.0  # --metric-resolution=15s (metrics-server manifests/base/deployment.yaml)
FRESH_CONTAINER_MIN_RESOLUTION = 10.0  # pkg/storage/pod.go freshContainerMinMetricsResolution
API_VERSION = "metrics.k8s.io/v1beta1"


@dataclass
class _Point:
    timestamp: float
    cpu_seconds: float
    memory_bytes: int
    start_time: float = 0.0


def _rate(prev: _Point, last: _Point) -> int | None:
    """Nanocores between two samples of one run, or None (one sample, a restart, a counter reset)."""
    if last.start_time != prev.start_time or last.timestamp <= prev.timestamp or last.cpu_seconds < prev.cpu_seconds:
        return None
    return round((last.cpu_seconds - prev.cpu_seconds) / (last.timestamp - prev.timestamp) * 1e9)


def _window(seconds: float) -> str:
    return f"{seconds:g}s"


class MetricsServer:
    """Scrapes the nodes' cAdvisors every resolution and answers PodMetrics and NodeMetrics lists."""

    def __init__(self, clock: VirtualClock, nodes: Mapping[str, CAdvisor],
                 pod_labels: Callable[[str, str], Mapping[str, str] | None],
                 resolution: float = METRIC_RESOLUTION) -> None:
        self.clock, self.nodes, self.pod_labels, self.resolution = clock, nodes, pod_labels, resolution
        self._pods: dict[tuple[str, str], dict[str, tuple[_Point | None, _Point]]] = {}
        self._nodes: dict[str, tuple[_Point | None, _Point]] = {}
        self._timer = None

    def start(self) -> None:
        self._timer = self.clock.call_every(self.resolution, self.scrape, first_delay=self.resolution)

    def scrape(self) -> None:
        """One round: ask every kubelet, keep the last two points of what answered, forget the rest."""
        pods: dict[tuple[str, str], dict[str, tuple[_Point | None, _Point]]] = {}
        nodes: dict[str, tuple[_Point | None, _Point]] = {}
        for name, cadvisor in self.nodes.items():
            sample: NodeSample | None = cadvisor.resource_metrics()
            if sample is None:
                continue
            last = _Point(sample.timestamp, sample.cpu_seconds, sample.memory_bytes)
            nodes[name] = ((self._nodes.get(name) or (None, None))[1], last)
            for pod in sample.pods:
                key = (pod.namespace, pod.name)
                before = self._pods.get(key, {})
                pods[key] = {c.name: self._container_points(before.get(c.name), _Point(
                    sample.timestamp, c.cpu_seconds, c.memory_bytes, c.start_time)) for c in pod.containers}
        self._pods, self._nodes = pods, nodes

    def _container_points(self, stored: tuple[_Point | None, _Point] | None,
                          last: _Point) -> tuple[_Point | None, _Point]:
        """podStorage.Store: the previous point to keep beside the new one, if any.

        A container that started less than a resolution (but at least 10 s)
        before this scrape gets its start as the previous point, at zero
        CPU, so a fresh Pod shows up after one scrape; otherwise the last
        point becomes the previous one, unless the container restarted since."""
        age = last.timestamp - last.start_time
        if FRESH_CONTAINER_MIN_RESOLUTION <= age < self.resolution:
            return _Point(last.start_time, 0.0, last.memory_bytes, last.start_time), last
        if stored is None or not last.start_time < stored[1].timestamp:
            return None, last
        prev, old = stored
        if last.timestamp > old.timestamp:
            return old, last
        return (prev if prev is not None and prev.timestamp < last.timestamp else None), last

    # --- the metrics.k8s.io API ------------------------------------------------------------

    def pod_metrics(self, namespace: str | None, selector: Selector | None = None) -> list[dict]:
        """``GET /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods?labelSelector=...``, sorted by name."""
        items = []
        for (pod_namespace, name), containers in sorted(self._pods.items()):
            if namespace is not None and pod_namespace != namespace:
                continue
            labels = self.pod_labels(pod_namespace, name)
            if labels is None or (selector is not None and not selector.matches(labels)):
                continue
            usage, points = [], []
            for container, (prev, last) in containers.items():
                rate = _rate(prev, last) if prev is not None else None
                if rate is None:
                    break
                usage.append({"name": container, "usage": {"cpu": f"{rate}n", "memory": f"{last.memory_bytes // 1024}Ki"}})
                points.append((prev, last))
            else:
                if not points:
                    continue
                prev, last = points[0]
                items.append({"kind": "PodMetrics", "apiVersion": API_VERSION,
                              "metadata": {"name": name, "namespace": pod_namespace, "labels": dict(labels)},
                              "timestamp": rfc3339(last.timestamp), "window": _window(last.timestamp - prev.timestamp),
                              "containers": usage})
        return items

    def node_metrics(self) -> list[dict]:
        """``GET /apis/metrics.k8s.io/v1beta1/nodes``, sorted by name."""
        items = []
        for name, (prev, last) in sorted(self._nodes.items()):
            rate = _rate(prev, last) if prev is not None else None
            if rate is None:
                continue
            items.append({"kind": "NodeMetrics", "apiVersion": API_VERSION, "metadata": {"name": name},
                          "timestamp": rfc3339(last.timestamp), "window": _window(last.timestamp - prev.timestamp),
                          "usage": {"cpu": f"{rate}n", "memory": f"{last.memory_bytes // 1024}Ki"}})
        return items
