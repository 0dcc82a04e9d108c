"""etcd clustering: the Raft consensus behind an etcd cluster, modelled on a virtual clock.

``RaftCluster.from_configs({label: etcd_conf_text}, seed=0)`` boots one
member per etcd.conf; :mod:`.member` is one member's Raft state machine
(etcd 3.4's raft/raft.go), :mod:`.cluster` the members, their network and
their clients, :mod:`.errors` what a client sees when there is no quorum.

    etcd = RaftCluster.from_configs(configs, seed=0)
    etcd.wait_for_leader()          # about a second of virtual time
    etcd.put("greeting", "hello")   # committed on a majority
    etcd.crash(etcd.leader())       # a new leader within 1-2 s
    etcd.elections                  # [Election(time, term, leader), ...]

``etcd.attach(store)`` puts a Kubernetes cluster's store on it: the
store's writes then fail while the etcd cluster has no quorum.
"""

from .cluster import Election, MemberConfigError, MemberSettings, RaftCluster, StepDown
from .errors import (
    DeadlineExceededError,
    EtcdTimeoutError,
    RequestTimedOutError,
    ServerDeadlineExceededError,
    StorageTimeoutError,
)
from .failover import failover_times
from .member import SafetyViolation

__all__ = [
    "DeadlineExceededError",
    "Election",
    "EtcdTimeoutError",
    "MemberConfigError",
    "MemberSettings",
    "RaftCluster",
    "RequestTimedOutError",
    "SafetyViolation",
    "ServerDeadlineExceededError",
    "StepDown",
    "StorageTimeoutError",
    "failover_times",
]
