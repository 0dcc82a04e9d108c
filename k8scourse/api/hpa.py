"""HorizontalPodAutoscaler (autoscaling/v2): scale a workload between bounds on metrics.

The HPA controller compares each metric with its target
(``desired = ceil(current * value / target)``) and writes the result to the
target's ``replicas`` within ``[minReplicas, maxReplicas]``. ``behavior``
limits how fast it may scale up or down.

Defaults: ``pkg/apis/autoscaling/v2/defaults.go``. Note that ``behavior`` is
filled in only when the manifest has one: without it the controller uses its
own defaults (a 5-minute scale-down stabilisation from
``--horizontal-pod-autoscaler-downscale-stabilization``), and the stored
object shows no ``behavior``. Rules: ``pkg/apis/autoscaling/validation``.
"""

from __future__ import annotations

from typing import Any, Mapping

from .decoding import StructOf
from .errors import FieldError, forbidden, invalid, not_supported, required
from .meta import GoValue, KubeObject
from .resources import container_resource_name_errors, manifest_quantity, quantity_errors
from .quantity import QuantityError
from .validation import is_dns1123_label, is_dns1123_subdomain

DEFAULT_MIN_REPLICAS = 1
DEFAULT_CPU_UTILIZATION = 80  # autoscaling.DefaultCPUUtilization: the metric used when none is given
MAX_PERIOD_SECONDS = 1800  # validation.go MaxPeriodSeconds
MAX_STABILIZATION_WINDOW_SECONDS = 3600  # validation.go MaxStabilizationWindowSeconds


def default_scale_up() -> dict:
    """autoscaling/v2 defaults.go: at most 4 pods or 100% more every 15s, whichever is more."""
    return {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ]}


def default_scale_down() -> dict:
    """Down to 100% fewer every 15s; no stabilisation here (the controller's flag applies)."""
    return {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


METRIC_SOURCE_TYPES = ("ContainerResource", "External", "Object", "Pods", "Resource")  # sorted, as sets.List
SELECT_POLICIES = ("Disabled", "Max", "Min")
POLICY_TYPES = ("Percent", "Pods")
_SOURCE_FIELDS = (("object", "Object"), ("external", "External"), ("pods", "Pods"),
                  ("resource", "Resource"), ("containerResource", "ContainerResource"))


def path_segment_errors(name: str) -> list[str]:
    """path.IsValidPathSegmentName: a name must fit in a URL path segment."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def _with_defaults(rules: Mapping[str, Any] | None, defaults: dict) -> dict:
    """copyHPAScalingRules: the user's fields win, the rest come from the defaults."""
    return {**defaults, **(rules or {})}


def _canonical_targets(metric: Mapping[str, Any]) -> None:
    """Quantities are stored canonically (``0.5`` -> ``500m``); bad ones are left for validation."""
    for source, _ in _SOURCE_FIELDS:
        target = (metric.get(source) or {}).get("target") or {}
        for key in ("value", "averageValue"):
            if key in target:
                try:
                    target[key] = str(manifest_quantity(target[key]))
                except QuantityError:
                    pass


def _reference_errors(ref: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateCrossVersionObjectReference."""
    errors: list[FieldError] = []
    for key in ("kind", "name"):
        value = ref.get(key, "")
        if not value:
            errors.append(required(f"{path}.{key}"))
        else:
            errors += [invalid(f"{path}.{key}", value, m) for m in path_segment_errors(value)]
    return errors


def _identifier_errors(identifier: Mapping[str, Any], path: str) -> list[FieldError]:
    name = identifier.get("name", "")
    if not name:
        return [required(f"{path}.name", "must specify a metric name")]
    return [invalid(f"{path}.name", name, m) for m in path_segment_errors(name)]


def _target_errors(target: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateMetricTarget."""
    errors: list[FieldError] = []
    kind = target.get("type", "")
    if not kind:
        errors.append(required(f"{path}.type", "must specify a metric target type"))
    if kind not in ("Utilization", "Value", "AverageValue"):
        errors.append(invalid(f"{path}.type", kind, "must be either Utilization, Value, or AverageValue"))
    for key in ("value", "averageValue"):
        if key in target:
            quantity, bad = quantity_errors(target[key], f"{path}.{key}")
            errors += bad
            if quantity is not None and quantity.sign() != 1:
                errors.append(invalid(f"{path}.{key}", GoValue(str(quantity)), "must be positive"))
    utilization = target.get("averageUtilization")
    if utilization is not None and utilization < 1:
        errors.append(invalid(f"{path}.averageUtilization", utilization, "must be greater than 0"))
    return errors


def _source_errors(field: str, source: Mapping[str, Any], path: str) -> list[FieldError]:
    """The checks of one metric source (validateObjectSource, validatePodsSource, ...)."""
    target = source.get("target") or {}
    target_path = f"{path}.target"
    has_value, has_average = "value" in target, "averageValue" in target
    errors: list[FieldError] = []
    if field == "object":
        errors += _reference_errors(source.get("describedObject") or {}, f"{path}.describedObject")
    if field in ("resource", "containerResource"):
        name = source.get("name", "")
        if not name:
            errors.append(required(f"{path}.name", "must specify a resource name"))
        elif field == "containerResource":
            errors += container_resource_name_errors(name, f"{path}.name")
    if field == "containerResource":
        container = source.get("container", "")
        if not container:
            errors.append(required(f"{path}.container", "must specify a container"))
        else:
            errors += [invalid(f"{path}.container", container, m) for m in is_dns1123_label(container)]
    if field in ("object", "external", "pods"):
        errors += _identifier_errors(source.get("metric") or {}, f"{path}.metric")
    errors += _target_errors(target, target_path)
    if field == "object" and not has_value and not has_average:
        errors.append(required(f"{target_path}.averageValue", "must set either a target value or averageValue"))
    elif field == "external":
        if not has_value and not has_average:
            errors.append(required(f"{target_path}.averageValue",
                                   "must set either a target value for metric or a per-pod target"))
        elif has_value and has_average:
            errors.append(forbidden(f"{target_path}.value",
                                    "may not set both a target value for metric and a per-pod target"))
    elif field == "pods" and not has_average:
        errors.append(required(f"{target_path}.averageValue", "must specify a positive target averageValue"))
    elif field in ("resource", "containerResource"):
        has_utilization = "averageUtilization" in target
        if not has_utilization and not has_average:
            errors.append(required(f"{target_path}.averageUtilization",
                                   "must set either a target raw value or a target utilization"))
        elif has_utilization and has_average:
            errors.append(forbidden(f"{target_path}.averageValue",
                                    "may not set both a target raw value and a target utilization"))
    return errors


def metric_errors(metric: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateMetricSpec: a known type, with exactly its own source filled in."""
    errors: list[FieldError] = []
    kind = metric.get("type", "")
    if not kind:
        errors.append(required(f"{path}.type", "must specify a metric source type"))
    if kind not in METRIC_SOURCE_TYPES:
        errors.append(not_supported(f"{path}.type", kind, METRIC_SOURCE_TYPES))
    present = [field for field, _ in _SOURCE_FIELDS if field in metric]
    if present:  # only the first source given is checked
        errors += _source_errors(present[0], metric[present[0]], f"{path}.{present[0]}")
    expected = next((field for field, name in _SOURCE_FIELDS if name == kind), None)
    if expected is not None and expected not in metric:
        errors.append(required(f"{path}.{expected}", "must populate information for the given metric source"))
    if len(present) > 1:
        errors += [forbidden(f"{path}.{field}", "must populate the given metric source only")
                   for field in sorted(present) if field != expected]
    return errors


def scaling_rules_errors(rules: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateScalingRules."""
    errors: list[FieldError] = []
    window = rules.get("stabilizationWindowSeconds")
    if window is not None and window < 0:
        errors.append(invalid(f"{path}.stabilizationWindowSeconds", window, "must be greater than or equal to zero"))
    if window is not None and window > MAX_STABILIZATION_WINDOW_SECONDS:
        errors.append(invalid(f"{path}.stabilizationWindowSeconds", window,
                              f"must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"))
    select = rules.get("selectPolicy")
    if select is not None and select not in SELECT_POLICIES:
        errors.append(not_supported(f"{path}.selectPolicy", select, SELECT_POLICIES))
    policies = rules.get("policies") or []
    if not policies:
        errors.append(required(f"{path}.policies", "must specify at least one Policy"))
    for i, policy in enumerate(policies):
        at = f"{path}.policies[{i}]"
        if policy.get("type") not in POLICY_TYPES:
            errors.append(not_supported(f"{at}.type", policy.get("type", ""), POLICY_TYPES))
        if policy.get("value", 0) <= 0:
            errors.append(invalid(f"{at}.value", policy.get("value", 0), "must be greater than zero"))
        period = policy.get("periodSeconds", 0)
        if period <= 0:
            errors.append(invalid(f"{at}.periodSeconds", period, "must be greater than zero"))
        if period > MAX_PERIOD_SECONDS:
            errors.append(invalid(f"{at}.periodSeconds", period, f"must be less than or equal to {MAX_PERIOD_SECONDS}"))
    return errors


class HorizontalPodAutoscaler(KubeObject):
    """Scales ``scaleTargetRef`` (a Deployment, ReplicaSet, ...) to track its metrics."""

    KIND = "HorizontalPodAutoscaler"
    GROUP = "autoscaling"
    VERSION = "v2"
    RESOURCE = "horizontalpodautoscalers"
    SHORT_NAMES = ("hpa",)
    NAME_RULE = staticmethod(is_dns1123_subdomain)  # ValidateReplicationControllerName
    SCHEMA = StructOf("autoscaling.v2.HorizontalPodAutoscaler")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        spec = self.data.setdefault("spec", {})
        spec.setdefault("minReplicas", DEFAULT_MIN_REPLICAS)
        if not spec.get("metrics"):
            spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
        for metric in spec["metrics"]:
            _canonical_targets(metric)
        behavior = spec.get("behavior")
        if behavior is not None:
            behavior["scaleUp"] = _with_defaults(behavior.get("scaleUp"), default_scale_up())
            behavior["scaleDown"] = _with_defaults(behavior.get("scaleDown"), default_scale_down())

    def field_errors(self) -> list[FieldError]:
        spec = self.spec
        errors = super().field_errors()
        low, high = spec.get("minReplicas"), spec.get("maxReplicas", 0)
        if low is not None and low < 1:  # 0 is allowed only with the alpha HPAScaleToZero gate
            errors.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
        if high < 1:
            errors.append(invalid("spec.maxReplicas", high, "must be greater than 0"))
        if low is not None and high < low:
            errors.append(invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
        errors += _reference_errors(spec.get("scaleTargetRef") or {}, "spec.scaleTargetRef")
        for i, metric in enumerate(spec.get("metrics") or ()):
            errors += metric_errors(metric, f"spec.metrics[{i}]")
        behavior = spec.get("behavior") or {}
        for key in ("scaleUp", "scaleDown"):
            if key in behavior:
                errors += scaling_rules_errors(behavior[key], f"spec.behavior.{key}")
        return errors

    @property
    def min_replicas(self) -> int:
        return self.spec.get("minReplicas", DEFAULT_MIN_REPLICAS)

    @property
    def max_replicas(self) -> int:
        return self.spec.get("maxReplicas", 0)

    @property
    def scale_target_ref(self) -> Mapping[str, Any]:
        return self.spec.get("scaleTargetRef") or {}
