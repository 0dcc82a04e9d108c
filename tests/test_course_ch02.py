"""Chapter 02's checks: judged on the cluster, friendly about wrong types, never naming the answer."""

from __future__ import annotations

import pytest

from k8scourse.cluster import Cluster
from k8scourse.course.ch02 import predicts_phases, shares_a_file, static_pod_gone

MAILBOX = """
apiVersion: v1
kind: Pod
metadata:
  name: mailbox
spec:
  volumes:
  - {name: box, emptyDir: {}}
  - {name: other, emptyDir: {}}
  containers:
  - name: writer
    image: busybox:1.36
    command: ["sleep", "infinity"]
    volumeMounts: [{name: box, mountPath: /out}]
  - name: reader
    image: busybox:1.36
    command: ["sleep", "infinity"]
    volumeMounts: [{name: box, mountPath: /in}]
"""


@pytest.fixture
def cluster() -> Cluster:
    return Cluster.quickstart(nodes=2, seed=0)


@pytest.fixture
def mailbox(cluster: Cluster):
    return shares_a_file(cluster, writer=("writer", "/out/msg.txt"), reader=("reader", "/in/msg.txt"))


def test_a_shared_volume_delivers(mailbox) -> None:
    assert mailbox(MAILBOX) is True


def test_each_try_runs_under_a_new_name(cluster: Cluster, mailbox) -> None:
    mailbox(MAILBOX)
    mailbox(MAILBOX)
    assert {"mailbox-check-1", "mailbox-check-2"} <= {p["metadata"]["name"] for p in cluster.api.list("pods")}


def test_a_new_check_after_a_wrong_try_runs_under_a_new_name(cluster: Cluster) -> None:
    """Rerunning the check cell builds a new predicate; it must not reuse the name of the first try."""
    def check_cell():
        return shares_a_file(cluster, writer=("writer", "/out/msg.txt"), reader=("reader", "/in/msg.txt"))

    separate = MAILBOX.replace("[{name: box, mountPath: /in}]", "[{name: other, mountPath: /in}]")
    assert check_cell()(separate) is not True
    assert check_cell()(MAILBOX) is True
    assert "mailbox-check-2" in {p["metadata"]["name"] for p in cluster.api.list("pods")}


def test_two_volumes_do_not_deliver(mailbox) -> None:
    separate = MAILBOX.replace("[{name: box, mountPath: /in}]", "[{name: other, mountPath: /in}]")
    assert mailbox(separate) == ("writer wrote /out/msg.txt, but reader cannot read it: "
                                 "cat: can't open '/in/msg.txt': No such file or directory.")


def test_a_missing_container_is_named(mailbox) -> None:
    assert mailbox(MAILBOX.replace("name: reader", "name: reeder")) == (
        'container "reader" of pod "default/mailbox-check-1" not found on this node.')


@pytest.mark.parametrize(("answer", "message"), [
    (42, "expected a Pod manifest as YAML text, got the number 42."),
    ("kind: Service", "expected a Pod manifest, got kind 'Service'."),
    ("a: [b", "that is not valid YAML (line 1): expected ',' or ']', but got '<stream end>'."),
])
def test_not_a_pod_manifest(mailbox, answer: object, message: str) -> None:
    assert mailbox(answer) == message


def test_a_pod_that_never_runs(mailbox) -> None:
    nowhere = MAILBOX.replace("spec:\n", "spec:\n  nodeSelector: {disktype: none}\n", 1)
    assert mailbox(nowhere) == ("its containers are not all running after 60 s: "
                                "look at kubectl describe pod mailbox-check-1.")


def test_a_manifest_the_apiserver_refuses(mailbox) -> None:
    assert mailbox(MAILBOX.replace("image: busybox:1.36\n    command", "command", 1)).startswith(
        "the apiserver refuses it: ")


PROGRAM = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: {policy}
  containers: [{{name: app, image: "busybox:1.36", command: ["sh", "-c", "sleep 2; exit {code}"]}}]
"""


@pytest.fixture
def phases(cluster: Cluster):
    pods = {("Never", 0): "never-0", ("Never", 1): "never-1"}
    for (policy, code), name in pods.items():
        cluster.apply(PROGRAM.format(name=name, policy=policy, code=code))
    cluster.run(30)
    return predicts_phases(cluster, pods)


def test_right_phases_in_any_case(phases) -> None:
    assert phases({("Never", 0): "Succeeded", ("Never", 1): "failed"}) is True


def test_wrong_phases_are_named_by_key_only(phases) -> None:
    message = phases({("Never", 0): "Running", ("Never", 1): "Running"})
    assert message == "2 of 2 wrong: ('Never', 0), ('Never', 1)."
    assert "Succeeded" not in message and "Failed" not in message


@pytest.mark.parametrize(("answer", "message"), [
    (["Running"], "expected a dict of phases keyed by (restartPolicy, exit code), got a list of 1 item."),
    ({("Never", 0): "CrashLoopBackOff"},
     "CrashLoopBackOff is not a phase; a phase is one of Pending, Running, Succeeded, Failed."),
    ({("Never", 0): "Running"}, "no prediction for ('Never', 1)."),
])
def test_phase_answers_of_the_wrong_shape(phases, answer: object, message: str) -> None:
    assert phases(answer) == message


def test_static_pod_gone_only_once_its_file_is(cluster: Cluster) -> None:
    manifests = {"/etc/kubernetes/manifests/etcd.yaml":
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\n"
                 "spec: {containers: [{name: etcd, image: 'registry.k8s.io/etcd:3.5.15-0'}]}\n"}
    cluster.add_node("node-9", static_pods=manifests)
    cluster.run(15)
    gone = static_pod_gone(cluster, "node-9", "kube-system")
    assert gone("anything") == "the apiserver still shows etcd-node-9."
    manifests.clear()
    cluster.run(25)
    assert gone("anything") is True
