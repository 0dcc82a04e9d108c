"""How many replicas a CPU utilisation target asks for: ``GetResourceReplicas``.

``pkg/controller/podautoscaler/replica_calculator.go`` (v1.31), as a pure
function the controller, the tests and the notebooks all call:

1. sort the pods: failed or deleting pods are **ignored**; pending or unready
   pods are **unready**; pods metrics-server has no sample for are **missing**;
   the rest are **ready** (``groupPods``);
2. from the ready pods only, ``utilization = int(100 * Σ usage / Σ request)``
   (an integer percent, truncated) and ``ratio = utilization / target``
   (``GetResourceUtilizationRatio``);
3. with nothing unready or missing to worry about: keep the current count if
   ``|1 - ratio| <= tolerance`` (0.1), else ``ceil(ratio * ready pods)``;
4. otherwise **rebalance** conservatively: on a scale-down each missing pod
   counts as using 100 % of its request (or the target, if that is higher);
   on a scale-up missing pods and unready pods count as using 0 %. The ratio
   is computed again over all those pods, and the scale is cancelled (the
   current count kept) if the new ratio is within tolerance or points the
   other way; else ``ceil(new ratio * pods counted)``, unless that count
   itself goes against the direction.

The utilisation returned is step 2's: what ``kubectl get hpa`` shows.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping

#: --horizontal-pod-autoscaler-tolerance (cmd/kube-controller-manager/app/options/hpacontroller.go)
DEFAULT_TOLERANCE = 0.1

Pod = Mapping[str, Any]
_FIELDS = ("name", "request_milli", "usage_milli", "ready", "phase", "deleting")


class MetricsError(ValueError):
    """The replica count cannot be computed (no pods, no metrics); the text is upstream's."""


def _check_pod(i: int, pod: Any) -> None:
    if not isinstance(pod, Mapping):
        raise TypeError(f"calculate_replicas() takes pods as a list of dicts, got {type(pod).__name__} at pods[{i}]")
    unknown = sorted(set(pod) - set(_FIELDS))
    if unknown:
        raise ValueError(f"pods[{i}]: unknown field {unknown[0]!r}; a pod has {', '.join(_FIELDS)}")
    for key in ("request_milli", "usage_milli"):
        value = pod.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"pods[{i}].{key}: must be a non-negative int of millicores, got {value!r}")
    if pod.get("request_milli") is None:
        raise ValueError(f"pods[{i}].request_milli: required (the HPA needs every pod's CPU request)")


def _utilization(metrics: Mapping[str, int], requests: Mapping[str, int], target: int) -> tuple[float, int, int]:
    """``GetResourceUtilizationRatio``: (ratio, utilisation %, average usage in millicores)."""
    used = sum(metrics[name] for name in metrics if name in requests)
    requested = sum(requests[name] for name in metrics if name in requests)
    counted = sum(1 for name in metrics if name in requests)
    if requested == 0:
        raise MetricsError("no metrics returned matched known pods")
    utilization = used * 100 // requested
    return utilization / target, utilization, used // counted


def calculate_replicas(current_replicas: int, target_utilization: int, pods: Iterable[Pod],
                       tolerance: float = DEFAULT_TOLERANCE) -> tuple[int, int]:
    """``(replicas, utilization)`` for ``pods`` at a CPU ``target_utilization`` percent.

    Each pod is ``{"name", "request_milli", "usage_milli" (None: no metrics),
    "ready", "phase", "deleting"}``. Raises :class:`MetricsError` with
    upstream's text when there are no pods or no usable metrics.
    """
    replicas, utilization, _ = resource_replicas(current_replicas, target_utilization, pods, tolerance)
    return replicas, utilization


def _checked(current_replicas: int, target_name: str, target: int, pods: Iterable[Pod]) -> list[Pod]:
    """The arguments' types and rules; the pods as a list (no pods at all is upstream's first error)."""
    for name, value in (("current_replicas", current_replicas), (target_name, target)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"calculate_replicas() takes {name} as an int, got {type(value).__name__}")
    if target < 1:
        raise ValueError(f"{target_name}: must be greater than 0, got {target}")
    pods = list(pods)
    names: set[str] = set()
    for i, pod in enumerate(pods):
        _check_pod(i, pod)
        if pod.get("name") in names:
            raise ValueError(f"pods[{i}].name: Duplicate value: {pod.get('name')!r} (pod names are unique)")
        names.add(pod.get("name"))
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    return pods


def _group(pods: list[Pod]) -> tuple[int, set[str], set[str], dict[str, int]]:
    """groupPods, then removeMetricsForPods: (ready count, unready, missing, the ready pods' samples)."""
    ready_count, unready, missing = 0, set(), set()
    metrics: dict[str, int] = {}
    for pod in pods:
        name, usage = pod["name"], pod.get("usage_milli")
        if pod.get("deleting") or pod.get("phase") == "Failed":
            continue  # ignored: its sample is dropped too
        if pod.get("phase", "Running") == "Pending":
            unready.add(name)
            continue
        if usage is None:
            missing.add(name)
            continue
        if not pod.get("ready", True):
            unready.add(name)
            continue
        metrics[name] = usage
        ready_count += 1
    if not metrics:
        raise MetricsError("did not receive metrics for targeted pods (pods might be unready)")
    return ready_count, unready, missing, metrics


def _replicas(current: int, ratio: float, ready_count: int, unready: set[str], missing: set[str],
              metrics: dict[str, int], ratio_of: Callable[[dict[str, int]], float],
              missing_guess: Callable[[str, bool], int | None], tolerance: float) -> int:
    """Steps 3 and 4 of the module docstring, shared by utilisation and raw-usage targets.

    ``missing_guess(name, scaling_down)`` is what a pod without metrics is taken to use (None: left out)."""
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if abs(1.0 - ratio) <= tolerance:
            return current
        return math.ceil(ratio * ready_count)
    for name in missing:
        guess = missing_guess(name, ratio < 1.0)
        if guess is not None:
            metrics[name] = guess
    if scale_up_with_unready:
        metrics.update({name: 0 for name in unready})
    new_ratio = ratio_of(metrics)
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0 < new_ratio) or (new_ratio < 1.0 < ratio):
        return current  # too small a change, or the guesses turned the direction round
    replicas = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return current
    return replicas


def resource_replicas(current_replicas: int, target_utilization: int, pods: Iterable[Pod],
                      tolerance: float = DEFAULT_TOLERANCE) -> tuple[int, int, int]:
    """:func:`calculate_replicas` plus the raw average usage (millicores) the HPA's status shows."""
    pods = _checked(current_replicas, "target_utilization", target_utilization, pods)
    ready_count, unready, missing, metrics = _group(pods)
    requests = {pod["name"]: pod["request_milli"] for pod in pods}
    ratio, utilization, average = _utilization(metrics, requests, target_utilization)
    fallback = max(100, target_utilization)  # on a scale-down: 100 %, or the target if higher

    def guess(name: str, scaling_down: bool) -> int | None:
        if scaling_down:
            return requests[name] * fallback // 100
        return 0 if ratio > 1.0 else None

    replicas = _replicas(current_replicas, ratio, ready_count, unready, missing, metrics,
                         lambda m: _utilization(m, requests, target_utilization)[0], guess, tolerance)
    return replicas, utilization, average


def _usage_ratio(metrics: Mapping[str, int], target: int) -> tuple[float, int]:
    """GetMetricUsageRatio: (average / target, the average), the average an integer division."""
    average = sum(metrics.values()) // len(metrics)
    return average / target, average


def raw_resource_replicas(current_replicas: int, target_average_milli: int, pods: Iterable[Pod],
                          tolerance: float = DEFAULT_TOLERANCE) -> tuple[int, int]:
    """GetRawResourceReplicas (calcPlainMetricReplicas): for an ``averageValue`` target such as ``cpu: 500m``.

    The same rules on the average usage per pod instead of a percent of the
    requests; a pod without metrics counts as using the target on a scale-down.
    Returns (replicas, average usage in millicores)."""
    pods = _checked(current_replicas, "target_average_milli", target_average_milli, pods)
    ready_count, unready, missing, metrics = _group(pods)
    ratio, average = _usage_ratio(metrics, target_average_milli)

    def guess(name: str, scaling_down: bool) -> int:
        return target_average_milli if scaling_down else 0

    replicas = _replicas(current_replicas, ratio, ready_count, unready, missing, metrics,
                         lambda m: _usage_ratio(m, target_average_milli)[0], guess, tolerance)
    return replicas, average
