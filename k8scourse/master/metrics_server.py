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

from typing import Callable, Mapping

from k8scourse.api.selectors import Selector
from k8scourse.clock import VirtualClock
from k8scourse.node.cadvisor import CAdvisor

METRIC_RESOLUTION = 15.0  # --metric-resolution=15s (metrics-server manifests/base/deployment.yaml)
FRESH_CONTAINER_MIN_RESOLUTION = 10.0  # pkg/storage/pod.go freshContainerMinMetricsResolution
API_VERSION = "metrics.k8s.io/v1beta1"


class _Series:
    """podStorage's last two points of one container (or node), kept in place from scrape to scrape."""

    __slots__ = ("prev_time", "prev_cpu", "last_time", "last_cpu", "start_time", "memory_bytes", "seen")

    def __init__(self) -> None:
        self.prev_time: float | None = None  # None: no previous point (yet)
        self.prev_cpu = self.last_cpu = 0.0
        self.last_time = self.start_time = float("-inf")
        self.memory_bytes, self.seen = 0, 0

    def store(self, timestamp: float, cpu_seconds: float, memory_bytes: int, start_time: float,
              resolution: float) -> None:
        """podStorage.Store for one container: which previous point to keep beside the new one.

        A container that started less than a resolution (but at least 10 s)
        before this scrape gets its start as the previous point, at zero CPU,
        so a fresh Pod shows up after one scrape; otherwise the last point
        becomes the previous one, unless the container restarted since."""
        age = timestamp - start_time
        if FRESH_CONTAINER_MIN_RESOLUTION <= age < resolution:
            self.prev_time, self.prev_cpu = start_time, 0.0
        elif not start_time < self.last_time:  # new, or restarted since the stored point
            self.prev_time = None
        elif timestamp > self.last_time:
            self.prev_time, self.prev_cpu = self.last_time, self.last_cpu
        elif self.prev_time is not None and not self.prev_time < timestamp:
            self.prev_time = None
        self.last_time, self.last_cpu, self.memory_bytes, self.start_time = timestamp, cpu_seconds, memory_bytes, \
            start_time

    def nanocores(self) -> int | None:
        """The CPU rate between the two points, or None (one point, or a counter that went back)."""
        if self.prev_time is None or self.last_time <= self.prev_time or self.last_cpu < self.prev_cpu:
            return None
        return round((self.last_cpu - self.prev_cpu) / (self.last_time - self.prev_time) * 1e9)


def _window(seconds: float) -> str:
    return f"{seconds:g}s"


class MetricsServer:
    """Scrapes the nodes' cAdvisors every resolution and answers PodMetrics and NodeMetrics lists."""

    def __init__(self, clock: VirtualClock, nodes: Mapping[str, CAdvisor],
                 pod_labels: Callable[[str, str], Mapping[str, str] | None],
                 resolution: float = METRIC_RESOLUTION) -> None:
        self.clock, self.nodes, self.pod_labels, self.resolution = clock, nodes, pod_labels, resolution
        self._pods: dict[tuple[str, str], dict[str, _Series]] = {}  # (namespace, pod) -> container -> points
        self._nodes: dict[str, _Series] = {}
        self._scrapes = 0
        self._timer = None

    def start(self) -> None:
        self._timer = self.clock.call_every(self.resolution, self.scrape, first_delay=self.resolution)

    def scrape(self) -> None:
        """One round: ask every kubelet, keep the last two points of what answered, forget the rest."""
        self._scrapes += 1
        for name, cadvisor in self.nodes.items():
            node = cadvisor.resource_metrics()
            if node is None:
                continue
            series = self._nodes.get(name) or self._nodes.setdefault(name, _Series())
            series.store(node.timestamp, node.cpu_seconds, node.memory_bytes, 0.0, float("-inf"))
            series.seen = self._scrapes
            for counters in node.containers.values():
                pod = self._pods.get(counters.key)
                if pod is None:
                    pod = self._pods[counters.key] = {}
                series = pod.get(counters.name)
                if series is None:
                    series = pod[counters.name] = _Series()
                series.store(node.timestamp, counters.cpu_seconds, counters.memory_bytes, counters.start_time,
                             self.resolution)
                series.seen = self._scrapes
        self._forget_unseen()

    def _forget_unseen(self) -> None:
        """Pods, containers and nodes this round did not report are gone from the next answers."""
        for name in [n for n, series in self._nodes.items() if series.seen != self._scrapes]:
            del self._nodes[name]
        stale = [(key, container) for key, pod in self._pods.items()
                 for container, series in pod.items() if series.seen != self._scrapes]
        for key, container in stale:
            pod = self._pods[key]
            del pod[container]
            if not pod:
                del self._pods[key]

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
            usage = []
            for container, series in containers.items():
                rate = series.nanocores()
                if rate is None:
                    break
                usage.append({"name": container,
                              "usage": {"cpu": f"{rate}n", "memory": f"{series.memory_bytes // 1024}Ki"}})
            else:
                if not usage:
                    continue
                first = min(containers.values(), key=lambda s: s.last_time)  # the earliest TimeInfo
                items.append({"kind": "PodMetrics", "apiVersion": API_VERSION,
                              "metadata": {"name": name, "namespace": pod_namespace, "labels": dict(labels)},
                              "timestamp": self.clock.rfc3339(first.last_time),
                              "window": _window(first.last_time - first.prev_time), "containers": usage})
        return items

    def node_metrics(self) -> list[dict]:
        """``GET /apis/metrics.k8s.io/v1beta1/nodes``, sorted by name."""
        items = []
        for name, series in sorted(self._nodes.items()):
            rate = series.nanocores()
            if rate is None:
                continue
            items.append({"kind": "NodeMetrics", "apiVersion": API_VERSION, "metadata": {"name": name},
                          "timestamp": self.clock.rfc3339(series.last_time),
                          "window": _window(series.last_time - series.prev_time),
                          "usage": {"cpu": f"{rate}n", "memory": f"{series.memory_bytes // 1024}Ki"}})
        return items
