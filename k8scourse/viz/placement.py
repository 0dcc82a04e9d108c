"""Where pods run: one column per Kubernetes node, its pods stacked beneath.

``placement_graph`` turns the nodes and pods the apiserver lists into a
graph (an edge joins each pod to its node, or to the ``Pending`` bucket while
the scheduler has not placed it); ``PlacementView`` draws it and can then
change which pods stand out without drawing anything anew.
"""

from __future__ import annotations

import hashlib
import io
import math
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

from .canvas import DPI, LABEL, MAX_WIDTH, MIN_FONT, SMALL, axes_for, ensure_legible, fit_text, new_axes, text_width

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
# Inches. Columns as wide as the longest pod name needs. When they would not
# all fit the notebook's width they narrow, their text with them down to the
# legible minimum, and then wrap into bands, one below the other. Only a name
# too long for a column on its own is cut short with "…".

COL_W, ROW_H = 1.6, 0.27
POD_FONT, HEAD_FONT, DETAIL_FONT = SMALL, LABEL, SMALL
GAP = 0.12  # between two columns, and around the picture


def columns(graph: nx.Graph) -> list[tuple[str, list[str]]]:
    """Each column's vertex and its pods: nodes sorted by name, then Pending; pods by namespace/name."""
    heads = sorted(v for v, kind in graph.nodes(data="kind") if kind == "Node")
    if PENDING in graph:
        heads.append(PENDING)
    return [(head, sorted(v for v in graph[head])) for head in heads]


def placement_layout(graph: nx.Graph, col_w: float = COL_W, row_h: float = ROW_H, header_h: float = 0.7,
                     per_band: int | None = None) -> dict[str, tuple[float, float]]:
    """Centre of every vertex, in inches: columns left to right, headers at y=0, pods downwards.

    With ``per_band``, columns wrap: each band of ``per_band`` columns sits
    below the one before, as text wraps onto lines.
    """
    pos: dict[str, tuple[float, float]] = {}
    cols = columns(graph)
    per_band = per_band or max(len(cols), 1)
    top = 0.0
    for start in range(0, len(cols), per_band):
        band = cols[start:start + per_band]
        for i, (head, pods) in enumerate(band):
            x = i * col_w
            pos[head] = (x, top)
            for j, pod in enumerate(pods):
                pos[pod] = (x, top - header_h / 2 - (j + 0.5) * row_h - 0.05)
        top -= band_height(band, row_h, header_h) + GAP
    return pos


def band_height(band: list[tuple[str, list[str]]], row_h: float, header_h: float) -> float:
    """The height of a band's column backgrounds: the header and its longest column of pods."""
    return header_h + max((len(pods) for _, pods in band), default=0) * row_h + 0.1


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
PALETTE_COLORS = 128  # of the PNG the explorer shows
VEIL = (1.0, 1.0, 1.0, 0.72)  # the white film over pods left out of a highlight
CLEAR = (0.0, 0.0, 0.0, 0.0)


class PlacementView:
    """A drawn placement graph whose highlight changes without drawing it anew.

    The picture is drawn once, at the size it is shown: at most the
    notebook's width (``canvas.MAX_WIDTH``), with no empty space around it.
    On top lies one *overlay* collection with a patch over every column and
    every pod: ``highlight`` only sets that collection's colours (a white
    film fades a pod, a black border marks one), and ``png`` paints just the
    overlay over a cached copy of the rest. Rendering text is what costs in
    matplotlib, and no text is ever redrawn.
    """

    def __init__(self, graph: nx.Graph, ax: Axes | None = None, color_by: str | None = "app") -> None:
        self.graph, self.color_by = graph, color_by
        self._owns_figure = ax is None
        self.columns = columns(graph)
        self.pods = [pod for _, pods in self.columns for pod in pods]
        self._labels = {pod: self._pod_label(pod) for pod in self.pods}
        self._headers = {head: self._header(head) for head, _ in self.columns}
        self._pick_colors()
        legend_w = self._legend_width()
        self.per_band, self.col_w, self.font = self._fit_columns(MAX_WIDTH - legend_w - GAP)
        per_band = self.per_band
        # The header: a title, then a line each for the status and up to two labels.
        lines = max((detail.count("\n") + 1 for _, detail in self._headers.values()), default=1)
        self.header_h = header_h = 0.4 + lines * 0.15
        self.positions = placement_layout(graph, self.col_w, ROW_H, header_h, per_band)
        self._heights = {head: band_height(self.columns[start:start + per_band], ROW_H, header_h)
                         for start in range(0, len(self.columns), per_band)
                         for head, _ in self.columns[start:start + per_band]}
        bottom = min((self.positions[head][1] + header_h / 2 - height for head, height in self._heights.items()),
                     default=header_h / 2 - header_h - 0.1)
        width, height = per_band * self.col_w, header_h / 2 - bottom + 2 * GAP
        if ax is None:
            self.ax = new_axes(width + GAP + legend_w, height)
            self.ax.set_position((0, 0, width / (width + GAP + legend_w), 1))
        else:
            self.ax = axes_for(ax, width, height)
        self.ax.set_xlim(-self.col_w / 2, width - self.col_w / 2)
        self.ax.set_ylim(bottom - GAP, header_h / 2 + GAP)
        column_boxes = [self._draw_column(head) for head, _ in self.columns]
        if not self.columns:
            self.ax.text(0, 0, "no nodes,\nno pods", ha="center", va="center", fontsize=LABEL, color="#555555")
        pod_boxes = self._draw_pods()
        self._draw_legend()
        # One patch per column, then one per pod (in self.pods' order): what highlight() recolours.
        self.overlay = self.ax.add_collection(PatchCollection(column_boxes + pod_boxes, zorder=5), autolim=False)
        self._background = None  # pixels of everything but the overlay, once drawn
        self.highlight(None)
        if self._owns_figure:
            ensure_legible(self.figure)

    @property
    def figure(self) -> Figure:
        return self.ax.figure

    def _fit_columns(self, room: float) -> tuple[int, float, float]:
        """Columns per band, column width and pod text size for ``room`` inches."""
        count = max(len(self.columns), 1)
        natural, smallest = self._column_width(POD_FONT), self._column_width(MIN_FONT)
        if count * natural <= room:
            return count, natural, POD_FONT
        bands = math.ceil(count / max(1, int(room // smallest)))
        per_band = math.ceil(count / bands)
        col_w = min(natural, room / per_band)
        return per_band, col_w, max(MIN_FONT, POD_FONT * col_w / natural)

    def _column_width(self, font: float) -> float:
        """The column width that shows every pod name and node name whole at pod text size ``font``."""
        scale = font / POD_FONT
        return max(([COL_W - GAP] if font == POD_FONT else [0.5])
                   + [text_width(t, font) + 0.25 for t in self._labels.values()]
                   + [text_width(t, HEAD_FONT * scale, "bold") + 0.2 for t, _ in self._headers.values()]) + GAP

    def _pod_label(self, pod: str) -> str:
        data = self.graph.nodes[pod]
        return data["name"] if data["phase"] == "Running" else f"{data['name']} · {data['phase']}"

    def _header(self, head: str) -> tuple[str, str]:
        """A column's title and the lines under it."""
        if head == PENDING:
            return "Pending", "not scheduled yet"
        # Labels without a prefix are the ones people set (disktype=ssd);
        # prefixed ones (kubernetes.io/hostname) are the kubelet's own.
        labels = self.graph.nodes[head]["labels"]
        custom = [f"{k}={v}" for k, v in sorted(labels.items()) if "/" not in k]
        return head, "\n".join([self.graph.nodes[head]["status"], *custom[:2]])

    def _pick_colors(self) -> None:
        labels = [self.graph.nodes[pod]["labels"] for pod in self.pods]
        self.colors: dict[str, str] = {} if self.color_by is None else value_colors(
            v[self.color_by] for v in labels if self.color_by in v)

    def _legend_entries(self) -> list[tuple[str, str]]:
        """(label, colour) of each legend row; none when pods are not coloured."""
        if not self.colors:
            return []
        entries = list(self.colors.items())
        if any(self.color_by not in self.graph.nodes[pod]["labels"] for pod in self.pods):
            entries.append((f"no {self.color_by} label", NO_LABEL))
        return entries

    def _legend_width(self) -> float:
        entries = self._legend_entries()
        if not entries:
            return 0.0
        return max([text_width(f"label {self.color_by}", LABEL)]
                   + [text_width(text, SMALL) + 0.45 for text, _ in entries]) + 0.2

    def _column_box(self, head: str) -> FancyBboxPatch:
        (x, y), w, h = self.positions[head], self.col_w - GAP, self._heights[head]
        return FancyBboxPatch((x - w / 2, y + self.header_h / 2 - h), w, h, boxstyle="round,pad=0,rounding_size=0.1")

    def _draw_column(self, head: str) -> FancyBboxPatch:
        """Draw a column's background, styled by the node's state, and its header; return its outline."""
        x, y = self.positions[head]
        status = self.graph.nodes[head]["status"]
        face, edge, style = NODE_STYLE[PENDING if head == PENDING else
                                       "Ready" if status.startswith("Ready") else "NotReady"]
        background = self._column_box(head)
        background.set(facecolor=face, edgecolor=edge, linestyle=style, linewidth=1.3, zorder=0,
                       hatch="////" if "SchedulingDisabled" in status else None, hatchcolor="#d8dee6")
        self.ax.add_patch(background)
        title, detail = self._headers[head]
        room = self.col_w - GAP - 0.1
        head_font = max(MIN_FONT, HEAD_FONT * self.font / POD_FONT)
        detail_font = max(MIN_FONT, DETAIL_FONT * self.font / POD_FONT)
        self.ax.text(x, y + self.header_h / 2 - 0.08, fit_text(title, room, head_font, "bold"), ha="center", va="top",
                     fontsize=head_font, fontweight="bold", color=TEXT if status.startswith("Ready") else edge)
        detail = "\n".join(fit_text(line, room, detail_font) for line in detail.split("\n"))
        self.ax.text(x, y + self.header_h / 2 - 0.3, detail, ha="center", va="top", fontsize=detail_font,
                     color="#555555", linespacing=1.1)
        return self._column_box(head)

    def _draw_pods(self) -> list[FancyBboxPatch]:
        """Draw every pod, coloured by its ``color_by`` label; return their outlines."""
        labels = [self.graph.nodes[pod]["labels"] for pod in self.pods]
        if self.color_by is None:
            faces = [PLAIN_POD] * len(self.pods)
        else:
            faces = [self.colors.get(v.get(self.color_by), NO_LABEL) for v in labels]
        w, h = self.col_w - GAP - 0.12, ROW_H - 0.06

        def boxes() -> list[FancyBboxPatch]:
            return [FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.06")
                    for x, y in (self.positions[pod] for pod in self.pods)]

        self.ax.add_collection(PatchCollection(boxes(), facecolors=faces, edgecolors=POD_EDGE, linewidths=0.8,
                                               zorder=2), autolim=False)
        for pod in self.pods:
            self.ax.text(*self.positions[pod], fit_text(self._labels[pod], w - 0.08, self.font), ha="center",
                         va="center", fontsize=self.font, color=TEXT, zorder=3)
        return boxes()

    def _draw_legend(self) -> None:
        entries = self._legend_entries()
        if not entries:
            return
        handles = [Patch(facecolor=color, edgecolor=POD_EDGE, label=text) for text, color in entries]
        self.ax.legend(handles=handles, title=f"label {self.color_by}", loc="upper left",
                       bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=SMALL, title_fontsize=LABEL,
                       borderaxespad=0.3)

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
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self.overlay.set_visible(True)
        canvas.restore_region(self._background)
        self.ax.draw_artist(self.overlay)
        out = io.BytesIO()
        # A 128-colour palette and fast compression: a fifth of the bytes, twice as quick to write,
        # and no visible change (the picture has a few flat colours and their anti-aliased edges).
        image = PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
        image.quantize(PALETTE_COLORS, method=PIL.Image.Quantize.FASTOCTREE).save(
            out, format="png", compress_level=1, dpi=(DPI, DPI))
        return out.getvalue()


def draw_placement(graph: nx.Graph, ax: Axes | None = None, color_by: str | None = "app",
                   highlight: Iterable[str] | None = None) -> Figure:
    """Draw where pods run, coloured by the value of label ``color_by``; outline ``highlight``."""
    view = PlacementView(graph, ax, color_by)
    view.highlight(highlight)
    return view.figure
