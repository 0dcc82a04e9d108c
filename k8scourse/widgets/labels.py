"""Edit the labels of pods and nodes, and see the kubectl command that does the same.

``LabelEditorModel`` holds all the logic (tests drive it directly);
``label_editor`` only wires ipywidgets to it. A change goes to the apiserver
as the JSON merge patch ``kubectl label`` sends, so controllers and the
scheduler see it as they would see a learner's ``kubectl label``.
"""

from __future__ import annotations

import html
import shlex
from typing import Any, Protocol

from k8scourse.api import validate_labels
from k8scourse.api.errors import FieldValidationError, K8sValueError, ObjectInvalidError

# kubectl's word for each kind the editor handles, and the API resource behind it.
RESOURCES = {"pod": "pods", "node": "nodes"}

Target = tuple[str, "str | None", str]  # (kind, namespace, name); nodes have no namespace


class HasAPI(Protocol):
    """Anything with an ``api`` (a ``Cluster``, or a test's stand-in)."""

    api: Any


class LabelEditorModel:
    """Read and change the labels of one pod or node through ``cluster.api``."""

    def __init__(self, cluster: HasAPI) -> None:
        self.cluster = cluster
        self.target: Target | None = None
        self._command: str | None = None

    def targets(self) -> list[Target]:
        """Every pod (sorted by namespace, name), then every node (by name)."""
        api = self.cluster.api
        pods = [("pod", p["metadata"]["namespace"], p["metadata"]["name"]) for p in api.list("pods")]
        nodes = [("node", None, n["metadata"]["name"]) for n in api.list("nodes")]
        return pods + nodes

    def select(self, kind: str, name: str, namespace: str | None = "default") -> None:
        """Edit ``kind`` ("pod" or "node") ``name`` from now on; a missing object raises NotFound."""
        if kind not in RESOURCES:
            raise ValueError(f'kind must be one of {", ".join(RESOURCES)}, not "{kind}"')
        target: Target = (kind, namespace if kind == "pod" else None, name)
        self._get(target)  # refuse what does not exist
        self.target, self._command = target, None

    def _selected(self) -> Target:
        if self.target is None:
            raise ValueError("select a pod or node first")
        return self.target

    def _get(self, target: Target) -> dict:
        kind, namespace, name = target
        return self.cluster.api.get(RESOURCES[kind], name, namespace)

    def labels_of(self, target: Target) -> dict[str, str]:
        """The labels of any pod or node from :meth:`targets`, as the apiserver has them now."""
        return dict(self._get(target)["metadata"].get("labels") or {})

    @property
    def labels(self) -> dict[str, str]:
        """The selected object's labels, as the apiserver has them now."""
        return self.labels_of(self._selected())

    def set_label(self, key: str, value: str) -> str | None:
        """Add or overwrite one label. Returns None, or the apiserver's error (then nothing changed)."""
        self._command = self._kubectl(f"{key}={value}", "--overwrite")
        try:
            validate_labels({key: value})
        except FieldValidationError as err:
            kind, _, name = self._selected()
            return str(ObjectInvalidError(kind.capitalize(), "", name, err.errors))
        return self._patch({key: value})

    def remove_label(self, key: str) -> str | None:
        """Remove one label. Returns None, or a message saying why nothing changed."""
        self._command = self._kubectl(f"{key}-")
        if key not in self.labels:
            return f'label "{key}" not found.'  # kubectl's words (pkg/cmd/label/label.go)
        return self._patch({key: None})  # null deletes a key in a merge patch

    def _patch(self, labels: dict[str, str | None]) -> str | None:
        kind, namespace, name = self._selected()
        try:
            self.cluster.api.patch(RESOURCES[kind], name, {"metadata": {"labels": labels}}, namespace)
        except K8sValueError as err:  # e.g. the object was deleted meanwhile
            return str(err)
        return None

    def _kubectl(self, *args: str) -> str:
        kind, namespace, name = self._selected()
        flags = ["-n", namespace] if namespace not in (None, "default") else []
        return shlex.join(["kubectl", "label", kind, name, *flags, *args])

    def kubectl_equivalent(self) -> str | None:
        """The kubectl command for the last change tried, e.g. ``kubectl label pod web tier-``."""
        return self._command


def _target_text(target: Target) -> str:
    kind, namespace, name = target
    return f"pod {namespace}/{name}" if kind == "pod" else f"node {name}"


def _labels_table(labels: dict[str, str]) -> str:
    if not labels:
        return "<i>no labels</i>"
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td><code>{html.escape(v)}</code></td></tr>"
                   for k, v in sorted(labels.items()))
    return f"<table><tr><th>key</th><th>value</th></tr>{rows}</table>"


def label_editor(cluster: HasAPI) -> Any:
    """An ipywidgets label editor: pick a pod or node, set or remove labels."""
    import ipywidgets as w

    from .saved import SavedPicture

    model = LabelEditorModel(cluster)
    choice = w.Dropdown(options=[(_target_text(t), t) for t in model.targets()], description="object")
    table, error, command = w.HTML(), w.HTML(), w.HTML()
    key, value = w.Text(description="key"), w.Text(description="value")
    set_button, remove_button = w.Button(description="Set"), w.Button(description="Remove")

    def show(message: str | None = None) -> None:
        table.value = _labels_table(model.labels) if model.target else ""
        error.value = f'<span style="color:#c53030">{html.escape(message)}</span>' if message else ""
        done = model.kubectl_equivalent()
        command.value = f"<code>$ {html.escape(done)}</code>" if done else ""

    def on_choice(change: dict) -> None:
        if change["new"] is not None:
            kind, namespace, name = change["new"]
            model.select(kind, name, namespace)
            show()

    choice.observe(on_choice, names="value")
    set_button.on_click(lambda _: show(model.set_label(key.value, value.value)))
    remove_button.on_click(lambda _: show(model.remove_label(key.value)))
    if choice.value is not None:
        on_choice({"new": choice.value})
    return SavedPicture([choice, table, w.HBox([key, value]), w.HBox([set_button, remove_button]), error, command],
                        "label editor", labels_picture(model))


MAX_ROWS = 16  # objects listed in the label editor's saved picture


def labels_figure(model: LabelEditorModel) -> Any:
    """A figure listing the objects the editor offers and their labels (``kubectl get --show-labels``)."""
    from k8scourse.viz.canvas import MAX_WIDTH, SMALL, ensure_legible, fit_text, new_axes, text_width

    rows = [(_target_text(target), ",".join(f"{k}={v}" for k, v in sorted(model.labels_of(target).items()))
             or "<none>") for target in model.targets()]
    if len(rows) > MAX_ROWS:
        rows = rows[:MAX_ROWS] + [(f"... and {len(rows) - MAX_ROWS} more", "")]
    line = 0.22
    ax = new_axes(MAX_WIDTH, 0.45 + line * max(len(rows), 1))
    top = ax.get_ylim()[1] - 0.15
    labels_x = 0.45 + max(text_width(text, SMALL, "bold") for text, _ in [("OBJECT", ""), *rows])
    for i, (name, labels) in enumerate([("OBJECT", "LABELS"), *rows]):
        weight = "bold" if i == 0 else "normal"
        ax.text(0.15, top - i * line, name, ha="left", va="top", fontsize=SMALL, fontweight=weight)
        ax.text(labels_x, top - i * line, fit_text(labels, MAX_WIDTH - labels_x - 0.1, SMALL, weight), ha="left",
                va="top", fontsize=SMALL, fontweight=weight)
    return ensure_legible(ax.figure)


def labels_picture(model: LabelEditorModel) -> bytes:
    """:func:`labels_figure` as PNG bytes."""
    from k8scourse.viz.canvas import png_bytes

    return png_bytes(labels_figure(model))
