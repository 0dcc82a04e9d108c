"""Type a label selector, see which pods it picks on the placement picture.

``SelectorExplorerModel`` does what ``kubectl get pods -l '<selector>'``
does: parse the selector (a bad one gets the parser's message) and ask the
apiserver for the pods it matches. ``selector_explorer`` wires a text box
to it and highlights the matches on a ``PlacementView``, recolouring only
(see ``k8scourse/viz/placement.py``), so each keystroke answers quickly.
"""

from __future__ import annotations

import html
import shlex
from dataclasses import dataclass
from typing import Any

from k8scourse.api import parse_selector
from k8scourse.api.errors import K8sValueError

from .labels import HasAPI


@dataclass(frozen=True)
class SelectorResult:
    """What one selector picks: ``matched`` pod names (sorted) or the ``error`` that stopped it."""

    matched: list[str]
    error: str | None
    canonical: str  # the selector as Kubernetes prints it back ("" when it did not parse)
    kubectl: str  # the command that asks the same question


class SelectorExplorerModel:
    """Match label selectors against the pods of one namespace, through ``cluster.api``."""

    def __init__(self, cluster: HasAPI, namespace: str = "default") -> None:
        self.cluster, self.namespace = cluster, namespace

    def _kubectl(self, selector: str) -> str:
        command = "kubectl get pods"
        if self.namespace != "default":
            command += f" -n {shlex.quote(self.namespace)}"
        if selector:
            # Always in single quotes: a shell would split `in (a, b)` or expand `!`.
            command += " -l '" + selector.replace("'", "'\\''") + "'"
        return command

    def set_selector(self, text: str) -> SelectorResult:
        """Pods matching ``text``; an empty selector matches every pod, as ``kubectl get pods``."""
        try:
            canonical = str(parse_selector(text))
        except K8sValueError as err:
            return SelectorResult([], str(err), "", self._kubectl(text))
        pods = self.cluster.api.list("pods", self.namespace, label_selector=canonical or None)
        return SelectorResult(sorted(p["metadata"]["name"] for p in pods), None, canonical,
                              self._kubectl(canonical))


def _message(result: SelectorResult, total: int) -> str:
    if result.error:
        return f'<span style="color:#c53030">{html.escape(result.error)}</span>'
    return (f"<code>$ {html.escape(result.kubectl)}</code> &nbsp; "
            f"{len(result.matched)} of {total} pods match")


def selector_explorer(cluster: HasAPI, namespace: str = "default", color_by: str | None = "app") -> Any:
    """An ipywidgets explorer: a selector box, a message line and the placement picture.

    The picture shows the cluster as it was when the explorer was built;
    press "Reload" after the cluster has changed.
    """
    import ipywidgets as w

    from k8scourse.viz.canvas import DPI
    from k8scourse.viz.placement import PlacementView, placement_graph

    from .saved import SavedPicture

    model = SelectorExplorerModel(cluster, namespace)
    text = w.Text(description="selector", placeholder="e.g. app=web,tier in (frontend)", continuous_update=True)
    message, image, reload = w.HTML(), w.Image(format="png"), w.Button(description="Reload")
    state: dict[str, Any] = {}

    def update(*_: Any) -> None:
        result = model.set_selector(text.value)
        view = state["view"]
        # An empty selector shows the plain picture; one that does not parse
        # picks nothing, so every pod fades.
        chosen = result.error or result.canonical
        view.highlight({f"{namespace}/{name}" for name in result.matched} if chosen else None)
        message.value = _message(result, len(view.pods))
        image.value = view.png()

    def load(*_: Any) -> None:
        api = cluster.api
        view = state["view"] = PlacementView(placement_graph(api.list("nodes"), api.list("pods", namespace)),
                                             color_by=color_by)
        # Shown at the size it was drawn: one image pixel per screen pixel, never stretched.
        width, height = (round(size * DPI) for size in view.figure.get_size_inches())
        image.layout = w.Layout(width=f"{width}px", height=f"{height}px")
        update()

    text.observe(update, names="value")
    reload.on_click(load)
    load()
    return SavedPicture([w.HBox([text, reload]), message, image], "selector explorer", bytes(image.value))
