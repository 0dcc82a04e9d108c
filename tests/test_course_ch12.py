"""Chapter 12's helpers and checks: the capstone's files, five broken copies, and grading by booting."""

from __future__ import annotations

import pytest

from k8scourse.config import EtcdConfig, lint
from k8scourse.course.ch12 import (APP, BROKEN_APP, LAYERS, boot, broken_files, capstone_files, pod_on_another_node,
                                   replace_text, serves_the_app, set_value, unit_states, what_is_wrong)
from k8scourse.course.checks import AnswerTypeError

FAILS = "booted with your answer, the cluster still fails: "


@pytest.fixture(scope="module")
def working():
    return boot(seed=0)


def test_the_working_files_serve_the_app(working) -> None:
    assert what_is_wrong(working) is None
    assert serves_the_app(capstone_files()) is True
    assert serves_the_app(APP) is True


def test_the_working_files_have_etcds_v2_api_on_every_member() -> None:
    files = capstone_files()
    assert [EtcdConfig.parse(files[m]["/etc/etcd/etcd.conf"]).get("ETCD_ENABLE_V2") for m in
            ("master", "node1", "node2")] == ["true", "true", "true"]
    assert "/etc/etcd/etcd.conf" not in files["node3"]


@pytest.mark.parametrize("layer, message", [
    ("etcd", "etcd on node2 is failed (systemctl status etcd)."),
    ("apiserver", "node1's kubelet never registered its Node."),
    ("kubelet", "kubelet on node3 is failed (systemctl status kubelet)."),
    ("flannel", "flanneld on node2 is activating (systemctl status flanneld)."),
])
def test_each_broken_layer_fails_the_check_with_a_symptom(layer: str, message: str) -> None:
    assert serves_the_app(broken_files(layer)) == FAILS + message


def test_the_broken_service_refuses_the_clients_request() -> None:
    verdict = serves_the_app(BROKEN_APP)
    assert verdict.startswith(FAILS + "the client's request to web:80 failed: dial tcp 10.254.")
    assert verdict.endswith(":80: connect: connection refused")


def test_the_doctor_names_the_broken_file_of_each_layer() -> None:
    expected = {"etcd": ("node2", "/etc/etcd/etcd.conf"), "apiserver": ("node1", "/etc/kubernetes/kubelet"),
                "kubelet": ("node3", "/etc/kubernetes/kubelet"), "flannel": ("node2", "/etc/sysconfig/flanneld")}
    for layer, where in expected.items():
        errors = boot(broken_files(layer)).doctor().errors()
        assert where in {(f.machine, f.path) for f in errors}, layer
    [finding] = boot(app=BROKEN_APP).doctor().errors()
    assert (finding.path, finding.key, finding.code) == ("service default/web", "spec.selector",
                                                         "service-selects-nothing")


def test_the_solutions_repairs_pass() -> None:
    files = broken_files("etcd")
    members = EtcdConfig.parse(files["master"]["/etc/etcd/etcd.conf"]).get("ETCD_INITIAL_CLUSTER")
    assert serves_the_app(set_value(files, "node2", "/etc/etcd/etcd.conf", "ETCD_INITIAL_CLUSTER", members)) is True
    files = broken_files("apiserver")
    for address in ("--bind-address=192.168.197.130", "--bind-address=0.0.0.0"):
        assert serves_the_app(set_value(files, "master", "/etc/kubernetes/apiserver", "KUBE_API_ADDRESS",
                                        address)) is True
    assert serves_the_app(set_value(broken_files("kubelet"), "node3", "/etc/kubernetes/kubelet",
                                    "KUBELET_API_SERVER", "")) is True
    assert serves_the_app(set_value(broken_files("flannel"), "node2", "/etc/sysconfig/flanneld",
                                    "FLANNEL_ETCD_PREFIX", "/atomic.io/network")) is True
    assert serves_the_app(BROKEN_APP.replace("tier: front-end", "tier: frontend")) is True


def test_wrong_repairs_are_told_what_still_fails() -> None:
    files = broken_files("apiserver")
    insecure = set_value(files, "master", "/etc/kubernetes/apiserver", "KUBE_API_ADDRESS",
                         "--insecure-bind-address=0.0.0.0")
    assert serves_the_app(insecure) == FAILS + "kube-apiserver on master is failed (systemctl status kube-apiserver)."
    renamed = set_value(broken_files("etcd"), "node2", "/etc/etcd/etcd.conf", "ETCD_NAME", "etcd2")
    assert serves_the_app(renamed) == FAILS + (  # etcd 3.4.23 runs it: the member its peer URLs make it
        "etcdctl member list shows two members named etcd2: a member's ETCD_NAME must be the name the other "
        "members' ETCD_INITIAL_CLUSTER gives its peer URL.")


def test_answers_of_the_wrong_type_say_what_the_check_wants() -> None:
    for answer in (42, {}, {"node1": "text"}, ["files"]):
        with pytest.raises(AnswerTypeError, match=r"expected your repaired files \{machine: \{path: text\}\} or "
                                                  "the app's manifests as text"):
            serves_the_app(answer)


def test_set_value_edits_a_copy_and_uncomments_a_commented_line() -> None:
    files = broken_files("flannel")
    changed = set_value(files, "node2", "/etc/sysconfig/flanneld", "FLANNEL_OPTIONS", "-iface=eth0")
    assert 'FLANNEL_OPTIONS="-iface=eth0"' in changed["node2"]["/etc/sysconfig/flanneld"]
    assert "#FLANNEL_OPTIONS" in files["node2"]["/etc/sysconfig/flanneld"]


def test_bad_edits_name_the_machine_the_file_or_the_text() -> None:
    files = capstone_files()
    with pytest.raises(KeyError, match="no machine 'node9' in the tree"):
        set_value(files, "node9", "/etc/sysconfig/flanneld", "FLANNEL_ETCD_PREFIX", "/x")
    with pytest.raises(KeyError, match="node3 has no file '/etc/etcd/etcd.conf'"):
        set_value(files, "node3", "/etc/etcd/etcd.conf", "ETCD_NAME", "etcd4")
    with pytest.raises(ValueError, match="node1:/etc/kubernetes/kubelet.kubeconfig does not contain ':8080'"):
        replace_text(files, "node1", "/etc/kubernetes/kubelet.kubeconfig", ":8080", ":6443")
    with pytest.raises(AnswerTypeError):
        set_value("files", "node1", "/etc/sysconfig/flanneld", "A", "b")
    changed = replace_text(files, "node1", "/etc/kubernetes/kubelet.kubeconfig", ":6443", ":8080")
    assert any(f.code == "unreachable" for f in lint(changed) if f.machine == "node1")


def test_unknown_layer() -> None:
    with pytest.raises(ValueError, match="layer: 'dns' is not one of etcd, apiserver, kubelet, flannel"):
        broken_files("dns")
    assert list(LAYERS) == ["etcd", "apiserver", "kubelet", "flannel"]


def test_unit_states_and_a_pod_on_another_node(working) -> None:
    assert unit_states(working).splitlines()[0] == ("master  etcd=active  kube-apiserver=active  "
                                                    "kube-controller-manager=active  kube-scheduler=active")
    far = pod_on_another_node(working, "client", "app=web")
    assert far["spec"]["nodeName"] != working.pod("client")["spec"]["nodeName"]
    with pytest.raises(LookupError, match="no pod matching app=nothing runs on another node"):
        pod_on_another_node(working, "client", "app=nothing")


def test_a_tree_that_lost_a_machine_or_a_file_or_does_not_parse() -> None:
    files = capstone_files()
    assert serves_the_app({"node1": files["node1"]}) == ("your files are for the machines node1; the capstone's are "
                                                         "master, node1, node2, node3.")
    del files["node2"]["/etc/etcd/etcd.conf"]
    assert serves_the_app(files) == ("node2's /etc/etcd/etcd.conf is missing from your files: repair a file rather "
                                     "than delete it.")
    assert serves_the_app("web") == "your answer does not boot: Object 'Kind' is missing in '\"web\"'"


def test_an_app_without_its_client_says_so() -> None:
    assert serves_the_app(APP.replace("name: client", "name: other")) == (
        FAILS + "the client Pod was never created (kubectl get events).")
