"""Chapter 00's exercise checks: the warm-up selector.

The right answer is computed here from the Pods' labels, so the exercise
notebook shows neither the selector nor the Pods it should pick.
"""

from __future__ import annotations

from typing import Any

from k8scourse.api import parse_selector

from .checks import AnswerTypeError

#: Two releases in three environments: the warm-up's Pods and their labels.
WARM_UP_PODS: dict[str, dict[str, str]] = {
    "stable-dev": {"release": "stable", "environment": "dev"},
    "stable-test": {"release": "stable", "environment": "test"},
    "stable-prod": {"release": "stable", "environment": "prod"},
    "canary-dev": {"release": "canary", "environment": "dev"},
}


def selected(selector: str, pods: dict[str, dict[str, str]] = WARM_UP_PODS) -> list[str]:
    """The names of the Pods that ``selector`` (``kubectl -l`` syntax) selects, sorted."""
    chosen = parse_selector(selector)
    return sorted(name for name, labels in pods.items() if chosen.matches(labels))


def picks_stable_outside_prod(selector: Any) -> bool | str:
    """Whether ``selector`` picks exactly the stable Pods in dev or test; if not, why not."""
    if not isinstance(selector, str):
        raise AnswerTypeError('a selector as text in quotes, such as "release=stable"', selector)
    chosen = selected(selector)
    wanted = [name for name, labels in WARM_UP_PODS.items()
              if labels["release"] == "stable" and labels["environment"] in ("dev", "test")]
    if chosen == sorted(wanted):
        return True
    reasons = []
    for name in chosen:
        labels = WARM_UP_PODS[name]
        if labels["release"] != "stable":
            reasons.append(f"{name} is a {labels['release']} Pod")
        elif name not in wanted:
            reasons.append(f"{name} runs in {labels['environment']}")
    missed = [name for name in wanted if name not in chosen]
    if missed:
        reasons.append(f"it misses {', '.join(missed)}")
    return f"it selects {chosen or 'no Pod at all'}: {'; '.join(reasons)}."
