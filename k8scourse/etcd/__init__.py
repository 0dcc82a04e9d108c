"""etcd as the course models it: the MVCC key-value store with watches and
leases that the apiserver writes to (``store``), its sorted key index
(``index``), the Raft consensus of an etcd cluster (``raft``: import
``RaftCluster`` from ``k8scourse.etcd.raft``), a real etcd cluster on
loopback (``real``), and ``lab(spec)``, which gives that real cluster when
etcd is installed and the Raft model otherwise (``launcher``)."""

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


def __getattr__(name: str) -> object:
    # lab() loads the real-etcd launcher (subprocess, urllib) only when asked,
    # so `import k8scourse` stays quick.
    if name == "lab":
        from .launcher import lab

        return lab
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
