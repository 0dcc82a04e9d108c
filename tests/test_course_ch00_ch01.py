"""Chapters 00 and 01's exercise checks: right answers pass, wrong ones learn why, wrong types get a word."""

from __future__ import annotations

import pytest

from k8scourse.cluster import Cluster
from k8scourse.course import check
from k8scourse.course.ch00 import picks_stable_outside_prod, selected
from k8scourse.course.ch01 import as_component_running, binding_in, keys_for, runs_with_volume, same_number

POD = """
apiVersion: v1
kind: Pod
metadata: {name: cache}
spec:
  containers:
  - name: redis
    image: redis:7.4
"""
WITH_VOLUME = POD + """    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
"""


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db"},
                   "spec": {"containers": [{"name": "redis", "image": "redis:7.4"}]}})
    cluster.run(5)
    return cluster


# --- chapter 00 ----------------------------------------------------------------------


@pytest.mark.parametrize("selector", ["release=stable,environment in (dev,test)",
                                      "release==stable, environment notin (prod)",
                                      "environment!=prod,release!=canary"])
def test_any_selector_that_picks_the_same_pods_passes(selector: str) -> None:
    assert picks_stable_outside_prod(selector) is True


def test_a_selector_that_picks_too_much_says_which_pod_and_why() -> None:
    assert selected("release=stable") == ["stable-dev", "stable-prod", "stable-test"]
    assert picks_stable_outside_prod("release=stable") == (
        "it selects ['stable-dev', 'stable-prod', 'stable-test']: stable-prod runs in prod.")
    assert picks_stable_outside_prod("environment in (dev)") == (
        "it selects ['canary-dev', 'stable-dev']: canary-dev is a canary Pod; it misses stable-test.")


def test_selector_checks_name_wrong_types_and_bad_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("selector", 42, predicate=picks_stable_outside_prod)
    assert capsys.readouterr().out == (
        '✘ selector: expected a selector as text in quotes, such as "release=stable", got the number 42.\n')
    assert not check("selector", "release in stable", predicate=picks_stable_outside_prod)
    assert capsys.readouterr().out.startswith("✘ selector: 'release in stable' is not valid: ")


# --- chapter 01 ----------------------------------------------------------------------

OBJECTS = [("Pod", "default", "db"), ("Node", None, "node-2"), ("Lease", "kube-node-lease", "node-2")]


def test_keys_for_accepts_the_keys_the_apiserver_uses(cluster: Cluster) -> None:
    right = ["/registry/pods/default/db", "/registry/minions/node-2", "/registry/leases/kube-node-lease/node-2"]
    assert keys_for(cluster, OBJECTS)(right) is True
    assert keys_for(cluster, OBJECTS)([f" {key}/" for key in right]) is True


@pytest.mark.parametrize("keys, why", [
    (["/registry/pods/db", "/registry/minions/node-2", "/registry/leases/kube-node-lease/node-2"],
     "etcd has no key '/registry/pods/db'. A Pod lives in a namespace, and its key names it: "
     "/registry/<resource>/<namespace>/<name>. Which namespace holds this Pod?"),
    (["/registry/pods/default/db", "/registry/minions/node-2", "/registry/leases/default/node-2"],
     "etcd has no key '/registry/leases/default/node-2'. A Lease lives in a namespace, and its key names it: "
     "/registry/<resource>/<namespace>/<name>. Which namespace holds this Lease?"),
    (["/registry/pods/default/db", "/registry/nodes/node-2", "/registry/leases/kube-node-lease/node-2"],
     "etcd has no key '/registry/nodes/node-2'. Nodes keep, in etcd, the name they had in early Kubernetes "
     "(the notes' master config still uses it)."),
    (["/registry/pods/default/db", "/registry/minions/node-1", "/registry/leases/kube-node-lease/node-2"],
     "'/registry/minions/node-1' holds the Node 'node-1', not the Node 'node-2'."),
    (["/registry/pods/default/db"], "give one key for each of the 3 objects, in order; this list has 1."),
    (["pods/default/db", "x", "y"], "etcd has no key 'pods/default/db'. "
                                    "The apiserver keeps every object under the prefix /registry/."),
])
def test_keys_for_says_why_a_key_is_wrong(cluster: Cluster, keys: list[str], why: str) -> None:
    assert keys_for(cluster, OBJECTS)(keys) == why


def test_keys_for_names_a_wrong_type(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    assert not check("etcd keys", "/registry/pods/default/db", predicate=keys_for(cluster, OBJECTS))
    assert capsys.readouterr().out == (
        "✘ etcd keys: expected a list of 3 keys (texts in quotes), got the text '/registry/pods/default/db'.\n")


def test_binding_in_finds_the_first_version_with_a_node(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    key = "/registry/pods/default/db"
    kv = cluster.etcd.get(key)
    node = cluster.pod("db")["spec"]["nodeName"]
    is_binding = binding_in(cluster, key)
    first = kv.create_revision + 1  # the scheduler binds straight after the create
    assert is_binding((first, node)) is True
    assert is_binding([first, node]) is True  # a list is as good as a tuple
    assert is_binding((kv.create_revision, node)) == (
        f"at revision {kv.create_revision}, the Pod has no node yet: look later.")
    assert is_binding((first, "node-9")) == f"at revision {first}, spec.nodeName is not 'node-9'."
    assert is_binding((kv.mod_revision, node)) == (
        f"spec.nodeName was already set before revision {kv.mod_revision}: look earlier.")
    assert is_binding((10**6, node)).startswith("etcd has no revision 1000000 yet")
    assert not check("binding", (first, node, 3), predicate=is_binding)
    assert "expected a pair (revision, node)" in capsys.readouterr().out


def test_runs_with_volume_applies_waits_and_explains(cluster: Cluster) -> None:
    runs = runs_with_volume(cluster, "cache", "/data")
    assert runs(POD) == "/data must be a volumeMount of the container, naming a volume the Pod declares."
    assert runs(WITH_VOLUME) is True  # replaces the Pod from the first try
    refused = runs(POD.replace("redis:7.4", "redis:7.4\n    volumeMounts: [{name: data, mountPath: /data}]"))
    assert refused.startswith('the apiserver still refuses it: The Pod "cache" is invalid: ')
    assert 'spec.containers[0].volumeMounts[0].name: Not found: "data"' in refused
    assert runs(POD.replace("name: cache", "name: other")) == "the manifest must still create the Pod 'cache'."
    with pytest.raises(TypeError, match="expected a Pod manifest as YAML text"):
        runs({"kind": "Pod"})


def test_same_number_says_which_way_it_is_off(capsys: pytest.CaptureFixture[str]) -> None:
    is_four = same_number(4, too_low="count the first one", too_high="nothing after the crash")
    assert is_four(4) is True and is_four(4.0) is True
    assert is_four(3) == "3 is too low: count the first one"
    assert is_four(5.5) == "5.5 is too high: nothing after the crash"
    assert is_four("4") is True
    assert not check("writes", "four", predicate=is_four)
    assert capsys.readouterr().out == "✘ writes: expected a number, got the text 'four'.\n"


@pytest.mark.parametrize("answer", ["node lifecycle controller", "kube-controller-manager", "Controller Manager",
                                    "the node controller", "node-controller"])
def test_a_controller_counts_as_the_controller_manager(answer: str) -> None:
    assert as_component_running(answer) == "kube-controller-manager"
    assert as_component_running("kubelet") == "kubelet"
