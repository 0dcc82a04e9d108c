"""Pictures of the cluster: networkx graphs, drawn with matplotlib.

Each view has a graph builder or reader (plain data, for tests and learners
to inspect) and a ``draw_*`` function that lays it out the same way every
time, at a size JupyterLab shows without shrinking it (see :mod:`.canvas`):

* ``draw_architecture``: the components and who talks to whom;
* ``draw_request_path``: a request's hops in time order (``pod_creation_path``);
* ``draw_placement``: which pods run on which node, coloured by a label;
* ``draw_pod_anatomy``: a running Pod's sandbox, containers, IP and volumes;
* ``draw_backoff``: the CrashLoopBackOff pauses measured on a cluster;
* ``draw_timeline``: nodes' and pods' states over time (``cluster.timeline``);
* ``draw_raft`` and ``draw_raft_timeline``: an etcd cluster's members and who led when (``raft_graph``),
  ``draw_failover_times`` how long it was without a leader;
* ``draw_autoscaling``: load, utilisation and replicas of an HPA over time;
* ``draw_network``: flannel's hosts, devices and pods, and a packet's path (``network_graph``).
Importing this package loads networkx and matplotlib; ``import k8scourse``
does not.
"""

from .architecture import (
    POD_CREATION_NOTES,
    architecture_graph,
    draw_architecture,
    draw_request_path,
    pod_creation_path,
)
from .autoscaling import draw_autoscaling
from .backoff import draw_backoff
from .network import draw_network, network_graph
from .placement import PlacementView, draw_placement, placement_graph
from .pod import draw_pod_anatomy
from .raft import draw_failover_times, draw_raft, draw_raft_timeline, raft_graph
from .rollout import draw_rollouts
from .services import draw_request_spread, draw_requests_over_time
from .timeline import draw_timeline

__all__ = [
    "POD_CREATION_NOTES",
    "PlacementView",
    "architecture_graph",
    "draw_autoscaling",
    "draw_architecture",
    "draw_backoff",
    "draw_network",
    "draw_placement",
    "draw_pod_anatomy",
    "draw_failover_times",
    "draw_raft",
    "draw_raft_timeline",
    "draw_request_path",
    "draw_rollouts",
    "draw_request_spread",
    "draw_requests_over_time",
    "draw_timeline",
    "network_graph",
    "placement_graph",
    "raft_graph",
    "pod_creation_path",
]
