"""Chapter 07's experiments and checks: the Raft model judges each answer, and bad answers get a sentence."""

from __future__ import annotations

from k8scourse.config import ClusterSpec
from k8scourse.course import check
from k8scourse.course.ch07 import (
    QUORUM_STORY,
    boots_as_fourth_member,
    etcd_files,
    failover_times,
    failure_tolerance,
    fixes_the_broken_lab,
    predicts_the_writes,
    quorum_story,
    try_write,
)
from k8scourse.etcd.raft import RaftCluster

FIXES = {"master": {"ETCD_NAME": "etcd1"}, "node1": {"ETCD_ELECTION_TIMEOUT": "1000"},
         "node2": {"ETCD_INITIAL_ADVERTISE_PEER_URLS": "http://127.0.0.13:2380"}}


def fourth() -> str:
    return etcd_files(ClusterSpec.loopback_lab(members=4))["node3"]


def test_failure_tolerance_is_a_minority_measured_on_the_model():
    assert [failure_tolerance(n) for n in range(1, 8)] == [(n - 1) // 2 for n in range(1, 8)]


def test_failover_times_lie_around_etcds_randomised_timeout():
    times = failover_times(3, count=50)
    assert len(times) == 50 and all(0.5 < t < 5 for t in times)
    assert failover_times(3, count=5, seed=1) == failover_times(3, count=5, seed=1)


def test_try_write_gives_etcds_error_without_quorum():
    cluster = RaftCluster.from_configs(etcd_files(ClusterSpec.loopback_lab(members=3)))
    cluster.wait_for_leader()
    assert try_write(cluster) == "OK"
    cluster.crash("etcd1")
    cluster.crash("etcd2")
    assert try_write(cluster) == "context deadline exceeded"


def test_the_fourth_members_file_is_judged_by_etcds_checks_and_the_cluster():
    predicate = boots_as_fourth_member()
    assert predicate(fourth()) is True
    assert predicate(fourth().replace('"etcd4"', '"etcd5"')) == (
        'etcd refuses to start with it: couldn\'t find local name "etcd5" in the initial cluster configuration')
    assert predicate(etcd_files(ClusterSpec.loopback_lab(members=4))["node2"]) == "'etcd3' is already another member's name."
    assert predicate(42) == 'expected the etcd.conf as a string of KEY="value" lines, got int.'


def test_a_fourth_member_that_advertises_the_wrong_port_is_refused():
    text = fourth() + 'ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.14:2390"\n'
    assert boots_as_fourth_member()(text).startswith("etcd refuses to start with it: --initial-cluster has etcd4=")


def test_fixing_the_broken_lab():
    predicate = fixes_the_broken_lab()
    assert predicate(FIXES) is True
    partial = predicate({"node1": {"ETCD_ELECTION_TIMEOUT": "1000"}})
    assert partial.startswith("2 error(s) left, the first: master:/etc/etcd/etcd.conf: ETCD_NAME: error:")
    assert predicate({"node9": {}}) == "no machine named 'node9' here; the machines are master, node1, node2."
    assert predicate(["ETCD_NAME"]).startswith('expected {machine: {KEY: "value"}}')
    assert predicate({"node1": {"ETCD_ELECTION_TIMEOUT": 1000}}).startswith('expected {machine: {KEY: "value"}}')


def test_the_quorum_story_and_its_predictions():
    truth = quorum_story()
    assert truth == [True, True, False, True, False, True]
    predicate = predicts_the_writes()
    assert predicate(truth) is True
    assert predicate([not truth[0], *truth[1:]]).startswith("1 of the 6 predictions are wrong.")
    assert predicate([True]) == f"expected one True/False per step: {len(QUORUM_STORY)} values, got 1."
    assert predicate("TTFTFT").startswith("expected a list of 6 True/False values")


def test_unanswered_exercises_say_so(capsys):
    check("a fourth member", None, predicate=boots_as_fourth_member(), hint="h")
    assert "not answered yet" in capsys.readouterr().out


def test_the_failover_histogram_marks_the_median_and_the_references():
    import pytest

    from k8scourse.viz import draw_failover_times

    figure = draw_failover_times([1.0, 1.2, 1.5], {"real etcd 3.4 median": 1.34})
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels == ["model median 1.20 s", "real etcd 3.4 median 1.34 s"]
    with pytest.raises(ValueError, match="^times: no failover times to draw$"):
        draw_failover_times([])
