"""The architecture and placement graphs, their fixed layouts and their drawings."""

from __future__ import annotations

import matplotlib
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from k8scourse.viz.architecture import (
    APISERVER,
    ETCD,
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
