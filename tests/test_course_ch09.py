"""Chapter 09's helpers and checks: heartbeats read back from etcd, a KubeletConfiguration, failure timings."""

from __future__ import annotations

import pytest

from k8scourse.cluster import Cluster
from k8scourse.config import lint
from k8scourse.course.ch09 import (failure_predicted, failure_times, intervals, kubelet_configuration_accepted,
                                   lease_renewals, missing_node_files, status_reports)
from k8scourse.course.checks import AnswerTypeError

GOOD = """
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 192.168.197.131
port: 10250
"""


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.run(330 - cluster.now)
    return cluster


def test_the_lease_is_renewed_every_10_seconds_from_the_start(cluster: Cluster) -> None:
    renewals = lease_renewals(cluster, "node-1")
    assert renewals[:3] == [0.0, 10.0, 20.0] and set(intervals(renewals)) == {10.0}
    assert len(renewals) == 34


def test_an_unchanged_status_is_written_every_5_minutes(cluster: Cluster) -> None:
    assert status_reports(cluster, "node-1") == [0.0, 300.0]


def test_a_kubelet_configuration_the_linter_accepts_passes() -> None:
    assert kubelet_configuration_accepted(GOOD) is True


@pytest.mark.parametrize("text, says", [
    (GOOD.replace("192.168.197.131", "127.0.0.1"), "the kubelet serves its API on 127.0.0.1 only"),
    (GOOD + "authentication: {anonymous: {enabled: true}}\n", "the kubelet answers anonymous requests"),
    (GOOD + "podInfraContainerImage: registry.k8s.io/pause:3.10\n", "has no field 'podInfraContainerImage'"),
    (GOOD + "apiServers: [http://192.168.197.130:8080]\n", "has no field 'apiServers'"),
    (GOOD.replace("10250", "10255"), "port 10250"),
    (GOOD.replace("KubeletConfiguration", "KubeProxyConfiguration"), "kind KubeletConfiguration"),
    ("- a\n- list\n", "is a YAML mapping"),
    ("a: [", "that is not YAML"),
])
def test_a_wrong_kubelet_configuration_is_told_why(text: str, says: str) -> None:
    verdict = kubelet_configuration_accepted(text)
    assert isinstance(verdict, str) and says in verdict


def test_a_kubelet_configuration_must_be_text() -> None:
    with pytest.raises(AnswerTypeError, match="YAML text"):
        kubelet_configuration_accepted({"kind": "KubeletConfiguration"})


def test_failure_times_are_the_clusters() -> None:
    # Last renewal at 40 s: NotReady 50 s after it; NoExecute 10 s later, then the Pod's own 120 s.
    assert failure_times(0, 45, 120) == (45.0, 170.5)


def test_failure_predictions_within_10_seconds_pass() -> None:
    predicate = failure_predicted(0, 45, 120)
    assert predicate({"not_ready": 40, "evicted": 165}) is True
    assert "sooner" in predicate({"not_ready": 60, "evicted": 170})
    assert "later" in predicate({"not_ready": 20, "evicted": 170})
    assert "DefaultTolerationSeconds" in predicate({"not_ready": 45, "evicted": 350})
    assert "NoExecute taint lands" in predicate({"not_ready": 45, "evicted": 120})


@pytest.mark.parametrize("answer", [45, {"not_ready": "45", "evicted": 170}, {"not_ready": 45}])
def test_failure_predictions_of_the_wrong_shape_are_told_what_is_wanted(answer: object) -> None:
    with pytest.raises(AnswerTypeError):
        failure_predicted(0, 45, 120)(answer)


def test_the_missing_node_tree_passes_the_linter_on_the_kubelets() -> None:
    tree = missing_node_files()
    assert tree["node2"]["/etc/kubernetes/kubelet"] == tree["node1"]["/etc/kubernetes/kubelet"]
    assert not [f for f in lint(tree) if "kubelet" in f.path]
