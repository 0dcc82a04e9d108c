"""The flannel network as a picture: hosts, their devices and pods, and a packet's path on them.

:func:`network_graph` turns a ``FlannelNetwork`` into a networkx graph (pods,
veths, bridges, flannel devices, physical interfaces and the wire between
them); :func:`draw_network` lays each host out as a column, devices stacked
from the pods down to ``eth0``, the hosts joined by the wire at the bottom.
Given a ``Trace`` it draws the packet's path as numbered arrows, the
encapsulation it travels in, and where and why it stopped when it did.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .canvas import LABEL, MAX_WIDTH, SMALL, ensure_legible, fit_text, new_axes, text_width

if TYPE_CHECKING:
    from k8scourse.network.flannel import FlannelNetwork
    from k8scourse.network.host import Host
    from k8scourse.network.trace import Trace

COLORS = {"pod": ("#E8F1FA", "#0072B2"), "bridge": ("#FFF4E0", "#E69F00"), "flannel": ("#EAF6EF", "#009E73"),
          "eth": ("#F2F2F2", "#555555"), "none": ("white", "#999999")}
PATH, DROP, WIRE = "#D55E00", "#B00020", "#333333"
MAX_HOSTS = 4
COLUMN_GAP = 0.2
ROWS = {"pod": 3.05, "bridge": 2.35, "flannel": 1.65, "eth": 0.95}  # box centres, inches above the wire area
BOX_H = 0.5
WIRE_Y = 0.35
TOP = 3.95
TINY = 7.0  # points: 9.7 px, the smallest text a crowded box gets (MIN_TEXT_PX is 9)
LANE = 0.17  # the path's lane, left of each host's devices


def _flannel_device(host: Host) -> tuple[str, str] | None:
    """The flannel device's name and a one-line description, or None (host-gw, no lease)."""
    for link in host.tables().links:
        if link.kind == "vxlan":
            return link.name, f"VXLAN VNI {link.vni} :{link.port} · mtu {link.mtu}"
        if link.kind == "tun":
            return link.name, f"TUN · flanneld :8285 · mtu {link.mtu}"
    return None


def network_graph(net: FlannelNetwork) -> nx.Graph:
    """Pods, veths, bridges, flannel devices and interfaces as vertices; cables and routes as edges."""
    graph = nx.Graph()
    graph.add_node("wire", kind="wire", label="the wire")
    for host in net.hosts.values():
        eth = f"{host.name}/{host.iface}"
        graph.add_node(eth, kind="eth", host=host.name, label=f"{host.iface} {host.eth}")
        graph.add_edge(eth, "wire")
        upper = eth
        device = _flannel_device(host)
        if device is not None:
            graph.add_node(f"{host.name}/{device[0]}", kind="flannel", host=host.name, label=device[0])
            graph.add_edge(f"{host.name}/{device[0]}", eth)
            upper = f"{host.name}/{device[0]}"
        if host.bridge is not None:
            bridge = f"{host.name}/{host.bridge.name}"
            graph.add_node(bridge, kind="bridge", host=host.name, label=f"{host.bridge.name} {host.bridge.address}")
            graph.add_edge(bridge, upper)
            for pod, address in host.pods.items():
                graph.add_node(f"{host.name}/{pod}", kind="pod", host=host.name, label=f"{pod} {address}")
                graph.add_edge(f"{host.name}/{pod}", bridge)
    return graph


def _box(ax, x: float, y: float, w: float, h: float, text: str, style: str, fontsize: float = SMALL,
         dashed: bool = False) -> None:
    face, edge = COLORS[style]
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.06",
                                facecolor=face, edgecolor=edge, linewidth=1.2, linestyle="--" if dashed else "-",
                                zorder=2))
    lines, fontsize = _fit(text.split("\n"), w - 0.08, h, fontsize)
    ax.text(x, y, "\n".join(lines), ha="center", va="center", fontsize=fontsize, zorder=3, linespacing=1.15)


def _fit(lines: list[str], width: float, height: float, fontsize: float) -> tuple[list[str], float]:
    """The lines at a size that fits the box: one line split in two, then a smaller font (never under
    ``TINY``), and only then cut short with "…"."""
    if len(lines) == 1 and text_width(lines[0], fontsize) > width and " " in lines[0]:
        head, _, tail = lines[0].partition(" ")
        if 2 * fontsize * 1.2 / 72 <= height:
            lines = [head, tail]
    while fontsize > TINY and any(text_width(line, fontsize) > width for line in lines):
        fontsize = max(TINY, fontsize - 0.5)
    return [fit_text(line, width, fontsize) for line in lines], fontsize


def _wrap(text: str, width: float, fontsize: float) -> list[str]:
    chars = len(text)
    while chars > 20:
        lines = textwrap.wrap(text, chars, break_on_hyphens=False)
        if all(text_width(line, fontsize) <= width for line in lines):
            return lines
        chars -= 4
    return textwrap.wrap(text, 20, break_on_hyphens=False)


def draw_network(net: FlannelNetwork, trace: Trace | None = None, hosts: list[str] | None = None) -> Figure:
    """Each host a column (pods, bridge, flannel device, eth0), the wire below; ``trace`` drawn on it."""
    shown = [net.host(name) for name in hosts] if hosts else list(net.hosts.values())
    if not shown or len(shown) > MAX_HOSTS:
        raise ValueError(f"draw_network draws 1 to {MAX_HOSTS} hosts, not {len(shown)}: pass hosts=[...]")
    notes = _trace_notes(trace) if trace is not None else []
    note_lines = [(line, kind) for note, kind in notes for line in _wrap(note, MAX_WIDTH - 0.4, SMALL)]
    bottom = 0.2 * len(note_lines) + (0.15 if note_lines else 0)
    width, height = MAX_WIDTH, TOP + 0.3 + bottom
    ax = new_axes(width, height)
    column = (width - COLUMN_GAP * (len(shown) + 1)) / len(shown)
    layout = _Layout(bottom)
    for index, host in enumerate(shown):
        _draw_host(ax, host, COLUMN_GAP + index * (column + COLUMN_GAP), column, layout)
    segments = sorted({str(h.eth.network) for h in shown})
    ax.plot([COLUMN_GAP, width - COLUMN_GAP], [layout.wire] * 2, color=WIRE, linewidth=2.2, zorder=1)
    label = "the wire: " + (segments[0] if len(segments) == 1 else " | router | ".join(segments))
    ax.text(width / 2, layout.wire - 0.08, label, ha="center", va="top", fontsize=SMALL, color=WIRE)
    if trace is not None:
        _draw_path(ax, trace, layout)
    for number, (line, kind) in enumerate(note_lines):
        ax.text(0.2, bottom - 0.12 - 0.2 * number, line, ha="left", va="center", fontsize=SMALL,
                color=DROP if kind == "drop" else "black")
    return ensure_legible(ax.get_figure())


class _Layout:
    """Where things were drawn: pods' bottoms, devices' left edges, each host's lane to the left of them."""

    def __init__(self, base: float) -> None:
        self.base = base
        self.wire = base + WIRE_Y + 0.2
        self.pods: dict[tuple[str, str], tuple[float, float]] = {}
        self.devices: dict[tuple[str, str], tuple[float, float]] = {}
        self.lanes: dict[str, float] = {}
        self.bridge_top: dict[str, float] = {}
        self.bridges: dict[str, tuple[float, float]] = {}
        self.ifaces: dict[str, str] = {}

    def y(self, row: str) -> float:
        return self.base + ROWS[row]


def _draw_host(ax, host: Host, x0: float, column: float, layout: _Layout) -> None:
    base = layout.base
    ax.add_patch(FancyBboxPatch((x0, base + 0.6), column, TOP - 0.45, boxstyle="round,pad=0,rounding_size=0.1",
                                facecolor="white", edgecolor="#777777", linewidth=1.1, linestyle="--", zorder=0))
    ax.text(x0 + 0.1, base + TOP + 0.08, fit_text(host.name, column - 0.15, LABEL, "bold"), ha="left", va="top",
            fontsize=LABEL, fontweight="bold")
    lease = host.flanneld.lease if host.flanneld is not None else None
    ax.text(x0 + 0.1, base + TOP - 0.17, fit_text(f"lease {lease}" if lease else "no lease", column - 0.15, SMALL),
            ha="left", va="top", fontsize=SMALL, color="#444444")
    lane, left, right = x0 + LANE, x0 + 2 * LANE, x0 + column - 0.1
    inner, cx = right - left, (left + right) / 2
    layout.lanes[host.name] = lane
    pods = list(host.pods.items())
    if pods:
        pod_w = (column - 0.2 - 0.08 * (len(pods) - 1)) / len(pods)
        for number, (pod, address) in enumerate(pods):
            px = x0 + 0.1 + pod_w / 2 + number * (pod_w + 0.08)
            shown = str(address)
            if text_width(shown, TINY) > pod_w - 0.08:  # keep the part that tells pods apart
                shown = "…." + ".".join(shown.split(".")[2:])
            _box(ax, px, layout.y("pod"), pod_w, BOX_H, f"{pod}\n{shown}", "pod")
            layout.pods[(host.name, pod)] = (px, layout.y("pod") - BOX_H / 2)
    if host.bridge is not None:
        _box(ax, cx, layout.y("bridge"), inner, BOX_H * 0.8,
             f"{host.bridge.name} {host.bridge.address} · mtu {host.bridge.mtu}", "bridge")
        layout.devices[(host.name, host.bridge.name)] = (left, layout.y("bridge"))
        layout.bridge_top[host.name] = layout.y("bridge") + BOX_H * 0.4
        layout.bridges[host.name] = (left, layout.y("bridge"))
    device = _flannel_device(host)
    if device is not None:
        _box(ax, cx, layout.y("flannel"), inner, BOX_H, f"{device[0]}\n{device[1]}", "flannel")
        layout.devices[(host.name, device[0])] = (left, layout.y("flannel"))
    else:
        kind = host.flanneld.config.backend.type if host.flanneld and host.flanneld.config else None
        text = "host-gw: no device, routes via eth0" if kind == "host-gw" else "no flannel device"
        _box(ax, cx, layout.y("flannel"), inner, BOX_H * 0.8, text, "none", dashed=True)
    _box(ax, cx, layout.y("eth"), inner, BOX_H * 0.8, f"{host.iface} {host.eth}", "eth")
    layout.devices[(host.name, host.iface)] = (left, layout.y("eth"))
    layout.ifaces[host.name] = host.iface
    ax.plot([cx, cx], [layout.y("eth") - BOX_H * 0.4, layout.wire], color=WIRE, linewidth=1.4, zorder=1)


def _trace_notes(trace: Trace) -> list[tuple[str, str]]:
    notes = [(f"{trace.src} ({trace.src_ip}) -> {trace.dst}", "title")]
    outer = next((hop.outer for hop in trace.hops if hop.outer is not None), None)
    if outer is not None:
        notes.append((f"on the wire: {outer}: IP {trace.src_ip} > {trace.dst}", "wire"))
    notes.append((f"delivered to {trace.to}", "ok") if trace.delivered else (f"not delivered: {trace.reason}", "drop"))
    return notes


def _stations(trace: Trace, layout: _Layout) -> list[tuple[str, str, tuple[float, float]]]:
    """The places the packet passes, in order: (kind, host, point); the trace's hops name most of them,
    and a packet always goes through a host's eth0 to or from the wire, and through the bridge to a pod."""
    stations: list[tuple[str, str, tuple[float, float]]] = []

    def add(kind: str, host: str, point: tuple[float, float] | None) -> None:
        if point is not None and (not stations or stations[-1][2] != point):
            stations.append((kind, host, point))

    host = ""
    for hop in trace.hops:
        if hop.action == "wire":
            add("device", host, layout.devices.get((host, hop.device)))
            add("wire", host, (layout.lanes[host], layout.wire))
            continue
        if hop.host != host and stations and stations[-1][0] == "wire":
            add("device", hop.host, layout.devices.get((hop.host, layout.ifaces[hop.host])))
        host = hop.host or host
        if hop.device.startswith("veth@"):
            if stations and stations[-1][0] == "device" and hop.action == "deliver":
                add("device", host, layout.bridges.get(host))
            add("pod", host, layout.pods.get((host, hop.device[5:])))
        else:
            add("device", host, layout.devices.get((host, hop.device)))
    return stations


def _line(ax, points: list[tuple[float, float]], color: str = PATH) -> None:
    """A path along ``points``, with an arrowhead at the end."""
    if len(points) > 2:
        ax.plot([p[0] for p in points[:-1]], [p[1] for p in points[:-1]], color=color, linewidth=2.2, zorder=4,
                solid_capstyle="round")
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=13, color=color,
                                 linewidth=2.2, shrinkA=0, shrinkB=0, zorder=4))


def _draw_path(ax, trace: Trace, layout: _Layout) -> None:
    stations = _stations(trace, layout)
    for (kind_a, host_a, a), (kind_b, host_b, b) in zip(stations, stations[1:]):
        if kind_a == "pod" and kind_b == "pod":  # pod to pod through the bridge, on one host
            top = layout.bridge_top[host_a]
            _line(ax, [a, (a[0], top - 0.12), (b[0], top - 0.12), b])
        elif kind_a == "pod":
            _line(ax, [a, (a[0], layout.bridge_top[host_a])])
        elif kind_b == "pod":
            _line(ax, [(b[0], layout.bridge_top[host_b]), b])
        elif kind_a == "wire":  # along the wire to the other host's lane, up into its eth0
            lane = layout.lanes[host_b]
            _line(ax, [a, (lane, layout.wire), (lane, b[1]), b])
        else:
            lane = layout.lanes[host_a]
            _line(ax, [a, (lane, a[1]), (lane, b[1]), b] if kind_b != "wire" else [a, (lane, a[1]), b])
    if stations and not trace.delivered:
        x, y = stations[-1][2]
        ax.text(x, y, "✕", ha="center", va="center", fontsize=18, color=DROP, fontweight="bold", zorder=5)
