"""The sorted set of keys that makes etcd's range and prefix reads cheap.

etcd keeps every key in an in-memory B-tree, its ``treeIndex``
(``server/storage/mvcc/index.go``), so that ``get --prefix /registry/pods/``
walks only the pods, in key order. ``KeyIndex`` is the same idea cut down
to two levels: a list of sorted chunks, and the last key of each chunk to
find the right one by bisection. Adding or removing a key touches one chunk
of at most ``2 * CHUNK`` keys, whatever the number of keys, where one flat
sorted list would shift all of them.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator


class KeyIndex:
    """A sorted set of ``str`` keys with cheap insert, remove and prefix scans."""

    CHUNK = 512  # keys per chunk after a split

    def __init__(self) -> None:
        self._chunks: list[list[str]] = []
        self._last: list[str] = []  # last key of each chunk, sorted
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, key: str) -> None:
        """Insert ``key``, which must not be in the set."""
        self._size += 1
        if not self._chunks:
            self._chunks.append([key])
            self._last.append(key)
            return
        i = bisect_left(self._last, key)
        if i == len(self._last):  # past every key: append to the last chunk
            i -= 1
            self._chunks[i].append(key)
            self._last[i] = key
        else:
            insort(self._chunks[i], key)
        chunk = self._chunks[i]
        if len(chunk) > 2 * self.CHUNK:
            self._chunks[i : i + 1] = [chunk[: self.CHUNK], chunk[self.CHUNK :]]
            self._last[i : i + 1] = [chunk[self.CHUNK - 1], chunk[-1]]

    def remove(self, key: str) -> None:
        """Remove ``key``, which must be in the set."""
        self._size -= 1
        i = bisect_left(self._last, key)
        chunk = self._chunks[i]
        del chunk[bisect_left(chunk, key)]
        if not chunk:
            del self._chunks[i]
            del self._last[i]
        else:
            self._last[i] = chunk[-1]

    def with_prefix(self, prefix: str) -> Iterator[str]:
        """Yield the keys starting with ``prefix``, in order ("" yields all)."""
        i = bisect_left(self._last, prefix)
        if i == len(self._chunks):
            return
        chunk = self._chunks[i]
        j = bisect_left(chunk, prefix)
        while True:
            for key in chunk[j:] if j else chunk:
                if not key.startswith(prefix):
                    return
                yield key
            i += 1
            if i == len(self._chunks):
                return
            chunk, j = self._chunks[i], 0
