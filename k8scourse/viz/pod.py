"""The parts of a Pod, drawn from what a node's container runtime really holds.

A Pod on a node is a **sandbox**: the pause container, which holds the
Pod's network namespace and so its one IP, plus the app containers, which
join that namespace (they share the IP and reach each other on
``localhost``). Volumes are directories the kubelet makes on the node
(an ``emptyDir`` under ``/var/lib/kubelet/pods/<uid>/volumes/``) and the
runtime mounts into each container that lists them, each at its own path.
The pause container mounts nothing: files are not shared through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

from .canvas import LABEL, MAX_WIDTH, SMALL, ensure_legible, fit_text, new_axes, text_width

NODE_EDGE, POD_EDGE, NETNS = "#2f855a", "#6b46c1", ("#eef4fb", "#2b6cb0")
PAUSE_STYLE, APP_STYLE, VOLUME_STYLE = ("#e2e8f0", "#4a5568"), ("#ddf1e4", "#2f855a"), ("#fde8cf", "#c05621")
MARGIN, BOX_GAP, BOX_H, VOLUME_H, MOUNT_LINE = 0.15, 0.25, 0.78, 0.62, 0.19


class HasNodes(Protocol):
    """What the drawing reads of a ``Cluster``: its apiserver and its kubelets (each with a runtime)."""

    api: Any
    kubelets: Mapping[str, Any]


def pod_sandbox(cluster: HasNodes, pod: str | Mapping[str, Any], namespace: str = "default") -> tuple[dict, Any]:
    """The stored Pod and its newest sandbox on its node, or a ValueError saying why there is none."""
    if isinstance(pod, str):
        pod = cluster.api.get("pods", pod, namespace)
    elif not isinstance(pod, Mapping):
        raise TypeError(f"draw_pod_anatomy() takes a pod name or a Pod object, got {type(pod).__name__}")
    meta = pod["metadata"]
    name, namespace = meta["name"], meta.get("namespace") or namespace
    node = pod.get("spec", {}).get("nodeName")
    if not node:
        raise ValueError(f'pod "{namespace}/{name}" is not bound to a node yet: it has no sandbox to draw')
    if node not in cluster.kubelets:
        raise ValueError(f'pod "{namespace}/{name}" is bound to node "{node}", which has no kubelet in this cluster')
    for sandbox in reversed(cluster.kubelets[node].runtime.sandboxes):
        if sandbox.pod_name == name and sandbox.namespace == namespace:
            return dict(pod), sandbox
    raise ValueError(f'pod "{namespace}/{name}" has no sandbox on {node} yet: let the cluster run a few seconds')


def _newest(sandbox: Any) -> list[Any]:
    """The newest instance of each app container, in the order they were first created."""
    newest: dict[str, Any] = {}
    for container in sandbox.containers:
        newest[container.name] = container
    return list(newest.values())


def draw_pod_anatomy(pod: str | Mapping[str, Any], cluster: HasNodes, namespace: str = "default") -> Figure:
    """Draw a running Pod's sandbox: pause and app containers in one network namespace, its IP, its volumes.

    ``pod`` is a name (in ``namespace``) or a Pod object. Read from the
    node's container runtime: what is drawn is what runs there now.
    """
    obj, sandbox = pod_sandbox(cluster, pod, namespace)
    node = obj["spec"]["nodeName"]
    host_network = bool(obj["spec"].get("hostNetwork"))
    containers = [sandbox.pause, *_newest(sandbox)]
    volumes = list(sandbox.volumes.items())
    # Images as the manifest names them (nginx:1.27); the runtime's full name for pause.
    images = {c["name"]: c["image"] for c in obj["spec"].get("containers", [])}
    mounts = {c.id: sorted((path, v.name) for path, v in c.mounts.items()) for c in containers}
    most_mounts = max([1] + [len(m) for m in mounts.values()])  # a container without mounts says so

    inner_x0, inner_x1 = 3 * MARGIN + 0.1, MAX_WIDTH - 3 * MARGIN - 0.1  # inside the network namespace
    count = len(containers)
    box_w = min(2.4, (inner_x1 - inner_x0 - (count - 1) * BOX_GAP) / count)
    mount_h = most_mounts * MOUNT_LINE + 0.1
    volume_w = (inner_x1 - inner_x0 - (len(volumes) - 1) * BOX_GAP) / max(len(volumes), 1)
    # The pod's UID stands in the Pod's title once; the paths say <uid>.
    details = {name: f"{_volume_kind(obj, name)}, on the node at\n"
               + _wrap_path(volume.host_path.replace(sandbox.pod_uid, "<uid>"), volume_w - 0.16)
               for name, volume in volumes}
    volume_h = max([VOLUME_H] + [0.42 + 0.16 * (d.count("\n") + 1) for d in details.values()])
    height = (MARGIN + 0.35 + 0.35 + 0.4 + BOX_H + 0.15 + mount_h
              + ((0.4 + volume_h) if volumes else 0) + 2 * MARGIN)
    ax = new_axes(MAX_WIDTH, height)

    top = height - MARGIN
    _frame(ax, MARGIN, MARGIN, MAX_WIDTH - 2 * MARGIN, top - MARGIN, node, NODE_EDGE, "white")
    pod_x0, pod_top = 2 * MARGIN, top - 0.35
    _frame(ax, pod_x0, 2 * MARGIN, MAX_WIDTH - 4 * MARGIN, pod_top - 2 * MARGIN,
           f"Pod {sandbox.namespace}/{sandbox.pod_name}   uid {sandbox.pod_uid}", POD_EDGE, "#fbf9fe")
    netns_top = pod_top - 0.35
    netns_bottom = netns_top - 0.4 - BOX_H - 0.15
    where = "the node's own network namespace (hostNetwork)" if host_network else "network namespace"
    _frame(ax, inner_x0 - 0.1, netns_bottom, inner_x1 - inner_x0 + 0.2, netns_top - netns_bottom,
           f"{where}: eth0 {sandbox.ip}, one IP for every container, localhost between them", NETNS[1], NETNS[0],
           dashed=False)

    box_top = netns_top - 0.4
    centers = {}
    for i, container in enumerate(containers):
        x = inner_x0 + i * (box_w + BOX_GAP)
        centers[container.id] = x + box_w / 2
        pause = container is sandbox.pause
        style = PAUSE_STYLE if pause else APP_STYLE
        ax.add_patch(FancyBboxPatch((x, box_top - BOX_H), box_w, BOX_H, boxstyle="round,pad=0,rounding_size=0.08",
                                    facecolor=style[0], edgecolor=style[1], linewidth=1.4, zorder=2))
        title = "pause (sandbox)" if pause else container.name
        detail = "holds the namespaces" if pause else f"{container.state}, attempt {container.attempt}"
        room = box_w - 0.16
        ax.text(x + box_w / 2, box_top - 0.1, fit_text(title, room, LABEL, "bold"), ha="center", va="top",
                fontsize=LABEL, fontweight="bold", zorder=3)
        image = container.image if pause else images.get(container.name, container.image)
        ax.text(x + box_w / 2, box_top - 0.34, fit_text(image, room, SMALL) + "\n"
                + fit_text(detail, room, SMALL), ha="center", va="top", fontsize=SMALL, color="#333333",
                linespacing=1.2, zorder=3)
        lines = [f"{volume} at {path}" for path, volume in mounts[container.id]] or (
            ["mounts no volume"] if pause else ["no volumes"])
        for j, line in enumerate(lines):
            ax.text(x + box_w / 2, netns_bottom - 0.08 - j * MOUNT_LINE, fit_text(line, box_w + BOX_GAP - 0.05,
                    SMALL), ha="center", va="top", fontsize=SMALL, color="#333333")

    if volumes:
        volume_top = netns_bottom - mount_h - 0.4
        width = volume_w
        for k, (name, volume) in enumerate(volumes):
            x = inner_x0 + k * (width + BOX_GAP)
            ax.add_patch(FancyBboxPatch((x, volume_top - volume_h), width, volume_h,
                                        boxstyle="round,pad=0,rounding_size=0.08", facecolor=VOLUME_STYLE[0],
                                        edgecolor=VOLUME_STYLE[1], linewidth=1.4, zorder=2))
            ax.text(x + width / 2, volume_top - 0.1, fit_text(name, width - 0.16, LABEL, "bold"), ha="center",
                    va="top", fontsize=LABEL, fontweight="bold", zorder=3)
            ax.text(x + width / 2, volume_top - 0.36, details[name], ha="center", va="top", fontsize=SMALL,
                    color="#333333", linespacing=1.15, zorder=3)
            for container in containers:
                if any(v == name for _, v in mounts[container.id]):
                    start_y = netns_bottom - 0.08 - len(mounts[container.id]) * MOUNT_LINE - 0.04
                    end_x = min(max(centers[container.id], x + 0.2), x + width - 0.2)
                    ax.add_line(Line2D([centers[container.id], end_x], [start_y, volume_top],
                                       color=VOLUME_STYLE[1], linewidth=1.4, zorder=1))
    return ensure_legible(ax.figure)


def _volume_kind(pod: Mapping[str, Any], name: str) -> str:
    """The volume's source as the manifest names it: emptyDir, hostPath, configMap, ..."""
    for volume in pod["spec"].get("volumes") or ():
        if volume.get("name") == name:
            return next((key for key in volume if key != "name"), "emptyDir")
    return "volume"


def _wrap_path(path: str, width: float) -> str:
    """A node path on as few lines as fit ``width`` inches, broken after a slash."""
    lines, line = [], ""
    for part in path.strip("/").split("/"):
        candidate = f"{line}/{part}"
        if line and text_width(candidate, SMALL) > width:
            lines.append(line + "/")
            line = part
        else:
            line = candidate.lstrip("/") if not line else candidate
    lines.append(line)
    lines[0] = "/" + lines[0]
    return "\n".join(fit_text(line, width, SMALL) for line in lines)


def _frame(ax: Any, x: float, y: float, w: float, h: float, title: str, edge: str, face: str,
           dashed: bool = True) -> None:
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.1", facecolor=face,
                                edgecolor=edge, linewidth=1.3, linestyle="--" if dashed else "-", zorder=0))
    ax.text(x + 0.1, y + h - 0.08, fit_text(title, w - 0.2, LABEL, "bold"), ha="left", va="top", fontsize=LABEL,
            fontweight="bold", color=edge)
