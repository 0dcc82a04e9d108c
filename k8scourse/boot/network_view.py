"""The pod network a booted cluster's packets cross: the one its files made, with its pods on it.

The boot's :class:`~k8scourse.network.flannel.FlannelNetwork` has a host per machine
with what its daemons set up: flanneld's lease, backend device and routes (from the
network config in etcd), and docker's bridge (on the lease, or docker's default
172.17.0.1/16 when flanneld had written no /run/flannel/docker). The pods on each
host are those its kubelet runs, at the addresses the kubelet gave them from that
bridge's network: :class:`PodNetworkView` brings the hosts up to date with the
kubelets (as docker sees the containers they run) before ``cluster.trace`` and
``cluster.request`` follow a packet through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from k8scourse.network.flannel import FlannelNetwork
from k8scourse.network.kube_flannel import node_pods

if TYPE_CHECKING:
    from .wiring import Boot


class PodNetworkView:
    """The boot's network with each machine's pods on it, read again when a kubelet's sandboxes change."""

    def __init__(self, boot: Boot) -> None:
        self.boot = boot
        self._seen: dict[str, Any] = {}  # machine -> its kubelet's ready sandboxes when last looked at

    def network(self) -> FlannelNetwork:
        """Each host with the pods its machine's kubelet runs; a machine whose kubelet is stopped is down
        (its containers went with it), its pods at the addresses their Pod objects keep."""
        net, kubelets, pods = self.boot.network, self.boot.cluster.kubelets, None
        for machine, host in net.hosts.items():
            kubelet = kubelets.get(self.boot.nodes.get(machine, ""))
            if kubelet is None:  # its kubelet never registered: no pods there
                net.set_pods(machine, {})
                continue
            host.running = kubelet.running
            if kubelet.running:
                seen = [(s.namespace, s.pod_name, s.ip) for s in kubelet.runtime.sandboxes if s.ready and s.ip]
                if self._seen.get(machine) != seen:
                    self._seen[machine] = seen
                    net.set_pods(machine, node_pods(kubelet))
                continue
            self._seen.pop(machine, None)
            if pods is None:
                pods = self.boot.cluster.api.list("pods")
            net.set_pods(machine, node_pods(kubelet, pods))
        return net
