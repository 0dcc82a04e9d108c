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

import json
from dataclasses import dataclass

from k8scourse.network.flannel_config import FlannelConfigError, parse_network_config

ETCD_KEYS_DIR = "/etcd-keys"  # a tree's stand-in for keys written with etcdctl


def config_key(prefix: str) -> str:
    return prefix.rstrip("/") + "/config"


@dataclass(frozen=True)
class NetworkConfig:
    """``{"Network": "10.244.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan"}}``."""

    network: str
    subnet_len: int = 24  # subnet/config.go: 24 unless the network is /24 or smaller
    backend: str = "udp"  # flannel 0.7's default backend

    @classmethod
    def parse(cls, text: str, key: str = "/atomic.io/network/config", version: str = "0.7") -> NetworkConfig:
        """Read the JSON as flanneld ``version`` does, refusing what it refuses
        (:func:`k8scourse.network.flannel_config.parse_network_config`)."""
        parsed = parse_network_config(text, key, version)
        return cls(str(parsed.network), parsed.subnet_len, parsed.backend.type)

    def render(self) -> str:
        return json.dumps({"Network": self.network, "SubnetLen": self.subnet_len,
                           "Backend": {"Type": self.backend}}) + "\n"
