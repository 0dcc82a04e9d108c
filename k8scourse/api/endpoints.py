"""Endpoints and EndpointSlice: where a Service's traffic may go right now.

Nobody writes these by hand on a real cluster. For every Service with a
selector, kube-controller-manager keeps them in step with the matching pods:

- **Endpoints** (core/v1, one object named like the Service): ``subsets``,
  each a set of ``addresses`` (ready pods) and ``notReadyAddresses`` with
  the ``ports`` they listen on. The older API; one object holds every pod.
- **EndpointSlice** (discovery.k8s.io/v1, several per Service, labelled
  ``kubernetes.io/service-name``): one entry per pod with its
  ``conditions`` (ready, serving, terminating), ``nodeName`` and
  ``targetRef``, at most 100 per slice. kube-proxy reads these.

Rules: ``ValidateEndpoints`` in ``pkg/apis/core/validation/validation.go``
and ``ValidateEndpointSlice`` in ``pkg/apis/discovery/validation/validation.go``.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Mapping

from .decoding import StructOf
from .errors import DUPLICATE, FieldError, invalid, not_supported, required
from .meta import KubeObject, checked_labels
from .pod import port_num_errors
from .service import PROTOCOLS
from .validation import is_dns1123_label, is_dns1123_subdomain, is_qualified_name

ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")  # supportedAddressTypes (sets.List: sorted)
MAX_ENDPOINTS = 1000  # discovery validation.go maxEndpoints
MAX_ADDRESSES = 100  # maxAddresses
MAX_PORTS = 100  # maxPorts
IP_ERROR = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"  # validation.IsValidIP

def _ip_errors(address: str, path: str, family: int | None = None) -> list[FieldError]:
    """validation.IsValidIP (or IsValidIPv4Address / IsValidIPv6Address when ``family`` is given)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = None
    if family is None:
        return [] if ip else [invalid(path, address, IP_ERROR)]
    if ip is None or ip.version != family:
        return [invalid(path, address, f"must be a valid IPv{family} address")]
    return []


def _too_many(path: str, count: int, limit: int) -> FieldError:
    """field.TooMany."""
    return FieldError(path, "Too many", count, f"must have at most {limit} items")


class Endpoints(KubeObject):
    """The addresses behind a Service (core/v1), ready and not ready, with their ports."""

    KIND = "Endpoints"
    RESOURCE = "endpoints"
    SHORT_NAMES = ("ep",)
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidateEndpointsName
    SCHEMA = StructOf("core.v1.Endpoints")  # decoded by its generated v1.31 Go struct

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        for subset in self.data.get("subsets") or ():  # SetDefaults_EndpointPort
            for port in subset.get("ports") or ():
                port.setdefault("protocol", "TCP")

    def field_errors(self) -> list[FieldError]:
        """validateEndpointSubsets."""
        errors = super().field_errors()
        for i, subset in enumerate(self.data.get("subsets") or ()):
            path = f"subsets[{i}]"
            if not subset.get("addresses") and not subset.get("notReadyAddresses"):
                errors.append(required(path, "must specify `addresses` or `notReadyAddresses`"))
            for field in ("addresses", "notReadyAddresses"):
                for j, address in enumerate(subset.get(field) or ()):
                    errors += _ip_errors(address.get("ip", ""), f"{path}.{field}[{j}].ip")
                    if address.get("hostname"):
                        errors += [invalid(f"{path}.{field}[{j}].hostname", address["hostname"], m)
                                   for m in is_dns1123_label(address["hostname"])]
            ports = subset.get("ports") or []
            for j, port in enumerate(ports):
                errors += _endpoint_port_errors(port, len(ports) > 1, f"{path}.ports[{j}]")
        return errors


def _endpoint_port_errors(port: Mapping[str, Any], require_name: bool, path: str) -> list[FieldError]:
    """validateEndpointPort."""
    errors: list[FieldError] = []
    name = port.get("name", "")
    if require_name and not name:
        errors.append(required(f"{path}.name"))
    elif name:
        errors += [invalid(f"{path}.name", name, m) for m in is_dns1123_label(name)]
    errors += [invalid(f"{path}.port", port.get("port", 0), m) for m in port_num_errors(port.get("port", 0))]
    protocol = port.get("protocol", "")
    if not protocol:
        errors.append(required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        errors.append(not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    return errors


class EndpointSlice(KubeObject):
    """Up to 100 of a Service's endpoints (discovery.k8s.io/v1), each with its conditions and node."""

    KIND = "EndpointSlice"
    GROUP = "discovery.k8s.io"
    RESOURCE = "endpointslices"
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidateEndpointSliceName
    SCHEMA = StructOf("discovery.v1.EndpointSlice")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        for port in self.data.get("ports") or ():  # discovery/v1 SetDefaults_EndpointPort
            port.setdefault("name", "")
            port.setdefault("protocol", "TCP")

    def field_errors(self) -> list[FieldError]:
        """ValidateEndpointSlice: addressType, then endpoints, then ports."""
        data = self.data
        errors = super().field_errors()
        address_type = data.get("addressType", "")
        if not address_type:
            errors.append(required("addressType"))
        elif address_type not in ADDRESS_TYPES:
            errors.append(not_supported("addressType", address_type, ADDRESS_TYPES))
        endpoints = data.get("endpoints") or []
        if len(endpoints) > MAX_ENDPOINTS:
            errors.append(_too_many("endpoints", len(endpoints), MAX_ENDPOINTS))
            endpoints = []
        family = {"IPv4": 4, "IPv6": 6}.get(address_type)
        for i, endpoint in enumerate(endpoints):
            path = f"endpoints[{i}].addresses"
            addresses = endpoint.get("addresses") or []
            if not addresses:
                errors.append(required(path, "must contain at least 1 address"))
            elif len(addresses) > MAX_ADDRESSES:
                errors.append(_too_many(path, len(addresses), MAX_ADDRESSES))
            if family:
                for j, address in enumerate(addresses):
                    errors += _ip_errors(address, f"{path}[{j}]", family)
            if endpoint.get("hostname"):
                errors += [invalid(f"endpoints[{i}].hostname", endpoint["hostname"], m)
                           for m in is_dns1123_label(endpoint["hostname"])]
            errors += checked_labels(endpoint.get("deprecatedTopology"), f"endpoints[{i}].deprecatedTopology")
        return errors + self._port_errors(data.get("ports") or [])

    @staticmethod
    def _port_errors(ports: list[dict]) -> list[FieldError]:
        """validatePorts."""
        if len(ports) > MAX_PORTS:
            return [_too_many("ports", len(ports), MAX_PORTS)]
        errors: list[FieldError] = []
        names: set[str] = set()
        for i, port in enumerate(ports):
            name = port.get("name", "")
            if name:
                errors += [invalid(f"ports[{i}].name", name, m) for m in is_dns1123_label(name)]
            if name in names:
                errors.append(FieldError(f"ports[{i}].name", DUPLICATE, name))
            names.add(name)
            protocol = port.get("protocol")
            if protocol is None:
                errors.append(required(f"ports[{i}].protocol"))
            elif protocol not in PROTOCOLS:
                errors.append(not_supported(f"ports[{i}].protocol", protocol, PROTOCOLS))
            if "appProtocol" in port:
                errors += [invalid(f"ports[{i}].appProtocol", port["appProtocol"], m)
                           for m in is_qualified_name(port["appProtocol"])]
        return errors
