"""The pod network a booted cluster's packets cross: the one its files made, with its pods on it.

The boot's :class:`~k8scourse.network.flannel.FlannelNetwork` has a host per machine
with what its daemons set up: flanneld's lease, backend device and routes (from the
network config in etcd), and docker's bridge (on the lease, or docker's default
172.17.0.1/16 when flanneld had written no /run/flannel/docker). The pods on each
host are those its kubelet runs, at the addresses the kubelet gave them from that
bridge's network: ``pod_network`` brings the hosts up to date with the kubelets
(as docker sees the containers they run) before ``cluster.trace`` and
``cluster.request`` follow a packet through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from k8scourse.network.flannel import FlannelNetwork
from k8scourse.network.kube_flannel import node_pods

if TYPE_CHECKING:
    from .wiring import Boot


def pod_network(boot: Boot) -> FlannelNetwork:
    """The boot's network, each host with the pods its machine's kubelet runs; a machine whose kubelet
    is stopped is down (its containers went with it), its pods at the addresses their Pod objects keep."""
    net, kubelets, pods = boot.network, boot.cluster.kubelets, None
    for machine, host in net.hosts.items():
        kubelet = kubelets.get(boot.nodes.get(machine, ""))
        if kubelet is None:  # its kubelet never registered: no pods there
            net.set_pods(machine, {})
            continue
        if not kubelet.running and pods is None:
            pods = boot.cluster.api.list("pods")
        host.running = kubelet.running
        net.set_pods(machine, node_pods(kubelet, pods or ()))
    return net

