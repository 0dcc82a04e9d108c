"""cluster.doctor(): the linter's findings plus what the components report, as one table."""

from __future__ import annotations

import pytest

from k8scourse.boot.doctor import Diagnosis, diagnose
from k8scourse.cluster import Cluster
from k8scourse.config import ClusterSpec
from k8scourse.config.lint import Finding

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: %s}
  ports: [{port: 80}]
"""
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
"""


class FakeAPI:
    """The part of the apiserver the doctor reads, holding objects a test writes."""

    def __init__(self, **objects: list[dict]) -> None:
        self.objects = objects

    def list(self, resource: str, namespace: str | None = None, **selectors: object) -> list[dict]:
        return self.objects.get(resource, [])


class FakeCluster:
    def __init__(self, **objects: list[dict]) -> None:
        self.api = FakeAPI(**objects)


def pod(name: str, node: str, ip: str | None = None, waiting: str | None = None) -> dict:
    status: dict = {"phase": "Running" if waiting is None else "Pending"}
    if ip:
        status["podIP"] = ip
    if waiting:
        status["containerStatuses"] = [{"name": "c", "state": {"waiting": {"reason": waiting}}}]
    return {"metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
            "spec": {"nodeName": node}, "status": status}


@pytest.fixture(scope="module")
def web() -> Cluster:
    cluster = Cluster.quickstart(nodes=2)
    cluster.apply(DEPLOYMENT)
    cluster.apply(SERVICE % "wbe")
    cluster.run(30)
    return cluster


def test_a_healthy_cluster_has_no_findings() -> None:
    cluster = Cluster.quickstart(nodes=2)
    diagnosis = diagnose(cluster)
    assert diagnosis == []
    assert str(diagnosis).startswith("No problems found")


def test_a_service_whose_selector_matches_nothing_names_the_key_and_the_pods_labels(web: Cluster) -> None:
    [finding] = diagnose(web)
    assert (finding.path, finding.key, finding.code, finding.severity) == (
        "service default/web", "spec.selector", "service-selects-nothing", "error")
    assert finding.message.startswith("the selector app=wbe matches no pod, so its Endpoints stay empty")
    assert "the pods' labels are app=web,pod-template-hash=" in finding.message
    assert "--show-labels" in finding.fix


def test_a_service_whose_pods_are_not_ready_is_a_warning() -> None:
    cluster = FakeCluster(pods=[pod("web-1", "node-1", waiting="ContainerCreating")],
                          services=[{"metadata": {"name": "web", "namespace": "default"},
                                     "spec": {"selector": {"app": "web"}}}])
    [finding] = diagnose(cluster)
    assert finding.code == "service-no-ready-endpoints"
    assert finding.message == "the selector app=web matches 1 pod(s), none of them Ready, so its Endpoints stay empty"


def test_a_node_that_stops_is_not_ready_with_its_condition(web: Cluster) -> None:
    cluster = Cluster.quickstart(nodes=2)
    cluster.fail_node("node-2")
    cluster.run(60)
    [finding] = diagnose(cluster)
    assert (finding.machine, finding.path, finding.key, finding.code) == (
        "node-2", "/etc/kubernetes/kubelet", "Ready", "node-not-ready")
    assert finding.message == ("Node node-2 is NotReady (NodeStatusUnknown): "
                               "Kubelet stopped posting node status.")


def test_a_kubelet_that_never_registers_is_named_with_its_last_log_line() -> None:
    journal = ("-- Logs begin at Mon 2017-01-02 10:00:00 CST. --\n"
               "Jan 02 10:00:01 node1 kubelet[812]: E0102 10:00:01 reflector.go:190] Failed to list *v1.Node: "
               "Get http://192.168.197.130:8080/api/v1/nodes: dial tcp 192.168.197.130:8080: "
               "getsockopt: connection refused\n")
    [finding] = diagnose(FakeCluster(), node_machines={"192.168.197.131": "node1"},
                         logs=lambda machine, daemon: journal)
    assert (finding.machine, finding.path, finding.key, finding.code) == (
        "node1", "/etc/kubernetes/kubelet", "KUBELET_API_SERVER", "node-not-registered")
    assert finding.message.endswith("its journal ends: E0102 10:00:01 reflector.go:190] Failed to list *v1.Node: "
                                    "Get http://192.168.197.130:8080/api/v1/nodes: dial tcp 192.168.197.130:8080: "
                                    "getsockopt: connection refused")


def test_a_failed_unit_names_its_file_and_says_how_to_read_its_log() -> None:
    journal = "Jan 02 10:00:01 node1 kubelet[812]: Error: unknown flag: --api-servers\n"
    [finding] = diagnose(FakeCluster(), units=[("node1", "kubelet", "failed", 3.0)],
                         node_machines={"192.168.197.131": "node1"}, logs=lambda machine, daemon: journal)
    assert (finding.machine, finding.path, finding.key, finding.code, finding.severity) == (
        "node1", "/etc/kubernetes/kubelet", "kubelet", "unit-failed", "error")
    assert finding.message == "kubelet failed and is not running; its journal ends: Error: unknown flag: --api-servers"
    assert "cluster.logs('node1', 'kubelet')" in finding.fix


def test_two_pods_with_one_ip_point_at_flannel() -> None:
    cluster = FakeCluster(pods=[pod("a", "node-1", "172.17.5.2"), pod("b", "node-2", "172.17.5.2"),
                                pod("c", "node-2", "172.17.6.2")])
    [finding] = diagnose(cluster)
    assert (finding.path, finding.code) == ("/etc/sysconfig/flanneld", "duplicate-pod-ip")
    assert finding.message.startswith("2 pods have the IP 172.17.5.2 (a on node-1, b on node-2)")


def test_a_pod_stuck_creating_carries_the_kubelets_warning() -> None:
    event = {"metadata": {"name": "web.1", "namespace": "default"}, "type": "Warning",
             "reason": "FailedCreatePodSandBox", "lastTimestamp": "2024-01-01T00:00:05Z",
             "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web"},
             "message": "failed to set up the sandbox: open /run/flannel/subnet.env: no such file or directory"}
    node = {"metadata": {"name": "node-1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    cluster = FakeCluster(pods=[pod("web", "node-1", waiting="ContainerCreating")], events=[event], nodes=[node])
    [finding] = diagnose(cluster, node_machines={"node-1": "node1"})
    assert (finding.machine, finding.path, finding.code) == ("node1", "pod default/web", "pod-stuck")
    assert finding.message == ("stuck ContainerCreating: failed to set up the sandbox: "
                               "open /run/flannel/subnet.env: no such file or directory")


def test_other_warning_events_are_reported_as_the_component_words_them() -> None:
    event = {"metadata": {"name": "web.1", "namespace": "default"}, "type": "Warning", "count": 3,
             "reason": "FailedScheduling", "source": {"component": "default-scheduler"},
             "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web"},
             "message": "0/2 nodes are available: 2 Insufficient cpu."}
    [finding] = diagnose(FakeCluster(events=[event]))
    assert (finding.path, finding.key, finding.severity) == ("pod default/web", "FailedScheduling", "warning")
    assert finding.message == "default-scheduler reports (3 times): 0/2 nodes are available: 2 Insufficient cpu."
    assert finding.fix == "kubectl describe pod web -n default"


def test_the_linters_findings_come_first_and_errors_before_warnings() -> None:
    spec = ClusterSpec.seed_lab()
    diagnosis = diagnose(FakeCluster(), spec.render_all(), spec.kubernetes_version,
                         units=[("node1", "kubelet", "failed", 3.0)])
    severities = [f.severity for f in diagnosis]
    assert severities == sorted(severities, key=("error", "warning").index)
    errors = diagnosis.errors()
    assert [(f.machine, f.key) for f in errors][:2] == [("node1", "KUBE_MASTER"), ("node1", "KUBELET_API_SERVER")]
    assert errors[-1].code == "unit-failed"
    assert all(isinstance(f, Finding) for f in diagnosis)
    assert {f.severity for f in diagnose(FakeCluster(), spec.render_all(), spec.kubernetes_version,
                                         minimum="error")} == {"error"}


def test_the_table_numbers_each_finding_and_wraps_under_its_labels() -> None:
    finding = Finding("node1", "/etc/kubernetes/kubelet", "KUBELET_API_SERVER", "error", "unreachable",
                      "word " * 40, "fix it")
    text = str(Diagnosis([finding]))
    lines = text.splitlines()
    assert lines[0] == "1 finding (1 error)"
    assert lines[2] == " 1. ERROR   node1  /etc/kubernetes/kubelet  [KUBELET_API_SERVER]"
    assert lines[3].startswith("      what: word word")
    assert lines[4].startswith(" " * 12 + "word")
    assert lines[-1] == "      fix:  fix it"
    assert all(len(line) <= Diagnosis.WIDTH for line in lines)
    assert repr(Diagnosis([finding])) == text


def test_a_severity_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="minimum: 'fatal' is not a severity; use one of error, warning, info"):
        diagnose(FakeCluster(), minimum="fatal")


def test_a_unit_starting_too_long_is_stuck_and_one_never_started_is_a_warning() -> None:
    units = [("node1", "flanneld", "activating", 25.0), ("node2", "flanneld", "activating", 3.0),
             ("node3", "kube-proxy", "inactive", 0.0), ("node3", "docker", "active", 9.0)]
    found = diagnose(FakeCluster(), units=units)
    assert [(f.machine, f.key, f.severity, f.code) for f in found] == [
        ("node1", "flanneld", "error", "unit-failed"), ("node3", "kube-proxy", "warning", "unit-inactive")]
    assert found[0].message == "flanneld has been starting for 25 s without getting ready"
    assert found[1].fix == "systemctl start kube-proxy on node3"


def test_cluster_doctor_on_the_notes_cluster_says_why_no_node_registers() -> None:
    cluster = Cluster.from_spec(ClusterSpec.seed_lab())
    cluster.run(30)
    errors = cluster.doctor().errors()
    codes = {(f.machine, f.path, f.key, f.code) for f in errors}
    assert ("node1", "/etc/kubernetes/kubelet", "KUBELET_API_SERVER", "unreachable") in codes
    assert ("node1", "/etc/kubernetes/kubelet", "KUBELET_API_SERVER", "node-not-registered") in codes
    registered = next(f for f in errors if f.code == "node-not-registered" and f.machine == "node1")
    assert registered.message.endswith("dial tcp 192.168.197.130:8080: getsockopt: connection refused")


def test_cluster_doctor_on_a_cluster_built_in_code_reads_its_objects() -> None:
    cluster = Cluster.quickstart(nodes=1)
    cluster.apply(SERVICE % "nothing")
    assert [f.code for f in cluster.doctor()] == ["service-no-pods"]


def test_an_empty_selection_says_what_it_left_out() -> None:
    warning = Finding("node1", "/etc/sysconfig/flanneld", "FLANNEL_ETCD_ENDPOINTS", "warning", "x", "m")
    assert str(Diagnosis([warning]).errors()) == ("No errors: every daemon runs and the files agree. "
                                                  "Warnings remain: print all the findings.")
    assert str(Diagnosis([]).errors()) == "No errors: every daemon runs and the files agree."
    assert str(Diagnosis([warning]).about("node2")) == "No findings about node2."
    assert Diagnosis([warning]).about("node1") == [warning]


def test_k8scourse_doctor_boots_a_folder_and_exits_1_on_an_error(tmp_path, capsys) -> None:
    from k8scourse.course import cli

    ClusterSpec.seed_lab().write(tmp_path)
    assert cli.main(["doctor", str(tmp_path), "--seconds", "30"]) == 1
    out = capsys.readouterr().out
    # no file names etcd's version: the notes' era (v1.5.2's flags) ran etcd 3.3.11, which serves v2 by default
    assert out.startswith("25 findings (6 errors, 19 warnings)")
    assert 'ETCD_ENABLE_V2="true"' not in out
    assert "the kubelet runs but Node 192.168.197.131 never registered" in out


def test_k8scourse_doctor_on_a_folder_that_is_no_cluster(tmp_path, capsys) -> None:
    from k8scourse.course import cli

    assert cli.main(["doctor", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err == f"k8scourse: error: {tmp_path / 'missing'}: not a folder\n"
    (tmp_path / "x").mkdir()
    assert cli.main(["doctor", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("k8scourse: error: ")
