"""The daemons a unit runs, each reading only its own machine's files.

Every daemon is started by its :class:`~.units.Unit` (``start(unit)``), reports to
it (``ready()``, ``exited(status)``) and writes its own lines to the machine's
journal in its own format. What it connects to is decided by the URLs in its files
and who listens there (:mod:`.sockets`), never by code: a kubelet told 127.0.0.1
finds no apiserver on its node, an apiserver told an address without an etcd
fails. When a daemon gets through, it hands over to the cluster's components
(``Cluster.add_node``, ``start_scheduler``...), which then work as in any cluster.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from k8scourse.api.errors import K8sValueError
from k8scourse.config.etcd import EtcdConfig, etcd_startup_errors
from k8scourse.config.modern import SafeLoader, kubeconfig_server
from k8scourse.config.spec import ETCD_CONF, version_tuple
from k8scourse.etcd.store import Store
from k8scourse.master.admission import PLUGINS
from k8scourse.network.flanneld import SYSCONFIG, Flanneld, FlanneldFlagError
from k8scourse.network.host import DOCKER_DEFAULT_BIP
from k8scourse.node.kubelet import FIRST_REGISTRATION_SECONDS, MAX_REGISTRATION_SECONDS

from . import flags
from .etcdctl import cluster_id, member_id
from .journal import capnslog, klog, moment
from .machine import Machine
from .sockets import refused
from .units import Unit

if TYPE_CHECKING:
    from .wiring import Boot

ETCD_VERSION = "3.4.23"  # the etcd the course installs (Debian's etcd-server 3.4)
STORAGE_DIAL_TIMEOUT = 20.0  # apiserver/pkg/storage/storagebackend/factory/etcd3.go: dialTimeout = 20 * time.Second
RETRY_PERIOD = 2.0  # client-go leaderelection: RetryPeriod 2 s (component-base/config/v1alpha1/defaults.go)
MAX_CLIENT_BACKOFF = 30.0  # the model's cap on how often a waiting client logs its failure
DOCKER_UNIT = """[Unit]
Description=Docker Application Container Engine
After=network.target flanneld.service
[Service]
Type=notify
EnvironmentFile=-/run/flannel/docker
ExecStart=/usr/bin/dockerd-current $DOCKER_NETWORK_OPTIONS
Restart=on-abnormal
"""


class _V2Off:
    """The v2 API of an etcd 3.4 member started without --enable-v2: not served."""

    enabled = False


class EtcdMember:
    """One etcd member: its etcd.conf, its Raft member (the model in k8scourse/etcd/raft), its sockets."""

    def __init__(self, boot: Boot, machine: Machine, config: EtcdConfig) -> None:
        self.boot, self.machine, self.config = boot, machine, config
        self.name = config.name
        self.peer_urls = config.urls("ETCD_INITIAL_ADVERTISE_PEER_URLS")
        self.advertised = config.urls("ETCD_ADVERTISE_CLIENT_URLS")
        self.client_urls: list[str] = []  # published once it has joined
        token = config.get("ETCD_INITIAL_CLUSTER_TOKEN") or "etcd-cluster"
        self.id = member_id(self.peer_urls, token)
        enable = config.values.get("ETCD_ENABLE_V2", "").lower()  # unset: the version's default (on before 3.4)
        self.v2_enabled = enable == "true" if enable else version_tuple(boot.etcd_version) < (3, 4)
        self.store: Store = boot.cluster.etcd
        self.unit: Unit | None = None

    @property
    def v2(self) -> Any:
        return self.store.v2 if self.v2_enabled else _V2Off()

    @property
    def started(self) -> bool:
        """Published to the cluster (etcdctl member list's "started"); it stays so when the member stops."""
        return bool(self.client_urls)

    @property
    def running(self) -> bool:
        return self.unit is not None and self.unit.state in ("active", "activating") and \
            self.boot.raft is not None and self.name in self.boot.raft.alive

    def is_leader(self) -> bool:
        return self.running and self.boot.raft.leader() == self.name

    def healthy(self) -> bool:
        return self.running and self.boot.raft.has_quorum()

    def log(self, level: str, package: str, message: str) -> None:
        self.unit.log(capnslog(level, self.boot.clock.now, package, message))

    def start(self, unit: Unit) -> None:
        self.unit = unit
        self.log("I", "etcdmain", f"etcd Version: {ETCD_VERSION}")
        errors = etcd_startup_errors(self.config) or self.boot.etcd_refused.get(self.machine.name, [])
        for url in self.config.urls("ETCD_LISTEN_PEER_URLS") + self.config.urls("ETCD_LISTEN_CLIENT_URLS"):
            parts = urlsplit(url)
            bind = self.boot.sockets.bind_error(self.machine.name, parts.hostname or "", parts.port or 2379)
            if bind and not errors:
                errors = [bind]
        if errors:
            self.log("C", "etcdmain", errors[0])
            unit.exited(1)
            return
        self.log("I", "embed", f"name = {self.name}")
        ids = [member_id(urls) for urls in self.config.initial_cluster().values()]
        self.log("I", "etcdserver", f"starting member {self.id} in cluster {cluster_id(ids)}")
        for url in self.config.urls("ETCD_LISTEN_CLIENT_URLS"):
            parts = urlsplit(url)
            self.boot.sockets.listen(self.machine.name, parts.hostname or "", parts.port or 2379, self)
        self.boot.raft.restart(self.name)
        unit.on_stop = self.stop
        self._wait_ready(unit)

    def _wait_ready(self, unit: Unit) -> None:
        """etcdmain notifies systemd once the member has published itself, which takes a leader."""
        if unit.state != "activating" or self.unit is not unit:
            return
        if self.boot.raft.has_quorum():
            self.client_urls = list(self.advertised)
            ids = [member_id(urls) for urls in self.config.initial_cluster().values()]
            self.log("I", "etcdserver", f"published {{Name:{self.name} ClientURLs:[{' '.join(self.advertised)}]}} "
                                        f"to cluster {cluster_id(ids)}")
            self.log("I", "embed", "ready to serve client requests")
            for url in self.config.urls("ETCD_LISTEN_CLIENT_URLS"):
                if urlsplit(url).scheme == "http":
                    self.log("N", "embed", f"serving insecure client requests on {urlsplit(url).netloc}, "
                                           "this is strongly discouraged!")
            unit.ready()
            return
        self.boot.clock.schedule(0.1, self._wait_ready, unit)

    def stop(self) -> None:
        self.boot.sockets.close(self)
        if self.boot.raft is not None and self.name in self.boot.raft.members:
            self.boot.raft.crash(self.name)


class KubeDaemon:
    """What the Kubernetes daemons share: the command line from the unit, the apiserver they talk to."""

    name = ""
    source = "server.go:0"

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine
        self.unit: Unit | None = None
        self.line: flags.CommandLine | None = None
        self._backoff = 1.0

    @property
    def modern(self) -> bool:
        return version_tuple(self.boot.version) >= (1, 10)

    def log(self, level: str, source: str, message: str) -> None:
        self.unit.log(klog(level, self.boot.clock.now, self.unit.pid, source, message))

    def command_line(self, unit: Unit) -> flags.CommandLine | None:
        """Parse the unit's ExecStart; on a refused flag, log what the binary prints and exit."""
        path, text = self.machine.unit_file(self.name)
        env = flags.environment(text, self.machine.files, path)
        argv = flags.exec_argv(text, env)
        try:
            line = flags.parse(self.name, self.boot.version, argv[1:])
        except flags.FlagError as exc:
            for printed in exc.lines:
                if printed.startswith('"command failed"'):
                    self.log("E", "run.go:72", printed)
                else:
                    unit.log(printed)
            unit.exited(exc.status)
            return None
        return line

    def server_url(self, line: flags.CommandLine, legacy_flag: str) -> str | None:
        """The apiserver this daemon calls: --kubeconfig's server, else the legacy flag (--master, --api-servers)."""
        kubeconfig = line.get("kubeconfig")
        if kubeconfig:
            text = self.machine.files.get(kubeconfig)
            if text is None:
                raise FileNotFoundError(f"stat {kubeconfig}: no such file or directory")
            try:
                server = kubeconfig_server(text)
            except (ValueError, yaml.YAMLError) as exc:
                raise ValueError(f"{kubeconfig}: {exc}") from None
            if server:
                return server
        value = line.get(legacy_flag)
        return value.split(",")[0] if value else None

    def dial_error(self, url: str, request: str) -> str | None:
        """None if an apiserver answers ``url`` from this machine, else Go's error for ``request``."""
        if isinstance(self.boot.sockets.dial_url(self.machine.name, url), APIServerDaemon):
            return None
        target = url.rstrip("/") + request
        if self.modern:
            return f'Get "{target}": {refused(url)}'
        return f"Get {target}: {refused(url).replace('connect:', 'getsockopt:')}"

    def retry(self, callback: Any, unit: Unit) -> None:
        self.boot.clock.schedule(self._backoff, callback, unit)
        self._backoff = min(2 * self._backoff, MAX_CLIENT_BACKOFF)


class APIServerDaemon(KubeDaemon):
    """kube-apiserver: serves the cluster's API on its address once it reaches an etcd member."""

    name = "kube-apiserver"

    def start(self, unit: Unit) -> None:
        self.unit, self._started = unit, self.boot.clock.now
        line = self.command_line(unit)
        if line is None:
            return
        self.line = line
        if self.modern:
            self.address, self.port = line.get("bind-address", "0.0.0.0"), int(line.get("secure-port", "6443"))
        else:  # v1.5: --insecure-bind-address 127.0.0.1, --insecure-port (or --port) 8080
            self.address = line.get("insecure-bind-address", line.get("address", "127.0.0.1"))
            self.port = int(line.get("insecure-port", line.get("port", "8080")))
        plugins = (line.get("enable-admission-plugins") or line.get("admission-control") or "").split(",")
        unknown = [p for p in plugins if p and p not in PLUGINS and p not in ("NamespaceExists", "SecurityContextDeny")]
        servers = [s for s in (line.get("etcd-servers") or "").split(",") if s]
        problem = None
        if not servers:
            problem = "[--etcd-servers must be specified]"
        elif unknown:
            problem = f'enable-admission-plugins plugin "{unknown[0]}" is unknown'
        else:
            problem = self.boot.sockets.bind_error(self.machine.name, self.address, self.port)
        if problem:
            if self.modern:
                unit.log(f"Error: {problem}")
            else:
                self.log("F", "server.go:0", problem)
            unit.exited(1)
            return
        self.servers = servers
        unit.on_stop = lambda: self.boot.sockets.close(self)
        self._connect(unit)

    def _connect(self, unit: Unit) -> None:
        if unit.state != "activating" or self.unit is not unit:
            return
        reached = [self.boot.sockets.dial_url(self.machine.name, url) for url in self.servers]
        if any(isinstance(m, EtcdMember) and m.running for m in reached):
            self.boot.sockets.listen(self.machine.name, self.address, self.port, self)
            where = f"{self.address}:{self.port}" if self.address != "0.0.0.0" else f"[::]:{self.port}"
            if self.modern:
                self.log("I", "secure_serving.go:213", f'"Serving securely on {where}"')
            else:
                self.log("I", "genericapiserver.go:0", f"Serving insecurely on {where}")
            unit.ready()
            return
        url = self.servers[0]
        host = urlsplit(url).netloc
        if self.boot.clock.now - self._started >= STORAGE_DIAL_TIMEOUT:
            if self.modern:
                self.log("E", "run.go:72", '"command failed" err="context deadline exceeded"')
            else:
                self.log("F", "controller.go:86", "Unable to perform initial IP allocation check: unable to refresh "
                                                  "the service IP block: client: etcd cluster is unavailable or "
                                                  f"misconfigured; error #0: {refused(url).replace('connect:', 'getsockopt:')}")
            unit.exited(1)
            return
        self.log("W", "logging.go:59", f'[core] [Channel #1 SubChannel #2] grpc: addrConn.createTransport failed to '
                                       f'connect to {{Addr: "{host}", ServerName: "{host}", }}. Err: connection error: '
                                       f'desc = "transport: Error while dialing: {refused(url)}"')
        self.boot.clock.schedule(1.0, self._connect, unit)


class ControlLoopDaemon(KubeDaemon):
    """kube-controller-manager or kube-scheduler: once the apiserver answers, the cluster's loops start."""

    def __init__(self, boot: Boot, machine: Machine, name: str) -> None:
        super().__init__(boot, machine)
        self.name = name

    def start(self, unit: Unit) -> None:
        self.unit, self._backoff = unit, RETRY_PERIOD
        line = self.command_line(unit)
        if line is None:
            return
        try:
            self.url = self.server_url(line, "master")
        except (OSError, ValueError) as exc:
            self.log("E", "run.go:72", f'"command failed" err="{exc}"')
            unit.exited(1)
            return
        if self.url is None:
            self.log("W", "client_config.go:659", "Neither --kubeconfig nor --master was specified.  Using the "
                                                  "inClusterConfig.  This might not work.")
            self.log("E", "run.go:72", '"command failed" err="unable to load in-cluster configuration, '
                                       'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"')
            unit.exited(1)
            return
        self._connect(unit)

    def _connect(self, unit: Unit) -> None:
        if unit.state != "active" or self.unit is not unit:
            return
        lock = self.name
        request = f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{lock}?timeout=5s" if self.modern \
            else f"/api/v1/namespaces/kube-system/endpoints/{lock}"
        error = self.dial_error(self.url, request)
        if error:
            self.log("E", "leaderelection.go:332", f"error retrieving resource lock kube-system/{lock}: {error}")
            self.retry(self._connect, unit)
            return
        self.log("I", "leaderelection.go:264", f"successfully acquired lease kube-system/{lock}")
        self.boot.start_loops(self.name)


class KubeletDaemon(KubeDaemon):
    """kubelet: docker first (Requires=docker.service), then registration with the apiserver its files name."""

    name = "kubelet"

    def start(self, unit: Unit) -> None:
        self.unit, self._step = unit, FIRST_REGISTRATION_SECONDS
        line = self.command_line(unit)
        if line is None:
            return
        try:
            self.url = self.server_url(line, "api-servers")
            config_path = line.get("config")
            if config_path and config_path not in self.machine.files:
                raise FileNotFoundError(f"failed to load kubelet config file, path: {config_path}, error: open "
                                        f"{config_path}: no such file or directory")
            if config_path:
                config = yaml.load(self.machine.files[config_path], Loader=SafeLoader)
                if not isinstance(config, dict):
                    raise ValueError(f"failed to load kubelet config file, path: {config_path}: not a "
                                     "KubeletConfiguration mapping")
        except (OSError, ValueError, yaml.YAMLError) as exc:
            self.log("E", "run.go:72", f'"command failed" err="{exc}"')
            unit.exited(1)
            return
        self.node_name = (line.get("hostname-override") or self.machine.name).strip().lower()
        if self.url is None:
            self.log("I", "kubelet.go:0", "No API server defined - no node status update will be sent")
            return
        self._register(unit)

    def _register(self, unit: Unit) -> None:
        if unit.state != "active" or self.unit is not unit:
            return
        if self.modern:
            self.log("I", "kubelet_node_status.go:72", f'"Attempting to register node" node="{self.node_name}"')
        else:
            self.log("I", "kubelet_node_status.go:74", f"Attempting to register node {self.node_name}")
        error = self.dial_error(self.url, "/api/v1/nodes")
        if error:
            error = error.replace("Get ", "Post ", 1)
            if self.modern:
                self.log("E", "kubelet_node_status.go:95", f'"Unable to register node with API server" '
                                                           f'err="{_quote(error)}" node="{self.node_name}"')
            else:
                self.log("E", "kubelet_node_status.go:98", f'Unable to register node "{self.node_name}" with API '
                                                           f"server: {error}")
            self._step = min(2 * self._step, MAX_REGISTRATION_SECONDS)
            self.boot.clock.schedule(self._step, self._register, unit)
            return
        try:
            self.boot.join(self)
        except K8sValueError as exc:
            self.log("E", "run.go:72", f'"command failed" err="{exc}"')
            unit.exited(1)
            return
        self.log("I", "kubelet_node_status.go:75", f'"Successfully registered node" node="{self.node_name}"'
                 if self.modern else f"Successfully registered node {self.node_name}")
        unit.on_stop = lambda: self.boot.cluster.kubelets[self.node_name].stop()


class KubeProxyDaemon(KubeDaemon):
    """kube-proxy: programs the node's rules once it reaches the apiserver and its node is known."""

    name = "kube-proxy"

    def start(self, unit: Unit) -> None:
        self.unit, self._backoff = unit, 1.0
        line = self.command_line(unit)
        if line is None:
            return
        self.line = line
        try:
            self.url = self.server_url(line, "master")
        except (OSError, ValueError) as exc:
            self.log("E", "run.go:72", f'"command failed" err="{exc}"')
            unit.exited(1)
            return
        self._connect(unit)

    def _connect(self, unit: Unit) -> None:
        if unit.state != "active" or self.unit is not unit:
            return
        # The model's kube-proxy serves the Node its machine's kubelet registered (whatever its name).
        name = self.boot.nodes.get(self.machine.name) or (self.line.get("hostname-override") or
                                                          self.machine.name).strip().lower()
        error = self.dial_error(self.url or "http://localhost:8080", f"/api/v1/nodes/{name}")
        if error or name not in self.boot.cluster.kube_proxies:
            reason = error or f'nodes "{name}" not found'
            self.log("E", "node.go:0", f'"Failed to retrieve node info" err="{_quote(reason)}"' if self.modern
                     else f"Failed to retrieve node info: {reason}")
            self.retry(self._connect, unit)
            return
        proxy = self.boot.cluster.kube_proxies[name]
        cidr = self.line.get("cluster-cidr")
        if cidr:
            proxy.cluster_cidr = cidr
        proxy.start()
        unit.on_stop = proxy.stop
        self.log("I", "server.go:0", '"Using iptables Proxier"' if self.modern else "Using iptables Proxier.")


class FlanneldDaemon:
    """flanneld from /etc/sysconfig/flanneld (k8scourse/network/flanneld.py), on the machine's flannel host."""

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine
        self.daemon: Flanneld | None = None
        self.unit: Unit | None = None
        self._seen = 0

    def start(self, unit: Unit) -> None:
        self.flush()
        self.unit, self._seen = unit, 0
        host = self.boot.network.hosts[self.machine.name]
        try:
            daemon = Flanneld(self.machine.name, host.eth.ip, self.machine.files[SYSCONFIG],
                              _EtcdDialer(self.boot, self.machine), self.machine.files, self.boot.clock,
                              self.boot.rng, on_change=self.boot.network.sync)
        except FlanneldFlagError as exc:
            unit.log(str(exc).split(": ", 2)[-1])
            unit.exited(2)
            return
        self.daemon = host.flanneld = daemon
        unit.on_stop = daemon.stop
        daemon.start()
        self._watch(unit)

    def _watch(self, unit: Unit) -> None:
        if self.unit is not unit or unit.state not in ("active", "activating") or self.daemon is None:
            return
        self.flush()
        if self.daemon.state == "running":
            unit.ready()
        elif self.daemon.state == "failed":
            unit.exited(1)
            return
        self.boot.clock.schedule(1.0, self._watch, unit)

    def flush(self) -> None:
        """Copy flanneld's new log lines into the journal (glog's format)."""
        if self.daemon is None or self.unit is None:
            return
        for when, level, message in self.daemon.log[self._seen:]:
            self.machine.journal.add(when, "flanneld", "flanneld", self.unit.pid,
                                     klog(level, when, self.unit.pid, "main.go", message))
        self._seen = len(self.daemon.log)


class DockerDaemon:
    """docker: its bridge from /run/flannel/docker (mk-docker-opts.sh's), else its default 172.17.0.1/16."""

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine

    def start(self, unit: Unit) -> None:
        host = self.boot.network.hosts[self.machine.name]
        bridge = host.start_docker()
        stamp = f"time=\"{_docker_time(self.boot.clock.now)}\""
        if bridge.address == DOCKER_DEFAULT_BIP:
            unit.log(f'{stamp} level=info msg="Default bridge (docker0) is assigned with an IP address '
                     f'{DOCKER_DEFAULT_BIP.network}. Daemon option --bip can be used to set a preferred IP address"')
        unit.log(f'{stamp} level=info msg="API listen on /var/run/docker.sock"')
        unit.ready()


class _EtcdDialer:
    """flanneld's view of etcd from its machine: ``get(url)`` is the member answering there, or None."""

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine

    def get(self, url: str) -> EtcdMember | None:
        member = self.boot.sockets.dial_url(self.machine.name, url)
        return member if isinstance(member, EtcdMember) and member.running else None


def _quote(text: str) -> str:
    return text.replace('"', '\\"')


def _docker_time(seconds: float) -> str:
    return f"{moment(seconds):%Y-%m-%dT%H:%M:%S.%f}000Z"


def pod_cidr(machine: Machine, boot: Boot) -> str:
    """The node's pod range: docker's bridge network (flannel's lease, or docker's default)."""
    bridge = boot.network.hosts[machine.name].bridge
    return str((bridge.address if bridge else DOCKER_DEFAULT_BIP).network)


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
