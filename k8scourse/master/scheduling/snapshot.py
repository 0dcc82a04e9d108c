"""The picture of the cluster one scheduling cycle works on.

At the start of every cycle upstream copies the cache into a *snapshot*
(``Cache.UpdateSnapshot``), so that the whole cycle sees one consistent
state, and it copies only the nodes that changed since the last cycle.
Here the snapshot also lays the numbers out as columns, one numpy array per
quantity with a row per node in nodeTree order, so that a filter or a score
is a few array operations over all nodes instead of a Python loop.
"""

from __future__ import annotations

import numpy as np

from .cache import LABEL_HOSTNAME, LABEL_ZONE, Cache, NodeInfo

NUMBER_COLUMNS = ("allocatable_cpu", "allocatable_memory", "free_cpu", "free_memory", "free_pods",
                  "requested_cpu", "requested_memory", "non_zero_cpu", "non_zero_memory")


class Snapshot:
    """Nodes in nodeTree order (``nodes[i]`` is row ``i``) and their columns.

    ``free_*`` is allocatable minus requested (``free_pods`` counts pod slots).
    """

    allocatable_cpu: np.ndarray
    allocatable_memory: np.ndarray
    free_cpu: np.ndarray
    free_memory: np.ndarray
    free_pods: np.ndarray
    requested_cpu: np.ndarray
    requested_memory: np.ndarray
    non_zero_cpu: np.ndarray
    non_zero_memory: np.ndarray

    def __init__(self) -> None:
        self.nodes: list[NodeInfo] = []
        self.row: dict[str, int] = {}
        self.generation = 0  # bumps when rows or labels change: per-node filter results go stale
        self._list_version = -1
        empty = np.zeros(0, dtype=np.int64)
        for column in NUMBER_COLUMNS:
            setattr(self, column, empty)
        self.slots = empty  # each row's NodeInfo.slot, for arrays kept per slot (spreading counts)
        self.zone = empty  # index into self.zones of the node's topology.kubernetes.io/zone
        self.zones: list[str] = []
        self.has_zone = np.zeros(0, dtype=bool)
        self.has_hostname = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.nodes)

    def update(self, cache: Cache) -> None:
        """Catch up with the cache: rebuild if the node list changed, else rewrite changed rows."""
        if cache.list_version != self._list_version:
            self._rebuild(cache)
        else:
            for info in cache.dirty:
                row = self.row.get(info.name)
                if row is not None:
                    self._write(row, info)
        cache.dirty.clear()

    def _rebuild(self, cache: Cache) -> None:
        self.nodes = cache.node_order()
        self.row = {info.name: i for i, info in enumerate(self.nodes)}
        self._list_version = cache.list_version
        self.generation += 1
        n = len(self.nodes)
        for column in NUMBER_COLUMNS:
            setattr(self, column, np.zeros(n, dtype=np.int64))
        self.slots = np.array([info.slot for info in self.nodes], dtype=np.int64)
        zone_values = [info.labels.get(LABEL_ZONE, "") for info in self.nodes]
        self.zones = sorted(set(zone_values))
        index = {z: i for i, z in enumerate(self.zones)}
        self.zone = np.array([index[z] for z in zone_values], dtype=np.int64)
        self.has_zone = np.array([LABEL_ZONE in info.labels for info in self.nodes], dtype=bool)
        self.has_hostname = np.array([LABEL_HOSTNAME in info.labels for info in self.nodes], dtype=bool)
        for row, info in enumerate(self.nodes):
            self._write(row, info)

    def _write(self, row: int, info: NodeInfo) -> None:
        self.allocatable_cpu[row] = info.allocatable_cpu
        self.allocatable_memory[row] = info.allocatable_memory
        self.free_cpu[row] = info.allocatable_cpu - info.requested_cpu
        self.free_memory[row] = info.allocatable_memory - info.requested_memory
        self.free_pods[row] = info.allowed_pods - len(info.pods)
        self.requested_cpu[row] = info.requested_cpu
        self.requested_memory[row] = info.requested_memory
        self.non_zero_cpu[row] = info.non_zero_cpu
        self.non_zero_memory[row] = info.non_zero_memory
