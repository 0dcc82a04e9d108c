"""An etcd cluster's Raft state as pictures: the members as a graph, and who led when.

``raft_graph(cluster)`` is plain data: one node per member (its state,
term, log and commit index, whether it runs) and one edge per pair of
members (whether the network joins them). ``draw_raft`` lays the members out
on a circle, the same way every time; ``draw_raft_timeline`` draws each
member's terms as leader as bars over virtual time, from
``cluster.elections`` and ``cluster.stepdowns``; ``draw_failover_times``
the distribution of the time from a leader's death to the next leader.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import networkx as nx
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Patch

from .canvas import DPI, LABEL, MAX_WIDTH, SMALL, CourseFigure, axes_for, ensure_legible

if TYPE_CHECKING:
    from k8scourse.etcd.raft import RaftCluster

DOWN = "down"
#: Fill colour of a member by its Raft state (Okabe-Ito hues); a crashed member is grey.
STATE_COLORS = {"leader": "#009E73", "follower": "#56B4E9", "candidate": "#E69F00",
                "pre-candidate": "#F0E442", DOWN: "#BBBBBB"}
WIDTH, HEIGHT, RADIUS = 7.0, 4.4, 0.6  # inches


def raft_graph(cluster: RaftCluster) -> nx.Graph:
    """Members as nodes (state, term, last_index, commit, alive) and member pairs as edges (connected)."""
    graph = nx.Graph()
    for name, member in cluster.members.items():
        alive = name in cluster.alive
        graph.add_node(name, state=member.state if alive else DOWN, term=member.term, alive=alive,
                       last_index=member.last_index, commit=member.commit)
    names = list(cluster.members)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            graph.add_edge(a, b, connected=cluster.connected(a, b))
    return graph


def _positions(names: list[str]) -> dict[str, tuple[float, float]]:
    """Members on a circle, the first on top, clockwise."""
    cx, cy, r = WIDTH / 2, HEIGHT / 2 - 0.05, 1.45
    return {name: (cx + r * math.sin(2 * math.pi * i / len(names)), cy + r * math.cos(2 * math.pi * i / len(names)))
            for i, name in enumerate(names)}


def draw_raft(cluster: RaftCluster, ax: Axes | None = None) -> Figure:
    """The members on a circle, filled by state; a dashed red line where the network is cut."""
    graph = raft_graph(cluster)
    ax = axes_for(ax, WIDTH, HEIGHT)
    where = _positions(list(graph.nodes))
    for a, b, edge in graph.edges(data=True):
        (x1, y1), (x2, y2) = where[a], where[b]
        style = dict(color="#444444", lw=1.2) if edge["connected"] else dict(color="#D55E00", lw=1.4, ls="--")
        ax.plot([x1, x2], [y1, y2], zorder=1, **style)
    for name, node in graph.nodes(data=True):
        x, y = where[name]
        leader = node["state"] == "leader"
        ax.add_patch(Circle((x, y), RADIUS, facecolor=STATE_COLORS[node["state"]], zorder=2,
                            edgecolor="#1a1a1a", lw=2.5 if leader else 1.0))
        ax.text(x, y + 0.25, name, ha="center", va="center", fontsize=LABEL, fontweight="bold", zorder=3)
        ax.text(x, y + 0.05, node["state"], ha="center", va="center", fontsize=SMALL, zorder=3)
        ax.text(x, y - 0.13, f"term {node['term']}", ha="center", va="center", fontsize=SMALL, zorder=3)
        ax.text(x, y - 0.31, f"commit {node['commit']}/{node['last_index']}", ha="center", va="center",
                fontsize=SMALL, zorder=3)
    leader = cluster.leader()
    ax.text(0.1, HEIGHT - 0.15, f"t = {cluster.now:.2f} s   leader: {leader or 'none'}   term {cluster.term}",
            ha="left", va="top", fontsize=LABEL, fontweight="bold")
    ax.text(0.1, 0.12, "dashed red: network cut · commit: committed / last log index", ha="left", va="bottom",
            fontsize=SMALL, color="#1a1a1a")
    return ensure_legible(ax.figure)


def leadership_spans(cluster: RaftCluster) -> list[tuple[str, int, float, float]]:
    """(leader, term, start, end) for every term that had a leader; a leader still in office ends at ``now``."""
    ends = {(s.leader, s.term): s.time for s in cluster.stepdowns}
    return [(e.leader, e.term, e.time, ends.get((e.leader, e.term), cluster.now)) for e in cluster.elections]


def draw_raft_timeline(cluster: RaftCluster, ax: Axes | None = None) -> Figure:
    """One row per member: a bar for each term it led, labelled with the term; crashes marked x."""
    names = list(cluster.members)
    if ax is None:
        figure = CourseFigure(figsize=(MAX_WIDTH, 0.45 * len(names) + 1.3), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    row = {name: i for i, name in enumerate(names)}
    end_of_time = max(cluster.now, 1e-9)
    for leader, term, start, end in leadership_spans(cluster):
        ax.broken_barh([(start, end - start)], (row[leader] - 0.35, 0.7), facecolors=STATE_COLORS["leader"],
                       edgecolors="white")
        if (end - start) / end_of_time > 0.04:  # room for the label
            ax.text((start + end) / 2, row[leader], str(term), ha="center", va="center", fontsize=SMALL,
                    color="white", fontweight="bold")
    crashes = [(time, row[name]) for time, name, text in cluster.events if text.endswith(" crashed")]
    if crashes:
        ax.plot(*zip(*crashes), "x", color="#D55E00", markersize=8, mew=2, ls="none")
    ax.set_yticks(range(len(names)), names, fontsize=LABEL)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlim(0, end_of_time)
    ax.set_xlabel("virtual seconds", fontsize=LABEL)
    ax.tick_params(axis="x", labelsize=LABEL)
    ax.grid(axis="x", alpha=0.3)
    handles = [Patch(color=STATE_COLORS["leader"], label="leader (bar label: its term)")]
    if crashes:
        handles.append(ax.plot([], [], "x", color="#D55E00", mew=2, label="crashed")[0])
    ax.legend(handles=handles, fontsize=LABEL, loc="upper center", bbox_to_anchor=(0.5, -0.25 * 3 / max(len(names), 3)),
              ncols=2, frameon=False)
    return ensure_legible(ax.figure)


def draw_failover_times(times: Sequence[float], reference: Mapping[str, float] | None = None,
                        ax: Axes | None = None) -> Figure:
    """A histogram of failover times (leader killed -> new leader, seconds), its median marked, and
    ``reference`` figures (``{label: seconds}``, e.g. real etcd's measured median) as dashed lines."""
    if not times:
        raise ValueError("times: no failover times to draw")
    if ax is None:
        figure = CourseFigure(figsize=(MAX_WIDTH, 3.4), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    ax.hist(times, bins=30, color=STATE_COLORS["follower"])
    median = statistics.median(times)
    ax.axvline(median, color="#0072B2", lw=2, label=f"model median {median:.2f} s")
    for (label, seconds), style in zip((reference or {}).items(), ("--", ":", "-.")):
        ax.axvline(seconds, color="#D55E00", ls=style, lw=2, label=f"{label} {seconds:.2f} s")
    ax.set_xlabel("leader killed -> new leader (seconds)", fontsize=LABEL)
    ax.set_ylabel("failovers", fontsize=LABEL)
    ax.tick_params(labelsize=LABEL)
    ax.legend(fontsize=LABEL, frameon=False)
    return ensure_legible(ax.figure)
