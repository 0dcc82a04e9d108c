"""A host's network tables as iproute2 prints them: links, routes, ARP and FDB entries.

These are what flanneld and docker program on a node, and what a learner
would see with ``ip link``, ``ip route``, ``ip neigh`` and ``bridge fdb``.
``RouteTable.lookup`` picks a route as the kernel does: the longest prefix
that holds the destination.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field

IPv4 = ipaddress.IPv4Address
Net = ipaddress.IPv4Network


@dataclass(frozen=True)
class Link:
    """A network device: ``eth0``, a bridge (``docker0``/``cni0``), ``flannel0`` (TUN) or ``flannel.1`` (VXLAN)."""

    name: str
    kind: str  # "ether", "bridge", "tun", "vxlan"
    mtu: int
    address: ipaddress.IPv4Interface | None = None
    mac: str | None = None
    vni: int | None = None
    port: int | None = None  # the VXLAN device's dstport
    local: IPv4 | None = None  # the VXLAN device's local (underlay) address

    def __str__(self) -> str:
        flags = "POINTOPOINT,NOARP,UP,LOWER_UP" if self.kind == "tun" else "BROADCAST,MULTICAST,UP,LOWER_UP"
        line = f"{self.name}: <{flags}> mtu {self.mtu}"
        if self.mac:
            line += f"\n    link/ether {self.mac} brd ff:ff:ff:ff:ff:ff"
        elif self.kind == "tun":
            line += "\n    link/none"
        if self.kind == "vxlan":
            line += f"\n    vxlan id {self.vni} local {self.local} dev eth0 srcport 0 0 dstport {self.port} nolearning"
        if self.address is not None:
            line += f"\n    inet {self.address}"
        return line


@dataclass(frozen=True)
class Route:
    """One line of ``ip route``."""

    dst: Net | None  # None: the default route
    dev: str
    via: IPv4 | None = None
    src: IPv4 | None = None  # set on the kernel's own (proto kernel) routes
    onlink: bool = False

    @functools.cached_property
    def text(self) -> str:
        """``str(route)``, kept (traces print it often)."""
        return str(self)

    def __str__(self) -> str:
        text = "default" if self.dst is None else str(self.dst)
        if self.via is not None:
            text += f" via {self.via}"
        text += f" dev {self.dev}"
        if self.src is not None:
            text += f" proto kernel scope link src {self.src}"
        if self.onlink:
            text += " onlink"
        return text

    @property
    def prefixlen(self) -> int:
        return -1 if self.dst is None else self.dst.prefixlen


@dataclass(frozen=True)
class Neighbor:
    """One line of ``ip neigh``: the MAC an IP answers to on a device."""

    ip: IPv4
    dev: str
    mac: str

    def __str__(self) -> str:
        return f"{self.ip} dev {self.dev} lladdr {self.mac} PERMANENT"


@dataclass(frozen=True)
class FdbEntry:
    """One line of ``bridge fdb``: which host a VXLAN MAC lives behind."""

    mac: str
    dev: str
    dst: IPv4

    def __str__(self) -> str:
        return f"{self.mac} dev {self.dev} dst {self.dst} self permanent"


@dataclass
class RouteTable:
    """The main routing table, with the kernel's longest-prefix lookup."""

    routes: list[Route] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.routes.sort(key=lambda r: (r.dst is not None, int(r.dst.network_address) if r.dst else 0,
                                        r.prefixlen))
        self._by_length = sorted(self.routes, key=lambda r: -r.prefixlen)

    def lookup(self, ip: IPv4) -> Route | None:
        for route in self._by_length:
            if route.dst is None or ip in route.dst:
                return route
        return None

    def __str__(self) -> str:
        return "\n".join(str(route) for route in self.routes)
