"""Pictures of the cluster: networkx graphs, drawn with matplotlib.

Each view has a graph builder (plain data, for tests and learners to
inspect) and a ``draw_*`` function that lays it out the same way every time.
Importing this package loads networkx and matplotlib; ``import k8scourse``
does not.
"""

from .architecture import POD_CREATION_NOTES, architecture_graph, draw_architecture, pod_creation_path
from .placement import PlacementView, draw_placement, placement_graph
from .rollout import draw_rollouts

__all__ = [
    "POD_CREATION_NOTES",
    "PlacementView",
    "architecture_graph",
    "draw_architecture",
    "draw_placement",
    "draw_rollouts",
    "placement_graph",
    "pod_creation_path",
]
