"""Load: the clients outside the cluster, and the CPU their requests cost the pods that serve them.

Not a Kubernetes component: the world the cluster runs in. ``cluster.set_load("app=web",
cpu="800m")`` says "the traffic to the pods labelled ``app=web`` costs 800
millicores in all". As traffic behind a Service is, it is spread evenly over
the *ready* pods the selector matches (a pod that is not Ready is not among
the Service's endpoints and gets none), and it follows them as they come and
go: twice the pods, half the CPU each. What a pod can actually use is then
capped by its container limits and its node's cores, which the node's
cAdvisor applies (:mod:`k8scourse.node.cadvisor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from k8scourse.api.errors import FieldValidationError, invalid
from k8scourse.api.objects import kind_for
from k8scourse.api.quantity import QuantityError, parse_quantity
from k8scourse.api.selectors import Selector, parse_selector
from k8scourse.clock import VirtualClock


MAX_MILLI = 2**63 - 1  # int64, as Quantity.MilliValue returns


class PodLister(Protocol):
    """The pods as a shared informer caches them (``Informer.list``)."""

    def list(self, namespace: str | None = None, selector: Selector | None = None) -> list[Mapping[str, Any]]: ...


def is_ready(pod: Mapping[str, Any]) -> bool:
    """Ready and not being deleted: a pod a Service would send traffic to."""
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def parse_load(selector: Any, cpu: Any) -> tuple[Selector, int]:
    """Check ``set_load``'s arguments: a label selector and a non-negative CPU quantity (millicores)."""
    if not isinstance(selector, str):
        raise TypeError(f"set_load() takes a label selector string such as \"app=web\", got {type(selector).__name__}")
    if not isinstance(cpu, (str, int, float)) or isinstance(cpu, bool):
        raise TypeError(f"set_load() takes cpu as a quantity such as \"800m\", got {type(cpu).__name__}")
    try:
        parsed = parse_selector(selector)
    except ValueError as err:
        raise FieldValidationError([invalid("selector", selector, str(err))]) from None
    if not parsed.requirements:
        raise FieldValidationError([invalid("selector", selector,
                                            "must select some pods (an empty selector would load every pod)")])
    try:
        quantity = parse_quantity(cpu)
    except QuantityError as err:
        raise FieldValidationError([invalid("cpu", cpu, str(err))]) from None
    if quantity.sign() < 0:
        raise FieldValidationError([invalid("cpu", cpu, "must be greater than or equal to 0")])
    # A demand beyond int64 millicores (the range of Quantity.MilliValue) is held there: no node
    # serves even that much, so every pod is pinned at its limit or its node's cores either way.
    return parsed, min(quantity.milli_value(), MAX_MILLI)


class Load:
    """The CPU demand of the traffic to each group of pods, as ``set_load`` set it."""

    def __init__(self, pods: PodLister, clock: VirtualClock) -> None:
        self.pods, self.clock = pods, clock
        self._loads: dict[tuple[str, str], tuple[Selector, int]] = {}  # (namespace, selector) -> (parsed, milli)
        self._shares: tuple[float, dict[tuple[str, str], float]] | None = None  # (when, demand()) of the last call

    def set(self, selector: str, cpu: str | int | float, namespace: str = "default") -> None:
        """Total CPU demand ``cpu`` on the ready pods matching ``selector``; ``"0"`` removes the load."""
        parsed, milli = parse_load(selector, cpu)
        if milli:
            self._loads[(namespace, selector)] = (parsed, milli)
        else:
            self._loads.pop((namespace, selector), None)
        self._shares = None

    def total(self, selector: str, namespace: str = "default") -> int:
        """The millicores set for ``selector`` (0 when none)."""
        return self._loads.get((namespace, selector), (None, 0))[1]

    def demand(self) -> dict[str, dict[str, float]]:
        """Millicores each pod is asked for now, by namespace and then pod name; a pod under two loads gets both.

        Worked out once per instant: every node's cAdvisor asks at the same scrape."""
        if self._shares is not None and self._shares[0] == self.clock.now:
            return self._shares[1]
        shares: dict[str, dict[str, float]] = {}
        for (namespace, _), (selector, milli) in self._loads.items():
            names = [p["metadata"]["name"] for p in self.pods.list(namespace, selector) if is_ready(p)]
            in_namespace = shares.setdefault(namespace, {})
            for name in names:
                in_namespace[name] = in_namespace.get(name, 0.0) + milli / len(names)
        self._shares = (self.clock.now, shares)
        return shares


@dataclass(frozen=True)
class Sample:
    """One moment of :func:`drive`: the load set, what the HPA saw and did, and the pods serving."""

    t: float
    load_milli: int
    utilization: int | None  # the HPA's last reading (None: no metrics yet)
    replicas: int  # the target's spec.replicas, as the HPA last set it
    ready: int  # ready pods behind the selector


def drive(cluster: Any, selector: str, curve: Callable[[float], float], seconds: float, *, hpa: str,
          step: float = 15.0, namespace: str = "default") -> list[Sample]:
    """Run ``cluster`` for ``seconds``, setting the load to ``curve(t)`` millicores every ``step``.

    Returns a :class:`Sample` per step, for tables and plots of load,
    utilisation and replicas over time (``t`` counts from the call).
    """
    if not callable(curve):
        raise TypeError(f"drive() takes curve as a function of seconds giving millicores, got {type(curve).__name__}")
    start, samples = cluster.now, []
    ref_of = cluster.api.get("horizontalpodautoscalers", hpa, namespace)["spec"]["scaleTargetRef"]
    target = kind_for(ref_of.get("apiVersion", ""), ref_of["kind"]).RESOURCE
    parsed, _ = parse_load(selector, 0)
    while cluster.now - start < seconds - 1e-9:
        t = cluster.now - start
        milli = max(0, round(curve(t)))
        cluster.set_load(selector, cpu=f"{milli}m", namespace=namespace)
        cluster.run(step)
        status = cluster.api.get("horizontalpodautoscalers", hpa, namespace).get("status") or {}
        current = ((status.get("currentMetrics") or [{}])[0].get("resource") or {}).get("current") or {}
        ready = sum(1 for p in cluster.informers.informer("pods").list(namespace, parsed) if is_ready(p))
        replicas = cluster.api.get_scale(target, ref_of["name"], namespace)["spec"]["replicas"]
        samples.append(Sample(t + step, milli, current.get("averageUtilization"), replicas, ready))
    return samples


def scale_changes(samples: list[Sample]) -> int:
    """How many times the replica count changed between consecutive samples (a measure of flapping)."""
    return sum(1 for before, after in zip(samples, samples[1:]) if before.replicas != after.replicas)
