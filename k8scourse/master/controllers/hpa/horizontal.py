"""The horizontal pod autoscaler controller: scale a workload to keep its pods' CPU near a target.

kube-controller-manager's horizontal-pod-autoscaler controller
(``pkg/controller/podautoscaler/horizontal.go``, v1.31). Every HPA is
reconciled every ``--horizontal-pod-autoscaler-sync-period`` (15 s), the
first time 15 s after it is created:

1. read the target's **scale subresource** (``GET .../deployments/web/scale``):
   its ``spec.replicas`` and ``status.selector``. Failing that,
   ``AbleToScale`` goes False (``FailedGetScale``);
2. a target scaled to 0 by hand is left alone (``ScalingDisabled``); a count
   outside ``[minReplicas, maxReplicas]`` is brought back inside at once;
3. otherwise, for each metric, read the pods' usage from the resource
   metrics API (metrics-server) and the pods from the informer's lister, and
   let :func:`~.replica_calculator.resource_replicas` propose a count (or
   ``raw_resource_replicas`` for an ``averageValue`` target); the
   largest proposal wins (``ScalingActive``: ``ValidMetricFound``, or
   ``FailedGetResourceMetric`` and a Warning Event when there are no metrics);
4. **normalise** the proposal. Without ``spec.behavior`` (what
   ``kubectl autoscale`` creates): take the highest recommendation of the
   last ``--horizontal-pod-autoscaler-downscale-stabilization`` (300 s), so a
   dip in load does not scale down at once, then cap a scale-up at
   ``max(2 x current, 4)`` and clamp to min/max (``ScalingLimited``). With
   ``spec.behavior``: stabilise in both directions over each rule's window and
   cap the change by the rules' policies over their periods;
5. if the count changed, write it through the scale subresource and record
   ``SuccessfulRescale`` (``New size: 5; reason: cpu resource utilization
   (percentage of request) above target``);
6. write ``status`` (current/desired replicas, current metrics, conditions)
   when it changed.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping, Protocol

from k8scourse.api import objects
from k8scourse.api.errors import StatusError
from k8scourse.api.hpa import DEFAULT_MIN_REPLICAS
from k8scourse.api.quantity import parse_quantity
from k8scourse.api.selectors import Selector, parse_selector
from k8scourse.clock import Timer, VirtualClock
from k8scourse.timefmt import parse_rfc3339

from ..base import InformerFactory, key_of
from .replica_calculator import DEFAULT_TOLERANCE, MetricsError, raw_resource_replicas, resource_replicas

SOURCE = "horizontal-pod-autoscaler"  # the Events' source component
# cmd/kube-controller-manager/app/options/hpacontroller.go (v1.31 defaults)
SYNC_PERIOD = 15.0  # --horizontal-pod-autoscaler-sync-period
DOWNSCALE_STABILIZATION = 300.0  # --horizontal-pod-autoscaler-downscale-stabilization
CPU_INITIALIZATION_PERIOD = 300.0  # --horizontal-pod-autoscaler-cpu-initialization-period
INITIAL_READINESS_DELAY = 30.0  # --horizontal-pod-autoscaler-initial-readiness-delay
# horizontal.go: without spec.behavior a scale-up is capped at max(2 x current, 4)
SCALE_UP_LIMIT_FACTOR = 2.0  # scaleUpLimitFactor
SCALE_UP_LIMIT_MINIMUM = 4.0  # scaleUpLimitMinimum


_seconds = lru_cache(maxsize=4096)(parse_rfc3339)  # the pods' timestamps repeat from sync to sync


class API(Protocol):
    """The part of the apiserver the controller uses (the scale subresource, status writes, Events)."""

    def get_scale(self, resource: str, name: str, namespace: str | None = None) -> dict: ...
    def update_scale(self, resource: str, name: str, scale: Mapping[str, Any], namespace: str | None = None) -> dict: ...
    def update_status(self, obj: Mapping[str, Any]) -> dict: ...
    def record_event(self, obj: Mapping[str, Any], type: str, reason: str, message: str, source: str) -> None: ...


class ResourceMetrics(Protocol):
    """The resource metrics API (``metrics.k8s.io/v1beta1``, served by metrics-server)."""

    def pod_metrics(self, namespace: str, selector: Selector) -> list[dict]: ...


@dataclass
class _Recommendation:
    replicas: int
    at: float


@dataclass
class _ScaleEvent:
    change: int
    at: float
    outdated: bool = False


class _Failed(Exception):
    """One metric could not give a proposal: the condition and Event it leaves, and its error."""

    def __init__(self, reason: str, message: str, wrapped: str) -> None:
        super().__init__(message)
        self.reason, self.message, self.wrapped = reason, message, wrapped


def set_condition(hpa: dict, kind: str, status: str, reason: str, message: str, clock: VirtualClock) -> None:
    """setCondition: replace the condition of that type; its transition time moves only when its status does."""
    conditions = hpa.setdefault("status", {}).setdefault("conditions", [])
    for condition in conditions:
        if condition["type"] == kind:
            if condition["status"] != status:
                condition["lastTransitionTime"] = clock.rfc3339(clock.now)
            condition.update(status=status, reason=reason, message=message)
            return
    conditions.append({"type": kind, "status": status, "lastTransitionTime": clock.rfc3339(clock.now),
                       "reason": reason, "message": message})


def _milli(value: Any) -> int:
    return parse_quantity(value).milli_value()


def pod_request_milli(pod: Mapping[str, Any], resource: str) -> int:
    """calculatePodRequests: the sum of the containers' requests, or upstream's error for a missing one."""
    total = 0
    for container in pod["spec"].get("containers") or []:
        request = ((container.get("resources") or {}).get("requests") or {}).get(resource)
        if request is None:
            raise MetricsError(f"missing request for {resource} in container {container['name']} "
                               f"of Pod {pod['metadata']['name']}")
        total += _milli(request)
    return total


def resource_for(ref: Mapping[str, Any]) -> str:
    """RESTMapper.RESTMappings(GroupKind): the resource serving a kind in its group, whatever the version.

    The group is schema.ParseGroupVersion's: ``v1`` is the core group, ``apps/v1`` apps; more slashes
    are refused."""
    kind, version = ref.get("kind", ""), ref.get("apiVersion", "")
    if version.count("/") > 1:
        raise ValueError(f"unexpected GroupVersion string: {version}")
    group = version.partition("/")[0] if "/" in version else ""
    try:
        found = objects.kind_for_resource(kind)
    except objects.UnknownResourceError:
        found = None
    if found is None or found.KIND != kind or found.GROUP != group:
        raise ValueError(f'no matches for kind "{kind}" in group "{group}"')
    return found.RESOURCE


def _ready_condition(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return next((c for c in (pod.get("status") or {}).get("conditions") or () if c.get("type") == "Ready"), None)


class HorizontalController:
    """Reconciles every HorizontalPodAutoscaler every ``sync_period`` seconds."""

    def __init__(self, api: API, clock: VirtualClock, informers: InformerFactory, metrics: ResourceMetrics, *,
                 sync_period: float = SYNC_PERIOD, tolerance: float = DEFAULT_TOLERANCE,
                 downscale_stabilization: float = DOWNSCALE_STABILIZATION,
                 cpu_initialization_period: float = CPU_INITIALIZATION_PERIOD,
                 initial_readiness_delay: float = INITIAL_READINESS_DELAY) -> None:
        self.api, self.clock, self.metrics = api, clock, metrics
        self.sync_period, self.tolerance = sync_period, tolerance
        self.downscale_stabilization = downscale_stabilization
        self.cpu_initialization_period = cpu_initialization_period
        self.initial_readiness_delay = initial_readiness_delay
        self.hpas = informers.informer("horizontalpodautoscalers")
        self.pods = informers.informer("pods")
        self._waiting: dict[str, Timer] = {}
        self._recommendations: dict[str, list[_Recommendation]] = {}
        self._scale_up_events: dict[str, list[_ScaleEvent]] = {}
        self._scale_down_events: dict[str, list[_ScaleEvent]] = {}

    def start(self) -> None:
        self.hpas.add_handler(self._on_hpa)

    def _on_hpa(self, event_type: str, hpa: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        if event_type != "DELETED":
            self._enqueue(key_of(hpa))

    def _enqueue(self, key: str) -> None:
        """queue.AddRateLimited under NewDefaultHPARateLimiter: every key waits one sync period, once."""
        if key not in self._waiting:
            self._waiting[key] = self.clock.schedule(self.sync_period, self._process, key)

    def _process(self, key: str) -> None:
        del self._waiting[key]
        hpa = self.hpas.get(key)
        if hpa is None:  # deleted: forget what was remembered about it
            for memory in (self._recommendations, self._scale_up_events, self._scale_down_events):
                memory.pop(key, None)
            return
        try:
            self.reconcile(copy.deepcopy(hpa))
        except StatusError:
            pass  # a refused status write (a conflict): the next sync reads afresh
        self._enqueue(key)

    # --- one reconcile -------------------------------------------------------------------

    def _event(self, hpa: Mapping[str, Any], type: str, reason: str, message: str) -> None:
        self.api.record_event(hpa, type, reason, message, SOURCE)

    def reconcile(self, hpa: dict) -> None:
        """reconcileAutoscaler: steps 1-6 of the module docstring for one HPA."""
        now, key = self.clock.now, key_of(hpa)
        original = copy.deepcopy(hpa.get("status") or {})
        spec, namespace = hpa["spec"], hpa["metadata"]["namespace"]
        ref = spec["scaleTargetRef"]
        try:
            resource = resource_for(ref)
            scale = self.api.get_scale(resource, ref["name"], namespace)
        except (StatusError, ValueError) as err:
            self._event(hpa, "Warning", "FailedGetScale", str(err))
            set_condition(hpa, "AbleToScale", "False", "FailedGetScale",
                          f"the HPA controller was unable to get the target's current scale: {err}", self.clock)
            self._write_status(hpa, original)
            return
        set_condition(hpa, "AbleToScale", "True", "SucceededGetScale",
                      "the HPA controller was able to get the target's current scale", self.clock)
        current = scale["spec"].get("replicas", 0)
        self._recommendations.setdefault(key, [_Recommendation(current, now)])  # recordInitialRecommendation

        minimum, maximum = spec.get("minReplicas", DEFAULT_MIN_REPLICAS), spec["maxReplicas"]
        statuses: list[dict] = []
        rescale, desired, reason = True, 0, ""
        if current == 0 and minimum != 0:
            rescale = False
            set_condition(hpa, "ScalingActive", "False", "ScalingDisabled",
                          "scaling is disabled since the replica count of the target is zero", self.clock)
        elif current > maximum:
            desired, reason = maximum, "Current number of replicas above Spec.MaxReplicas"
        elif current < minimum:
            desired, reason = minimum, "Current number of replicas below Spec.MinReplicas"
        else:
            proposal = self._replicas_for_metrics(hpa, scale, statuses)
            if proposal is None:  # every metric failed: status and a Warning, no scaling
                self._set_status(hpa, current, current, statuses, rescale=False, keep_desired=True)
                self._write_status(hpa, original)
                return
            replicas, metric_name = proposal
            desired = replicas
            if desired > current:
                reason = f"{metric_name} above target"
            elif desired < current:
                reason = "All metrics below target"
            if spec.get("behavior") is None:
                desired = self._normalize(hpa, key, current, desired, minimum)
            else:
                desired = self._normalize_with_behaviors(hpa, key, current, desired, minimum)
            rescale = desired != current

        if rescale:
            scale = copy.deepcopy(scale)
            scale["spec"]["replicas"] = desired
            try:
                self.api.update_scale(resource, ref["name"], scale, namespace)
            except StatusError as err:
                self._event(hpa, "Warning", "FailedRescale", f"New size: {desired}; reason: {reason}; error: {err}")
                set_condition(hpa, "AbleToScale", "False", "FailedUpdateScale",
                              f"the HPA controller was unable to update the target scale: {err}", self.clock)
                self._set_status(hpa, current, current, statuses, rescale=False, keep_desired=True)
                self._write_status(hpa, original)
                return
            set_condition(hpa, "AbleToScale", "True", "SucceededRescale",
                          f"the HPA controller was able to update the target scale to {desired}", self.clock)
            self._event(hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {reason}")
            self._store_scale_event(hpa, key, current, desired)
        else:
            desired = current
        self._set_status(hpa, current, desired, statuses, rescale)
        self._write_status(hpa, original)

    def _set_status(self, hpa: dict, current: int, desired: int, statuses: list[dict], rescale: bool,
                    keep_desired: bool = False) -> None:
        """setStatus / setCurrentReplicasAndMetricsInStatus (which keeps the last desired count)."""
        status = hpa.setdefault("status", {})
        if keep_desired:
            desired = status.get("desiredReplicas", 0)
        new = {"currentReplicas": current, "desiredReplicas": desired}
        if statuses:
            new["currentMetrics"] = statuses
        if rescale:
            new["lastScaleTime"] = self.clock.rfc3339(self.clock.now)
        elif "lastScaleTime" in status:
            new["lastScaleTime"] = status["lastScaleTime"]
        if "conditions" in status:
            new["conditions"] = status["conditions"]
        hpa["status"] = new

    def _write_status(self, hpa: dict, original: Mapping[str, Any]) -> None:
        """updateStatusIfNeeded: write only a status that changed."""
        if hpa.get("status") != original:
            self.api.update_status(hpa)

    # --- metrics ---------------------------------------------------------------------------

    def _replicas_for_metrics(self, hpa: dict, scale: Mapping[str, Any], statuses: list[dict]) -> tuple[int, str] | None:
        """computeReplicasForMetrics: the largest proposal and its metric's name, or None if all failed."""
        metrics = hpa["spec"].get("metrics") or []
        text = (scale.get("status") or {}).get("selector", "")
        if not text:
            self._event(hpa, "Warning", "SelectorRequired", "selector is required")
            set_condition(hpa, "ScalingActive", "False", "InvalidSelector",
                          "the HPA target's scale is missing a selector", self.clock)
            return None
        try:
            selector = parse_selector(text)
        except ValueError as err:
            self._event(hpa, "Warning", "InvalidSelector", str(err))
            set_condition(hpa, "ScalingActive", "False", "InvalidSelector",
                          f"the HPA target's scale has an invalid selector: {err}", self.clock)
            return None
        current = scale["spec"].get("replicas", 0)
        best: tuple[int, str] | None = None
        failures: list[_Failed] = []
        for metric in metrics:
            status: dict = {"type": ""}
            statuses.append(status)
            try:
                replicas, name = self._replicas_for_metric(hpa, metric, current, selector, status)
            except _Failed as failure:
                failures.append(failure)
                continue
            if best is None or replicas > best[0]:
                best = (replicas, name)
        if failures and (best is None or best[0] < current):
            first = failures[0]
            set_condition(hpa, "ScalingActive", "False", first.reason,
                          f"the HPA was unable to compute the replica count: {first.message}", self.clock)
            self._event(hpa, "Warning", "FailedComputeMetricsReplicas",
                        f"invalid metrics ({len(failures)} invalid out of {len(metrics)}), "
                        f"first error is: {first.wrapped}")
            return None
        assert best is not None
        set_condition(hpa, "ScalingActive", "True", "ValidMetricFound",
                      f"the HPA was able to successfully calculate a replica count from {best[1]}", self.clock)
        return best

    def _replicas_for_metric(self, hpa: dict, metric: Mapping[str, Any], current: int, selector: Selector,
                             status: dict) -> tuple[int, str]:
        """computeStatusForResourceMetric: a utilisation or an average-value target on metrics-server's metrics."""
        kind = metric.get("type")
        if kind != "Resource":
            message = f"the course's cluster serves only resource metrics (metrics-server), not {kind} metrics"
            self._event(hpa, "Warning", f"FailedGet{kind}Metric", message)
            raise _Failed(f"FailedGet{kind}Metric", message, message)
        resource, target = metric["resource"]["name"], metric["resource"]["target"]
        try:
            pods = self._pod_samples(hpa["metadata"]["namespace"], selector, resource,
                                     requests="averageValue" not in target)
            if "averageValue" in target:
                replicas, average = raw_resource_replicas(current, _milli(target["averageValue"]), pods,
                                                          self.tolerance)
                current_status: dict[str, Any] = {"averageValue": str(parse_quantity(f"{average}m"))}
                name = f"{resource} resource"
            else:
                replicas, utilization, average = resource_replicas(current, target["averageUtilization"], pods,
                                                                   self.tolerance)
                current_status = {"averageUtilization": utilization,
                                  "averageValue": str(parse_quantity(f"{average}m"))}
                name = f"{resource} resource utilization (percentage of request)"
        except MetricsError as err:
            message = f"failed to get {resource} {'usage' if 'averageValue' in target else 'utilization'}: {err}"
            self._event(hpa, "Warning", "FailedGetResourceMetric", message)
            # computeReplicasForMetric wraps it once more for the FailedComputeMetricsReplicas Event
            raise _Failed("FailedGetResourceMetric", message,
                          f"failed to get {resource} resource metric value: {message}") from None
        status.clear()
        status.update({"type": "Resource", "resource": {"name": resource, "current": current_status}})
        return replicas, name

    def _pod_samples(self, namespace: str, selector: Selector, resource: str, requests: bool = True) -> list[dict]:
        """The pods and their samples, in the shape calculate_replicas takes (groupPods' inputs).

        Only a utilisation target needs the pods' requests (an average-value target reads none)."""
        samples = {m["metadata"]["name"]: m for m in self.metrics.pod_metrics(namespace, selector)}
        if not samples:
            raise MetricsError(f"unable to get metrics for resource {resource}: "
                               f"no metrics returned from resource metrics API")
        pods = []
        for pod in self.pods.list(namespace, selector):
            name = pod["metadata"]["name"]
            sample = samples.get(name)
            usage = None
            containers = sample["containers"] if sample is not None else []
            # getPodMetrics (metrics/client.go): a pod with no containers, or one without this
            # resource's usage (a name metrics-server does not measure), counts as missing.
            if containers and all(resource in c["usage"] for c in containers):
                usage = sum(_milli(c["usage"][resource]) for c in containers)
            pods.append({"name": name, "request_milli": pod_request_milli(pod, resource) if requests else 0,
                         "usage_milli": usage,
                         "ready": resource != "cpu" or sample is None or self._cpu_ready(pod, sample),
                         "phase": (pod.get("status") or {}).get("phase", "Pending"),
                         "deleting": bool(pod["metadata"].get("deletionTimestamp"))})
        return pods

    def _cpu_ready(self, pod: Mapping[str, Any], sample: Mapping[str, Any]) -> bool:
        """groupPods' CPU rule: a pod starting up counts only once it is Ready and a full window has been
        sampled since; later, only a pod that has never been Ready is left out."""
        condition, start = _ready_condition(pod), (pod.get("status") or {}).get("startTime")
        if condition is None or not start:
            return False
        epoch = self.clock.epoch
        started, changed = _seconds(start, epoch), _seconds(condition["lastTransitionTime"], epoch)
        if started + self.cpu_initialization_period > self.clock.now:
            window = float(sample["window"].rstrip("s"))
            return condition["status"] != "False" and _seconds(sample["timestamp"], epoch) >= changed + window
        return not (condition["status"] == "False" and started + self.initial_readiness_delay > changed)

    # --- normalisation without spec.behavior ----------------------------------------------------

    def _normalize(self, hpa: dict, key: str, current: int, proposal: int, minimum: int) -> int:
        """normalizeDesiredReplicas: the downscale stabilisation window, then the rate and min/max limits."""
        stabilized = self._stabilize(key, proposal)
        if stabilized != proposal:
            set_condition(hpa, "AbleToScale", "True", "ScaleDownStabilized",
                          "recent recommendations were higher than current one, "
                          "applying the highest recent recommendation", self.clock)
        else:
            set_condition(hpa, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size",
                          self.clock)
        maximum = hpa["spec"]["maxReplicas"]
        scale_up_limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
        if maximum > scale_up_limit:
            allowed, reason, message = scale_up_limit, "ScaleUpLimit", \
                "the desired replica count is increasing faster than the maximum scale rate"
        else:
            allowed, reason, message = maximum, "TooManyReplicas", \
                "the desired replica count is more than the maximum replica count"
        if stabilized < minimum:
            desired, reason, message = minimum, "TooFewReplicas", \
                "the desired replica count is less than the minimum replica count"
        elif stabilized > allowed:
            desired = allowed
        else:
            desired, reason, message = stabilized, "DesiredWithinRange", "the desired count is within the acceptable range"
        set_condition(hpa, "ScalingLimited", "False" if desired == stabilized else "True", reason, message, self.clock)
        return desired

    def _stabilize(self, key: str, proposal: int) -> int:
        """stabilizeRecommendation: the highest recommendation of the window; the oldest expired slot is reused."""
        now, cutoff = self.clock.now, self.clock.now - self.downscale_stabilization
        recommendations = self._recommendations.setdefault(key, [])
        highest, old = proposal, None
        for i, rec in enumerate(recommendations):
            if rec.at < cutoff:
                old = i
            elif rec.replicas > highest:
                highest = rec.replicas
        if old is not None:
            recommendations[old] = _Recommendation(proposal, now)
        else:
            recommendations.append(_Recommendation(proposal, now))
        return highest

    # --- normalisation with spec.behavior -------------------------------------------------------

    def _normalize_with_behaviors(self, hpa: dict, key: str, current: int, proposal: int, minimum: int) -> int:
        """normalizeDesiredReplicasWithBehaviors."""
        now, behavior = self.clock.now, hpa["spec"]["behavior"]
        up, down = behavior["scaleUp"], dict(behavior["scaleDown"])
        down.setdefault("stabilizationWindowSeconds", int(self.downscale_stabilization))  # maybeInit...Window
        stabilized, reason, message = self._stabilize_with_behaviors(key, current, proposal, up, down)
        if stabilized != proposal:
            set_condition(hpa, "AbleToScale", "True", reason, message, self.clock)
        else:
            set_condition(hpa, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size",
                          self.clock)
        desired, reason, message = self._rate_limited(key, current, stabilized, minimum, hpa["spec"]["maxReplicas"],
                                                      up, down)
        set_condition(hpa, "ScalingLimited", "False" if desired == stabilized else "True", reason, message, self.clock)
        return desired

    def _stabilize_with_behaviors(self, key: str, current: int, proposal: int, up: Mapping[str, Any],
                                  down: Mapping[str, Any]) -> tuple[int, str, str]:
        """stabilizeRecommendationWithBehaviors: no higher than the lowest recent recommendation of the
        scale-up window, no lower than the highest of the scale-down window."""
        now = self.clock.now
        up_cutoff = now - up.get("stabilizationWindowSeconds", 0)
        down_cutoff = now - down["stabilizationWindowSeconds"]
        up_limit = down_limit = proposal
        recommendations = self._recommendations.setdefault(key, [])
        old = None
        for i, rec in enumerate(recommendations):
            if rec.at > up_cutoff:
                up_limit = min(up_limit, rec.replicas)
            if rec.at > down_cutoff:
                down_limit = max(down_limit, rec.replicas)
            if rec.at < up_cutoff and rec.at < down_cutoff:
                old = i
        recommendation = min(max(current, up_limit), down_limit)
        if old is not None:
            recommendations[old] = _Recommendation(proposal, now)
        else:
            recommendations.append(_Recommendation(proposal, now))
        if proposal >= current:
            return recommendation, "ScaleUpStabilized", \
                "recent recommendations were lower than current one, applying the lowest recent recommendation"
        return recommendation, "ScaleDownStabilized", \
            "recent recommendations were higher than current one, applying the highest recent recommendation"

    def _changed_in_period(self, events: list[_ScaleEvent], period: float) -> int:
        """getReplicasChangePerPeriod."""
        cutoff = self.clock.now - period
        return sum(e.change for e in events if e.at > cutoff)

    def _period_limit(self, key: str, current: int, rules: Mapping[str, Any], up: bool) -> int:
        """calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors."""
        select = rules.get("selectPolicy", "Max")
        if select == "Disabled":
            return current
        pick: Callable[[int, int], int] = max if (select == "Max") == up else min
        result: int | None = None
        for policy in rules["policies"]:
            added = self._changed_in_period(self._scale_up_events.get(key, []), policy["periodSeconds"])
            removed = self._changed_in_period(self._scale_down_events.get(key, []), policy["periodSeconds"])
            start = current - added + removed
            if policy["type"] == "Pods":
                proposed = start + policy["value"] if up else start - policy["value"]
            elif up:  # rounded up, or a small count could never grow
                proposed = math.ceil(start * (1 + policy["value"] / 100))
            else:
                proposed = int(start * (1 - policy["value"] / 100))
            result = proposed if result is None else pick(result, proposed)
        return current if result is None else result

    def _rate_limited(self, key: str, current: int, desired: int, minimum: int, maximum: int,
                      up: Mapping[str, Any], down: Mapping[str, Any]) -> tuple[int, str, str]:
        """convertDesiredReplicasWithBehaviorRate."""
        if desired > current:
            limit = max(self._period_limit(key, current, up, up=True), current)
            if maximum > limit:
                allowed, reason, message = limit, "ScaleUpLimit", \
                    "the desired replica count is increasing faster than the maximum scale rate"
            else:
                allowed, reason, message = maximum, "TooManyReplicas", \
                    "the desired replica count is more than the maximum replica count"
            if desired > allowed:
                return allowed, reason, message
        elif desired < current:
            limit = min(self._period_limit(key, current, down, up=False), current)
            if minimum < limit:
                allowed, reason, message = limit, "ScaleDownLimit", \
                    "the desired replica count is decreasing faster than the maximum scale rate"
            else:
                allowed, reason, message = minimum, "TooFewReplicas", \
                    "the desired replica count is less than the minimum replica count"
            if desired < allowed:
                return allowed, reason, message
        return desired, "DesiredWithinRange", "the desired count is within the acceptable range"

    def _store_scale_event(self, hpa: Mapping[str, Any], key: str, previous: int, new: int) -> None:
        """storeScaleEvent: remember each change (with spec.behavior only), reusing an outdated slot."""
        behavior = hpa["spec"].get("behavior")
        if behavior is None:
            return
        up = new > previous
        rules = behavior["scaleUp" if up else "scaleDown"]
        events = (self._scale_up_events if up else self._scale_down_events).setdefault(key, [])
        longest = max((p["periodSeconds"] for p in rules.get("policies") or ()), default=0)
        cutoff = self.clock.now - longest
        for event in events:
            if event.at < cutoff:
                event.outdated = True
        event = _ScaleEvent(abs(new - previous), self.clock.now)
        for i, old in enumerate(events):
            if old.outdated:
                events[i] = event
                return
        events.append(event)
