"""A rollout over virtual time: the old and new ReplicaSets' sizes and the available pods.

``draw_rollouts`` draws one panel per recorded rollout
(:func:`k8scourse.course.ch05.record_rollout`), side by side, with the two
fences of a rolling update: ``replicas + maxSurge`` (the most pods the
ReplicaSets may be asked for) and ``replicas - maxUnavailable`` (the fewest
pods that must stay available).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg

from .canvas import CourseFigure

OLD, NEW, AVAILABLE, FENCE = "#9e9e9e", "#1f77b4", "#2ca02c", "#d62728"
MAX_WIDTH = 9.5  # inches: JupyterLab's ~950 px at 100 dpi
FONT = 10


def draw_rollouts(rollouts: Sequence[Any], columns: int = 2) -> CourseFigure:
    """One step plot per rollout: old RS, new RS, available pods, and the surge/unavailability fences."""
    if not rollouts:
        raise ValueError("draw_rollouts needs at least one recorded rollout")
    columns = min(columns, len(rollouts))
    rows = -(-len(rollouts) // columns)
    figure = CourseFigure(figsize=(MAX_WIDTH, 3.0 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    # one time axis for all, so the panels compare how long each setting takes
    axes = figure.subplots(rows, columns, squeeze=False, sharex=True)
    for index, (ax, rollout) in enumerate(zip(axes.flat, rollouts)):
        t = [s.t for s in rollout.samples]
        ax.step(t, [s.old for s in rollout.samples], where="post", color=OLD, lw=2, label="old ReplicaSet")
        ax.step(t, [s.new for s in rollout.samples], where="post", color=NEW, lw=2, label="new ReplicaSet")
        ax.step(t, [s.available for s in rollout.samples], where="post", color=AVAILABLE, lw=1.5, ls="--",
                label="available pods")
        most, least = rollout.replicas + rollout.max_surge, rollout.replicas - rollout.max_unavailable
        if rollout.rolling:  # Recreate has no fences: every old pod goes first
            ax.axhline(most, color=FENCE, lw=1, ls=":")
            ax.axhline(least, color=FENCE, lw=1, ls=":")
            edge = ax.get_yaxis_transform()  # x in the panel's width, y in pods: labels at the right edge
            ax.text(0.99, most, f"replicas+maxSurge = {most}", color=FENCE, fontsize=FONT - 1, va="bottom",
                    ha="right", transform=edge)
            ax.text(0.99, least, f"replicas−maxUnavailable = {least}", color=FENCE, fontsize=FONT - 1, va="top",
                    ha="right", transform=edge)
        ax.set_title(rollout.title, fontsize=FONT + 1)
        if index + columns >= len(rollouts):  # the lowest panel of its column
            ax.set_xlabel("virtual seconds since the template changed", fontsize=FONT)
            ax.tick_params(labelbottom=True)
        ax.set_ylabel("pods", fontsize=FONT)
        ax.set_ylim(-0.5, most + 1.5)
        ax.tick_params(labelsize=FONT - 1)
    for ax in list(axes.flat)[len(rollouts):]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=3, fontsize=FONT, frameon=False)
    return figure
