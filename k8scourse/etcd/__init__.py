"""etcd as the course models it: the MVCC key-value store with watches and
leases that the apiserver writes to (``store``), its sorted key index
(``index``), and the Raft consensus of an etcd cluster (``raft``: import
``RaftCluster`` from ``k8scourse.etcd.raft``)."""

from .store import (
    CompactedError,
    Compare,
    Delete,
    EtcdError,
    Event,
    FutureRevisionError,
    Get,
    KeyValue,
    LeaseNotFoundError,
    LeaseStatus,
    Put,
    Range,
    Store,
    TxnResponse,
    Watch,
)

__all__ = [
    "CompactedError",
    "Compare",
    "Delete",
    "EtcdError",
    "Event",
    "FutureRevisionError",
    "Get",
    "KeyValue",
    "LeaseNotFoundError",
    "LeaseStatus",
    "Put",
    "Range",
    "Store",
    "TxnResponse",
    "Watch",
]
