"""The Cluster facade: components wired on one clock, deterministic per seed."""

import pytest

from k8scourse.api.errors import K8sValueError
from k8scourse.cluster import Cluster

WEB = """\
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 500m}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec:
  containers: [{name: db, image: "postgres:16"}]
"""


def test_quickstart_nodes_register_and_are_ready():
    cluster = Cluster.quickstart(nodes=3, seed=0)
    lines = cluster.kubectl("get nodes").splitlines()
    assert [line.split()[:2] for line in lines[1:]] == [["node-1", "Ready"], ["node-2", "Ready"], ["node-3", "Ready"]]
    assert cluster.etcd.get("/registry/leases/kube-node-lease/node-1") is not None


def test_a_pod_goes_from_apply_to_running():
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply(WEB)
    assert cluster.api.get("pods", "web")["status"]["phase"] == "Pending"
    cluster.run(60)
    pod = cluster.api.get("pods", "web")
    assert pod["status"]["phase"] == "Running"
    assert pod["spec"]["nodeName"] in ("node-1", "node-2")
    reasons = [e["reason"] for e in cluster.api.list("events", field_selector="involvedObject.name=web")]
    assert reasons[:1] == ["Scheduled"] and "Started" in reasons


def test_same_seed_same_story():
    def story(seed):
        cluster = Cluster.quickstart(nodes=3, seed=seed)
        cluster.apply(WEB)
        cluster.run(60)
        return cluster.kubectl("get pods -o wide") + cluster.kubectl("get events")

    assert story(0) == story(0)


def test_apply_updates_an_existing_object():
    cluster = Cluster.quickstart(nodes=1, seed=0)
    cluster.apply(WEB)
    (updated,) = cluster.apply({"apiVersion": "v1", "kind": "Pod",
                                "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
                                "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                         "resources": {"requests": {"cpu": "500m"}}}]}})
    assert updated["metadata"]["labels"]["tier"] == "front"


def test_bad_manifests_name_the_problem():
    cluster = Cluster.quickstart(nodes=1, seed=0)
    with pytest.raises(K8sValueError, match='no matches for kind "Deployment" in version "v1"'):
        cluster.apply({"apiVersion": "v1", "kind": "Deployment", "metadata": {"name": "x"}})
    with pytest.raises(K8sValueError, match="spec.containers: Required value"):
        cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": []}})


def test_unschedulable_pod_reports_why():
    cluster = Cluster.quickstart(nodes=3, seed=0, cpu="1")
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"},
                   "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "2"}}}]}})
    cluster.run(1)
    assert "0/3 nodes are available: 3 Insufficient cpu." in cluster.kubectl("describe pod big")


def test_kubectl_magic_follows_the_cluster_in_use():
    from k8scourse.kubectl import magics

    first = Cluster(0)
    second = Cluster(1)
    assert magics.current() is second._kubectl
    assert first.use() is first and magics.current() is first._kubectl


def test_apply_to_a_bound_pod_changes_what_the_manifest_says_and_keeps_the_binding():
    cluster = Cluster.quickstart(nodes=1, seed=0)
    cluster.apply(WEB)
    cluster.run(30)
    node = cluster.api.get("pods", "web")["spec"]["nodeName"]
    relabelled = WEB.split("---")[0].replace("labels: {app: web}", "labels: {app: web, tier: front}")
    (updated,) = cluster.apply(relabelled)
    assert updated["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert updated["spec"]["nodeName"] == node and updated["status"]["phase"] == "Running"
    with pytest.raises(K8sValueError, match="pod updates may not change fields"):
        cluster.apply(relabelled.replace("cpu: 500m", "cpu: 250m"))


def test_apply_of_a_new_image_keeps_the_servers_defaults():
    cluster = Cluster.quickstart(nodes=1, seed=0)
    first = WEB.split("---")[0]
    cluster.apply(first.replace('"nginx:1.27"', "nginx"))  # no tag: imagePullPolicy defaults to Always
    cluster.run(30)
    (updated,) = cluster.apply(first.replace('"nginx:1.27"', '"nginx:1.28"'))
    container = updated["spec"]["containers"][0]
    assert (container["image"], container["imagePullPolicy"]) == ("nginx:1.28", "Always")


def test_wait_for_runs_the_clock_until_the_condition_holds() -> None:
    from k8scourse.cluster import WaitTimeout

    cluster = Cluster.quickstart(nodes=1, seed=0)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                   "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    waited = cluster.wait_for(lambda: cluster.pod("web")["status"]["phase"] == "Running", timeout=60)
    assert 0 < waited < 60 and cluster.pod("web")["status"]["phase"] == "Running"
    reasons = [event["reason"] for event in cluster.events_for("web")]
    assert reasons[0] == "Scheduled" and "Started" in reasons
    with pytest.raises(WaitTimeout, match="timed out after 5s"):
        cluster.wait_for(lambda: False, timeout=5)
    with pytest.raises(TypeError, match="takes a function"):
        cluster.wait_for(True)  # type: ignore[arg-type]


@pytest.mark.parametrize("call, message", [
    (lambda c: c.kubectl(123), "kubectl() takes a command line string, got int"),
    (lambda c: c.kubectl(["get", "pods"]), "kubectl() takes a command line string, got list"),
    (lambda c: c.kubectl("apply -f -", stdin=5),
     "kubectl() takes stdin as a string (the text a pipe would give), got int"),
    (lambda c: c.run("10"), "run() takes a number of seconds, got str"),
    (lambda c: c.run(True), "run() takes a number of seconds, got bool"),
    (lambda c: c.apply(123), "apply() takes a manifest (a dict or YAML text) or a list of them, got int"),
    (lambda c: c.apply(b"kind: Pod"), "apply() takes a manifest (a dict or YAML text) or a list of them, got bytes"),
    (lambda c: c.apply([None]),
     "apply() takes a manifest (a dict or YAML text) or a list of them (in the list), got NoneType"),
    (lambda c: c.apply({}, namespace=5), "apply() takes a namespace string or None, got int"),
    (lambda c: c.add_node(5), "add_node() takes a node name (a string) or None, got int"),
    (lambda c: c.add_node(labels=["a=b"]), "add_node() takes labels as a dict of strings, got list"),
    (lambda c: c.add_node(taints={"key": "a"}), "add_node() takes taints as a list of dicts, got dict"),
    (lambda c: c.add_node(cpu=None),
     'add_node() takes cpu and memory as quantities such as "2" or "4Gi", got NoneType'),
    (lambda c: Cluster(seed=None), "Cluster() takes an int seed (the same seed tells the same story), got NoneType"),
    (lambda c: Cluster(percentage_of_nodes_to_score="50"),
     "percentage_of_nodes_to_score takes an int from 0 to 100, got str"),
    (lambda c: Cluster.quickstart("3"), "quickstart() takes a number of nodes (an int), got str"),
])
def test_a_wrong_python_type_is_a_type_error_that_says_what_was_expected(call, message):
    cluster = Cluster()
    with pytest.raises(TypeError) as err:
        call(cluster)
    assert str(err.value) == message
    assert cluster.kubelets == {}  # nothing was started


def test_a_negative_node_count_is_refused():
    with pytest.raises(K8sValueError, match=r"^nodes: Invalid value: -1: must be greater than or equal to 0$"):
        Cluster.quickstart(-1)
