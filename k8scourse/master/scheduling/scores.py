"""The Score plugins' formulas, over arrays of nodes.

Every score plugin gives each feasible node 0..100 (``MaxNodeScore``),
the framework multiplies by the plugin's weight in the profile and adds
up; the highest total wins. All arithmetic is integer where upstream's is
(``int64`` division truncates; scores are never negative here, so floor
division agrees) and float64 where upstream's is.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

MAX_NODE_SCORE = 100  # framework.MaxNodeScore

# Score plugins' weights in the default profile (pkg/scheduler/apis/config/v1/default_plugins.go).
# InterPodAffinity (2) and ImageLocality (1) are not modelled: course pods use no pod
# affinity and nodes report no images, where both give every node the same score.
WEIGHTS = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "NodeResourcesFit": 1,
    "PodTopologySpread": 2,
    "NodeResourcesBalancedAllocation": 1,
}


def least_requested_score(requested: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """(capacity - requested) * 100 / capacity (leastRequestedScore).

    0 when the node is over capacity or has none of the resource: the
    difference is then negative, or both are 0, and the clip catches it.
    """
    return np.maximum((capacity - requested) * MAX_NODE_SCORE // np.maximum(capacity, 1), 0)


def least_allocated(resources: Sequence[tuple[np.ndarray, np.ndarray, int]]) -> np.ndarray:
    """NodeResourcesFit's default LeastAllocated strategy: favour emptier nodes.

    ``resources``: (requested including the new pod, allocatable, weight) per
    resource; the default is cpu and memory, weight 1 each. The score is the
    weighted mean over the resources the node has (allocatable above 0);
    a node with none of them scores 0 (``leastResourceScorer``).
    """
    total: np.ndarray | int = 0
    weights: np.ndarray | int = 0
    for requested, allocatable, weight in resources:
        score, has = least_requested_score(requested, allocatable), allocatable != 0
        total = total + (score if weight == 1 else score * weight)
        weights = weights + (has if weight == 1 else has * weight)
    return total // np.maximum(weights, 1)


def balanced_allocation(cpu: tuple[np.ndarray, np.ndarray], memory: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """NodeResourcesBalancedAllocation: favour nodes whose cpu and memory are used alike.

    Each resource's fraction requested/allocatable (capped at 1, including the
    new pod); the score is (1 - std) * 100 truncated, where for two resources
    std is |f_cpu - f_memory| / 2, and 0 if the node lacks either
    (``balancedResourceScorer``).
    """
    (cpu_requested, cpu_allocatable), (memory_requested, memory_allocatable) = cpu, memory
    f_cpu = np.minimum(cpu_requested / np.maximum(cpu_allocatable, 1), 1.0)
    f_memory = np.minimum(memory_requested / np.maximum(memory_allocatable, 1), 1.0)
    std = np.abs((f_cpu - f_memory) / 2)
    std[(cpu_allocatable == 0) | (memory_allocatable == 0)] = 0.0
    return ((1.0 - std) * float(MAX_NODE_SCORE)).astype(np.int64)


def default_normalize(scores: np.ndarray, reverse: bool) -> np.ndarray:
    """Scale raw scores to 0..100 by the maximum, reversed for "fewer is better" (DefaultNormalizeScore)."""
    highest = int(scores.max(initial=0))
    if highest == 0:
        return np.full(len(scores), MAX_NODE_SCORE if reverse else 0, dtype=np.int64)
    scaled = MAX_NODE_SCORE * scores // highest
    return MAX_NODE_SCORE - scaled if reverse else scaled


def go_round(values: np.ndarray) -> np.ndarray:
    """Go's math.Round for non-negative values: halves round up (numpy's round goes to even)."""
    whole = np.floor(values)
    return (whole + (values - whole >= 0.5)).astype(np.int64)
