"""An HPA at work as a picture: the load, the utilisation the HPA saw, and the replicas it chose, over time.

:func:`draw_autoscaling` takes the samples :func:`k8scourse.load.drive`
records (one every sync), for one run or several side by side (a dict of
label -> samples), so that two controller settings can be compared on the
same load curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from k8scourse.load import Sample

from .canvas import LABEL, MAX_WIDTH, SMALL, ensure_legible, new_axes

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
# Runs compared on one load curve often agree for a while: each later run is drawn thinner and
# in its own dash on top of the earlier ones, so where they overlap both stay visible.
STYLES = (("-", 2.8), ("--", 1.8), (":", 1.8), ("-.", 1.4))
LOAD, TARGET = "#555555", "#888888"


def _runs(samples: Sequence[Sample] | Mapping[str, Sequence[Sample]]) -> dict[str, list[Sample]]:
    runs = {"": list(samples)} if not isinstance(samples, Mapping) else {k: list(v) for k, v in samples.items()}
    if not runs or any(not run for run in runs.values()):
        raise ValueError("draw_autoscaling needs at least one sample in each run (from k8scourse.load.drive)")
    if any(not isinstance(s, Sample) for run in runs.values() for s in run):
        raise TypeError("draw_autoscaling takes the Samples k8scourse.load.drive returns")
    if len(runs) > len(COLOURS):
        raise ValueError(f"draw_autoscaling compares at most {len(COLOURS)} runs, got {len(runs)}")
    return runs


def draw_autoscaling(samples: Sequence[Sample] | Mapping[str, Sequence[Sample]], target: int | None = None,
                     title: str = "The HPA on a load curve") -> Figure:
    """Three panels over virtual time: total CPU load, the HPA's utilisation reading (with the ``target``
    line), and the replicas it asked for. A dict of runs draws each in its own colour."""
    runs = _runs(samples)
    ax = new_axes(MAX_WIDTH, 6.6)
    figure = ax.figure
    figure.delaxes(ax)
    boxes = [(0.09, 0.66, 0.88, 0.22), (0.09, 0.38, 0.88, 0.22), (0.09, 0.09, 0.88, 0.23)]
    load_ax, use_ax, rep_ax = (figure.add_axes(box) for box in boxes)
    end = max(s.t for run in runs.values() for s in run)
    for axis in (load_ax, use_ax, rep_ax):
        axis.set_xlim(0, end)
        axis.tick_params(labelsize=SMALL)
        for side in ("top", "right"):
            axis.spines[side].set_visible(False)
    first = next(iter(runs.values()))
    load_ax.step([s.t for s in first], [s.load_milli / 1000 for s in first], where="pre", color=LOAD, linewidth=1.8)
    load_ax.set_ylabel("load (cores)", fontsize=LABEL)
    load_ax.set_ylim(bottom=0)
    for (label, run), colour, (dash, width) in zip(runs.items(), COLOURS, STYLES):
        times = [s.t for s in run]
        readings = [(s.t, s.utilization) for s in run if s.utilization is not None]
        if readings:
            use_ax.plot(*zip(*readings), color=colour, linestyle=dash, linewidth=width, label=label or None)
        rep_ax.step(times, [s.replicas for s in run], where="post", color=colour, linestyle=dash, linewidth=width,
                    label=label or None)
    handles = [Line2D([], [], color=colour, linestyle=dash, linewidth=width, label=label)
               for label, colour, (dash, width) in zip(runs, COLOURS, STYLES) if len(runs) > 1]
    if target is not None:
        use_ax.axhline(target, color=TARGET, linestyle="--", linewidth=1.2)
        handles.append(Line2D([], [], color=TARGET, linestyle="--", linewidth=1.2, label=f"target {target} %"))
    use_ax.set_ylabel("CPU (% of request)", fontsize=LABEL)
    use_ax.set_ylim(bottom=0)
    rep_ax.set_ylabel("replicas", fontsize=LABEL)
    rep_ax.set_ylim(0, max(s.replicas for run in runs.values() for s in run) + 1)
    rep_ax.set_xlabel("virtual time (s)", fontsize=LABEL)
    if handles:  # in the title's row, clear of the data
        figure.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.97, 0.995), fontsize=SMALL,
                      frameon=False)
    figure.text(0.09, 0.95, title, fontsize=LABEL, fontweight="bold", ha="left")
    return ensure_legible(figure)
