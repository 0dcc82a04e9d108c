"""kubelet: the agent on every node. It registers the node, heartbeats, and runs the node's pods.

What the seed says (kubelet 向 Master 注册自己，并上报该 Node 的信息), in
today's terms and timings (``pkg/kubelet/apis/config/v1beta1/defaults.go``):

* **registration**: on start the kubelet creates its Node object
  (:mod:`.node_status`), first trying 100 ms after start and backing off
  to 7 s while the API server refuses (``registerWithAPIServer``);
* **heartbeats**, two kinds: the node's Lease in ``kube-node-lease``,
  renewed every 10 s (:mod:`.node_lease`); and the Node status, computed
  every ``nodeStatusUpdateFrequency`` (10 s) but written only when it
  changed or ``nodeStatusReportFrequency`` (5 min) has passed since the last
  write (``tryUpdateNodeStatus``). A node whose heartbeats stop is marked
  unreachable by the node lifecycle controller, which moves its pods away;
* **pods**: it watches the pods bound to it (``spec.nodeName=<node>``) and
  gives each a :class:`~.pod_worker.PodWorker`; static pods come from its
  manifest directory instead (:mod:`.static_pods`);
* **runtime**: :class:`~.runtime.ContainerRuntime` holds the node's sandboxes,
  containers and images; learners list it with ``kubelet.runtime.ps()``. It
  pulls from the cluster's :class:`~.images.Registry`.

``stop()`` models the machine dying: no more heartbeats, its containers gone.
``start()`` again is a reboot: the node re-registers and restarts its pods.
"""

from __future__ import annotations

import ipaddress
import json
import random
from typing import Any, Mapping, Sequence

from k8scourse.api.errors import FieldValidationError, K8sValueError, StatusError, invalid, required
from k8scourse.api.labels import label_errors
from k8scourse.api.node import taint_errors
from k8scourse.api.validation import is_dns1123_subdomain
from k8scourse.clock import Timer, VirtualClock
from k8scourse.master.apiserver import APIServer

from . import events
from .backoff import Backoff
from .images import Registry
from .node_lease import NodeLease
from .node_status import MAX_PODS, NodeStatus, status_changed
from .pod_worker import TERMINAL, PodWorker
from .runtime import Container, ContainerRuntime
from .static_pods import CONFIG_MIRROR, FILE_CHECK_FREQUENCY, Manifests, is_mirror, read_manifests, static_pod

# pkg/kubelet/apis/config/v1beta1/defaults.go
NODE_STATUS_UPDATE_FREQUENCY = 10.0
NODE_STATUS_REPORT_FREQUENCY = 300.0
NODE_LEASE_DURATION_SECONDS = 40
#: The pause image kubeadm pins for v1.31 (cmd/kubeadm/app/constants: PauseVersion "3.10").
#: The seed's nodes used Red Hat's, registry.access.redhat.com/rhel7/pod-infrastructure:latest.
DEFAULT_POD_INFRA_CONTAINER_IMAGE = "registry.k8s.io/pause:3.10"
PLEG_RELIST_PERIOD = 1.0  # pkg/kubelet/kubelet.go: genericPlegRelistPeriod
FIRST_REGISTRATION_SECONDS, MAX_REGISTRATION_SECONDS = 0.1, 7.0  # registerWithAPIServer's step


class Kubelet:
    """The node agent for ``node_name``, talking to the cluster only through ``api``."""

    def __init__(self, node_name: str, api: APIServer, clock: VirtualClock, rng: random.Random, *,
                 pod_cidr: str, node_ip: str | None = None, capacity: Mapping[str, Any] | None = None,
                 reserved: Mapping[str, Any] | None = None, labels: Mapping[str, str] | None = None,
                 taints: Sequence[Mapping[str, Any]] | None = None,
                 static_pod_manifests: Manifests | None = None,
                 pod_infra_container_image: str = DEFAULT_POD_INFRA_CONTAINER_IMAGE,
                 max_pods: int = MAX_PODS,
                 node_status_update_frequency: float = NODE_STATUS_UPDATE_FREQUENCY,
                 node_status_report_frequency: float = NODE_STATUS_REPORT_FREQUENCY,
                 node_lease_duration_seconds: int = NODE_LEASE_DURATION_SECONDS,
                 file_check_frequency: float = FILE_CHECK_FREQUENCY,
                 registry: Registry | None = None) -> None:
        """``capacity`` describes the machine (default: 2 CPUs, 4Gi, 20Gi of disk); ``reserved`` is
        kubeReserved + systemReserved. ``node_ip`` is ``--node-ip``; without it the node name must
        be an IP, as with the seed's ``--hostname-override=192.168.197.131``.
        ``static_pod_manifests`` is the manifest directory: a mapping path -> manifest (dict or YAML)
        read afresh at every check, or a directory on disk. ``registry`` is where images come
        from (the cluster's; by default a registry of its own holding the course's catalogue)."""
        self.node_name = node_name.strip().lower()  # nodeutil.GetHostname lowercases the hostname
        self.node_ip = _node_ip(self.node_name, node_ip)
        errors = [invalid("nodeName", node_name, m) for m in is_dns1123_subdomain(self.node_name)]
        errors += label_errors(dict(labels or {}), "nodeLabels")
        errors += taint_errors([dict(t) for t in taints or ()], "registerWithTaints")
        for field, value in (("maxPods", max_pods), ("nodeStatusUpdateFrequency", node_status_update_frequency),
                             ("nodeStatusReportFrequency", node_status_report_frequency),
                             ("nodeLeaseDurationSeconds", node_lease_duration_seconds),
                             ("fileCheckFrequency", file_check_frequency)):
            if value <= 0:
                errors.append(invalid(field, value, "must be greater than 0"))
        if errors:
            raise FieldValidationError(errors)
        self.api, self.clock, self.rng = api, clock, rng
        self.pod_cidr = pod_cidr
        self.labels, self.taints = dict(labels or {}), [dict(t) for t in taints or ()]
        self.static_pod_manifests = static_pod_manifests
        self.node_status_update_frequency = node_status_update_frequency
        self.node_status_report_frequency = node_status_report_frequency
        self.file_check_frequency = file_check_frequency
        self.runtime = ContainerRuntime(clock, rng, pod_cidr=pod_cidr, host_ip=self.node_ip,
                                        sandbox_image=pod_infra_container_image, registry=registry)
        self.runtime.on_exit = self._on_container_exit
        self.node_status = NodeStatus(self.node_name, self.node_ip, rng, capacity=capacity, reserved=reserved,
                                      max_pods=max_pods, epoch=clock.epoch)
        self.lease = NodeLease(api, clock, self.node_name, node_lease_duration_seconds)
        self.backoff = Backoff()  # containers (CrashLoopBackOff)
        self.image_backoff = Backoff()  # image pulls (ImagePullBackOff), kubelet.go: the same 10 s to 300 s
        self.workers: dict[str, PodWorker] = {}  # pod UID -> worker
        self.static_pod_errors: dict[str, str] = {}  # manifest path -> why it was skipped (the kubelet's log)
        self._static: dict[str, tuple[str, PodWorker]] = {}  # manifest path -> (its text, its pod's worker)
        self._timers: list[Timer] = []
        self._watch: Any = None
        self._started_at = 0.0
        self._last_report = float("-inf")
        self.running = False

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start (or, after ``stop()``, reboot) the kubelet."""
        if self.running:
            return
        self.running, self._started_at = True, self.clock.now
        self.event(self._node_ref(), events.NORMAL, events.STARTING, events.STARTING_KUBELET)
        self.lease.start()
        first = FIRST_REGISTRATION_SECONDS
        self._timers.append(self.clock.schedule(first, self._register, first))
        if self.static_pod_manifests is not None:
            self._check_manifests()  # read at once to speed up startup, then every fileCheckFrequency
            self._timers.append(self.clock.call_every(self.file_check_frequency, self._check_manifests))
        self._watch = self.api.list_and_watch("pods", self._on_pod,
                                              field_selector=f"spec.nodeName={self.node_name}")

    def stop(self) -> None:
        """The node dies: heartbeats stop and every container with it. The API objects stay."""
        if not self.running:
            return
        self.running = False
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._watch.cancel()
        self.lease.stop()
        for worker in list(self.workers.values()):
            self.forget(worker)
        self._static.clear()
        self.runtime.power_off()
        self._last_report = float("-inf")

    # --- registration and node status ----------------------------------------------------

    def _node_ref(self) -> dict:
        """Node events name the node with its name as UID, as the kubelet's nodeRef does."""
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": self.node_name, "uid": self.node_name}}

    def _register(self, step: float) -> None:
        node, transitions = self.node_status.initial_node(
            labels=self.labels, taints=self.taints, pod_cidr=self.pod_cidr, now=self.clock.now,
            images=self.runtime.images.images())
        try:
            self.api.create(node)
        except StatusError as exc:
            if exc.code != 409:  # "Unable to register node with API server": try again later
                step = min(2 * step, MAX_REGISTRATION_SECONDS)
                self._timers.append(self.clock.schedule(step, self._register, step))
                return
            self._update_status()  # "Node was previously registered"
        else:
            self._last_report = self.clock.now
            self._node_events(transitions)
            self.event(self._node_ref(), events.NORMAL, events.NODE_ALLOCATABLE_ENFORCED,
                       events.ALLOCATABLE_ENFORCED)
        self._timers.append(self.clock.call_every(self.node_status_update_frequency, self._update_status))

    def _update_status(self) -> None:
        """tryUpdateNodeStatus: write when something changed or the report is due."""
        try:
            node = self.api.get("nodes", self.node_name)
        except StatusError:
            return  # deleted: a kubelet registers only once per start
        old = node.get("status") or {}
        status, transitions = self.node_status.status(old, self.clock.now, self.runtime.images.images())
        due = self.clock.now - self._last_report >= self.node_status_report_frequency - 1e-9
        if not due and not status_changed(old, status):
            return
        try:
            self.api.update_status({**node, "status": status})
        except StatusError:
            return
        self._last_report = self.clock.now
        self._node_events(transitions)

    def _node_events(self, transitions: list[str]) -> None:
        for transition in transitions:
            self.event(self._node_ref(), events.NORMAL, transition, events.node_status(self.node_name, transition))

    # --- pods ----------------------------------------------------------------------------

    def _on_pod(self, event_type: str, pod: dict) -> None:
        """A change to a pod bound to this node (the pod config's API source)."""
        if is_mirror(pod):
            self._on_mirror(event_type, pod)
            return
        meta = pod["metadata"]
        worker = self.workers.get(meta["uid"])
        if event_type == "DELETED":
            if worker is not None:
                worker.in_api, worker.api_pod = False, None
                worker.terminate()
        elif worker is not None:
            worker.update(pod)
        elif (pod.get("status") or {}).get("phase") in TERMINAL:
            if meta.get("deletionTimestamp"):  # finished before a reboot: nothing left to stop
                self.delete_pod(pod)
        else:
            worker = self.workers[meta["uid"]] = PodWorker(self, pod)
            worker.update(pod)
            worker.request_sync()

    def _on_mirror(self, event_type: str, mirror: dict) -> None:
        """Keep each static pod's mirror in step; delete mirrors of static pods that no longer exist."""
        meta = mirror["metadata"]
        worker = self.workers.get(meta["annotations"][CONFIG_MIRROR])
        if worker is None or not worker.static or worker.terminating:
            if event_type != "DELETED" and worker is None:
                self.delete_pod(mirror)  # deleteOrphanedMirrorPods
            return
        current = worker.api_pod
        if event_type == "DELETED":
            if current is not None and current["metadata"]["uid"] == meta["uid"]:
                worker.api_pod = None
                worker.request_sync()
            return
        if current is None or current["metadata"]["uid"] == meta["uid"]:
            worker.api_pod = mirror
            if meta.get("deletionTimestamp"):
                worker.request_sync()  # its sync replaces the mirror

    def _check_manifests(self) -> None:
        """Read the manifest directory; start, replace or stop static pods to match it."""
        source: Manifests = self.static_pod_manifests  # type: ignore[assignment]
        try:
            found = read_manifests(source)
        except OSError as exc:
            self.static_pod_errors = {str(source): f"unable to read config path: {exc}"}
            return
        for path, manifest in found.items():
            text = manifest if isinstance(manifest, str) else json.dumps(manifest, sort_keys=True, default=str)
            known = self._static.get(path)
            if known is not None and known[0] == text:
                continue
            if known is not None:
                del self._static[path]
                known[1].terminate()
            try:
                pod = static_pod(manifest, path, self.node_name, self.clock.now, self.clock.epoch)
            except K8sValueError as exc:
                self.static_pod_errors[path] = f"invalid pod: {exc}"
                continue
            self.static_pod_errors.pop(path, None)
            if pod["metadata"]["uid"] in self.workers:
                continue
            worker = self.workers[pod["metadata"]["uid"]] = PodWorker(self, pod, static=True)
            self._static[path] = (text, worker)
            worker.request_sync()
        for path in [p for p in self._static if p not in found]:
            self._static.pop(path)[1].terminate()
        for path in [p for p in self.static_pod_errors if p not in found]:
            del self.static_pod_errors[path]

    def _on_container_exit(self, container: Container) -> None:
        """The PLEG: the pod's worker syncs at the next relist."""
        worker = self.workers.get(container.sandbox.pod_uid)
        if worker is not None:
            worker.sync_at_relist()

    # --- services for pod workers -------------------------------------------------------

    def until_relist(self, after: float = 0.0) -> float:
        """Seconds to the first PLEG relist (every second since the kubelet started) later
        than ``after`` seconds from now. The sync loop's one-second ticker, which picks up
        pods whose retry is due, runs in step with it here."""
        period = round(PLEG_RELIST_PERIOD * 1e9)
        elapsed = round((self.clock.now + after - self._started_at) * 1e9)
        return after + (period - elapsed % period) / 1e9

    def up_for(self) -> float:
        """Seconds since the kubelet (re)started."""
        return self.clock.now - self._started_at

    def event(self, obj: Mapping[str, Any], type: str, reason: str, message: str) -> None:
        self.api.record_event(obj, type, reason, message, events.SOURCE, host=self.node_name)

    def delete_pod(self, pod: Mapping[str, Any]) -> None:
        """Remove a pod from the API at once (grace period 0): its containers are already gone."""
        try:
            self.api.delete("pods", pod["metadata"]["name"], pod["metadata"]["namespace"], grace_period_seconds=0)
        except StatusError:
            pass  # already gone

    def forget(self, worker: PodWorker) -> None:
        """The worker's pod has finished leaving this node."""
        worker.close()
        if self.workers.get(worker.uid) is worker:
            del self.workers[worker.uid]
        spec = worker.pod["spec"]
        for container in [*(spec.get("initContainers") or ()), *spec["containers"]]:
            self.backoff.forget(worker.backoff_key(container["name"]))
            self.image_backoff.forget(worker.image_backoff_key(container["image"]))

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Kubelet {self.node_name} {state}, {len(self.workers)} pods>"


def _node_ip(node_name: str, node_ip: str | None) -> str:
    """``--node-ip``, else the node name if it is an IP (NodeAddress setter's first two choices)."""
    candidate = node_ip if node_ip is not None else node_name
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        pass
    if node_ip is None:
        raise FieldValidationError([required(
            "nodeIP", f'node "{node_name}" is not named by an IP: give the kubelet --node-ip')])
    raise FieldValidationError([invalid("nodeIP", node_ip, "must be a valid IP address")])
