"""Chapter 11's helpers and exercise predicates."""

from __future__ import annotations

import pytest

from k8scourse.cluster import Cluster
from k8scourse.course.ch11 import (endpoint_pods, not_ready_pods, reaches_from_outside, request_rounds,
                                   service_answers, statistic_probabilities, watch_endpoints)

WEB = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"""


def pod(name: str, app: str = "web", node: str = "node-1") -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
            "spec": {"nodeName": node, "containers": [{"name": "web", "image": "nginx:1.27",
                                                       "ports": [{"name": "http", "containerPort": 80}]}]}}


@pytest.fixture
def cluster() -> Cluster:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply([WEB, pod("web-a"), pod("web-b", node="node-2"), pod("client", app="client")])
    cluster.run(30)
    return cluster


def test_endpoint_pods_and_their_changes(cluster):
    assert endpoint_pods(cluster, "web") == (["web-a", "web-b"], [])
    cluster.kubectl("delete pod web-a --wait=false")
    changes = watch_endpoints(cluster, "web", seconds=5)
    assert changes[0] == (0, ["web-a", "web-b"], [])
    assert changes[-1][1:] == (["web-b"], [])
    assert len(changes) == 2


def test_request_rounds_count_answers_and_failures(cluster):
    times, answered, failed = request_rounds(cluster, "client", "web:80", seconds=10, every=5, per_round=10)
    assert (times, answered, failed) == ([0, 5, 10], [10, 10, 10], [0, 0, 0])


def test_statistic_probabilities_predicate():
    check = statistic_probabilities(4)
    assert check([0.25, 1 / 3, 0.5, None]) is True
    assert check([0.25, 0.33333333349, 0.5, None]) is True  # as iptables-save prints them
    assert "1/n for every rule" in check([0.25, 0.25, 0.25, None])
    assert check([0.25, 0.5, 0.5, None]) == "rule 2: not the probability kube-proxy writes."
    assert check([0.25, 1 / 3, 0.5, 1.0]) == "the last rule has no --probability at all: write None for it."
    assert "4 rules" in check([0.5, None])
    assert check([0.25, 0.33, 0.5, None]) is True  # rounded to two decimals
    assert check(["1/4", "1/3", "1/2", None]) is True  # fractions as text
    assert check([0.25, 0.32, 0.5, None]) == "rule 2: not the probability kube-proxy writes."
    assert check(["a quarter", 0.33, 0.5, None]) == "every rule but the last needs a number between 0 and 1."
    assert check(42).startswith("expected a list of 4 probabilities")
    assert check(["a", "b", "c", None]) == "every rule but the last needs a number between 0 and 1."


def test_service_answers_predicate(cluster):
    check = service_answers(cluster, "client", ["web-a", "web-b"], requests=30)
    assert check(WEB) is True
    wrong_selector = WEB.replace("{app: web}", "{app: frontend}")
    assert "its Endpoints list no pod" in check(wrong_selector)
    assert "connection refused" in check(wrong_selector)
    assert "its Endpoints list no pod" in check(WEB.replace("targetPort: http", "targetPort: web"))
    assert check("kind: Pod") == "expected a Service manifest, got kind 'Pod'."
    assert check(3).startswith("expected a Service manifest as YAML text")
    assert check(WEB.replace("port: 80,", "port: 0,")).startswith("the apiserver refuses it")


def test_service_answers_can_be_run_again(cluster):
    """A rerun notebook cell builds the predicate anew: its try must not update the last one's Service."""
    wrong_selector = WEB.replace("{app: web}", "{app: web, tier: frontend}")
    assert "its Endpoints list no pod" in service_answers(cluster, "client", ["web-a", "web-b"])(wrong_selector)
    assert service_answers(cluster, "client", ["web-a", "web-b"])(WEB) is True
    assert sorted(s["metadata"]["name"] for s in cluster.api.list("services", "default")) == ["kubernetes", "web"]


def test_service_answers_wants_the_clients_port(cluster):
    check = service_answers(cluster, "client", ["web-a", "web-b"], requests=10, port=8080)
    assert check(WEB) == "it listens on port 80; the clients use port 8080."
    assert check(WEB.replace("port: 80,", "port: 8080,").replace("targetPort: http", "targetPort: 80")) is True


def test_not_ready_pods_predicate_follows_a_node_failure(cluster):
    check = not_ready_pods(cluster, "web")
    cluster.fail_node("node-2")
    cluster.run(60)
    assert check({"web-b"}) is True
    assert check(set()) == "0 pods, but not the ones the Endpoints list as not ready."
    assert check({"ghost"}) == "no pod is named ghost."


def test_reaches_from_outside_predicate(cluster):
    check = reaches_from_outside(cluster, "web")
    port = cluster.api.get("services", "web")["spec"]["ports"][0]["nodePort"]
    assert check(f"192.168.197.131:{port}") is True
    cluster_ip = cluster.api.get("services", "web")["spec"]["clusterIP"]
    assert check(f"{cluster_ip}:80").startswith("a ClusterIP lives only in the nodes' rules")
    assert check("192.168.197.131:80") == "192.168.197.131:80 does not answer: dial tcp 192.168.197.131:80: " \
                                          "connect: connection refused."
    assert check(80).startswith("expected an address and port as text")
    cluster.fail_node("node-1")  # the other machine is down: the request comes from node-2 itself
    assert check(f"192.168.197.132:{port}") is True
    assert check(f"192.168.197.131:{port}") == (f"192.168.197.131:{port} does not answer: "
                                               f"dial tcp 192.168.197.131:{port}: i/o timeout.")
