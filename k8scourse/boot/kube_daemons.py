"""The Kubernetes daemons, each started by its unit from its machine's files.

Each one's command line is its unit's ``ExecStart`` with the EnvironmentFiles pasted
in (:mod:`.flags`), parsed as its version parses it; the apiserver it calls is its
kubeconfig's server or the notes' ``--master``/``--api-servers``; whether anyone
answers there is :mod:`.sockets`' to say. Once a daemon gets through it hands over
to the cluster's own components (``Boot.join`` for a kubelet, ``Boot.start_loops``
for the scheduler and the controller-manager), which then work as in any cluster
until the unit stops: the scheduler's and the controller-manager's loops end with
their process (``Boot.stop_loops``), and a joined kubelet's heartbeats go through
``HeartbeatClient``, so they fail while no apiserver answers where its files say.
A write needs the apiserver's etcd members to have a quorum: without one the apiserver
logs etcd's ``request timed out`` and hands it on, kubelets fail to register, and the
controller-manager and scheduler cannot take their leader election lock (or, leading,
cannot renew it within RenewDeadline and exit), as the real ones do; nothing raises.
Log lines are klog's, at the source lines the v1.31 components log them from where
known (``run.go:72`` is component-base/cli/run.go's "command failed"); the model
writes ``:0`` where it does not know the line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from k8scourse.api.errors import K8sValueError, StatusError
from k8scourse.config.modern import SafeLoader, kubeconfig_server
from k8scourse.config.spec import version_tuple
from k8scourse.etcd.raft.errors import StorageTimeoutError
from k8scourse.node.kubelet import FIRST_REGISTRATION_SECONDS, MAX_REGISTRATION_SECONDS

from . import flags
from .etcd_member import EtcdMember
from .journal import klog
from .machine import Machine
from .sockets import refused
from .units import Unit

if TYPE_CHECKING:
    from k8scourse.clock import Timer

    from .wiring import Boot

STORAGE_DIAL_TIMEOUT = 20.0  # apiserver/pkg/storage/storagebackend/factory/etcd3.go: dialTimeout = 20 * time.Second
RETRY_PERIOD = 2.0  # client-go leaderelection: RetryPeriod 2 s (component-base/config/v1alpha1/defaults.go)
LEASE_DURATION = 15.0  # client-go leaderelection: LeaseDuration 15 s (component-base/config/v1alpha1/defaults.go)
RENEW_DEADLINE = 10.0  # client-go leaderelection: RenewDeadline 10 s (component-base/config/v1alpha1/defaults.go)
#: What a leader does when it cannot renew its lease by the deadline: it exits 1 (OnStoppedLeading in
#: cmd/kube-controller-manager/app/controllermanager.go and cmd/kube-scheduler/app/server.go).
LEADERSHIP_LOST = {"kube-controller-manager": ("controllermanager.go:0", '"leaderelection lost"'),
                   "kube-scheduler": ("server.go:0", '"Leaderelection lost"')}
NODE_STATUS_UPDATE_RETRY = 5  # pkg/kubelet/kubelet.go nodeStatusUpdateRetry
LEASE_UPDATE_RETRIES = 5  # component-helpers/apimachinery/lease/controller.go maxUpdateRetries
FIRST_LEASE_RETRY, MAX_LEASE_RETRY = 0.1, 7.0  # backoffEnsureLease: sleep doubles from 100 ms, up to maxBackoff
MAX_CLIENT_BACKOFF = 30.0  # the model's cap on how often a waiting client logs its failure
#: Every admission plugin a v1.31 apiserver knows (pkg/kubeapiserver/options/plugins.go AllOrderedPlugins).
V1_31_ADMISSION_PLUGINS = frozenset({
    "AlwaysAdmit", "NamespaceAutoProvision", "NamespaceLifecycle", "NamespaceExists",
    "LimitPodHardAntiAffinityTopology", "LimitRanger", "ServiceAccount", "NodeRestriction", "TaintNodesByCondition",
    "AlwaysPullImages", "ImagePolicyWebhook", "PodSecurity", "PodNodeSelector", "Priority",
    "DefaultTolerationSeconds", "PodTolerationRestriction", "EventRateLimit", "ExtendedResourceToleration",
    "DefaultStorageClass", "StorageObjectInUseProtection", "OwnerReferencesPermissionEnforcement",
    "PersistentVolumeClaimResize", "RuntimeClass", "CertificateApproval", "CertificateSigning",
    "ClusterTrustBundleAttest", "CertificateSubjectRestriction", "DefaultIngressClass", "DenyServiceExternalIPs",
    "ValidatingAdmissionPolicy", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "ResourceQuota",
    "AlwaysDeny"})


class KubeDaemon:
    """What the Kubernetes daemons share: the command line from the unit, the apiserver they talk to."""

    name = ""

    def __init__(self, boot: Boot, machine: Machine) -> None:
        self.boot, self.machine = boot, machine
        self.unit: Unit | None = None
        self.line: flags.CommandLine | None = None
        self._backoff = 1.0
        self._timer: Timer | None = None  # the process's pending retry (or renewal)

    @property
    def modern(self) -> bool:
        return version_tuple(self.boot.version) >= (1, 10)

    def log(self, level: str, source: str, message: str) -> None:
        self.unit.log(klog(level, self.boot.clock.now, self.unit.pid, source, message))

    server_flag = "master"  # the notes' flag naming the apiserver (before kubeconfigs)
    kubeconfig_error = "{}"  # how the daemon words a kubeconfig it cannot read

    def start(self, unit: Unit) -> None:
        """Parse the command line, find the apiserver, read what else the daemon reads, then ``run``."""
        self.unit, self._backoff = unit, 1.0
        self._cancel()  # a new process: the old one's pending retry is gone with it
        self.line = self.command_line(unit)
        if self.line is None:
            return
        try:
            self.url = self.server_url(self.line, self.server_flag)
            self.read_files(self.line)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            unit.blame(*self.url_source, str(exc))
            self.fail(f'"command failed" err="{_quote(str(exc))}"')
            return
        self.run(unit)

    def read_files(self, line: flags.CommandLine) -> None:
        """Read the other files the flags name; raise what the daemon would exit with."""

    def run(self, unit: Unit) -> None:
        raise NotImplementedError

    def fail(self, message: str) -> None:
        """component-base/cli/run.go: log "command failed" and exit 1."""
        self.log("E", "run.go:72", message)
        self.unit.exited(1)

    def command_line(self, unit: Unit) -> flags.CommandLine | None:
        """Parse the unit's ExecStart; on a refused flag, log what the binary prints and exit."""
        path, text = unit.path, unit.text
        sources: dict[str, str] = {}
        origins: list[str | None] = []
        argv = flags.exec_argv(text, flags.environment(text, self.machine.files, path, sources=sources), origins)
        unit.clear_blame()
        try:
            line = flags.parse(self.name, self.boot.version, argv[1:])
        except flags.FlagError as exc:
            variable = origins[exc.word + 1]
            unit.blame(sources.get(variable or "", path), variable or "ExecStart", exc.lines[-1])
            for printed in exc.lines:
                if printed.startswith('"command failed"'):
                    self.log("E", "run.go:72", printed)
                else:
                    unit.log(printed)
            unit.exited(exc.status)
            return None
        for warning in line.warnings:
            unit.log(warning)  # pflag's "Flag --x has been deprecated, ..." on stderr, before the daemon logs
        for word, variable in zip(argv[1:], origins[1:]):
            name = word.lstrip("-").partition("=")[0]
            line.origins[name] = (sources.get(variable or "", path), variable or "ExecStart")
        return line

    def source(self, flag: str) -> tuple[str, str]:
        """The file and variable that gave ``flag`` (the unit's ExecStart when no file did)."""
        return self.line.origins.get(flag) or (self.unit.path, "ExecStart")

    def server_url(self, line: flags.CommandLine, legacy_flag: str) -> str | None:
        """The apiserver this daemon calls: --kubeconfig's server, else the legacy flag (--master, --api-servers)."""
        kubeconfig = line.get("kubeconfig")
        self.url_source = self.source(legacy_flag)
        if kubeconfig:
            self.url_source = (kubeconfig, "clusters[].cluster.server")
            text = self.machine.files.get(kubeconfig)
            if text is None:
                raise FileNotFoundError(self.kubeconfig_error.format(f"stat {kubeconfig}: no such file or directory"))
            try:
                server = kubeconfig_server(text)
            except yaml.MarkedYAMLError as exc:  # client-go reads kubeconfigs with sigs.k8s.io/yaml
                line = exc.problem_mark.line + 1 if exc.problem_mark else 1
                raise ValueError(self.kubeconfig_error.format(
                    f"error loading config file \"{kubeconfig}\": yaml: line {line}: {exc.problem}")) from None
            except (ValueError, yaml.YAMLError) as exc:
                raise ValueError(self.kubeconfig_error.format(
                    f"error loading config file \"{kubeconfig}\": {exc}")) from None
            if server:
                return server
        value = line.get(legacy_flag)
        return value.split(",")[0] if value else None

    def dial_error(self, url: str, request: str, write: bool = False) -> str | None:
        """None if an apiserver answers ``url`` from this machine, else Go's error for ``request``; a
        ``write`` also needs the apiserver's etcd to commit it (:meth:`APIServerDaemon.storage_error`)."""
        server = self.boot.sockets.dial_url(self.machine.name, url)
        if isinstance(server, APIServerDaemon):
            return server.storage_error() if write else None
        target = url.rstrip("/") + request
        if self.modern:
            return f'Get "{target}": {refused(url)}'
        return f"Get {target}: {refused(url).replace('connect:', 'getsockopt:')}"

    def retry(self, callback: Any, unit: Unit) -> None:
        self._timer = self.boot.clock.schedule(self._backoff, callback, unit)
        self._backoff = min(2 * self._backoff, MAX_CLIENT_BACKOFF)

    def _cancel(self) -> None:
        """Forget the pending retry or renewal: it belonged to a process that has ended."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class APIServerDaemon(KubeDaemon):
    """kube-apiserver: serves the cluster's API on its address once it reaches an etcd member."""

    name = "kube-apiserver"

    def start(self, unit: Unit) -> None:
        self.unit, self._started = unit, self.boot.clock.now
        self._cancel()  # a new process: the old one's pending dial is gone with it
        line = self.command_line(unit)
        if line is None:
            return
        self.line = line
        if self.modern:
            self.address, port_flag = line.get("bind-address", "0.0.0.0"), "secure-port"
        else:  # v1.5: --insecure-bind-address 127.0.0.1, --insecure-port (or --port) 8080
            self.address = line.get("insecure-bind-address", line.get("address", "127.0.0.1"))
            port_flag = "insecure-port" if line.get("insecure-port") else "port"
        port = line.get(port_flag, "6443" if self.modern else "8080")
        if not port.isdigit():  # pflag's error for an int flag
            error = f'invalid argument "{port}" for "--{port_flag}" flag: strconv.ParseInt: parsing "{port}": ' \
                    "invalid syntax"
            unit.blame(*self.source(port_flag), error)
            unit.log(f'{"Error: " if self.modern else ""}{error}')
            unit.exited(1)
            return
        self.port = int(port)
        plugins = (line.get("enable-admission-plugins") or line.get("admission-control") or "").split(",")
        unknown = [p for p in plugins if p and p not in V1_31_ADMISSION_PLUGINS] if self.modern else []
        servers = [s for s in (line.get("etcd-servers") or "").split(",") if s]
        problem, flag = None, "etcd-servers"
        if not servers:
            problem = "[--etcd-servers must be specified]"
        elif unknown:
            problem, flag = f'enable-admission-plugins plugin "{unknown[0]}" is unknown', "enable-admission-plugins"
        else:
            problem = self.boot.sockets.bind_error(self.machine.name, self.address, self.port)
            flag = next((f for f in ("bind-address", "insecure-bind-address", "address") if line.get(f)), flag)
        if problem:
            unit.blame(*self.source(flag), problem)
            if self.modern:
                unit.log(f"Error: {problem}")
            else:
                self.log("F", "server.go:0", problem)
            unit.exited(1)
            return
        self.servers = servers
        unit.on_stop = lambda: self.boot.sockets.close(self)
        self._connect(unit)

    def storage_error(self) -> str | None:
        """What a write through this apiserver gets while its etcd members have no quorum: etcd's
        ``etcdserver: request timed out``, which the apiserver does not interpret: it logs it and hands it
        on as a 500 (ErrorToAPIStatus, staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/
        status.go). None while a write can commit."""
        raft = self.boot.raft
        if raft is None or raft.has_quorum():
            return None
        error = StorageTimeoutError.message
        if self.modern:  # rpctypes.EtcdError{code: codes.Unavailable (0xe)} printed with %#+v
            self.log("E", "status.go:71", '"Unhandled Error" err="apiserver received an error that is not an '
                                          'metav1.Status: rpctypes.EtcdError{code:0xe, desc:\\"' + error +
                                          '\\"}: ' + error + '" logger="UnhandledError"')
        else:
            self.log("E", "status.go:0", f"apiserver received an error that is not an unversioned.Status: {error}")
        return error

    def _connect(self, unit: Unit) -> None:
        if unit.state != "activating" or self.unit is not unit:
            return
        reached = [self.boot.sockets.dial_url(self.machine.name, url) for url in self.servers]
        if any(isinstance(m, EtcdMember) and m.running for m in reached):
            self.boot.sockets.listen(self.machine.name, self.address, self.port, self)
            if self.modern:  # Go prints the wildcard listener as [::]
                where = f"{self.address}:{self.port}" if self.address != "0.0.0.0" else f"[::]:{self.port}"
                self.log("I", "secure_serving.go:213", f'"Serving securely on {where}"')
            else:
                self.log("I", "genericapiserver.go:0", f"Serving insecurely on {self.address}:{self.port}")
            unit.clear_blame()
            unit.ready()
            return
        url = self.servers[0]
        host = urlsplit(url).netloc
        unit.blame(*self.source("etcd-servers"), f"no etcd member answers: {refused(url)}")
        if self.boot.clock.now - self._started >= STORAGE_DIAL_TIMEOUT:
            if self.modern:
                self.log("E", "run.go:72", '"command failed" err="context deadline exceeded"')
            else:
                error = refused(url).replace("connect:", "getsockopt:")
                self.log("F", "controller.go:86", "Unable to perform initial IP allocation check: unable to refresh "
                                                  "the service IP block: client: etcd cluster is unavailable or "
                                                  f"misconfigured; error #0: {error}")
            unit.exited(1)
            return
        self.log("W", "logging.go:59", f'[core] [Channel #1 SubChannel #2] grpc: addrConn.createTransport failed to '
                                       f'connect to {{Addr: "{host}", ServerName: "{host}", }}. Err: connection error: '
                                       f'desc = "transport: Error while dialing: {refused(url)}"')
        self._timer = self.boot.clock.schedule(1.0, self._connect, unit)


class ControlLoopDaemon(KubeDaemon):
    """kube-controller-manager or kube-scheduler: once the apiserver answers, the cluster's loops start."""

    def __init__(self, boot: Boot, machine: Machine, name: str) -> None:
        super().__init__(boot, machine)
        self.name = name
        self._observed: float | None = None  # when this process first read another's unexpired lock

    def run(self, unit: Unit) -> None:
        self._backoff = RETRY_PERIOD
        self._observed = None
        if self.url is None:
            self.log("W", "client_config.go:659", "Neither --kubeconfig nor --master was specified.  Using the "
                                                  "inClusterConfig.  This might not work.")
            self.fail('"command failed" err="unable to load in-cluster configuration, '
                      'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"')
            return
        self._connect(unit)

    def _connect(self, unit: Unit) -> None:
        """Leader election: get the lock (reads answer without a quorum), create it (a write), then lead."""
        if unit.state != "active" or self.unit is not unit:
            return
        lock, request = self.name, self._lock_request()
        error = self.dial_error(self.url, request)
        if error:
            self.log("E", "leaderelection.go:332", f"error retrieving resource lock kube-system/{lock}: {error}")
            unit.blame(*self.url_source, error)
            self.retry(self._connect, unit)
            return
        error = self.dial_error(self.url, request, write=True)
        if error:  # a lock a leader wrote before is there to update; the first is created
            self.log("E", "leaderelection.go:0", f"Failed to update lock: {error}" if self.boot.has_lease(lock)
                     else f"error initially creating leader election record: {error}")
            unit.blame(*self.url_source, f"the apiserver cannot write to etcd: {error}")
            self.retry(self._connect, unit)
            return
        unit.clear_blame()
        if self._held_by_another(unit):
            self._timer = self.boot.clock.schedule(RETRY_PERIOD, self._connect, unit)
            return
        self.boot.lock_holders[lock] = unit.pid
        self.log("I", "leaderelection.go:264", f"successfully acquired lease kube-system/{lock}")
        self._renewed = self.boot.clock.now
        self._timer = self.boot.clock.schedule(RETRY_PERIOD, self._renew, unit)
        unit.on_stop = self._stopped
        self.boot.start_loops(self.name)

    def _held_by_another(self, unit: Unit) -> bool:
        """client-go's tryAcquireOrRenew: a lock another process holds is taken only once it has gone
        unrenewed for LeaseDuration, counted from when this process first read it (observedTime)."""
        holder = self.boot.lock_holders.get(self.name)
        if holder is None or holder == unit.pid:
            return False
        if self._observed is None:
            self._observed = self.boot.clock.now
        return self.boot.clock.now < self._observed + LEASE_DURATION

    def _stopped(self) -> None:
        """``systemctl stop``: v1.31's kube-scheduler gives its lock up as it stops (ReleaseOnCancel: true,
        cmd/kube-scheduler/app/options/options.go), so a new one leads at once; kube-controller-manager
        does not (leaderElectAndRun, cmd/kube-controller-manager/app/controllermanager.go), nor did v1.5's."""
        if self.name == "kube-scheduler" and self.modern and \
                self.dial_error(self.url, self._lock_request(), write=True) is None:
            self.boot.lock_holders.pop(self.name, None)
        self._stop()

    def _stop(self) -> None:
        """The process ends: its lease renewals, retries and loops with it."""
        self._cancel()
        self.boot.stop_loops(self.name)

    def _lock_request(self) -> str:
        """The leader election lock: a Lease since v1.14 (an Endpoints object in the notes' v1.5)."""
        if self.modern:
            return f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{self.name}?timeout=5s"
        return f"/api/v1/namespaces/kube-system/endpoints/{self.name}"

    def _renew(self, unit: Unit) -> None:
        """The leader renews its lease every RetryPeriod; one that cannot for RenewDeadline exits."""
        if unit.state != "active" or self.unit is not unit:
            return
        error = self.dial_error(self.url, self._lock_request(), write=True)
        if error is None:
            self._renewed = self.boot.clock.now
        else:
            self.log("E", "leaderelection.go:0", f"Failed to update lock optimitically: {error}, falling back to "
                                                 "slow path")  # sic: client-go's spelling
            self.log("E", "leaderelection.go:0", f"Failed to update lock: {error}")
            if self.boot.clock.now - self._renewed >= RENEW_DEADLINE:
                unit.blame(*self.url_source, f"lost its lease: the apiserver cannot write to etcd: {error}")
                self.log("E", *LEADERSHIP_LOST[self.name])
                self._stop()
                unit.exited(1)
                return
        self._timer = self.boot.clock.schedule(RETRY_PERIOD, self._renew, unit)


class KubeletDaemon(KubeDaemon):
    """kubelet: docker first (Requires=docker.service), then registration with the apiserver its files name."""

    name = "kubelet"
    server_flag = "api-servers"
    kubeconfig_error = "failed to run Kubelet: invalid kubeconfig: {}"  # cmd/kubelet/app/server.go

    def read_files(self, line: flags.CommandLine) -> None:
        path = line.get("config")
        if path and path not in self.machine.files:
            raise FileNotFoundError(f"failed to load kubelet config file, path: {path}, error: open {path}: no "
                                    "such file or directory")
        if path and not isinstance(yaml.load(self.machine.files[path], Loader=SafeLoader), dict):
            raise ValueError(f"failed to load kubelet config file, path: {path}: not a KubeletConfiguration")
        self.node_name = (line.get("hostname-override") or self.machine.name).strip().lower()

    def run(self, unit: Unit) -> None:
        self._step = FIRST_REGISTRATION_SECONDS
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
        error = self.dial_error(self.url, "/api/v1/nodes", write=True)
        if error:
            error = error.replace("Get ", "Post ", 1)
            unit.blame(*self.url_source, f"Unable to register node with API server: {error}")
            if self.modern:
                self.log("E", "kubelet_node_status.go:95", f'"Unable to register node with API server" '
                                                           f'err="{_quote(error)}" node="{self.node_name}"')
            else:
                self.log("E", "kubelet_node_status.go:98", f'Unable to register node "{self.node_name}" with API '
                                                           f"server: {error}")
            self._step = min(2 * self._step, MAX_REGISTRATION_SECONDS)
            self._timer = self.boot.clock.schedule(self._step, self._register, unit)
            return
        try:
            self.boot.join(self)
        except K8sValueError as exc:
            self.fail(f'"command failed" err="{_quote(str(exc))}"')
            return
        unit.clear_blame()
        self.log("I", "kubelet_node_status.go:75", f'"Successfully registered node" node="{self.node_name}"'
                 if self.modern else f"Successfully registered node {self.node_name}")
        unit.on_stop = lambda: self.boot.cluster.kubelets[self.node_name].stop()


class KubeProxyDaemon(KubeDaemon):
    """kube-proxy: programs the node's rules once it reaches the apiserver and its node is known."""

    name = "kube-proxy"

    def run(self, unit: Unit) -> None:
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
            if error:
                unit.blame(*self.url_source, error)
            self.retry(self._connect, unit)
            return
        unit.clear_blame()
        proxy = self.boot.cluster.kube_proxies[name]
        cidr = self.line.get("cluster-cidr")
        if cidr:
            proxy.cluster_cidr = cidr
        proxy.start()
        unit.on_stop = proxy.stop
        self.log("I", "server.go:0", '"Using iptables Proxier"' if self.modern else "Using iptables Proxier.")


class Unreachable(StatusError):
    """The model's stand-in for a refused connection: the client's call fails, and the caller retries."""

    def __init__(self, message: str) -> None:
        super().__init__(503, "ServiceUnavailable", message)


def _interval(seconds: float) -> str:
    """Go's time.Duration: 200ms, 1.6s, 7s."""
    return f"{seconds * 1000:g}ms" if seconds < 1 else f"{seconds:g}s"


class HeartbeatClient:
    """A joined kubelet's heartbeats go to the apiserver its files name: while nobody answers there, node
    status updates (``kind="status"``) or lease renewals (``kind="lease"``) fail, and the kubelet logs why
    as v1.31's does (pkg/kubelet/kubelet_node_status.go updateNodeStatus, nodeStatusUpdateRetry = 5;
    k8s.io/component-helpers/apimachinery/lease/controller.go, maxUpdateRetries = 5). The heartbeat client's
    timeout is nodeStatusUpdateFrequency, 10 s (cmd/kubelet/app/server.go). Its other calls go through.
    (A booted kubelet runs no static pods, so the kubelet's own GETs of its Node are its status loop's.)"""

    def __init__(self, api: Any, daemon: KubeletDaemon, kind: str) -> None:
        self._api, self._daemon, self._kind = api, daemon, kind
        self._failures = 0  # lease: failed ensureLease calls in a row (backoffEnsureLease's sleep)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def _refused(self, request: str) -> str | None:
        daemon = self._daemon
        return daemon.dial_error(daemon.url, request) if daemon.url else None

    def get(self, resource: str, name: str, namespace: str | None = None, **options: Any) -> Any:
        daemon = self._daemon
        if resource == "nodes" and self._kind == "status":
            self._node_status_failed(name)
        elif resource == "leases":
            error = self._refused(f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}?timeout=10s")
            if error:
                self._failures += 1
                if daemon.modern:  # the notes' v1.5 kubelet had no node lease
                    sleep = min(FIRST_LEASE_RETRY * 2 ** self._failures, MAX_LEASE_RETRY)
                    daemon.log("E", "controller.go:145", f'"Failed to ensure lease exists, will retry" '
                                                         f'err="{_quote(error)}" interval="{_interval(sleep)}"')
                raise Unreachable(error)
        elif resource == "nodes" and self._refused(f"/api/v1/nodes/{name}"):
            raise Unreachable(f"nodes {name}: connection refused")  # the lease's owner: asked again next time
        return self._api.get(resource, name, namespace, **options)

    def update(self, obj: Any, **options: Any) -> Any:
        meta = obj["metadata"]
        if obj.get("kind") == "Lease":
            error = self._refused(f"/apis/coordination.k8s.io/v1/namespaces/{meta['namespace']}/leases/"
                                  f"{meta['name']}?timeout=10s")
            if error:
                if self._daemon.modern:
                    error = error.replace("Get ", "Put ", 1)
                    for _ in range(LEASE_UPDATE_RETRIES):
                        self._daemon.log("E", "controller.go:0", f'"Failed to update lease" err="{_quote(error)}"')
                    self._daemon.log("I", "controller.go:0", '"failed to update lease using latest lease, fallback '
                                     f'to ensure lease" err="failed {LEASE_UPDATE_RETRIES} attempts to update lease"')
                raise Unreachable(error)
            self._failures = 0
        return self._api.update(obj, **options)

    def _node_status_failed(self, name: str) -> None:
        """updateNodeStatus: five tries (the first from the apiserver's cache), each logged, then give up
        until the next sync."""
        daemon = self._daemon
        errors = [self._refused(f"/api/v1/nodes/{name}" + ("" if not daemon.modern else
                                                            "?resourceVersion=0&timeout=10s" if attempt == 0
                                                            else "?timeout=10s"))
                  for attempt in range(NODE_STATUS_UPDATE_RETRY)]
        if errors[0] is None:
            return
        for error in errors:
            if daemon.modern:
                daemon.log("E", "kubelet_node_status.go:0", f'"Error updating node status, will retry" '
                                                            f'err="error getting node \\"{name}\\": {_quote(error)}"')
            else:
                daemon.log("E", "kubelet_node_status.go:0", f'Error updating node status, will retry: error getting '
                                                            f'node "{name}": {error}')
        if daemon.modern:
            daemon.log("E", "kubelet_node_status.go:0", '"Unable to update node status" err="update node status '
                                                        'exceeds retry count"')
        else:
            daemon.log("E", "kubelet.go:0", "Unable to update node status: update node status exceeds retry count")
        raise Unreachable(errors[-1])


def _quote(text: str) -> str:
    """A value inside klog's structured ``err="..."``: quotes and newlines escaped, one line."""
    return text.replace('"', '\\"').replace("\n", "\\n")
