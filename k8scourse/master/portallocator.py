"""NodePort allocation from ``--service-node-port-range`` (30000-32767 by default).

A Service of type NodePort, or LoadBalancer with ``allocateLoadBalancerNodePorts``,
is reachable on one port of every node. The apiserver hands each of its
ports a node port when the Service is stored (``initNodePorts`` in
``pkg/registry/core/service/storage/alloc.go``):

1. a port that asks for a ``nodePort`` gets exactly that one, or the
   Service is refused: ``provided port is not in the valid range`` or
   ``provided port is already allocated``;
2. the others get a random free one. The range's first ports are a "static
   band" kept for ports asked for by hand: random picks come from above it
   until the upper part is full (KEP-3668, ``pkg/registry/core/service/portallocator``);
3. ports with the same number (``53/TCP`` and ``53/UDP``) share one node port.

A node port belongs to its Service until the Service is deleted. The ports
in use are read from the stored Services each time, the books the apiserver's
repair loop keeps upstream's bitmap in step with, so a refused request
never keeps a port.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Iterable, Mapping, MutableMapping

from k8scourse.api.errors import FieldValidationError, ObjectInvalidError, StatusError, invalid

#: kube-apiserver's --service-node-port-range default (kubeoptions.DefaultServiceNodePortRange).
DEFAULT_SERVICE_NODE_PORT_RANGE = "30000-32767"
#: Static band: range size / 32, at least 16 and at most 128 ports (portallocator calculateRangeOffset).
MIN_STATIC_BAND, MAX_STATIC_BAND, STATIC_BAND_STEP = 16, 128, 32
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def parse_port_range(text: str) -> tuple[int, int]:
    """``30000-32767`` (or a single port) as (first port, number of ports): net.ParsePortRange."""
    low, _, high = str(text).partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        first = last = -1
    if not 0 <= first <= last <= 65535:
        raise FieldValidationError([invalid("--service-node-port-range", text,
                                            "must be a port range such as 30000-32767")])
    return first, last - first + 1


def needs_node_ports(spec: Mapping[str, Any]) -> bool:
    """shouldAllocateNodePorts: NodePort Services, and LoadBalancers unless told not to."""
    kind = spec.get("type")
    return kind == "NodePort" or (kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True))


def _keep_node_ports(spec: MutableMapping[str, Any], old_spec: Mapping[str, Any]) -> None:
    old_ports = old_spec.get("ports") or []
    wanted = {p.get("nodePort") for p in spec.get("ports") or ()}
    used = {p.get("nodePort") for p in old_ports} & wanted
    by_name = {p.get("name", ""): p.get("nodePort") for p in old_ports}
    for port in spec.get("ports") or ():
        kept = by_name.get(port.get("name", ""))
        if not port.get("nodePort") and kept and kept not in used:
            port["nodePort"] = kept


class NodePortAllocator:
    """Gives the ports of NodePort and LoadBalancer Services their node ports."""

    def __init__(self, port_range: str, rng: random.Random,
                 stored_services: Callable[[], Iterable[Mapping[str, Any]]]) -> None:
        self.base, self.size = parse_port_range(port_range)
        self.rng, self.stored_services = rng, stored_services
        if self.size <= MIN_STATIC_BAND:
            self.static_band = 0
        else:
            self.static_band = min(max(MIN_STATIC_BAND, self.size // STATIC_BAND_STEP), MAX_STATIC_BAND)

    @property
    def range(self) -> str:
        return f"{self.base}-{self.base + self.size - 1}"

    def in_use(self, except_service: Mapping[str, Any] | None = None) -> set[int]:
        """The node ports the stored Services hold (all but ``except_service``, a Service's metadata)."""
        skip = (except_service.get("namespace"), except_service.get("name")) if except_service else None
        used = set()
        for service in self.stored_services():
            meta = service["metadata"]
            if (meta.get("namespace"), meta.get("name")) != skip:
                used.update(p["nodePort"] for p in service["spec"].get("ports") or () if p.get("nodePort"))
        return used

    def assign(self, spec: MutableMapping[str, Any], meta: Mapping[str, Any],
               old_spec: Mapping[str, Any] | None = None) -> None:
        """Fill in the node ports of the Service ``spec`` about to be stored under ``meta``, or refuse it.

        On an update (``old_spec``), a port that names no node port keeps the
        one its namesake had, unless another port now uses it (patchAllocatedValues).
        """
        if spec.get("type") not in NODE_PORT_TYPES:
            return
        if old_spec is not None and old_spec.get("type") in NODE_PORT_TYPES:
            _keep_node_ports(spec, old_spec)
        used = self.in_use(meta)
        ports = spec.get("ports") or []
        by_port: dict[int, int] = {}  # service port -> its node port
        for i, port in enumerate(ports):
            if not port.get("nodePort") and not needs_node_ports(spec):
                continue  # a LoadBalancer without node ports keeps only those asked for
            number = port.get("port", 0)
            shared = by_port.get(number)
            if shared is None:
                wanted = next((p["nodePort"] for p in ports[i:] if p.get("port") == number and p.get("nodePort")), 0)
                port["nodePort"] = self._claim(wanted, used, i, meta) if wanted else self._next(used)
                by_port[number] = port["nodePort"]
            elif not port.get("nodePort"):
                port["nodePort"] = shared
            elif port["nodePort"] != shared:
                self._claim(port["nodePort"], used, i, meta)

    def _claim(self, node_port: int, used: set[int], index: int, meta: Mapping[str, Any]) -> int:
        """PortAllocator.Allocate: this very port, if it is in the range and free."""
        if not self.base <= node_port < self.base + self.size:
            why = f"provided port is not in the valid range. The range of valid ports is {self.range}"
        elif node_port in used:
            why = "provided port is already allocated"
        else:
            used.add(node_port)
            return node_port
        error = invalid(f"spec.ports[{index}].nodePort", node_port, why)
        raise ObjectInvalidError("Service", "", meta.get("name", ""), [error])

    def _next(self, used: set[int]) -> int:
        """AllocateNext: a random free port above the static band, else one in it (randomScanStrategyWithOffset)."""
        for low, high in ((self.static_band, self.size), (0, self.static_band)):
            if high > low:
                start = self.rng.randrange(high - low)
                for step in range(high - low):
                    port = self.base + low + (start + step) % (high - low)
                    if port not in used:
                        used.add(port)
                        return port
        # allocateCreate wraps it as an internal error
        raise StatusError(500, "InternalError",
                          "Internal error occurred: failed to allocate a nodePort: range is full")
