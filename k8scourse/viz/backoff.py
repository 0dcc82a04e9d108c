"""CrashLoopBackOff as a picture: the pause before each restart of a failing container.

The kubelet restarts a container that exited at once the first time, then
waits 10 s, 20 s, 40 s, ... doubling up to 5 minutes (see
:mod:`k8scourse.node.backoff` for the rule and its upstream source).
:func:`draw_backoff` plots the pauses measured on a cluster against that rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from k8scourse.node.backoff import INITIAL_SECONDS, MAX_SECONDS

from .canvas import LABEL, MAX_WIDTH, SMALL, ensure_legible, new_axes

MEASURED, RULE = "#d62728", "#222222"


def kubelet_pause(restart: int) -> float:
    """The kubelet's wait before restart number ``restart`` (1 = the first): 0, 10, 20, 40, ... at most 300 s."""
    return 0.0 if restart == 1 else min(INITIAL_SECONDS * 2 ** (restart - 2), MAX_SECONDS)


def pauses(starts: Sequence[float], ran_for: float = 0.0) -> list[float]:
    """The pause before each restart: the time between two starts, less the ``ran_for`` seconds the program ran."""
    starts = list(starts)
    if ran_for < 0:
        raise ValueError(f"ran_for must be 0 or more seconds, got {ran_for:g}")
    for earlier, later in zip(starts, starts[1:]):
        if later < earlier + ran_for:
            raise ValueError(f"start times must grow by at least ran_for={ran_for:g} s: "
                             f"{later:g} follows {earlier:g}")
    return [round(later - earlier - ran_for, 3) for earlier, later in zip(starts, starts[1:])]


def _seconds(value: float) -> str:
    return f"{value:g} s"


def draw_backoff(starts: Sequence[float], ran_for: float = 0.0) -> Figure:
    """Bars: the measured pause before each restart; dashes: the kubelet's rule; a line at the 300 s cap.

    ``starts`` are the times a container started (e.g. of its ``Started``
    Events), ``ran_for`` how long its program runs before it fails.
    """
    measured = pauses(starts, ran_for)
    if not measured:
        raise ValueError(f"draw_backoff needs the times of at least two starts, got {len(list(starts))}")
    ax = new_axes(MAX_WIDTH, 3.6)
    ax.set_position((0.09, 0.16, 0.88, 0.64))
    ax.set_axis_on()
    restarts = range(1, len(measured) + 1)
    rule = [kubelet_pause(n) for n in restarts]
    top = max(max(measured), max(rule)) * 1.18 + 1
    ax.set_xlim(0.4, len(measured) + 0.6)
    ax.set_ylim(0, top)
    ax.bar(restarts, measured, width=0.55, color=MEASURED, alpha=0.85, zorder=2)
    for n, value in zip(restarts, measured):
        ax.text(n, value + top * 0.02, _seconds(value), ha="center", va="bottom", fontsize=SMALL, zorder=3)
    ax.hlines(rule, [n - 0.36 for n in restarts], [n + 0.36 for n in restarts], colors=RULE, linestyles="--",
              linewidth=1.6, zorder=4)
    ax.axhline(MAX_SECONDS, color="#888888", linewidth=1, linestyle=":", zorder=1)
    ax.set_xticks(list(restarts), [str(n) for n in restarts], fontsize=SMALL)
    ax.tick_params(axis="y", labelsize=SMALL)
    ax.set_xlabel("restart", fontsize=LABEL)
    ax.set_ylabel("pause before it (s)", fontsize=LABEL)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("CrashLoopBackOff: the pause before each restart", fontsize=LABEL, fontweight="bold", loc="left",
                 pad=22)
    handles = [Line2D([], [], color=MEASURED, linewidth=8, alpha=0.85, label="measured on the cluster"),
               Line2D([], [], color=RULE, linestyle="--", linewidth=1.6,
                      label=f"kubelet: 0, then {INITIAL_SECONDS:g} s doubling, at most {MAX_SECONDS:g} s")]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=SMALL, frameon=False,
              borderaxespad=0.2)
    return ensure_legible(ax.figure)
