"""What a widget cell shows before anyone runs it: a picture and a line saying to run the cell.

A notebook saved with a widget's output holds no live widget: opened again,
JupyterLab cannot draw it and falls back to the plain-text repr,
``VBox(children=(...``. :class:`SavedPicture` gives the widget a better
fallback in its display data: a PNG of what it showed when the notebook was
executed, captioned "Run this cell to interact", and the same line as plain
text. A running kernel still shows the live widget. Imported only when a
widget is built (it loads ipywidgets).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import ipywidgets as w
import PIL.Image

from k8scourse.viz.canvas import DPI, SMALL, new_axes, png_bytes

RUN_TO_INTERACT = "▶ Run this cell to interact with the {what}."


def caption_png(picture: bytes, caption: str) -> bytes:
    """``picture`` with ``caption`` written on a white strip under it, at the same width and DPI."""
    image = PIL.Image.open(io.BytesIO(picture)).convert("RGBA")
    ax = new_axes(image.width / DPI, 0.36)
    ax.text(0.1, 0.18, caption, ha="left", va="center", fontsize=SMALL + 1, color="#1a1a1a")
    strip = PIL.Image.open(io.BytesIO(png_bytes(ax.figure))).convert("RGBA")
    combined = PIL.Image.new("RGBA", (image.width, image.height + strip.height), "white")
    combined.paste(image, (0, 0))
    combined.paste(strip, (0, image.height))
    out = io.BytesIO()
    combined.save(out, format="png", dpi=(DPI, DPI))
    return out.getvalue()


class SavedPicture(w.VBox):
    """A VBox whose saved output, without a kernel, is a captioned picture instead of its repr."""

    def __init__(self, children: list[w.Widget], what: str, picture: bytes, **kwargs: Any) -> None:
        super().__init__(children, **kwargs)
        self.caption = RUN_TO_INTERACT.format(what=what)
        self.picture = caption_png(picture, self.caption)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["image/png"] = base64.b64encode(self.picture).decode("ascii")
        bundle["text/plain"] = self.caption
        return bundle
