"""Service: one stable virtual IP and DNS name in front of a changing set of pods.

The ``selector`` (an equality-only label map) picks the pods; each port maps
the Service's ``port`` to the pods' ``targetPort``. ``type`` says how far the
Service reaches: ``ClusterIP`` (inside the cluster), ``NodePort`` (also on
every node), ``LoadBalancer`` or ``ExternalName`` (a DNS alias).

The cluster IP itself is allocated when the Service is stored (``network/``),
not defaulted here. Service names are DNS-1035 labels: they must start with a
letter, because they become DNS names and environment variables.

Defaults: ``SetDefaults_Service`` in ``pkg/apis/core/v1/defaults.go``. Rules:
``ValidateService`` in ``pkg/apis/core/validation/validation.go``.
"""

from __future__ import annotations

from typing import Any, Mapping

from .decoding import StructOf
from .errors import DUPLICATE, FieldError, forbidden, invalid, not_supported, required
from .meta import GoValue, KubeObject, checked_labels, go_quote
from .pod import port_name_errors, port_num_errors
from .validation import is_dns1035_label, is_dns1123_label, is_dns1123_subdomain

DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800  # v1.DefaultClientIPServiceAffinitySeconds: 3 hours
MAX_CLIENT_IP_TIMEOUT_SECONDS = 86400  # core.MaxClientIPServiceAffinitySeconds: 1 day
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")  # sorted, as sets.List
SESSION_AFFINITIES = ("ClientIP", "None")
TRAFFIC_POLICIES = ("Cluster", "Local")
PROTOCOLS = ("SCTP", "TCP", "UDP")
CLUSTER_IP_NONE = "None"  # a headless Service: DNS answers with the pods' IPs
IP_FAMILIES = ("IPv4", "IPv6")  # supportedServiceIPFamily
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")  # supportedServiceIPFamilyPolicy


def externally_accessible(spec: Mapping[str, Any]) -> bool:
    """service.ExternallyAccessible: reachable from outside through nodes, a balancer or external IPs."""
    kind = spec.get("type")
    return kind in ("LoadBalancer", "NodePort") or (kind == "ClusterIP" and bool(spec.get("externalIPs")))


def is_headless(spec: Mapping[str, Any]) -> bool:
    ips = spec.get("clusterIPs") or [spec.get("clusterIP", "")]
    return ips[0] == CLUSTER_IP_NONE


def target_port_errors(target: int | str, path: str) -> list[FieldError]:
    """ValidatePortNumOrName: a port number, or the name of a container port."""
    messages = port_num_errors(target) if isinstance(target, int) else port_name_errors(target)
    return [invalid(path, target, m) for m in messages]


def _port_errors(port: Mapping[str, Any], require_name: bool, names: set[str], path: str) -> list[FieldError]:
    """validateServicePort."""
    errors: list[FieldError] = []
    name = port.get("name", "")
    if require_name and not name:
        errors.append(required(f"{path}.name"))
    elif name:
        errors += [invalid(f"{path}.name", name, m) for m in is_dns1123_label(name)]
        if name in names:
            errors.append(FieldError(f"{path}.name", DUPLICATE, name))
        names.add(name)
    errors += [invalid(f"{path}.port", port.get("port", 0), m) for m in port_num_errors(port.get("port", 0))]
    protocol = port.get("protocol", "")
    if not protocol:
        errors.append(required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        errors.append(not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    return errors + target_port_errors(port.get("targetPort", 0), f"{path}.targetPort")


def _port_key(protocol: str, port: int) -> GoValue:
    """The core.ServicePort key upstream reports a duplicate with, printed with %#v."""
    return GoValue(f"core.ServicePort{{Name:\"\", Protocol:{go_quote(protocol)}, AppProtocol:(*string)(nil), "
                   f"Port:{port}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}")


class Service(KubeObject):
    """A virtual IP (or DNS alias) load-balancing over the pods its selector picks."""

    KIND = "Service"
    RESOURCE = "services"
    SHORT_NAMES = ("svc",)
    NAME_RULE = staticmethod(is_dns1035_label)  # ValidateServiceName
    SCHEMA = StructOf("core.v1.Service")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        spec = self.data.setdefault("spec", {})
        affinity = spec.setdefault("sessionAffinity", "None")
        if affinity == "None":
            spec.pop("sessionAffinityConfig", None)
        elif affinity == "ClientIP":
            client = spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {})
            client.setdefault("timeoutSeconds", DEFAULT_CLIENT_IP_TIMEOUT_SECONDS)
        kind = spec.setdefault("type", "ClusterIP")
        for port in spec.get("ports") or ():
            port.setdefault("protocol", "TCP")
            if port.get("targetPort") in (None, 0, ""):
                port["targetPort"] = port.get("port", 0)
        if externally_accessible(spec):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if kind in ("NodePort", "LoadBalancer", "ClusterIP"):
            spec.setdefault("internalTrafficPolicy", "Cluster")
        if kind == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)

    def field_errors(self) -> list[FieldError]:
        spec = self.spec
        errors = super().field_errors()
        kind = spec.get("type", "")
        ports = spec.get("ports") or []
        headless = is_headless(spec)
        if not ports and not headless and kind != "ExternalName":
            errors.append(required("spec.ports"))
        if kind in ("LoadBalancer", "NodePort") and headless:
            errors.append(invalid("spec.clusterIPs[0]", CLUSTER_IP_NONE, f"may not be set to 'None' for {kind} services"))
        elif kind == "ExternalName":
            set_fields = {"clusterIPs": spec.get("clusterIPs") or spec.get("clusterIP"),
                          "ipFamilies": spec.get("ipFamilies"), "ipFamilyPolicy": "ipFamilyPolicy" in spec}
            errors += [forbidden(f"spec.{field}", "may not be set for ExternalName services")
                       for field, is_set in set_fields.items() if is_set]
            cname = spec.get("externalName", "").removesuffix(".")
            if cname:
                errors += [invalid("spec.externalName", cname, m) for m in is_dns1123_subdomain(cname)]
            else:
                errors.append(required("spec.externalName"))
        names: set[str] = set()
        for i, port in enumerate(ports):
            errors += _port_errors(port, len(ports) > 1, names, f"spec.ports[{i}]")
        errors += checked_labels(spec.get("selector"), "spec.selector")
        errors += self._affinity_errors(spec)
        if not kind:
            errors.append(required("spec.type"))
        elif kind not in SERVICE_TYPES:
            errors.append(not_supported("spec.type", kind, SERVICE_TYPES))
        errors += self._port_clash_errors(ports, kind)
        if "allocateLoadBalancerNodePorts" in spec and kind != "LoadBalancer":
            errors.append(forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
        errors += self._traffic_policy_errors(spec)
        return errors + self._ip_family_errors(spec)

    @staticmethod
    def _affinity_errors(spec: Mapping[str, Any]) -> list[FieldError]:
        affinity = spec.get("sessionAffinity", "")
        if not affinity:
            return [required("spec.sessionAffinity")]
        if affinity not in SESSION_AFFINITIES:
            return [not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES)]
        path = "spec.sessionAffinityConfig"
        if affinity == "None":
            return [forbidden(path, "must not be set when session affinity is None")] \
                if "sessionAffinityConfig" in spec else []
        why = "when session affinity type is ClientIP"  # validateClientIPAffinityConfig
        config = spec.get("sessionAffinityConfig")
        if config is None:
            return [required(path, why)]
        if "clientIP" not in config:
            return [required(f"{path}.clientIP", why)]
        timeout = config["clientIP"].get("timeoutSeconds")
        if timeout is None:
            return [required(f"{path}.clientIP.timeoutSeconds", why)]
        if not 0 < timeout <= MAX_CLIENT_IP_TIMEOUT_SECONDS:
            return [invalid(f"{path}.clientIP.timeoutSeconds", timeout,
                            f"must be greater than 0 and less than {MAX_CLIENT_IP_TIMEOUT_SECONDS}")]
        return []

    @staticmethod
    def _port_clash_errors(ports: list[dict], kind: str) -> list[FieldError]:
        """No nodePort on a ClusterIP Service; no (protocol, port) or (protocol, nodePort) twice."""
        errors: list[FieldError] = []
        if kind == "ClusterIP":
            errors += [forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
                       for i, port in enumerate(ports) if port.get("nodePort")]
        node_ports: set[tuple[str, int]] = set()
        for i, port in enumerate(ports):
            node_port = port.get("nodePort", 0)
            if node_port:
                key = (port.get("protocol", ""), node_port)
                if key in node_ports:
                    errors.append(FieldError(f"spec.ports[{i}].nodePort", DUPLICATE, node_port))
                node_ports.add(key)
        seen: set[tuple[str, int]] = set()
        for i, port in enumerate(ports):
            key = (port.get("protocol", ""), port.get("port", 0))
            if key in seen:
                errors.append(FieldError(f"spec.ports[{i}]", DUPLICATE, _port_key(*key)))
            seen.add(key)
        return errors

    @staticmethod
    def _traffic_policy_errors(spec: Mapping[str, Any]) -> list[FieldError]:
        """validateServiceExternalTrafficPolicy and validateServiceInternalTrafficFieldsValue."""
        errors: list[FieldError] = []
        external = spec.get("externalTrafficPolicy", "")
        if not externally_accessible(spec):
            if external:
                errors.append(invalid("spec.externalTrafficPolicy", external,
                                      "may only be set for externally-accessible services"))
        elif not external:
            errors.append(required("spec.externalTrafficPolicy"))
        elif external not in TRAFFIC_POLICIES:
            errors.append(not_supported("spec.externalTrafficPolicy", external, TRAFFIC_POLICIES))
        internal = spec.get("internalTrafficPolicy")
        if internal is None and spec.get("type") in ("NodePort", "LoadBalancer", "ClusterIP"):
            errors.append(required("spec.internalTrafficPolicy"))
        elif internal is not None and internal not in TRAFFIC_POLICIES:
            errors.append(not_supported("spec.internalTrafficPolicy", internal, TRAFFIC_POLICIES))
        return errors

    @staticmethod
    def _ip_family_errors(spec: Mapping[str, Any]) -> list[FieldError]:
        """The stand-alone checks of ValidateServiceClusterIPsRelatedFields on ipFamilies and ipFamilyPolicy."""
        if spec.get("type") == "ExternalName":
            return []
        errors: list[FieldError] = []
        seen: set[str] = set()
        for i, family in enumerate(spec.get("ipFamilies") or ()):
            if family not in IP_FAMILIES:
                errors.append(not_supported(f"spec.ipFamilies[{i}]", family, IP_FAMILIES))
            if family in seen:
                errors.append(FieldError(f"spec.ipFamilies[{i}]", DUPLICATE, family))
            seen.add(family)
        policy = spec.get("ipFamilyPolicy")
        if policy is not None and policy not in IP_FAMILY_POLICIES:
            errors.append(not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
        return errors

    @property
    def type(self) -> str:
        return self.spec.get("type", "ClusterIP")

    @property
    def cluster_ip(self) -> str:
        return self.spec.get("clusterIP", "")

    @property
    def selector(self) -> Mapping[str, str]:
        """An equality-only label map; a Service without one gets no Endpoints managed."""
        return self.spec.get("selector") or {}
