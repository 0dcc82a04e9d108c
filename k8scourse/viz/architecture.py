"""Who talks to whom in a Kubernetes cluster, as a graph and as two pictures.

The graph has one vertex per component of the seed notes' Master and Node
sections, plus kubectl, and one directed edge per connection, pointing from
the side that opens it to the side that serves it. Watches ride on those
connections backwards: the scheduler opens a watch on the apiserver, and the
apiserver then pushes pod events down it. Two facts the picture makes plain:

* every component talks to **kube-apiserver**; none of them call each other;
* of Kubernetes' own components, only kube-apiserver talks to **etcd**.
  (Not the only etcd client in the notes' cluster: their flanneld reads its
  network config from etcd too, chapter 10.)

Two drawings: :func:`draw_architecture`, the components and their
connections with kube-apiserver as the hub in the middle, and
:func:`draw_request_path`, a request's hops from component to component in
time order (a sequence diagram), with a numbered key.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from itertools import pairwise

import networkx as nx
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .canvas import LABEL, MAX_WIDTH, SMALL, axes_for, ensure_legible, text_width

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
          "Of Kubernetes' components only kube-apiserver reads or writes it.",
}
NODE_COMPONENTS = {
    KUBELET: "Registers its node, watches the pods bound to it, starts their containers through the "
             "container runtime, reports their status and renews the node's lease.",
    KUBE_PROXY: "Watches Services and their EndpointSlices and programs the node's iptables/IPVS rules so "
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
    node's name) and ``description``. Edge attributes: ``protocol``,
    ``label`` (what travels over the connection) and ``watch`` (the opener
    keeps a watch open on it, so events also flow back from the server).
    ``graph.graph["nodes"]`` keeps the node names in their order, top to
    bottom in the picture.
    """
    graph = nx.DiGraph(nodes=list(nodes))
    graph.add_node(KUBECTL, component=KUBECTL, host="client", description=KUBECTL_DESCRIPTION)
    for component, description in MASTER_COMPONENTS.items():
        graph.add_node(component, component=component, host="master", description=description)
    graph.add_edge(KUBECTL, APISERVER, protocol="HTTPS REST", label="REST (HTTPS)", watch=False)
    # kube-apiserver watches etcd to feed its watch cache (storage/cacher).
    graph.add_edge(APISERVER, ETCD, protocol="gRPC", label="gRPC", watch=True)
    graph.add_edge(SCHEDULER, APISERVER, protocol="HTTPS REST", label="watch pods, nodes;\nbind pods", watch=True)
    graph.add_edge(CONTROLLER_MANAGER, APISERVER, protocol="HTTPS REST", label="watch + write", watch=True)
    for node in nodes:
        for component, description in NODE_COMPONENTS.items():
            graph.add_node(node_component(node, component), component=component, host=node,
                           description=description)
        kubelet, runtime = node_component(node, KUBELET), node_component(node, RUNTIME)
        graph.add_edge(kubelet, APISERVER, protocol="HTTPS REST", label="register, status, lease;\nwatch its pods",
                       watch=True)
        # The apiserver dials the kubelet (port 10250, the seed's --kubelet-port)
        # for `kubectl logs`, `exec` and `port-forward`; nothing else travels there.
        graph.add_edge(APISERVER, kubelet, protocol="HTTPS", label="logs, exec (:10250)", watch=False)
        # kube-proxy watches Services and EndpointSlices (pkg/proxy/config/config.go).
        graph.add_edge(node_component(node, KUBE_PROXY), APISERVER, protocol="HTTPS REST",
                       label="watch Services,\nEndpointSlices", watch=True)
        graph.add_edge(kubelet, runtime, protocol="CRI (gRPC)", label="CRI", watch=False)
        graph.add_edge(runtime, node_component(node, PODS), protocol="Linux namespaces, cgroups",
                       label="runs", watch=False)
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

COLORS = {  # face, edge
    "client": ("#eeeeee", "#555555"),
    "master": ("#dbe9f6", "#2b6cb0"),
    ETCD: ("#fde8cf", "#c05621"),
    "node": ("#ddf1e4", "#2f855a"),
    PODS: ("#ece4f7", "#6b46c1"),
}
EDGE_COLOR, LABEL_COLOR, PATH_COLOR = "#444444", "#333333", "#d62728"


def _style(graph: nx.DiGraph, vertex: str) -> tuple[str, str]:
    data = graph.nodes[vertex]
    if data["component"] in (ETCD, PODS):
        return COLORS[data["component"]]
    return COLORS[data["host"] if data["host"] in COLORS else "node"]


def _box(ax: Axes, center: tuple[float, float], size: tuple[float, float], text: str, style: tuple[str, str],
         bold: bool = False, fontsize: float = LABEL) -> None:
    (x, y), (w, h) = center, size
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.08",
                                facecolor=style[0], edgecolor=style[1], linewidth=1.4, zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=3, linespacing=1.1,
            fontweight="bold" if bold else "normal")


def _group(ax: Axes, x: float, y: float, w: float, h: float, title: str, edge: str) -> None:
    """A dashed frame around a machine's components, titled in its top-left corner."""
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.12", facecolor="white",
                                edgecolor=edge, linewidth=1.3, linestyle="--", zorder=0))
    ax.text(x + 0.12, y + h - 0.1, title, ha="left", va="top", fontsize=LABEL, fontweight="bold", color=edge)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = EDGE_COLOR,
           linewidth: float = 1.2, linestyle: str = "-", zorder: int = 1) -> FancyArrowPatch:
    return ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11, color=color,
                                        linewidth=linewidth, linestyle=linestyle, shrinkA=0, shrinkB=0,
                                        zorder=zorder))


def _edge_label(ax: Axes, x: float, y: float, text: str, above: bool = True) -> None:
    ax.text(x, y + (0.05 if above else -0.05), text, ha="center", va="bottom" if above else "top",
            fontsize=SMALL, color=LABEL_COLOR, linespacing=1.1)


# --- the components: kube-apiserver in the middle ---------------------------------------
# Inches. Master components in a column on the left, kube-apiserver a tall bar
# right of them, the nodes stacked on the right: every connection to the
# apiserver is a short horizontal arrow with its label above or below it.

COMPONENT_H = 0.42
MASTER_X, MASTER_W = 1.12, 1.85  # centre and width of the master column's boxes
BAR_X0, BAR_X1 = 3.3, 4.1  # kube-apiserver
NODE_X0, NODE_X1 = 5.75, 9.4  # a node's frame
KUBELET_X, RUNTIME_X, PODS_X = 6.35, 7.72, 8.93
KUBELET_W, RUNTIME_W, PODS_W = 0.9, 1.05, 0.65
NODE_H, NODE_GAP = 1.75, 0.2
TOP = 1.05  # above the master frame: kubectl


def architecture_layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Centre of every component, in inches: master column left, kube-apiserver in the middle, nodes right."""
    nodes = graph.graph["nodes"]
    body = _body_height(len(nodes))
    top = body + 0.15  # the top of the master column and of the first node
    pos = {KUBECTL: ((BAR_X0 + BAR_X1) / 2, top + TOP - 0.25), APISERVER: ((BAR_X0 + BAR_X1) / 2, top - body / 2)}
    for i, component in enumerate((SCHEDULER, CONTROLLER_MANAGER, ETCD)):
        pos[component] = (MASTER_X, top - (i + 0.5) * body / 3)
    for i, node in enumerate(nodes):
        kubelet_y = top - i * (NODE_H + NODE_GAP) - 0.65
        pos[node_component(node, KUBELET)] = (KUBELET_X, kubelet_y)
        pos[node_component(node, RUNTIME)] = (RUNTIME_X, kubelet_y)
        pos[node_component(node, PODS)] = (PODS_X, kubelet_y)
        pos[node_component(node, KUBE_PROXY)] = (KUBELET_X, kubelet_y - 0.75)
    return pos


def _body_height(nodes: int) -> float:
    return max(nodes * NODE_H + (nodes - 1) * NODE_GAP, 2.9)


def draw_architecture(graph: nx.DiGraph, ax: Axes | None = None, path: Sequence[str] | None = None,
                      notes: Sequence[str] | None = None) -> Figure:
    """Draw the components and their connections, each labelled with what travels over it.

    With ``path`` (and ``notes``) this draws :func:`draw_request_path`
    instead, as the first version of this function did on the same picture.
    """
    if path is not None:
        return draw_request_path(graph, path, notes, ax=ax)
    nodes = graph.graph["nodes"]
    body = _body_height(len(nodes))
    top = body + 0.15
    owned = ax is None  # a figure we make is checked for legibility; yours is yours
    ax = axes_for(ax, MAX_WIDTH, top + TOP)
    pos = architecture_layout(graph)

    _group(ax, 0.1, 0.05, BAR_X1 + 0.08 - 0.1, top + 0.35 - 0.05, "Master (control plane)", COLORS["master"][1])
    bar_bottom = 0.15
    ax.add_patch(FancyBboxPatch((BAR_X0, bar_bottom), BAR_X1 - BAR_X0, top - bar_bottom,
                                boxstyle="round,pad=0,rounding_size=0.1", facecolor=COLORS["master"][0],
                                edgecolor=COLORS["master"][1], linewidth=2, zorder=2))
    ax.text((BAR_X0 + BAR_X1) / 2, top - body / 2, "kube-\napiserver", ha="center", va="center",
            fontsize=LABEL, fontweight="bold", zorder=3)

    kx, ky = pos[KUBECTL]
    _box(ax, (kx, ky), (1.0, 0.36), KUBECTL, COLORS["client"])
    _arrow(ax, (kx, ky - 0.18), (kx, top))
    ax.text(kx + 0.12, (ky - 0.18 + top + 0.35) / 2, graph.edges[KUBECTL, APISERVER]["label"], ha="left",
            va="center", fontsize=SMALL, color=LABEL_COLOR)

    label_x = (MASTER_X + MASTER_W / 2 + BAR_X0) / 2
    for component in (SCHEDULER, CONTROLLER_MANAGER, ETCD):
        x, y = pos[component]
        _box(ax, (x, y), (MASTER_W, COMPONENT_H), component, _style(graph, component))
        edge = (APISERVER, ETCD) if component == ETCD else (component, APISERVER)
        ends = [(x + MASTER_W / 2, y), (BAR_X0, y)]
        _arrow(ax, *(ends[::-1] if component == ETCD else ends))
        _edge_label(ax, label_x, y, graph.edges[edge]["label"])

    gap_x = (BAR_X1 + 0.08 + NODE_X0) / 2
    for i, node in enumerate(nodes):
        node_top = top - i * (NODE_H + NODE_GAP)
        _group(ax, NODE_X0, node_top - NODE_H, NODE_X1 - NODE_X0, NODE_H, node, COLORS["node"][1])
        kubelet, proxy, runtime, pods = (node_component(node, c) for c in (KUBELET, KUBE_PROXY, RUNTIME, PODS))
        y, proxy_y = pos[kubelet][1], pos[proxy][1]
        left = KUBELET_X - KUBELET_W / 2
        _arrow(ax, (left, y + 0.09), (BAR_X1, y + 0.09))
        _edge_label(ax, gap_x, y + 0.09, graph.edges[kubelet, APISERVER]["label"])
        _arrow(ax, (BAR_X1, y - 0.09), (left, y - 0.09))
        _edge_label(ax, gap_x, y - 0.09, graph.edges[APISERVER, kubelet]["label"], above=False)
        _arrow(ax, (left, proxy_y), (BAR_X1, proxy_y))
        _edge_label(ax, gap_x, proxy_y, graph.edges[proxy, APISERVER]["label"])
        _box(ax, pos[kubelet], (KUBELET_W, COMPONENT_H), KUBELET, _style(graph, kubelet))
        _box(ax, pos[proxy], (KUBELET_W, COMPONENT_H), KUBE_PROXY, _style(graph, proxy))
        _box(ax, pos[runtime], (RUNTIME_W, 0.55), "container\nruntime", _style(graph, runtime))
        _box(ax, pos[pods], (PODS_W, COMPONENT_H), PODS, _style(graph, pods))
        for (a, a_w), (b, b_w) in pairwise([(kubelet, KUBELET_W), (runtime, RUNTIME_W), (pods, PODS_W)]):
            start, end = pos[a][0] + a_w / 2, pos[b][0] - b_w / 2
            _arrow(ax, (start, y), (end, y))
            _edge_label(ax, (start + end) / 2, y, graph.edges[a, b]["label"])
    return ensure_legible(ax.figure) if owned else ax.figure


# --- a request's path: a sequence diagram --------------------------------------------------

HEADER_H, ROW_H, KEY_LINE = 0.62, 0.34, 0.21


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


def is_watch_event(graph: nx.DiGraph, a: str, b: str) -> bool:
    """Does the hop a -> b travel back down a watch that b opened on a (an event, not a request)?"""
    return graph.has_edge(b, a) and graph.edges[b, a].get("watch", False)


def _lifeline_title(graph: nx.DiGraph, vertex: str) -> str:
    data = graph.nodes[vertex]
    name = data["component"].replace("container runtime", "container\nruntime")
    return name if data["host"] in ("client", "master") else f"{name}\n({data['host']})"


def _wrap(text: str, width: float, fontsize: float) -> list[str]:
    """``text`` in lines no wider than ``width`` inches."""
    chars = len(text)
    while chars > 10:
        lines = textwrap.wrap(text, chars)
        if all(text_width(line, fontsize) <= width for line in lines):
            return lines
        chars -= 4
    return textwrap.wrap(text, 10)


def draw_request_path(graph: nx.DiGraph, path: Sequence[str], notes: Sequence[str] | None = None,
                      ax: Axes | None = None) -> Figure:
    """Draw the hops of ``path`` in time order, one arrow each, numbered; a key lists them.

    ``path`` lists component ids, e.g. :func:`pod_creation_path`; each hop
    must follow a connection (in either direction). A solid arrow is a
    request on a connection its sender opened; a dashed one is an event
    pushed back down a watch the receiver opened. The key gives each hop
    with its entry of ``notes`` if given (e.g. ``POD_CREATION_NOTES``).
    """
    path = list(path)
    if len(path) < 2:
        raise ValueError(f"a path needs at least two components, got {len(path)}")
    _check_path(graph, path)
    hops = list(pairwise(path))
    if notes is not None and len(notes) != len(hops):
        raise ValueError(f"notes has {len(notes)} entries; the path has {len(hops)} hops")
    lanes = list(dict.fromkeys(path))  # each component once, in order of first appearance
    key_x = 0.55
    keys = [_wrap(f"{a} → {b}" + (f":  {notes[i]}" if notes else ""), MAX_WIDTH - key_x - 0.1, SMALL)
            for i, (a, b) in enumerate(hops)]
    key_h = sum(len(lines) for lines in keys) * KEY_LINE
    height = 0.1 + HEADER_H + (len(hops) + 0.4) * ROW_H + 0.2 + key_h + 0.5
    owned = ax is None
    ax = axes_for(ax, MAX_WIDTH, height)

    spacing = (MAX_WIDTH - 0.2) / len(lanes)
    x = {lane: 0.1 + spacing * (i + 0.5) for i, lane in enumerate(lanes)}
    head_y = height - 0.1 - HEADER_H / 2
    bottom = head_y - HEADER_H / 2 - (len(hops) + 0.4) * ROW_H
    for lane in lanes:
        ax.add_line(Line2D([x[lane]] * 2, [bottom, head_y - HEADER_H / 2], color="#9aa5b1", linewidth=1,
                           zorder=0))
        _box(ax, (x[lane], head_y), (min(1.25, spacing - 0.1), HEADER_H), _lifeline_title(graph, lane),
             _style(graph, lane), bold=lane == APISERVER, fontsize=9.5)
    for step, (a, b) in enumerate(hops, start=1):
        y = head_y - HEADER_H / 2 - step * ROW_H
        toward = 1 if x[b] > x[a] else -1
        _arrow(ax, (x[a], y), (x[b], y), color=PATH_COLOR, linewidth=1.8,
               linestyle="--" if is_watch_event(graph, a, b) else "-", zorder=4)
        _step_number(ax, (x[a] - toward * 0.2, y), step)

    y = bottom - 0.3
    for step, lines in enumerate(keys, start=1):
        _step_number(ax, (0.3, y), step)
        ax.text(key_x, y, "\n".join(lines), ha="left", va="top", fontsize=SMALL, color="#222222",
                linespacing=1.25, transform=ax.transData).set_y(y + 0.08)
        y -= len(lines) * KEY_LINE
    _line_key(ax, 0.3, 0.22)
    return ensure_legible(ax.figure) if owned else ax.figure


def _line_key(ax: Axes, x: float, y: float) -> None:
    """What a solid and a dashed arrow mean, on one line at the bottom."""
    for style, text in (("-", "a request, on a connection the sender opened"),
                        ("--", "an event, pushed down a watch the receiver opened")):
        _arrow(ax, (x, y), (x + 0.45, y), color=PATH_COLOR, linewidth=1.8, linestyle=style)
        ax.text(x + 0.55, y, text, ha="left", va="center", fontsize=SMALL, color="#222222")
        x += 0.55 + text_width(text, SMALL) + 0.35


def _step_number(ax: Axes, xy: tuple[float, float], step: int) -> None:
    ax.text(*xy, str(step), ha="center", va="center", fontsize=SMALL, fontweight="bold", color="white", zorder=6,
            bbox={"boxstyle": "circle,pad=0.2", "facecolor": PATH_COLOR, "edgecolor": "white"})
