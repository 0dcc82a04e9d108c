"""Deployment: declarative updates of a replicated pod template.

A Deployment owns ReplicaSets, one per version of its template, and moves
pods from the old to the new one. ``strategy`` says how: ``Recreate`` (all
old pods go first) or ``RollingUpdate``, bounded by ``maxSurge`` (pods above
``replicas``) and ``maxUnavailable`` (pods below it), each a count or a
percentage.

Defaults: ``pkg/apis/apps/v1/defaults.go`` (SetDefaults_Deployment). Rules:
``ValidateDeployment`` in ``pkg/apis/apps/validation/validation.go``.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from .decoding import StructOf
from .errors import FieldError, K8sValueError, forbidden, invalid, not_supported, required
from .meta import GoValue, nonnegative
from .pod import default_pod_template
from .replication import DEFAULT_REPLICAS, _Replicated, selected_template_errors
from .validation import regex_error

# SetDefaults_Deployment (apps/v1/defaults.go)
DEFAULT_MAX_SURGE = "25%"
DEFAULT_MAX_UNAVAILABLE = "25%"
DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600
STRATEGY_TYPES = ("Recreate", "RollingUpdate")

# util/validation IsValidPercent
PERCENT_FMT = "[0-9]+%"
_PERCENT = re.compile(PERCENT_FMT)
PERCENT_ERROR = regex_error("a valid percent string must be a numeric string followed by an ending '%'",
                            PERCENT_FMT, "1%", "93%")

IntOrString = int | str


def int_or_percent(value: IntOrString) -> int:
    """getIntOrPercentValue: ``25%`` -> 25, ``3`` -> 3, text that is neither -> 0."""
    if isinstance(value, int):
        return value
    if _PERCENT.fullmatch(value):
        return int(value[:-1])
    return int(value) if re.fullmatch(r"[+-]?[0-9]+", value) else 0  # IntValue(): Atoi or 0


def scaled_value(value: IntOrString, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: ``25%`` of 10 is 3 rounded up, 2 rounded down."""
    if isinstance(value, int):
        return value
    if not value.endswith("%") or not re.fullmatch(r"[+-]?[0-9]+", value[:-1]):
        raise K8sValueError(f"invalid value for IntOrString: {value!r} is not an integer or a percentage")
    scaled = int(value[:-1]) * total / 100  # float64 arithmetic, as upstream
    return math.ceil(scaled) if round_up else math.floor(scaled)


def _positive_int_or_percent(value: IntOrString, path: str) -> list[FieldError]:
    """ValidatePositiveIntOrPercent; an IntOrString prints through its String(): unquoted."""
    if isinstance(value, str):
        return [] if _PERCENT.fullmatch(value) else [invalid(path, GoValue(value), PERCENT_ERROR)]
    return nonnegative(value, path)


def rolling_update_errors(rolling: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateRollingUpdateDeployment."""
    unavailable = rolling.get("maxUnavailable", 0)
    surge = rolling.get("maxSurge", 0)
    errors = _positive_int_or_percent(unavailable, f"{path}.maxUnavailable")
    errors += _positive_int_or_percent(surge, f"{path}.maxSurge")
    if int_or_percent(unavailable) == 0 and int_or_percent(surge) == 0:
        # Neither a spare pod nor a missing one: the rollout could never move.
        errors.append(invalid(f"{path}.maxUnavailable", GoValue(str(unavailable)), "may not be 0 when `maxSurge` is 0"))
    if isinstance(unavailable, str) and _PERCENT.fullmatch(unavailable) and int(unavailable[:-1]) > 100:
        errors.append(invalid(f"{path}.maxUnavailable", GoValue(unavailable), "must not be greater than 100%"))
    return errors


def strategy_errors(strategy: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateDeploymentStrategy."""
    kind = strategy.get("type", "")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        return [forbidden(f"{path}.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")] \
            if rolling is not None else []
    if kind == "RollingUpdate":
        if rolling is None:
            return [required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
        return rolling_update_errors(rolling, f"{path}.rollingUpdate")
    # Upstream prints the internal struct with %#v (a non-nil pointer shows its address).
    pointer = "nil" if rolling is None else "0x…"
    shown = GoValue(f'apps.DeploymentStrategy{{Type:"{kind}", RollingUpdate:(*apps.RollingUpdateDeployment)({pointer})}}')
    return [not_supported(path, shown, STRATEGY_TYPES)]


class Deployment(_Replicated):
    """Rolls a pod template out through ReplicaSets, keeping old ones for rollback."""

    KIND = "Deployment"
    GROUP = "apps"
    RESOURCE = "deployments"
    SHORT_NAMES = ("deploy",)
    SCHEMA = StructOf("apps.v1.Deployment")

    __slots__ = ()

    def apply_defaults(self, namespace: str = "default") -> None:
        super().apply_defaults(namespace)
        spec = self.data.setdefault("spec", {})
        spec.setdefault("replicas", DEFAULT_REPLICAS)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", DEFAULT_MAX_UNAVAILABLE)
            rolling.setdefault("maxSurge", DEFAULT_MAX_SURGE)
        spec.setdefault("revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT)
        spec.setdefault("progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE_SECONDS)
        default_pod_template(spec.setdefault("template", {}))

    def field_errors(self) -> list[FieldError]:
        spec = self.spec
        errors = super().field_errors()
        errors += nonnegative(spec.get("replicas", 0), "spec.replicas")
        errors += selected_template_errors(spec)
        errors += strategy_errors(spec.get("strategy") or {}, "spec.strategy")
        min_ready = spec.get("minReadySeconds", 0)
        errors += nonnegative(min_ready, "spec.minReadySeconds")
        if "revisionHistoryLimit" in spec:
            errors += nonnegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit")
        if "progressDeadlineSeconds" in spec:
            deadline = spec["progressDeadlineSeconds"]
            errors += nonnegative(deadline, "spec.progressDeadlineSeconds")
            if deadline <= min_ready:
                errors.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
        return errors

    @property
    def strategy_type(self) -> str:
        return (self.spec.get("strategy") or {}).get("type", "RollingUpdate")

    def resolve_fenceposts(self) -> tuple[int, int]:
        """(maxSurge, maxUnavailable) as pod counts for ``replicas`` (deployment util's ResolveFenceposts).

        Surge rounds up, unavailability down; if both come to 0 (say 25% of 1),
        unavailability becomes 1 so that the rollout can still move.
        """
        rolling = (self.spec.get("strategy") or {}).get("rollingUpdate") or {}
        surge = scaled_value(rolling.get("maxSurge", 0), self.replicas, round_up=True)
        unavailable = scaled_value(rolling.get("maxUnavailable", 0), self.replicas, round_up=False)
        return (surge, 1) if surge == 0 and unavailable == 0 else (surge, unavailable)

    @property
    def revision_history_limit(self) -> int:
        return self.spec.get("revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT)

    @property
    def progress_deadline_seconds(self) -> int:
        return self.spec.get("progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE_SECONDS)

    @property
    def paused(self) -> bool:
        return bool(self.spec.get("paused", False))
