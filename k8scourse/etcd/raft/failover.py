"""Failover time: from the moment the leader dies to the moment a new one is elected.

Measured as chapter 07 and ``benchmarks/raft_elections.py`` measure it: let a
random 0.5-2 s pass (so the crash falls at a random point between
heartbeats), kill the leader, wait for the next election, restart the old
leader, and again.
"""

from __future__ import annotations

import random
from typing import Mapping

from .cluster import RaftCluster


def failover_times(configs: Mapping[str, str], count: int, seed: int = 0) -> list[float]:
    """Kill the leader of a cluster booted from ``configs`` ``count`` times; the virtual seconds
    each time until a new leader."""
    cluster = RaftCluster.from_configs(configs, seed=seed)
    rng = random.Random(seed)
    times: list[float] = []
    while len(times) < count:
        cluster.run(rng.uniform(0.5, 2.0))  # crash at a random moment between heartbeats
        leader = cluster.leader()
        if leader is None:
            continue
        killed = cluster.now
        cluster.crash(leader)
        cluster.wait_for_leader()
        times.append(cluster.elections[-1].time - killed)
        cluster.restart(leader)
    return times
