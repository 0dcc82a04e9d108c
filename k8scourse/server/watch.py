"""``?watch=true``: a stream of changes, one JSON event per line.

Each event is ``{"type": "ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR", "object": ...}``
in a chunked HTTP response that stays open (``apiserver/pkg/endpoints/handlers/watch.go``).
A watch from ``resourceVersion`` N sends every change after N, in revision order;
without one (or with ``"0"``) it first sends the current objects as ADDED
("Get State and Start at Most Recent", API concepts: Semantics for watch).
A revision etcd has compacted away gets an ERROR event carrying
``410 Gone``/``Expired``: the client must list again.

The stream reads straight from an etcd watch (``Store.watch``) on the
resource's key prefix, so it sees exactly the store's history: nothing lost,
nothing twice. Selectors are applied per event: an object that stops matching
is DELETED for this watch, one that starts matching is ADDED (as the watch
cache's filter does). When the client goes away the etcd watch is cancelled.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

import orjson

from k8scourse.api.fields import FieldSelector
from k8scourse.api.meta import KubeObject
from k8scourse.api.selectors import Selector
from k8scourse.etcd.store import CompactedError, Event, Store

from .status import HTTPError, failure

#: How often a watch that asked for bookmarks (``allowWatchBookmarks``) gets one, in real
#: seconds. kube-apiserver sends them about once a minute; the course sends one every
#: second so that a short demonstration sees them.
BOOKMARK_INTERVAL = 1.0
#: A watch without ``timeoutSeconds`` ends after --min-request-timeout (1800 s), as upstream.
DEFAULT_TIMEOUT = 1800.0


def decode(kv: Any, revision: int) -> dict:
    obj = orjson.loads(kv.value)
    obj["metadata"]["resourceVersion"] = str(revision)
    return obj


class Filter:
    """Which objects a watch or list wants: label and field selectors."""

    def __init__(self, labels: Selector | None, fields: FieldSelector) -> None:
        self.labels, self.fields = labels, fields

    def __call__(self, obj: dict | None) -> bool:
        if obj is None:
            return False
        if self.labels is not None and not self.labels.matches(obj["metadata"].get("labels") or {}):
            return False
        return self.fields.matches(obj) if self.fields.requirements else True


class EventCache:
    """Each change decoded and encoded once, however many watches send it (the watch
    cache's job upstream). One per server, so two clusters never share entries;
    it keeps the last ``size`` changes."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                return self._entries[key]
        value = make()  # outside the lock: two threads may both make it, and both get an equal value
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


#: One event to send: its type, its object (shared: read only) and its cache key (None for the initial list).
Item = tuple[str, dict, "tuple | None"]


class WatchStream:
    """One client's watch: an etcd watch that queues events, drained by the client's thread.

    ``start`` runs under the server's lock; ``next_events`` waits (without the lock)
    for events and hands them over as (type, object) pairs.
    """

    def __init__(self, store: Store, kind: type[KubeObject], prefix: str, wanted: Filter, cache: EventCache) -> None:
        self.store, self.kind, self.prefix, self.wanted, self.cache = store, kind, prefix, wanted, cache
        self._events: list[Event] = []
        self._initial: list[Item] = []
        self._ready = threading.Condition(threading.Lock())
        self._watch: Any = None
        self.revision = 0  # the last revision this stream has covered (for bookmarks)

    def start(self, resource_version: str) -> dict | None:
        """Begin at ``resource_version``; an ERROR event's Status if it is too old (410)."""
        if resource_version in ("", "0"):
            start = self.store.revision
            for kv in self.store.range(self.prefix):
                obj = decode(kv, kv.mod_revision)
                if self.wanted(obj):
                    self._initial.append(("ADDED", obj, None))
        elif resource_version.isdigit():
            start = int(resource_version)
        else:
            raise HTTPError(400, f'invalid resource version "{resource_version}"')
        try:
            self._watch = self.store.watch(self.prefix, self._on_event, start_revision=start + 1)
        except CompactedError:
            return failure(410, "Expired", f"too old resource version: {start} ({self.store.compact_revision})")
        self.revision = start
        return None

    def _on_event(self, event: Event) -> None:
        with self._ready:
            self._events.append(event)
            if len(self._events) == 1:  # the stream's thread takes all that came since it last looked
                self._ready.notify()

    def next_events(self, timeout: float) -> list[Item]:
        """The events that arrived (waiting up to ``timeout`` real seconds for one)."""
        out, self._initial = self._initial, []
        with self._ready:
            if not self._events and not out:
                self._ready.wait(timeout)
            events, self._events = self._events, []
        for event in events:
            out.extend(self._translate(event))
            self.revision = event.revision
        return out

    def _translate(self, event: Event) -> list[Item]:
        def objects() -> tuple[dict | None, dict | None]:
            new = None if event.type == "DELETE" else decode(event.kv, event.revision)
            old = decode(event.prev_kv, event.revision) if event.prev_kv is not None else None
            return new, old

        new, old = self.cache.get(("objects", event.kv.key, event.revision), objects)
        is_wanted, was_wanted = self.wanted(new), self.wanted(old)
        if is_wanted:
            kind = "MODIFIED" if was_wanted else "ADDED"
            return [(kind, new, (kind, event.kv.key, event.revision))]  # type: ignore[list-item]
        if was_wanted:
            return [("DELETED", new if new is not None else old,  # type: ignore[list-item]
                     ("DELETED", event.kv.key, event.revision))]
        return []

    def bookmark(self) -> dict:
        """A BOOKMARK's object: only the kind and the revision the stream has reached."""
        return {"kind": self.kind.KIND, "apiVersion": self.kind.API_VERSION,
                "metadata": {"resourceVersion": str(self.revision)}}

    def cancel(self, lock: threading.RLock) -> None:
        with lock:
            if self._watch is not None:
                self._watch.cancel()
                self._watch = None


def stream(watch: WatchStream, write: Callable[[bytes], None], encode: Callable[[str, dict], dict],
           cacheable: bool, bookmarks: bool, timeout: float, stopped: Callable[[], bool],
           client_gone: Callable[[], bool], clock: Callable[[], float]) -> None:
    """Send ``watch``'s events with ``write`` until the timeout, the server stops or the client goes.
    ``cacheable``: ``encode`` gives every watch the same answer (not a Table, whose AGE moves)."""
    end = clock() + timeout
    next_bookmark = clock() + BOOKMARK_INTERVAL

    def line(kind: str, obj: dict) -> bytes:
        return orjson.dumps({"type": kind, "object": encode(kind, obj)}) + b"\n"

    while not stopped() and clock() < end:
        lines = [line(kind, obj) if key is None or not cacheable else
                 watch.cache.get(("line", *key), lambda: line(kind, obj))
                 for kind, obj, key in watch.next_events(0.1)]
        if lines:
            write(b"".join(lines))  # what arrived together goes out in one chunk
        if bookmarks and clock() >= next_bookmark:
            write(orjson.dumps({"type": "BOOKMARK", "object": watch.bookmark()}) + b"\n")
            next_bookmark = clock() + BOOKMARK_INTERVAL
        if client_gone():
            return
