"""Where pods run: one column per Kubernetes node, its pods stacked beneath.

``placement_graph`` turns the nodes and pods the apiserver lists into a
graph (an edge joins each pod to its node, or to the ``Pending`` bucket while
the scheduler has not placed it); ``PlacementView`` draws it and can then
change which pods stand out without drawing anything anew.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import PIL.Image
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch

from k8scourse.kubectl.printers import node_status

from .canvas import axes_for

PENDING = "Pending"  # node names are lowercase, so no node can take this id

# --- the graph ---------------------------------------------------------------------------


def pod_id(pod: Mapping[str, Any]) -> str:
    """A pod's vertex id, ``<namespace>/<name>``: pod names are unique per namespace only."""
    meta = pod["metadata"]
    return f"{meta.get('namespace') or 'default'}/{meta['name']}"


def owner_of(obj: Mapping[str, Any]) -> str | None:
    """``<Kind>/<name>`` of the controller that owns an object, or None for a bare pod."""
    refs = obj["metadata"].get("ownerReferences") or []
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    return f"{ref['kind']}/{ref['name']}" if ref else None


def placement_graph(nodes: Iterable[Mapping[str, Any]], pods: Iterable[Mapping[str, Any]]) -> nx.Graph:
    """Kubernetes nodes and pods as vertices; each pod joined to its node or to ``Pending``.

    Node vertices (``kind="Node"``) carry ``labels`` and ``status``
    (kubectl's STATUS); pod vertices (``kind="Pod"``) carry ``name``,
    ``namespace``, ``labels``, ``phase``, ``owner`` and ``node``. A pod bound
    to a node that no longer exists keeps an edge to a vertex of that name
    with status ``Unknown``, as ``kubectl get pods -o wide`` still shows it.
    """
    graph = nx.Graph()
    for node in nodes:
        meta = node["metadata"]
        graph.add_node(meta["name"], kind="Node", labels=dict(meta.get("labels") or {}), status=node_status(node))
    for pod in pods:
        meta, vertex = pod["metadata"], pod_id(pod)
        node_name = pod.get("spec", {}).get("nodeName") or None
        graph.add_node(vertex, kind="Pod", name=meta["name"], namespace=meta.get("namespace") or "default",
                       labels=dict(meta.get("labels") or {}), phase=pod.get("status", {}).get("phase", "Pending"),
                       owner=owner_of(pod), node=node_name)
        target = node_name or PENDING
        if target not in graph:
            graph.add_node(target, kind="Bucket" if target == PENDING else "Node", labels={}, status="Unknown")
        graph.add_edge(vertex, target)
    return graph


# --- the layout ------------------------------------------------------------------------
# Data units; drawn at SCALE inches per unit, shrunk to fit MAX_WIDTH inches
# (or the axes given), text and all.

COL_W, POD_W, POD_H, ROW_H = 2.8, 2.55, 0.34, 0.42
HEADER_H = 1.0  # node name, status and labels
SCALE, MAX_WIDTH = 0.8, 11.0
MIN_FONT = 5.0  # below this, pod names are left out: they could not be read


def columns(graph: nx.Graph) -> list[tuple[str, list[str]]]:
    """Each column's vertex and its pods: nodes sorted by name, then Pending; pods by namespace/name."""
    heads = sorted(v for v, kind in graph.nodes(data="kind") if kind == "Node")
    if PENDING in graph:
        heads.append(PENDING)
    return [(head, sorted(v for v in graph[head])) for head in heads]


def placement_layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """Centre of every vertex: columns left to right, each header at y=0, pods downwards."""
    pos = {}
    for i, (head, pods) in enumerate(columns(graph)):
        x = i * COL_W
        pos[head] = (x, 0.0)
        for j, pod in enumerate(pods):
            pos[pod] = (x, -HEADER_H / 2 - 0.35 - j * ROW_H)
    return pos


# --- colours ---------------------------------------------------------------------------

# Ten hues far apart, light enough for dark text on them. Colour is never the
# only cue: the legend names each value and a highlight is a thick outline.
PALETTE = ("#8fd18b", "#f5a65b", "#7fd3d8", "#7fb3e0", "#e3d46b",  # ordered so that web is blue,
           "#ef8a8c", "#b9a0dc", "#c9a27e", "#f2a7d8", "#a3b86c")  # db orange, api green, cache purple
NO_LABEL = "#e4e4e4"
PLAIN_POD = "#c7dbef"  # when pods are not coloured by a label


def value_colors(values: Iterable[str]) -> dict[str, str]:
    """A colour per label value that stays the same from one picture to the next.

    Each value has its own slot in the palette (from an MD5 of the value,
    which keeps the course's usual values, web/db/cache/api/batch, apart), so
    ``app=web`` is the same colour in every chapter; values that collide in
    one picture take the next free slot, in sorted order.
    """
    colors: dict[str, str] = {}
    taken: set[int] = set()
    for value in sorted(set(values)):
        slot = int(hashlib.md5(value.encode(), usedforsecurity=False).hexdigest(), 16) % len(PALETTE)
        while slot in taken and len(taken) < len(PALETTE):
            slot = (slot + 1) % len(PALETTE)
        taken.add(slot)
        colors[value] = PALETTE[slot]
    return colors


# --- the drawing ---------------------------------------------------------------------

NODE_STYLE = {  # face, edge, line style of a column's background
    "Ready": ("#f5f8fb", "#8596a8", "-"),
    "NotReady": ("#fdeeee", "#c53030", "--"),
    PENDING: ("#fff8e6", "#b7791f", "--"),
}
TEXT, POD_EDGE, HIGHLIGHT = "#1a1a1a", "#5f6b78", "#111111"
VEIL = (1.0, 1.0, 1.0, 0.72)  # the white film over pods left out of a highlight
CLEAR = (0.0, 0.0, 0.0, 0.0)


class PlacementView:
    """A drawn placement graph whose highlight changes without drawing it anew.

    The picture is drawn once. On top lies one *overlay* collection with a
    patch over every column and every pod: ``highlight`` only sets that
    collection's colours (a white film fades a pod, a black border marks
    one), and ``png`` paints just the overlay over a cached copy of the rest.
    Rendering text is what costs in matplotlib, and no text is ever redrawn.
    """

    def __init__(self, graph: nx.Graph, ax: Axes | None = None, color_by: str | None = "app") -> None:
        self.graph, self.color_by = graph, color_by
        self._owns_figure = ax is None
        self.columns = columns(graph)
        self.positions = placement_layout(graph)
        self.pods = [pod for _, pods in self.columns for pod in pods]
        rows = max((len(pods) for _, pods in self.columns), default=0)
        width = max(len(self.columns), 1) * COL_W
        self._height = HEADER_H + 0.5 + rows * ROW_H
        self.ax, shrink = axes_for(ax, (width * SCALE, (self._height + 0.6) * SCALE), max_width=MAX_WIDTH)
        self.ax.set_xlim(-COL_W / 2, width - COL_W / 2)
        self.ax.set_ylim(HEADER_H / 2 - self._height - 0.1, HEADER_H / 2 + 0.1)
        column_boxes = [self._draw_column(head, font=max(9 * shrink, 7)) for head, _ in self.columns]
        pod_boxes = self._draw_pods(font=8 * shrink)
        self._draw_legend()
        # One patch per column, then one per pod (in self.pods' order): what highlight() recolours.
        self.overlay = self.ax.add_collection(PatchCollection(column_boxes + pod_boxes, zorder=5), autolim=False)
        self._background = None  # pixels of everything but the overlay, once drawn
        self.highlight(None)

    @property
    def figure(self) -> Figure:
        return self.ax.figure

    def _column_box(self, head: str) -> FancyBboxPatch:
        x = self.positions[head][0]
        return FancyBboxPatch((x - POD_W / 2 - 0.05, HEADER_H / 2 - self._height), POD_W + 0.1, self._height,
                              boxstyle="round,pad=0,rounding_size=0.15")

    def _draw_column(self, head: str, font: float) -> FancyBboxPatch:
        """Draw a column's background, styled by the node's state, and its header; return its outline."""
        x = self.positions[head][0]
        status = self.graph.nodes[head]["status"]
        face, edge, style = NODE_STYLE[PENDING if head == PENDING else
                                       "Ready" if status.startswith("Ready") else "NotReady"]
        background = self._column_box(head)
        background.set(facecolor=face, edgecolor=edge, linestyle=style, linewidth=1.3, zorder=0,
                       hatch="////" if "SchedulingDisabled" in status else None, hatchcolor="#d8dee6")
        self.ax.add_patch(background)
        if head == PENDING:
            title, detail = "Pending", "not scheduled yet"
        else:
            # Labels without a prefix are the ones people set (disktype=ssd);
            # prefixed ones (kubernetes.io/hostname) are the kubelet's own.
            labels = self.graph.nodes[head]["labels"]
            custom = [f"{k}={v}" for k, v in sorted(labels.items()) if "/" not in k]
            title, detail = head, "\n".join([status, *custom[:2]])
        self.ax.text(x, HEADER_H / 2 - 0.12, title, ha="center", va="top", fontsize=font + 1,
                     fontweight="bold", color=TEXT if status.startswith("Ready") else edge)
        self.ax.text(x, HEADER_H / 2 - 0.42, detail, ha="center", va="top", fontsize=font * 0.85,
                     color="#555555", linespacing=1.15)
        return self._column_box(head)

    def _draw_pods(self, font: float) -> list[FancyBboxPatch]:
        """Draw every pod, coloured by its ``color_by`` label; return their outlines."""
        labels = [self.graph.nodes[pod]["labels"] for pod in self.pods]
        if self.color_by is None:
            self.colors: dict[str, str] = {}
            faces = [PLAIN_POD] * len(self.pods)
        else:
            self.colors = value_colors(v[self.color_by] for v in labels if self.color_by in v)
            faces = [self.colors.get(v.get(self.color_by), NO_LABEL) for v in labels]

        def boxes() -> list[FancyBboxPatch]:
            return [FancyBboxPatch((x - POD_W / 2, y - POD_H / 2), POD_W, POD_H,
                                   boxstyle="round,pad=0,rounding_size=0.08")
                    for x, y in (self.positions[pod] for pod in self.pods)]

        self.ax.add_collection(PatchCollection(boxes(), facecolors=faces, edgecolors=POD_EDGE, linewidths=0.8,
                                               zorder=2), autolim=False)
        if font >= MIN_FONT:
            for pod in self.pods:
                data = self.graph.nodes[pod]
                text = data["name"] if data["phase"] == "Running" else f"{data['name']} · {data['phase']}"
                self.ax.text(*self.positions[pod], text, ha="center", va="center", fontsize=font, color=TEXT,
                             zorder=3)
        return boxes()

    def _draw_legend(self) -> None:
        if not self.colors:
            return
        handles = [Patch(facecolor=color, edgecolor=POD_EDGE, label=value) for value, color in self.colors.items()]
        if any(self.color_by not in self.graph.nodes[pod]["labels"] for pod in self.pods):
            handles.append(Patch(facecolor=NO_LABEL, edgecolor=POD_EDGE, label=f"no {self.color_by} label"))
        self.ax.legend(handles=handles, title=f"label {self.color_by}", loc="upper left",
                       bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8, title_fontsize=9)

    def highlight(self, ids: Iterable[str] | None) -> None:
        """Outline the pods in ``ids`` and fade the others; None shows every pod plainly.

        Node names in ``ids`` get a thick border (e.g. the nodes that a
        nodeSelector allows).
        """
        heads = [head for head, _ in self.columns]
        chosen = set(ids) if ids is not None else set()
        faded = CLEAR if ids is None else VEIL
        faces = [CLEAR] * len(heads) + [CLEAR if pod in chosen else faded for pod in self.pods]
        widths = [3.0 if head in chosen else 0.0 for head in heads] + [2.4 if pod in chosen else 0.0
                                                                        for pod in self.pods]
        self.overlay.set_facecolor(faces)
        self.overlay.set_edgecolor(HIGHLIGHT)
        self.overlay.set_linewidth(widths)

    def png(self) -> bytes:
        """The picture as PNG bytes, repainting only the overlay after the first call."""
        canvas = self.figure.canvas
        if self._background is None:
            self.overlay.set_visible(False)
            canvas.draw()
            if self._owns_figure:  # a highlight moves nothing: keep the layout this draw computed
                self.figure.set_layout_engine("none")
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self.overlay.set_visible(True)
        canvas.restore_region(self._background)
        self.ax.draw_artist(self.overlay)
        out = io.BytesIO()
        # Fast compression: a few kB more, several times quicker to write.
        PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(out, format="png", compress_level=1)
        return out.getvalue()


def draw_placement(graph: nx.Graph, ax: Axes | None = None, color_by: str | None = "app",
                   highlight: Iterable[str] | None = None) -> Figure:
    """Draw where pods run, coloured by the value of label ``color_by``; outline ``highlight``."""
    view = PlacementView(graph, ax, color_by)
    view.highlight(highlight)
    return view.figure
