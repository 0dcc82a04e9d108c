"""k8scourse: learn how Kubernetes works inside, from a small faithful model of it.

Importing the package is cheap: the simulator, YAML, matplotlib, networkx
and ipywidgets load only when used (``from k8scourse.cluster import Cluster``).
"""

from typing import Any

from .api import LabelSelector, Selector, parse_selector, validate_labels

__version__ = "0.1.0"
__all__ = ["LabelSelector", "Selector", "parse_selector", "validate_labels"]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext k8scourse`` registers ``%kubectl`` and ``%%kubectl``."""
    from .kubectl.magics import load_ipython_extension as register

    register(ipython)
