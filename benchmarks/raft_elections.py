"""1,000 etcd leader elections on the Raft model, each after the leader is killed.

A 3-member and a 5-member cluster with etcd's default timings (heartbeat
100 ms, election timeout 1000 ms) on the loopback lab's addresses: kill the
leader at a random moment, measure the virtual time until a new leader is
elected (the *failover time*), restart the dead member, let the cluster run a
little, and again. Prints the wall-clock time the 1,000 elections took (the
target is under 10 s) and the distribution of failover times, which etcd's
randomised election timeout puts between 1 and 2 s after the followers last
heard a heartbeat. Run: ``python benchmarks/raft_elections.py``.
"""

from __future__ import annotations

import statistics
import time

from k8scourse.etcd.raft import failover_times

ELECTIONS = 1_000


def etcd_conf(i: int, members: int) -> str:
    cluster = ",".join(f"etcd{j}=http://127.0.0.{j}:2380" for j in range(1, members + 1))
    return (f"ETCD_NAME=etcd{i}\nETCD_INITIAL_ADVERTISE_PEER_URLS=http://127.0.0.{i}:2380\n"
            f"ETCD_INITIAL_CLUSTER={cluster}\n")


def failovers(members: int, count: int, seed: int = 0) -> list[float]:
    """Kill the leader ``count`` times; the virtual seconds each time until a new leader."""
    return failover_times({f"etcd{i}": etcd_conf(i, members) for i in range(1, members + 1)}, count, seed)


def main() -> None:
    start = time.perf_counter()
    results = {members: failovers(members, ELECTIONS // 2) for members in (3, 5)}
    seconds = time.perf_counter() - start
    print(f"{ELECTIONS:,} elections after killing the leader: {seconds:.2f} s wall clock (target < 10 s)")
    print("failover time, leader killed -> new leader (etcd defaults: heartbeat 100 ms, election timeout 1000 ms):")
    for members, times in results.items():
        deciles = statistics.quantiles(times, n=10)
        print(f"  {members} members: median {statistics.median(times):.3f} s, p90 {deciles[8]:.3f} s, "
              f"min {min(times):.3f} s, max {max(times):.3f} s")


if __name__ == "__main__":
    main()
