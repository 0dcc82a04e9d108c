"""kube-proxy in iptables mode: a Service's virtual IP, made real by NAT rules on every node.

A ClusterIP belongs to no machine. kube-proxy on each node watches Services
and EndpointSlices through the apiserver (never Endpoints: v1.31 reads
slices) and writes netfilter rules that rewrite a packet's destination from
``ClusterIP:port`` to one pod's ``IP:port`` as it leaves the client
(``pkg/proxy/iptables/proxier.go``, ``syncProxyRules``):

1. on a change to a Service or a slice, sync the rules, at most once per
   ``--iptables-min-sync-period`` (1 s), as its BoundedFrequencyRunner does;
2. for each Service port, the endpoints to use are the *ready* ones of its
   slices; if none is ready, the serving ones that are terminating
   (``CategorizeEndpoints`` in ``pkg/proxy/topology.go``), sorted by ``IP:port``;
3. with endpoints: in the ``nat`` table, ``KUBE-SERVICES`` jumps on
   ``ClusterIP:port`` to the port's ``KUBE-SVC-<hash>`` chain, which picks one
   ``KUBE-SEP-<hash>`` chain with the ``statistic`` module: rule *i* of *n*
   matches with probability 1/(n-i), the last always; so each endpoint
   gets 1/n of new connections. Each ``KUBE-SEP`` chain DNATs to its
   endpoint. A NodePort adds ``KUBE-NODEPORTS`` -> ``KUBE-EXT-<hash>`` ->
   the same ``KUBE-SVC`` chain, for packets to any of the node's addresses;
4. without endpoints: in the ``filter`` table, a ``REJECT`` for the port
   (and its node port): the client sees ``connection refused`` at once.

Chain names are ``KUBE-SVC-`` plus the first 16 characters of base32(sha256(
``namespace/name:port`` + protocol in lower case)) (``servicePortChainName``);
``KUBE-SEP-`` hashes the endpoint ``IP:port`` in too. So the ``kubernetes``
Service's chain is ``KUBE-SVC-NPX46M4PTMTKRN6Y`` on every cluster.

The course leaves out the canary, firewall and conntrack-related rules,
session affinity and the Local traffic policies.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping, Protocol

from k8scourse.clock import Timer, VirtualClock

Obj = Mapping[str, Any]

MIN_SYNC_PERIOD = 1.0  # --iptables-min-sync-period (pkg/proxy/apis/config/v1alpha1/defaults.go: 1s)
KUBE_SERVICES = "KUBE-SERVICES"
KUBE_NODEPORTS = "KUBE-NODEPORTS"
KUBE_EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES"
KUBE_MARK_MASQ = "KUBE-MARK-MASQ"
KUBE_POSTROUTING = "KUBE-POSTROUTING"
# xt_statistic keeps a probability as a 31-bit integer: iptables stores lround(0x80000000 * p) and prints it
# back with %.11f (extensions/libxt_statistic.c); the kernel matches when a random u32 & 0x7FFFFFFF is below it
# (net/netfilter/xt_statistic.c). So 1/3 reads back as 0.33333333349.
STATISTIC_SCALE = 0x80000000


@lru_cache(maxsize=4096)  # pure functions, cached: the same few CIDRs and chain names come back all the time
def network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR parsed once (rules and requests test addresses against the same few)."""
    return ipaddress.ip_network(cidr)


@lru_cache(maxsize=65536)
def port_proto_hash(service_port_name: str, protocol: str) -> str:
    """portProtoHash: base32 of sha256, first 16 characters."""
    digest = hashlib.sha256((service_port_name + protocol).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def service_port_chain_name(service_port_name: str, protocol: str) -> str:
    """servicePortChainName: ``KUBE-SVC-`` and the hash of e.g. ``default/web:http`` + ``tcp``."""
    return "KUBE-SVC-" + port_proto_hash(service_port_name, protocol.lower())


def endpoint_chain_name(service_port_name: str, protocol: str, endpoint: str) -> str:
    """servicePortEndpointChainName: the hash also covers the endpoint's ``IP:port``."""
    return "KUBE-SEP-" + port_proto_hash(service_port_name, protocol.lower() + endpoint)


def probability_of(n: int) -> int:
    """The kernel's form of ``--probability 1/n`` (computeProbability writes ``%0.10f``):
    the 31-bit fraction libxt_statistic stores, which ``iptables-save`` prints with 11 digits."""
    return int(float(f"{1.0 / n:0.10f}") * STATISTIC_SCALE + 0.5)  # lround


@dataclass(frozen=True)
class Rule:
    """One iptables rule: what it matches, and where it sends the packet (``target``)."""

    chain: str
    target: str
    comment: str = ""
    destination: str = ""  # -d IP
    source: str = ""  # -s IP
    not_source: str = ""  # ! -s CIDR
    protocol: str = ""  # -p tcp
    dport: int = 0  # -m tcp --dport
    local_destination: bool = False  # -m addrtype --dst-type LOCAL
    probability: int = 0  # -m statistic --mode random --probability (31-bit)
    to_destination: str = ""  # -j DNAT --to-destination IP:port
    target_args: str = ""  # what follows the target word (REJECT's, MARK's)
    mark: str = ""  # -m mark ! --mark ...: only in KUBE-POSTROUTING, which requests never walk

    def save(self) -> str:
        """The rule as ``iptables-save`` prints it (its option order, addresses as /32)."""
        words = ["-A", self.chain]
        if self.not_source:
            words += ["!", "-s", self.not_source]
        if self.source:
            words += ["-s", f"{self.source}/32"]
        if self.destination:
            words += ["-d", f"{self.destination}/32"]
        if self.protocol:
            words += ["-p", self.protocol]
        if self.comment:
            words += ["-m", "comment", "--comment", f'"{self.comment}"']
        if self.mark:
            words += ["-m", "mark", self.mark]
        if self.local_destination:
            words += ["-m", "addrtype", "--dst-type", "LOCAL"]
        if self.protocol:
            words += ["-m", self.protocol]
            if self.dport:
                words += ["--dport", str(self.dport)]
        if self.probability:
            words += ["-m", "statistic", "--mode", "random", "--probability",
                      f"{self.probability / STATISTIC_SCALE:.11f}"]
        words += ["-j", self.target]
        if self.to_destination:
            words += ["--to-destination", self.to_destination]
        if self.target_args:
            words.append(self.target_args)
        return " ".join(words)

    def matches(self, packet: "Packet", rng: random.Random) -> bool:
        if self.destination and packet.destination != self.destination:
            return False
        if self.source and packet.source != self.source:
            return False
        if self.not_source and ipaddress.ip_address(packet.source) in network(self.not_source):
            return False
        if self.protocol and packet.protocol != self.protocol:
            return False
        if self.dport and packet.port != self.dport:
            return False
        if self.local_destination and not packet.to_local:
            return False
        # the kernel draws a 31-bit random number per packet for each statistic rule it meets
        return not self.probability or rng.getrandbits(31) < self.probability


@dataclass
class Packet:
    """A new connection's first packet as the rules see it."""

    source: str
    destination: str
    port: int
    protocol: str = "tcp"
    to_local: bool = False  # addressed to one of this node's own addresses
    masquerade: bool = False


@dataclass(frozen=True)
class Verdict:
    """Where the rules sent a packet: ``DNAT`` (to ``destination``), ``REJECT``, or ``ACCEPT`` (untouched);
    ``chains`` are the chains it went through, in order."""

    action: str
    destination: str
    port: int
    chains: tuple[str, ...]
    comment: str = ""


class Tables:
    """The ``nat`` and ``filter`` tables kube-proxy wrote: chains of rules, in order."""

    BUILTIN = {"filter": ("INPUT", "FORWARD", "OUTPUT"), "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")}

    def __init__(self) -> None:
        self.chains: dict[str, dict[str, list[Rule]]] = {"filter": {}, "nat": {}}

    def add(self, table: str, rule: Rule) -> None:
        self.chains[table].setdefault(rule.chain, []).append(rule)

    def declare(self, table: str, chain: str) -> None:
        self.chains[table].setdefault(chain, [])

    def save(self) -> str:
        """``iptables-save``: each table, built-in chains first, then the others by name."""
        lines = []
        for table in ("filter", "nat"):
            chains = self.chains[table]
            builtin = self.BUILTIN[table]
            lines.append(f"*{table}")
            lines += [f":{name} ACCEPT [0:0]" for name in builtin]
            others = sorted(name for name in chains if name not in builtin)
            lines += [f":{name} - [0:0]" for name in others]
            for name in (*builtin, *others):
                lines += [rule.save() for rule in chains.get(name, ())]
            lines.append("COMMIT")
        return "\n".join(lines) + "\n"

    def traverse(self, packet: Packet, rng: random.Random, from_this_machine: bool) -> Verdict:
        """Run a new connection's first packet through the nat rules, then the filter rules: from
        the OUTPUT hooks when a process on the node sent it, else (from a pod, or another machine)
        from nat PREROUTING and filter FORWARD (kube-proxy hooks the same chains into both)."""
        chains: list[str] = []
        verdict = self._walk("nat", "OUTPUT" if from_this_machine else "PREROUTING", packet, rng, chains)
        if verdict is not None:
            return verdict
        verdict = self._walk("filter", "OUTPUT" if from_this_machine else "FORWARD", packet, rng, chains)
        if verdict is not None:
            return verdict
        return Verdict("ACCEPT", packet.destination, packet.port, tuple(chains))

    def _walk(self, table: str, chain: str, packet: Packet, rng: random.Random,
              visited: list[str]) -> Verdict | None:
        visited.append(chain)
        for rule in self.chains[table].get(chain, ()):
            if not rule.matches(packet, rng):
                continue
            if rule.target == "DNAT":
                address, _, port = rule.to_destination.rpartition(":")
                return Verdict("DNAT", address, int(port), tuple(visited), rule.comment)
            if rule.target == "REJECT":
                return Verdict("REJECT", packet.destination, packet.port, tuple(visited), rule.comment)
            if rule.target == KUBE_MARK_MASQ:
                packet.masquerade = True
                continue
            if rule.target in self.chains[table]:
                verdict = self._walk(table, rule.target, packet, rng, visited)
                if verdict is not None:
                    return verdict
        return None


class WatchAPI(Protocol):
    """The part of the apiserver kube-proxy uses."""

    def list_and_watch(self, resource: str, handler: Callable[[str, Any], None], **options: Any) -> Any: ...


def usable_endpoints(slices: list[Obj], port_name: str, protocol: str) -> list[str]:
    """Step 2: the ``IP:port`` endpoints for one Service port, sorted as the proxy sorts them."""
    found: dict[str, Obj] = {}
    for slice_ in slices:
        port = next((p for p in slice_.get("ports") or () if p.get("name", "") == port_name
                     and p.get("protocol", "TCP") == protocol), None)
        if port is None:
            continue
        for endpoint in slice_.get("endpoints") or ():
            for address in endpoint.get("addresses") or ():
                found[f"{address}:{port['port']}"] = endpoint.get("conditions") or {}
    ready = [e for e, c in found.items() if c.get("ready", True)]  # nil ready means ready
    if not ready:  # fall back on endpoints still serving while they terminate
        ready = [e for e, c in found.items() if c.get("serving", c.get("ready", True)) and c.get("terminating")]
    return sorted(ready)


class KubeProxy:
    """kube-proxy on one node, in iptables mode."""

    def __init__(self, node_name: str, node_ip: str, api: WatchAPI, clock: VirtualClock,
                 cluster_cidr: str = "10.244.0.0/16") -> None:
        self.node_name, self.node_ip, self.api, self.clock = node_name, node_ip, api, clock
        self.cluster_cidr = cluster_cidr  # --cluster-cidr: traffic from outside it is masqueraded
        self.services: dict[str, Obj] = {}
        self.slices: dict[str, dict[str, Obj]] = {}  # by Service key, then slice name
        self.tables = Tables()
        self.last_sync = float("-inf")
        self.syncs = 0
        self._pending: Timer | None = None
        self._watches: list[Any] = []

    def start(self) -> None:
        if not self._watches:
            self._watches = [self.api.list_and_watch("services", self._on_service),
                             self.api.list_and_watch("endpointslices", self._on_slice)]

    def stop(self) -> None:
        """The machine stops: no more watching; the rules it wrote die with the kernel's state."""
        for watch in self._watches:
            watch.cancel()
        self._watches = []
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self.services.clear()
        self.slices.clear()
        self.tables = Tables()

    def _on_service(self, event_type: str, service: Obj) -> None:
        meta = service["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        if event_type == "DELETED":
            self.services.pop(key, None)
        else:
            self.services[key] = service
        self._request_sync()

    def _on_slice(self, event_type: str, slice_: Obj) -> None:
        meta = slice_["metadata"]
        owner = (meta.get("labels") or {}).get("kubernetes.io/service-name")
        if not owner:
            return
        by_name = self.slices.setdefault(f"{meta['namespace']}/{owner}", {})
        if event_type == "DELETED":
            by_name.pop(meta["name"], None)
        else:
            by_name[meta["name"]] = slice_
        self._request_sync()

    def _request_sync(self) -> None:
        """Step 1: sync soon, but not sooner than MIN_SYNC_PERIOD after the last sync."""
        if self._pending is None:
            delay = max(0.0, self.last_sync + MIN_SYNC_PERIOD - self.clock.now)
            self._pending = self.clock.schedule(delay, self.sync_proxy_rules)

    def sync_proxy_rules(self) -> None:
        """Steps 2 to 4: rewrite every rule from the Services and slices seen so far."""
        self._pending = None
        self.last_sync, self.syncs = self.clock.now, self.syncs + 1
        tables = Tables()
        for chain in (KUBE_EXTERNAL_SERVICES, KUBE_NODEPORTS, KUBE_SERVICES):
            tables.declare("filter", chain)
        for hook in ("PREROUTING", "OUTPUT"):
            tables.add("nat", Rule(hook, KUBE_SERVICES, "kubernetes service portals"))
        tables.add("nat", Rule("POSTROUTING", KUBE_POSTROUTING, "kubernetes postrouting rules"))
        tables.add("nat", Rule(KUBE_MARK_MASQ, "MARK", target_args="--or-mark 0x4000"))
        # what KUBE-MARK-MASQ marked leaves with the node's address (the reply must come back through it)
        tables.add("nat", Rule(KUBE_POSTROUTING, "RETURN", mark="! --mark 0x4000/0x4000"))
        tables.add("nat", Rule(KUBE_POSTROUTING, "MARK", target_args="--xor-mark 0x4000"))
        tables.add("nat", Rule(KUBE_POSTROUTING, "MASQUERADE", "kubernetes service traffic requiring SNAT",
                               target_args="--random-fully"))
        for hook in ("FORWARD", "OUTPUT"):
            tables.add("filter", Rule(hook, KUBE_SERVICES, "kubernetes service portals"))
            tables.add("filter", Rule(hook, KUBE_EXTERNAL_SERVICES, "kubernetes externally-visible service portals"))
        for key in sorted(self.services):
            service = self.services[key]
            spec = service.get("spec") or {}
            ip = spec.get("clusterIP", "")
            if not ip or ip == "None" or spec.get("type") == "ExternalName":
                continue  # headless and ExternalName Services get no rules
            for port in spec.get("ports") or ():
                self._service_port_rules(tables, key, ip, port, list(self.slices.get(key, {}).values()))
        tables.add("nat", Rule(KUBE_SERVICES, KUBE_NODEPORTS,
                               "kubernetes service nodeports; NOTE: this must be the last rule in this chain",
                               local_destination=True))
        self.tables = tables

    def _service_port_rules(self, tables: Tables, key: str, cluster_ip: str, port: Obj, slices: list[Obj]) -> None:
        name = port.get("name", "")
        port_name = f"{key}:{name}" if name else key  # ServicePortName.String()
        protocol = port.get("protocol", "TCP")
        proto = protocol.lower()
        endpoints = usable_endpoints(slices, name, protocol)
        node_port = port.get("nodePort", 0)
        if not endpoints:
            comment = f"{port_name} has no endpoints"
            tables.add("filter", Rule(KUBE_SERVICES, "REJECT", comment, destination=cluster_ip, protocol=proto,
                                      dport=port["port"], target_args="--reject-with icmp-port-unreachable"))
            if node_port:
                tables.add("filter", Rule(KUBE_EXTERNAL_SERVICES, "REJECT", comment, protocol=proto, dport=node_port,
                                          local_destination=True,
                                          target_args="--reject-with icmp-port-unreachable"))
            return
        svc_chain = service_port_chain_name(port_name, protocol)
        comment = f"{port_name} cluster IP"
        tables.add("nat", Rule(KUBE_SERVICES, svc_chain, comment, destination=cluster_ip, protocol=proto,
                               dport=port["port"]))
        if self.cluster_cidr:  # without --cluster-cidr there is no local detector and no rule (proxier.go)
            tables.add("nat", Rule(svc_chain, KUBE_MARK_MASQ, comment, destination=cluster_ip, protocol=proto,
                                   dport=port["port"], not_source=self.cluster_cidr))
        if node_port:
            ext_chain = "KUBE-EXT-" + svc_chain.removeprefix("KUBE-SVC-")
            tables.add("nat", Rule(KUBE_NODEPORTS, ext_chain, port_name, protocol=proto, dport=node_port))
            tables.add("nat", Rule(ext_chain, KUBE_MARK_MASQ,
                                   f"masquerade traffic for {port_name} external destinations"))
            tables.add("nat", Rule(ext_chain, svc_chain))
        for i, endpoint in enumerate(endpoints):
            sep_chain = endpoint_chain_name(port_name, protocol, endpoint)
            left = len(endpoints) - i
            tables.add("nat", Rule(svc_chain, sep_chain, f"{port_name} -> {endpoint}",
                                   probability=probability_of(left) if left > 1 else 0))
            tables.add("nat", Rule(sep_chain, KUBE_MARK_MASQ, port_name, source=endpoint.rpartition(":")[0]))
            tables.add("nat", Rule(sep_chain, "DNAT", port_name, protocol=proto, to_destination=endpoint))

    def iptables_save(self) -> str:
        """What ``iptables-save`` prints on this node (kube-proxy's part of it)."""
        return self.tables.save()
