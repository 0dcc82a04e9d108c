"""Environment variables: ``ValidateEnv``, ``validateEnvVarValueFrom``, ``ValidateEnvFrom``.

``valueFrom`` names exactly one source: a field of the pod (``fieldRef``, the
downward API), a resource of a container (``resourceFieldRef``), or a key of
a ConfigMap or Secret.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import FieldError, invalid, not_supported, required
from ..meta import mask_trailing_dash
from ..resources import quantity_errors
from ..validation import is_dns1123_subdomain
from .common import config_map_key_errors, env_var_name_errors, label_name_errors

# validation.go validEnvDownwardAPIFieldPathExpressions, as sets.List sorts them
ENV_DOWNWARD_API_FIELDS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                           "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP",
                           "status.podIPs")
# validContainerResourceFieldPathExpressions (sorted)
CONTAINER_RESOURCE_FIELDS = ("limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu",
                             "requests.ephemeral-storage", "requests.memory")
_HUGEPAGES_PREFIXES = ("limits.hugepages-", "requests.hugepages-")
# pkg/apis/core/pods/helpers.go ConvertDownwardAPIFieldLabel: the labels a v1 pod converts
_CONVERTIBLE_FIELDS = frozenset({
    "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
    "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName", "status.phase",
    "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
})
_MEMORY_DIVISORS = ("1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei")
_DIVISOR_RULES = {  # validateContainerResourceDivisor: allowed divisors and how the message names them
    "cpu": (("1m", "1"), "only divisor's values 1m and 1 are supported with the cpu resource"),
    "memory": (_MEMORY_DIVISORS, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei "
                                 "are supported with the memory resource"),
    "ephemeral-storage": (_MEMORY_DIVISORS, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, "
                                            "1Pi, 1Ei are supported with the local ephemeral storage resource"),
}
_HUGEPAGES_DIVISOR_ERROR = ("only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei "
                            "are supported with the hugepages resource")


def _split_subscript(field_path: str) -> tuple[str, str] | None:
    """fieldpath.SplitMaybeSubscriptedPath: ``metadata.labels['app']`` -> (``metadata.labels``, ``app``)."""
    if not field_path.endswith("']"):
        return None
    head, sep, rest = field_path.partition("['")
    return (head, rest[:-2]) if sep else None


def object_field_selector_errors(selector: Mapping[str, Any], allowed: tuple[str, ...],
                                 path: str) -> list[FieldError]:
    """validateObjectFieldSelector: a v1 field path the downward API can expose."""
    version, field_path = selector.get("apiVersion", ""), selector.get("fieldPath", "")
    if not version:
        return [required(f"{path}.apiVersion")]
    if not field_path:
        return [required(f"{path}.fieldPath")]
    subscripted = _split_subscript(field_path)
    base = subscripted[0] if subscripted else field_path
    if version != "v1":
        problem = f"unsupported pod version: {version}"
    elif base not in _CONVERTIBLE_FIELDS or (subscripted and base not in ("metadata.annotations", "metadata.labels")):
        problem = f"field label not supported: {field_path}"
    else:
        problem = ""
    if problem:
        return [invalid(f"{path}.fieldPath", field_path, f"error converting fieldPath: {problem}")]
    if subscripted:
        key = subscripted[1].lower() if base == "metadata.annotations" else subscripted[1]
        return label_name_errors(key, path)
    if field_path not in allowed:
        return [not_supported(f"{path}.fieldPath", field_path, allowed)]
    return []


def resource_field_selector_errors(selector: Mapping[str, Any], path: str, volume: bool) -> list[FieldError]:
    """validateContainerResourceFieldSelector (containerName is required only in volumes)."""
    resource = selector.get("resource", "")
    errors: list[FieldError] = []
    if volume and not selector.get("containerName"):
        errors.append(required(f"{path}.containerName"))
    elif not resource:
        errors.append(required(f"{path}.resource"))
    elif resource not in CONTAINER_RESOURCE_FIELDS and not resource.startswith(_HUGEPAGES_PREFIXES):
        errors.append(not_supported(f"{path}.resource", resource, CONTAINER_RESOURCE_FIELDS))
    if "divisor" not in selector:
        return errors
    divisor, bad = quantity_errors(selector["divisor"], f"{path}.divisor")
    if divisor is None or divisor.sign() == 0:  # an unset (zero) divisor means 1
        return errors + bad
    shown = str(divisor)
    rule = _DIVISOR_RULES.get(resource.partition(".")[2])
    if rule and shown not in rule[0]:
        errors.append(invalid(f"{path}.divisor", resource, rule[1]))
    if resource.startswith(_HUGEPAGES_PREFIXES) and shown not in _MEMORY_DIVISORS:
        errors.append(invalid(f"{path}.divisor", resource, _HUGEPAGES_DIVISOR_ERROR))
    return errors


def _key_selector_errors(selector: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateConfigMapKeySelector / validateSecretKeySelector (both name-check as a Secret name)."""
    name = selector.get("name", "")
    errors = [invalid(f"{path}.name", name, m) for m in is_dns1123_subdomain(name)]
    key = selector.get("key", "")
    if not key:
        errors.append(required(f"{path}.key"))
    else:
        errors += [invalid(f"{path}.key", key, m) for m in config_map_key_errors(key)]
    return errors


def _value_from_errors(var: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateEnvVarValueFrom: exactly one source, and no plain ``value`` beside it."""
    source = var.get("valueFrom")
    if source is None:
        return []
    errors: list[FieldError] = []
    if "fieldRef" in source:
        errors += object_field_selector_errors(source["fieldRef"], ENV_DOWNWARD_API_FIELDS, f"{path}.fieldRef")
    if "resourceFieldRef" in source:
        errors += resource_field_selector_errors(source["resourceFieldRef"], f"{path}.resourceFieldRef", volume=False)
    for kind in ("configMapKeyRef", "secretKeyRef"):
        if kind in source:
            errors += _key_selector_errors(source[kind], f"{path}.{kind}")
    count = sum(k in source for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"))
    if count == 0:
        errors.append(invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                        "`configMapKeyRef` or `secretKeyRef`"))
    elif var.get("value"):
        errors.append(invalid(path, "", "may not be specified when `value` is not empty"))
    elif count > 1:
        errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors


def env_errors(env: list[dict], path: str) -> list[FieldError]:
    """ValidateEnv: named variables with at most one source each."""
    errors: list[FieldError] = []
    for i, var in enumerate(env):
        at = f"{path}[{i}]"
        name = var.get("name", "")
        if not name:
            errors.append(required(f"{at}.name"))
        else:
            errors += [invalid(f"{at}.name", name, m) for m in env_var_name_errors(name)]
        errors += _value_from_errors(var, f"{at}.valueFrom")
    return errors


def env_from_errors(sources: list[dict], path: str) -> list[FieldError]:
    """ValidateEnvFrom: a valid prefix and exactly one of configMapRef, secretRef."""
    errors: list[FieldError] = []
    for i, source in enumerate(sources):
        at = f"{path}[{i}]"
        prefix = source.get("prefix", "")
        if prefix:
            errors += [invalid(f"{at}.prefix", prefix, m) for m in env_var_name_errors(prefix)]
        for kind in ("configMapRef", "secretRef"):
            if kind in source:
                name = source[kind].get("name", "")
                if not name:
                    errors.append(required(f"{at}.{kind}.name"))
                else:  # ValidateConfigMapName / ValidateSecretName with prefix=true
                    errors += [invalid(f"{at}.{kind}.name", name, m)
                               for m in is_dns1123_subdomain(mask_trailing_dash(name))]
        count = ("configMapRef" in source) + ("secretRef" in source)
        if count == 0:  # upstream reports these at the list's path
            errors.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif count > 1:
            errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors
