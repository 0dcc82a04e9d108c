"""An in-memory model of etcd's MVCC key-value store: what the apiserver writes to.

etcd never overwrites a value. Every change is a new *revision* of the whole
store: one counter for the cluster, bumped once per write transaction,
however many keys it touches. Each key remembers three numbers:

* ``create_revision``: the revision that created it;
* ``mod_revision``: the revision that last changed it (Kubernetes shows this
  as an object's ``metadata.resourceVersion``);
* ``version``: how many times it changed since it was created; a delete
  resets it, so a re-created key starts again at 1.

Because old revisions are kept, a client can read the store as it was at
revision ``r``, and a watch can start in the past and replay every change
since. ``compact(r)`` throws away the history before ``r``; after it, those
old reads and watches fail with etcd's "required revision has been
compacted", which is how a Kubernetes informer learns it must list again.
kube-apiserver compacts every 5 minutes (``--etcd-compaction-interval``,
``DefaultCompactInterval = 5 * time.Minute`` in
``staging/src/k8s.io/apiserver/pkg/storage/storagebackend/config.go``).

How this model keeps history, in etcd's terms: ``_log`` holds every change
in revision order, as etcd's backend keeps one record per revision
(``server/storage/mvcc/kvstore_txn.go``), and ``_kvs`` plus the sorted
key index (a ``SortedList``) give the newest state, as etcd's ``treeIndex`` does. Reading
at an old revision starts from the newest state and undoes the later
changes.

Leases let keys expire: ``grant`` a lease with a TTL, ``put`` keys with
it, and when the lease is revoked or runs out, its keys are deleted. With a
``VirtualClock`` the store expires leases on its own; without one, time
stands still unless you call ``expire_leases(now)``.

A store may run on a Raft cluster of etcd members (``RaftCluster.attach(store)``
in :mod:`k8scourse.etcd.raft`): then every client write first asks the
cluster whether it could commit now, and fails with etcd's ``etcdserver:
request timed out`` while the cluster has no quorum. Lease expiry is not
gated (real etcd also stops expiring leases without a leader).

Watches deliver ``Event``s (PUT or DELETE, the new ``kv`` and the
``prev_kv``) in revision order. With a clock, delivery happens in a clock
event just after the write returns, as a real etcd watch stream would;
without one, the callback runs before the write returns.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import takewhile
from typing import TYPE_CHECKING, Any

from sortedcontainers import SortedList

from k8scourse.api.errors import FieldValidationError, K8sValueError, forbidden, invalid
from k8scourse.etcd.v2store import V2Store

if TYPE_CHECKING:
    from k8scourse.clock import Timer, VirtualClock

Value = str | bytes

# etcd's minimum lease TTL: (3 * ElectionTicks / 2) * heartbeat, rounded up,
# with the default --heartbeat-interval 100ms and --election-timeout 1000ms
# (10 ticks): ceil(1.5 s) = 2 s. Shorter TTLs are raised to it.
# server/etcdserver/server.go (minTTL) and server/lease/lessor.go (Grant).
MIN_LEASE_TTL = 2
# server/lease/lessor.go: MaxLeaseTTL = 9000000000
MAX_LEASE_TTL = 9_000_000_000
# Default --max-txn-ops: DefaultMaxTxnOps = uint(128) in server/embed/config.go;
# checked per list (compares, success, failure) in
# server/etcdserver/api/v3rpc/key.go checkTxnRequest.
MAX_TXN_OPS = 128


# --- errors: etcd's own messages, from api/v3rpc/rpctypes/error.go ---------


class EtcdError(K8sValueError):
    """An error etcd's server returns; ``str()`` is etcd's own message."""

    message = "etcdserver: unknown error"

    def __init__(self) -> None:
        super().__init__(self.message)


class CompactedError(EtcdError):
    """The revision asked for is older than the last compaction (ErrGRPCCompacted)."""

    message = "etcdserver: mvcc: required revision has been compacted"


class FutureRevisionError(EtcdError):
    """The revision asked for has not happened yet (ErrGRPCFutureRev)."""

    message = "etcdserver: mvcc: required revision is a future revision"


class EmptyKeyError(EtcdError):
    """A request without a key (ErrGRPCEmptyKey)."""

    message = "etcdserver: key is not provided"


class LeaseNotFoundError(EtcdError):
    """No lease has this id: never granted, revoked, or expired (ErrGRPCLeaseNotFound)."""

    message = "etcdserver: requested lease not found"


class LeaseTTLTooLargeError(EtcdError):
    """A TTL above MAX_LEASE_TTL (ErrGRPCLeaseTTLTooLarge)."""

    message = "etcdserver: too large lease TTL"


class TooManyOpsError(EtcdError):
    """More than MAX_TXN_OPS compares or operations in one txn (ErrGRPCTooManyOps)."""

    message = "etcdserver: too many operations in txn request"


class DuplicateKeyError(EtcdError):
    """A txn branch writes one key twice, or puts a key it also deletes (ErrGRPCDuplicateKey)."""

    message = "etcdserver: duplicate key given in txn request"


# --- what the store holds and sends ------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyValue:
    """One key at one revision, as etcd's ``mvccpb.KeyValue``. ``lease`` 0 means none."""

    key: str
    value: Value
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0


@dataclass(frozen=True, slots=True)
class Event:
    """One change: ``PUT`` (create or update) or ``DELETE``, as ``mvccpb.Event``.

    For a DELETE, ``kv`` carries only the key and the deleting revision, as
    etcd sends it (server/storage/mvcc/watchable_store_txn.go); the deleted
    value is in ``prev_kv``.
    """

    type: str
    kv: KeyValue
    prev_kv: KeyValue | None

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


def _event_revision(event: Event) -> int:
    return event.kv.mod_revision


@dataclass(frozen=True, slots=True)
class LeaseStatus:
    """What ``etcdctl lease timetolive --keys`` shows; ``ttl`` is -1 for an unknown lease."""

    id: int
    ttl: int
    granted_ttl: int
    keys: tuple[str, ...]


@dataclass(slots=True)
class _Lease:
    id: int
    ttl: int
    expiry: float  # store time (seconds) at which it runs out
    keys: set[str] = field(default_factory=set)
    timer: Timer | None = None


# --- transactions --------------------------------------------------------------

TARGETS = ("version", "create_revision", "mod_revision", "value")
OPERATORS = ("=", "!=", "<", ">")


@dataclass(slots=True)
class Compare:
    """A txn guard: ``Compare(key, "mod_revision", "=", 7)``.

    A missing key has version, create_revision and mod_revision 0, and any
    compare on its value fails (server/etcdserver/txn/txn.go, applyCompare).
    """

    key: str
    target: str
    op: str
    value: int | Value

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise FieldValidationError([invalid("target", self.target, f"must be one of {', '.join(TARGETS)}")])
        if self.op not in OPERATORS:
            raise FieldValidationError([invalid("op", self.op, f"must be one of {' '.join(OPERATORS)}")])
        if self.target == "value":
            _check_value(self.value)
        elif not isinstance(self.value, int) or isinstance(self.value, bool):
            raise FieldValidationError([invalid("value", self.value, f"must be an integer to compare {self.target}")])

    def holds(self, kv: KeyValue | None) -> bool:
        """Whether the compare is true of ``kv`` (None: the key does not exist)."""
        if kv is None:
            if self.target == "value":
                return False
            actual: int | Value = 0
        else:
            actual = getattr(kv, self.target)
        expected = self.value
        if self.target == "value":  # etcd compares bytes
            actual, expected = _as_bytes(actual), _as_bytes(expected)  # type: ignore[arg-type]
        if self.op == "=":
            return actual == expected
        if self.op == "!=":
            return actual != expected
        if self.op == "<":
            return actual < expected  # type: ignore[operator]
        return actual > expected  # type: ignore[operator]


@dataclass(slots=True)
class Put:
    """Txn operation: set ``key``; its response is the new ``KeyValue``."""

    key: str
    value: Value
    lease: int | None = None


@dataclass(slots=True)
class Get:
    """Txn operation: read one key; its response is a ``KeyValue`` or None."""

    key: str


@dataclass(slots=True)
class Range:
    """Txn operation: read keys by prefix (or one key); its response is a list."""

    key: str
    prefix: bool = True
    limit: int | None = None


@dataclass(slots=True)
class Delete:
    """Txn operation: delete a key (or every key under a prefix); its response is the count."""

    key: str
    prefix: bool = False


Op = Put | Get | Range | Delete


@dataclass(slots=True)
class TxnResponse:
    """Which branch ran, one response per operation, and the store revision after it."""

    succeeded: bool
    responses: list[Any]
    revision: int


# --- input checks ----------------------------------------------------------------


def _as_bytes(value: Value) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _check_key(key: Any, field_name: str = "key") -> None:
    if key.__class__ is not str:
        raise FieldValidationError([invalid(field_name, key, "must be a string")])
    if not key:
        raise EmptyKeyError()


def _check_value(value: Any) -> None:
    if value.__class__ is not str and value.__class__ is not bytes:
        raise FieldValidationError([invalid("value", value, "must be str or bytes")])


def _check_count(name: str, value: Any) -> int:
    """A non-negative integer option; None means 0 (etcd's "not set")."""
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FieldValidationError([invalid(name, value, "must be an integer greater than or equal to 0")])
    return value


# --- watches -------------------------------------------------------------------


class Watch:
    """A running watch; ``cancel()`` stops it (events already queued are dropped)."""

    __slots__ = ("_store", "active", "callback", "key", "prefix", "start_revision")

    def __init__(
        self, store: Store, key: str, prefix: bool, callback: Callable[[Event], Any], start_revision: int
    ) -> None:
        self.key = key
        self.prefix = prefix
        self.callback = callback
        self.start_revision = start_revision
        self.active = True
        self._store = store

    def cancel(self) -> None:
        if self.active:
            self.active = False
            self._store._watches.remove(self)

    def __repr__(self) -> str:
        what = f"prefix {self.key!r}" if self.prefix else f"key {self.key!r}"
        return f"<Watch {what} from revision {self.start_revision}{'' if self.active else ', cancelled'}>"


def _route(events: Iterable[Event], watches: list[Watch]) -> list[tuple[Watch, Event]]:
    """Pair each event with every watch it concerns, in event order.
    Runs for every write times every watch, hence the one tight loop."""
    routed = []
    for event in events:
        key = event.kv.key
        revision = event.kv.mod_revision
        for watch in watches:
            if revision >= watch.start_revision and (key.startswith(watch.key) if watch.prefix else key == watch.key):
                routed.append((watch, event))
    return routed


def _with_prefix(keys: SortedList, prefix: str) -> Iterator[str]:
    """The sorted keys that start with ``prefix`` ("" gives all)."""
    return takewhile(lambda key: key.startswith(prefix), keys.irange(minimum=prefix))


# --- the store ---------------------------------------------------------------------


class Store:
    """etcd's MVCC key-value store, with watches and leases.

    ``clock``: a ``VirtualClock`` to deliver watch events and expire leases
    on; without one, watch callbacks run inside the write and leases expire
    only when ``expire_leases`` is called. ``v2`` is etcd's other keyspace,
    the v2 API's (``v2store.py``), off until ``v2.enabled`` (``--enable-v2``).
    """

    def __init__(self, clock: VirtualClock | None = None) -> None:
        self._clock = clock
        # etcd starts an empty store at revision 1, so the first write is
        # revision 2 (server/storage/mvcc/kvstore.go, NewStore: currentRev: 1).
        self._revision = 1
        self._compact_revision = 0  # nothing compacted (etcd keeps -1)
        self._kvs: dict[str, KeyValue] = {}  # newest state: live keys only
        # The keys of _kvs in order, as etcd's in-memory B-tree (treeIndex) keeps them,
        # so a prefix read walks only the keys under the prefix.
        self._index = SortedList()
        self._log: list[Event] = []  # every change since the last compaction
        self._leases: dict[int, _Lease] = {}
        self._next_lease_id = 1
        self._time = 0.0  # lease time when there is no clock
        self._watches: list[Watch] = []
        self._pending: deque[tuple[Watch, Event]] = deque()  # events on their way to watches
        self._delivering = False
        self._delivery_scheduled = False
        # Set by the Raft cluster the store runs on (RaftCluster.attach): called by every client
        # write after its request is checked, it raises etcd's timeout error while there is no quorum.
        self.commit_gate: Callable[[], None] | None = None
        # The v2 keyspace (flannel 0.7's), apart from the v3 keys: see v2store.py. Its writes
        # need a quorum too.
        self.v2 = V2Store(lambda: self.now, self._gate)

    def _gate(self) -> None:
        if self.commit_gate is not None:
            self.commit_gate()

    # -- revisions --

    @property
    def revision(self) -> int:
        """The revision of the last write (1 for an empty store)."""
        return self._revision

    @property
    def compact_revision(self) -> int:
        """The revision of the last ``compact`` (0 if none): older ones cannot be read."""
        return self._compact_revision

    def _read_revision(self, revision: int | None) -> int:
        """The revision a read is for, checked as etcd's rangeKeys does."""
        revision = _check_count("revision", revision)
        if revision > self._revision:
            raise FutureRevisionError()
        if revision == 0:
            return self._revision
        if revision < self._compact_revision:
            raise CompactedError()
        return revision

    def _later_events(self, revision: int) -> list[Event]:
        """The changes made after ``revision``."""
        return self._log[bisect_right(self._log, revision, key=_event_revision) :]

    # -- reads --

    def get(self, key: str, revision: int | None = None) -> KeyValue | None:
        """The key as it is (or was at ``revision``), or None if it does not exist."""
        _check_key(key)
        revision = self._read_revision(revision)
        kv = self._kvs.get(key)
        if revision < self._revision:
            for event in reversed(self._later_events(revision)):
                if event.kv.key == key:
                    kv = event.prev_kv
        return kv

    def range(
        self, key: str, prefix: bool = True, limit: int | None = None, revision: int | None = None
    ) -> list[KeyValue]:
        """The keys starting with ``key`` (or just ``key`` if not ``prefix``), sorted,
        at most ``limit`` of them (0 or None: all). ``range("")`` lists everything."""
        if not prefix:
            kv = self.get(key, revision)
            return [] if kv is None else [kv]
        if key.__class__ is not str:
            _check_key(key)
        limit = _check_count("limit", limit)
        revision = self._read_revision(revision)
        if revision == self._revision:
            found = []
            for name in _with_prefix(self._index, key):
                found.append(self._kvs[name])
                if len(found) == limit:
                    break
            return found
        state = {name: self._kvs[name] for name in _with_prefix(self._index, key)}
        for event in reversed(self._later_events(revision)):
            name = event.kv.key
            if name.startswith(key):
                if event.prev_kv is None:
                    del state[name]
                else:
                    state[name] = event.prev_kv
        found = [state[name] for name in sorted(state)]
        return found[:limit] if limit else found

    # -- writes --

    def put(self, key: str, value: Value, lease: int | None = None) -> KeyValue:
        """Create or update ``key``; returns the new ``KeyValue`` (one new revision)."""
        _check_key(key)
        _check_value(value)
        lease_id = self._check_lease(lease)
        if self.commit_gate is not None:
            self.commit_gate()
        changes: list[Event] = []
        kv = self._put(self._revision + 1, key, value, lease_id, changes)
        self._commit(changes)
        return kv

    def delete(self, key: str, prefix: bool = False) -> int:
        """Delete ``key`` (or every key under it if ``prefix``); returns how many.

        Deleting several keys is one revision; deleting nothing is none.
        """
        _check_key(key)
        if self.commit_gate is not None:
            self.commit_gate()
        changes: list[Event] = []
        self._delete(self._revision + 1, key, prefix, changes)
        self._commit(changes)
        return len(changes)

    def txn(self, compares: Iterable[Compare], success: Iterable[Op] = (), failure: Iterable[Op] = ()) -> TxnResponse:
        """If every compare holds, run ``success``, else ``failure``; all of it atomically,
        as one revision if anything was written (etcd's Txn)."""
        compares, success, failure = list(compares), list(success), list(failure)
        if max(len(compares), len(success), len(failure)) > MAX_TXN_OPS:
            raise TooManyOpsError()
        for compare in compares:
            if compare.__class__ is not Compare:
                raise FieldValidationError([invalid("compares", compare, "must be Compare objects")])
            _check_key(compare.key)
        for ops in (success, failure):
            _check_ops(ops)
        if self.commit_gate is not None:
            self.commit_gate()
        succeeded = all(compare.holds(self._kvs.get(compare.key)) for compare in compares)
        ops = success if succeeded else failure
        for op in ops:  # etcd checks leases of the branch that runs (txn.go, checkRequests)
            if isinstance(op, Put):
                self._check_lease(op.lease)
        rev = self._revision + 1
        changes: list[Event] = []
        responses: list[Any] = []
        for op in ops:  # reads see this txn's earlier writes, as in etcd
            if isinstance(op, Put):
                responses.append(self._put(rev, op.key, op.value, op.lease or 0, changes))
            elif isinstance(op, Get):
                responses.append(self._kvs.get(op.key))
            elif isinstance(op, Range):
                names = list(_with_prefix(self._index, op.key)) if op.prefix else [op.key]
                found = [self._kvs[name] for name in names if name in self._kvs]
                responses.append(found[: op.limit] if op.limit else found)
            else:
                before = len(changes)
                self._delete(rev, op.key, op.prefix, changes)
                responses.append(len(changes) - before)
        self._commit(changes)
        return TxnResponse(succeeded, responses, self._revision)

    def compare_and_swap(self, key: str, expected_mod_revision: int, value: Value, lease: int | None = None) -> bool:
        """Write ``key`` only if its mod_revision is still ``expected_mod_revision``
        (0: only if it does not exist). This is how kube-apiserver writes: its etcd3
        storage creates with ``Compare(ModRevision(key), "=", 0)`` (``notFound`` in
        staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go) and updates only
        if the object's resourceVersion is still the key's mod_revision.

        It is exactly ``txn([Compare(key, "mod_revision", "=", expected)], [Put(key, value, lease)])``,
        written out because every apiserver write goes through it."""
        _check_key(key)
        _check_value(value)
        if self.commit_gate is not None:
            self.commit_gate()
        current = self._kvs.get(key)
        if (current.mod_revision if current is not None else 0) != expected_mod_revision:
            return False
        lease_id = self._check_lease(lease)
        changes: list[Event] = []
        self._put(self._revision + 1, key, value, lease_id, changes)
        self._commit(changes)
        return True

    def _put(self, rev: int, key: str, value: Value, lease_id: int, changes: list[Event]) -> KeyValue:
        """Write one key at revision ``rev``, as kvstore_txn.go put() does."""
        prev = self._kvs.get(key)
        if prev is None:
            kv = KeyValue(key, value, rev, rev, 1, lease_id)
            self._index.add(key)
        else:
            kv = KeyValue(key, value, prev.create_revision, rev, prev.version + 1, lease_id)
            if prev.lease and prev.lease != lease_id:
                self._leases[prev.lease].keys.discard(key)
        if lease_id:
            self._leases[lease_id].keys.add(key)
        self._kvs[key] = kv
        changes.append(Event("PUT", kv, prev))
        return kv

    def _delete(self, rev: int, key: str, prefix: bool, changes: list[Event]) -> None:
        """Delete one key or a prefix at revision ``rev``."""
        names = list(_with_prefix(self._index, key)) if prefix else [key] if key in self._kvs else []
        for name in names:
            prev = self._kvs.pop(name)
            self._index.remove(name)
            if prev.lease:
                self._leases[prev.lease].keys.discard(name)
            changes.append(Event("DELETE", KeyValue(name, "", 0, rev, 0), prev))

    def _commit(self, changes: list[Event]) -> None:
        """End a write: bump the revision once if anything changed, log it, tell watches."""
        if not changes:
            return
        self._revision += 1
        self._log.extend(changes)
        if self._watches:
            self._queue_events(_route(changes, self._watches))

    # -- history --

    def compact(self, revision: int) -> None:
        """Forget history before ``revision``: reads and watches from older revisions
        then fail with CompactedError. As etcd, compacting to a revision not
        above the last compaction fails with CompactedError, and to one not yet
        written with FutureRevisionError (server/storage/mvcc/kvstore.go,
        updateCompactRev)."""
        revision = _check_count("revision", revision)
        if revision <= self._compact_revision:
            raise CompactedError()
        if revision > self._revision:
            raise FutureRevisionError()
        self._compact_revision = revision
        # Keep the changes made at `revision` and after: reading at `revision`
        # undoes only later ones, and a watch may start at `revision` itself
        # (it fails only below it: watcher_group.go, chooseAll).
        del self._log[: bisect_left(self._log, revision, key=_event_revision)]

    # -- watches --

    def watch(
        self,
        key: str,
        callback: Callable[[Event], Any],
        start_revision: int | None = None,
        prefix: bool = True,
    ) -> Watch:
        """Call ``callback(event)`` for every change under ``key`` (or to ``key`` alone
        if not ``prefix``), in revision order.

        ``start_revision`` None (or 0): changes after now. An older revision
        replays the history from it (CompactedError if compacted away); a
        later one waits for it.
        """
        if key.__class__ is not str or (not key and not prefix):
            _check_key(key)
        start = _check_count("start_revision", start_revision) or self._revision + 1
        if start < self._compact_revision:
            raise CompactedError()
        watch = Watch(self, key, prefix, callback, start)
        self._watches.append(watch)
        if start <= self._revision:
            self._queue_events(_route(self._later_events(start - 1), [watch]))
        return watch

    def _queue_events(self, items: list[tuple[Watch, Event]]) -> None:
        """Queue events for their watches and make sure they get delivered."""
        if not items:
            return
        self._pending.extend(items)
        if self._clock is None:
            if not self._delivering:  # a write from inside a callback only queues
                self._deliver_all()
        elif not self._delivery_scheduled:
            self._delivery_scheduled = True
            self._clock.schedule(0, self._deliver_batch)

    def _deliver_all(self) -> None:
        """Without a clock: deliver until nothing is pending, oldest first."""
        self._delivering = True
        try:
            while self._pending:
                watch, event = self._pending.popleft()
                if watch.active:
                    watch.callback(event)
        finally:
            self._delivering = False

    def _deliver_batch(self) -> None:
        """With a clock: deliver the events queued before this clock event fired;
        those that callbacks write meanwhile go in the next one, so a loop of
        watches writing to each other still lets time and other events go on."""
        self._delivery_scheduled = False
        pending = self._pending
        try:
            for _ in range(len(pending)):
                watch, event = pending.popleft()
                if watch.active:
                    watch.callback(event)
        finally:
            if pending and not self._delivery_scheduled:  # a callback raised: go on later
                self._delivery_scheduled = True
                self._clock.schedule(0, self._deliver_batch)  # type: ignore[union-attr]

    # -- leases --

    @property
    def now(self) -> float:
        """The store's time in seconds: the clock's, or the last ``expire_leases(now)``."""
        return self._clock.now if self._clock is not None else self._time

    def grant(self, ttl: int) -> int:
        """Create a lease that expires ``ttl`` seconds from now; return its id.

        As etcd, a TTL under MIN_LEASE_TTL is raised to it. A negative TTL is
        refused here (etcd would quietly raise it to the minimum too).
        """
        if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0:
            raise FieldValidationError([invalid("ttl", ttl, "must be a whole number of seconds >= 0")])
        if ttl > MAX_LEASE_TTL:
            raise LeaseTTLTooLargeError()
        if self.commit_gate is not None:
            self.commit_gate()
        ttl = max(ttl, MIN_LEASE_TTL)
        lease = _Lease(self._next_lease_id, ttl, self.now + ttl)
        self._next_lease_id += 1
        self._leases[lease.id] = lease
        self._arm(lease)
        return lease.id

    def keepalive(self, lease_id: int) -> int:
        """Renew a lease for its full TTL from now; return the TTL."""
        lease = self._find_lease(lease_id)
        lease.expiry = self.now + lease.ttl
        if lease.timer is not None:
            lease.timer.cancel()
        self._arm(lease)
        return lease.ttl

    def revoke(self, lease_id: int) -> int:
        """End a lease now, deleting its keys (one revision); return how many keys.

        Keys go in sorted order, as lessor.go Revoke does.
        """
        lease = self._find_lease(lease_id)
        if lease.timer is not None:
            lease.timer.cancel()
        changes: list[Event] = []
        rev = self._revision + 1
        for key in sorted(lease.keys):
            self._delete(rev, key, False, changes)
        del self._leases[lease_id]
        self._commit(changes)
        return len(changes)

    def time_to_live(self, lease_id: int) -> LeaseStatus:
        """Remaining and granted TTL and the keys of a lease. Remaining seconds are
        truncated, as etcd's ``int64(l.Remaining().Seconds())``
        (server/lease/leasehttp/http.go); an unknown lease has TTL -1
        (server/etcdserver/api/v3rpc/lease.go, LeaseTimeToLive)."""
        lease = self._leases.get(lease_id)
        if lease is None:
            return LeaseStatus(lease_id, -1, 0, ())
        return LeaseStatus(lease_id, int(lease.expiry - self.now), lease.ttl, tuple(sorted(lease.keys)))

    def leases(self) -> list[int]:
        """Ids of the live leases, oldest first."""
        return sorted(self._leases)

    def expire_leases(self, now: float | None = None) -> list[int]:
        """Revoke every lease whose time is up; return their ids.

        Without a clock, ``now`` moves the store's lease time forward first.
        With a clock, the store does this by itself at each lease's expiry
        (real etcd checks every 500 ms, lessor.go runLoop, so there keys may
        outlive their lease by up to half a second).
        """
        if now is not None:
            if self._clock is not None:
                raise FieldValidationError([forbidden("now", "the store runs on a clock: run the clock instead")])
            if not now >= self._time:
                raise FieldValidationError([invalid("now", now, f"must not be earlier than {self._time:g}")])
            self._time = float(now)
        current = self.now
        expired = [lease.id for lease in self._leases.values() if lease.expiry <= current]
        for lease_id in expired:
            self.revoke(lease_id)
        return expired

    def _arm(self, lease: _Lease) -> None:
        """With a clock, revoke the lease when its time is up."""
        if self._clock is not None:
            lease.timer = self._clock.schedule(lease.expiry - self._clock.now, self._expire, lease.id)

    def _expire(self, lease_id: int) -> None:
        if lease_id in self._leases:
            self.revoke(lease_id)

    def _find_lease(self, lease_id: Any) -> _Lease:
        lease = self._leases.get(lease_id)
        if lease is None:
            raise LeaseNotFoundError()
        return lease

    def _check_lease(self, lease: int | None) -> int:
        """The lease id for a put (0: none), which must exist."""
        if not lease:
            return 0
        self._find_lease(lease)
        return lease

    # -- for people --

    def dump(self, prefix: str = "/", width: int = 40) -> str:
        """What etcd holds under ``prefix``: one line per key with its revisions,
        version, lease (hex, as etcdctl prints it) and the start of its value."""
        kvs = self.range(prefix)
        lines = [
            (
                f"revision {self._revision}, compacted at {self._compact_revision}, "
                f"{len(kvs)} key{'' if len(kvs) == 1 else 's'} under {prefix!r}"
            )
        ]
        if kvs:
            key_width = max(len("KEY"), *(len(kv.key) for kv in kvs))
            lines.append(f"{'KEY':<{key_width}}  CREATE     MOD  VER  LEASE             VALUE")
            for kv in kvs:
                text = kv.value if isinstance(kv.value, str) else kv.value.decode("utf-8", "replace")
                text = text if len(text) <= width else text[: width - 3] + "..."
                lease = f"{kv.lease:016x}" if kv.lease else "-"
                lines.append(
                    f"{kv.key:<{key_width}}  {kv.create_revision:>6}  {kv.mod_revision:>6}  "
                    f"{kv.version:>3}  {lease:<16}  {text}"
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<etcd Store revision={self._revision} keys={len(self._kvs)} leases={len(self._leases)}>"


def _check_ops(ops: list[Op]) -> None:
    """Check a txn branch's operations, and that it writes no key twice
    (server/etcdserver/api/v3rpc/key.go, checkIntervals)."""
    puts: set[str] = set()
    deletes: list[Delete] = []
    for op in ops:
        if isinstance(op, Put):
            _check_key(op.key)
            _check_value(op.value)
            if op.key in puts:
                raise DuplicateKeyError()
            puts.add(op.key)
        elif isinstance(op, Range) and op.prefix:
            if op.key.__class__ is not str:
                _check_key(op.key)
            _check_count("limit", op.limit)
        elif isinstance(op, (Get, Range, Delete)):
            _check_key(op.key)
            if isinstance(op, Delete):
                deletes.append(op)
        else:
            raise FieldValidationError([invalid("ops", op, "must be Put, Get, Range or Delete")])
    for delete in deletes:
        if any(key.startswith(delete.key) if delete.prefix else key == delete.key for key in puts):
            raise DuplicateKeyError()
