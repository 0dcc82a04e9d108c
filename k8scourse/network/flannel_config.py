"""flannel's network config: the JSON flanneld reads from ``<prefix>/config``, checked by flannel's rules.

``{"Network": "10.244.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan"}}``.
Two flannel versions are modelled, since their rules differ:

* ``"0.7"``: CentOS 7's flannel-0.7.1 (the notes' era), ``subnet/config.go`` ParseConfig:
  SubnetLen defaults to 24, or to half the network when the network is /24 or smaller;
  only a SubnetLen shorter than the network's prefix is refused.
* ``"0.26"``: today's flannel, ``pkg/subnet/config.go`` CheckNetworkConfig: SubnetLen
  defaults to 24 for a /22 or larger network, else to a quarter of it; a network
  smaller than /28, a SubnetLen over 30 or one leaving fewer than four subnets is refused,
  and SubnetMin/SubnetMax must sit on a subnet boundary.

Both: SubnetMin defaults to the network's second subnet (the first is skipped),
SubnetMax to its last; a SubnetMin or SubnetMax outside the network is refused; a
config without ``Backend`` uses the ``udp`` backend (``parseBackendType``), and
the type is lower-cased before the backend is looked up (``backend/manager.go``).
Every error names the etcd key it came from; the words after the colon are flannel's.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any


class FlannelConfigError(ValueError):
    """A network config flanneld refuses."""

VERSIONS = ("0.7", "0.26")
# The backends each version was built with (backend/*/ registered constructors).
BACKENDS = {
    "0.7": ("alloc", "aws-vpc", "gce", "host-gw", "udp", "vxlan"),
    "0.26": ("alivpc", "alloc", "aws-vpc", "extension", "gce", "host-gw", "ipip", "ipsec", "tencent-vpc",
             "udp", "vxlan", "wireguard"),
}
MODELLED_BACKENDS = ("udp", "vxlan", "host-gw")  # the ones whose devices and packets this model draws
# backend/udp/udp.go: defaultPort = 8285; backend/vxlan/vxlan.go: defaultVNI = 1, and a Port
# of 0 leaves the kernel's VXLAN port, 8472 (Linux's pre-IANA default, drivers/net/vxlan).
UDP_DEFAULT_PORT = 8285
VXLAN_DEFAULT_VNI = 1
VXLAN_DEFAULT_PORT = 8472


class NetworkConfigError(FlannelConfigError):
    """A network config flanneld refuses; names the etcd key, then flannel's own words."""

    def __init__(self, key: str, message: str) -> None:
        self.key, self.reason = key, message
        super().__init__(f"{key}: {message}")


@dataclass(frozen=True)
class BackendConfig:
    """The ``Backend`` object: its type and the options flannel reads for it."""

    type: str = "udp"
    vni: int = VXLAN_DEFAULT_VNI
    port: int = 0  # 0: the backend's default port
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def udp_port(self) -> int:
        """The UDP port the backend's packets travel on (8285 for udp, 8472 for vxlan)."""
        if self.port:
            return self.port
        return {"udp": UDP_DEFAULT_PORT, "vxlan": VXLAN_DEFAULT_PORT}.get(self.type, 0)


@dataclass(frozen=True)
class FlannelNetworkConfig:
    """A parsed and defaulted network config."""

    network: ipaddress.IPv4Network
    subnet_len: int
    subnet_min: ipaddress.IPv4Address
    subnet_max: ipaddress.IPv4Address
    backend: BackendConfig
    version: str = "0.7"

    @property
    def subnet_size(self) -> int:
        return 1 << (32 - self.subnet_len)

    def subnets(self) -> list[ipaddress.IPv4Network]:
        """Every subnet flannel may lease, SubnetMin to SubnetMax."""
        first, last, size = int(self.subnet_min), int(self.subnet_max), self.subnet_size
        return [ipaddress.IPv4Network((n, self.subnet_len)) for n in range(first, last + 1, size)]


def _ip4(key: str, name: str, value: Any) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(value)
    except (ValueError, TypeError):  # pkg/ip/ipnet.go ParseIP4
        raise NetworkConfigError(key, f"{name}: Invalid IP address format: {value!r}") from None


# Python's json messages, in encoding/json's words (scanner.go).
_GO_CONTEXT = {
    "Expecting value": "looking for beginning of value",
    "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
    "Expecting ':' delimiter": "after object key",
    "Expecting ',' delimiter": "after object key:value pair",
    "Extra data": "after top-level value",
}


def _go_json_error(text: str, exc: json.JSONDecodeError) -> str:
    """How Go's encoding/json words a syntax error (what flanneld logs), with where it is."""
    if exc.pos >= len(text.rstrip()):
        return "unexpected end of JSON input"
    where = f" (line {exc.lineno}, column {exc.colno})"
    return f"invalid character {text[exc.pos]!r} {_GO_CONTEXT.get(exc.msg, exc.msg)}{where}"


def parse_network_config(text: str, key: str = "/atomic.io/network/config", version: str = "0.7") -> FlannelNetworkConfig:
    """Parse and default the JSON stored at ``key`` as flanneld ``version`` does."""
    if version not in VERSIONS:
        raise ValueError(f"flannel version must be one of {', '.join(VERSIONS)}, not {version!r}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:  # flannel returns encoding/json's error as it is
        raise NetworkConfigError(key, _go_json_error(text, exc)) from None
    if not isinstance(doc, dict):
        raise NetworkConfigError(key, "json: cannot unmarshal into Go value of type subnet.Config")
    if not doc.get("Network"):
        # today's CheckNetworkConfig; 0.7 went on with 0.0.0.0/0, which no one wants
        raise NetworkConfigError(key, "please define a correct Network parameter in the flannel config")
    try:  # net.ParseCIDR; the host bits are dropped (10.244.1.7/16 is 10.244.0.0/16)
        network = ipaddress.IPv4Network(str(doc["Network"]), strict=False)
    except ValueError:
        raise NetworkConfigError(key, f"invalid CIDR address: {doc['Network']}") from None
    prefix = network.prefixlen
    subnet_len = doc.get("SubnetLen") or 0
    if not isinstance(subnet_len, int) or isinstance(subnet_len, bool) or subnet_len < 0:
        raise NetworkConfigError(key, f"json: cannot unmarshal {json.dumps(subnet_len)} into Go struct field "
                                      "Config.SubnetLen of type uint")
    if version == "0.7":
        if subnet_len and subnet_len < prefix:
            raise NetworkConfigError(key, "HostSubnet is larger network than Network")
        if not subnet_len:
            subnet_len = 24 if prefix < 24 else prefix + 1
        if subnet_len > 32:
            raise NetworkConfigError(key, "SubnetLen must be less than /31")  # a shift Go would wrap; refuse
    else:
        if subnet_len:
            if subnet_len > 30:
                raise NetworkConfigError(key, "SubnetLen must be less than /31")
            if subnet_len < prefix + 2:
                raise NetworkConfigError(key, "network must be able to accommodate at least four subnets")
        elif prefix > 28:
            raise NetworkConfigError(key, "network is too small. Minimum useful network prefix is /28")
        else:
            subnet_len = 24 if prefix <= 22 else prefix + 2
    size = 1 << (32 - subnet_len)
    base, end = int(network.network_address), int(network.broadcast_address) + 1
    subnet_min = ipaddress.IPv4Address(base + size)
    subnet_max = ipaddress.IPv4Address(end - size)
    if doc.get("SubnetMin"):
        subnet_min = _ip4(key, "SubnetMin", doc["SubnetMin"])
        if subnet_min not in network:
            raise NetworkConfigError(key, "SubnetMin is not in the range of the Network")
    if doc.get("SubnetMax"):
        subnet_max = _ip4(key, "SubnetMax", doc["SubnetMax"])
        if subnet_max not in network:
            raise NetworkConfigError(key, "SubnetMax is not in the range of the Network")
    if version != "0.7":
        for name, value in (("SubnetMin", subnet_min), ("SubnetMax", subnet_max)):
            if int(value) % size:
                raise NetworkConfigError(key, f"{name} is not on a SubnetLen boundary: {value}")
    return FlannelNetworkConfig(network, subnet_len, subnet_min, subnet_max,
                                _parse_backend(key, doc.get("Backend"), version), version)


def _parse_backend(key: str, backend: Any, version: str) -> BackendConfig:
    if backend is None:
        return BackendConfig()  # parseBackendType: no Backend means udp
    if not isinstance(backend, dict):
        raise NetworkConfigError(key, "error decoding Backend property of config: json: cannot unmarshal "
                                      f"{type(backend).__name__} into Go value of type struct {{ Type string }}")
    kind = str(backend.get("Type", "")).lower()
    if kind not in BACKENDS[version]:
        raise NetworkConfigError(key, f"unknown backend type: {kind}")  # backend/manager.go GetBackend
    if kind not in MODELLED_BACKENDS:
        raise NetworkConfigError(key, f"backend {kind!r} exists in flannel but is not modelled here "
                                      f"(use one of {', '.join(MODELLED_BACKENDS)})")
    options = {"udp": ("Port",), "vxlan": ("VNI", "Port"), "host-gw": ()}[kind]
    values: dict[str, int] = {}
    for option in options:
        value = backend.get(option, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            label = {"udp": "UDP", "vxlan": "VXLAN"}[kind]  # backend/udp/udp.go, backend/vxlan/vxlan.go
            raise NetworkConfigError(key, f"error decoding {label} backend config: json: cannot unmarshal "
                                          f"{json.dumps(value)} into Go struct field .{option} of type int")
        values[option] = value
    return BackendConfig(kind, values.get("VNI") or VXLAN_DEFAULT_VNI, values.get("Port", 0), dict(backend))


def check_for_cluster(config: FlannelNetworkConfig, nodes: int, service_cluster_ip_range: str | None = None,
                      key: str = "/atomic.io/network/config") -> None:
    """What flannel does not check but the cluster needs: a subnet for every node, and pod
    addresses apart from the Services' (``--service-cluster-ip-range``)."""
    available = len(range(int(config.subnet_min), int(config.subnet_max) + 1, config.subnet_size))
    if nodes > available:
        raise NetworkConfigError(key, f"Network {config.network} with SubnetLen {config.subnet_len} offers "
                                      f"{available} subnets ({config.subnet_min} to {config.subnet_max}) for {nodes} "
                                      "nodes: the others' flanneld would log \"Failed to acquire lease: out of subnets\"")
    if service_cluster_ip_range:
        services = ipaddress.ip_network(service_cluster_ip_range, strict=False)
        if services.overlaps(config.network):
            raise NetworkConfigError(key, f"Network {config.network} overlaps the service range {services} "
                                          "(--service-cluster-ip-range): a ClusterIP and a pod could share an "
                                          "address, and kube-proxy's rules would catch the pod's traffic")
