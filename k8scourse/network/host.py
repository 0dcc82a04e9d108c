"""A machine on the flannel network: its interface, docker's bridge, its pods and its kernel tables.

Docker reads ``/run/flannel/docker`` when it starts (the flannel package's
drop-in gives ``docker.service`` that EnvironmentFile and ``$DOCKER_NETWORK_OPTIONS``):
``--bip`` puts ``docker0`` on the first address of the node's lease, ``--mtu``
gives it flannel's MTU. A docker started before flanneld wrote the file keeps
its default bridge, ``172.17.0.1/16``, on every node alike. With ``runtime="cni"``
(today's clusters) the bridge is ``cni0`` and flannel's CNI plugin reads
``/run/flannel/subnet.env`` at each pod; without it the pod cannot start.
"""

from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass, field

from k8scourse.config.envfile import EnvFile
from k8scourse.network.backends import Programming, program
from k8scourse.network.flanneld import DOCKER_ENV, SUBNET_ENV, Flanneld
from k8scourse.network.routes import FdbEntry, IPv4, Link, Neighbor, Route, RouteTable

DOCKER_DEFAULT_BIP = ipaddress.IPv4Interface("172.17.0.1/16")  # docker's default bridge (daemon/config)
RUNTIMES = {"docker": "docker0", "cni": "cni0"}


class PodNetworkError(ValueError):
    """A pod that cannot get an address; the message is the runtime's."""


@dataclass
class HostTables:
    """What ``ip link``, ``ip route``, ``ip neigh`` and ``bridge fdb`` show on a host."""

    links: list[Link]
    routes: RouteTable
    neighbors: dict[IPv4, Neighbor]
    fdb: dict[str, FdbEntry]
    errors: list[str] = field(default_factory=list)


class Host:
    """One machine: ``eth`` its physical address (text only: nothing is ever sent)."""

    def __init__(self, name: str, eth: str, gateway: str | None = None, runtime: str = "docker",
                 mtu: int = 1500, iface: str = "eth0") -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.name, self.runtime, self.mtu, self.iface = name, runtime, mtu, iface
        try:
            self.eth = ipaddress.IPv4Interface(eth)
        except ValueError:
            raise ValueError(f"host {name}: {eth!r} is not an IPv4 address with its prefix (192.168.197.131/24)") from None
        self.ip = self.eth.ip  # its address on the wire
        # VMware's NAT networks (the notes' 192.168.197.0/24) put their gateway on .2
        self.gateway = ipaddress.IPv4Address(gateway) if gateway else self.eth.network.network_address + 2
        self.files: dict[str, str] = {}
        self.running = True  # a machine that is off neither sends nor answers
        self.flanneld: Flanneld | None = None
        self.bridge: Link | None = None
        self.pods: dict[str, IPv4] = {}
        self._tables: HostTables | None = None
        self._tables_key: object = None

    @property
    def bridge_name(self) -> str:
        return RUNTIMES[self.runtime]

    # -- docker and pods --

    def start_docker(self) -> Link:
        """``systemctl start docker``: the bridge on flannel's subnet, or docker's default one."""
        options = EnvFile.parse(self.files.get(DOCKER_ENV, "")).values().get("DOCKER_NETWORK_OPTIONS", "")
        bip, mtu = DOCKER_DEFAULT_BIP, 1500
        for option in shlex.split(options):
            name, _, value = option.partition("=")
            if name == "--bip":
                bip = ipaddress.IPv4Interface(value)
            elif name == "--mtu":
                mtu = int(value)
        self.bridge = Link(self.bridge_name, "bridge", mtu, bip)
        self._tables = None
        return self.bridge

    @property
    def on_default_bridge(self) -> bool:
        return self.bridge is not None and self.bridge.address == DOCKER_DEFAULT_BIP

    def add_pod(self, name: str) -> IPv4:
        """Give a pod the bridge network's next free address (from .2; .1 is the bridge)."""
        if self.runtime == "cni" and self.bridge is None:
            env = EnvFile.parse(self.files[SUBNET_ENV]).values() if SUBNET_ENV in self.files else None
            if env is None:  # flannel's CNI plugin (plugins/main/flannel): loadFlannelSubnetEnv
                raise PodNetworkError(
                    f'plugin type="flannel" failed (add): failed to load flannel \'subnet.env\' file: open '
                    f"{SUBNET_ENV}: no such file or directory. Check the flannel pod log for this node.")
            self.bridge = Link("cni0", "bridge", int(env["FLANNEL_MTU"]), ipaddress.IPv4Interface(env["FLANNEL_SUBNET"]))
        if self.bridge is None:
            raise PodNetworkError(f"{self.name}: docker is not running (systemctl start docker)")
        network, used = self.bridge.address.network, set(self.pods.values()) | {self.bridge.address.ip}
        for address in network.hosts():
            if address not in used:
                self.pods[name] = address
                return address
        raise PodNetworkError(f"{self.name}: no IP addresses available in range set: {network}")

    # -- kernel tables --

    def programming(self) -> Programming | None:
        """What flanneld's backend set up here, or None before it has a lease."""
        daemon = self.flanneld
        if daemon is None or daemon.lease is None or daemon.config is None or daemon.attrs is None:
            return None
        return program(daemon.config, daemon.lease, daemon.attrs, daemon.peers, self.eth, self.iface, self.mtu)

    def tables(self) -> HostTables:
        """The host's links, routes, ARP and FDB entries (kept until something changes)."""
        key = (self.bridge, self.flanneld.changes if self.flanneld else None)
        if self._tables is not None and self._tables_key == key:
            return self._tables
        links = [Link(self.iface, "ether", self.mtu, self.eth)]
        routes = [Route(None, self.iface, via=self.gateway), Route(self.eth.network, self.iface, src=self.eth.ip)]
        if self.bridge is not None:
            links.append(self.bridge)
            routes.append(Route(self.bridge.address.network, self.bridge.name, src=self.bridge.address.ip))
        done = self.programming() or Programming()
        self._tables = HostTables(links + done.links, RouteTable(routes + done.routes),
                                  {n.ip: n for n in done.neighbors}, {f.mac: f for f in done.fdb}, done.errors)
        self._tables_key = key
        return self._tables

    def ip_route(self) -> str:
        """``ip route`` on this host."""
        return str(self.tables().routes)

    def ip_neigh(self) -> str:
        """``ip neigh show dev flannel.1``: the VXLAN gateways' MACs."""
        return "\n".join(str(n) for n in self.tables().neighbors.values())

    def bridge_fdb(self) -> str:
        """``bridge fdb show dev flannel.1``: which host each VTEP MAC is behind."""
        return "\n".join(str(f) for f in self.tables().fdb.values())

    def ip_link(self) -> str:
        """``ip -d addr``, shortened: each device, its MTU and address."""
        return "\n".join(f"{number}: {link}" for number, link in enumerate(self.tables().links, start=2))

    def __repr__(self) -> str:
        return f"<Host {self.name} {self.eth} pods={len(self.pods)}>"
