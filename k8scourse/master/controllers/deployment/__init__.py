"""The Deployment controller, split as upstream's ``pkg/controller/deployment``:
``deployment_controller`` (the loop), ``sync``, ``rolling``, ``recreate``,
``progress``, ``rollback`` and ``util`` (the pure arithmetic)."""

from .deployment_controller import DeploymentController

__all__ = ["DeploymentController"]
