"""k8scourse: learn how Kubernetes works inside, from a small faithful model of it.

Importing the package is cheap: heavy libraries (matplotlib, networkx,
ipywidgets) load only when a view or widget is used.
"""

from .api import LabelSelector, Selector, parse_selector, validate_labels

__version__ = "0.1.0"
__all__ = ["LabelSelector", "Selector", "parse_selector", "validate_labels"]
