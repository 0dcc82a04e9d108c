"""How long does real etcd take to elect a new leader after the old one is killed?

Starts the loopback lab's members (``ClusterSpec.loopback_lab``: etcd's
default ``--heartbeat-interval=100`` ms and ``--election-timeout=1000`` ms)
with Debian's etcd 3.4, then, ``--runs`` times: ``kill -9`` the leader, time
until a surviving member reports itself leader, restart the dead member and
let it catch up. Prints every run and the median and 90th percentile.

What sets the figure (etcd 3.4's raft/raft.go and etcdserver/raft.go):
etcd ticks once per heartbeat interval; a follower campaigns when it has
heard nothing from a leader for its randomised election timeout, drawn
from 10..19 ticks (``electionTimeout + Intn(electionTimeout)``) each time
its term changes (``reset``), not at every heartbeat. Every survivor runs
such a timer, and the first to fire usually wins, so the failover is the
*shortest* of the survivors' timers: with two survivors, each uniform in
[1 s, 2 s), its median is 1 + (1 - sqrt(1/2)) = 1.29 s, below the 1.5 s
median of one timer. etcd runs raft with ``CheckQuorum``, so a follower
that heard the leader less than one election timeout ago refuses its vote;
a candidate that fires that early loses and waits a new random timeout:
the long tail.

Measured on this machine (etcd 3.4.23, two cores shared with other work):
60 runs, median 1.34 s, p90 1.71 s (min 0.93 s, max 2.73 s). The median of
20 runs wandered between 1.06 s and 1.42 s from one try to the next, so
compare medians over 60 runs or more.

    .venv/bin/python benchmarks/real_etcd_failover.py [--runs 20] [--members 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time

from k8scourse.config import ClusterSpec
from k8scourse.etcd.real import RealEtcdCluster


def failover_times(etcd: RealEtcdCluster, runs: int) -> list[float]:
    """Seconds from kill -9 of the leader to a new leader, ``runs`` times."""
    times = []
    for run in range(1, runs + 1):
        old = etcd.wait_until_settled()
        time.sleep(0.3)  # a few heartbeats, so every follower's election timer starts fresh
        start = time.monotonic()
        etcd.crash(old)
        new = etcd.wait_for_leader(timeout=15, other_than=old)
        times.append(time.monotonic() - start)
        print(f"run {run:2d}: killed {old}, {new} leads after {times[-1]:.3f} s", flush=True)
        etcd.restart(old)
    return times


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with ``fraction`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--json", help="also write the times to this file")
    args = parser.parse_args(argv)
    spec = ClusterSpec.loopback_lab(members=args.members)
    found = RealEtcdCluster.available(spec)
    if not found:
        print(f"cannot run real etcd here: {found.reason}", file=sys.stderr)
        return 1
    print(f"{found.reason}; {args.members} members; {args.runs} runs")
    with RealEtcdCluster.launch(spec) as etcd:
        times = failover_times(etcd, args.runs)
    median, p90 = statistics.median(times), percentile(times, 0.9)
    print(f"failover (leader killed -> new leader): median {median:.3f} s, p90 {p90:.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s over {len(times)} runs")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"etcd": found.reason, "members": args.members, "seconds": times,
                       "median": median, "p90": p90}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
