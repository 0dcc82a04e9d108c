"""Chapter 10's helpers and checks: flannel network configs, MTUs, and a network to repair.

The predicates compute the truth when they run (they boot flanneld on the
learner's config, ask the backends for their MTU, trace every pair of pods),
so the notebook never holds the answer::

    network_config_fits(nodes=40, pods_per_node=300)('{"Network": ...}')   # True, or what is wrong
"""

from __future__ import annotations

import ipaddress
import itertools
import json
from collections.abc import Callable, Mapping
from typing import Any

from k8scourse.network.backends import backend_mtu
from k8scourse.network.flannel import NOTES_SYSCONFIG, FlannelNetwork
from k8scourse.network.flannel_config import MODELLED_BACKENDS, FlannelConfigError, parse_network_config

from .checks import AnswerTypeError

Predicate = Callable[[Any], "bool | str"]

ETCD = "http://192.168.197.130:2379"
CONFIG_KEY = "/atomic.io/network/config"
#: Ranges a pod network must stay clear of on the notes' machines: their own LAN and the
#: notes' --service-cluster-ip-range.
TAKEN = {"the machines' network 192.168.197.0/24": ipaddress.IPv4Network("192.168.197.0/24"),
         "the notes' service range 192.254.0.0/16": ipaddress.IPv4Network("192.254.0.0/16")}


def _config_text(answer: Any) -> str:
    if isinstance(answer, Mapping):
        return json.dumps(answer)
    if isinstance(answer, str):
        return answer
    raise AnswerTypeError("the network config as JSON text or a dict", answer)


def boot(config: str | Mapping[str, Any], nodes: int, seed: int = 0) -> FlannelNetwork:
    """``nodes`` of the notes' machines (192.168.197.131 on) running flanneld 0.7 on ``config`` (JSON or a dict)."""
    if not 1 <= nodes <= 120:
        raise ValueError(f"nodes must be between 1 and 120 (192.168.197.131-250), not {nodes}")
    net = FlannelNetwork(seed=seed)
    net.add_etcd(ETCD, enable_v2=True).v2.set(CONFIG_KEY, _config_text(config))
    for index in range(nodes):
        address = str(ipaddress.IPv4Address("192.168.197.131") + index)
        net.add_host(address, f"{address}/24", sysconfig=NOTES_SYSCONFIG)
        net.start_flanneld(address)
    net.run(1)
    return net


def network_config_fits(nodes: int, pods_per_node: int) -> Predicate:
    """Flannel 0.7 accepts the config, leases a subnet to each of ``nodes`` hosts, each subnet holds
    ``pods_per_node`` pods besides docker0's gateway, and the network overlaps nothing taken."""
    def predicate(answer: Any) -> bool | str:
        text = _config_text(answer)
        try:
            config = parse_network_config(text)
        except FlannelConfigError as error:
            return f"flanneld refuses it: {error}"
        for what, taken in TAKEN.items():
            if config.network.overlaps(taken):
                return f"{config.network} overlaps {what}: packets for those addresses would go to pods."
        room = 2 ** (32 - config.subnet_len) - 3  # network, broadcast, docker0
        if room < pods_per_node:
            return (f"each node leases a /{config.subnet_len}: {room} pod addresses besides the network, broadcast "
                    f"and docker0's own address, fewer than {pods_per_node}.")
        net = boot(text, nodes)
        stuck = [h for h in net.hosts.values() if h.flanneld.lease is None]
        if stuck:
            last = stuck[0].flanneld.log[-1][2]
            return f"{len(stuck)} of {nodes} hosts got no lease; flanneld on {stuck[0].name} logs: {last}"
        return True
    return predicate


def mtus_predicted(iface_mtu: int) -> Predicate:
    """A ``{backend: MTU}`` dict matching what flanneld writes to subnet.env over an ``iface_mtu`` interface."""
    def predicate(answer: Any) -> bool | str:
        if not isinstance(answer, Mapping):
            raise AnswerTypeError("a dict like {\"udp\": ..., \"vxlan\": ..., \"host-gw\": ...}", answer)
        if set(answer) != set(MODELLED_BACKENDS):
            return f"give one MTU for each of {', '.join(MODELLED_BACKENDS)} (got {', '.join(map(str, answer))})."
        not_numbers = [backend for backend in MODELLED_BACKENDS if not isinstance(answer[backend], int)]
        if not_numbers:
            return f"each MTU is a number of bytes, like 1500; {', '.join(not_numbers)} is not."
        wrong = []
        for backend in MODELLED_BACKENDS:
            config = parse_network_config(json.dumps({"Network": "10.244.0.0/16", "Backend": {"Type": backend}}))
            if answer[backend] != backend_mtu(config, iface_mtu):
                wrong.append(backend)
        return True if not wrong else f"not right for {', '.join(wrong)}."
    return predicate


BROKEN_HOST = "192.168.197.133"


def broken_network(seed: int = 0) -> FlannelNetwork:
    """The lab's three vxlan hosts a day after something happened on one of them."""
    net = FlannelNetwork.lab(nodes=3, backend="vxlan", seed=seed)
    net.stop_flanneld(BROKEN_HOST)
    net.run(25 * 3600)
    return net


def unreachable_pairs(net: FlannelNetwork) -> list[tuple[str, str]]:
    """Every (source pod, destination pod) whose packet does not arrive."""
    pods = [(pod, ip) for host in net.hosts.values() for pod, ip in host.pods.items()]
    return [(src, dst) for (src, _), (dst, ip) in itertools.permutations(pods, 2)
            if not net.trace(src, str(ip)).delivered]


def every_pod_reaches_every_other(answer: Any) -> bool | str:
    """The learner's repaired network: each pod's packets reach each other pod."""
    if not isinstance(answer, FlannelNetwork):
        raise AnswerTypeError("the FlannelNetwork you repaired", answer)
    failed = unreachable_pairs(answer)
    if failed:
        src, dst = failed[0]
        return f"{len(failed)} pairs of pods still cannot talk, for example {src} -> {dst}."
    return True
