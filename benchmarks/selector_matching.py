"""How many label sets per second a parsed selector matches (target: 1,000,000/s).

Run: python benchmarks/selector_matching.py
"""

from __future__ import annotations

import random
import time

from k8scourse import parse_selector

SELECTOR = "app=web,tier in (frontend,backend),!canary"
N_PODS = 10_000
ROUNDS = 50


def make_pods(n: int, seed: int = 0) -> list[dict[str, str]]:
    """Five labels per pod, about half of them matching the selector."""
    rng = random.Random(seed)
    pods = []
    for i in range(n):
        labels = {
            "app": rng.choice(["web", "db"]),
            "tier": rng.choice(["frontend", "backend", "cache"]),
            "env": rng.choice(["dev", "prod"]),
            "pod-template-hash": f"{i % 97:05d}",
            "release": "stable",
        }
        if rng.random() < 0.1:
            labels["canary"] = "true"
            del labels["release"]
        pods.append(labels)
    return pods


def main() -> None:
    selector = parse_selector(SELECTOR)
    pods = make_pods(N_PODS)
    matches = selector.matches
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(ROUNDS):
            for labels in pods:
                matches(labels)
        best = min(best, time.perf_counter() - start)
    rate = N_PODS * ROUNDS / best
    hits = sum(map(matches, pods))
    print(f"selector: {selector}  ({len(selector.requirements)} requirements, 5-label pods)")
    print(f"matched {hits}/{N_PODS} pods")
    print(f"{rate:,.0f} matches/s (best of 5; target >= 1,000,000/s)")


if __name__ == "__main__":
    main()
