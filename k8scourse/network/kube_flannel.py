"""flannel on today's cluster: ``kube-flannel`` with ``--kube-subnet-mgr``, read from a ``Cluster``.

With the Kubernetes subnet manager flanneld keeps no leases in etcd: each
node's lease is its ``spec.podCIDR`` (the controller-manager's
``--allocate-node-cidrs`` hands them out), and the VTEP MAC travels in the
node's ``flannel.alpha.coreos.com/backend-data`` annotation. kube-flannel.yml's
net-conf.json is ``{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}``,
and flannel's CNI plugin puts pods on ``cni0``. ``network_from_cluster`` builds
that network from a cluster's nodes and pod sandboxes, so ``Cluster.trace`` can
follow a packet through it; the cluster itself is not changed.
"""

from __future__ import annotations

import ipaddress
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Protocol

from k8scourse.api.errors import StatusError
from k8scourse.network.backends import LeaseAttrs, backend_mtu
from k8scourse.network.flannel import FlannelNetwork
from k8scourse.network.flannel_config import FlannelNetworkConfig, parse_network_config
from k8scourse.network.request import Machine, lookup
from k8scourse.network.routes import Link, Net
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


def network_from_cluster(kubelets: Mapping[str, Machine], pods: list[dict] = ()) -> FlannelNetwork:
    """The cluster's pod network as kube-flannel (vxlan, cni0) programs it: the pods of running
    machines from their sandboxes, those of machines that are off from the Pod objects ``pods``
    (their addresses are still theirs; nothing answers there)."""
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
        for sandbox in kubelet.runtime.sandboxes if kubelet.running else ():
            if sandbox.ready and sandbox.ip:
                host.pods[f"{sandbox.namespace}/{sandbox.pod_name}"] = ipaddress.IPv4Address(sandbox.ip)
        for pod in pods if not kubelet.running else ():
            address = (pod.get("status") or {}).get("podIP")
            if pod["spec"].get("nodeName") == name and address:
                host.pods[f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"] = ipaddress.IPv4Address(address)
        daemons[name] = daemon
    for name, daemon in daemons.items():  # every node's watch on the Node objects
        daemon.peers = {other.lease: other.attrs for peer, other in daemons.items() if peer != name}
    return net


class ClusterNetwork(Protocol):
    api: Any
    rng: Any
    kubelets: Mapping[str, Machine]
    kube_proxies: Mapping[str, Any]


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
    down = any(not kubelet.running for kubelet in cluster.kubelets.values())
    net = network_from_cluster(cluster.kubelets, cluster.api.list("pods") if down else [])
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
    here = net.hosts[node]
    source_ip = here.pods[pod_id]
    verdict = cluster.kube_proxies[node].tables.traverse(Packet(str(source_ip), str(service_ip), port),
                                                         cluster.rng, False)
    chains = " -> ".join(verdict.chains)
    if verdict.action == "REJECT":
        hops = [Hop(node, f"veth@{pod_id}", "veth", source_ip, service_ip),
                Hop(node, "cni0", "reject", source_ip, service_ip, note=chains)]
        return Trace(pod_id, source_ip, service_ip, hops, False,
                     f"kube-proxy on {node} rejects {service_ip}:{port}: the Service has no ready endpoints "
                     "(connect: connection refused)")
    if verdict.action != "DNAT":  # no rule for it: an address no pod and no Service has
        return trace(net, pod_id, service_ip)
    result = trace(net, pod_id, verdict.destination)
    gateway = here.bridge.address.ip  # type: ignore[union-attr]
    result.hops[:2] = [replace(result.hops[0], dst=service_ip),  # before the rules: still to the Service
                       replace(result.hops[1], dst=service_ip, note=f"to the pods' gateway {gateway}: the host routes it")]
    result.hops.insert(2, Hop(node, "cni0", "dnat", source_ip, result.dst,
                              note=f"kube-proxy: {service_ip}:{port} -> {verdict.destination}:{verdict.port} ({chains})"))
    result.dialed = f"{service_ip}:{port}"
    return result
