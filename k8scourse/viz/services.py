"""Services as pictures: how requests spread over a Service's pods, and what they met over time.

:func:`draw_request_spread` draws the answers of many ``cluster.request(...)``
calls per pod against the even share kube-proxy's ``statistic`` rules aim at;
:func:`draw_requests_over_time` draws rounds of requests sent while something
happens to the cluster (a node dies), answered and failed, with the moments
that matter marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from .canvas import LABEL, MAX_WIDTH, SMALL, ensure_legible, new_axes

ANSWERED, FAILED, EVEN = "#0072B2", "#D55E00", "#222222"


def _frame(ax, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_axis_on()
    ax.tick_params(labelsize=SMALL)
    ax.set_xlabel(xlabel, fontsize=LABEL)
    ax.set_ylabel(ylabel, fontsize=LABEL)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=LABEL, fontweight="bold", loc="left", pad=22)


def draw_request_spread(answers: Mapping[str, int]) -> Figure:
    """One bar per pod: how many requests it answered; the dashed line is an even share.

    ``answers`` maps who answered (pod names) to counts, e.g. a
    ``collections.Counter`` of ``cluster.request(...).pod``.
    """
    if not isinstance(answers, Mapping) or not answers:
        raise ValueError("draw_request_spread needs a mapping of pod name to the number of requests it answered")
    names = sorted(answers)
    counts = [answers[name] for name in names]
    if any(not isinstance(c, int) or c < 0 for c in counts):
        raise ValueError(f"request counts must be whole numbers of 0 or more, got {counts}")
    total = sum(counts)
    ax = new_axes(MAX_WIDTH, 3.6)
    ax.set_position((0.09, 0.2, 0.88, 0.6))
    top = max(counts) * 1.2 + 1
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(0, top)
    ax.bar(range(len(names)), counts, width=0.6, color=ANSWERED, alpha=0.85, zorder=2)
    for i, count in enumerate(counts):
        ax.text(i, count + top * 0.02, f"{count} ({count / total:.1%})" if total else "0", ha="center",
                va="bottom", fontsize=SMALL, zorder=3)
    ax.axhline(total / len(names), color=EVEN, linestyle="--", linewidth=1.4, zorder=1)
    ax.set_xticks(range(len(names)), names)
    _frame(ax, f"{total} requests through kube-proxy's rules: who answered", "pod", "requests answered")
    ax.text(1.0, 1.02, f"dashes: an even share, 1/{len(names)} each", transform=ax.transAxes, ha="right",
            va="bottom", fontsize=SMALL)
    return ensure_legible(ax.figure)


def draw_requests_over_time(times: Sequence[float], answered: Sequence[int], failed: Sequence[int],
                            marks: Mapping[str, float] | None = None) -> Figure:
    """Rounds of requests: how many were answered and how many failed in each round, over virtual time.

    ``marks`` names moments to show as vertical lines, e.g. ``{"node-2 fails": 0}`` (those outside
    the rounds' time span are left out).
    """
    if not (len(times) == len(answered) == len(failed)) or not times:
        raise ValueError("draw_requests_over_time needs times, answered and failed of the same, non-zero length")
    ax = new_axes(MAX_WIDTH, 3.8)
    ax.set_position((0.08, 0.17, 0.86, 0.6))
    most = max(max(answered), max(failed))
    top = most * 1.6 + 1  # room above the lines for the marks' labels
    ax.set_ylim(0, top)
    start, end = min(times), max(times)
    marks = {label: at for label, at in (marks or {}).items() if start <= at <= end}
    ax.set_xlim(start, end)
    ax.plot(times, answered, color=ANSWERED, linewidth=1.8, label="answered")
    ax.plot(times, failed, color=FAILED, linewidth=1.8, label="failed (timed out or refused)")
    for i, (label, at) in enumerate(sorted(marks.items(), key=lambda item: item[1])):
        ax.axvline(at, color="#777777", linestyle=":", linewidth=1.2)
        right_half = at > (start + end) / 2
        ax.annotate(label, (at, top * (0.97 - 0.1 * (i % 3))), xytext=(-4 if right_half else 4, 0),
                    textcoords="offset points", fontsize=SMALL, va="top", ha="right" if right_half else "left")
    _frame(ax, "Requests in each round, over virtual time", "virtual seconds", "requests per round")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=SMALL, frameon=False, ncols=2,
              borderaxespad=0.2)
    return ensure_legible(ax.figure)
