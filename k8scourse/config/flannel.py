"""flannel's network configuration: the JSON stored in etcd under
``$FLANNEL_ETCD_PREFIX/config`` (``/atomic.io/network/config``).

Every flanneld reads it at start to learn the pod network it carves one
subnet per host out of; the notes leave out the step that writes it
(``etcdctl set /atomic.io/network/config '{"Network": ...}'``), without
which flanneld waits forever ("Couldn't fetch network config").
In a rendered tree it sits on the first etcd machine at
``ETCD_KEYS_DIR + key`` (a file standing for the etcd key).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

ETCD_KEYS_DIR = "/etcd-keys"  # a tree's stand-in for keys written with etcdctl
BACKENDS = ("udp", "vxlan", "host-gw", "aws-vpc", "gce", "alloc", "ipip", "ipsec", "wireguard")


class FlannelConfigError(ValueError):
    """A network config flanneld refuses; the Network and SubnetLen messages are flannel's own."""


def config_key(prefix: str) -> str:
    return prefix.rstrip("/") + "/config"


@dataclass(frozen=True)
class NetworkConfig:
    """``{"Network": "10.244.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan"}}``."""

    network: str
    subnet_len: int = 24  # pkg/subnet/config.go: 24 when the network is /22 or larger
    backend: str = "udp"  # flannel 0.7's default backend

    @classmethod
    def parse(cls, text: str) -> NetworkConfig:
        """Read the JSON as flanneld does, refusing what it refuses."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FlannelConfigError(f"invalid network config JSON: {exc}") from None
        if not isinstance(doc, dict) or not doc.get("Network"):
            raise FlannelConfigError("please define a correct Network parameter in the flannel config")
        try:
            network = ipaddress.ip_network(doc["Network"])
        except ValueError:
            raise FlannelConfigError(f'invalid CIDR address: {doc["Network"]}') from None
        # pkg/subnet/config.go CheckNetworkConfig, in its order and words.
        subnet_len = doc.get("SubnetLen", 0)
        if not isinstance(subnet_len, int):
            raise FlannelConfigError(f"SubnetLen {subnet_len!r}: expected a number")
        if subnet_len > 0:
            if subnet_len > 30:
                raise FlannelConfigError("SubnetLen must be less than /31")
            if subnet_len < network.prefixlen + 2:
                raise FlannelConfigError("network must be able to accommodate at least four subnets")
        elif network.prefixlen > 28:
            raise FlannelConfigError("network is too small. Minimum useful network prefix is /28")
        else:  # a /24 per host when the network is big enough, else four subnets
            subnet_len = 24 if network.prefixlen <= 22 else network.prefixlen + 2
        backend = (doc.get("Backend") or {}).get("Type", "udp")
        if backend not in BACKENDS:
            raise FlannelConfigError(f"backend type {backend!r} is not one of {', '.join(BACKENDS)}")
        return cls(str(network), subnet_len, backend)

    def render(self) -> str:
        return json.dumps({"Network": self.network, "SubnetLen": self.subnet_len,
                           "Backend": {"Type": self.backend}}) + "\n"
