"""Who talks to whom in a Kubernetes cluster, as a graph and as a picture.

The graph has one vertex per component of the seed notes' Master and Node
sections, plus kubectl, and one directed edge per connection, pointing from
the side that opens it to the side that serves it. Watches ride on those
connections backwards: the scheduler opens a watch on the apiserver, and the
apiserver then pushes pod events down it. Two facts the picture makes plain:

* every component talks to **kube-apiserver**; none of them call each other;
* only kube-apiserver talks to **etcd**.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .canvas import axes_for

APISERVER, CONTROLLER_MANAGER, SCHEDULER, ETCD = "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"
KUBECTL = "kubectl"
KUBELET, KUBE_PROXY, RUNTIME, PODS = "kubelet", "kube-proxy", "container runtime", "pods"

MASTER_COMPONENTS = {
    APISERVER: "The only door to the cluster's state: a REST API to create, read, update, delete "
               "and watch every object. Every other component goes through it.",
    CONTROLLER_MANAGER: "Runs the controllers (replication, deployment, node lifecycle, ...) that keep "
                        "turning the actual state into the desired one.",
    SCHEDULER: "Picks a node for every pod that has none and writes that choice (a Binding).",
    ETCD: "The consistent key-value store holding every object under /registry/. "
          "Only kube-apiserver reads or writes it.",
}
NODE_COMPONENTS = {
    KUBELET: "Registers its node, watches the pods bound to it, starts their containers through the "
             "container runtime, reports their status and renews the node's lease.",
    KUBE_PROXY: "Watches Services and their endpoints and programs the node's iptables/IPVS rules so "
                "traffic to a Service reaches one of its pods.",
    RUNTIME: "Runs the containers. The seed notes name Docker Engine; today the kubelet talks to "
             "containerd or CRI-O through the Container Runtime Interface (CRI), since the built-in "
             "Docker support (dockershim) was removed in Kubernetes 1.24.",
    PODS: "The node's pods: each one a pause container holding the shared network namespace and IP, "
          "plus the application's containers.",
}
KUBECTL_DESCRIPTION = "The command-line client: turns commands into REST calls to kube-apiserver."


def node_component(node: str, component: str) -> str:
    """The graph id of a component on a node, e.g. ``node-1/kubelet``."""
    return f"{node}/{component}"


def architecture_graph(nodes: Sequence[str] = ("node-1", "node-2")) -> nx.DiGraph:
    """The cluster's components (vertices) and connections (edges, opener -> server).

    Vertex attributes: ``component``, ``host`` ("client", "master" or the
    node's name) and ``description``. Edge attributes: ``protocol`` and
    ``label`` (what travels over the connection). ``graph.graph["nodes"]``
    keeps the node names in their order, left to right in the picture.
    """
    graph = nx.DiGraph(nodes=list(nodes))
    graph.add_node(KUBECTL, component=KUBECTL, host="client", description=KUBECTL_DESCRIPTION)
    for component, description in MASTER_COMPONENTS.items():
        graph.add_node(component, component=component, host="master", description=description)
    graph.add_edge(KUBECTL, APISERVER, protocol="HTTPS REST", label="REST (HTTPS)")
    graph.add_edge(APISERVER, ETCD, protocol="gRPC", label="gRPC\n(only client)")
    graph.add_edge(SCHEDULER, APISERVER, protocol="HTTPS REST", label="watch pods, nodes\nbind pods")
    graph.add_edge(CONTROLLER_MANAGER, APISERVER, protocol="HTTPS REST", label="watch + write")
    for node in nodes:
        for component, description in NODE_COMPONENTS.items():
            graph.add_node(node_component(node, component), component=component, host=node,
                           description=description)
        kubelet, runtime = node_component(node, KUBELET), node_component(node, RUNTIME)
        graph.add_edge(kubelet, APISERVER, protocol="HTTPS REST",
                       label="register node, status,\nlease; watch its pods")
        # The apiserver dials the kubelet (port 10250, the seed's --kubelet-port)
        # for `kubectl logs`, `exec` and `port-forward`.
        graph.add_edge(APISERVER, kubelet, protocol="HTTPS", label="logs, exec\n(:10250)")
        graph.add_edge(node_component(node, KUBE_PROXY), APISERVER, protocol="HTTPS REST",
                       label="watch Services,\nendpoints")
        graph.add_edge(kubelet, runtime, protocol="CRI (gRPC)", label="CRI")
        graph.add_edge(runtime, node_component(node, PODS), protocol="Linux namespaces, cgroups",
                       label="runs containers")
    return graph


def pod_creation_path(node: str = "node-1") -> list[str]:
    """The components a new pod passes, from ``kubectl run`` to running containers on ``node``.

    Each hop goes through kube-apiserver: the scheduler and the kubelet learn
    about the pod from their watches, never from each other or from etcd.
    ``POD_CREATION_NOTES`` says what happens on each hop.
    """
    kubelet, runtime, pods = (node_component(node, c) for c in (KUBELET, RUNTIME, PODS))
    return [KUBECTL, APISERVER, ETCD, APISERVER, SCHEDULER, APISERVER, ETCD, APISERVER, kubelet, runtime, pods]


POD_CREATION_NOTES = (
    "POST /api/v1/namespaces/default/pods (authn, authz, admission, validation)",
    "store the pod under /registry/pods/default/<name>, spec.nodeName empty",
    "watch event: a new pod",
    "watch event: a pod with no node (the scheduler watches spec.nodeName=\"\")",
    "POST .../pods/<name>/binding: the node the scheduler picked",
    "store the pod again, now with spec.nodeName set",
    "watch event: the pod changed",
    "watch event: a pod bound to this node (the kubelet watches spec.nodeName=<node>)",
    "CRI: RunPodSandbox (the pause container), then CreateContainer, StartContainer",
    "the containers run; the kubelet reports the pod's status back to kube-apiserver",
)


# --- layout ---------------------------------------------------------------------------
# Data units; the figure is drawn at SCALE inches per unit.

BOX_W, BOX_H = 2.0, 0.62
WIDE_BOX_W = 2.5  # kube-controller-manager, container runtime
NODE_W, NODE_H, NODE_GAP = 4.6, 3.5, 0.5
MASTER_BOTTOM, MASTER_TOP, MIN_MASTER_W = 5.7, 8.9, 9.0
STEP_LINE = 0.36  # height of one line of the key under a path
SCALE = 1.05

COLORS = {  # face, edge
    "client": ("#eeeeee", "#555555"),
    "master": ("#dbe9f6", "#2b6cb0"),
    ETCD: ("#fde8cf", "#c05621"),
    "node": ("#ddf1e4", "#2f855a"),
    PODS: ("#ece4f7", "#6b46c1"),
}
PATH_COLOR = "#d62728"


def architecture_layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Hand-placed centres: master on top, nodes side by side below, kubectl above."""
    nodes = graph.graph["nodes"]
    mid = (len(nodes) * NODE_W + (len(nodes) - 1) * NODE_GAP) / 2
    pos = {
        KUBECTL: (mid, MASTER_TOP + 0.9),
        APISERVER: (mid, MASTER_BOTTOM + 0.75),
        ETCD: (mid - 3.2, MASTER_BOTTOM + 0.75),
        SCHEDULER: (mid - 2.4, MASTER_TOP - 0.85),
        CONTROLLER_MANAGER: (mid + 2.4, MASTER_TOP - 0.85),
    }
    for i, node in enumerate(nodes):
        left = i * (NODE_W + NODE_GAP)
        pos[node_component(node, KUBELET)] = (left + 1.45, 2.65)
        pos[node_component(node, KUBE_PROXY)] = (left + 3.45, 2.65)
        pos[node_component(node, RUNTIME)] = (left + 1.45, 1.55)
        pos[node_component(node, PODS)] = (left + 1.45, 0.5)
    return pos


def _style(graph: nx.DiGraph, vertex: str) -> tuple[str, str]:
    data = graph.nodes[vertex]
    if data["component"] in (ETCD, PODS):
        return COLORS[data["component"]]
    return COLORS[data["host"] if data["host"] in COLORS else "node"]


def _group_box(ax: Axes, x: float, y: float, w: float, h: float, title: str, edge: str) -> None:
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.2",
                                facecolor="white", edgecolor=edge, linewidth=1.4, linestyle="--", zorder=0))
    ax.text(x + 0.2, y + h - 0.2, title, ha="left", va="top", fontsize=11, fontweight="bold", color=edge)


def _bezier_point(a: tuple[float, float], b: tuple[float, float], rad: float, t: float) -> tuple[float, float]:
    """A point on matplotlib's ``arc3,rad=<rad>`` curve from a to b (equal-aspect axes)."""
    (x1, y1), (x2, y2) = a, b
    cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
    u = 1 - t
    return u * u * x1 + 2 * u * t * cx + t * t * x2, u * u * y1 + 2 * u * t * cy + t * t * y2


def _check_path(graph: nx.DiGraph, path: Sequence[str]) -> None:
    """Refuse hops between components that have no connection, and say why."""
    for vertex in path:
        if vertex not in graph:
            raise ValueError(f"unknown component {vertex!r}; components are: {', '.join(graph)}")
    for a, b in pairwise(path):
        if not (graph.has_edge(a, b) or graph.has_edge(b, a)):
            why = f" (only {APISERVER} talks to {ETCD})" if ETCD in (a, b) else ""
            raise ValueError(f"{a} and {b} do not talk to each other directly{why}: "
                             f"put {APISERVER} between them")


def draw_architecture(graph: nx.DiGraph, ax: Axes | None = None, path: Sequence[str] | None = None,
                      notes: Sequence[str] | None = None) -> Figure:
    """Draw the components and their connections; number the hops of ``path`` in red.

    ``path`` lists component ids, e.g. :func:`pod_creation_path`; each hop
    must follow a connection (in either direction: replies and watch events
    travel back along the connection the other side opened). A key under the
    picture lists the hops, each with its entry of ``notes`` if given
    (e.g. ``POD_CREATION_NOTES``).
    """
    hops = list(pairwise(path)) if path else []
    if path:
        _check_path(graph, path)
    if notes is not None and len(notes) != len(hops):
        raise ValueError(f"notes has {len(notes)} entries; the path has {len(hops)} hops")
    pos = architecture_layout(graph)
    nodes = graph.graph["nodes"]
    row_w = len(nodes) * NODE_W + (len(nodes) - 1) * NODE_GAP
    master_w = max(row_w, MIN_MASTER_W)
    left, right = row_w / 2 - master_w / 2, row_w / 2 + master_w / 2
    bottom = -0.2 - (len(hops) * STEP_LINE + 0.4 if hops else 0)
    top = MASTER_TOP + 1.4
    ax, _ = axes_for(ax, ((right - left + 0.4) * SCALE, (top - bottom) * SCALE))
    ax.set_xlim(left - 0.2, right + 0.2)
    ax.set_ylim(bottom, top)

    _group_box(ax, left, MASTER_BOTTOM, master_w, MASTER_TOP - MASTER_BOTTOM, "Master (control plane)",
               COLORS["master"][1])
    for i, node in enumerate(nodes):
        _group_box(ax, i * (NODE_W + NODE_GAP), 0, NODE_W, NODE_H, node, COLORS["node"][1])
    boxes = {vertex: _component_box(ax, graph, vertex, xy) for vertex, xy in pos.items()}
    for a, b, data in graph.edges(data=True):
        # A pair connected both ways gets two arcs, one on each side.
        rad = 0.18 if graph.has_edge(b, a) else 0.0
        _arrow(ax, boxes, pos, a, b, rad, color="#444444", linewidth=1.1, zorder=1)
        _edge_label(ax, graph, pos, a, b, rad, data["label"])

    seen: Counter[frozenset[str]] = Counter()
    for step, (a, b) in enumerate(hops, start=1):
        pair = frozenset((a, b))
        seen[pair] += 1
        # arc3 bends to the right of travel, so a->b and b->a land on opposite
        # sides; a hop taken again bends further out so it hides no other.
        rad = 0.2 + 0.15 * ((seen[pair] - 1) // 2)
        _arrow(ax, boxes, pos, a, b, rad, color=PATH_COLOR, linewidth=2.2, zorder=5)
        _step_number(ax, _bezier_point(pos[a], pos[b], rad, 0.6), step)
        y = -0.55 - (step - 1) * STEP_LINE
        _step_number(ax, (left + 0.3, y), step)
        text = f"{a} → {b}" + (f":  {notes[step - 1]}" if notes else "")
        ax.text(left + 0.6, y, text, ha="left", va="center", fontsize=9.5, color="#222222")
    return ax.figure


def _component_box(ax: Axes, graph: nx.DiGraph, vertex: str, xy: tuple[float, float]) -> FancyBboxPatch:
    face, edge = _style(graph, vertex)
    component = graph.nodes[vertex]["component"]
    w = WIDE_BOX_W if component in (CONTROLLER_MANAGER, RUNTIME) else BOX_W
    ax.text(*xy, component, ha="center", va="center", fontsize=10, zorder=3,
            fontweight="bold" if vertex == APISERVER else "normal")
    return ax.add_patch(FancyBboxPatch((xy[0] - w / 2, xy[1] - BOX_H / 2), w, BOX_H,
                                       boxstyle="round,pad=0,rounding_size=0.12", facecolor=face,
                                       edgecolor=edge, linewidth=1.5, zorder=2))


def _edge_label(ax: Axes, graph: nx.DiGraph, pos: dict[str, tuple[float, float]], a: str, b: str, rad: float,
                text: str) -> None:
    """Write an edge's label where it collides least with the others.

    Inside a node the label goes beside the short vertical arrow. Between a
    node and the master it goes near the node's end, so the many edges into
    kube-apiserver do not pile their labels up around it.
    """
    host_a, host_b, nodes = graph.nodes[a]["host"], graph.nodes[b]["host"], graph.graph["nodes"]
    if host_a == host_b != "master":
        x, y = _bezier_point(pos[a], pos[b], rad, 0.5)
        ax.text(x + 0.12, y, text, ha="left", va="center", fontsize=7.5, color="#333333")
        return
    t = 0.25 if host_a in nodes else 0.42 if host_b in nodes else 0.5
    x, y = _bezier_point(pos[a], pos[b], rad, t)
    ax.text(x, y, text, ha="center", va="center", fontsize=7.5, color="#333333", zorder=4, linespacing=1.1,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})


def _arrow(ax: Axes, boxes: dict[str, FancyBboxPatch], pos: dict[str, tuple[float, float]], a: str, b: str,
           rad: float, color: str, linewidth: float, zorder: int) -> None:
    """An arrow from box a to box b, clipped at their borders."""
    ax.annotate("", xy=pos[b], xytext=pos[a], zorder=zorder, arrowprops={
        "arrowstyle": "-|>", "color": color, "linewidth": linewidth, "mutation_scale": 6 + 6 * linewidth,
        "shrinkA": 1, "shrinkB": 1, "patchA": boxes[a], "patchB": boxes[b],
        "connectionstyle": f"arc3,rad={rad}"})


def _step_number(ax: Axes, xy: tuple[float, float], step: int) -> None:
    ax.text(*xy, str(step), ha="center", va="center", fontsize=8, fontweight="bold", color="white", zorder=6,
            bbox={"boxstyle": "circle,pad=0.2", "facecolor": PATH_COLOR, "edgecolor": "white"})
