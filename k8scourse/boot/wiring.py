"""Boot: the machines of a tree, their units and the cluster's components behind them.

It gives each machine a unit per daemon whose unit file it has (and docker on each
node), builds the etcd members' Raft cluster from their etcd.conf files
(``RaftCluster.from_configs``' checks), and is where the daemons hand over to the
cluster's components (``join``, ``start_loops``) and where a learner's commands
arrive (``systemctl``, ``etcdctl``, ``logs``).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import TYPE_CHECKING, Any

from k8scourse.api.validation import is_ip
from k8scourse.clock import VirtualClock
from k8scourse.config.etcd import EtcdConfig, etcd_startup_errors
from k8scourse.config.spec import ETCD_CONF, version_tuple
from k8scourse.config.systemd import ROLE_DAEMONS
from k8scourse.etcd.raft import RaftCluster
from k8scourse.etcd.raft.cluster import MemberConfigError, MemberSettings
from k8scourse.network.flannel import FlannelNetwork

from . import flags, network_view
from .etcd_member import ETCD_VERSION, EtcdMember
from .etcdctl import Etcdctl, EtcdctlResult, member_id
from .journal import moment
from .kube_daemons import APIServerDaemon, ControlLoopDaemon, HeartbeatClient, KubeletDaemon, KubeProxyDaemon
from .machine import BootError, Machine
from .node_network import DOCKER_UNIT, DockerDaemon, FlanneldDaemon, pod_cidr
from .sockets import Sockets
from .systemctl import SystemctlResult, systemctl
from .units import Unit

if TYPE_CHECKING:
    from k8scourse.cluster import Cluster

DAEMONS = [daemon for daemons in ROLE_DAEMONS.values() for daemon in daemons] + ["docker"]
#: What runs each daemon but etcd (whose members the boot makes from the etcd.conf files).
DAEMON_TYPES: dict[str, Any] = {
    "kube-apiserver": APIServerDaemon, "kubelet": KubeletDaemon, "kube-proxy": KubeProxyDaemon,
    "kube-controller-manager": lambda boot, machine: ControlLoopDaemon(boot, machine, "kube-controller-manager"),
    "kube-scheduler": lambda boot, machine: ControlLoopDaemon(boot, machine, "kube-scheduler"),
    "flanneld": FlanneldDaemon, "docker": DockerDaemon}
FIRST_PID = 1000  # the model's first process id on each machine (pids are machine-local)


class NotBootedError(ValueError):
    """etcdctl, systemctl or logs on a cluster that was not booted from files."""


class Boot:
    """The machines of a booted cluster and the glue between their units and the cluster."""

    def __init__(self, cluster: Cluster, machines: dict[str, Machine], version: str, etcd_version: str) -> None:
        self.cluster, self.clock, self.rng = cluster, cluster.clock, cluster.rng
        self.version, self.etcd_version = version, etcd_version
        self.machines = machines
        self.sockets = Sockets({name: m.address for name, m in machines.items()})
        self.network = FlannelNetwork(clock=self.clock)
        self.network.rng = self.rng
        self.etcd: dict[str, EtcdMember] = {}
        self.raft: RaftCluster | None = None
        self.raft_names: dict[str, str] = {}  # member ID -> the Raft model's name for it (Boot._build_raft)
        self._view: EtcdMember | None = None  # the member whose ETCD_INITIAL_CLUSTER most members share
        self.flannel: dict[str, FlanneldDaemon] = {}
        self._pod_network = network_view.PodNetworkView(self)
        self._loops: set[str] = set()
        #: leader election locks: kube-scheduler or kube-controller-manager -> the pid of the process
        #: that holds it (its identity), until it expires or is given up
        self.lock_holders: dict[str, int] = {}
        self._sync_pending = False
        self._raft_seen = 0  # how many of the Raft model's log lines the journals have
        self.nodes: dict[str, str] = {}  # machine -> the Node its kubelet registered
        self.transcript: list[tuple[str, str, str]] = []  # (machine, command, what it printed): systemctl, etcdctl
        self._pids = {name: FIRST_PID for name in machines}
        for machine in machines.values():
            self._install(machine)
        self._build_raft()

    # -- building --

    def _next_pid(self, machine: str) -> int:
        self._pids[machine] += 1 + self.rng.randrange(8)  # other processes take pids in between
        return self._pids[machine]

    def _install(self, machine: Machine) -> None:
        if machine.unit_file("etcd"):  # without its etcd.conf too: the unit's start says what etcd does then
            try:
                self.etcd[machine.name] = EtcdMember(self, machine)
            except ValueError as exc:
                raise BootError(f"{machine.name}:{ETCD_CONF}: {exc}") from None
        for daemon in DAEMONS:
            found = machine.unit_file(daemon)
            if daemon == "docker" and machine.unit_file("kubelet"):
                found = found or ("/usr/lib/systemd/system/docker.service", DOCKER_UNIT)
            if found is None:
                continue
            process: Any = self.etcd[machine.name] if daemon == "etcd" else DAEMON_TYPES[daemon](self, machine)
            if daemon == "flanneld":
                self.flannel[machine.name] = process
            if daemon in ("flanneld", "docker") and machine.name not in self.network.hosts:
                self.network.add_host(machine.name, f"{machine.address}/24")
                self.network.hosts[machine.name].files = machine.files  # the same files: subnet.env lands there
            machine.units[daemon] = Unit(daemon, found[0], found[1], machine.journal, self.clock,
                                         self._runner(process, machine, daemon),
                                         lambda m=machine.name: self._next_pid(m))

    def _runner(self, process: Any, machine: Machine, daemon: str):
        def run(unit: Unit) -> None:
            try:
                flags.environment(unit.text, machine.files, unit.path, warn=unit.systemd_log)
            except flags.MissingEnvironmentFile as exc:
                unit.cannot_run(exc.path, str(exc))
                return
            if daemon == "kubelet" and "docker" in machine.units:  # Requires=docker.service
                machine.units["docker"].start()
            process.start(unit)
        return run

    def _build_raft(self) -> None:
        """The Raft cluster the etcd.conf files describe: the members that etcd would start with and that
        agree with each other (``RaftCluster.from_configs``' checks), plus every other member their
        ETCD_INITIAL_CLUSTER names, with etcd's defaults, so that a member whose file is repaired later can
        still join. Every member is down until its unit starts; each start checks its file again.

        etcd knows a member by its ID (from its peer URLs), not by its name: the model names each member
        as the most members' files name its URLs (``raft_names``), so that a member whose file calls it
        by another member's name is still the member its URLs make it, as on real etcd."""
        members = [m for m in self.etcd.values() if m.has_file and not etcd_startup_errors(m.config)]
        views = Counter(member.cluster_id for member in members)
        members.sort(key=lambda m: -views[m.cluster_id])  # most members' view first
        if not members:
            return
        view = self._view = members[0]
        self.raft_names = {member_id(urls, view.token): name for name, urls in view.config.initial_cluster().items()}
        configs = {member.machine.name: self._as_raft_reads_it(member) for member in members}
        while configs:
            try:  # etcd's own checks, on a clock of their own: nothing of this trial runs on the cluster's
                RaftCluster.from_configs(configs, clock=VirtualClock())
                break
            except MemberConfigError as exc:
                del configs[str(exc).partition(": ")[0]]
        if not configs:
            return
        settings = [MemberSettings.from_config(label, text) for label, text in configs.items()]
        named = {member.name for member in settings}
        settings += [MemberSettings(name, settings[0].peers) for name in settings[0].peers if name not in named]
        self.raft = RaftCluster(settings, seed=self.cluster.seed, clock=self.clock)
        for name in list(self.raft.alive):
            self.raft.crash(name)
        self.raft.attach(self.cluster.etcd)
        self.cluster.etcd.v2.enabled = True  # each member says whether it serves v2 (EtcdMember.v2)

    def _as_raft_reads_it(self, member: EtcdMember) -> str:
        """``member``'s etcd.conf as the Raft model reads it: in the cluster most members' files describe
        (the same member IDs), its name and its peers' are the ones those files give their peer URLs."""
        view = self._view
        if view is None or member.cluster_id != view.cluster_id:
            return member.config.render()
        config = EtcdConfig.parse(member.config.render())
        config.file.set("ETCD_NAME", self.raft_names.get(member.id, member.name))
        config.file.set("ETCD_INITIAL_CLUSTER", view.config.get("ETCD_INITIAL_CLUSTER"))
        return config.render()

    # -- what the daemons hand over to the cluster --

    def start_loops(self, daemon: str) -> None:
        """kube-scheduler or kube-controller-manager took its lock: the cluster's loops run (a new process
        each time the unit starts, listing everything afresh)."""
        self._loops.add(daemon)
        if daemon == "kube-scheduler":
            self.cluster.start_scheduler()
        else:
            self.cluster.start_controller_manager()

    def stop_loops(self, daemon: str) -> None:
        """Its process ended (stopped, or exited when it lost its lock): its loops end with it."""
        if daemon == "kube-scheduler":
            self.cluster.stop_scheduler()
        else:
            self.cluster.stop_controller_manager()

    def has_lease(self, daemon: str) -> bool:
        """Whether kube-scheduler or kube-controller-manager took its leader election lock once (it is
        in the store from then on)."""
        return daemon in self._loops

    def join(self, kubelet: KubeletDaemon) -> None:
        """A kubelet reached its apiserver: the node's Kubelet (and its kube-proxy) join the cluster."""
        name, machine = kubelet.node_name, kubelet.machine
        node = self.cluster.kubelets.get(name)
        if node is None:
            image = kubelet.line.get("pod-infra-container-image") if kubelet.line else None
            node = self.cluster.add_node(name, node_ip=name if is_ip(name) else machine.address,
                                         pod_cidr=pod_cidr(machine, self), start=False,
                                         cluster_cidr=str(self.flannel_network() or ""),
                                         **({"pod_infra_container_image": image} if image else {}))
            node.node_status.report_version(self.version)  # the binaries the units run
        node.api = HeartbeatClient(self.cluster.api, kubelet, "status")  # this kubelet's files name its apiserver
        node.lease.api = HeartbeatClient(self.cluster.api, kubelet, "lease")
        node.start()
        self.nodes[machine.name] = name

    def leases_changed(self) -> None:
        """A flanneld wrote its lease: every flanneld's watch on the subnets sees it, once per instant
        however many leases were written in it (50 nodes starting at once is one sync, not 50)."""
        if not self._sync_pending:
            self._sync_pending = True
            self.clock.schedule(0, self._sync_leases)

    def _sync_leases(self) -> None:
        self._sync_pending = False
        self._raft_seen = 0  # how many of the Raft model's log lines the journals have
        self.network.sync()

    def pod_network(self) -> FlannelNetwork:
        """The network the files made, with the kubelets' pods on it (:mod:`.network_view`)."""
        return self._pod_network.network()

    def flannel_network(self) -> ipaddress.IPv4Network | None:
        """The pod network flanneld read from etcd (``<prefix>/config``'s Network), or None while no flanneld
        has read it (the pods are then on docker's default bridge)."""
        for daemon in self.flannel.values():
            if daemon.daemon is not None and daemon.daemon.config is not None:
                return ipaddress.ip_network(daemon.daemon.config.network)
        return None

    # -- what a learner types --

    def machine(self, name: str) -> Machine:
        if not isinstance(name, str):
            raise TypeError(f"machine: expected a machine's name or address (a string), got {type(name).__name__}")
        for machine in self.machines.values():
            if name in (machine.name, machine.address):
                return machine
        known = ", ".join(f"{m.name} ({m.address})" for m in self.machines.values())
        raise BootError(f"no machine {name!r} in this cluster (machines: {known})")

    def systemctl(self, machine_name: str, command_line: str, block: bool = True) -> SystemctlResult:
        """``systemctl`` on a machine (:mod:`.systemctl`); the boot's transcript keeps what it printed."""
        result = systemctl(self.machine(machine_name), command_line, self.clock, block)
        self.transcript.append((machine_name, f"systemctl {command_line.removeprefix('systemctl ')}", str(result)))
        return result

    def kubectl_refused(self) -> str | None:
        """kubectl runs on the master: the notes' kubectl asks localhost:8080, today's its kubeconfig's server
        (the master's apiserver). kubectl's words when nobody answers there
        (staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go), else None."""
        master = next((m for m in self.machines.values() if "kube-apiserver" in m.units), None)
        serving = [d for d in self.sockets.servers() if isinstance(d, APIServerDaemon) and d.machine is master]
        if version_tuple(self.version) < (1, 10) or master is None:
            server = "localhost:8080"
            reachable = master is not None and isinstance(self.sockets.dial(master.name, "localhost", 8080),
                                                          APIServerDaemon)
        else:
            server, reachable = f"{master.address}:{serving[0].port if serving else 6443}", bool(serving)
        if reachable:
            return None
        return f"The connection to the server {server} was refused - did you specify the right host or port?"

    @property
    def tree(self) -> dict[str, dict[str, str]]:
        """Every machine's files as they are now ({machine: {path: text}}), what the daemons wrote included
        (/run/flannel/subnet.env, /run/flannel/docker): what ``lint`` and ``doctor`` read."""
        return {name: machine.files for name, machine in self.machines.items()}

    def unit_states(self) -> dict[str, dict[str, str]]:
        """Every unit's state, ``systemctl is-active`` style: {machine: {daemon: "active"|"activating"|...}}."""
        return {name: {daemon: unit.state for daemon, unit in m.units.items()} for name, m in self.machines.items()}

    def logs(self, machine_name: str, daemon: str) -> str:
        machine = self.machine(machine_name)
        daemon = daemon.removesuffix(".service")
        if machine.name in self.flannel:
            self.flannel[machine.name].flush()
        self._flush_raft()
        return machine.journal.text(daemon)

    def _flush_raft(self) -> None:
        """Copy the Raft model's new log lines (``became candidate at term 2``...) into each member's journal,
        as etcd 3.4's raft logger prints them; the model's own notes (crashed, restarted) are not etcd's."""
        if self.raft is None:
            return
        members = {member.name: member for member in self.etcd.values()}
        for when, name, text in self.raft.events[self._raft_seen:]:
            what = text.removeprefix(f"{name} ")
            member = members.get(name)
            if member is not None and member.unit is not None and not what.startswith(("crashed", "restarted")):
                member.unit.journal.add(when, "etcd", "etcd", member.unit.pid,
                                        f"raft{moment(when):%Y/%m/%d %H:%M:%S} INFO: {member.id} {what}")
        self._raft_seen = len(self.raft.events)

    def etcdctl(self, command_line: str, machine_name: str | None, api: int | None) -> EtcdctlResult:
        if not isinstance(command_line, str):
            raise TypeError(f"etcdctl() takes a command line (a string), got {type(command_line).__name__}")
        if api not in (None, 2, 3):
            raise ValueError(f"api: etcdctl speaks API 2 or 3, not {api!r}")
        if machine_name is None:
            if not self.etcd:
                raise BootError("etcdctl: no machine runs etcd here; say where to run it: machine=...")
            machine = next(iter(self.etcd.values())).machine
        else:
            machine = self.machine(machine_name)
        tool = Etcdctl(dial=lambda url: self._etcd_at(machine, url), members=self._members,
                       took=lambda: self.rng.uniform(0.001, 0.003))
        result = tool.run(command_line, api)
        self.transcript.append((machine.name, command_line, str(result)))
        self.network.sync()  # flanneld's watch on the subnets sees what etcdctl changed
        return result

    def _etcd_at(self, machine: Machine, url: str) -> EtcdMember | None:
        server = self.sockets.dial_url(machine.name, url)
        return server if isinstance(server, EtcdMember) else None

    def _members(self) -> list[Any]:
        """The membership the members' ETCD_INITIAL_CLUSTER gives, known by ID (a member without a file
        never starts): each shows the name it published, its own ETCD_NAME."""
        view = self._view
        if view is None:
            return []
        by_id = {member.id: member for member in self.etcd.values() if member.has_file}
        return [by_id.get(member_id(urls, view.token)) or _Unstarted(member_id(urls, view.token), urls)
                for urls in view.config.initial_cluster().values()]

    @property
    def etcd_release(self) -> str:
        """The etcd binary's version, as ``etcd --version`` prints it: ``etcd_version`` to the patch
        (the course's 3.4 is 3.4.23)."""
        if self.etcd_version.count(".") >= 2:
            return self.etcd_version
        return ETCD_VERSION if self.etcd_version == "3.4" else f"{self.etcd_version}.0"


class _Unstarted:
    """A member named in ETCD_INITIAL_CLUSTER that no machine runs."""

    started = running = v2_enabled = False

    def __init__(self, id: str, peer_urls: list[str]) -> None:
        self.id, self.peer_urls, self.name, self.client_urls = id, peer_urls, "", []

    def is_leader(self) -> bool:
        return False

    def healthy(self) -> bool:
        return False
