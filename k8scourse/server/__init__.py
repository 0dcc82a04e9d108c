"""The simulated cluster over HTTP, for the real kubectl: ``server = cluster.serve()``.

``app`` runs the HTTP server and the clock; ``handlers`` answers the REST verbs
through the course's APIServer; ``discovery``, ``tables``, ``watch``, ``patch``
and ``openapi`` are the pieces of the Kubernetes API that real clients need;
``cli`` is ``k8scourse serve``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Server", "ServeError"]


def __getattr__(name: str) -> Any:
    """``Server`` and ``ServeError`` load the HTTP server on first use, so that
    ``k8scourse --help`` (which imports ``cli``) stays quick."""
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
