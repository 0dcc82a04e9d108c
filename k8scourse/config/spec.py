"""ClusterSpec: one object describing a whole cluster, and every file of it.

A spec names the machines (address and roles: ``etcd``, ``master``,
``node``), the ports, the address ranges and the versions. ``render_all()``
writes each machine's files ({machine: {path: text}}): etcd.conf, the
/etc/kubernetes files, flanneld's, the systemd units and, for v1.10 and
later, the kubeconfigs and KubeletConfiguration that replace the removed
flags. ``from_files`` reads such a tree back into a spec.

``seed_lab()`` is the notes' three machines with the notes' values,
mistakes included; ``loopback_lab()`` is the same design corrected, on
127.0.0.x so that real etcd can run it here.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from . import modern
from .etcd import EtcdConfig
from .flannel import ETCD_KEYS_DIR, NetworkConfig, config_key
from .sysconfig import SysconfigFile
from .systemd import UNITS, start_order, systemctl_steps, unit_path

ETCD_CONF = "/etc/etcd/etcd.conf"
ROLES = ("etcd", "master", "node")
SEED_VERSION = "v1.5.2"  # kubernetes-master/-node in CentOS 7 extras when the notes were written
CURRENT_VERSION = "v1.31.0"
SEED_ETCD_VERSION = "3.3.11"  # etcd in CentOS 7 extras, beside SEED_VERSION
CURRENT_ETCD_VERSION = "3.4"  # Debian's etcd-server, which the course runs for real


class SpecError(ValueError):
    """A ClusterSpec that cannot describe a cluster, or a tree that is not one."""


@dataclass(frozen=True)
class Machine:
    """One machine: its name (the folder of its files), address and roles."""

    name: str
    address: str
    roles: tuple[str, ...]
    etcd_name: str | None = None  # ETCD_NAME, for an etcd member

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", self.name):
            raise SpecError(f"machine name {self.name!r}: use letters, digits, '.', '_' and '-' (it names a folder)")
        bad = [role for role in self.roles if role not in ROLES]
        if bad:
            raise SpecError(f"machine {self.name}: unknown role {bad[0]!r}; roles are {', '.join(ROLES)}")
        object.__setattr__(self, "roles", tuple(role for role in ROLES if role in self.roles))
        try:
            ipaddress.ip_address(self.address)
        except ValueError:
            raise SpecError(f"machine {self.name}: address {self.address!r} is not an IP address") from None
        if "etcd" in self.roles and not self.etcd_name:
            raise SpecError(f"machine {self.name}: an etcd member needs an etcd_name (ETCD_NAME)")


def version_tuple(version: str) -> tuple[int, int]:
    match = re.fullmatch(r"v?(\d+)\.(\d+)(\.\d+)?", version)
    if match is None:
        raise SpecError(f"kubernetes_version {version!r}: expected vMAJOR.MINOR[.PATCH], e.g. v1.31.0")
    return int(match[1]), int(match[2])


@dataclass
class ClusterSpec:
    """Every setting the files of a cluster carry, once."""

    machines: list[Machine]
    kubernetes_version: str = CURRENT_VERSION
    etcd_version: str = CURRENT_ETCD_VERSION
    etcd_members: tuple[str, ...] = ()  # machine names in ETCD_INITIAL_CLUSTER order (default: file order)
    etcd_client_port: int = 2379
    etcd_peer_port: int = 2380
    etcd_listen_localhost: bool = False  # also listen on http://127.0.0.1:2379, as the notes do
    etcd_max_snapshots: str | None = None
    etcd_tls: bool = False
    apiserver_bind_address: str | None = None  # None: the master's own address
    apiserver_port: int = 6443
    kubelet_port: int = 10250
    kubelet_address: str | None = None  # None: each node's own address
    service_cidr: str = "10.254.0.0/16"
    pod_network: str = "10.244.0.0/16"
    flannel_backend: str = "vxlan"
    flannel_prefix: str = "/atomic.io/network"
    flannel_endpoints: tuple[str, ...] = ()  # machine names flanneld asks (default: every etcd member)
    admission_plugins: tuple[str, ...] = ("NamespaceLifecycle", "LimitRanger", "ServiceAccount", "ResourceQuota")
    pod_infra_image: str = "registry.access.redhat.com/rhel7/pod-infrastructure:latest"

    def __post_init__(self) -> None:
        version_tuple(self.kubernetes_version)
        names = [machine.name for machine in self.machines]
        if len(set(names)) != len(names):
            raise SpecError(f"machines: duplicate name {next(n for n in names if names.count(n) > 1)!r}")
        if not self.masters:
            raise SpecError("machines: no machine has the role 'master'")
        if not self.etcd_members:
            self.etcd_members = tuple(m.name for m in self.machines if "etcd" in m.roles)
        unknown = [name for name in self.etcd_members + self.flannel_endpoints if name not in names]
        if unknown:
            raise SpecError(f"no machine named {unknown[0]!r}")
        for port_field in ("etcd_client_port", "etcd_peer_port", "apiserver_port", "kubelet_port"):
            port = getattr(self, port_field)
            if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
                raise SpecError(f"{port_field}: {port!r} is not a port number (1-65535)")
        for address_field in ("apiserver_bind_address", "kubelet_address"):
            address = getattr(self, address_field)
            if address is not None:
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    raise SpecError(f"{address_field}: {address!r} is not an IP address") from None
        for cidr_field in ("service_cidr", "pod_network"):
            try:
                ipaddress.ip_network(getattr(self, cidr_field))
            except ValueError as exc:
                raise SpecError(f"{cidr_field}: {exc}") from None

    # --- presets ---------------------------------------------------------------------------------

    @classmethod
    def seed_lab(cls) -> ClusterSpec:
        """The notes' lab: 192.168.197.130 master and etcd1, .131 node and etcd3, .132 node and etcd2.

        Every value is the notes' own, mistakes included: the apiserver binds
        127.0.0.1:8080 while the kubelets call 192.168.197.130:8080; the
        service range 192.254.0.0/16 is public address space; the kubelets
        serve on 127.0.0.1; flanneld asks one etcd member. Values the notes
        leave out are the CentOS packages' (or, for flannel's network, the
        ``/atomic.io/network`` tutorials' ``172.17.0.0/16``), and so are the
        versions: CentOS 7's kubernetes 1.5.2, etcd 3.3.11 (which serves
        flannel's v2 API by default) and flannel 0.7.1.
        """
        return cls(
            machines=[Machine("master", "192.168.197.130", ("master", "etcd"), "etcd1"),
                      Machine("node1", "192.168.197.131", ("node", "etcd"), "etcd3"),
                      Machine("node2", "192.168.197.132", ("node", "etcd"), "etcd2")],
            kubernetes_version=SEED_VERSION,
            etcd_version=SEED_ETCD_VERSION,
            etcd_members=("master", "node2", "node1"),
            etcd_listen_localhost=True,
            etcd_max_snapshots="5",
            apiserver_bind_address="127.0.0.1",
            apiserver_port=8080,
            kubelet_address="127.0.0.1",
            service_cidr="192.254.0.0/16",
            pod_network="172.17.0.0/16",
            flannel_backend="udp",
            flannel_endpoints=("master",),
            admission_plugins=("NamespaceLifecycle", "NamespaceExists", "LimitRanger", "ResourceQuota"),
        )

    @classmethod
    def loopback_lab(cls, members: int = 3) -> ClusterSpec:
        """The notes' design, corrected, for v1.31, on 127.0.0.11, .12, ...: machine 1 is the master.

        Every machine is an etcd member (etcd1, etcd2, ...); the others are nodes.
        """
        if not isinstance(members, int) or not 1 <= members <= 200:
            raise SpecError(f"members: expected an int from 1 to 200, got {members!r}")
        machines = [Machine("master", "127.0.0.11", ("master", "etcd") if members > 1 else ("master", "etcd", "node"),
                            "etcd1")]
        machines += [Machine(f"node{i}", f"127.0.0.{11 + i}", ("node", "etcd"), f"etcd{i + 1}")
                     for i in range(1, members)]
        return cls(machines=machines)

    # --- derived values --------------------------------------------------------------------------

    @property
    def masters(self) -> list[Machine]:
        return [m for m in self.machines if "master" in m.roles]

    def machine(self, name: str) -> Machine:
        for machine in self.machines:
            if machine.name == name:
                return machine
        raise KeyError(name)

    def _members(self) -> list[Machine]:
        """The etcd members, in ETCD_INITIAL_CLUSTER order."""
        by_name = {machine.name: machine for machine in self.machines}
        return [by_name[name] for name in self.etcd_members]

    @property
    def legacy(self) -> bool:
        """Before v1.10 the files use the flags the notes use (insecure port, --api-servers)."""
        return version_tuple(self.kubernetes_version) < (1, 10)

    @property
    def _etcd_scheme(self) -> str:
        return "https" if self.etcd_tls else "http"

    def peer_url(self, machine: Machine) -> str:
        return f"{self._etcd_scheme}://{machine.address}:{self.etcd_peer_port}"

    def client_url(self, machine: Machine) -> str:
        return f"{self._etcd_scheme}://{machine.address}:{self.etcd_client_port}"

    def etcd_servers(self) -> list[str]:
        return [self.client_url(member) for member in self._members()]

    def apiserver_url(self) -> str:
        """Where the nodes reach the apiserver: the first master's address."""
        scheme = "http" if self.legacy else "https"
        return f"{scheme}://{self.masters[0].address}:{self.apiserver_port}"

    # --- rendering -------------------------------------------------------------------------------

    def etcd_conf(self, machine: Machine) -> EtcdConfig:
        cluster = ",".join(f"{member.etcd_name}={self.peer_url(member)}" for member in self._members())
        client_urls = self.client_url(machine) + (f",{self._etcd_scheme}://127.0.0.1:{self.etcd_client_port}"
                                                  if self.etcd_listen_localhost else "")
        settings = {
            "ETCD_LISTEN_PEER_URLS": self.peer_url(machine),
            "ETCD_LISTEN_CLIENT_URLS": client_urls,
            "ETCD_MAX_SNAPSHOTS": self.etcd_max_snapshots,
            "ETCD_NAME": machine.etcd_name,
            "ETCD_INITIAL_ADVERTISE_PEER_URLS": self.peer_url(machine),
            "ETCD_ADVERTISE_CLIENT_URLS": self.client_url(machine),
            "ETCD_INITIAL_CLUSTER": cluster,
        }
        if self.etcd_tls:
            pki = "/etc/etcd/pki"
            settings |= {"ETCD_CERT_FILE": f"{pki}/server.crt", "ETCD_KEY_FILE": f"{pki}/server.key",
                         "ETCD_CLIENT_CERT_AUTH": "true", "ETCD_TRUSTED_CA_FILE": f"{pki}/ca.crt",
                         "ETCD_PEER_CERT_FILE": f"{pki}/peer.crt", "ETCD_PEER_KEY_FILE": f"{pki}/peer.key",
                         "ETCD_PEER_CLIENT_CERT_AUTH": "true", "ETCD_PEER_TRUSTED_CA_FILE": f"{pki}/ca.crt"}
        return EtcdConfig.generate(**settings)

    def _kube_config(self, machine: Machine) -> str:
        if self.legacy:
            master = (f"http://127.0.0.1:{self.apiserver_port}" if "master" in machine.roles
                      else self.apiserver_url())
            return SysconfigFile.generate("/etc/kubernetes/config", KUBE_MASTER=f"--master={master}").render()
        return SysconfigFile.generate("/etc/kubernetes/config", KUBE_LOGTOSTDERR=None, KUBE_ALLOW_PRIV=None,
                                      KUBE_MASTER=None).render()

    def _apiserver(self, machine: Machine) -> str:
        servers = ",".join(self.etcd_servers())
        if self.legacy:
            return SysconfigFile.generate(
                "/etc/kubernetes/apiserver",
                KUBE_API_ADDRESS=f"--insecure-bind-address={self.apiserver_bind_address or machine.address}",
                KUBE_API_PORT=f"--port={self.apiserver_port}",
                KUBELET_PORT=f"--kubelet-port={self.kubelet_port}",
                KUBE_ETCD_SERVERS=f"--etcd-servers={servers}",
                KUBE_SERVICE_ADDRESSES=f"--service-cluster-ip-range={self.service_cidr}",
                KUBE_ADMISSION_CONTROL=f"--admission-control={','.join(self.admission_plugins)}",
            ).render()
        flags = modern.apiserver_flags(self.apiserver_bind_address or machine.address, self.apiserver_port,
                                       self.etcd_servers(), self.service_cidr, list(self.admission_plugins),
                                       self.etcd_tls)
        return SysconfigFile.generate(
            "/etc/kubernetes/apiserver", KUBE_API_ADDRESS=flags[0], KUBE_API_PORT=flags[1], KUBELET_PORT=None,
            KUBE_ETCD_SERVERS=flags[2], KUBE_SERVICE_ADDRESSES=flags[3], KUBE_ADMISSION_CONTROL=flags[4],
            KUBE_API_ARGS=" ".join(flags[5:]),
        ).render()

    def _component_kubeconfig(self, user: str, server: str) -> str:
        pki = modern.PKI
        return modern.kubeconfig(server, user, f"{pki}/ca.crt", f"{pki}/{user}.crt", f"{pki}/{user}.key")

    def render_machine(self, machine: Machine) -> dict[str, str]:
        """One machine's files, {path: text}."""
        files: dict[str, str] = {}
        if "etcd" in machine.roles:
            files[ETCD_CONF] = self.etcd_conf(machine).render()
            if machine.name == self.etcd_members[0]:
                network = NetworkConfig(self.pod_network, backend=self.flannel_backend)
                files[ETCD_KEYS_DIR + config_key(self.flannel_prefix)] = network.render()
        if {"master", "node"} & set(machine.roles):
            files["/etc/kubernetes/config"] = self._kube_config(machine)
        local = f"https://{self.apiserver_bind_address or machine.address}:{self.apiserver_port}"
        if "master" in machine.roles:
            files["/etc/kubernetes/apiserver"] = self._apiserver(machine)
            for daemon, path in (("kube-controller-manager", "controller-manager"), ("kube-scheduler", "scheduler")):
                args = {} if self.legacy else {
                    f"KUBE_{path.upper().replace('-', '_')}_ARGS": f"--kubeconfig=/etc/kubernetes/{daemon}.kubeconfig"}
                files[f"/etc/kubernetes/{path}"] = SysconfigFile.generate(f"/etc/kubernetes/{path}", **args).render()
                if not self.legacy:
                    files[f"/etc/kubernetes/{daemon}.kubeconfig"] = self._component_kubeconfig(daemon, local)
        if "node" in machine.roles:
            files.update(self._node_files(machine))
        for daemon in start_order(machine.roles):
            files[unit_path(daemon)] = UNITS[daemon]
        return files

    def _node_files(self, machine: Machine) -> dict[str, str]:
        files = {}
        address = self.kubelet_address or machine.address
        if self.legacy:
            files["/etc/kubernetes/kubelet"] = SysconfigFile.generate(
                "/etc/kubernetes/kubelet",
                KUBELET_ADDRESS=f"--address={address}",
                KUBELET_HOSTNAME=f"--hostname-override={machine.address}",
                KUBELET_API_SERVER=f"--api-servers={self.apiserver_url()}",
                KUBELET_POD_INFRA_CONTAINER=f"--pod-infra-container-image={self.pod_infra_image}",
            ).render()
            files["/etc/kubernetes/proxy"] = SysconfigFile.generate("/etc/kubernetes/proxy").render()
        else:
            files["/etc/kubernetes/kubelet"] = SysconfigFile.generate(
                "/etc/kubernetes/kubelet", KUBELET_ADDRESS=None,
                KUBELET_HOSTNAME=f"--hostname-override={machine.address}", KUBELET_API_SERVER=None,
                KUBELET_POD_INFRA_CONTAINER=None,
                KUBELET_ARGS=f"--config={modern.KUBELET_CONFIG} --kubeconfig=/etc/kubernetes/kubelet.kubeconfig",
            ).render()
            dns = str(ipaddress.ip_network(self.service_cidr)[10])  # kubeadm's choice: the 10th service IP
            files[modern.KUBELET_CONFIG] = modern.kubelet_configuration(address, self.kubelet_port, dns)
            files["/etc/kubernetes/kubelet.kubeconfig"] = self._component_kubeconfig("kubelet", self.apiserver_url())
            files["/etc/kubernetes/proxy"] = SysconfigFile.generate(
                "/etc/kubernetes/proxy", KUBE_PROXY_ARGS=f"--kubeconfig=/etc/kubernetes/kube-proxy.kubeconfig "
                                                         f"--cluster-cidr={self.pod_network}").render()
            files["/etc/kubernetes/kube-proxy.kubeconfig"] = self._component_kubeconfig("kube-proxy",
                                                                                        self.apiserver_url())
        endpoints = [self.machine(n) for n in self.flannel_endpoints] or self._members()
        files["/etc/sysconfig/flanneld"] = SysconfigFile.generate(
            "/etc/sysconfig/flanneld",
            FLANNEL_ETCD_ENDPOINTS=",".join(self.client_url(member) for member in endpoints),
            FLANNEL_ETCD_PREFIX=self.flannel_prefix,
        ).render()
        return files

    def render_all(self) -> dict[str, dict[str, str]]:
        """Every file of every machine: {machine name: {path: text}}."""
        return {machine.name: self.render_machine(machine) for machine in self.machines}

    def systemctl_steps(self, machine: str) -> list[str]:
        """The notes' ``systemctl start X&&systemctl enable X`` lines for one machine, in order."""
        return systemctl_steps(self.machine(machine).roles)

    def write(self, folder: str | Path) -> list[Path]:
        """Write the tree as ``folder/<machine>/etc/...``; return the files written."""
        written = []
        for machine, files in self.render_all().items():
            for path, text in files.items():
                target = Path(folder) / machine / path.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
                written.append(target)
        return written

    # --- reading back ----------------------------------------------------------------------------

    @classmethod
    def from_files(cls, tree: dict[str, dict[str, str]] | str | Path) -> ClusterSpec:
        """Read a tree written by ``render_all`` (a dict, or a folder of ``<machine>/etc/...``) back.

        The Kubernetes version is read from the flags' era: a tree with the
        insecure-port flags is the notes' v1.5.2, one without is v1.31.0.
        """
        files = read_tree(tree) if isinstance(tree, (str, Path)) else tree
        if not isinstance(files, dict) or not files or not all(isinstance(f, dict) for f in files.values()):
            raise SpecError("expected a tree {machine: {path: text}} with at least one machine")
        try:
            return _SpecReader(files).spec()
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, yaml.YAMLError) as exc:
            if isinstance(exc, SpecError):
                raise
            raise SpecError(f"the tree is not one ClusterSpec renders: {exc!r}") from None

    def with_changes(self, **changes: object) -> ClusterSpec:
        return replace(self, **changes)

    def secured(self) -> ClusterSpec:
        """The same cluster with TLS everywhere (certificates from ``tls.cluster_pki``).

        etcd serves clients and peers over https and asks for client
        certificates; a pre-v1.10 spec moves to today's packages (v1.31, whose
        apiserver serves only its secure port and whose components use
        kubeconfigs, and etcd 3.4).
        """
        changes: dict[str, object] = {"etcd_tls": True}
        if self.legacy:
            changes |= {"kubernetes_version": CURRENT_VERSION, "etcd_version": CURRENT_ETCD_VERSION,
                        "apiserver_port": 6443, "apiserver_bind_address": None}
        return self.with_changes(**changes)


def read_tree(folder: str | Path) -> dict[str, dict[str, str]]:
    """{machine: {"/etc/...": text}} from ``folder/<machine>/...``."""
    root = Path(folder)
    if not root.is_dir():
        raise SpecError(f"{folder}: not a folder")
    tree: dict[str, dict[str, str]] = {}
    for machine in sorted(p for p in root.iterdir() if p.is_dir()):
        tree[machine.name] = {"/" + str(path.relative_to(machine)): path.read_text()
                              for path in sorted(machine.rglob("*")) if path.is_file()}
    return tree


@dataclass
class _SpecReader:
    """Reverses ClusterSpec.render_all, one setting at a time."""

    files: dict[str, dict[str, str]]
    etcd: dict[str, EtcdConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.etcd = {name: EtcdConfig.parse(f[ETCD_CONF]) for name, f in self.files.items() if ETCD_CONF in f}

    def sys(self, machine: str, path: str) -> SysconfigFile | None:
        text = self.files[machine].get(path)
        return SysconfigFile.parse(path, text) if text is not None else None

    def _file(self, machine: str, path: str) -> str:
        if path not in self.files[machine]:
            raise SpecError(f"{machine}: {path} is missing")
        return self.files[machine][path]

    def _flag(self, machine: str, path: str, flag: str) -> str:
        value = SysconfigFile.parse(path, self._file(machine, path)).flag(flag)
        if value is None:
            raise SpecError(f"{machine}:{path}: no {flag}")
        return value

    def address(self, machine: str) -> str:
        if machine in self.etcd:
            return urlsplit(self.etcd[machine].urls("ETCD_INITIAL_ADVERTISE_PEER_URLS")[0]).hostname
        kubelet = self.sys(machine, "/etc/kubernetes/kubelet")
        if kubelet and kubelet.flag("--hostname-override"):
            return kubelet.flag("--hostname-override")
        apiserver = self.sys(machine, "/etc/kubernetes/apiserver")
        if apiserver and apiserver.flag("--bind-address"):
            return apiserver.flag("--bind-address")
        raise SpecError(f"{machine}: cannot tell its address (no etcd.conf, kubelet or apiserver file)")

    def spec(self) -> ClusterSpec:
        machines, by_address = [], {}
        for name, files in self.files.items():
            roles = tuple(role for role, path in (("master", "/etc/kubernetes/apiserver"), ("etcd", ETCD_CONF),
                                                  ("node", "/etc/kubernetes/kubelet")) if path in files)
            etcd_name = self.etcd[name].name if name in self.etcd else None
            machine = Machine(name, self.address(name), roles, etcd_name)
            machines.append(machine)
            by_address[machine.address] = name
        values: dict[str, object] = {}
        if self.etcd:
            first = next(iter(self.etcd.values()))
            peers = [url for urls in first.initial_cluster().values() for url in urls]
            strangers = [url for url in peers if urlsplit(url).hostname not in by_address]
            if strangers:
                raise SpecError(f"ETCD_INITIAL_CLUSTER names {strangers[0]}, no machine of the tree")
            values["etcd_members"] = tuple(by_address[urlsplit(url).hostname] for url in peers)
            values["etcd_peer_port"] = urlsplit(peers[0]).port
            values["etcd_client_port"] = urlsplit(first.urls("ETCD_ADVERTISE_CLIENT_URLS")[0]).port
            values["etcd_tls"] = peers[0].startswith("https")
            values["etcd_listen_localhost"] = any(urlsplit(u).hostname == "127.0.0.1"
                                                  for u in first.urls("ETCD_LISTEN_CLIENT_URLS"))
            values["etcd_max_snapshots"] = first.values.get("ETCD_MAX_SNAPSHOTS")
            for path, text in self.files[values["etcd_members"][0]].items():
                if path.startswith(ETCD_KEYS_DIR):
                    network = NetworkConfig.parse(text)
                    values |= {"pod_network": network.network, "flannel_backend": network.backend}
        master = next((m for m in machines if "master" in m.roles), None)
        if master is None:
            raise SpecError("no machine has /etc/kubernetes/apiserver, so none is the master")
        path = "/etc/kubernetes/apiserver"
        legacy = self.sys(master.name, path).flag("--insecure-bind-address") is not None
        values["kubernetes_version"] = SEED_VERSION if legacy else CURRENT_VERSION
        values["etcd_version"] = SEED_ETCD_VERSION if legacy else CURRENT_ETCD_VERSION  # no file names it
        bind = self._flag(master.name, path, "--insecure-bind-address" if legacy else "--bind-address")
        values["apiserver_bind_address"] = None if bind == master.address else bind
        values["apiserver_port"] = int(self._flag(master.name, path, "--port" if legacy else "--secure-port"))
        values["service_cidr"] = self._flag(master.name, path, "--service-cluster-ip-range")
        plugins = self._flag(master.name, path, "--admission-control" if legacy else "--enable-admission-plugins")
        values["admission_plugins"] = tuple(plugins.split(","))
        kubelet_port = self.sys(master.name, path).flag("--kubelet-port")
        if legacy and kubelet_port:
            values["kubelet_port"] = int(kubelet_port)
        nodes = [m for m in machines if "node" in m.roles]
        if nodes:
            values.update(self._node_values(nodes[0], legacy, by_address, values.get("etcd_members", ())))
        return ClusterSpec(machines=machines, **values)

    def _node_values(self, node: Machine, legacy: bool, by_address: dict[str, str],
                     members: tuple[str, ...]) -> dict[str, object]:
        values: dict[str, object] = {}
        kubelet = "/etc/kubernetes/kubelet"
        if legacy:
            address = self._flag(node.name, kubelet, "--address")
            values["pod_infra_image"] = self._flag(node.name, kubelet, "--pod-infra-container-image")
        else:
            config = yaml.load(self._file(node.name, modern.KUBELET_CONFIG), Loader=modern.SafeLoader) or {}
            address = config.get("address")
            values["kubelet_port"] = config.get("port", 10250)
        values["kubelet_address"] = None if address == node.address else address
        flanneld = SysconfigFile.parse("/etc/sysconfig/flanneld", self._file(node.name, "/etc/sysconfig/flanneld"))
        urls = flanneld.values.get("FLANNEL_ETCD_ENDPOINTS", "").split(",")
        unknown = [u for u in urls if urlsplit(u).hostname not in by_address]
        if unknown:
            raise SpecError(f"{node.name}:/etc/sysconfig/flanneld: {unknown[0]!r} is no machine's etcd")
        endpoints = tuple(by_address[urlsplit(u).hostname] for u in urls)
        values["flannel_endpoints"] = () if endpoints == members else endpoints
        values["flannel_prefix"] = flanneld.values["FLANNEL_ETCD_PREFIX"]
        return values
