"""k8scourse: learn how Kubernetes works inside, from a small faithful model of it.

Importing the package is cheap: the simulator, YAML, matplotlib, networkx
and ipywidgets load only when used. ``from k8scourse import Cluster`` works,
and imports the simulator at that moment (a module ``__getattr__``, PEP 562).
"""

from typing import Any

from .api import LabelSelector, Selector, parse_selector, validate_labels

__version__ = "0.1.0"
__all__ = ["Cluster", "LabelSelector", "Selector", "parse_selector", "validate_labels"]


def __getattr__(name: str) -> Any:
    """``k8scourse.Cluster``, imported on first use so that ``import k8scourse`` stays fast."""
    if name == "Cluster":
        from .cluster import Cluster

        return Cluster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext k8scourse`` registers ``%kubectl`` and ``%%kubectl``."""
    from .kubectl.magics import load_ipython_extension as register

    register(ipython)
