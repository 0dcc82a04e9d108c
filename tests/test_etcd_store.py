"""The etcd model against etcd's documented behaviour (revisions, txn, watch, leases)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8scourse.clock import VirtualClock
from k8scourse.etcd.store import (
    MAX_TXN_OPS,
    MIN_LEASE_TTL,
    CompactedError,
    Compare,
    Delete,
    DuplicateKeyError,
    EmptyKeyError,
    Event,
    FutureRevisionError,
    Get,
    KeyValue,
    LeaseNotFoundError,
    LeaseTTLTooLargeError,
    Put,
    Range,
    Store,
    TooManyOpsError,
)

POD = "/registry/pods/default/web"


def kv_tuple(kv: KeyValue | None) -> tuple[Any, ...] | None:
    return None if kv is None else (kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version)


# --- revisions ------------------------------------------------------------------


def test_empty_store_is_at_revision_1_and_first_write_is_2() -> None:
    store = Store()
    assert store.revision == 1
    kv = store.put(POD, "{}")
    assert (kv.create_revision, kv.mod_revision, kv.version, kv.lease) == (2, 2, 1, 0)
    assert store.revision == 2


def test_update_keeps_create_revision_and_bumps_version() -> None:
    store = Store()
    store.put(POD, "v1")
    store.put("/registry/pods/default/other", "x")
    kv = store.put(POD, "v2")
    assert (kv.value, kv.create_revision, kv.mod_revision, kv.version) == ("v2", 2, 4, 2)


def test_delete_then_recreate_starts_a_new_generation() -> None:
    store = Store()
    store.put(POD, "v1")
    store.put(POD, "v2")
    assert store.delete(POD) == 1
    assert store.get(POD) is None
    kv = store.put(POD, "v3")
    assert (kv.create_revision, kv.mod_revision, kv.version) == (5, 5, 1)


def test_deleting_nothing_does_not_bump_the_revision() -> None:
    store = Store()
    store.put(POD, "x")
    assert store.delete("/registry/pods/default/missing") == 0
    assert store.delete("/registry/nodes/", prefix=True) == 0
    assert store.revision == 2


def test_prefix_delete_is_one_revision() -> None:
    store = Store()
    for name in ("a", "b", "c"):
        store.put(f"/registry/pods/default/{name}", name)
    store.put("/registry/nodes/n1", "n")
    events: list[Event] = []
    store.watch("/registry/", events.append)
    assert store.delete("/registry/pods/", prefix=True) == 3
    assert store.revision == 6
    assert [(e.type, e.kv.key, e.revision) for e in events] == [
        ("DELETE", "/registry/pods/default/a", 6),
        ("DELETE", "/registry/pods/default/b", 6),
        ("DELETE", "/registry/pods/default/c", 6),
    ]
    assert [kv.key for kv in store.range("/registry/")] == ["/registry/nodes/n1"]


def test_values_are_stored_as_given() -> None:
    store = Store()
    store.put("/text", '{"kind": "Pod"}')
    store.put("/raw", b"\x00\x01")
    assert store.get("/text").value == '{"kind": "Pod"}'  # type: ignore[union-attr]
    assert store.get("/raw").value == b"\x00\x01"  # type: ignore[union-attr]


# --- reads ----------------------------------------------------------------------


def test_range_is_sorted_by_key_limited_and_prefix_scoped() -> None:
    store = Store()
    for name in ("web-2", "web-10", "db", "web-1"):
        store.put(f"/registry/pods/default/{name}", name)
    store.put("/registry/pods/kube-system/dns", "dns")
    store.put("/registry/podsecurity/x", "not a pod")
    keys = [kv.key for kv in store.range("/registry/pods/default/")]
    assert keys == sorted(keys) and len(keys) == 4
    assert [kv.value for kv in store.range("/registry/pods/", limit=2)] == ["db", "web-1"]
    assert len(store.range("/registry/pods/")) == 5
    assert len(store.range("")) == 6
    assert store.range("/registry/pods/default/db", prefix=False)[0].value == "db"
    assert store.range("/registry/pods/default/d", prefix=False) == []


def test_reading_old_revisions() -> None:
    store = Store()
    store.put(POD, "v1")  # 2
    store.put("/registry/pods/default/db", "db")  # 3
    store.put(POD, "v2")  # 4
    store.delete("/registry/pods/default/db")  # 5
    assert store.get(POD, revision=2).value == "v1"  # type: ignore[union-attr]
    assert store.get(POD, revision=1) is None
    assert store.get("/registry/pods/default/db", revision=4).value == "db"  # type: ignore[union-attr]
    assert [kv.value for kv in store.range("/registry/pods/", revision=3)] == ["db", "v1"]
    assert [kv.value for kv in store.range("/registry/pods/", revision=5)] == ["v2"]
    assert [kv.value for kv in store.range("/registry/pods/", revision=4, limit=1)] == ["db"]
    assert store.range("/registry/pods/", revision=1) == []


def test_future_revision_error_is_etcds() -> None:
    store = Store()
    store.put(POD, "x")
    with pytest.raises(FutureRevisionError, match="^etcdserver: mvcc: required revision is a future revision$"):
        store.get(POD, revision=3)
    with pytest.raises(FutureRevisionError):
        store.compact(3)


def test_compaction_forgets_older_revisions() -> None:
    store = Store()
    store.put(POD, "v1")  # 2
    store.put(POD, "v2")  # 3
    store.put(POD, "v3")  # 4
    store.compact(3)
    assert store.compact_revision == 3
    assert store.get(POD, revision=3).value == "v2"  # type: ignore[union-attr]
    with pytest.raises(CompactedError, match="^etcdserver: mvcc: required revision has been compacted$"):
        store.get(POD, revision=2)
    with pytest.raises(CompactedError):
        store.range("/", revision=2)
    with pytest.raises(CompactedError):
        store.compact(3)  # etcd refuses compacting to the same revision again
    assert store.get(POD).version == 3  # type: ignore[union-attr]


# --- transactions ---------------------------------------------------------------


def test_txn_branches_and_one_revision_for_all_writes() -> None:
    store = Store()
    store.put("/a", "1")
    response = store.txn(
        [Compare("/a", "value", "=", "1")],
        [Put("/b", "2"), Put("/c", "3"), Get("/b"), Range("/", limit=2), Delete("/a")],
        [Put("/failed", "x")],
    )
    assert response.succeeded
    assert store.revision == response.revision == 3
    put_b, put_c, get_b, listed, deleted = response.responses
    assert (put_b.mod_revision, put_c.mod_revision) == (3, 3)
    assert get_b.value == "2"  # reads see the txn's own earlier writes
    assert [kv.key for kv in listed] == ["/a", "/b"]
    assert deleted == 1
    assert store.get("/failed") is None

    response = store.txn([Compare("/a", "version", ">", 0)], [Put("/x", "x")], [Get("/b")])
    assert not response.succeeded and response.responses[0].value == "2"
    assert store.revision == 3  # a read-only branch writes nothing


def test_compares_on_a_missing_key() -> None:
    store = Store()
    assert store.txn([Compare("/missing", "mod_revision", "=", 0)]).succeeded
    assert store.txn([Compare("/missing", "create_revision", "=", 0)]).succeeded
    assert store.txn([Compare("/missing", "version", "<", 1)]).succeeded
    # etcd: any value compare on a missing key fails (txn.go applyCompare).
    assert not store.txn([Compare("/missing", "value", "=", "")]).succeeded
    assert not store.txn([Compare("/missing", "value", "!=", "x")]).succeeded


def test_compare_operators() -> None:
    store = Store()
    store.put("/k", "b")
    assert store.txn([Compare("/k", "mod_revision", "=", 2), Compare("/k", "version", "!=", 5)]).succeeded
    assert store.txn([Compare("/k", "value", ">", "a"), Compare("/k", "value", "<", b"c")]).succeeded
    assert not store.txn([Compare("/k", "value", "=", "b"), Compare("/k", "create_revision", ">", 2)]).succeeded


def test_txn_rejects_duplicate_keys_and_too_many_ops() -> None:
    store = Store()
    with pytest.raises(DuplicateKeyError, match="^etcdserver: duplicate key given in txn request$"):
        store.txn([], [Put("/a", "1"), Put("/a", "2")])
    with pytest.raises(DuplicateKeyError):
        store.txn([], [Put("/pods/a", "1"), Delete("/pods/", prefix=True)])
    store.txn([], [Put("/a", "1")], [Put("/a", "2")])  # then/else may share keys
    ops = [Put(f"/k{i}", "v") for i in range(MAX_TXN_OPS + 1)]
    with pytest.raises(TooManyOpsError, match="^etcdserver: too many operations in txn request$"):
        store.txn([], ops)
    assert store.revision == 2


def test_failed_txn_changes_nothing() -> None:
    store = Store()
    with pytest.raises(LeaseNotFoundError):
        store.txn([], [Put("/a", "1"), Put("/b", "2", lease=99)])
    with pytest.raises(ValueError):
        store.txn([], [Put("/a", "1"), Put("/b", 2)])  # type: ignore[arg-type]
    assert store.revision == 1 and store.range("") == []


def test_compare_and_swap_is_optimistic_concurrency() -> None:
    store = Store()
    assert store.compare_and_swap(POD, 0, "created")
    assert not store.compare_and_swap(POD, 0, "created twice")
    kv = store.get(POD)
    assert kv is not None
    assert store.compare_and_swap(POD, kv.mod_revision, "updated")
    assert not store.compare_and_swap(POD, kv.mod_revision, "stale writer")
    assert store.get(POD).value == "updated"  # type: ignore[union-attr]


def test_bad_compares_name_the_field() -> None:
    with pytest.raises(ValueError, match='^target: Invalid value: "size"'):
        Compare("/k", "size", "=", 1)
    with pytest.raises(ValueError, match='^op: Invalid value: ">="'):
        Compare("/k", "version", ">=", 1)
    with pytest.raises(ValueError, match='^value: Invalid value: "1": must be an integer'):
        Compare("/k", "version", "=", "1")


# --- watches --------------------------------------------------------------------


def test_watch_sees_puts_and_deletes_with_prev_kv() -> None:
    store = Store()
    events: list[Event] = []
    store.watch("/registry/pods/", events.append)
    store.put(POD, "v1")
    store.put("/registry/nodes/n1", "ignored")
    store.put(POD, "v2")
    store.delete(POD)
    assert [(e.type, e.kv.value, kv_tuple(e.prev_kv)) for e in events] == [
        ("PUT", "v1", None),
        ("PUT", "v2", (POD, "v1", 2, 2, 1)),
        ("DELETE", "", (POD, "v2", 2, 4, 2)),
    ]
    assert (events[2].kv.key, events[2].revision, events[2].kv.version) == (POD, 5, 0)


def test_watch_one_key_and_cancel() -> None:
    store = Store()
    events: list[Event] = []
    watch = store.watch(POD, events.append, prefix=False)
    store.put(POD + "-2", "other key, same prefix")
    store.put(POD, "mine")
    watch.cancel()
    store.put(POD, "after cancel")
    assert [e.kv.value for e in events] == ["mine"]


def test_watch_from_an_old_revision_replays_history() -> None:
    store = Store()
    store.put(POD, "v1")  # 2
    store.put(POD, "v2")  # 3
    store.delete(POD)  # 4
    events: list[Event] = []
    store.watch("/registry/", events.append, start_revision=3)
    store.put(POD, "v3")  # 5
    assert [(e.type, e.revision) for e in events] == [("PUT", 3), ("DELETE", 4), ("PUT", 5)]


def test_watch_from_a_future_revision_waits_for_it() -> None:
    store = Store()
    events: list[Event] = []
    store.watch("/", events.append, start_revision=4)
    store.put("/a", "2")
    store.put("/a", "3")
    store.put("/a", "4")
    assert [e.revision for e in events] == [4]


def test_watch_from_a_compacted_revision_fails() -> None:
    store = Store()
    for value in "abcd":
        store.put(POD, value)  # revisions 2..5
    store.compact(4)
    with pytest.raises(CompactedError, match="^etcdserver: mvcc: required revision has been compacted$"):
        store.watch("/", print, start_revision=3)
    events: list[Event] = []
    store.watch("/", events.append, start_revision=4)  # the compacted revision itself is fine
    assert [e.kv.value for e in events] == ["c", "d"]


def test_without_a_clock_writes_from_callbacks_keep_revision_order() -> None:
    store = Store()
    seen: dict[str, list[int]] = {"echo": [], "other": []}

    def echo(event: Event) -> None:
        seen["echo"].append(event.revision)
        if event.kv.key == "/ping":
            store.put("/pong", "reply")

    store.watch("/", echo)
    store.watch("/", lambda e: seen["other"].append(e.revision))
    store.put("/ping", "1")
    store.put("/ping", "2")
    assert seen["echo"] == seen["other"] == [2, 3, 4, 5]


def test_with_a_clock_events_arrive_after_the_write_in_order() -> None:
    clock = VirtualClock()
    store = Store(clock)
    seen: list[tuple[str, int, float]] = []

    def echo(event: Event) -> None:
        seen.append(("echo", event.revision, clock.now))
        if event.kv.key == "/ping":
            store.put("/pong", "reply")

    store.watch("/", echo)
    store.watch("/", lambda e: seen.append(("other", e.revision, clock.now)))
    clock.run(1)
    store.put("/ping", "1")
    store.put("/ping", "2")
    assert seen == []  # delivered after the write returns, in a clock event
    clock.run(0)
    assert seen == [
        ("echo", 2, 1.0),
        ("other", 2, 1.0),
        ("echo", 3, 1.0),
        ("other", 3, 1.0),
        ("echo", 4, 1.0),
        ("other", 4, 1.0),
        ("echo", 5, 1.0),
        ("other", 5, 1.0),
    ]


def test_with_a_clock_a_failing_callback_delays_but_loses_nothing() -> None:
    clock = VirtualClock()
    store = Store(clock)
    seen: list[int] = []

    def fussy(event: Event) -> None:
        if event.revision == 2 and not seen:
            seen.append(-1)
            raise RuntimeError("callback bug")
        seen.append(event.revision)

    store.watch("/", fussy)
    store.put("/a", "1")
    store.put("/a", "2")
    with pytest.raises(RuntimeError):
        clock.run(0)
    clock.run(0)
    assert seen == [-1, 3]


# --- leases ---------------------------------------------------------------------


def test_lease_ttl_rules() -> None:
    store = Store()
    assert store.time_to_live(store.grant(1)).granted_ttl == MIN_LEASE_TTL == 2
    assert store.time_to_live(store.grant(60)).granted_ttl == 60
    with pytest.raises(LeaseTTLTooLargeError, match="^etcdserver: too large lease TTL$"):
        store.grant(9_000_000_001)
    for bad in (-5, 1.5, "60", True):
        with pytest.raises(ValueError, match="^ttl: Invalid value: .*: must be a whole number of seconds >= 0$"):
            store.grant(bad)  # type: ignore[arg-type]
    assert store.leases() == [1, 2]


def test_unknown_lease_errors_are_etcds() -> None:
    store = Store()
    message = "^etcdserver: requested lease not found$"
    with pytest.raises(LeaseNotFoundError, match=message):
        store.put("/a", "x", lease=42)
    with pytest.raises(LeaseNotFoundError, match=message):
        store.keepalive(42)
    with pytest.raises(LeaseNotFoundError, match=message):
        store.revoke(42)
    assert store.time_to_live(42).ttl == -1  # etcd answers TTL -1, not an error
    assert store.revision == 1


def test_revoke_deletes_attached_keys_in_one_revision() -> None:
    store = Store()
    lease = store.grant(60)
    store.put("/leased/b", "b", lease=lease)
    store.put("/leased/a", "a", lease=lease)
    store.put("/leased/c", "c", lease=lease)
    store.put("/leased/c", "c, no lease any more")  # a put without the lease detaches it
    store.put("/kept", "k")
    events: list[Event] = []
    store.watch("/", events.append)
    assert store.time_to_live(lease).keys == ("/leased/a", "/leased/b")
    assert store.revoke(lease) == 2
    assert [(e.type, e.kv.key, e.revision) for e in events] == [
        ("DELETE", "/leased/a", 7),
        ("DELETE", "/leased/b", 7),
    ]
    assert [kv.key for kv in store.range("/")] == ["/kept", "/leased/c"]
    assert store.leases() == []


def test_leases_expire_on_the_clock_and_keepalive_extends_them() -> None:
    clock = VirtualClock()
    store = Store(clock)
    short = store.grant(10)
    kept = store.grant(10)
    store.put("/short", "x", lease=short)
    store.put("/kept", "y", lease=kept)
    clock.run(6)
    assert store.time_to_live(short).ttl == 4
    assert store.keepalive(kept) == 10
    clock.run(4)
    assert store.get("/short") is None and store.leases() == [kept]
    clock.run(5.9)
    assert store.get("/kept") is not None
    assert store.time_to_live(kept).ttl == 0  # 0.1 s left, truncated as etcd does
    clock.run(0.1)
    assert store.get("/kept") is None
    assert store.time_to_live(kept).ttl == -1


def test_without_a_clock_leases_expire_only_when_told() -> None:
    store = Store()
    lease = store.grant(5)
    store.put("/k", "v", lease=lease)
    assert store.expire_leases(4.9) == []
    assert store.get("/k") is not None and store.now == 4.9
    assert store.expire_leases(5) == [lease]
    assert store.get("/k") is None
    with pytest.raises(ValueError, match="^now: Invalid value: 1: must not be earlier than 5$"):
        store.expire_leases(1)


def test_expire_leases_with_a_clock_refuses_another_time() -> None:
    store = Store(VirtualClock())
    with pytest.raises(ValueError, match="^now: Forbidden: the store runs on a clock"):
        store.expire_leases(10)


# --- bad input ------------------------------------------------------------------


def test_bad_keys_values_and_options() -> None:
    store = Store()
    with pytest.raises(EmptyKeyError, match="^etcdserver: key is not provided$"):
        store.put("", "x")
    with pytest.raises(EmptyKeyError):
        store.get("")
    with pytest.raises(EmptyKeyError):
        store.txn([Compare("", "version", "=", 0)])
    with pytest.raises(ValueError, match="^key: Invalid value: 42: must be a string$"):
        store.put(42, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^key: Invalid value: .*: must be a string$"):
        store.range(b"/registry/")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^value: Invalid value: 7: must be str or bytes$"):
        store.put("/k", 7)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^revision: Invalid value: -1: must be an integer"):
        store.get("/k", revision=-1)
    with pytest.raises(ValueError, match="^limit: Invalid value: -2: "):
        store.range("/", limit=-2)
    with pytest.raises(ValueError, match="^ops: Invalid value"):
        store.txn([], ["put /k v"])  # type: ignore[list-item]
    assert store.revision == 1


def test_dump_shows_what_etcd_holds() -> None:
    store = Store()
    lease = store.grant(60)
    store.put("/registry/pods/default/web", '{"kind":"Pod","metadata":{"name":"web","namespace":"default"}}')
    store.put("/registry/leases/n1", "x", lease=lease)
    assert store.dump("/registry/").splitlines() == [
        "revision 3, compacted at 0, 2 keys under '/registry/'",
        "KEY                         CREATE     MOD  VER  LEASE             VALUE",
        "/registry/leases/n1              3       3    1  0000000000000001  x",
        '/registry/pods/default/web       2       2    1  -                 {"kind":"Pod","metadata":{"name":"web...',
    ]
    assert Store().dump() == "revision 1, compacted at 0, 0 keys under '/'"


# --- a model check ----------------------------------------------------------------

KEYS = ["/a", "/a/x", "/a/y", "/b", "/b/z"]

operations = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(KEYS), st.text("xyz", max_size=2)),
    st.tuples(st.just("delete"), st.sampled_from(KEYS), st.booleans()),
    st.tuples(st.just("txn"), st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True), st.just("t")),
    st.tuples(st.just("compact"), st.integers(0, 6), st.just(None)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(operations, max_size=40))
def test_store_matches_a_simple_model_at_every_revision(ops: list[tuple[Any, Any, Any]]) -> None:
    """Replaying random writes into the store and into a dict-per-revision model:
    every readable revision reads the same, and a watch from the start sees
    exactly the changes between consecutive snapshots."""
    store = Store()
    events: list[Event] = []
    store.watch("/", events.append, start_revision=2)
    snapshots: list[dict[str, tuple[Any, ...]]] = [{}, {}]  # index = revision; 0 unused

    def write(changes: dict[str, Any]) -> None:
        """Model one revision: key -> new value, or None to delete."""
        rev = len(snapshots)
        state = dict(snapshots[-1])
        for key, value in changes.items():
            if value is None:
                del state[key]
            else:
                prev = state.get(key)
                state[key] = (key, value, prev[2] if prev else rev, rev, prev[4] + 1 if prev else 1)
        snapshots.append(state)

    for kind, arg, extra in ops:
        live = snapshots[-1]
        if kind == "put":
            store.put(arg, extra)
            write({arg: extra})
        elif kind == "delete":
            doomed = [k for k in live if (k.startswith(arg) if extra else k == arg)]
            assert store.delete(arg, prefix=extra) == len(doomed)
            if doomed:
                write(dict.fromkeys(doomed))
        elif kind == "txn":
            store.txn([], [Put(key, extra) for key in arg])
            write(dict.fromkeys(arg, extra))
        else:
            target = store.compact_revision + arg
            if store.compact_revision < target <= store.revision:
                store.compact(target)
        assert store.revision == len(snapshots) - 1

    for rev in range(max(1, store.compact_revision), store.revision + 1):
        assert [kv_tuple(kv) for kv in store.range("", revision=rev)] == [
            snapshots[rev][key] for key in sorted(snapshots[rev])
        ]
        for key in KEYS:
            assert kv_tuple(store.get(key, revision=rev)) == snapshots[rev].get(key)

    replayed: dict[str, tuple[Any, ...]] = {}
    for i, event in enumerate(events):
        key = event.kv.key
        assert kv_tuple(event.prev_kv) == replayed.get(key)
        if event.type == "PUT":
            replayed[key] = kv_tuple(event.kv)  # type: ignore[assignment]
        else:
            del replayed[key]
        if i + 1 == len(events) or events[i + 1].revision != event.revision:  # end of a revision
            assert replayed == snapshots[event.revision]
    assert replayed == snapshots[-1]
