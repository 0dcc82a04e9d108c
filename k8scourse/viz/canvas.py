"""Figures for the course's drawings, made without pyplot.

A drawing function returns a matplotlib ``Figure`` that Jupyter shows once
(pyplot would show it a second time) and that renders anywhere, with or
without a display, because it draws on an Agg canvas of its own.
"""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class CourseFigure(Figure):
    """A Figure that shows itself as a picture in Jupyter, with or without ``%matplotlib inline``.

    IPython only knows how to show a plain Figure once a matplotlib backend
    is set up; this one says how (``_repr_png_``), so a fresh kernel shows it too.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def axes_for(ax: Axes | None, size: tuple[float, float], max_width: float | None = None) -> tuple[Axes, float]:
    """Axes for a drawing of ``size`` inches, and the factor its text sizes must be scaled by.

    Without ``ax``, a new figure on an Agg canvas: ``size``, shrunk to
    ``max_width`` inches if wider. With ``ax``, that axes; the factor says
    how much of ``size`` fits into it. Either way the axes come back bare (no
    ticks or frame) with equal scales, so boxes keep their shape.
    """
    if ax is None:
        scale = min(1.0, max_width / size[0]) if max_width else 1.0
        figure = CourseFigure(figsize=(size[0] * scale, size[1] * scale), layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    else:
        box = ax.get_position()
        width, height = box.width * ax.figure.get_figwidth(), box.height * ax.figure.get_figheight()
        scale = min(1.0, width / size[0], height / size[1])
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax, scale
