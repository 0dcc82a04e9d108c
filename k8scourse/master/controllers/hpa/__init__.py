"""The HorizontalPodAutoscaler controller (``pkg/controller/podautoscaler/``).

``replica_calculator`` holds the arithmetic (a pure function, the public
:func:`calculate_replicas`); ``horizontal`` the control loop around it.
"""

from .horizontal import HorizontalController
from .replica_calculator import DEFAULT_TOLERANCE, MetricsError, calculate_replicas

__all__ = ["HorizontalController", "calculate_replicas", "MetricsError", "DEFAULT_TOLERANCE"]
