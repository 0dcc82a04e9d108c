"""Pod: one or more containers that share a network namespace and volumes.

Besides the Pod kind itself, this module holds what every workload shares:
the PodSpec and pod-template defaults and validation that ReplicaSets,
ReplicationControllers and Deployments embed. Defaults follow
``pkg/apis/core/v1/defaults.go`` (plus the declarative ``+default`` markers
in ``k8s.io/api/core/v1/types.go``); rules follow
``pkg/apis/core/validation/validation.go``: this module runs ValidatePodSpec
in upstream's order, and ``api/podvalidation/`` holds the rules of each area
(volumes, env, probes, security contexts, affinity, scheduling fields).

Not modelled (they come from admission plugins, not defaulting):
``serviceAccountName``, ``priority``, default tolerations.
"""

from __future__ import annotations

import marshal
import re
from functools import lru_cache
from typing import Any, Mapping

from .decoding import StructOf
from .errors import DUPLICATE, FieldError, forbidden, invalid, not_supported, required
from .meta import KubeObject, annotation_errors, checked_labels
from .quantity import parse_quantity
from .podvalidation.affinity import affinity_errors
from .podvalidation.common import MAX_INT32, port_name_errors, port_num_errors
from .podvalidation.env import env_errors, env_from_errors
from .podvalidation.probes import container_probe_errors
from .podvalidation.scheduling import (dns_config_errors, host_alias_errors, preemption_policy_errors,
                                       readiness_gate_errors, scheduling_gate_errors, topology_spread_errors)
from .podvalidation.security import (container_security_context_errors, host_process_errors, os_errors,
                                     pod_security_context_errors)
from .podvalidation.volumes import volume_device_errors, volume_mount_errors, volumes_errors
from .resources import canonicalize, resource_requirements_errors
from .validation import is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_label_value


# Every VolumeSource a Volume may name (k8s.io/api/core/v1 VolumeSource).
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)

# --- defaults -------------------------------------------------------------------------------

# k8s.io/api/core/v1/types.go and core/v1/defaults.go
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_SCHEDULER_NAME = "default-scheduler"
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_VOLUME_MODE = 0o644  # Secret/ConfigMap/downwardAPI/projected volumes' defaultMode (420)
DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600  # ServiceAccountTokenProjection.expirationSeconds
_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def image_tag(image: str) -> str:
    """The tag parsers.ParseImageName sees: ``latest`` when neither tag nor digest is given."""
    name, _, digest = image.partition("@")
    repository, _, tag = name.rpartition("/")[2].partition(":")
    if not repository or name != name.lower():  # not a valid reference: no tag at all
        return ""
    return tag or ("" if digest else "latest")


def default_container(container: dict) -> None:
    """SetDefaults_Container, port protocols, probes and resource lists of one container."""
    if not container.get("imagePullPolicy"):
        # :latest (or no tag) is pulled every time; a fixed tag only when missing.
        latest = image_tag(container.get("image", "")) == "latest"
        container["imagePullPolicy"] = "Always" if latest else "IfNotPresent"
    container.setdefault("terminationMessagePath", TERMINATION_MESSAGE_PATH)
    container.setdefault("terminationMessagePolicy", "File")
    for port in container.get("ports") or ():
        port.setdefault("protocol", "TCP")
    for env in container.get("env") or ():
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")  # SetDefaults_ObjectFieldSelector
    probes = [container[kind] for kind in ("livenessProbe", "readinessProbe", "startupProbe") if kind in container]
    for probe in probes:
        for key, value in _PROBE_DEFAULTS.items():
            probe.setdefault(key, value)
    lifecycle = container.get("lifecycle") or {}
    for handler in probes + [lifecycle[hook] for hook in ("postStart", "preStop") if hook in lifecycle]:
        if "httpGet" in handler:  # SetDefaults_HTTPGetAction
            handler["httpGet"].setdefault("path", "/")
            handler["httpGet"].setdefault("scheme", "HTTP")
    resources = container.get("resources")
    if resources:
        canonicalize(resources.get("limits"))
        canonicalize(resources.get("requests"))
    else:
        container["resources"] = {}  # a value type in Go: always printed, even empty


def default_volume(volume: dict) -> None:
    """SetDefaults_Volume and the volume sources' own defaults."""
    if not any(source in volume for source in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    if "hostPath" in volume:
        volume["hostPath"].setdefault("type", "")  # HostPathUnset
    empty_dir = volume.get("emptyDir")
    if isinstance(empty_dir, dict) and "sizeLimit" in empty_dir:  # a Quantity is stored in canonical text
        limit = {"sizeLimit": empty_dir["sizeLimit"]}
        canonicalize(limit, milli=False)
        empty_dir["sizeLimit"] = limit["sizeLimit"]
    for source in ("configMap", "secret", "downwardAPI", "projected"):
        if isinstance(volume.get(source), dict):
            volume[source].setdefault("defaultMode", DEFAULT_VOLUME_MODE)
    items = list((volume.get("downwardAPI") or {}).get("items") or ())
    for projection in (volume.get("projected") or {}).get("sources") or ():
        items += (projection.get("downwardAPI") or {}).get("items") or ()
        if "serviceAccountToken" in projection:  # SetDefaults_ServiceAccountTokenProjection
            projection["serviceAccountToken"].setdefault("expirationSeconds", DEFAULT_TOKEN_EXPIRATION_SECONDS)
    for item in items:
        if "fieldRef" in item:
            item["fieldRef"].setdefault("apiVersion", "v1")  # SetDefaults_ObjectFieldSelector


def default_pod_spec(spec: dict) -> None:
    """SetDefaults_PodSpec and everything nested in it; applies to templates too."""
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("securityContext", {})
    spec.setdefault("terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
    spec.setdefault("schedulerName", DEFAULT_SCHEDULER_NAME)
    for volume in spec.get("volumes") or ():
        default_volume(volume)
    for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        default_container(container)
    canonicalize(spec.get("overhead"))


def default_pod_template(template: dict) -> None:
    """A pod template gets PodSpec defaults but not the Pod-only ones."""
    default_pod_spec(template.setdefault("spec", {}))


def default_pod(spec: dict) -> None:
    """SetDefaults_Pod: what only a real Pod (not a template) is given."""
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        resources = container.get("resources") or {}
        if "limits" in resources:
            # Limits without requests: request what you are limited to.
            requests = resources.setdefault("requests", {})
            for name, value in resources["limits"].items():
                requests.setdefault(name, value)
        if spec.get("hostNetwork"):  # defaultHostNetworkPorts
            for port in container.get("ports") or ():
                if not port.get("hostPort"):
                    port["hostPort"] = port.get("containerPort", 0)
    spec.setdefault("enableServiceLinks", True)  # v1.DefaultEnableServiceLinks
    default_pod_spec(spec)


# --- validation -------------------------------------------------------------------------------
# ValidatePodSpec of pkg/apis/core/validation/validation.go (v1.31), in upstream's order. The rules
# of each area live in api/podvalidation/; this section strings them together.

SUPPORTED_PROTOCOLS = ("SCTP", "TCP", "UDP")  # sets.List: sorted
SUPPORTED_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
SUPPORTED_RESTART_POLICIES = ("Always", "OnFailure", "Never")
SUPPORTED_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
SUPPORTED_TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
SUPPORTED_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_INIT_ONLY_ALWAYS = "may not be set for init containers without restartPolicy=Always"


def _container_port_errors(ports: list[dict], path: str) -> list[FieldError]:
    """validateContainerPorts."""
    errors: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        at = f"{path}[{i}]"
        name = port.get("name", "")
        if name:
            msgs = port_name_errors(name)
            if msgs:
                errors += [invalid(f"{at}.name", name, m) for m in msgs]
            elif name in names:
                errors.append(FieldError(f"{at}.name", DUPLICATE, name))
            names.add(name)
        container_port = port.get("containerPort", 0)
        if container_port == 0:
            errors.append(required(f"{at}.containerPort"))
        else:
            errors += [invalid(f"{at}.containerPort", container_port, m) for m in port_num_errors(container_port)]
        host_port = port.get("hostPort", 0)
        if host_port:
            errors += [invalid(f"{at}.hostPort", host_port, m) for m in port_num_errors(host_port)]
        protocol = port.get("protocol", "")
        if not protocol:
            errors.append(required(f"{at}.protocol"))
        elif protocol not in SUPPORTED_PROTOCOLS:
            errors.append(not_supported(f"{at}.protocol", protocol, SUPPORTED_PROTOCOLS))
    return errors


def container_errors(container: Mapping[str, Any], volumes: Mapping[str, dict], path: str) -> list[FieldError]:
    """validateContainerCommon: what every container, regular or init, must satisfy."""
    errors: list[FieldError] = []
    name = container.get("name", "")
    if not name:
        errors.append(required(f"{path}.name"))
    else:
        errors += [invalid(f"{path}.name", name, m) for m in is_dns1123_label(name)]
    if not container.get("image"):
        errors.append(required(f"{path}.image"))
    policy = container.get("terminationMessagePolicy", "")
    if not policy:
        errors.append(required(f"{path}.terminationMessagePolicy"))
    elif policy not in SUPPORTED_TERMINATION_MESSAGE_POLICIES:
        errors.append(not_supported(f"{path}.terminationMessagePolicy", policy, SUPPORTED_TERMINATION_MESSAGE_POLICIES))
    mounts, devices = container.get("volumeMounts") or [], container.get("volumeDevices") or []
    errors += _container_port_errors(container.get("ports") or [], f"{path}.ports")
    errors += env_errors(container.get("env") or [], f"{path}.env")
    errors += env_from_errors(container.get("envFrom") or [], f"{path}.envFrom")
    errors += volume_mount_errors(mounts, devices, volumes, container, f"{path}.volumeMounts")
    errors += volume_device_errors(devices, mounts, volumes, f"{path}.volumeDevices")
    pull = container.get("imagePullPolicy", "")
    if not pull:
        errors.append(required(f"{path}.imagePullPolicy"))
    elif pull not in SUPPORTED_PULL_POLICIES:
        errors.append(not_supported(f"{path}.imagePullPolicy", pull, SUPPORTED_PULL_POLICIES))
    errors += resource_requirements_errors(container.get("resources") or {}, f"{path}.resources")
    errors += container_security_context_errors(container.get("securityContext"), f"{path}.securityContext")
    return errors


def _host_port_conflicts(containers: list[dict], path: str) -> list[FieldError]:
    """AccumulateUniqueHostPorts: one protocol/hostIP/hostPort per pod."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for ci, container in enumerate(containers):
        for pi, port in enumerate(container.get("ports") or ()):
            if not port.get("hostPort"):
                continue
            key = f"{port.get('protocol', '')}/{port.get('hostIP', '')}/{port['hostPort']}"
            if key in seen:
                errors.append(FieldError(f"{path}[{ci}].ports[{pi}].hostPort", DUPLICATE, key))
            seen.add(key)
    return errors


def _containers_errors(spec: Mapping[str, Any], volumes: Mapping[str, dict], grace: int | None,
                       path: str) -> list[FieldError]:
    """validateContainers: at least one, unique names, probes and hooks, no restartPolicy."""
    containers = spec.get("containers") or []
    if not containers:
        return [required(path)]
    errors: list[FieldError] = []
    names: set[str] = set()
    for i, container in enumerate(containers):
        at = f"{path}[{i}]"
        errors += container_errors(container, volumes, at)
        name = container.get("name", "")
        if name in names:
            errors.append(FieldError(f"{at}.name", DUPLICATE, name))
        names.add(name)
        errors += container_probe_errors(container, grace, at)
        if "restartPolicy" in container:
            errors.append(forbidden(f"{at}.restartPolicy", "may not be set for non-init containers"))
    return errors + _host_port_conflicts(containers, path)


def _init_containers_errors(spec: Mapping[str, Any], volumes: Mapping[str, dict], grace: int | None,
                            path: str) -> list[FieldError]:
    """validateInitContainers: names unique across init and regular containers; only
    ``restartPolicy: Always`` (sidecar) init containers may have probes and hooks."""
    errors: list[FieldError] = []
    names = {c.get("name", "") for c in spec.get("containers") or ()}
    for i, container in enumerate(spec.get("initContainers") or ()):
        at = f"{path}[{i}]"
        errors += container_errors(container, volumes, at)
        restart = container.get("restartPolicy")
        if restart is not None and restart != "Always":
            errors.append(not_supported(f"{at}.restartPolicy", restart, ("Always",)))
        name = container.get("name", "")
        if name in names:
            errors.append(FieldError(f"{at}.name", DUPLICATE, name))
        elif name:
            names.add(name)
        errors += _host_port_conflicts([container], path)  # upstream indexes each one as [0]
        if restart == "Always":
            errors += container_probe_errors(container, grace, at)
        else:
            errors += [forbidden(f"{at}.{key}", _INIT_ONLY_ALWAYS)
                       for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe") if key in container]
    return errors


def _host_network_errors(spec: Mapping[str, Any], is_pod: bool, path: str) -> list[FieldError]:
    """validatePodHostNetworkDeps: with hostNetwork a hostPort is the containerPort (a template may leave it 0)."""
    if not spec.get("hostNetwork"):
        return []
    errors: list[FieldError] = []
    for i, container in enumerate(spec.get("containers") or ()):
        for j, port in enumerate(container.get("ports") or ()):
            host, container_port = port.get("hostPort", 0), port.get("containerPort", 0)
            if (is_pod or host != 0) and host != container_port:
                errors.append(invalid(f"{path}.containers[{i}].ports[{j}].hostPort", host,
                                      "must match `containerPort` when `hostNetwork` is true"))
    return errors


def toleration_errors(tolerations: list[dict], path: str) -> list[FieldError]:
    """ValidateTolerations."""
    errors: list[FieldError] = []
    for i, toleration in enumerate(tolerations):
        at = f"{path}[{i}]"
        key, op = toleration.get("key", ""), toleration.get("operator", "")
        value, effect = toleration.get("value", ""), toleration.get("effect", "")
        if key:
            errors += [invalid(f"{at}.key", key, m) for m in is_qualified_name(key)]
        if not key and op != "Exists":
            errors.append(invalid(f"{at}.operator", op,
                                  'operator must be Exists when `key` is empty, which means "match all values and all keys"'))
        if "tolerationSeconds" in toleration and effect != "NoExecute":
            errors.append(invalid(f"{at}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op in ("Equal", ""):
            msgs = is_valid_label_value(value)
            if msgs:
                errors.append(invalid(f"{at}.operator", value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errors.append(invalid(f"{at}.operator", value, "value must be empty when `operator` is 'Exists'"))
        else:
            errors.append(not_supported(f"{at}.operator", op, ("Equal", "Exists")))
        if effect and effect not in SUPPORTED_TAINT_EFFECTS:
            errors.append(not_supported(f"{at}.effect", effect, SUPPORTED_TAINT_EFFECTS))
    return errors


def _name_errors(spec: Mapping[str, Any], key: str, rule: Any, path: str) -> list[FieldError]:
    value = spec.get(key, "")
    return [invalid(f"{path}.{key}", value, m) for m in rule(value)] if value else []


def pod_spec_errors(spec: Mapping[str, Any], path: str, is_pod: bool = False) -> list[FieldError]:
    """ValidatePodSpec, for Pods (``is_pod``: PodValidationOptions.ResourceIsPod) and templates alike.

    Every pod a ReplicaSet creates carries the same spec, so results are cached
    by the spec's exact content (its marshal bytes). Only the ServiceAccount
    admission's ``kube-api-access-xxxxx`` volume differs from pod to pod: a spec
    that is valid with that name renamed to a placeholder of the same shape is
    valid as it is, so the cache answers those; any error is found again under
    the real name, so messages quote it.
    """
    try:
        key = marshal.dumps(spec)
    except ValueError:  # a value marshal cannot hold (only in unchecked subtrees): no cache
        return _pod_spec_errors(spec, path, is_pod)
    generated = _generated_token_volume(spec)
    if generated is not None and TOKEN_VOLUME_PLACEHOLDER not in key:
        if not _cached_pod_spec_errors(key.replace(generated, TOKEN_VOLUME_PLACEHOLDER), path, is_pod):
            return []
    return list(_cached_pod_spec_errors(key, path, is_pod))


#: The ServiceAccount admission's volume: ``kube-api-access-`` and five generated characters
#: (plugin/pkg/admission/serviceaccount/admission.go; names.SimpleNameGenerator).
_TOKEN_VOLUME = re.compile(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}")
TOKEN_VOLUME_PLACEHOLDER = b"kube-api-access-xxxxx"


def _generated_token_volume(spec: Mapping[str, Any]) -> bytes | None:
    """The name of the generated token volume, if the spec has one, as it appears in marshal bytes."""
    for volume in spec.get("volumes") or ():
        name = volume.get("name") if isinstance(volume, dict) else None
        if isinstance(name, str) and _TOKEN_VOLUME.fullmatch(name):
            return name.encode()
    return None


@lru_cache(maxsize=512)
def _cached_pod_spec_errors(spec: bytes, path: str, is_pod: bool) -> tuple[FieldError, ...]:
    return tuple(_pod_spec_errors(marshal.loads(spec), path, is_pod))


def _pod_spec_errors(spec: Mapping[str, Any], path: str, is_pod: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    if "terminationGracePeriodSeconds" not in spec:
        errors.append(required(f"{path}.terminationGracePeriodSeconds"))
    grace = spec.get("terminationGracePeriodSeconds")
    volumes, volume_errors = volumes_errors(spec.get("volumes") or [], f"{path}.volumes")
    errors += volume_errors
    errors += _containers_errors(spec, volumes, grace, f"{path}.containers")
    errors += _init_containers_errors(spec, volumes, grace, f"{path}.initContainers")
    errors += _host_network_errors(spec, is_pod, path)

    restart_policy = spec.get("restartPolicy", "")
    if not restart_policy:
        errors.append(required(f"{path}.restartPolicy"))
    elif restart_policy not in SUPPORTED_RESTART_POLICIES:
        errors.append(not_supported(f"{path}.restartPolicy", restart_policy, SUPPORTED_RESTART_POLICIES))
    dns_policy = spec.get("dnsPolicy", "")
    if not dns_policy:
        errors.append(required(f"{path}.dnsPolicy"))
    elif dns_policy not in SUPPORTED_DNS_POLICIES:
        errors.append(not_supported(f"{path}.dnsPolicy", dns_policy, SUPPORTED_DNS_POLICIES))
    errors += checked_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    errors += pod_security_context_errors(spec, path)
    # imagePullSecrets: "only name may be set" is all decoding leaves to check (LocalObjectReference has one field)
    errors += affinity_errors(spec.get("affinity"), f"{path}.affinity")
    errors += dns_config_errors(spec.get("dnsConfig"), dns_policy, f"{path}.dnsConfig")
    errors += readiness_gate_errors(spec.get("readinessGates") or [], f"{path}.readinessGates")
    errors += scheduling_gate_errors(spec.get("schedulingGates") or [], f"{path}.schedulingGates")
    errors += topology_spread_errors(spec.get("topologySpreadConstraints") or [], f"{path}.topologySpreadConstraints")
    errors += host_process_errors(spec, path)  # (validateHostUsers: user namespaces are off in v1.31)
    errors += _name_errors(spec, "serviceAccountName", is_dns1123_subdomain, path)
    errors += _name_errors(spec, "nodeName", is_dns1123_subdomain, path)
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        errors.append(invalid(f"{path}.activeDeadlineSeconds", deadline,
                              f"must be between 1 and {MAX_INT32}, inclusive"))
    errors += _name_errors(spec, "hostname", is_dns1123_label, path)
    errors += _name_errors(spec, "subdomain", is_dns1123_label, path)
    errors += toleration_errors(spec.get("tolerations") or [], f"{path}.tolerations")
    errors += host_alias_errors(spec.get("hostAliases") or [], f"{path}.hostAliases")
    errors += _name_errors(spec, "priorityClassName", is_dns1123_subdomain, path)
    if "runtimeClassName" in spec:
        errors += [invalid(f"{path}.runtimeClassName", spec["runtimeClassName"], m)
                   for m in is_dns1123_subdomain(spec["runtimeClassName"])]
    if "preemptionPolicy" in spec:
        errors += preemption_policy_errors(spec["preemptionPolicy"], f"{path}.preemptionPolicy")
    if "overhead" in spec:  # validateOverhead reuses the container rules: errors read spec.overhead.limits[...]
        errors += resource_requirements_errors({"limits": spec["overhead"]}, f"{path}.overhead")
    errors += os_errors(spec, path)
    return errors


def pod_template_errors(template: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec. Upstream reports label errors at ``<path>.labels``, not ``metadata.labels``."""
    meta = template.get("metadata") or {}
    errors = checked_labels(meta.get("labels"), f"{path}.labels")
    errors += annotation_errors(meta.get("annotations"), f"{path}.annotations")
    spec = template.get("spec") or {}
    errors += pod_spec_errors(spec, f"{path}.spec")
    if spec.get("ephemeralContainers"):
        errors.append(forbidden(f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
    return errors


class Pod(KubeObject):
    """The smallest deployable unit: containers scheduled together onto one node."""

    KIND = "Pod"
    RESOURCE = "pods"
    SHORT_NAMES = ("po",)
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidatePodName
    SCHEMA = StructOf("core.v1.Pod")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        default_pod(self.data.setdefault("spec", {}))

    def field_errors(self) -> list[FieldError]:
        """validatePodMetadataAndSpec, then what ValidatePodCreate adds."""
        spec = self.spec
        errors = super().field_errors() + pod_spec_errors(spec, "spec", is_pod=True)
        if not spec.get("serviceAccountName"):  # a token needs an account to be issued for
            for vi, volume in enumerate(spec.get("volumes") or ()):
                for si, source in enumerate((volume.get("projected") or {}).get("sources") or ()):
                    if "serviceAccountToken" in source:
                        errors.append(forbidden(f"spec.volumes[{vi}].projected.sources[{si}].serviceAccountToken",
                                                "must not be specified when serviceAccountName is not set"))
        for group in ("containers", "initContainers"):
            for i, container in enumerate(spec.get(group) or ()):
                image = container.get("image", "")
                if image != image.strip():  # validateContainerOnlyForPod
                    errors.append(invalid(f"spec.{group}[{i}].image", image,
                                          "must not have leading or trailing whitespace"))
        if spec.get("ephemeralContainers"):  # ValidatePodCreate
            errors.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
        if spec.get("nodeName") and spec.get("schedulingGates"):
            errors.append(forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"))
        return errors

    @property
    def node_name(self) -> str:
        """The node the scheduler bound the pod to; "" while pending."""
        return self.spec.get("nodeName", "")

    @property
    def phase(self) -> str:
        return self.status.get("phase", "")


def qos_class(spec: Mapping[str, Any]) -> str:
    """The pod's QoS class (pkg/apis/core/helper/qos/qos.go GetPodQOS).

    Guaranteed: every container sets cpu and memory limits equal to its requests.
    BestEffort: no container asks for or caps anything. Burstable: the rest.
    """
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for container in containers:
        resources = container.get("resources") or {}
        container_requests = {k: parse_quantity(v) for k, v in (resources.get("requests") or {}).items()
                              if k in ("cpu", "memory") and parse_quantity(v)}
        container_limits = {k: parse_quantity(v) for k, v in (resources.get("limits") or {}).items()
                            if k in ("cpu", "memory") and parse_quantity(v)}
        requests.update(container_requests)
        limits.update(container_limits)
        if set(container_limits) != {"cpu", "memory"} or any(
                container_requests.get(k, container_limits[k]) != container_limits[k] for k in container_limits):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
