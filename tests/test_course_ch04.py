"""Chapter 04's checks: a scale-down's victims and a ReplicaSet that adopts exactly some Pods."""

from __future__ import annotations

import pytest

from k8scourse.cluster import Cluster
from k8scourse.course.ch04 import adopts_exactly, deleted_first, first_to_go


def pod(name: str, labels: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}


def replica_set(replicas: int, selector: str, labels: str) -> str:
    return f"""
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: shop}}
spec:
  replicas: {replicas}
  selector: {selector}
  template:
    metadata: {{labels: {labels}}}
    spec: {{containers: [{{name: main, image: "nginx:1.27"}}]}}
"""


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    cluster = Cluster.quickstart(nodes=2, seed=0)
    cluster.apply([pod("v1", {"app": "shop", "version": "v1"}), pod("v2", {"app": "shop", "version": "v2"}),
                   pod("canary", {"app": "shop", "version": "v3"})])
    cluster.apply({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
                   "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}},
                                         "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}}})
    cluster.run(20)
    return cluster


def test_adopts_exactly(cluster: Cluster) -> None:
    check = adopts_exactly(cluster, ["v1", "v2"])
    good = "{matchLabels: {app: shop}, matchExpressions: [{key: version, operator: In, values: [v1, v2]}]}"
    assert check(replica_set(2, good, "{app: shop, version: v1}")) is True
    assert check(replica_set(3, good, "{app: shop, version: v1}")) == \
        "replicas: 3 would make the controller create pods."
    assert check(replica_set(2, "{matchLabels: {app: shop}}", "{app: shop}")) == "its selector also selects canary."
    assert check(replica_set(2, good, "{app: shop}")).startswith(
        'the apiserver would refuse it: ReplicaSet.apps "shop" is invalid: spec.template.metadata.labels')
    assert check(pod("x", {})) == "that is a Pod; the exercise asks for a ReplicaSet (apiVersion: apps/v1)."
    with pytest.raises(TypeError, match="expected a ReplicaSet manifest, as YAML text or a dict, got the number 4"):
        check(4)


def test_deleted_first_follows_the_controller(cluster: Cluster) -> None:
    doomed = first_to_go(cluster, "web", 2)
    names = sorted(p["metadata"]["name"] for p in cluster.api.list("pods", label_selector="app=web"))
    assert len(doomed) == 2 and set(doomed) <= set(names)
    check = deleted_first(cluster, "web", 2)
    assert check(list(reversed(doomed))) is True
    assert check(doomed[:1]) == "the scale-down removes 2 pods; your list has 1."
    assert check(["nope", doomed[0]]) == "there is no pod named nope (see kubectl get pods)."
    spared = next(n for n in names if n not in doomed)
    assert check([doomed[0], spared]).startswith("not the ones the controller picks")
    with pytest.raises(TypeError, match="expected a list of pod names"):
        check("web")
