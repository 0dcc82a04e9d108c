"""Chapter 03's checks judge a selector by the Pods (or nodes) it picks, and name wrong types kindly."""

from __future__ import annotations

import pytest

from k8scourse.cluster import Cluster
from k8scourse.course import check
from k8scourse.course.ch03 import (
    allows_only_node, has_a_release_but_not_stable, repairs_deployment, selects_exactly,
)

LABELS = {
    "shop-web-1": {"app": "shop", "tier": "web", "release": "stable"},
    "shop-db-1": {"app": "shop", "tier": "db", "release": "stable"},
    "shop-web-canary": {"app": "shop", "tier": "web", "release": "canary"},
    "toolbox": {"environment": "test"},
}


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    cluster = Cluster.quickstart(nodes=3, seed=0)
    cluster.apply([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                    "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}
                   for name, labels in LABELS.items()])
    for node, disk, zone in [("node-1", "ssd", "east"), ("node-2", "hdd", "west"), ("node-3", "ssd", "west")]:
        cluster.kubectl(f"label node {node} disktype={disk} zone={zone}")
    return cluster


@pytest.mark.parametrize("selector", ["release=canary", "release = canary", "release in (canary)",
                                      "release notin (stable),release"])
def test_any_spelling_that_picks_the_same_pods(cluster: Cluster, selector: str) -> None:
    assert selects_exactly(cluster, ["shop-web-canary"])(selector) is True


@pytest.mark.parametrize(("selector", "message"), [
    ("app=shop,tier=web", "it also selects shop-web-1."),
    ("release!=stable", "it also selects toolbox."),
    ("tier=db", "it also selects shop-db-1; it misses shop-web-canary."),
])
def test_a_wrong_selection_says_what_is_extra_and_missing(cluster: Cluster, selector: str, message: str) -> None:
    assert selects_exactly(cluster, ["shop-web-canary"])(selector) == message


def test_a_selector_of_the_wrong_type_gets_a_sentence(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    check("canary", 42, predicate=selects_exactly(cluster, ["shop-web-canary"]))
    assert capsys.readouterr().out == (
        '✘ canary: expected a selector as a text in quotes, such as "app=shop", got the number 42.\n')


def test_a_selector_that_does_not_parse_gets_the_parser_message(cluster: Cluster,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    check("canary", "tier in (web", predicate=selects_exactly(cluster, ["shop-web-canary"]))
    assert capsys.readouterr().out == ("✘ canary: 'tier in (web' is not valid: unable to parse requirement: "
                                       "found '', expected: ',' or ')'\n")


def test_has_a_release_but_not_stable(cluster: Cluster) -> None:
    judge = has_a_release_but_not_stable(cluster)
    assert judge("release,release!=stable") is True
    assert judge("release!=stable") == "it also selects scratch, toolbox."
    assert judge("release=canary") == "it misses shop-web-beta, labelled release=beta, that someone may start tomorrow."


@pytest.mark.parametrize(("answer", "verdict"), [
    ({"disktype": "ssd", "zone": "west"}, True),
    ({"disktype": "ssd"}, "it allows node-1, node-3."),
    ({"zone": "north"}, "no node has all those labels: the Pod would stay Pending."),
    ({"kubernetes.io/hostname": "node-3"},
     "ask for the properties the Pod needs (the admin's labels), not for the node's name."),
    ("disktype=ssd", "expected a nodeSelector as a dict, such as {'disktype': 'ssd'}, got the text 'disktype=ssd'."),
    ({"disktype": 1}, "keys and values of a nodeSelector are texts in quotes."),
])
def test_allows_only_node(cluster: Cluster, answer: object, verdict: object) -> None:
    assert allows_only_node(cluster, "node-3")(answer) == verdict


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop-web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: shop, tier: web, release: stable}
  template:
    metadata:
      labels: {app: shop, tier: TIER, release: stable}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""


def test_repairs_deployment(cluster: Cluster) -> None:
    judge = repairs_deployment(cluster, "app=shop,tier=web", {"app": "shop", "tier": "web", "release": "stable"})
    assert judge(DEPLOYMENT.replace("TIER", "web")) is True
    assert judge(DEPLOYMENT.replace("TIER", "frontend")).startswith("the apiserver still refuses it: ")
    frontend = DEPLOYMENT.replace("TIER", "frontend").replace("tier: web,", "tier: frontend,")
    assert judge(frontend) == ("its Pods would carry {'app': 'shop', 'tier': 'frontend', 'release': 'stable'}: "
                               "the Service (app=shop,tier=web) would not reach them.")
    loose = DEPLOYMENT.replace("TIER", "web").replace("tier: web, release: stable}\n  template",
                                                      "release: stable}\n  template")
    assert judge(loose) == ("its selector app=shop,release=stable also matches shop-db-1, "
                            "which its ReplicaSet would adopt.")
    assert judge(7) == "expected the manifest as YAML text, got the number 7."
