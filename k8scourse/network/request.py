"""One request through the cluster's network: name lookup, kube-proxy's rules, delivery to a pod.

``cluster.request("default/client", "web:80")`` follows what a new TCP
connection goes through on a real cluster, and reports who answered:

1. the name is looked up as the cluster's DNS answers a pod (``web``,
   ``web.NAMESPACE``, ``web.NAMESPACE.svc[.cluster.local]``): a Service's
   ClusterIP. Nodes do not use the cluster's DNS, so from a node only
   addresses work;
2. the first packet goes through the netfilter rules kube-proxy wrote on
   the client's node: to a ClusterIP it is DNATed to one endpoint chosen by
   the ``statistic`` rules (with the cluster's seeded random numbers), or
   REJECTed when the Service has no endpoints; to another node's address it
   travels there and meets that node's rules (a NodePort);
3. the packet reaches the pod's node: a stopped machine never answers (the
   client times out), an IP no sandbox holds is unreachable, a port no
   container listens on refuses the connection; otherwise the pod answers.
   On kube-flannel's network every node's podCIDR routes to it; a cluster
   booted from files has the network its files made, so the packet takes
   ``cluster.trace``'s path there and may never arrive (lost on the way:
   a timeout) or arrive at another pod with the same address.

Errors read as Go's net package words them for the address the client dialed
(DNAT is invisible to it), e.g. ``dial tcp 10.96.0.10:80: connect: connection refused``.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from k8scourse.api.errors import K8sValueError, StatusError
from k8scourse.api.validation import is_ip
from k8scourse.master.apiserver import ADVERTISE_ADDRESS, SECURE_PORT
from k8scourse.network.host import RUNTIMES
from k8scourse.network.trace import UnknownAddressError, trace, trace_from_host
from k8scourse.node.kube_proxy import KubeProxy, Packet, network

CLUSTER_DOMAIN = "cluster.local"  # the kubelet's --cluster-domain (kubeadm's default)


class BadRequestTarget(K8sValueError):
    """A ``cluster.request`` target or source that names nothing requestable."""


@dataclass(frozen=True)
class RequestResult:
    """What one request met. ``ok`` when a pod (or the apiserver) answered: then ``pod``,
    ``namespace``, ``node`` and ``endpoint`` say which; otherwise ``error`` says why not.
    ``chains`` are the iptables chains the first packet went through, node by node."""

    source: str
    target: str
    ok: bool
    pod: str | None = None
    namespace: str | None = None
    node: str | None = None
    endpoint: str | None = None
    error: str = ""
    chains: tuple[str, ...] = ()

    def __str__(self) -> str:
        if not self.ok:
            return f"{self.source} -> {self.target}: {self.error}"
        who = f"pod {self.namespace}/{self.pod} on {self.node}" if self.pod else self.node
        return f"{self.source} -> {self.target}: answered by {who} ({self.endpoint})"


class Machine(Protocol):
    """What a request needs of a node: its address, whether it runs, and its pods' sandboxes."""

    node_name: str
    node_ip: str
    pod_cidr: str
    running: bool
    runtime: Any


class ClusterNetwork(Protocol):
    api: Any
    rng: random.Random
    kubelets: Mapping[str, Machine]
    kube_proxies: Mapping[str, KubeProxy]
    boot: Any  # a cluster booted from files: its Boot, whose pod_network() its files made


def _split_target(target: str) -> tuple[str, int]:
    host, colon, port = target.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BadRequestTarget(f'request target "{target}": expected HOST:PORT such as "web:80", '
                               f'"10.96.0.1:443" or a node\'s address and node port')
    return host, int(port)


def lookup(cluster: ClusterNetwork, host: str, namespace: str | None) -> str | None:
    """Step 1: the cluster DNS's A record for a Service name, or None (NXDOMAIN)."""
    parts = host.removesuffix(".").removesuffix(f".svc.{CLUSTER_DOMAIN}").removesuffix(".svc").split(".")
    if namespace is None or len(parts) > 2:
        return None
    name, namespace = parts[0], parts[1] if len(parts) == 2 else namespace
    try:
        service = cluster.api.get("services", name, namespace)
    except StatusError:
        return None
    spec = service["spec"]
    if spec.get("clusterIP") and spec["clusterIP"] != "None":
        return spec["clusterIP"]
    if spec.get("type") == "ExternalName":
        return None
    ready = sorted(a["ip"] for s in cluster.api.get("endpoints", name, namespace).get("subsets") or ()
                   for a in s.get("addresses") or ())  # a headless Service: its ready pods' IPs
    return cluster.rng.choice(ready) if ready else None


def send_request(cluster: ClusterNetwork, source: str, target: str) -> RequestResult:
    """Steps 1 to 3 for one new connection from ``source`` (a pod ``ns/name`` or ``name``, or a node)."""
    if not isinstance(source, str) or not isinstance(target, str):
        raise TypeError("request() takes a source (a pod \"namespace/name\" or a node name) and a target "
                        f"\"host:port\" as strings, got {type(source).__name__} and {type(target).__name__}")
    host, port = _split_target(target)
    if source in cluster.kubelets:
        node, source_ip, namespace = source, cluster.kubelets[source].node_ip, None
    else:
        pod_namespace, _, pod_name = source.rpartition("/")
        pod = cluster.api.get("pods", pod_name, pod_namespace or "default")
        node, source_ip = pod["spec"].get("nodeName"), (pod.get("status") or {}).get("podIP")
        namespace = pod["metadata"]["namespace"]
        if not node or not source_ip or pod["status"].get("phase") != "Running":
            phase = pod["status"].get("phase", "Pending")
            return RequestResult(source, target, False,
                                 error=f'pod "{pod_name}" is not running ({phase}): it has no network to send from')
    result = _Result(source, target)
    if not cluster.kubelets[node].running:
        return result.failed(f"{node} is down: nothing runs there to send the request")
    address = host if is_ip(host) else lookup(cluster, host, namespace)
    if address is None:
        where = " (a node does not use the cluster's DNS)" if namespace is None else ""
        return result.failed(f"dial tcp: lookup {host}: no such host{where}")
    dialed = f"{address}:{port}"
    nodes_by_ip = {k.node_ip: k for k in cluster.kubelets.values()}
    packet = Packet(source_ip, address, port, to_local=address == cluster.kubelets[node].node_ip)
    from_this_machine = namespace is None
    sender = source if namespace is None else f"{namespace}/{pod_name}"
    visited = set()
    while True:  # step 2, on the client's node, then on the node a packet to a node address reaches
        visited.add(node)
        verdict = cluster.kube_proxies[node].tables.traverse(packet, cluster.rng, from_this_machine)
        result.chains += [f"{node}:{chain}" for chain in verdict.chains]
        if verdict.action == "REJECT":
            return result.failed(f"dial tcp {dialed}: connect: connection refused")
        packet.destination, packet.port = verdict.destination, verdict.port
        if verdict.action == "DNAT":
            break
        machine = nodes_by_ip.get(packet.destination)
        if machine is None or machine.node_name in visited:
            break
        if not machine.running:
            return result.failed(f"dial tcp {dialed}: i/o timeout")
        node, from_this_machine, sender = machine.node_name, False, machine.node_name
        packet = Packet(source_ip, packet.destination, packet.port, to_local=True)
    return _deliver(cluster, result, packet.destination, packet.port, dialed, sender)


def _deliver(cluster: ClusterNetwork, result: "_Result", ip: str, port: int, dialed: str,
             sender: str) -> RequestResult:
    """Step 3: who, at ``ip:port``, answers the packet ``sender`` (a pod ``ns/name`` or a node) sends."""
    endpoint = f"{ip}:{port}"
    if ip == ADVERTISE_ADDRESS:
        if port == SECURE_PORT:
            return result.answered(None, None, "kube-apiserver", endpoint)
        return result.failed(f"dial tcp {dialed}: connect: connection refused")
    address = ipaddress.ip_address(ip)
    owner = next((k for k in cluster.kubelets.values() if k.node_ip == ip), None)
    if owner is None and cluster.boot is not None:  # a pod address: across the network the files made
        owner, error = _across_booted_network(cluster, sender, address)
        if owner is None:
            return result.failed(f"dial tcp {dialed}: {error}")
    elif owner is None:  # kube-flannel's network: every podCIDR routes to its node
        owner = next((k for k in cluster.kubelets.values() if address in network(k.pod_cidr)), None)
    if owner is None:
        return result.failed(f"dial tcp {dialed}: i/o timeout")  # nothing routes there
    if not owner.running:
        return result.failed(f"dial tcp {dialed}: i/o timeout")  # the machine is off: no answer at all
    sandbox = next((s for s in owner.runtime.sandboxes if s.ip == ip and s.ready), None)
    if sandbox is None:
        if owner.node_ip == ip:
            return result.failed(f"dial tcp {dialed}: connect: connection refused")
        return result.failed(f"dial tcp {dialed}: connect: no route to host")
    if any(c.state == "running" and port in c.program.ports for c in sandbox.containers):
        return result.answered(sandbox.pod_name, sandbox.namespace, owner.node_name, endpoint)
    return result.failed(f"dial tcp {dialed}: connect: connection refused")


def _across_booted_network(cluster: ClusterNetwork, sender: str,
                           address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> tuple[Machine | None, str]:
    """The kubelet of the machine a packet from ``sender`` to ``address`` reaches through a booted
    cluster's own pod network (``cluster.trace``'s path), or None and the error the client sees:
    ``no route to host`` when the last host finds no one at that address on its own bridge (ARP
    gets no answer), ``i/o timeout`` when the packet is lost on the way."""
    boot = cluster.boot
    net = boot.pod_network()
    try:
        if sender in cluster.kubelets:  # a node: the machine whose kubelet registered it sends
            machine = next(m for m, n in boot.nodes.items() if n == sender)
            journey = trace_from_host(net, machine, address)
        else:
            journey = trace(net, sender, address)
    except UnknownAddressError:  # no pod holds it: does a bridge's network hold it?
        bridged = any(h.bridge is not None and address in h.bridge.address.network for h in net.hosts.values())
        return None, "connect: no route to host" if bridged else "i/o timeout"
    if not journey.delivered:
        last = journey.hops[-1] if journey.hops else None
        unanswered = last is not None and last.action == "drop" and last.device in RUNTIMES.values()
        return None, "connect: no route to host" if unanswered else "i/o timeout"
    return cluster.kubelets.get(boot.nodes.get(journey.to_host or "", "")), ""


class _Result:
    """A result being built: the chains seen so far, then the outcome."""

    def __init__(self, source: str, target: str) -> None:
        self.source, self.target = source, target
        self.chains: list[str] = []

    def failed(self, error: str) -> RequestResult:
        return RequestResult(self.source, self.target, False, error=error, chains=tuple(self.chains))

    def answered(self, pod: str | None, namespace: str | None, node: str, endpoint: str) -> RequestResult:
        return RequestResult(self.source, self.target, True, pod, namespace, node, endpoint,
                             chains=tuple(self.chains))
