"""A node failure as a chart: one bar per node and pod, coloured by its state over time.

Draws a :class:`k8scourse.timeline.Timeline` (``cluster.timeline(...)``):
time runs left to right; each object's bar changes colour when its state
does (Ready, NotReady, NotReady with the NoExecute taint; a pod Running and
Ready, Running but not Ready, Terminating). A pod gone from the API has no bar.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from k8scourse.timeline import GONE, Timeline

from .canvas import DPI, LABEL, MAX_WIDTH, CourseFigure, ensure_legible

ROW_HEIGHT, MARGIN = 0.42, 1.3  # inches
#: Colours by kind of state (colour-blind-safe Okabe-Ito hues); anything else is grey.
STATE_COLORS = {
    "Ready": "#009E73", "Running": "#009E73",
    "Running, not Ready": "#E69F00", "NotReady": "#E69F00",
    "NotReady, NoExecute": "#D55E00", "Terminating": "#CC79A7",
    "Pending": "#56B4E9",
}
OTHER = "#999999"


def state_kind(state: str) -> str | None:
    """What a state is, for its colour: kubectl's STATUS, sharpened (None: the object is gone)."""
    if state == GONE:
        return None
    status = state.split(",")[0]
    if status == "NotReady" and ":NoExecute" in state:
        return "NotReady, NoExecute"
    if status == "Running" and "Ready=False" in state:
        return "Running, not Ready"
    return status


def draw_timeline(timeline: Timeline, ax: Axes | None = None) -> Figure:
    """One horizontal bar per object, nodes on top; a legend names the colours used."""
    objects = timeline.objects()
    if ax is None:
        figure = CourseFigure(figsize=(MAX_WIDTH, ROW_HEIGHT * max(1, len(objects)) + MARGIN), dpi=DPI,
                              layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    used: dict[str, str] = {}  # kind -> colour, in the order met
    for row, obj in enumerate(objects):
        for start, end, state in timeline.segments(obj):
            kind = state_kind(state)
            if kind is None or end <= start:
                continue
            color = STATE_COLORS.get(kind, OTHER)
            used.setdefault(kind, color)
            ax.broken_barh([(start, end - start)], (row - 0.35, 0.7), facecolors=color, edgecolors="white")
    ax.set_yticks(range(len(objects)), objects, fontsize=LABEL)
    ax.set_ylim(len(objects) - 0.5, -0.5)  # first object on top
    ax.set_xlim(0, max(timeline.seconds, 1e-9))
    ax.set_xlabel("virtual seconds since the timeline started", fontsize=LABEL)
    ax.tick_params(axis="x", labelsize=LABEL)
    ax.grid(axis="x", alpha=0.3)
    labels: dict[str, list[str]] = {}  # colour -> the kinds it stands for
    for kind, color in used.items():
        labels.setdefault(color, []).append(kind)
    handles = [Patch(color=color, label=" / ".join(kinds)) for color, kinds in labels.items()]
    ax.legend(handles=handles, fontsize=LABEL, loc="upper center", bbox_to_anchor=(0.5, -0.2 * 5 / max(len(objects), 5)),
              ncols=max(1, min(3, len(handles))), frameon=False)  # 3 a row fit in 950 px
    return ensure_legible(ax.figure)
