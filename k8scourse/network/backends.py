"""What each flannel backend programs on a host: its device, routes, ARP and FDB entries.

Given a host's own lease and the leases of the others (what flanneld's watch
on ``<prefix>/subnets`` tells it), ``program`` returns the kernel state the
backend sets up:

* ``udp`` (``backend/udp``): a TUN device ``flannel0``, address ``<lease IP>/<network prefix>``
  and so one route for the whole network into it; flanneld itself reads each packet from
  the TUN, finds the lease holding its destination and sends it in a UDP datagram to that
  host's port 8285. MTU: the interface's minus 28 (IPv4 20 + UDP 8 bytes).
* ``vxlan`` (``backend/vxlan``): a kernel VXLAN device ``flannel.<VNI>`` (``flannel.1``),
  address ``<lease IP>/32``, port 8472, ``nolearning``; for each other host a route
  ``<subnet> via <subnet IP> dev flannel.1 onlink``, an ARP entry giving that gateway IP the
  other host's VTEP MAC (its lease's ``BackendData.VtepMAC``) and an FDB entry sending that
  MAC to the host's public IP. MTU: minus 50 (outer IPv4 20 + UDP 8 + VXLAN 8 + inner
  Ethernet 14). This is how later flannels program it. flannel 0.7 gave ``flannel.1`` the
  address ``<lease IP>/<network prefix>`` (so one route for the whole network, as udp),
  added the FDB entry for each lease, and the ARP entry only when the kernel reported an
  L3 miss (``handleL3Miss`` in ``backend/vxlan/vxlan_network.go``): once packets flowed, the
  same entries, behind one wider route.
* ``host-gw`` (``backend/hostgw``): no device and no encapsulation; for each other host a
  route ``<subnet> via <its public IP> dev eth0``. The kernel refuses a gateway that is not on
  a directly connected network, so every host must share one layer-2 segment; flanneld logs
  the refusal and the subnet gets no route.

flanneld ignores leases of another backend type (``Ignoring non-<type> subnet``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from k8scourse.network.flannel_config import FlannelNetworkConfig
from k8scourse.network.routes import FdbEntry, IPv4, Link, Neighbor, Net, Route

# backend/udp/udp_network.go: encapOverhead = 28; backend/vxlan/vxlan_network.go: encapOverhead = 50
ENCAP_OVERHEAD = {"udp": 28, "vxlan": 50, "host-gw": 0}
DEVICE = {"udp": "flannel0", "host-gw": None}


def device_name(config: FlannelNetworkConfig) -> str | None:
    """``flannel0`` (udp), ``flannel.<VNI>`` (vxlan), none for host-gw."""
    if config.backend.type == "vxlan":
        return f"flannel.{config.backend.vni}"
    return DEVICE[config.backend.type]


def backend_mtu(config: FlannelNetworkConfig, iface_mtu: int) -> int:
    """The MTU flanneld reports in subnet.env: the interface's, less the backend's overhead."""
    return iface_mtu - ENCAP_OVERHEAD[config.backend.type]


@dataclass(frozen=True)
class LeaseAttrs:
    """A lease's value in etcd: ``{"PublicIP":"192.168.197.131","BackendType":"vxlan","BackendData":{...}}``."""

    public_ip: IPv4
    backend_type: str
    vtep_mac: str | None = None


@dataclass
class Programming:
    """The kernel state one backend sets up on one host, and the errors flanneld logs doing it."""

    links: list[Link] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    neighbors: list[Neighbor] = field(default_factory=list)
    fdb: list[FdbEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def program(config: FlannelNetworkConfig, own: Net, attrs: LeaseAttrs, peers: dict[Net, LeaseAttrs],
            eth: ipaddress.IPv4Interface, iface: str, iface_mtu: int) -> Programming:
    """The backend's device, routes and entries on a host holding ``own``, seeing ``peers``."""
    kind, out = config.backend.type, Programming()
    mtu = backend_mtu(config, iface_mtu)
    dev = device_name(config)
    if kind == "udp":
        address = ipaddress.IPv4Interface((own.network_address, config.network.prefixlen))
        out.links.append(Link(dev, "tun", mtu, address))
        out.routes.append(Route(config.network, dev, src=own.network_address))
    elif kind == "vxlan":
        out.links.append(Link(dev, "vxlan", mtu, ipaddress.IPv4Interface((own.network_address, 32)), attrs.vtep_mac,
                              config.backend.vni, config.backend.udp_port, eth.ip))
    for subnet, peer in sorted(peers.items()):
        if peer.backend_type != kind:
            out.errors.append(f"Ignoring non-{kind} subnet {subnet}: type={peer.backend_type}")
        elif kind == "vxlan":
            out.routes.append(Route(subnet, dev, via=subnet.network_address, onlink=True))
            out.neighbors.append(Neighbor(subnet.network_address, dev, peer.vtep_mac))
            out.fdb.append(FdbEntry(peer.vtep_mac, dev, peer.public_ip))
        elif kind == "host-gw":
            if peer.public_ip in eth.network:
                out.routes.append(Route(subnet, iface, via=peer.public_ip))
            else:  # backend/hostgw: netlink.RouteAdd fails with ENETUNREACH
                out.errors.append(f"Error adding route to {subnet} via {peer.public_ip}: network is unreachable")
    return out
