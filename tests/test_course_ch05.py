"""Chapter 05's helpers: recording a rollout, its table and plot, and the exercise predicates."""

from __future__ import annotations

import matplotlib
import pytest

from k8scourse.cluster import Cluster
from k8scourse.course.ch05 import (
    deployment_manifest,
    keeps_within,
    predicts_extremes,
    predicts_sizes,
    record_rollout,
    rolled_out,
    rollout_with_strategy,
    runs_image,
    timeline_table,
)
from k8scourse.viz import draw_rollouts

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def recorded() -> tuple[Cluster, object]:
    cluster = Cluster.quickstart(nodes=3, seed=0)
    return cluster, rollout_with_strategy(cluster, "web", 4, {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})


def test_record_rollout_samples_every_step(recorded: tuple) -> None:
    cluster, rollout = recorded
    assert (rollout.replicas, rollout.max_surge, rollout.max_unavailable) == (4, 1, 0)
    assert rollout.samples[0][1:] == (4, 0, 4), "before the controller reacts"
    assert rollout.samples[-1][1:] == (0, 4, 4)
    assert (rollout.peak_pods, rollout.least_available) == (5, 4) and rolled_out(cluster, "web")
    table = timeline_table(rollout)
    assert table.splitlines()[0].split() == ["t", "(s)", "old", "RS", "new", "RS", "asked", "available"]
    assert len(table.splitlines()) < len(rollout.samples) + 1, "repeated rows are left out"


def test_draw_rollouts(recorded: tuple) -> None:
    figure = draw_rollouts([recorded[1], recorded[1], recorded[1]])
    assert figure.get_figwidth() <= 9.5 and len(figure.axes) == 4
    with pytest.raises(ValueError, match="at least one"):
        draw_rollouts([])


def test_predicts_extremes(recorded: tuple) -> None:
    predicate = predicts_extremes(recorded[1])
    assert predicate((5, 4)) is True
    assert "most pods" in predicate((4, 4)) and "fewest available" in predicate((5, 3))
    assert predicate(5) == "expected (most pods asked for, fewest available) as a pair of whole numbers, " \
                           "such as (5, 3), got the number 5."


def test_keeps_within_runs_the_learners_strategy() -> None:
    cluster = Cluster.quickstart(nodes=3, seed=0)
    predicate = keeps_within(cluster, replicas=4, most_pods=5, least_available=4, image="nginx:1.28")
    assert predicate({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}) is True
    assert "only 3 pods were available" in predicate({"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}})
    assert "asked for 8 pods" in predicate({"rollingUpdate": {"maxSurge": "100%", "maxUnavailable": 0}})
    assert predicate("1,0").startswith("expected a strategy as a dict")
    with pytest.raises(ValueError, match="may not be 0 when `maxSurge` is 0"):
        predicate({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})


def test_keeps_within_can_be_run_again() -> None:
    """A notebook cell that builds the predicate anew each run must not reuse the last try's Deployment."""
    cluster = Cluster.quickstart(nodes=3, seed=0)
    bounds = dict(replicas=4, most_pods=5, least_available=4, image="nginx:1.28")
    assert keeps_within(cluster, **bounds)({"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}) is True
    assert keeps_within(cluster, **bounds)({"type": "Recreate"}) == \
        "at one moment only 0 pods were available, fewer than 4."
    assert cluster.api.list("deployments", "default") == []


def test_predicts_sizes_and_runs_image() -> None:
    cluster = Cluster.quickstart(nodes=3, seed=0)
    cluster.apply(deployment_manifest("shop", 10, {"rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}))
    cluster.wait_for(lambda: rolled_out(cluster, "shop"))
    cluster.kubectl("set image deployment/shop app=nginx:1.99")
    cluster.run(20)
    predicate = predicts_sizes(cluster, "shop")
    assert predicate((8, 5)) is True and "not how it is shared" in predicate((5, 8))
    wrong_total = predicate((5, 5))
    assert "10 is not what the Deployment may run at most" in wrong_total and "13" not in wrong_total
    image = runs_image(cluster, "shop", "nginx:1.27")
    assert "runs nginx:1.99" in image("rollout undo deployment/shop")
    cluster.kubectl("rollout undo deployment/shop")
    assert "not finished" in image("rollout undo deployment/shop")
    cluster.kubectl("rollout status deployment/shop")
    assert image("rollout undo deployment/shop") is True and image(3).startswith("expected the kubectl command")
