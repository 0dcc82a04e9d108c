"""One scheduling cycle: filter the nodes, score the survivors, pick one, or say why none.

``Framework.schedule(pod)`` follows ``schedulePod`` in
``pkg/scheduler/schedule_one.go``:

1. **filter** from where the last cycle stopped (``nextStartNodeIndex``),
   going round the node list, until enough feasible nodes are found: all of
   them in small clusters, an adaptive share in big ones
   (``numFeasibleNodesToFind``, the docs' "Scheduler Performance Tuning");
2. a single feasible node is taken without scoring;
3. **score** the feasible nodes with each score plugin, times its weight;
4. **pick** a node with the highest total. Upstream breaks ties uniformly
   at random (reservoir sampling in ``selectHost``; recent releases give
   each node a random tie-break key); here one draw from the cluster's
   seeded RNG picks among the tied nodes, so a seed fixes every placement;
5. if no node is feasible, raise ``FitError`` with the FailedScheduling
   message: a count per reason, then what the PostFilter plugins (dynamic
   resources, preemption) had to say.
"""

from __future__ import annotations

import random
from collections import Counter
from numbers import Integral
from typing import NamedTuple

import numpy as np

from k8scourse.api.errors import FieldValidationError, invalid

from .cache import Cache
from .filters import (
    NODE_RESOURCES_FIT,
    PlacementVerdict,
    PlacementVerdicts,
    resource_misfits,
)
from .podinfo import PodInfo
from .scores import WEIGHTS, balanced_allocation, default_normalize, least_allocated
from .snapshot import Snapshot
from .spread import DefaultSpreading

# schedule_one.go
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NO_NODES_AVAILABLE = "no nodes available to schedule pods"  # ErrNoNodesAvailable

# PostFilter messages of DefaultPreemption. (Dynamic resource allocation, off by
# default at the course's v1.31, adds "no new claims to deallocate, " before them.)
NOT_HELPFUL = "Preemption is not helpful for scheduling"  # preemption.go nodesWherePreemptionMightHelp
NO_VICTIMS = "No preemption victims found for incoming pod"  # SelectVictimsOnNode
NOT_ELIGIBLE = "not eligible due to preemptionPolicy=Never."  # PodEligibleToPreemptOthers


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """How many feasible nodes are enough (numFeasibleNodesToFind).

    Under 100 nodes: all. Otherwise ``percentage`` of them, where 0 means
    adaptive: 50 % minus 1 % per 125 nodes, at least 5 %; and never fewer than 100.
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage == 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


class NoNodesAvailable(Exception):
    """The cluster has no nodes at all."""

    def __init__(self) -> None:
        super().__init__(NO_NODES_AVAILABLE)


class FitError(Exception):
    """No node can take the pod. ``str()`` is the FailedScheduling message;
    ``plugins`` are the filters that turned nodes down (they decide which
    cluster events make the pod worth retrying)."""

    def __init__(self, message: str, plugins: frozenset[str]) -> None:
        super().__init__(message)
        self.plugins = plugins


class ScheduleResult(NamedTuple):
    node: str
    evaluated: int  # nodes looked at
    feasible: int  # of which passed the filters


def _histogram(counts: Counter[str]) -> str:
    """``"3 Insufficient cpu, 1 node(s) were unschedulable"``: sorted as strings, as upstream does."""
    return ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items() if n))


class Framework:
    """The default profile, run over the cache's nodes."""

    def __init__(self, cache: Cache, spreading: DefaultSpreading, rng: random.Random,
                 percentage_of_nodes_to_score: int = 0) -> None:
        if not isinstance(percentage_of_nodes_to_score, Integral) or isinstance(percentage_of_nodes_to_score, bool):
            raise TypeError(f"percentage_of_nodes_to_score takes an int from 0 to 100, "
                            f"got {type(percentage_of_nodes_to_score).__name__}")
        if not 0 <= percentage_of_nodes_to_score <= 100:
            raise FieldValidationError([invalid("percentageOfNodesToScore", percentage_of_nodes_to_score,
                                                "not in valid range [0-100]")])
        self.cache, self.spreading, self.rng = cache, spreading, rng
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.snapshot = Snapshot()
        self.verdicts = PlacementVerdicts()
        self.next_start_node_index = 0

    def schedule(self, pod: PodInfo) -> ScheduleResult:
        """Choose a node for ``pod``; raise FitError or NoNodesAvailable if there is none."""
        snapshot = self.snapshot
        snapshot.update(self.cache)
        n = len(snapshot)
        if n == 0:
            raise NoNodesAvailable()
        verdict = self.verdicts.get(pod.placement, snapshot)
        start = self.next_start_node_index % n
        found, evaluated = self._find_feasible(pod, verdict, start)
        self.next_start_node_index = (start + evaluated) % n
        if len(found) == 0:
            raise self._fit_error(pod, verdict)
        if len(found) == 1:
            return ScheduleResult(snapshot.nodes[found[0]].name, evaluated, 1)
        totals = sum(self.scores(pod, verdict, found).values(), np.zeros(len(found), dtype=np.int64))
        best = np.flatnonzero(totals == totals.max())
        row = found[best[self.rng.randrange(len(best))] if len(best) > 1 else best[0]]
        return ScheduleResult(snapshot.nodes[row].name, evaluated, len(found))

    def _find_feasible(self, pod: PodInfo, verdict: PlacementVerdict, start: int) -> tuple[np.ndarray, int]:
        """The feasible rows to score, and how many rows were looked at (findNodesThatPassFilters).

        The search starts where the last cycle stopped (``nextStartNodeIndex``),
        goes round the list, and stops once enough feasible nodes are found. Like
        upstream's parallel workers, it checks nodes a chunk at a time; the node
        after the last one kept is not counted as looked at, any before it are.
        """
        n = len(self.snapshot)
        wanted = num_feasible_nodes_to_find(self.percentage_of_nodes_to_score, n)
        chunk = 2 * (wanted + 1)
        parts, total = [], 0
        for begin, end in ((start, n), (0, start)):
            for lo in range(begin, end, chunk):
                rows = slice(lo, min(lo + chunk, end))
                feasible = verdict.passed[rows]
                for misfit in resource_misfits(pod, self.snapshot, rows):
                    feasible = feasible & ~misfit.rows
                parts.append(lo + np.flatnonzero(feasible))
                total += len(parts[-1])
                if total > wanted:
                    found = np.concatenate(parts)
                    return found[:wanted], int(found[wanted] - start) % n
        return np.concatenate(parts), n

    def scores(self, pod: PodInfo, verdict: PlacementVerdict, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Each score plugin's weighted scores for the feasible ``rows``; plugins that skip the pod are left out."""
        s = self.snapshot
        scores = {
            # fewer untolerated PreferNoSchedule taints is better
            "TaintToleration": default_normalize(verdict.prefer_no_schedule[rows], reverse=True),
            # LeastAllocated on cpu and memory, weight 1 each, counting unset requests as 100m/200MB
            "NodeResourcesFit": least_allocated((
                (s.non_zero_cpu[rows] + pod.non_zero.cpu, s.allocatable_cpu[rows], 1),
                (s.non_zero_memory[rows] + pod.non_zero.memory, s.allocatable_memory[rows], 1))),
        }
        if verdict.preferred is not None:  # NodeAffinity skips pods without preferred terms
            scores["NodeAffinity"] = default_normalize(verdict.preferred[rows], reverse=False)
        if pod.requests.cpu or pod.requests.memory:  # BalancedAllocation skips best-effort pods
            scores["NodeResourcesBalancedAllocation"] = balanced_allocation(
                (s.requested_cpu[rows] + pod.requests.cpu, s.allocatable_cpu[rows]),
                (s.requested_memory[rows] + pod.requests.memory, s.allocatable_memory[rows]))
        spread = self.spreading.scores(pod, s, rows, verdict)
        if spread is not None:
            scores["PodTopologySpread"] = spread
        return {plugin: score * WEIGHTS[plugin] for plugin, score in scores.items()}

    def _fit_error(self, pod: PodInfo, verdict: PlacementVerdict) -> FitError:
        """Every node was looked at and turned down: count the reasons (FitError.Error),
        then add what DefaultPreemption's PostFilter said.

        Preemption is tried only on nodes a resource fit turned down; the
        others are "not helpful" (nodesWherePreemptionMightHelp). Preemption
        itself is not modelled: on those nodes the message says no victims
        were found, which is what upstream says when no pod there has a lower
        priority than this one (SelectVictimsOnNode).
        """
        n = len(self.snapshot)
        reasons = Counter(verdict.failures)
        plugins = set(verdict.plugins)
        for misfit in resource_misfits(pod, self.snapshot):
            count = int(np.count_nonzero(misfit.rows & verdict.passed))
            reasons[misfit.reason] += count
            if count:
                plugins.add(NODE_RESOURCES_FIT)
        if pod.preemption_policy == "Never":
            preemption = NOT_ELIGIBLE
        else:
            not_helpful = int(np.count_nonzero(~verdict.passed))
            preemption = f"0/{n} nodes are available: " \
                         f"{_histogram(Counter({NOT_HELPFUL: not_helpful, NO_VICTIMS: n - not_helpful}))}."
        # Each part ends with " %v." (SeparatorFormat); the PostFilter's own text
        # already ends with a full stop, so the message ends with two.
        message = f"0/{n} nodes are available: {_histogram(reasons)}. preemption: {preemption}."
        return FitError(message, frozenset(plugins))
