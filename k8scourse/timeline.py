"""A timeline of the cluster: how each node and pod changed while the clock ran.

``cluster.timeline(400, every=5)`` runs the cluster for 400 virtual seconds,
looks at it every 5 s as ``kubectl get`` would, and keeps each change::

    TIME   OBJECT        STATE
    0s     node/node-2   Ready
    0s     pod/web       Running, Ready=True, on node-2
    50s    node/node-2   NotReady, taints: node.kubernetes.io/unreachable:NoSchedule
    ...

A node's state is its STATUS column and its taints; a pod's its STATUS column
(``Terminating`` once deleted), its Ready condition and its node. Looking
changes nothing: it reads the apiserver as kubectl does.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any, Mapping, Protocol

from k8scourse.api.errors import FieldValidationError, invalid
from k8scourse.kubectl.printers import node_status, pod_status
from k8scourse.kubectl.tabwriter import table
from k8scourse.timefmt import EPOCH

GONE = "(deleted)"


class Runnable(Protocol):
    """What a timeline needs of a cluster: its apiserver and its clock."""

    api: Any
    now: float

    def run(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class Change:
    """``object`` (``node/NAME`` or ``pod/NAME``) took on ``state`` at ``seconds`` into the recording."""

    seconds: float
    object: str
    state: str


def node_state(node: Mapping[str, Any]) -> str:
    """``Ready`` / ``NotReady``, and the node's taints as ``key:Effect``."""
    taints = [f"{t['key']}:{t['effect']}" for t in (node.get("spec") or {}).get("taints") or ()]
    return node_status(node) + (f", taints: {' '.join(taints)}" if taints else "")


def pod_state(pod: Mapping[str, Any], now: float) -> str:
    """kubectl's STATUS, the pod's Ready condition and its node."""
    ready = next((c.get("status") for c in (pod.get("status") or {}).get("conditions") or ()
                  if c.get("type") == "Ready"), "None")
    node = pod["spec"].get("nodeName") or "no node"
    return f"{pod_status(pod, now)[1]}, Ready={ready}, on {node}"


class Timeline:
    """The changes seen, in time order; ``str()`` is a table, ``states(obj)`` one object's story."""

    def __init__(self, changes: list[Change], seconds: float) -> None:
        self.changes, self.seconds = changes, seconds

    def objects(self) -> list[str]:
        """Every object seen, nodes first, in the order they appeared."""
        seen = dict.fromkeys(c.object for c in self.changes)
        return sorted(seen, key=lambda o: not o.startswith("node/"))

    def states(self, obj: str) -> list[tuple[float, str]]:
        """``(seconds, state)`` for each change of ``obj`` (``"node/node-2"``, ``"pod/web"``)."""
        return [(c.seconds, c.state) for c in self.changes if c.object == obj]

    def __str__(self) -> str:
        rows = [["TIME", "OBJECT", "STATE"]]
        rows += [[f"{c.seconds:g}s", c.object, c.state] for c in self.changes]
        return table(rows)

    def __repr__(self) -> str:
        return f"<Timeline {self.seconds:g}s, {len(self.changes)} changes of {len(self.objects())} objects>"

    def segments(self, obj: str) -> list[tuple[float, float, str]]:
        """``(start, end, state)`` for each stretch of time ``obj`` spent in one state."""
        states = self.states(obj)
        ends = [t for t, _ in states[1:]] + [self.seconds]
        return [(start, end, state) for (start, state), end in zip(states, ends)]

    def draw(self, ax: Any = None) -> Any:
        """The timeline as a chart (:func:`k8scourse.viz.timeline.draw_timeline`)."""
        from k8scourse.viz.timeline import draw_timeline  # matplotlib only when drawing

        return draw_timeline(self, ax)


def snapshot(api: Any, now: float, namespace: str) -> dict[str, str]:
    """Every node's and every pod's state (pods of ``namespace``) at this instant; ``now`` as seconds
    since ``timefmt.EPOCH`` (``clock.since(EPOCH)``), the scale the printers read timestamps on."""
    states = {f"node/{n['metadata']['name']}": node_state(n)
              for n in sorted(api.list("nodes"), key=lambda n: n["metadata"]["name"])}
    for pod in sorted(api.list("pods", namespace), key=lambda p: p["metadata"]["name"]):
        states[f"pod/{pod['metadata']['name']}"] = pod_state(pod, now)
    return states


def record(cluster: Runnable, seconds: float, every: float = 1.0, namespace: str = "default") -> Timeline:
    """Run ``cluster`` for ``seconds``, looking every ``every`` seconds; keep what changed."""
    for name, value in (("seconds", seconds), ("every", every)):
        if not isinstance(value, Real) or isinstance(value, bool):
            raise TypeError(f"timeline() takes {name} as a number of seconds, got {type(value).__name__}")
    if every <= 0:
        raise FieldValidationError([invalid("every", every, "must be greater than 0")])
    if seconds < 0:
        raise FieldValidationError([invalid("seconds", seconds, "must be greater than or equal to 0")])
    changes: list[Change] = []
    last: dict[str, str] = {}
    elapsed = 0.0
    while True:
        now = snapshot(cluster.api, cluster.api.clock.since(EPOCH), namespace)
        for obj in [*last, *(o for o in now if o not in last)]:
            state = now.get(obj, GONE)
            if last.get(obj) != state:
                changes.append(Change(round(elapsed, 9), obj, state))
        last = now
        if elapsed >= seconds - 1e-9:
            return Timeline(changes, elapsed)
        step = min(every, seconds - elapsed)
        cluster.run(step)
        elapsed += step
