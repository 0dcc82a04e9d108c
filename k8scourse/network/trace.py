"""A packet's path from one pod to an address, hop by hop, through the hosts' own tables.

The trace asks each host's routing table where the packet goes, as the kernel
would, and follows it: out of the pod through its veth into the bridge
(``docker0`` or ``cni0``), then by the route flannel programmed into
``flannel0`` (udp: flanneld wraps it in UDP to port 8285), ``flannel.1``
(vxlan: the kernel finds the gateway's MAC in the ARP table, the MAC's host in
the FDB, and wraps it in UDP to port 8472 with VNI 1) or straight out of
``eth0`` to the other host (host-gw), across the wire, unwrapped on the other
side, and into the destination's bridge and pod. When it cannot arrive, the
trace says where it stopped and why. ``trace_from_host`` follows a packet a
node sends itself, from the address its route gives it. Nothing is sent anywhere: the hosts'
addresses are text.
"""

from __future__ import annotations

import ipaddress
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from k8scourse.network.routes import IPv4, Route

if TYPE_CHECKING:
    from k8scourse.network.flannel import FlannelNetwork
    from k8scourse.network.host import Host


class UnknownAddressError(ValueError):
    """A trace to an address no pod holds."""


@dataclass(frozen=True, slots=True)
class Outer:
    """The encapsulating header: outer IPs, UDP ports and, for VXLAN, the VNI."""

    src: IPv4
    sport: int
    dst: IPv4
    dport: int
    vni: int | None = None

    def __str__(self) -> str:
        kind = f"VXLAN, flags [I] (0x08), vni {self.vni}" if self.vni is not None else "UDP"
        return f"IP {self.src}.{self.sport} > {self.dst}.{self.dport}: {kind}"


@dataclass(frozen=True, slots=True)
class Hop:
    """One step: where (host and device), what happens, and the packet as it is there."""

    host: str  # "" on the wire
    device: str
    action: str  # veth, bridge, route, encapsulate, wire, decapsulate, deliver, drop
    src: IPv4
    dst: IPv4
    outer: Outer | None = None
    note: str = ""

    def __str__(self) -> str:
        packet = f"IP {self.src} > {self.dst}"
        if self.outer is not None:
            packet = f"{self.outer}: {packet}"
        where = self.host or "(wire)"
        line = f"{where:<16} {self.device:<12} {self.action:<11} {packet}"
        return f"{line}  # {self.note}" if self.note else line


@dataclass
class Trace:
    """The result: ``delivered``, the ``hops`` and, when it did not arrive, the ``reason``."""

    src: str
    src_ip: IPv4
    dst: IPv4
    hops: list[Hop]
    delivered: bool
    reason: str | None = None
    dialed: str | None = None  # a Service's address, when kube-proxy's rules chose ``dst`` for it
    to_pod: str | None = None  # the pod that received it
    to_host: str | None = None  # and its host

    @property
    def to(self) -> str | None:
        """``pod on host``, when it arrived."""
        return f"{self.to_pod} on {self.to_host}" if self.to_pod else None

    def __str__(self) -> str:
        target = f"{self.dialed} (DNAT to {self.dst})" if self.dialed else str(self.dst)
        lines = [f"trace {self.src} ({self.src_ip}) -> {target}"]
        lines += [f"{number:>2}  {hop}" for number, hop in enumerate(self.hops, start=1)]
        lines.append(f"delivered to {self.to}" if self.delivered else f"NOT DELIVERED: {self.reason}")
        return "\n".join(lines)


def _vxlan_source_port(src: IPv4, dst: IPv4) -> int:
    """The kernel picks the outer source port from a hash of the inner flow, in 32768-60999."""
    return 32768 + zlib.crc32(f"{src}>{dst}".encode()) % 28232


def _destination(network: FlannelNetwork, dst: str | IPv4) -> tuple[IPv4, list[tuple[Host, str]]]:
    """The address ``dst`` and the pods holding it (more than one when ranges overlap)."""
    try:
        dst_ip = ipaddress.IPv4Address(str(dst))
    except ValueError:
        raise UnknownAddressError(f"trace: {dst!r} is not an IPv4 address") from None
    owners = network.owners(dst_ip)
    if not owners:
        raise UnknownAddressError(f"trace: no pod has the address {dst_ip} (pod subnets: "
                                  f"{network.describe_subnets()})")
    return dst_ip, owners


def trace(network: FlannelNetwork, src: str, dst: str | IPv4) -> Trace:
    """Follow a packet from pod ``src`` (its name or address) to the address ``dst``."""
    host, pod, src_ip = network.find_pod(src)
    dst_ip, owners = _destination(network, dst)
    hops = [Hop(host.name, f"veth@{pod}", "veth", src_ip, dst_ip, note=f"out of pod {pod}'s eth0 into its veth peer")]
    bridge = host.bridge.name if host.bridge else "docker0"
    local = host.bridge is not None and dst_ip in host.bridge.address.network
    hops.append(Hop(host.name, bridge, "bridge", src_ip, dst_ip,
                    note="same subnet: the bridge switches it" if local
                    else f"to the pods' gateway {host.bridge.address.ip if host.bridge else ''}: the host routes it"))
    return _follow(Trace(pod, src_ip, dst_ip, hops, False), host, owners, network)


def trace_from_host(network: FlannelNetwork, name: str, dst: str | IPv4) -> Trace:
    """Follow a packet the host ``name`` itself sends to the address ``dst``."""
    host = network.host(name)
    dst_ip, owners = _destination(network, dst)
    return _follow(Trace(host.name, _source_address(host, dst_ip), dst_ip, [], False), host, owners, network)


def _source_address(host: Host, dst: IPv4) -> IPv4:
    """The address the kernel sends from: its route's ``src``, else its device's (``flannel.1``'s for
    vxlan: a node reaches other nodes' pods from its own subnet's first address), else eth0's."""
    tables = host.tables()
    route = tables.routes.lookup(dst)
    if route is None:
        return host.ip
    if route.src is not None:
        return route.src
    device = next((link for link in tables.links if link.name == route.dev), None)
    return device.address.ip if device is not None and device.address is not None else host.ip


def _follow(result: Trace, host: Host, owners: list[tuple[Host, str]], network: FlannelNetwork) -> Trace:
    """From ``host`` on, route by route, until the packet reaches a bridge or is dropped."""
    dst_ip = result.dst
    for _ in range(4):  # a packet crosses at most one wire; more is a loop
        route = host.tables().routes.lookup(dst_ip)
        if route is None or route.dst is None:
            return _drop(result, host, dst_ip, owners, network)
        if host.bridge is not None and route.dev == host.bridge.name:
            return _on_bridge(result, host, dst_ip, owners, network)
        result.hops.append(Hop(host.name, route.dev, "route", result.src_ip, dst_ip, note=route.text))
        arrived = _cross(result, host, route, dst_ip, network)
        if arrived is None:
            return result
        host = arrived
    result.reason = "routing loop: the packet keeps bouncing between hosts"
    return result


def _on_bridge(result: Trace, host: Host, dst: IPv4, owners: list[tuple[Host, str]], network: FlannelNetwork) -> Trace:
    here = [pod for owner, pod in owners if owner is host]
    bridge = host.bridge.name  # type: ignore[union-attr]
    if here:
        note = f"{bridge} forwards it to pod {here[0]}'s veth, into its eth0"
        others = [f"{pod} on {owner.name}" for owner, pod in owners if owner is not host]
        if others:  # the same address elsewhere: this one answers, those are out of reach from here
            note += f"; {', '.join(others)} has the same address: overlapping pod ranges"
        result.hops.append(Hop(host.name, f"veth@{here[0]}", "deliver", result.src_ip, dst, note=note))
        result.delivered, result.to_pod, result.to_host = True, here[0], host.name
        return result
    elsewhere = ", ".join(f"{pod} on {owner.name}" for owner, pod in owners)
    result.hops.append(Hop(host.name, bridge, "drop", result.src_ip, dst, note="no pod here has that address"))
    result.reason = (f"{dst} is inside {host.name}'s own bridge network {host.bridge.address.network} "  # type: ignore[union-attr]
                     f"({bridge}), so {host.name} looks for it there and never sends it out; the pod with that "
                     f"address is {elsewhere}: the nodes hand out pod addresses from overlapping ranges")
    default = [h.name for h in network.hosts.values() if h.on_default_bridge]
    if default:
        result.reason += (f". docker on {', '.join(default)} uses its default bridge 172.17.0.1/16 because flanneld "
                          "never wrote /run/flannel/subnet.env before docker started")
    return result


def _named(host: Host) -> str:
    return host.name if host.name == str(host.ip) else f"{host.name} ({host.ip})"


def _drop(result: Trace, host: Host, dst: IPv4, owners: list[tuple[Host, str]], network: FlannelNetwork) -> Trace:
    owner = owners[0][0]
    result.hops.append(Hop(host.name, host.iface, "drop", result.src_ip, dst,
                           note=f"default via {host.gateway}: the router knows no pod network"))
    reason = f"{host.name} has no route to {dst}: it leaves by the default route to {host.gateway}, which drops it"
    errors = [e for e in host.tables().errors if "network is unreachable" in e]
    if errors:
        reason += (f". host-gw needs every host on one layer-2 network, and {_named(owner)} is behind "
                   f"a router: flanneld on {host.name} logged \"{errors[0]}\"")
    elif owner.on_default_bridge:
        reason += (f". The pod is on {owner.name}'s docker default bridge 172.17.0.1/16: flanneld never wrote "
                   f"/run/flannel/subnet.env there before docker started")
    elif host.flanneld is None or host.flanneld.lease is None:
        reason += f". flanneld on {host.name} holds no lease, so it programmed no route into the pod network"
    else:
        reason += f". No lease holds {dst}, so no flanneld routes it"
    result.reason = reason
    return result


def _cross(result: Trace, host: Host, route: Route, dst: IPv4, network: FlannelNetwork) -> Host | None:
    """Encapsulate (or not), cross the wire, unwrap: the host the packet arrives at, or None."""
    src = result.src_ip
    hops = result.hops
    daemon = host.flanneld
    if route.dev == "flannel0":  # udp: flanneld reads the TUN and looks the subnet up itself
        lease = next((s for s in daemon.peers if dst in s), None) if daemon and daemon.state == "running" else None
        if lease is None:
            why = ("flanneld is not running, so nothing reads flannel0" if not daemon or daemon.state != "running"
                   else f"no lease holds {dst}: no node has that subnet")
            result.reason = f"{host.name}: {why}"
            hops.append(Hop(host.name, "flannel0", "drop", src, dst, note=why))
            return None
        remote_ip, port, vni = daemon.peers[lease].public_ip, daemon.config.backend.udp_port, None  # type: ignore[union-attr]
        outer = Outer(host.ip, port, remote_ip, port)
        note = f"flanneld reads it from flannel0; lease {lease} is {remote_ip}'s: UDP to port {port}"
    elif route.dev.startswith("flannel."):  # vxlan: ARP gives the VTEP MAC, the FDB its host
        tables = host.tables()
        neighbor = tables.neighbors.get(route.via)
        entry = tables.fdb.get(neighbor.mac) if neighbor else None
        if entry is None:
            result.reason = f"{host.name}: no ARP/FDB entry for {route.via} on {route.dev}"
            hops.append(Hop(host.name, route.dev, "drop", src, dst, note=result.reason))
            return None
        link = next(link for link in tables.links if link.name == route.dev)
        remote_ip, vni = entry.dst, link.vni
        outer = Outer(host.ip, _vxlan_source_port(src, dst), remote_ip, link.port, vni)  # type: ignore[arg-type]
        note = f"ARP {route.via} is {neighbor.mac}, FDB sends {neighbor.mac} to {remote_ip}"  # type: ignore[union-attr]
    else:  # host-gw: a plain route to the other host
        remote_ip, outer, vni = route.via, None, None
        note = f"no encapsulation: straight to {remote_ip}"
    remote = network.host_by_ip(remote_ip)
    if outer is not None:
        hops.append(Hop(host.name, route.dev, "encapsulate", src, dst, outer, note))
    hops.append(Hop("", host.iface, "wire", src, dst, outer, f"{host.ip} -> {remote_ip}"))
    if remote is None:
        result.reason = f"no host has the address {remote_ip}"
        return None
    if not remote.running:
        result.reason = f"{remote.name} is down: the packet is lost on the wire"
        return None
    if outer is None:
        hops.append(Hop(remote.name, remote.iface, "receive", src, dst, note="arrives as a plain IP packet"))
        return remote
    if vni is None:
        device = "flannel0"
        listening = remote.flanneld is not None and remote.flanneld.state == "running"
    else:
        device = route.dev
        listening = any(link.kind == "vxlan" and link.vni == vni and link.port == outer.dport
                        for link in remote.tables().links)
    if not listening:
        result.reason = f"{remote.name}: nothing listens on UDP {outer.dport}" + (f" for VNI {vni}" if vni else "")
        hops.append(Hop(remote.name, remote.iface, "drop", src, dst, outer, result.reason))
        return None
    hops.append(Hop(remote.name, device, "decapsulate", src, dst, outer,
                    "flanneld writes it into flannel0" if vni is None else f"the kernel strips VXLAN (VNI {vni})"))
    return remote
