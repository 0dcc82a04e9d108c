"""flannel on today's cluster: ``kube-flannel`` with ``--kube-subnet-mgr``, read from a ``Cluster``.

With the Kubernetes subnet manager flanneld keeps no leases in etcd: each
node's lease is its ``spec.podCIDR`` (the controller-manager's
``--allocate-node-cidrs`` hands them out), and the VTEP MAC travels in the
node's ``flannel.alpha.coreos.com/backend-data`` annotation. kube-flannel.yml's
net-conf.json is ``{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}``,
and flannel's CNI plugin puts pods on ``cni0``. ``network_from_cluster`` builds
that network from a cluster's nodes and pod sandboxes, so ``Cluster.trace`` can
follow a packet through it; the cluster itself is not changed.

A cluster booted from files has the network its files made instead (each
machine's flanneld from /etc/sysconfig/flanneld, its backend from the config in
etcd, docker's bridge on the lease or on docker's default): ``pod_network``
picks the one a cluster has, and ``trace_in_cluster`` follows a packet through
either the same way.
"""

from __future__ import annotations

import ipaddress
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.network.backends import LeaseAttrs, backend_mtu
from k8scourse.network.flannel import FlannelNetwork
from k8scourse.network.flannel_config import FlannelNetworkConfig, parse_network_config
from k8scourse.network.request import Machine, lookup
from k8scourse.network.routes import IPv4, Link, Net
from k8scourse.network.trace import Hop, Trace, UnknownAddressError, trace
from k8scourse.node.kube_proxy import Packet

# kube-flannel.yml (flannel-io/flannel Documentation/kube-flannel.yml): net-conf.json
NET_CONF = '{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}'


def vtep_mac(node: str) -> str:
    """A locally administered MAC that stays the same for a node (the kernel picks one at random)."""
    digest = zlib.crc32(node.encode()).to_bytes(4, "big") + zlib.crc32(node[::-1].encode()).to_bytes(4, "big")
    return ":".join(f"{b:02x}" for b in (0x02 | (digest[0] & 0xFC), *digest[1:6]))


@dataclass
class KubeSubnetFlanneld:
    """A node's flanneld with ``--kube-subnet-mgr``: its lease is the node's podCIDR."""

    config: FlannelNetworkConfig
    lease: Net
    attrs: LeaseAttrs
    peers: dict[Net, LeaseAttrs] = field(default_factory=dict)
    state: str = "running"
    changes: int = 0


def node_pods(kubelet: Machine, pods: Iterable[dict] = ()) -> dict[str, IPv4]:
    """A node's pods (``ns/name``) at the addresses its kubelet gave them: its ready sandboxes while the
    machine runs; while it is off, the Pod objects ``pods`` bound to it (the addresses are still theirs)."""
    if kubelet.running:
        return {f"{s.namespace}/{s.pod_name}": ipaddress.IPv4Address(s.ip)
                for s in kubelet.runtime.sandboxes if s.ready and s.ip}
    return {f"{pod['metadata']['namespace']}/{pod['metadata']['name']}": ipaddress.IPv4Address(pod["status"]["podIP"])
            for pod in pods
            if pod["spec"].get("nodeName") == kubelet.node_name and (pod.get("status") or {}).get("podIP")}


def network_from_cluster(kubelets: Mapping[str, Machine], pods: list[dict] = ()) -> FlannelNetwork:
    """The cluster's pod network as kube-flannel (vxlan, cni0) programs it, with each node's pods
    (:func:`node_pods`; ``pods``, the Pod objects, for machines that are off)."""
    config = parse_network_config(NET_CONF, "kube-flannel-cfg net-conf.json", version="0.26")
    net = FlannelNetwork()
    daemons: dict[str, KubeSubnetFlanneld] = {}
    for name, kubelet in kubelets.items():
        host = net.add_host(name, f"{kubelet.node_ip}/24", runtime="cni")
        host.running = kubelet.running
        lease = ipaddress.IPv4Network(kubelet.pod_cidr)
        daemon = KubeSubnetFlanneld(config, lease, LeaseAttrs(host.ip, "vxlan", vtep_mac(name)),
                                    state="running" if kubelet.running else "stopped")
        host.flanneld = daemon  # type: ignore[assignment]
        host.bridge = Link("cni0", "bridge", backend_mtu(config, host.mtu),
                           ipaddress.IPv4Interface((lease.network_address + 1, lease.prefixlen)))
        net.set_pods(name, node_pods(kubelet, pods))
        daemons[name] = daemon
    for name, daemon in daemons.items():  # every node's watch on the Node objects
        daemon.peers = {other.lease: other.attrs for peer, other in daemons.items() if peer != name}
    return net


class ClusterNetwork(Protocol):
    api: Any
    rng: Any
    kubelets: Mapping[str, Machine]
    kube_proxies: Mapping[str, Any]
    boot: Any  # a cluster booted from files: its Boot, whose pod_network() its files made


def pod_network(cluster: ClusterNetwork) -> FlannelNetwork:
    """The network a cluster's pods are on: the one its files made (flanneld and docker on each machine,
    ``k8scourse/boot/network_view.py``), or for a cluster not booted from files, kube-flannel's."""
    if cluster.boot is not None:
        return cluster.boot.pod_network()
    down = any(not kubelet.running for kubelet in cluster.kubelets.values())
    return network_from_cluster(cluster.kubelets, cluster.api.list("pods") if down else [])


def trace_in_cluster(cluster: ClusterNetwork, src: str, dst: str) -> Trace:
    """``cluster.trace``: from pod ``src`` (``ns/name`` or ``name``) to a pod IP, a ClusterIP with its
    port (``10.96.0.10:80``) or a Service (``web:80``). A Service's address first meets kube-proxy's
    rules on the source node, which pick the backend pod (DNAT) or refuse the connection."""
    if not isinstance(src, str) or not isinstance(dst, str):
        raise TypeError('trace() takes a pod ("namespace/name") and an address ("10.244.2.3", "web:80") as strings')
    namespace, _, name = src.rpartition("/")
    namespace = namespace or "default"
    try:
        pod = cluster.api.get("pods", name, namespace)
    except StatusError as error:
        raise UnknownAddressError(f"trace: {error}") from None
    node, source_ip = pod["spec"].get("nodeName"), (pod.get("status") or {}).get("podIP")
    if not node or not source_ip:
        phase = (pod.get("status") or {}).get("phase", "Pending")
        raise UnknownAddressError(f'trace: pod "{name}" has no IP yet ({phase}): it has no network to send from')
    if not cluster.kubelets[node].running:
        raise UnknownAddressError(f"trace: {node} is down: nothing runs there to send from")
    host, colon, port = dst.rpartition(":")
    if not colon:
        host, port = dst, ""
    address = host
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        address = lookup(cluster, host, namespace)
        if address is None:
            raise UnknownAddressError(f"trace: lookup {host}: no such host (no Service {host!r} in namespace "
                                      f"{namespace!r})") from None
    net = pod_network(cluster)
    pod_id, address_ip = f"{namespace}/{name}", ipaddress.IPv4Address(address)
    if net.owners(address_ip):
        return trace(net, pod_id, address_ip)
    if not port.isdigit():
        if any(s["spec"].get("clusterIP") == address for s in cluster.api.list("services")):
            raise UnknownAddressError(f"trace: {address} is a Service's ClusterIP: kube-proxy's rules match "
                                      f"its ports, so give one ({address}:80)")
        return trace(net, pod_id, address_ip)  # nobody has it: trace says so
    return _through_kube_proxy(cluster, net, node, pod_id, address_ip, int(port))


def _through_kube_proxy(cluster: ClusterNetwork, net: FlannelNetwork, node: str, pod_id: str,
                        service_ip: ipaddress.IPv4Address, port: int) -> Trace:
    """kube-proxy's rules on the source node (nat PREROUTING), then the path to the chosen pod."""
    here, _, source_ip = net.find_pod(pod_id)
    bridge = here.bridge.name if here.bridge else "docker0"
    verdict = cluster.kube_proxies[node].tables.traverse(Packet(str(source_ip), str(service_ip), port),
                                                         cluster.rng, False)
    chains = " -> ".join(verdict.chains)
    if verdict.action == "REJECT":
        hops = [Hop(here.name, f"veth@{pod_id}", "veth", source_ip, service_ip),
                Hop(here.name, bridge, "reject", source_ip, service_ip, note=chains)]
        return Trace(pod_id, source_ip, service_ip, hops, False,
                     f"kube-proxy on {node} rejects {service_ip}:{port}: the Service has no ready endpoints "
                     "(connect: connection refused)")
    if verdict.action != "DNAT":  # no rule for it: an address no pod and no Service has
        return trace(net, pod_id, service_ip)
    result = trace(net, pod_id, verdict.destination)
    gateway = here.bridge.address.ip  # type: ignore[union-attr]
    result.hops[:2] = [replace(result.hops[0], dst=service_ip),  # before the rules: still to the Service
                       replace(result.hops[1], dst=service_ip, note=f"to the pods' gateway {gateway}: the host routes it")]
    result.hops.insert(2, Hop(here.name, bridge, "dnat", source_ip, result.dst,
                              note=f"kube-proxy: {service_ip}:{port} -> {verdict.destination}:{verdict.port} ({chains})"))
    result.dialed = f"{service_ip}:{port}"
    return result
