"""kube-proxy's iptables rules, and requests through them (``cluster.request``)."""

from __future__ import annotations

from collections import Counter

import pytest

from k8scourse.cluster import Cluster
from k8scourse.network.request import BadRequestTarget
from k8scourse.node.kube_proxy import endpoint_chain_name, probability_of, service_port_chain_name, usable_endpoints

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"type": "NodePort", "selector": {"app": "web"},
                    "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
EMPTY = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "empty"},
         "spec": {"type": "NodePort", "selector": {"app": "nothing"}, "ports": [{"port": 80}]}}


def pod(name: str, app: str = "web", node: str | None = None) -> dict:
    spec = {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"name": "http", "containerPort": 80}]}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}}, "spec": spec}


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    """Three web pods (two on node-1, one on node-2), a client on node-2, and a Service matching nothing."""
    cluster = Cluster.quickstart(nodes=2, seed=1)
    cluster.apply([SERVICE, EMPTY, pod("web-a", node="node-1"), pod("web-b", node="node-1"),
                   pod("web-c", node="node-2"), pod("client", app="client", node="node-2")])
    cluster.run(30)
    return cluster


def cluster_ip(cluster: Cluster, name: str) -> str:
    return cluster.api.get("services", name)["spec"]["clusterIP"]


def node_port(cluster: Cluster, name: str) -> int:
    return cluster.api.get("services", name)["spec"]["ports"][0]["nodePort"]


def test_chain_names_are_upstreams_hashes():
    assert service_port_chain_name("default/kubernetes:https", "TCP") == "KUBE-SVC-NPX46M4PTMTKRN6Y"
    assert endpoint_chain_name("default/web:http", "TCP", "10.244.1.2:80").startswith("KUBE-SEP-")
    assert len(service_port_chain_name("ns/x", "UDP")) == len("KUBE-SVC-") + 16


def test_probabilities_are_what_the_kernel_keeps():
    assert [f"{probability_of(n) / 0x80000000:.11f}" for n in (2, 3, 4)] == [
        "0.50000000000", "0.33333333349", "0.25000000000"]


def test_each_cluster_ip_port_gets_a_svc_chain_picking_endpoints_one_in_n(cluster):
    rules = cluster.iptables("node-1")
    chain = service_port_chain_name("default/web:http", "TCP")
    ip = cluster_ip(cluster, "web")
    assert (f'-A KUBE-SERVICES -d {ip}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp '
            f'--dport 80 -j {chain}') in rules.splitlines()
    picks = [line for line in rules.splitlines() if line.startswith(f"-A {chain} -m comment")]
    ips = sorted(cluster.pod(p)["status"]["podIP"] for p in ("web-a", "web-b", "web-c"))
    assert [line.split('"')[1] for line in picks] == [f"default/web:http -> {i}:80" for i in ips]
    assert ["--probability 0.33333333349" in picks[0], "--probability 0.50000000000" in picks[1],
            "--probability" in picks[2]] == [True, True, False]
    sep = endpoint_chain_name("default/web:http", "TCP", f"{ips[0]}:80")
    assert (f'-A {sep} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination {ips[0]}:80'
            in rules.splitlines())
    assert rules == cluster.iptables("node-2")  # every node has the same rules
    assert "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN" in rules.splitlines()


def test_a_service_without_endpoints_is_rejected_in_the_filter_table(cluster):
    filter_table = cluster.iptables("node-1").split("*nat")[0]
    assert (f'-A KUBE-SERVICES -d {cluster_ip(cluster, "empty")}/32 -p tcp -m comment --comment '
            f'"default/empty has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable'
            in filter_table.splitlines())
    assert "default/empty" not in cluster.iptables("node-1").split("*nat")[1]
    result = cluster.request("client", "empty:80")
    assert (result.ok, result.error) == (False, f"dial tcp {cluster_ip(cluster, 'empty')}:80: connect: "
                                                "connection refused")
    refused = cluster.request("node-1", f"192.168.197.131:{node_port(cluster, 'empty')}")
    assert refused.error.endswith("connect: connection refused")


def test_requests_spread_evenly_over_the_endpoints(cluster):
    answers = Counter(cluster.request("default/client", "web:80").pod for _ in range(3000))
    assert set(answers) == {"web-a", "web-b", "web-c"}
    assert all(900 < n < 1100 for n in answers.values())


def test_names_cluster_ips_and_node_ports_reach_the_same_pods(cluster):
    by_name = cluster.request("client", "web.default.svc.cluster.local:80")
    assert by_name.ok and by_name.pod in {"web-a", "web-b", "web-c"}
    assert by_name.chains[:3] == ("node-2:PREROUTING", "node-2:KUBE-SERVICES",
                                  f"node-2:{service_port_chain_name('default/web:http', 'TCP')}")
    assert cluster.request("client", f"{cluster_ip(cluster, 'web')}:80").ok
    via_node = cluster.request("node-2", f"192.168.197.131:{node_port(cluster, 'web')}")
    assert via_node.ok and via_node.chains[0] == "node-2:OUTPUT"
    assert "node-1:KUBE-NODEPORTS" in via_node.chains
    assert cluster.request("client", "kubernetes:443").node == "kube-apiserver"


def test_what_cannot_be_reached_says_why(cluster):
    assert cluster.request("client", "nosuch:80").error == "dial tcp: lookup nosuch: no such host"
    assert cluster.request("node-1", "web:80").error == (
        "dial tcp: lookup web: no such host (a node does not use the cluster's DNS)")
    web_a = cluster.pod("web-a")["status"]["podIP"]
    assert cluster.request("client", f"{web_a}:8080").error == f"dial tcp {web_a}:8080: connect: connection refused"
    assert cluster.request("client", "10.244.1.250:80").error == (
        "dial tcp 10.244.1.250:80: connect: no route to host")
    with pytest.raises(BadRequestTarget, match='request target "web": expected HOST:PORT'):
        cluster.request("client", "web")
    with pytest.raises(TypeError):
        cluster.request("client", 80)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='pods "ghost" not found'):
        cluster.request("ghost", "web:80")


def test_rules_follow_endpoints_at_most_once_a_second():
    cluster = Cluster.quickstart(nodes=1, seed=3)
    cluster.apply([SERVICE, pod("web-a")])
    cluster.run(30)
    proxy = cluster.kube_proxies["node-1"]
    syncs = proxy.syncs
    cluster.apply(pod("web-b"))
    cluster.run(30)
    assert cluster.iptables("node-1").count("default/web:http -> ") == 2
    assert proxy.syncs - syncs <= 30  # bounded by --iptables-min-sync-period
    cluster.kubectl("delete pod web-a web-b --wait=false")
    cluster.run(60)
    assert "default/web:http has no endpoints" in cluster.iptables("node-1")


def test_only_ready_endpoints_are_used_or_else_the_serving_terminating_ones():
    def endpoint(ip: str, ready: bool, serving: bool, terminating: bool) -> dict:
        return {"addresses": [ip], "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}

    ports = [{"name": "http", "protocol": "TCP", "port": 8080}]
    slices = [{"ports": ports, "endpoints": [endpoint("10.0.0.2", True, True, False),
                                             endpoint("10.0.0.1", False, True, True),
                                             endpoint("10.0.0.3", False, False, False)]}]
    assert usable_endpoints(slices, "http", "TCP") == ["10.0.0.2:8080"]
    slices[0]["endpoints"].pop(0)
    assert usable_endpoints(slices, "http", "TCP") == ["10.0.0.1:8080"]
    assert usable_endpoints(slices, "metrics", "TCP") == []


def test_a_dead_nodes_pods_time_out_until_their_endpoints_go():
    cluster = Cluster.quickstart(nodes=2, seed=1)
    cluster.apply([SERVICE, pod("web-a", node="node-1"), pod("client", app="client", node="node-2")])
    cluster.run(30)
    cluster.kubelets["node-1"].stop()
    result = cluster.request("client", "web:80")
    assert result.error == f"dial tcp {cluster_ip(cluster, 'web')}:80: i/o timeout"
    assert cluster.request("node-1", "10.96.0.1:443").error == "node-1 is down: nothing runs there to send the request"
    with pytest.raises(ValueError, match='nodes "node-9" not found'):
        cluster.iptables("node-9")


def test_the_service_range_is_the_apiservers_flag():
    notes = Cluster(seed=0, service_cluster_ip_range="192.254.0.0/16")
    assert notes.api.get("services", "kubernetes")["spec"]["clusterIP"] == "192.254.0.1"
    with pytest.raises(ValueError, match="the service cluster IP range must be at least 8 IP addresses"):
        Cluster(seed=0, service_cluster_ip_range="10.0.0.0/30")
    smallest = Cluster(seed=0, service_cluster_ip_range="10.0.0.0/29")  # as the message says
    assert smallest.api.get("services", "kubernetes")["spec"]["clusterIP"] == "10.0.0.1"
    with pytest.raises(TypeError, match="service CIDR"):
        Cluster(seed=0, service_cluster_ip_range=None)  # type: ignore[arg-type]
