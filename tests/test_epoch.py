"""The date of virtual second 0 belongs to the cluster's clock: ``Cluster(epoch=...)``.

The default (2025-01-01) keeps every notebook's output the same; a cluster served
from the shell takes the wall clock's date, so that the real kubectl's own ages are right.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from k8scourse.clock import VirtualClock
from k8scourse.cluster import QUICKSTART_BOOT, Cluster
from k8scourse.timefmt import EPOCH, EpochError, parse_rfc3339, rfc3339

LATER = datetime(2031, 6, 15, 12, 30, tzinfo=timezone.utc)

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx:1.25, resources: {requests: {cpu: 100m}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
"""


def story(epoch: datetime | str = EPOCH) -> Cluster:
    """The same cluster life on any epoch: a rollout, an HPA, a node that fails."""
    cluster = Cluster.quickstart(nodes=2, seed=3, epoch=epoch)
    cluster.apply(APP)
    cluster.run(90)
    cluster.fail_node("node-2")
    cluster.run(60)
    return cluster


def test_default_epoch_is_2025_and_the_clock_formats_and_parses_with_its_own():
    assert VirtualClock().epoch == EPOCH == datetime(2025, 1, 1, tzinfo=timezone.utc)
    clock = VirtualClock(LATER)
    assert clock.rfc3339(5) == "2031-06-15T12:30:05Z" == rfc3339(5, LATER)
    assert clock.parse_rfc3339("2031-06-15T12:30:05Z") == 5 == parse_rfc3339("2025-01-01T00:00:05Z")
    assert clock.moment(1.5) == LATER + timedelta(seconds=1.5)
    assert clock.since(EPOCH) == (LATER - EPOCH).total_seconds()


def test_epoch_now_is_the_wall_clocks_second_and_a_quickstart_cluster_reads_it_when_ready():
    before = datetime.now(timezone.utc).replace(microsecond=0)
    assert before <= VirtualClock("now").epoch <= datetime.now(timezone.utc)
    cluster = Cluster.quickstart(nodes=1, epoch="now")
    ready = cluster.clock.moment(cluster.now)
    assert before <= ready <= datetime.now(timezone.utc), "never in the future of the machine's clock"
    assert cluster.now == QUICKSTART_BOOT


def test_a_non_utc_epoch_counts_in_utc():
    tokyo = timezone(timedelta(hours=9))
    assert VirtualClock(datetime(2030, 1, 1, 9, tzinfo=tokyo)).rfc3339(0) == "2030-01-01T00:00:00Z"


@pytest.mark.parametrize("epoch, error, message", [
    (datetime(2030, 1, 1), EpochError,
     "epoch 2030-01-01T00:00:00 has no time zone: give one (e.g. tzinfo=timezone.utc)"),
    (datetime(2030, 1, 1, 0, 0, 0, 500, tzinfo=timezone.utc), EpochError,
     "epoch 2030-01-01T00:00:00.000500+00:00 is not a whole second: timestamps count whole seconds"),
    ("yesterday", TypeError, 'epoch must be a datetime or "now", got str'),
    (1735689600, TypeError, 'epoch must be a datetime or "now", got int'),
])
def test_bad_epochs_are_refused(epoch, error, message):
    with pytest.raises(error) as raised:
        Cluster(epoch=epoch)
    assert str(raised.value) == message


def test_every_stored_timestamp_counts_from_the_clocks_epoch():
    cluster = story(LATER)
    stored = "\n".join(kv.value for kv in cluster.etcd.range("/registry/"))
    assert "2031-06-15T12:3" in stored
    assert "2025-" not in stored, "something still stamps with the module's default epoch"


def test_the_course_kubectl_prints_the_same_story_on_any_epoch():
    default, later = story(), story(LATER)
    for command in ["get pods -o wide", "get deploy,rs,hpa", "get events", "describe pods", "describe node node-2",
                    "describe deployment web", "describe hpa web", "top pods", "get leases -A"]:
        ours, theirs = str(default.kubectl(command)), str(later.kubectl(command))
        theirs = theirs.replace("Sun, 15 Jun 2031 12:3", "Wed, 01 Jan 2025 00:0")  # describe's RFC 1123 dates
        assert re.sub(r"\b\d\d:\d\d:\d\d\b", "", ours) == re.sub(r"\b\d\d:\d\d:\d\d\b", "", theirs), command


def test_an_event_is_named_for_its_time_on_the_clocks_epoch():
    cluster = Cluster.quickstart(nodes=1, epoch=LATER)
    event = cluster.api.list("events", "default")[0]
    nanos = int(event["metadata"]["name"].rsplit(".", 1)[1], 16)
    assert datetime.fromtimestamp(nanos // 1_000_000_000, timezone.utc).year == 2031
    assert json.dumps(event).count("2031-06-15T12:30:") >= 2
