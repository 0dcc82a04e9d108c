"""The architecture and placement graphs, their fixed layouts and their drawings."""

from __future__ import annotations

import matplotlib
import networkx as nx
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from k8scourse.viz.architecture import (
    APISERVER,
    ETCD,
    KUBECTL,
    POD_CREATION_NOTES,
    architecture_graph,
    architecture_layout,
    draw_architecture,
    draw_request_path,
    is_watch_event,
    pod_creation_path,
)
from k8scourse.viz.placement import (
    PALETTE,
    PENDING,
    VEIL,
    PlacementView,
    draw_placement,
    placement_graph,
    placement_layout,
    value_colors,
)

matplotlib.use("Agg")  # pictures render off-screen, as in CI


def make_node(name: str, ready: str | None = "True", unschedulable: bool = False, **labels: str) -> dict:
    conditions = [] if ready is None else [{"type": "Ready", "status": ready}]
    return {"metadata": {"name": name, "labels": labels}, "spec": {"unschedulable": unschedulable},
            "status": {"conditions": conditions}}


def make_pod(name: str, node: str | None = None, namespace: str = "default", phase: str = "Running",
             owner: str | None = None, **labels: str) -> dict:
    meta: dict = {"name": name, "namespace": namespace, "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": owner, "controller": True}]
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}, "status": {"phase": phase}}


# --- architecture --------------------------------------------------------------------


def test_architecture_has_every_component_of_the_seed():
    graph = architecture_graph(["node-1", "node-2"])
    assert {"kubectl", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"} <= set(graph)
    for node in ("node-1", "node-2"):
        for component in ("kubelet", "kube-proxy", "container runtime", "pods"):
            assert graph.nodes[f"{node}/{component}"] == {**graph.nodes[f"{node}/{component}"], "host": node,
                                                          "component": component}
    runtime = graph.nodes["node-1/container runtime"]["description"]
    assert "Docker Engine" in runtime and "containerd" in runtime and "CRI" in runtime


def test_architecture_edges_say_who_talks_to_whom():
    graph = architecture_graph(["node-1"])
    assert graph.edges["kubectl", APISERVER]["protocol"] == "HTTPS REST"
    assert graph.edges[APISERVER, ETCD]["protocol"] == "gRPC"
    for client in ("kube-scheduler", "kube-controller-manager", "node-1/kubelet", "node-1/kube-proxy"):
        assert graph.has_edge(client, APISERVER)
    assert "lease" in graph.edges["node-1/kubelet", APISERVER]["label"]
    assert graph.edges["node-1/kubelet", "node-1/container runtime"]["protocol"] == "CRI (gRPC)"
    assert graph.has_edge("node-1/container runtime", "node-1/pods")


def test_only_the_apiserver_touches_etcd():
    graph = architecture_graph()
    assert set(graph.predecessors(ETCD)) | set(graph.successors(ETCD)) == {APISERVER}


def test_components_never_call_each_other_except_inside_a_node():
    graph = architecture_graph()
    for a, b in graph.edges:
        if APISERVER not in (a, b):
            assert graph.nodes[a]["host"] == graph.nodes[b]["host"] not in ("master", "client"), (a, b)


def test_architecture_layout_is_fixed_apiserver_between_master_and_nodes():
    first, second = architecture_layout(architecture_graph()), architecture_layout(architecture_graph())
    assert first == second
    assert max(first[c][0] for c in ("etcd", "kube-scheduler", "kube-controller-manager")) < first[APISERVER][0]
    assert first[APISERVER][0] < first["node-1/kubelet"][0]
    assert first["node-1/kubelet"][1] > first["node-2/kubelet"][1]  # node-1 on top


def test_draw_request_path_numbers_the_hops():
    graph = architecture_graph()
    path = pod_creation_path("node-2")
    figure = draw_request_path(graph, path, notes=POD_CREATION_NOTES)
    assert isinstance(figure, Figure)
    texts = [t.get_text() for t in figure.axes[0].texts]
    hops = len(path) - 1
    for step in range(1, hops + 1):
        assert texts.count(str(step)) == 2  # on the arrow and in the key
    assert any(t.startswith("node-2/kubelet → node-2/container runtime:  CRI") for t in texts)
    # draw_architecture with a path draws the same (the way chapter 01 first called it)
    old = draw_architecture(graph, path=path, notes=POD_CREATION_NOTES)
    assert [t.get_text() for t in old.axes[0].texts] == texts


def test_watch_events_are_dashed_requests_solid():
    graph = architecture_graph(["node-1"])
    path = pod_creation_path("node-1")
    assert [is_watch_event(graph, a, b) for a, b in zip(path, path[1:])] == [
        False, False, True, True, False, False, True, True, False, False]
    figure = draw_request_path(graph, path)
    arrows = [p for p in figure.axes[0].patches if isinstance(p, FancyArrowPatch)][:len(path) - 1]
    assert [p.get_linestyle() == "--" for p in arrows] == [
        False, False, True, True, False, False, True, True, False, False]


def test_draw_architecture_draws_one_arrow_per_edge():
    for nodes in (["node-1"], ["node-1", "node-2", "node-3"]):
        graph = architecture_graph(nodes)
        figure = draw_architecture(graph)
        arrows = [p for p in figure.axes[0].patches if isinstance(p, FancyArrowPatch)]
        assert len(arrows) == graph.number_of_edges()
        labels = {t.get_text() for t in figure.axes[0].texts}
        assert {data["label"] for _, _, data in graph.edges(data=True)} <= labels


def test_the_kubelets_10250_connection_is_only_for_logs_and_exec():
    graph = architecture_graph(["node-1"])
    assert graph.edges[APISERVER, "node-1/kubelet"]["label"] == "logs, exec (:10250)"
    assert not graph.edges[APISERVER, "node-1/kubelet"]["watch"]
    assert graph.edges["node-1/kubelet", APISERVER]["watch"]  # pods reach the kubelet down its own watch
    assert "EndpointSlices" in graph.edges["node-1/kube-proxy", APISERVER]["label"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (["kube-apiserver", "etcd", "kube-scheduler"], "only kube-apiserver talks to etcd"),
        (["kube-scheduler", "node-1/kubelet"], "do not talk to each other directly"),
        (["kubectl", "nowhere"], "unknown component 'nowhere'"),
    ],
)
def test_a_path_must_follow_connections(path, message):
    with pytest.raises(ValueError, match=message):
        draw_request_path(architecture_graph(), path)


def test_notes_must_match_the_hops():
    with pytest.raises(ValueError, match="notes has 1 entries; the path has 2 hops"):
        draw_request_path(architecture_graph(), ["kubectl", APISERVER, ETCD], notes=["one"])
    with pytest.raises(ValueError, match="a path needs at least two components, got 1"):
        draw_request_path(architecture_graph(), ["kubectl"])


# --- placement -----------------------------------------------------------------------

NODES = [make_node("node-2", disktype="ssd"), make_node("node-1"), make_node("node-3", ready="False")]
PODS = [
    make_pod("web-b", "node-1", app="web", owner="web-5d4f"),
    make_pod("web-a", "node-2", app="web", owner="web-5d4f"),
    make_pod("db-0", "node-1", app="db"),
    make_pod("debug", "node-1"),
    make_pod("web-c", None, phase="Pending", app="web"),
    make_pod("web-a", "node-1", namespace="staging", app="web"),
]


def test_placement_graph_joins_pods_to_nodes_and_pending():
    graph = placement_graph(NODES, PODS)
    assert set(graph["node-1"]) == {"default/web-b", "default/db-0", "default/debug", "staging/web-a"}
    assert set(graph[PENDING]) == {"default/web-c"}
    pod = graph.nodes["default/web-b"]
    assert pod == {"kind": "Pod", "name": "web-b", "namespace": "default", "labels": {"app": "web"},
                   "phase": "Running", "owner": "ReplicaSet/web-5d4f", "node": "node-1"}
    assert graph.nodes["default/db-0"]["owner"] is None
    assert graph.nodes["node-2"]["labels"] == {"disktype": "ssd"}


def test_no_pending_bucket_when_every_pod_is_scheduled():
    assert PENDING not in placement_graph(NODES, PODS[:2])


def test_pod_on_a_vanished_node_keeps_its_column():
    graph = placement_graph([], [make_pod("orphan", "node-9")])
    assert graph.nodes["node-9"]["status"] == "Unknown"
    assert set(graph["node-9"]) == {"default/orphan"}


@pytest.mark.parametrize(
    ("node", "status"),
    [
        (make_node("n"), "Ready"),
        (make_node("n", ready="False"), "NotReady"),
        (make_node("n", ready="Unknown"), "NotReady"),  # kubectl prints NotReady for Unknown too
        (make_node("n", ready=None), "Unknown"),
        (make_node("n", unschedulable=True), "Ready,SchedulingDisabled"),
    ],
)
def test_node_status_is_kubectls(node, status):
    assert placement_graph([node], []).nodes["n"]["status"] == status


def test_placement_layout_is_deterministic_columns_sorted():
    pos = placement_layout(placement_graph(NODES, PODS))
    shuffled = placement_layout(placement_graph(NODES[::-1], PODS[::-1]))
    assert pos == shuffled
    xs = [pos[v][0] for v in ("node-1", "node-2", "node-3", PENDING)]
    assert xs == sorted(xs)
    column = [pos[v] for v in ("default/db-0", "default/debug", "default/web-b", "staging/web-a")]
    assert len({x for x, _ in column}) == 1
    assert [y for _, y in column] == sorted((y for _, y in column), reverse=True)  # stacked in name order


def test_value_colours_are_stable_and_distinct():
    assert value_colors(["web"])["web"] == value_colors(["web", "db", "batch", "api", "cache"])["web"]
    assert len(set(value_colors(["v2", "v4"]).values())) == 2  # same slot: v4 takes the next one
    values = [f"v{i}" for i in range(len(PALETTE))]
    assert set(value_colors(values).values()) == set(PALETTE)


def test_draw_placement_colours_by_label_with_legend():
    figure = draw_placement(placement_graph(NODES, PODS), color_by="app")
    legend = figure.axes[0].get_legend()
    assert legend.get_title().get_text() == "label app"
    assert [t.get_text() for t in legend.get_texts()] == ["db", "web", "no app label"]
    expected = value_colors(["web", "db"])
    assert matplotlib.colors.to_hex(legend.legend_handles[1].get_facecolor()) == expected["web"]


def test_cordoned_and_not_ready_nodes_look_different():
    nodes = [make_node("a"), make_node("b", unschedulable=True), make_node("c", ready="False")]
    view = PlacementView(placement_graph(nodes, []))
    backgrounds = [p for p in view.ax.patches if p.get_zorder() == 0]
    assert [p.get_hatch() for p in backgrounds] == [None, "////", None]
    assert [p.get_linestyle() for p in backgrounds] == ["-", "-", "--"]


def overlay_state(view: PlacementView) -> dict[str, tuple[float, tuple]]:
    """Each vertex's overlay line width and face colour (columns first, then pods)."""
    heads = [head for head, _ in view.columns]
    widths, faces = view.overlay.get_linewidth(), view.overlay.get_facecolor()
    return {v: (widths[i], tuple(faces[i])) for i, v in enumerate(heads + view.pods)}


def test_highlight_outlines_chosen_and_fades_the_rest():
    view = PlacementView(placement_graph(NODES, PODS))
    view.highlight({"default/web-b", "node-2"})
    state = overlay_state(view)
    assert state["default/web-b"][0] > 0 and state["default/web-b"][1][3] == 0
    assert state["default/db-0"] == (0.0, VEIL)
    assert state["node-2"][0] > 0 and state["node-1"][0] == 0
    view.highlight(None)
    assert all(width == 0 and face[3] == 0 for width, face in overlay_state(view).values())


def test_empty_highlight_fades_every_pod():
    view = PlacementView(placement_graph(NODES, PODS))
    view.highlight(set())
    assert all(overlay_state(view)[pod] == (0.0, VEIL) for pod in view.pods)


def test_png_repaints_only_the_overlay_but_shows_the_same_picture():
    graph = placement_graph(NODES, PODS)
    fast = PlacementView(graph)
    first = fast.png()
    assert first.startswith(b"\x89PNG")
    fast.highlight({"default/web-a"})
    fresh = PlacementView(graph)
    fresh.highlight({"default/web-a"})
    assert fast.png() == fresh.png() != first


def test_an_empty_cluster_still_draws():
    view = PlacementView(placement_graph([], []))
    view.highlight(set())
    assert view.png().startswith(b"\x89PNG")


# --- every drawing is legible at JupyterLab's width ----------------------------------------
# JupyterLab shows a PNG at one screen pixel per image pixel, shrunk to its
# ~950 px notebook column if wider. canvas.py draws every figure at DPI and at
# most 9.5 in wide; these tests walk each drawing's Text artists.

import base64  # noqa: E402 - grouped with the tests that use them
import struct  # noqa: E402
from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from k8scourse.cluster import Cluster  # noqa: E402
from k8scourse.viz import draw_backoff, draw_pod_anatomy, draw_request_spread, draw_requests_over_time  # noqa: E402
from k8scourse.viz.backoff import kubelet_pause, pauses  # noqa: E402
from k8scourse.viz.pod import pod_sandbox  # noqa: E402
from k8scourse.widgets import LabelEditorModel  # noqa: E402
from k8scourse.widgets.labels import labels_figure  # noqa: E402
from k8scourse.viz.canvas import (  # noqa: E402
    DISPLAY_WIDTH_PX,
    DPI,
    MIN_TEXT_PX,
    IllegibleFigure,
    ensure_legible,
    fit_text,
    new_axes,
    png_bytes,
    text_px,
    text_width,
    visible_texts,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = """
apiVersion: v1
kind: Pod
metadata: {name: shared}
spec:
  volumes: [{name: html, emptyDir: {}}, {name: logs, emptyDir: {}}]
  containers:
  - name: web
    image: nginx:1.27
    volumeMounts: [{name: html, mountPath: /usr/share/nginx/html}, {name: logs, mountPath: /var/log/nginx}]
  - name: writer
    image: busybox:1.36
    command: ["sleep", "infinity"]
    volumeMounts: [{name: html, mountPath: /data}]
  - name: shipper
    image: busybox:1.36
    command: ["sleep", "infinity"]
    volumeMounts: [{name: logs, mountPath: /in}]
"""
SOLO = """
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  containers: [{name: app, image: "busybox:1.36", command: ["sleep", "infinity"]}]
"""


@pytest.fixture(scope="module")
def pod_cluster() -> Cluster:
    cluster = Cluster.quickstart(nodes=1, seed=0)
    cluster.apply(SHARED)
    cluster.apply(SOLO)
    cluster.run(20)
    return cluster


def many_pods() -> nx.Graph:
    nodes = [make_node(f"worker-node-{i:02d}", disktype="ssd", zone=f"europe-west-{i}") for i in range(12)]
    pods = [make_pod(f"payment-gateway-{i:03d}", f"worker-node-{i % 12:02d}", app=f"app-{i % 7}")
            for i in range(200)]
    return placement_graph(nodes, pods + [make_pod("waiting-for-a-node", None, phase="Pending")])


DRAWINGS = {
    "architecture, 1 node": lambda _: draw_architecture(architecture_graph(["node-1"])),
    "architecture, 3 nodes": lambda _: draw_architecture(architecture_graph(["node-1", "node-2", "node-3"])),
    "architecture, 5 nodes": lambda _: draw_architecture(architecture_graph([f"node-{i}" for i in range(1, 6)])),
    "request path with notes": lambda _: draw_request_path(architecture_graph(["node-1", "node-2"]),
                                                           pod_creation_path("node-2"), POD_CREATION_NOTES),
    "request path": lambda _: draw_request_path(architecture_graph(), [KUBECTL, APISERVER, ETCD]),
    "placement": lambda _: draw_placement(placement_graph(NODES, PODS), highlight={"default/web-a"}),
    "placement, empty": lambda _: draw_placement(placement_graph([], [])),
    "placement, 12 nodes 200 pods": lambda _: draw_placement(many_pods()),
    "pod anatomy, 3 containers 2 volumes": lambda cluster: draw_pod_anatomy("shared", cluster),
    "pod anatomy, 1 container": lambda cluster: draw_pod_anatomy("solo", cluster),
    "backoff": lambda _: draw_backoff([59.8, 65, 80, 105, 150, 235, 400, 705], ran_for=5),
    "request spread": lambda _: draw_request_spread({"web-7d9c-abcde": 1017, "web-7d9c-fghij": 993,
                                                     "web-7d9c-klmno": 990}),
    "requests over time": lambda _: draw_requests_over_time(
        list(range(0, 400, 5)), [20 if t < 2 or t > 42 else 13 for t in range(0, 400, 5)],
        [0 if t < 2 or t > 42 else 7 for t in range(0, 400, 5)],
        {"node-2 fails": 2, "node-2 NotReady": 42, "pods evicted": 302, "later": 900}),
    "label editor's saved picture": lambda cluster: labels_figure(LabelEditorModel(cluster)),
}


@pytest.fixture(params=list(DRAWINGS))
def drawing(request, pod_cluster) -> Figure:
    figure = DRAWINGS[request.param](pod_cluster)
    figure.canvas.draw()
    return figure


def test_every_figure_fits_the_notebook_and_every_text_is_9_px_or_more(drawing):
    assert drawing.get_figwidth() * drawing.dpi <= DISPLAY_WIDTH_PX
    texts = visible_texts(drawing)
    assert texts
    for text in texts:
        # font size in points x pixels per point x how much JupyterLab shrinks the figure
        width_px = drawing.get_figwidth() * drawing.dpi
        shown = text.get_fontsize() * drawing.dpi / 72 * min(1, DISPLAY_WIDTH_PX / width_px)
        assert shown == pytest.approx(text_px(text))
        assert shown >= MIN_TEXT_PX, f"{text.get_text()!r} is {shown:.1f} px"


def test_no_text_leaves_the_figure(drawing):
    renderer = drawing.canvas.get_renderer()
    for text in visible_texts(drawing):
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.y0 >= -1, text.get_text()
        assert box.x1 <= drawing.bbox.width + 1 and box.y1 <= drawing.bbox.height + 1, text.get_text()


def display_paths(figure: Figure) -> list[tuple[str, MplPath]]:
    """Every arrow and line of the figure, in display coordinates."""
    paths = []
    for ax in figure.axes:
        for patch in ax.patches:
            if isinstance(patch, FancyArrowPatch):
                paths.append(("arrow", patch.get_transform().transform_path(patch.get_path())))
        for line in ax.lines:
            if isinstance(line, Line2D) and line.get_visible():
                paths.append(("line", line.get_transform().transform_path(line.get_path())))
    return paths


def crossings(figure: Figure) -> list[str]:
    """Each arrow or line that runs through a text (touching its edge is fine)."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    paths = display_paths(figure)
    crossed = []
    for text in visible_texts(figure):
        box = text.get_window_extent(renderer)
        box = box.from_extents(box.x0 + 1.5, box.y0 + 1.5, box.x1 - 1.5, box.y1 - 1.5)
        for kind, path in paths:
            if any(MplPath(polygon).intersects_bbox(box, filled=False)
                   for polygon in path.to_polygons(closed_only=False)):
                crossed.append(f"{kind} crosses {text.get_text()!r}")
    return crossed


def overlaps(figure: Figure) -> list[tuple[str, str]]:
    """Pairs of texts drawn over each other (by more than a pixel)."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in visible_texts(figure)]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:]
            if box_a.x0 < box_b.x1 - 1 and box_b.x0 < box_a.x1 - 1
            and box_a.y0 < box_b.y1 - 1 and box_b.y0 < box_a.y1 - 1]


def test_no_arrow_or_line_crosses_a_text(drawing):
    assert crossings(drawing) == []


def test_texts_do_not_overlap(drawing):
    assert overlaps(drawing) == []


def test_crossings_and_overlaps_are_found():
    ax = new_axes(4, 2)
    ax.text(1, 1, "label", fontsize=10, ha="center", va="center")
    ax.text(1.1, 1.02, "other", fontsize=10, ha="center", va="center")
    ax.text(3, 1.5, "apart", fontsize=10)
    ax.add_patch(FancyArrowPatch((0.2, 0.2), (1.8, 1.8), arrowstyle="-|>"))
    ax.add_line(Line2D([0.5, 1.5], [1, 1]))
    assert crossings(ax.figure) == ["arrow crosses 'label'", "line crosses 'label'", "arrow crosses 'other'",
                                    "line crosses 'other'"]
    assert overlaps(ax.figure) == [("label", "other")]


# --- the canvas rules ----------------------------------------------------------------------


def test_a_figure_wider_than_the_notebook_is_refused():
    assert new_axes(9.5, 2).figure.get_figwidth() == 9.5
    with pytest.raises(IllegibleFigure, match="a figure 9.60 in wide is shown shrunk to 9.5 in in JupyterLab"):
        new_axes(9.6, 2)


def test_text_under_9_px_is_refused():
    ax = new_axes(4, 1)
    ax.text(1, 0.5, "fine", fontsize=6.5)  # 9.03 px
    assert ensure_legible(ax.figure) is ax.figure
    ax.text(2, 0.5, "tiny", fontsize=6)
    with pytest.raises(IllegibleFigure, match=r"text under 9 px at 950 px display width: 'tiny' at 8.3 px"):
        ensure_legible(ax.figure)


def test_a_wider_figure_shrinks_its_text():
    figure = Figure(figsize=(19, 2), dpi=100)  # 1,900 px, shown at 950: half size
    text = figure.text(0.5, 0.5, "label", fontsize=10)
    assert text_px(text) == pytest.approx(10 * 100 / 72 / 2)


def test_fit_text_cuts_what_does_not_fit():
    assert fit_text("node-1", 2, 10) == "node-1"
    cut = fit_text("a-very-long-pod-name-indeed", 0.8, 10)
    assert cut.endswith("…") and text_width(cut, 10) <= 0.8 and "a-very-long-pod-name-indeed".startswith(cut[:-1])


def png_info(data: bytes) -> tuple[int, float | None]:
    """A PNG's width in pixels and its DPI (from the pHYs chunk, None if absent)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width = struct.unpack(">I", data[16:20])[0]
    offset = 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"pHYs":
            per_unit, _, unit = struct.unpack(">IIB", data[offset + 8:offset + 17])
            return width, per_unit * 0.0254 if unit == 1 else None
        offset += 12 + length
    return width, None


def test_course_pngs_say_their_dpi_and_are_the_same_every_time():
    figure = draw_architecture(architecture_graph(["node-1"]))
    assert png_bytes(figure) == png_bytes(figure)
    width, dpi = png_info(figure._repr_png_())
    assert (width, round(dpi)) == (950, DPI)


# --- the pictures saved in the notebooks ---------------------------------------------------

NOTEBOOKS = sorted(p for folder in ("notebooks", "exercises", "solutions") for p in (ROOT / folder).glob("*.ipynb"))


def saved_picture_problems(path: Path) -> list[str]:
    """PNG outputs that JupyterLab would show with text under 9 px, or that no course drawing made.

    The creation-time check (canvas.ensure_legible) guarantees 9 px at the
    figure's own size at DPI. A saved PNG keeps that if it comes from a course
    drawing (a CourseFigure, or a widget's saved picture) and is not shown
    smaller: its DPI (pHYs) times its shown width over its pixel width must
    be at least DPI, shown width being the output's metadata width or the
    PNG's own, and at most 950 px.
    """
    problems = []
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            where = f"{path.parent.name}/{path.name} cell {index}"
            plain = data.get("text/plain", "")
            plain = plain if isinstance(plain, str) else "".join(plain)
            if not (plain.startswith("<CourseFigure") or "Run this cell to interact" in plain):
                problems.append(f"{where}: a picture not drawn by k8scourse.viz ({plain[:40]!r}); its fonts "
                                "were never checked: draw it with a k8scourse.viz function")
                continue
            width, dpi = png_info(base64.b64decode(data["image/png"]))
            metadata = output.get("metadata", {}).get("image/png", {})
            shown = min(float(metadata.get("width", width)), DISPLAY_WIDTH_PX)
            if dpi is None:
                problems.append(f"{where}: the PNG does not say its DPI")
            elif dpi * shown / width < DPI - 0.5:
                problems.append(f"{where}: a {width} px picture shown {shown:g} px wide: its text shrinks to "
                                f"{dpi * shown / width / DPI:.0%} of its drawn size")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_saved_pictures_are_legible_at_notebook_width(path: Path):
    problems = saved_picture_problems(path)
    assert not problems, "\n".join(problems)


def test_a_saved_picture_too_wide_or_not_ours_is_reported(tmp_path: Path):
    wide = Figure(figsize=(16, 4), dpi=100)
    wide.text(0.5, 0.5, "x")
    cells = []
    for figure, plain in ((wide, "<CourseFigure size 1600x400 with 0 Axes>"), (wide, "<Figure size 1600x400>"),
                          (draw_backoff([0, 5, 20]), "<CourseFigure size 950x360 with 1 Axes>")):
        cell = nbformat.v4.new_code_cell("draw()")
        png = png_bytes(figure)
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "image/png": base64.b64encode(png).decode(), "text/plain": plain})]
        cells.append(cell)
    path = tmp_path / "notebooks" / "01-x.ipynb"
    path.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    assert saved_picture_problems(path) == [
        "notebooks/01-x.ipynb cell 0: a 1600 px picture shown 950 px wide: its text shrinks to 59% of its drawn size",
        "notebooks/01-x.ipynb cell 1: a picture not drawn by k8scourse.viz ('<Figure size 1600x400>'); its fonts "
        "were never checked: draw it with a k8scourse.viz function"]


# --- the two drawings of chapter 02 ----------------------------------------------------------


def test_kubelet_backoff_rule_and_measured_pauses():
    assert [kubelet_pause(n) for n in range(1, 9)] == [0, 10, 20, 40, 80, 160, 300, 300]
    assert pauses([59.8, 65, 80, 105], ran_for=5) == [0.2, 10, 20]
    with pytest.raises(ValueError, match="start times must grow by at least ran_for=5 s: 62 follows 60"):
        pauses([60, 62], ran_for=5)
    with pytest.raises(ValueError, match="ran_for must be 0 or more seconds, got -1"):
        pauses([0, 10], ran_for=-1)
    with pytest.raises(ValueError, match="needs the times of at least two starts, got 1"):
        draw_backoff([3])


def test_backoff_bars_are_the_measured_pauses():
    figure = draw_backoff([0, 5, 20, 45], ran_for=5)
    bars = [p.get_height() for p in figure.axes[0].patches if p.get_width() == pytest.approx(0.55)]
    assert bars == [0, 10, 20]
    assert {"0 s", "10 s", "20 s"} <= {t.get_text() for t in figure.axes[0].texts}


def test_pod_anatomy_is_read_from_the_runtime(pod_cluster):
    figure = draw_pod_anatomy("shared", pod_cluster)
    texts = "\n".join(t.get_text() for t in visible_texts(figure))
    ip = pod_cluster.api.get("pods", "shared")["status"]["podIP"]
    assert f"eth0 {ip}" in texts
    assert "pause (sandbox)" in texts and "mounts no volume" in texts  # files are not shared through pause
    for line in ("web", "writer", "shipper", "html at /data", "logs at /in", "html", "logs",
                 "emptyDir, on the node at", "registry.k8s.io/pause:3.10", "nginx:1.27"):
        assert line in texts, line
    uid = pod_cluster.api.get("pods", "shared")["metadata"]["uid"]
    assert f"uid {uid}" in texts  # the emptyDir's directory on the node is under /var/lib/kubelet/pods/<uid>/
    assert "/var/lib/kubelet/pods/<uid>/volumes/\nkubernetes.io~empty-dir/html" in texts
    mounts = sum(len(c.mounts) for c in pod_sandbox(pod_cluster, "shared")[1].containers)
    assert len(figure.axes[0].lines) == mounts  # one line per mount; pause mounts nothing
    assert draw_pod_anatomy(pod_cluster.api.get("pods", "solo"), pod_cluster) is not None


def test_pod_anatomy_refuses_what_it_cannot_draw(pod_cluster):
    pod_cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nowhere"},
                       "spec": {"nodeSelector": {"disk": "none"}, "containers": [{"name": "a", "image": "nginx"}]}})
    with pytest.raises(ValueError, match='pod "default/nowhere" is not bound to a node yet'):
        draw_pod_anatomy("nowhere", pod_cluster)
    with pytest.raises(TypeError, match="takes a pod name or a Pod object, got int"):
        draw_pod_anatomy(42, pod_cluster)


def test_matplotlib_inline_shows_a_course_figure_at_its_own_size():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    from k8scourse.viz import canvas

    shell = InteractiveShell.instance()
    try:
        select_figure_formats(shell, {"png"})  # what %matplotlib inline does: crop every Figure ("tight")
        cropped, _ = shell.display_formatter.format(draw_architecture(architecture_graph(["node-1"])))
        cropped = cropped["image/png"]
        assert png_info(base64.b64decode(cropped) if isinstance(cropped, str) else cropped)[0] == 970
        canvas._show_course_figures_whole()
        data, _ = shell.display_formatter.format(draw_architecture(architecture_graph(["node-1"])))
        png = data["image/png"]
        png = base64.b64decode(png) if isinstance(png, str) else png
        assert png_info(png)[0] == DISPLAY_WIDTH_PX  # not 970 px: cropped to content plus 0.1 in each side
    finally:
        InteractiveShell.clear_instance()


def test_many_nodes_wrap_into_bands_with_every_name_whole():
    view = PlacementView(many_pods())
    assert view.per_band < len(view.columns)
    names = [t.get_text() for t in view.ax.texts]
    assert "payment-gateway-199" in names and "waiting-for-a-node · Pending" in names
    assert not [name for name in names if name.endswith("…")]
    pos = view.positions
    assert pos["worker-node-00"][1] == 0 and pos[f"worker-node-{view.per_band:02d}"][1] < 0  # the next band, below
    assert pos[f"worker-node-{view.per_band:02d}"][0] == pos["worker-node-00"][0]


def test_the_picture_starts_at_the_top_no_empty_band():
    import io

    import numpy as np
    import PIL.Image

    view = PlacementView(placement_graph(NODES, PODS))
    pixels = np.asarray(PIL.Image.open(io.BytesIO(view.png())).convert("L"))
    rows = np.nonzero((pixels < 250).any(axis=1))[0]
    assert rows[0] <= 0.15 * DPI and pixels.shape[0] - rows[-1] <= 0.15 * DPI


def test_drawings_go_into_axes_you_give_them():
    figure = Figure(figsize=(16, 12))  # wider than the notebook: yours to choose, not checked
    top, middle, bottom = figure.subplots(3)
    graph = architecture_graph(["node-1"])
    assert draw_architecture(graph, ax=top) is figure
    assert draw_request_path(graph, pod_creation_path("node-1"), ax=middle) is figure
    assert draw_placement(placement_graph(NODES, PODS), ax=bottom) is figure
    assert {t.get_text() for t in top.texts} >= {"kubectl", "etcd", "node-1"}


def test_a_timeline_legend_of_five_colours_stays_inside_the_figure():
    """Five kinds of state in one row of legend ran off both sides of a 950 px figure."""
    from k8scourse.timeline import Change, Timeline
    from k8scourse.viz import draw_timeline

    states = ["Ready", "NotReady", "NotReady, taints: node.kubernetes.io/unreachable:NoExecute",
              "Running, Ready=True, on node-1", "Running, Ready=False, on node-2",
              "CrashLoopBackOff, Ready=False, on node-1", "Error, Ready=False, on node-1",
              "Terminating, Ready=False, on node-2"]
    timeline = Timeline([Change(0, f"pod/p{i}", state) for i, state in enumerate(states)], 10)
    figure = draw_timeline(timeline)
    figure.canvas.draw()
    legend = figure.axes[0].get_legend().get_window_extent()
    assert len(figure.axes[0].get_legend().get_texts()) == 5
    assert 0 <= legend.x0 and legend.x1 <= figure.bbox.x1 and 0 <= legend.y0


def test_request_drawings_refuse_what_they_cannot_draw():
    with pytest.raises(ValueError, match="mapping of pod name"):
        draw_request_spread({})
    with pytest.raises(ValueError, match="whole numbers of 0 or more"):
        draw_request_spread({"a": -1})
    with pytest.raises(ValueError, match="same, non-zero length"):
        draw_requests_over_time([0, 1], [1], [0, 0])
