"""etcd's v2 keyspace: the directory tree flannel 0.7 keeps its network in.

etcd 3.x keeps two stores side by side. The v3 store (``store.py``) is the
flat, revisioned key space kube-apiserver uses; the v2 store is a tree of
directories and files, each with a ``createdIndex``/``modifiedIndex`` and an
optional TTL, served over HTTP at ``/v2/keys``. They never share a key: a
key written with ``ETCDCTL_API=3 etcdctl put`` is invisible to a v2 ``get``
and the other way round. etcd 3.4 serves the v2 API only when started with
``--enable-v2`` (``ETCD_ENABLE_V2="true"``, commented out in the notes'
etcd.conf); without it ``/v2/keys`` answers 404 and a v2 client (flanneld)
cannot read anything.

Errors are the v2 store's: code, message, the path it is about, and the
store's index at the time (``server/etcdserver/api/v2error/error.go``), which
v2 clients print as ``100: Key not found (/atomic.io) [11]``
(``client/keys.go`` ``Error.Error``). The path is the first missing part of
the key, as ``v2store.walk`` stops there. The model's index counts only the
writes made here; a real etcd's index also counts its own start-up writes
(members, cluster version), so its first index is a few numbers higher.
A key with a TTL vanishes once its time is up; the model removes it at the
next request, with the index bump etcd's expiry would make.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from k8scourse.api.errors import K8sValueError

# server/etcdserver/api/v2error/error.go
KEY_NOT_FOUND = 100
TEST_FAILED = 101
NOT_FILE = 102
NOT_DIR = 104
NODE_EXIST = 105
ROOT_RONLY = 107
_MESSAGES = {
    KEY_NOT_FOUND: "Key not found",
    TEST_FAILED: "Compare failed",
    NOT_FILE: "Not a file",
    NOT_DIR: "Not a directory",
    NODE_EXIST: "Key already exists",
    ROOT_RONLY: "Root is read only",
}


class V2Error(K8sValueError):
    """An error the v2 API returns; ``str()`` is how v2 clients print it."""

    def __init__(self, code: int, cause: str, index: int) -> None:
        self.code, self.cause, self.index = code, cause, index
        self.text = _MESSAGES[code]
        super().__init__(f"{code}: {self.text} ({cause}) [{index}]")


class V2DisabledError(K8sValueError):
    """etcd 3.4 without ``--enable-v2``: ``/v2/keys`` is not served (HTTP 404)."""

    def __init__(self) -> None:
        super().__init__("404 page not found (etcd 3.4 serves the v2 API only with --enable-v2)")


@dataclass
class V2Node:
    """A file (``value`` set) or a directory (``children``) in the v2 tree."""

    key: str
    value: str | None
    created_index: int
    modified_index: int
    expiration: float | None = None  # store time when it expires
    children: dict[str, V2Node] | None = field(default=None, repr=False)

    @property
    def dir(self) -> bool:
        return self.children is not None


class V2Store:
    """The v2 ``/v2/keys`` API over a tree of nodes, on the v3 store's clock.

    ``enabled`` stands for ``--enable-v2``: off by default, as in etcd 3.4.
    """

    def __init__(self, now: Callable[[], float], gate: Callable[[], None] = lambda: None) -> None:
        self._now = now
        self._gate = gate  # raises while the cluster has no quorum (the v3 store's commit_gate)
        self.enabled = False
        self.index = 0
        self._root = V2Node("/", None, 0, 0, children={})
        self._ttl_nodes: dict[str, V2Node] = {}

    # -- the API --

    def get(self, key: str) -> V2Node:
        """``GET /v2/keys<key>``: the node, or ``100: Key not found``."""
        self._begin()
        return self._walk(key)

    def ls(self, key: str = "/") -> list[V2Node]:
        """A directory's children, sorted by key (``etcdctl ls``)."""
        node = self.get(key)
        if not node.dir:
            return [node]
        return [node.children[name] for name in sorted(node.children)]  # type: ignore[index]

    def set(self, key: str, value: str, ttl: float | None = None) -> V2Node:
        """``PUT`` a file, creating the directories above it (``etcdctl set``)."""
        self._begin()
        return self._write(key, value, ttl, create_only=False, update_only=False)

    def create(self, key: str, value: str, ttl: float | None = None) -> V2Node:
        """``PUT ?prevExist=false``: only if the key is new (``etcdctl mk``), else ``105``."""
        self._begin()
        return self._write(key, value, ttl, create_only=True, update_only=False)

    def update(self, key: str, value: str, ttl: float | None = None) -> V2Node:
        """``PUT ?prevExist=true``: only an existing file (``etcdctl update``); refreshes its TTL."""
        self._begin()
        return self._write(key, value, ttl, create_only=False, update_only=True)

    def delete(self, key: str) -> V2Node:
        """``DELETE`` a file (``etcdctl rm``)."""
        self._begin()
        node = self._walk(key)
        if node.dir:
            raise V2Error(NOT_FILE, node.key, self.index)
        self._gate()
        self.index += 1
        self._unlink(node)
        return node

    def ttl(self, key: str) -> float | None:
        """Seconds the key has left, or None when it never expires."""
        node = self.get(key)
        return None if node.expiration is None else node.expiration - self._now()

    # -- the tree --

    def _begin(self) -> None:
        if not self.enabled:
            raise V2DisabledError()
        now = self._now()
        for key, node in sorted(self._ttl_nodes.items(), key=lambda item: (item[1].expiration, item[0])):
            if node.expiration is not None and node.expiration <= now:
                self.index += 1
                self._unlink(node)

    @staticmethod
    def _parts(key: str) -> list[str]:
        return [part for part in key.split("/") if part]

    def _walk(self, key: str) -> V2Node:
        node, path = self._root, ""
        for part in self._parts(key):
            if not node.dir:
                raise V2Error(NOT_DIR, node.key, self.index)
            path += "/" + part
            child = node.children.get(part)  # type: ignore[union-attr]
            if child is None:
                raise V2Error(KEY_NOT_FOUND, path, self.index)
            node = child
        return node

    def _write(self, key: str, value: str, ttl: float | None, *, create_only: bool, update_only: bool) -> V2Node:
        parts = self._parts(key)
        if not parts:
            raise V2Error(ROOT_RONLY, "/", self.index)
        self._gate()  # before anything changes: a write without quorum changes nothing
        parent, path = self._root, ""
        for part in parts[:-1]:
            path += "/" + part
            child = parent.children.get(part)  # type: ignore[union-attr]
            if child is not None and not child.dir:
                raise V2Error(NOT_DIR, child.key, self.index)
            if child is None:
                if update_only:
                    raise V2Error(KEY_NOT_FOUND, path, self.index)
                child = V2Node(path, None, self.index + 1, self.index + 1, children={})
                parent.children[part] = child  # type: ignore[index]
            parent = child
        path += "/" + parts[-1]
        old = parent.children.get(parts[-1])  # type: ignore[union-attr]
        if old is not None and old.dir:
            raise V2Error(NOT_FILE, path, self.index)
        if create_only and old is not None:
            raise V2Error(NODE_EXIST, path, self.index)
        if update_only and old is None:
            raise V2Error(KEY_NOT_FOUND, path, self.index)
        self.index += 1
        created = old.created_index if old is not None else self.index
        node = V2Node(path, str(value), created, self.index,
                      None if ttl is None else self._now() + ttl)
        parent.children[parts[-1]] = node  # type: ignore[index]
        self._ttl_nodes.pop(path, None)
        if node.expiration is not None:
            self._ttl_nodes[path] = node
        return node

    def _unlink(self, node: V2Node) -> None:
        parts = self._parts(node.key)
        parent = self._root
        for part in parts[:-1]:
            parent = parent.children[part]  # type: ignore[index]
        del parent.children[parts[-1]]  # type: ignore[union-attr]
        self._ttl_nodes.pop(node.key, None)
