"""The simulated cluster over HTTP, for the real kubectl: ``server = cluster.serve()``.

``app`` runs the HTTP server and the clock; ``handlers`` answers the REST verbs
through the course's APIServer; ``discovery``, ``tables``, ``watch``, ``patch``
and ``openapi`` are the pieces of the Kubernetes API that real clients need.
"""

from .app import Server, ServeError

__all__ = ["Server", "ServeError"]
