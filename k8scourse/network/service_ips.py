"""ClusterIP allocation from ``--service-cluster-ip-range``.

Every Service of type ClusterIP gets a virtual IP from the apiserver's
range. The first address goes to the ``kubernetes`` Service itself; the
others are handed out at random, preferring the upper part of the range so
that the lower "static band" stays free for IPs users pick by hand
(KEP-3070; pkg/registry/core/service/ipallocator/bitmap.go).
"""

from __future__ import annotations

import ipaddress
import random
from typing import Any, MutableMapping

from k8scourse.api.errors import FieldValidationError, ObjectInvalidError, invalid

#: Static band: size/16 addresses, at least 16 and at most 256 (bitmap.go calculateRangeOffset).
MIN_STATIC_BAND, MAX_STATIC_BAND, STATIC_BAND_STEP = 16, 256, 16


class ServiceIPAllocator:
    """Hands out and takes back the IPs of one service CIDR."""

    def __init__(self, cidr: str, rng: random.Random) -> None:
        try:
            self.network = ipaddress.ip_network(cidr)
        except ValueError as err:
            raise FieldValidationError([invalid("--service-cluster-ip-range", cidr, str(err))]) from None
        # usable offsets exclude the network and broadcast addresses
        self.size = max(self.network.num_addresses - 2, 0)
        if self.network.num_addresses < 8:  # ServiceIPRange (pkg/controlplane/services.go): RangeSize < 8
            raise FieldValidationError([invalid("--service-cluster-ip-range", cidr,
                                                "the service cluster IP range must be at least 8 IP addresses")])
        self.rng = rng
        self.static_band = min(max(MIN_STATIC_BAND, self.size // STATIC_BAND_STEP), MAX_STATIC_BAND)
        self.used: set[int] = set()

    def _ip(self, offset: int) -> str:
        return str(self.network.network_address + 1 + offset)

    def first(self) -> str:
        """The range's first IP, which belongs to the ``kubernetes`` Service."""
        return self._ip(0)

    def assign(self, spec: MutableMapping[str, Any], name: str = "") -> None:
        """Give the Service ``name``'s spec its IP families and clusterIP(s): the one asked for,
        or a free one. A refusal is the apiserver's Invalid error about that Service."""
        try:
            self._assign(spec)
        except FieldValidationError as err:
            raise ObjectInvalidError("Service", "", name, err.errors) from None

    def _assign(self, spec: MutableMapping[str, Any]) -> None:
        if spec.get("type") == "ExternalName":
            return
        self._init_ip_families(spec)
        if spec.get("clusterIP") == "None":
            return
        wanted = spec.get("clusterIP")
        if wanted:
            offset = self._offset_of(wanted)
        else:
            if len(self.used) >= self.size:
                raise FieldValidationError([invalid("spec.clusterIPs", [], "range is full")])
            upper_used = sum(1 for o in self.used if o >= self.static_band)
            low = self.static_band if upper_used < self.size - self.static_band else 0
            offset = self.rng.randrange(low, self.size)
            while offset in self.used:  # linear probe, as the bitmap's scan
                offset = low + (offset + 1 - low) % (self.size - low)
        self.used.add(offset)
        spec["clusterIP"] = self._ip(offset)
        spec["clusterIPs"] = [spec["clusterIP"]]

    def _init_ip_families(self, spec: MutableMapping[str, Any]) -> None:
        """initIPFamilyFields (pkg/registry/core/service/storage/alloc.go) on a single-stack cluster:
        ``ipFamilyPolicy`` defaults to SingleStack and ``ipFamilies`` to the range's family.
        A headless Service without a selector asks for both families (RequireDualStack)."""
        family = f"IPv{self.network.version}"
        headless_selectorless = spec.get("clusterIP") == "None" and not spec.get("selector")
        policy = spec.setdefault("ipFamilyPolicy", "RequireDualStack" if headless_selectorless else "SingleStack")
        families = list(spec.get("ipFamilies") or ())
        errors = []
        if policy == "SingleStack" and len(families) == 2:
            errors.append(invalid("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or 'PreferDualStack' "
                                                                 "when multiple IP families are specified"))
        if headless_selectorless:
            families = families or [family]
            if len(families) < 2 and policy != "SingleStack":
                families.append("IPv6" if families[0] == "IPv4" else "IPv4")
        else:
            if policy == "RequireDualStack":
                errors.append(invalid("spec.ipFamilyPolicy", policy,
                                      "this cluster is not configured for dual-stack services"))
            errors += [invalid(f"spec.ipFamilies[{i}]", f, "not configured on this cluster")
                       for i, f in enumerate(families) if f != family]
            families = families or [family]
        if errors:
            raise FieldValidationError(errors)
        spec["ipFamilies"] = families

    def _offset_of(self, text: str) -> int:
        def refuse(why: str) -> FieldValidationError:
            return FieldValidationError([invalid("spec.clusterIPs", [text], f"failed to allocate IP {text}: {why}")])
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise FieldValidationError([invalid("spec.clusterIPs[0]", text, "must be a valid IP address")]) from None
        offset = int(address) - int(self.network.network_address) - 1
        if not 0 <= offset < self.size:
            raise refuse(f"provided IP is not in the valid range. The range of valid IPs is {self.network}")
        if offset in self.used:
            raise refuse("provided IP is already allocated")
        return offset

    def release(self, spec: MutableMapping[str, Any]) -> None:
        """Take back a deleted Service's IP."""
        ip = spec.get("clusterIP")
        if ip and ip != "None":
            self.used.discard(int(ipaddress.ip_address(ip)) - int(self.network.network_address) - 1)
