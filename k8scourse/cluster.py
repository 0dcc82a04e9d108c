"""Cluster: a whole simulated Kubernetes on one virtual clock.

It wires the components the way a real cluster is wired, and then steps
aside: the scheduler, the controllers and every kubelet talk only to the
apiserver, and the apiserver only to etcd. ``Cluster`` just builds them,
runs the clock, and offers kubectl::

    cluster = Cluster.quickstart(nodes=3, seed=0)
    cluster.apply(manifest)         # as `kubectl apply -f` would
    cluster.run(10)                 # ten virtual seconds pass
    print(cluster.kubectl("get pods -o wide"))
"""

from __future__ import annotations

import ipaddress
import random
from datetime import datetime, timedelta
from numbers import Integral, Real
from os import PathLike
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from k8scourse.api import objects
from k8scourse.api.errors import FieldValidationError, K8sValueError, StatusError, invalid
from k8scourse.api.meta import manifest_data
from k8scourse.clock import VirtualClock
from k8scourse.etcd import Store
from k8scourse.kubectl import magics
from k8scourse.kubectl.cli import Kubectl, KubectlResult
from k8scourse.kubectl.write import three_way_patch
from k8scourse.master.admission import AdmissionChain
from k8scourse.master.apiserver import APIServer
from k8scourse.master.controllers.base import InformerFactory
from k8scourse.master.controllers.deployment import DeploymentController
from k8scourse.master.controllers.endpoints import EndpointsController
from k8scourse.master.controllers.endpointslice import EndpointSliceController
from k8scourse.master.controllers.garbagecollector import GarbageCollector
from k8scourse.master.controllers.replicaset import ReplicaSetController, replication_manager
from k8scourse.master.controllers.namespace import NamespaceController
from k8scourse.master.controllers.serviceaccounts import ServiceAccountsController
from k8scourse.master.controllers.nodelifecycle import NodeLifecycleController
from k8scourse.master.controllers.hpa import HorizontalController
from k8scourse.master.controllers.hpa.horizontal import DOWNSCALE_STABILIZATION
from k8scourse.master.controllers.hpa.replica_calculator import DEFAULT_TOLERANCE
from k8scourse.master.metrics_server import MetricsServer
from k8scourse.master.controllers.podgc import PodGCController
from k8scourse.master.controllers.tainteviction import TaintEvictionController
from k8scourse.master.process import Process
from k8scourse.master.scheduler import Scheduler
from k8scourse.load import Load
from k8scourse.node.cadvisor import CAdvisor
from k8scourse.node.images import Registry
from k8scourse.network.kube_flannel import pod_network, trace_in_cluster
from k8scourse.network.request import RequestResult, send_request
from k8scourse.network.trace import Trace
from k8scourse.node.kube_proxy import KubeProxy
from k8scourse.node.kubelet import DEFAULT_POD_INFRA_CONTAINER_IMAGE, Kubelet
from k8scourse.node.node_status import DEFAULT_MACHINE
from k8scourse import timeline
from k8scourse.timefmt import EPOCH, resolve_epoch
from k8scourse.timeline import Timeline

if TYPE_CHECKING:  # k8scourse.boot is imported when a cluster is booted from files (it costs 0.1 s)
    from k8scourse.boot import Boot
    from k8scourse.boot.etcdctl import EtcdctlResult
    from k8scourse.boot.systemctl import SystemctlResult
    from k8scourse.config.spec import ClusterSpec
    from k8scourse.server import Server

#: The seed's machines: master 192.168.197.130, nodes from .131 on. They are
#: names in a simulation only; nothing is ever sent to them.
NODE_IP_BASE = ipaddress.ip_address("192.168.197.131")
#: flannel's usual cluster network, cut into one /24 per node
#: (kube-flannel.yml's net-conf.json "Network": "10.244.0.0/16", SubnetLen 24).
POD_NETWORK = ipaddress.ip_network("10.244.0.0/16")

Manifest = Mapping[str, Any] | str
#: kubeadm's --service-cluster-ip-range (networking.serviceSubnet: 10.96.0.0/12).
DEFAULT_SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/12"

#: How long ``quickstart`` runs a new cluster: its nodes register and report Ready.
QUICKSTART_BOOT = 10

#: A v1.31 kubeadm cluster's admission plugins. TaintNodesByCondition taints each new Node
#: not-ready:NoSchedule; the node lifecycle controller lifts the taint once the node is Ready.
DEFAULT_ADMISSION_PLUGINS = AdmissionChain.V1_31_PLUGINS


def _expect(function: str, value: Any, types: tuple[type, ...], what: str) -> None:
    """A wrong Python type is the caller's mistake: a TypeError saying what ``function`` takes.
    A bool is no number here, though Python counts it as an int."""
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        raise TypeError(f"{function}() takes {what}, got {type(value).__name__}")


class UnknownNode(K8sValueError):
    """``fail_node``/``restore_node`` of a machine the cluster does not have."""


class WaitTimeout(TimeoutError):
    """``Cluster.wait_for`` ran out of virtual time (``kubectl wait``'s ``timed out waiting``)."""


class Cluster:
    """A master (apiserver, etcd, scheduler, controllers) and the nodes you add."""

    def __init__(self, seed: int = 0, *, admission_plugins: Iterable[str] | str = DEFAULT_ADMISSION_PLUGINS,
                 percentage_of_nodes_to_score: int = 0,
                 service_cluster_ip_range: str = DEFAULT_SERVICE_CLUSTER_IP_RANGE,
                 horizontal_pod_autoscaler_tolerance: float = DEFAULT_TOLERANCE,
                 horizontal_pod_autoscaler_downscale_stabilization: float = DOWNSCALE_STABILIZATION,
                 start: bool = True, epoch: datetime | str = EPOCH) -> None:
        """``service_cluster_ip_range`` is kube-apiserver's ``--service-cluster-ip-range``; the
        ``horizontal_pod_autoscaler_*`` options are kube-controller-manager's flags of those names.
        ``start=False`` leaves the scheduler and the controllers stopped until ``start_scheduler()``
        and ``start_controller_manager()`` (their units, in a cluster booted from files, which also
        ``stop_scheduler()`` and ``stop_controller_manager()`` when the units stop).
        ``epoch`` is the date of virtual second 0, which every timestamp counts from: by default the
        fixed 2025-01-01 (the same story prints the same dates); a timezone-aware ``datetime``, or
        ``"now"`` for the wall clock's, so that the real kubectl, which computes some ages from the
        machine's clock, shows a served cluster's ages right (``k8scourse serve`` does this)."""
        _expect("Cluster", seed, (Integral,), "an int seed (the same seed tells the same story)")
        _expect("Cluster", service_cluster_ip_range, (str,), 'a service CIDR such as "10.96.0.0/12"')
        self.seed = seed = int(seed)
        self.clock = VirtualClock(epoch)
        self.rng = random.Random(seed)
        self.etcd = Store(clock=self.clock)
        self.api = APIServer(self.etcd, self.clock, self.rng, admission_plugins,
                             service_cluster_ip_range=service_cluster_ip_range)
        self.api.bootstrap()
        self._percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self._scheduler_process = Process(self.api, self.clock)
        self.scheduler = self._new_scheduler(self._scheduler_process)
        self.informers = InformerFactory(self.api)  # the clients' (Load, metrics-server), and the first controllers'
        self.load = Load(self.informers.informer("pods"), self.clock)  # the clients' traffic: set_load()
        self.cadvisors: dict[str, CAdvisor] = {}  # each node's container counters, which metrics-server scrapes
        self.metrics_server = self._metrics_server()
        self._hpa_options = (horizontal_pod_autoscaler_tolerance, horizontal_pod_autoscaler_downscale_stabilization)
        self._controller_manager_process = Process(self.api, self.clock)
        self._controller_informers = self.informers
        self._new_controllers(self._controller_manager_process, self.informers)
        self._running: set[str] = set()  # which of kube-scheduler and kube-controller-manager run
        self._metrics_server_running = False
        self.kubelets: dict[str, Kubelet] = {}
        self.kube_proxies: dict[str, KubeProxy] = {}  # kube-proxy on each node, beside its kubelet
        self.registry = Registry()  # the images its nodes can pull; .add("myapp:1.0") publishes one
        self._kubectl = Kubectl(self.api, self.clock)
        self.boot: "Boot | None" = None  # the machines, units and journals of a cluster booted from files
        self._server: "Server | None" = None  # serve(): the cluster's API over HTTP
        if start:
            self.start_scheduler()
            self.start_controller_manager()
        self.use()  # %kubectl talks to the newest cluster

    def start_scheduler(self) -> None:
        """kube-scheduler begins to watch and bind pods; after ``stop_scheduler`` it is a new process
        that lists everything afresh."""
        if "kube-scheduler" in self._running:
            return
        if not self._scheduler_process.alive:
            self._scheduler_process = Process(self.api, self.clock)
            self.scheduler = self._new_scheduler(self._scheduler_process)
        self._running.add("kube-scheduler")
        self.scheduler.start()

    def stop_scheduler(self) -> None:
        """kube-scheduler's process ends: its watches, its queue and its timers with it (new pods stay
        Pending until ``start_scheduler``)."""
        if "kube-scheduler" not in self._running:
            return
        self._running.discard("kube-scheduler")
        self.scheduler.stop()
        self._scheduler_process.kill()

    def _new_scheduler(self, process: Process) -> Scheduler:
        return Scheduler(process.api, process.clock, self.rng,
                         percentage_of_nodes_to_score=self._percentage_of_nodes_to_score)

    def start_controller_manager(self) -> None:
        """kube-controller-manager's loops (and metrics-server) begin, and make their first sync; after
        ``stop_controller_manager`` they are a new process, with new informers that list everything afresh."""
        if "kube-controller-manager" in self._running:
            return
        if not self._controller_manager_process.alive:
            self._controller_manager_process = Process(self.api, self.clock)
            self._controller_informers = InformerFactory(self._controller_manager_process.api)
            self._new_controllers(self._controller_manager_process, self._controller_informers)
        if not self._metrics_server_running:  # it starts with the first controller-manager, and stays
            self._metrics_server_running = True
            self.metrics_server.start()
        self._running.add("kube-controller-manager")
        for controller in self.controllers:
            controller.start()
        self._controller_informers.start()
        if not self.clock.running:  # (a restarted unit's process starts from a timer: the instant runs on)
            self.clock.run(0)  # the controllers' first sync (each namespace's default ServiceAccount), as kubeadm waits

    def stop_controller_manager(self) -> None:
        """kube-controller-manager's process ends: every controller's watches, work queues and timers with
        it (metrics-server, a separate pod, runs on). Nothing reconciles until ``start_controller_manager``."""
        if "kube-controller-manager" not in self._running:
            return
        self._running.discard("kube-controller-manager")
        self._controller_manager_process.kill()
        self._controller_informers.close()
        if self._controller_informers is self.informers:  # the clients' pod cache outlives the controllers
            self.informers.informer("pods").start()

    def _new_controllers(self, process: Process, informers: InformerFactory) -> None:
        """kube-controller-manager's controllers, built on ``process``'s clock and apiserver client."""
        api, clock = process.api, process.clock
        self.hpa = self._hpa_controller(*self._hpa_options, api=api, clock=clock, informers=informers)
        self.controllers = [NamespaceController(api, clock), ServiceAccountsController(api, clock),
                            NodeLifecycleController(api, clock, informers),
                            TaintEvictionController(api, clock, informers),
                            PodGCController(api, clock, informers),
                            ReplicaSetController(api, clock, informers),
                            replication_manager(api, clock, informers),
                            DeploymentController(api, clock, informers),
                            GarbageCollector(api, clock, informers), self.hpa]
        self.controllers += [EndpointsController(api, clock, informers),
                             EndpointSliceController(api, clock, informers)]

    # --- booting from files (k8scourse/boot) ------------------------------------------

    @classmethod
    def from_files(cls, tree: Mapping[str, Mapping[str, str]] | str | PathLike, *, seed: int = 0,
                   kubernetes_version: str | None = None, etcd_version: str | None = None,
                   spec: "ClusterSpec | None" = None) -> "Cluster":
        """The machines of ``tree`` ({machine: {path: text}}, or a folder as ``k8scourse gen`` writes it),
        their daemons installed and configured by those files, none started yet: start them with
        ``systemctl``, write flannel's config with ``etcdctl``. ``kubernetes_version`` is the binaries'
        (default: the files' era: v1.5.2 for the notes' insecure-port flags, else v1.31.0), ``etcd_version``
        etcd's (default: that era's, 3.3.11 or 3.4, which decides whether v2 is on by default); ``spec``
        gives the machines' addresses (default: what their files say)."""
        from k8scourse.boot import boot_from_files
        return boot_from_files(cls, tree, seed=seed, kubernetes_version=kubernetes_version,
                               etcd_version=etcd_version, spec=spec)

    @classmethod
    def from_spec(cls, spec: "ClusterSpec", *, seed: int = 0,
                  files: Mapping[str, Mapping[str, str]] | str | PathLike | None = None,
                  kubernetes_version: str | None = None) -> "Cluster":
        """``from_files(spec.render_all())`` at the spec's versions, then the notes' manual steps: each
        etcd started, flannel's config written with ``etcdctl mk``, each machine's ``systemctl start``s.
        ``files``: boot these instead of the spec's own (a learner's repaired tree) on the spec's machines;
        ``kubernetes_version``: the binaries' (``"v1.31.0"`` runs the notes' files on today's packages)."""
        from k8scourse.boot import boot_from_spec
        return boot_from_spec(cls, spec, seed=seed, files=files, kubernetes_version=kubernetes_version)

    def etcdctl(self, command_line: str, *, machine: str | None = None, api: int | None = None) -> "EtcdctlResult":
        """etcdctl 3.4 on ``machine`` (default: the first etcd member's): v3 unless the line starts
        ``ETCDCTL_API=2`` or ``api=2``; returns what etcdctl prints, with ``.exit_code``."""
        return self._booted("etcdctl").etcdctl(command_line, machine, api)

    def systemctl(self, machine: str, command_line: str) -> "SystemctlResult":
        """``systemctl start|stop|restart|status|is-active|enable UNIT`` on ``machine`` (name or address)."""
        return self._booted("systemctl").systemctl(machine, command_line)

    def logs(self, machine: str, daemon: str) -> str:
        """``journalctl -u DAEMON`` on ``machine`` (name or address)."""
        return self._booted("logs").logs(machine, daemon)

    def _booted(self, function: str) -> "Boot":
        if self.boot is None:
            from k8scourse.boot import NotBootedError
            raise NotBootedError(f"{function}(): this cluster has no machines of its own; boot one with "
                                 "Cluster.from_files(tree) or Cluster.from_spec(spec)")
        return self.boot

    @classmethod
    def quickstart(cls, nodes: int = 3, seed: int = 0, *, cpu: str = "2", memory: str = "4Gi",
                   **options: Any) -> "Cluster":
        """A ready cluster: ``nodes`` nodes registered and Ready, nothing else running.

        ``epoch="now"`` dates the cluster so that its clock reads the wall clock's time when it is
        handed over (after its boot of ``QUICKSTART_BOOT`` virtual seconds); see ``Cluster``."""
        _expect("quickstart", nodes, (Integral,), "a number of nodes (an int)")
        if nodes < 0:
            raise FieldValidationError([invalid("nodes", nodes, "must be greater than or equal to 0")])
        if options.get("epoch") == "now":  # the boot's seconds already passed, so ages start at 0s
            options["epoch"] = resolve_epoch("now") - timedelta(seconds=QUICKSTART_BOOT)
        cluster = cls(seed, **options)
        for _ in range(nodes):
            cluster.add_node(cpu=cpu, memory=memory)
        cluster.run(QUICKSTART_BOOT)  # registration and the first status reports
        return cluster

    def add_node(self, name: str | None = None, *, cpu: str = "2", memory: str = "4Gi",
                 labels: Mapping[str, str] | None = None, taints: list[dict] | None = None,
                 static_pods: Any = None, pod_infra_container_image: str = DEFAULT_POD_INFRA_CONTAINER_IMAGE,
                 start: bool = True, node_ip: str | None = None, pod_cidr: str | None = None,
                 cluster_cidr: str = str(POD_NETWORK)) -> Kubelet:
        """Add a machine running a kubelet; it registers its Node once the clock runs.

        ``static_pods`` is the kubelet's manifest directory (path -> manifest);
        ``pod_infra_container_image`` its ``--pod-infra-container-image``; ``node_ip``, ``pod_cidr``
        and ``cluster_cidr`` (kube-proxy's ``--cluster-cidr``) default to the next seed address and /24.
        """
        _expect("add_node", name, (str, type(None)), "a node name (a string) or None")
        _expect("add_node", labels, (Mapping, type(None)), "labels as a dict of strings")
        _expect("add_node", taints, (list, tuple, type(None)), "taints as a list of dicts")
        for quantity in (cpu, memory):
            _expect("add_node", quantity, (str, Real), 'cpu and memory as quantities such as "2" or "4Gi"')
        index = len(self.kubelets) + 1
        name = name or f"node-{index}"
        if name in self.kubelets:
            raise StatusError(409, "AlreadyExists", f'nodes "{name}" already exists')
        kubelet = Kubelet(
            name, self.api, self.clock, self.rng,
            pod_cidr=pod_cidr or str(list(POD_NETWORK.subnets(new_prefix=24))[index]),
            node_ip=node_ip or str(NODE_IP_BASE + index - 1),
            capacity={**DEFAULT_MACHINE, "cpu": cpu, "memory": memory},
            labels=labels, taints=taints, static_pod_manifests=static_pods,
            pod_infra_container_image=pod_infra_container_image, registry=self.registry)
        self.kubelets[name] = kubelet
        self.api.kubelets[name] = kubelet
        self.cadvisors[name] = CAdvisor(kubelet, self.load)
        self.kube_proxies[name] = KubeProxy(name, kubelet.node_ip, self.api, self.clock, cluster_cidr)
        if start:
            kubelet.start()
            self.kube_proxies[name].start()
        return kubelet

    def _metrics_server(self) -> MetricsServer:
        """metrics-server, registered as the apiserver's metrics.k8s.io APIService."""
        pods = self.informers.informer("pods")

        def labels(namespace: str, name: str) -> dict | None:
            pod = pods.get(f"{namespace}/{name}")
            return None if pod is None else pod["metadata"].get("labels") or {}

        server = MetricsServer(self.clock, self.cadvisors, labels)
        self.api.aggregated["metrics.k8s.io"] = server
        return server

    def _hpa_controller(self, tolerance: float, window: float, *, api: Any, clock: Any,
                        informers: InformerFactory) -> HorizontalController:
        """kube-controller-manager's HPA loop with its --horizontal-pod-autoscaler-* flags."""
        _expect("Cluster", tolerance, (Real,), "horizontal_pod_autoscaler_tolerance as a number (0.1 is 10 %)")
        _expect("Cluster", window, (Real,), "horizontal_pod_autoscaler_downscale_stabilization in seconds")
        errors = [invalid(f"horizontal_pod_autoscaler_{name}", value, "must be greater than or equal to 0")
                  for name, value in (("tolerance", tolerance), ("downscale_stabilization", window)) if value < 0]
        if errors:
            raise FieldValidationError(errors)
        return HorizontalController(api, clock, informers, self.metrics_server,
                                    tolerance=float(tolerance), downscale_stabilization=float(window))

    def set_load(self, selector: str, cpu: str | int | float = "800m", namespace: str = "default") -> None:
        """Send traffic costing ``cpu`` in all to the ready pods matching ``selector``, spread evenly.

        ``cluster.set_load("app=web", cpu="800m")``; ``cpu="0"`` stops it. Each
        pod's usage is capped by its CPU limit and its node's cores; the HPA
        and ``kubectl top`` see it through metrics-server, up to a resolution late.
        """
        _expect("set_load", namespace, (str,), "a namespace string")
        self.load.set(selector, cpu, namespace)

    def fail_node(self, name: str) -> None:
        """The machine ``name`` stops, as if its power were cut: its kubelet no longer posts
        status or renews its Lease, and its containers are gone. The API objects stay; the
        node lifecycle controller marks the node NotReady after its grace period (40 s)."""
        self._machine("fail_node", name).stop()
        self.kube_proxies[name].stop()  # the machine's kube-proxy and its rules go with it

    def restore_node(self, name: str) -> None:
        """The machine ``name`` boots again: its kubelet re-registers, posts Ready, finishes
        deleting the pods deleted while it was away, and restarts the others and its static pods."""
        self._machine("restore_node", name).start()
        self.kube_proxies[name].start()

    def timeline(self, seconds: float, every: float = 1.0, namespace: str = "default") -> Timeline:
        """Run for ``seconds``, looking every ``every`` seconds; the nodes' and pods' changes
        (conditions, taints, pod status) as a :class:`~k8scourse.timeline.Timeline`."""
        return timeline.record(self, seconds, every, namespace)

    def _machine(self, function: str, name: str) -> Kubelet:
        _expect(function, name, (str,), "a node name (a string)")
        kubelet = self.kubelets.get(name)
        if kubelet is None:
            known = ", ".join(sorted(self.kubelets)) or "none"
            raise UnknownNode(f'{function}: no node named "{name}" in this cluster (its nodes: {known})')
        return kubelet

    # --- time -------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started."""
        return self.clock.now

    def run(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass; every component acts as it would."""
        _expect("run", seconds, (Real,), "a number of seconds")
        self.clock.run(seconds)

    def wait_for(self, condition: Callable[[], Any], timeout: float = 300.0, step: float = 0.5) -> float:
        """Run the clock in ``step``-second steps until ``condition()`` is true; return the seconds waited.

        ``cluster.wait_for(lambda: cluster.pod("web")["status"]["phase"] == "Running")``.
        Raises :class:`WaitTimeout` when ``timeout`` virtual seconds pass first,
        as ``kubectl wait`` gives up after its ``--timeout``.
        """
        if not callable(condition):
            raise TypeError(f"wait_for() takes a function that returns True when done, got {type(condition).__name__}")
        start = self.now
        while not condition():
            if self.now - start >= timeout:
                raise WaitTimeout(f"timed out after {timeout:g}s waiting for the condition")
            self.clock.run(step)
        return self.now - start

    # --- talking to it ----------------------------------------------------------------

    def apply(self, manifests: Manifest | Iterable[Manifest], namespace: str | None = None) -> list[dict]:
        """Create or update objects, as ``kubectl apply`` does; YAML text may hold several.

        Returns the stored objects. Bad manifests raise a ValueError that
        names the field and the rule, before anything is written.
        """
        what = "a manifest (a dict or YAML text) or a list of them"
        _expect("apply", namespace, (str, type(None)), "a namespace string or None")
        if isinstance(manifests, str):
            written = objects.documents(manifests)
        elif isinstance(manifests, Mapping):
            written = [manifests]
        else:
            if isinstance(manifests, (bytes, bytearray)) or not isinstance(manifests, Iterable):
                raise TypeError(f"apply() takes {what}, got {type(manifests).__name__}")
            written = list(manifests)
            for manifest in written:
                _expect("apply", manifest, (str, Mapping), what + " (in the list)")
        for manifest in written:  # every manifest must be valid before anything is written
            objects.load(manifest, namespace or "default")
        stored = []
        for i, manifest in enumerate(written):
            if i:  # kubectl sends one request at a time; in between, controllers react to the last one
                self.clock.run(0)  # (a new namespace gets its default ServiceAccount); no time passes
            stored.append(self._apply_one(manifest_data(manifest), namespace))
        return stored

    def _apply_one(self, manifest: dict, namespace: str | None) -> dict:
        kind = objects.kind_for(str(manifest.get("apiVersion")), str(manifest.get("kind")))
        meta = manifest.get("metadata") or {}
        try:
            current = self.api.get(kind.RESOURCE, meta.get("name", ""), meta.get("namespace") or namespace)
        except StatusError as err:
            if err.reason != "NotFound":
                raise
            return self.api.create(manifest, namespace)
        # As kubectl apply does: change what the manifest says and keep the rest (the
        # node a Pod was bound to, its status, defaults, fields set by controllers).
        patch = three_way_patch({}, manifest, current)
        return self.api.patch(kind.RESOURCE, current["metadata"]["name"], patch, current["metadata"].get("namespace"))

    def pod(self, name: str, namespace: str = "default") -> dict:
        """The stored Pod ``name``, as ``kubectl get pod NAME -o yaml`` shows it."""
        return self.api.get("pods", name, namespace)

    def events_for(self, name: str, namespace: str = "default") -> list[dict]:
        """The Events about the object ``name``, oldest first (``kubectl events --for``)."""
        events = self.api.list("events", namespace, field_selector=f"involvedObject.name={name}")
        return sorted(events, key=lambda e: (e.get("lastTimestamp") or e.get("eventTime") or "",
                                             e["metadata"]["name"]))

    def request(self, source: str, target: str) -> RequestResult:
        """Open one connection from a pod (``"ns/name"`` or ``"name"``) or a node to ``"host:port"``
        (a Service name, a ClusterIP, a pod IP, or a node's address and a node port), through
        kube-proxy's rules, and say who answered, or why no one did (never raises for that)."""
        return send_request(self, source, target)

    def trace(self, src: str, dst: str) -> Trace:
        """Follow one packet from a pod (``"ns/name"`` or ``"name"``) to a pod IP, a ClusterIP with its
        port or a Service ``"name:port"``, hop by hop through kube-proxy's rules and flannel's network:
        kube-flannel's vxlan, or on a cluster booted from files the one its files made
        (k8scourse/network/kube_flannel.py); ``str()`` of the result prints the path."""
        return trace_in_cluster(self, src, dst)

    def route_tables(self) -> str:
        """Every node's ``ip route``, each under its machine's prompt: the routes flannel programmed
        (as the files made them, for a cluster booted from files; kube-flannel's vxlan otherwise)."""
        return pod_network(self).route_tables()

    def iptables(self, node: str) -> str:
        """The rules kube-proxy wrote on ``node``, as ``iptables-save`` prints them there."""
        _expect("iptables", node, (str,), "a node name (a string)")
        if node not in self.kube_proxies:
            raise StatusError(404, "NotFound", f'nodes "{node}" not found')
        return self.kube_proxies[node].iptables_save()

    def use(self) -> "Cluster":
        """Make ``%kubectl`` talk to this cluster (a new cluster takes it over by default)."""
        magics.set_current(self._kubectl)
        return self

    def kubectl(self, command_line: str, stdin: str | None = None) -> KubectlResult:
        """Run a kubectl command line against this cluster and return what kubectl prints."""
        refused = self.boot.kubectl_refused() if self.boot is not None else None
        if refused:  # booted from files: kubectl reaches the master's apiserver only while it serves
            return KubectlResult(refused, 1)
        return self._kubectl.run(command_line, stdin)

    def __repr__(self) -> str:
        pods = len(self.etcd.range("/registry/pods/"))
        return f"<Cluster seed={self.seed} t={self.now:g}s nodes={len(self.kubelets)} pods={pods}>"

    def doctor(self, minimum: str = "warning") -> list:
        """What is wrong, where and how to fix it (a ``Diagnosis``, a list of lint ``Finding``s printed as a
        table): the linter on the files, then what the components report; k8scourse/boot/doctor.py."""
        from k8scourse.boot.doctor import doctor  # here, not at the top: the doctor is imported on first use
        return doctor(self, minimum)

    def serve(self, speed: float = 1.0, host: str = "127.0.0.1", port: int = 0, tls: bool = False) -> "Server":
        """Serve this cluster's API over HTTP on loopback, for the real ``kubectl``
        (``export KUBECONFIG=<server.kubeconfig>``); ``speed`` virtual seconds pass per real second.
        ``tls=True``: HTTPS, and only clients with the kubeconfig's certificate get in.
        The cluster keeps its epoch (its objects carry it): on the default 2025-01-01, the ages real
        kubectl computes from the machine's clock (describe's Events) read as the time since then;
        a cluster made with ``epoch="now"`` (as ``k8scourse serve`` makes it) shows them right."""
        from k8scourse.server import Server  # the HTTP server is only loaded when used

        if self._server is not None:  # a notebook cell run again replaces its server instead of racing it
            self._server.stop()
        self._server = Server(self, speed=speed, host=host, port=port, tls=tls)
        return self._server
