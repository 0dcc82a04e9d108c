"""The label editor and selector explorer: their models against a real apiserver, and their UIs."""

from __future__ import annotations

import base64
import io
import random
from types import SimpleNamespace

import ipywidgets
import matplotlib
import PIL.Image
import pytest

from k8scourse import parse_selector
from k8scourse.api.errors import StatusError
from k8scourse.clock import VirtualClock
from k8scourse.cluster import Cluster
from k8scourse.etcd.store import Store
from k8scourse.kubectl import Kubectl
from k8scourse.master.apiserver import APIServer
from k8scourse.viz.canvas import DISPLAY_WIDTH_PX, DPI, png_bytes
from k8scourse.viz.placement import PENDING, draw_placement, placement_graph
from k8scourse.widgets import (
    LabelEditorModel,
    SelectorExplorerModel,
    label_editor,
    selector_explorer,
)
from k8scourse.widgets.labels import labels_figure, labels_picture
from k8scourse.widgets.saved import RUN_TO_INTERACT, caption_png

matplotlib.use("Agg")  # pictures render off-screen, as in CI

PODS = {  # name: (namespace, node, labels)
    "web-1": ("default", "node-1", {"app": "web", "tier": "frontend"}),
    "web-2": ("default", "node-2", {"app": "web", "tier": "frontend", "canary": "true"}),
    "db-0": ("default", "node-1", {"app": "db", "tier": "backend"}),
    "debug": ("default", None, {}),
    "web-9": ("staging", "node-2", {"app": "web"}),
}


def make_cluster() -> SimpleNamespace:
    """What the widgets need of a Cluster, ``.api``, on a real apiserver and store."""
    clock = VirtualClock()
    api = APIServer(Store(clock), clock, random.Random(0))
    for namespace in ("default", "staging"):
        api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    for node in ("node-1", "node-2"):
        api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": node, "labels": {"disktype": "ssd"}}})
    for name, (namespace, node, labels) in PODS.items():
        api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                    "spec": {"containers": [{"name": "main", "image": "nginx"}]}}, namespace)
        if node:
            api.bind(namespace, name, node)
    return SimpleNamespace(api=api, clock=clock)


@pytest.fixture
def cluster() -> SimpleNamespace:
    return make_cluster()


# --- label editor model ----------------------------------------------------------------


def test_targets_list_pods_then_nodes(cluster):
    assert LabelEditorModel(cluster).targets() == [
        ("pod", "default", "db-0"), ("pod", "default", "debug"), ("pod", "default", "web-1"),
        ("pod", "default", "web-2"), ("pod", "staging", "web-9"), ("node", None, "node-1"), ("node", None, "node-2"),
    ]


def test_set_label_patches_through_the_apiserver(cluster):
    model = LabelEditorModel(cluster)
    model.select("pod", "web-1")
    assert model.set_label("tier", "edge") is None
    assert cluster.api.get("pods", "web-1", "default")["metadata"]["labels"] == {"app": "web", "tier": "edge"}
    assert model.labels == {"app": "web", "tier": "edge"}
    assert model.kubectl_equivalent() == "kubectl label pod web-1 tier=edge --overwrite"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("bad key", "x", ('Pod "web-1" is invalid: metadata.labels: Invalid value: "bad key": name part must '
                          "consist of alphanumeric characters")),
        ("tier", "a" * 64, 'Pod "web-1" is invalid: metadata.labels: Invalid value: "' + "a" * 64
                           + '": must be no more than 63 characters'),
        ("tier", "-edge", 'Invalid value: "-edge": a valid label must be an empty string or consist of'),
    ],
)
def test_invalid_label_gives_the_apiservers_message_and_changes_nothing(cluster, key, value, message):
    model = LabelEditorModel(cluster)
    model.select("pod", "web-1")
    before = cluster.api.get("pods", "web-1", "default")
    assert message in model.set_label(key, value)
    assert cluster.api.get("pods", "web-1", "default") == before  # same resourceVersion: nothing written


def test_remove_label(cluster):
    model = LabelEditorModel(cluster)
    model.select("pod", "web-2")
    assert model.remove_label("canary") is None
    assert "canary" not in cluster.api.get("pods", "web-2", "default")["metadata"]["labels"]
    assert model.kubectl_equivalent() == "kubectl label pod web-2 canary-"
    assert model.remove_label("canary") == 'label "canary" not found.'


def test_kubectl_equivalent_for_nodes_namespaces_and_quoting(cluster):
    model = LabelEditorModel(cluster)
    assert model.kubectl_equivalent() is None
    model.select("node", "node-1")
    assert model.set_label("disktype", "hdd") is None
    assert model.kubectl_equivalent() == "kubectl label node node-1 disktype=hdd --overwrite"
    assert cluster.api.get("nodes", "node-1")["metadata"]["labels"]["disktype"] == "hdd"
    model.select("pod", "web-9", namespace="staging")
    model.set_label("note", "a b")
    assert model.kubectl_equivalent() == "kubectl label pod web-9 -n staging 'note=a b' --overwrite"


@pytest.mark.parametrize(
    ("kind", "namespace", "name", "change"),
    [
        ("pod", "default", "web-1", ("set", "tier", "edge")),
        ("pod", "staging", "web-9", ("set", "release", "")),
        ("pod", "default", "web-2", ("remove", "canary")),
        ("node", None, "node-2", ("set", "disktype", "hdd")),
    ],
)
def test_kubectl_equivalent_does_the_same_through_kubectl(kind, namespace, name, change):
    edited, typed = make_cluster(), make_cluster()
    model = LabelEditorModel(edited)
    model.select(kind, name, namespace)
    assert (model.set_label(*change[1:]) if change[0] == "set" else model.remove_label(*change[1:])) is None
    result = Kubectl(typed.api, typed.clock).run(model.kubectl_equivalent().removeprefix("kubectl "))
    assert result.ok, result
    resource = {"pod": "pods", "node": "nodes"}[kind]
    assert typed.api.get(resource, name, namespace)["metadata"]["labels"] == model.labels


def test_select_refuses_what_does_not_exist(cluster):
    model = LabelEditorModel(cluster)
    with pytest.raises(ValueError, match="select a pod or node first"):
        model.set_label("a", "b")
    with pytest.raises(StatusError, match='pods "ghost" not found'):
        model.select("pod", "ghost")
    with pytest.raises(ValueError, match="kind must be one of pod, node"):
        model.select("service", "web")


# --- selector explorer model -------------------------------------------------------------


def test_selector_matches_sorted_pod_names(cluster):
    result = SelectorExplorerModel(cluster).set_selector("app=web")
    assert (result.matched, result.error, result.canonical) == (["web-1", "web-2"], None, "app=web")
    assert result.kubectl == "kubectl get pods -l 'app=web'"


def test_set_based_selector_is_printed_canonically(cluster):
    text = "tier in (frontend, backend), !canary"
    result = SelectorExplorerModel(cluster).set_selector(text)
    assert result.matched == ["db-0", "web-1"]
    assert result.canonical == str(parse_selector(text)) == "!canary,tier in (backend,frontend)"
    assert result.kubectl == "kubectl get pods -l '!canary,tier in (backend,frontend)'"


def test_bad_selector_gives_the_parsers_message(cluster):
    with pytest.raises(ValueError) as err:
        parse_selector("app in (web")
    result = SelectorExplorerModel(cluster).set_selector("app in (web")
    assert (result.matched, result.error, result.canonical) == ([], str(err.value), "")
    assert result.kubectl == "kubectl get pods -l 'app in (web'"


def test_empty_selector_matches_every_pod_of_the_namespace(cluster):
    result = SelectorExplorerModel(cluster).set_selector("")
    assert result.matched == ["db-0", "debug", "web-1", "web-2"]
    assert result.kubectl == "kubectl get pods"
    staging = SelectorExplorerModel(cluster, namespace="staging").set_selector("app")
    assert (staging.matched, staging.kubectl) == (["web-9"], "kubectl get pods -n staging -l 'app'")


@pytest.mark.parametrize(("namespace", "text"), [("default", "tier in (frontend, backend), !canary"),
                                                ("default", ""), ("staging", "app")])
def test_selector_kubectl_command_lists_the_same_pods(cluster, namespace, text):
    result = SelectorExplorerModel(cluster, namespace).set_selector(text)
    listed = Kubectl(cluster.api, cluster.clock).run(result.kubectl.removeprefix("kubectl ") + " -o name")
    assert listed.split() == [f"pod/{name}" for name in result.matched]


# --- the UIs -----------------------------------------------------------------------------


def find(widget: ipywidgets.Widget, kind: type, description: str | None = None) -> list:
    """Every widget of a type (and description) inside a container, depth first."""
    found = [widget] if isinstance(widget, kind) and description in (None, getattr(widget, "description", None)) else []
    for child in getattr(widget, "children", ()):
        found += find(child, kind, description)
    return found


def test_label_editor_ui_calls_the_model(cluster):
    ui = label_editor(cluster)
    choice = find(ui, ipywidgets.Dropdown)[0]
    choice.value = ("pod", "default", "web-1")
    find(ui, ipywidgets.Text, "key")[0].value = "tier"
    find(ui, ipywidgets.Text, "value")[0].value = "edge"
    find(ui, ipywidgets.Button, "Set")[0].click()
    assert cluster.api.get("pods", "web-1", "default")["metadata"]["labels"]["tier"] == "edge"
    html = [h.value for h in find(ui, ipywidgets.HTML)]
    assert any("<code>edge</code>" in h for h in html)  # the table
    assert any("kubectl label pod web-1 tier=edge --overwrite" in h for h in html)
    find(ui, ipywidgets.Text, "key")[0].value = "bad key"
    find(ui, ipywidgets.Button, "Set")[0].click()
    assert any("is invalid" in h for h in (h.value for h in find(ui, ipywidgets.HTML)))


def test_selector_explorer_ui_highlights_matches(cluster):
    ui = selector_explorer(cluster)
    image = find(ui, ipywidgets.Image)[0]
    plain = bytes(image.value)
    assert plain.startswith(b"\x89PNG")
    find(ui, ipywidgets.Text, "selector")[0].value = "app=web"
    messages = [h.value for h in find(ui, ipywidgets.HTML)]
    assert any("2 of 4 pods match" in m for m in messages)
    assert bytes(image.value) != plain
    find(ui, ipywidgets.Text, "selector")[0].value = "app in ("
    assert any("unable to parse requirement" in h.value for h in find(ui, ipywidgets.HTML))
    cluster.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-3", "labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "main", "image": "nginx"}]}})
    find(ui, ipywidgets.Text, "selector")[0].value = "app=web"
    find(ui, ipywidgets.Button, "Reload")[0].click()
    assert any("3 of 5 pods match" in h.value for h in find(ui, ipywidgets.HTML))


def test_labelling_a_node_in_the_editor_lets_the_scheduler_place_a_waiting_pod():
    """Chapter 03's lesson end to end: a nodeSelector pod waits until some node has the label."""
    cluster = Cluster.quickstart(nodes=2)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fast", "labels": {"app": "db"}},
                   "spec": {"nodeSelector": {"disktype": "ssd"}, "containers": [{"name": "db", "image": "postgres"}]}})
    cluster.run(10)
    assert set(placement_graph(cluster.api.list("nodes"), cluster.api.list("pods"))["default/fast"]) == {PENDING}
    editor = LabelEditorModel(cluster)
    editor.select("node", "node-2")
    assert editor.set_label("disktype", "ssd") is None
    cluster.run(30)
    assert set(placement_graph(cluster.api.list("nodes"), cluster.api.list("pods"))["default/fast"]) == {"node-2"}
    assert SelectorExplorerModel(cluster).set_selector("app=db").matched == ["fast"]


# --- what a widget cell shows before it is run ----------------------------------------------


@pytest.mark.parametrize(("make", "what"), [(label_editor, "label editor"), (selector_explorer, "selector explorer")])
def test_saved_output_is_a_captioned_picture_not_the_repr(cluster, make, what):
    bundle = make(cluster)._repr_mimebundle_()
    assert bundle["text/plain"] == f"▶ Run this cell to interact with the {what}."  # the same every run (nbval)
    assert "application/vnd.jupyter.widget-view+json" in bundle  # a live kernel still shows the widget
    image = PIL.Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert image.width <= DISPLAY_WIDTH_PX and round(image.info["dpi"][0]) == DPI


def test_saved_pictures_are_the_same_every_time(cluster):
    first, second = (label_editor(cluster)._repr_mimebundle_()["image/png"] for _ in range(2))
    assert first == second


def test_label_editor_picture_lists_the_objects_and_their_labels(cluster):
    image = PIL.Image.open(io.BytesIO(labels_picture(LabelEditorModel(cluster))))
    assert image.width == DISPLAY_WIDTH_PX
    texts = [t.get_text() for t in labels_figure(LabelEditorModel(cluster)).axes[0].texts]
    assert texts[:4] == ["OBJECT", "LABELS", "pod default/db-0", "app=db,tier=backend"]
    assert "<none>" in texts and "node node-2" in texts
    for i in range(12):
        cluster.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"extra-{i:02d}"},
                            "spec": {"containers": [{"name": "main", "image": "nginx"}]}})
    texts = [t.get_text() for t in labels_figure(LabelEditorModel(cluster)).axes[0].texts]
    assert "... and 3 more" in texts and "node node-2" not in texts  # 19 objects, 16 shown


def test_explorer_image_is_shown_at_its_own_size(cluster):
    ui = selector_explorer(cluster)
    image = find(ui, ipywidgets.Image)[0]
    png = PIL.Image.open(io.BytesIO(bytes(image.value)))
    assert (image.layout.width, image.layout.height) == (f"{png.width}px", f"{png.height}px")


def test_caption_is_written_under_the_picture():
    picture = png_bytes(draw_placement(placement_graph([], [])))
    before = PIL.Image.open(io.BytesIO(picture))
    after = PIL.Image.open(io.BytesIO(caption_png(picture, RUN_TO_INTERACT.format(what="explorer"))))
    assert after.width == before.width and after.height == before.height + 36
