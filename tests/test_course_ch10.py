"""Chapter 10's checks: a network config that fits, MTUs per backend, a network to repair."""

from __future__ import annotations

import pytest

from k8scourse.course.ch10 import (BROKEN_HOST, boot, broken_network, every_pod_reaches_every_other, mtus_predicted,
                                   network_config_fits, unreachable_pairs)
from k8scourse.course.checks import AnswerTypeError

FITS = network_config_fits(nodes=40, pods_per_node=300)


def test_a_config_with_room_for_the_nodes_and_their_pods_fits() -> None:
    assert FITS({"Network": "10.244.0.0/16", "SubnetLen": 23}) is True
    assert FITS('{"Network": "10.0.0.0/8", "SubnetLen": 22, "Backend": {"Type": "vxlan"}}') is True


@pytest.mark.parametrize("answer, message", [
    ('{"Network": "10.244.0.0/16"}', "each node leases a /24: 253 pod addresses besides the network, broadcast and "
                                     "docker0's own address, fewer than 300."),
    ('{"Network": "10.244.0.0/20", "SubnetLen": 23}', "33 of 40 hosts got no lease; flanneld on 192.168.197.138 "
                                                      "logs: Failed to acquire lease: out of subnets"),
    ('{"Network": "192.168.0.0/16", "SubnetLen": 23}', "192.168.0.0/16 overlaps the machines' network "
                                                       "192.168.197.0/24: packets for those addresses would go to pods."),
    ('{"Network": "10.244.0.0/16", "SubnetLen": 8}', "flanneld refuses it: /atomic.io/network/config: HostSubnet is "
                                                     "larger network than Network"),
])
def test_configs_that_do_not_fit_say_why(answer: str, message: str) -> None:
    assert FITS(answer) == message


def test_a_config_of_the_wrong_type() -> None:
    with pytest.raises(AnswerTypeError, match="the network config as JSON text or a dict, got the number 42"):
        FITS(42)


def test_mtus_are_the_interface_less_each_backends_overhead() -> None:
    predicate = mtus_predicted(1450)
    assert predicate({"udp": 1422, "vxlan": 1400, "host-gw": 1450}) is True
    assert predicate({"udp": 1472, "vxlan": 1450, "host-gw": 1500}) == "not right for udp, vxlan, host-gw."
    assert predicate({"vxlan": 1400}) == "give one MTU for each of udp, vxlan, host-gw (got vxlan)."
    assert predicate({"udp": "1422", "vxlan": 1400, "host-gw": 1450}) == ("each MTU is a number of bytes, like 1500; "
                                                                          "udp is not.")
    with pytest.raises(AnswerTypeError):
        predicate(1400)


def test_the_broken_network_is_repaired_by_restarting_flanneld() -> None:
    net = broken_network()
    assert len(unreachable_pairs(net)) == 8
    assert every_pod_reaches_every_other(net) == ("8 pairs of pods still cannot talk, for example pod-1-1 -> "
                                                  "pod-3-1.")
    net.start_flanneld(BROKEN_HOST)
    net.run(1)
    assert every_pod_reaches_every_other(net) is True
    with pytest.raises(AnswerTypeError):
        every_pod_reaches_every_other("restart flanneld")


def test_boot_takes_a_dict_and_names_its_limits() -> None:
    net = boot({"Network": "10.244.0.0/16"}, nodes=2)
    assert all(host.flanneld.lease is not None for host in net.hosts.values())
    with pytest.raises(ValueError, match=r"^nodes must be between 1 and 120 \(192.168.197.131-250\), not 200$"):
        boot({"Network": "10.244.0.0/16"}, nodes=200)
