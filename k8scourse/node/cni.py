"""Pod IP addresses on one node: the CNI ``host-local`` allocator that flannel's plugin uses.

Each node owns a pod subnet, its pod CIDR (``10.244.1.0/24``). The node's
bridge (``cni0``) takes the first address, ``10.244.1.1``, as the pods'
gateway; every pod sandbox gets one of the others. ``host-local`` hands them
out round-robin: the next free address after the last one it gave, wrapping
at the end of the range, so a freed address comes back only after the rest
have been used (``plugins/ipam/host-local/backend/allocator/allocator.go``
and ``range.go`` in containernetworking/plugins).
"""

from __future__ import annotations

import ipaddress

from k8scourse.api.errors import FieldValidationError, invalid
from k8scourse.api.node import CIDR_ERROR


class AddressesExhausted(Exception):
    """Every address of the range is taken; the message is host-local's."""


class HostLocalIPAM:
    """Allocates and releases pod IPs from one pod CIDR."""

    def __init__(self, pod_cidr: str) -> None:
        try:
            # ParseCIDRSloppy accepts host bits: 10.244.1.7/24 means 10.244.1.0/24.
            network = ipaddress.ip_network(pod_cidr, strict=False)
        except (TypeError, ValueError):
            raise FieldValidationError([invalid("podCIDR", pod_cidr, CIDR_ERROR)]) from None
        self.network = network
        first = int(network.network_address) + 1
        last = int(network.broadcast_address) - (1 if network.version == 4 else 0)
        self._first, self._last, self._gateway = first, last, first
        self._used: set[int] = set()
        self._cursor = first - 1  # the last address handed out

    @property
    def gateway(self) -> str:
        return str(ipaddress.ip_address(self._gateway))

    def allocate(self) -> str:
        """The next free address after the last one given, round-robin."""
        size = self._last - self._first + 1
        candidate = self._cursor
        for _ in range(size):
            candidate = candidate + 1 if candidate < self._last else self._first
            if candidate != self._gateway and candidate not in self._used:
                self._used.add(candidate)
                self._cursor = candidate
                return str(ipaddress.ip_address(candidate))
        span = f"{ipaddress.ip_address(self._first)}-{ipaddress.ip_address(self._last)}"
        raise AddressesExhausted(f"failed to allocate for range 0: no IP addresses available in range set: {span}")

    def release(self, address: str) -> None:
        self._used.discard(int(ipaddress.ip_address(address)))
