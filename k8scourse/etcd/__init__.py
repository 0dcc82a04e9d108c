"""etcd as the course models it: the MVCC key-value store with watches and
leases that the apiserver writes to (``store``), and its sorted key index
(``index``)."""

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
