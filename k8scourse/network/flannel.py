"""A flannel network to play with: etcd, hosts running flanneld and docker, pods, packet traces.

``FlannelNetwork.lab(nodes=3, backend="vxlan")`` builds the notes' setup: one
etcd at 192.168.197.130 (started with ``--enable-v2``, as flannel 0.7 needs),
hosts 192.168.197.131 and on, each with the notes' /etc/sysconfig/flanneld, the
network config written with ``etcdctl set /atomic.io/network/config``, flanneld
then docker started, and two pods per host. Build it by hand to see each step
(and each mistake) on its own::

    net = FlannelNetwork(seed=0)
    etcd = net.add_etcd("http://192.168.197.130:2379", enable_v2=True)
    net.add_host("192.168.197.131", "192.168.197.131/24", sysconfig=NOTES_SYSCONFIG)
    net.start_flanneld("192.168.197.131")      # logs "Couldn't fetch network config" each second
    etcd.v2.set("/atomic.io/network/config", '{"Network": "10.244.0.0/16"}')
    net.run(2)

One virtual clock and one seeded random generator per network, as for a Cluster.
"""

from __future__ import annotations

import ipaddress
import json
import random
from collections.abc import Mapping

from k8scourse.clock import VirtualClock
from k8scourse.etcd.store import Store
from k8scourse.network.flanneld import SYSCONFIG, Flanneld
from k8scourse.network.host import Host
from k8scourse.network.routes import IPv4
from k8scourse.network.trace import Trace, UnknownAddressError, trace, trace_from_host

# The notes' /etc/sysconfig/flanneld (FLANNEL_OPTIONS left commented out).
NOTES_SYSCONFIG = """\
# Flanneld configuration options

# etcd url location.  Point this to the server where etcd runs
FLANNEL_ETCD_ENDPOINTS="http://192.168.197.130:2379"

# etcd config key.  This is the configuration key that flannel queries
# For address range assignment
FLANNEL_ETCD_PREFIX="/atomic.io/network"

# Any additional options that you want to pass
#FLANNEL_OPTIONS=""
"""


class FlannelNetwork:
    """etcd members (by client URL), hosts and their pods on one clock."""

    def __init__(self, seed: int = 0, version: str = "0.7", clock: VirtualClock | None = None) -> None:
        self.clock = clock or VirtualClock()
        self.rng = random.Random(seed)
        self.version = version
        self.etcd: dict[str, Store] = {}
        self.hosts: dict[str, Host] = {}
        self._owners: dict[IPv4, list[tuple[Host, str]]] | None = None

    @classmethod
    def lab(cls, nodes: int = 3, backend: str = "vxlan", network: str = "10.244.0.0/16", pods_per_node: int = 2,
            seed: int = 0, version: str = "0.7", extra_config: dict | None = None) -> FlannelNetwork:
        """The notes' machines with flannel working: every host leased, docker on its lease, pods up."""
        net = cls(seed=seed, version=version)
        etcd = net.add_etcd("http://192.168.197.130:2379", enable_v2=True)
        config = {"Network": network, "Backend": {"Type": backend}, **(extra_config or {})}
        etcd.v2.set("/atomic.io/network/config", json.dumps(config))
        for index in range(nodes):
            address = str(ipaddress.IPv4Address("192.168.197.131") + index)
            net.add_host(address, f"{address}/24", sysconfig=NOTES_SYSCONFIG)
            net.start_flanneld(address)
        net.run(1)
        for number, host in enumerate(net.hosts.values(), start=1):
            host.start_docker()
            for pod in range(pods_per_node):
                net.add_pod(host.name, f"pod-{number}-{pod + 1}")
        return net

    # -- building --

    def add_etcd(self, client_url: str, enable_v2: bool = False) -> Store:
        """An etcd member answering at ``client_url``; ``enable_v2`` is ``--enable-v2`` (off in etcd 3.4)."""
        store = Store(self.clock)
        store.v2.enabled = enable_v2
        self.etcd[client_url.rstrip("/")] = store
        return store

    def add_host(self, name: str, eth: str, *, gateway: str | None = None, sysconfig: str | None = None,
                 runtime: str = "docker", mtu: int = 1500) -> Host:
        """A machine at ``eth`` (``192.168.197.131/24``); ``sysconfig`` its /etc/sysconfig/flanneld."""
        if name in self.hosts:
            raise ValueError(f"host {name} already exists")
        host = Host(name, eth, gateway, runtime, mtu)
        if sysconfig is not None:
            host.files[SYSCONFIG] = sysconfig
        self.hosts[name] = host
        return host

    def host(self, name: str) -> Host:
        try:
            return self.hosts[name]
        except KeyError:
            raise ValueError(f"no host named {name!r} (hosts: {', '.join(self.hosts) or 'none'})") from None

    def start_flanneld(self, name: str) -> Flanneld:
        """``systemctl start flanneld`` on a host: reads its /etc/sysconfig/flanneld."""
        host = self.host(name)
        if host.flanneld is None:
            if SYSCONFIG not in host.files:
                raise FileNotFoundError(f"{name}: {SYSCONFIG}: no such file (flanneld reads its etcd endpoints there)")
            host.flanneld = Flanneld(name, host.eth.ip, host.files[SYSCONFIG], self.etcd, host.files, self.clock,
                                     self.rng, self.version, host.mtu, on_change=self.sync)
        host.flanneld.start()
        return host.flanneld

    def stop_flanneld(self, name: str) -> None:
        daemon = self.host(name).flanneld
        if daemon is not None:
            daemon.stop()

    def add_pod(self, host: str, name: str) -> IPv4:
        """A pod on ``host``: its address comes from the host's bridge network."""
        if any(name in h.pods for h in self.hosts.values()):
            raise ValueError(f"a pod named {name!r} already exists")
        address = self.host(host).add_pod(name)
        self._owners = None
        return address

    def set_pods(self, host: str, pods: Mapping[str, IPv4]) -> None:
        """The pods on ``host`` are ``pods``, at the addresses their runtime gave them (a kubelet's
        sandboxes: the kubelet, not this network, hands out a cluster's pod IPs)."""
        target = self.host(host)
        if target.pods != pods:
            target.pods = dict(pods)
            self._owners = None

    # -- time --

    def run(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass, then let every flanneld see the leases as they are."""
        self.clock.run(seconds)
        self.sync()

    def sync(self) -> None:
        """Every running flanneld's watch on the subnets catches up."""
        for host in self.hosts.values():
            if host.flanneld is not None:
                host.flanneld.sync()

    # -- looking things up --

    def find_pod(self, name_or_ip: str) -> tuple[Host, str, IPv4]:
        for host in self.hosts.values():
            if name_or_ip in host.pods:
                return host, name_or_ip, host.pods[name_or_ip]
        for host in self.hosts.values():
            for pod, address in host.pods.items():
                if str(address) == name_or_ip:
                    return host, pod, address
        raise UnknownAddressError(f"trace: no pod named {name_or_ip!r}")

    def owners(self, address: IPv4) -> list[tuple[Host, str]]:
        """The pods holding ``address`` (more than one when ranges overlap)."""
        if self._owners is None:
            self._owners = {}
            for host in self.hosts.values():
                for pod, ip in host.pods.items():
                    self._owners.setdefault(ip, []).append((host, pod))
        return self._owners.get(address, [])

    def host_by_ip(self, address: IPv4) -> Host | None:
        for host in self.hosts.values():
            if host.ip == address:
                return host
        return None

    def describe_subnets(self) -> str:
        parts = [f"{h.name} {h.bridge.address.network}" for h in self.hosts.values() if h.bridge is not None]
        return ", ".join(parts) or "none: no bridge is up"

    def trace(self, src: str, dst: str) -> Trace:
        """A packet from pod ``src`` (name or address) to the address ``dst``, hop by hop."""
        return trace(self, src, dst)

    def trace_from_host(self, name: str, dst: str) -> Trace:
        """A packet the host ``name`` itself sends (``ping`` on the node) to the address ``dst``."""
        return trace_from_host(self, name, dst)

    def route_tables(self) -> str:
        """Every host's ``ip route``, one after the other, each under its host's prompt."""
        return "\n\n".join(f"[root@{host.name} ~]# ip route\n{host.ip_route()}" for host in self.hosts.values())

    def leases(self, prefix: str = "/atomic.io/network") -> str:
        """``etcdctl ls /atomic.io/network/subnets`` and each value, from the first etcd."""
        store = next(iter(self.etcd.values()))
        return "\n".join(f"{node.key} {node.value}" for node in store.v2.ls(prefix + "/subnets"))
