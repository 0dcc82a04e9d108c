"""Figures for the course's drawings: made without pyplot, legible at the width JupyterLab shows them.

A drawing function returns a matplotlib ``Figure`` that Jupyter shows once
(pyplot would show it a second time) and that renders anywhere, with or
without a display, because it draws on an Agg canvas of its own.

Legibility is a rule, not a hope. JupyterLab shows a PNG at one screen pixel
per image pixel, shrunk to fit its notebook column (about 950 px wide by
default). Every course figure is drawn at ``DPI`` pixels per inch and at most
``MAX_WIDTH`` inches wide, so it is never shrunk, and no text in it is
smaller than ``MIN_TEXT_PX`` pixels there. :func:`new_axes` enforces the
width when a drawing starts and :func:`ensure_legible` the font sizes when
it ends; tests/test_viz.py walks every drawing with :func:`text_px`.
"""

from __future__ import annotations

import functools
import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

DPI = 100
"""Image pixels per inch of every course figure (one CSS pixel each in JupyterLab at 100 % zoom)."""
DISPLAY_WIDTH_PX = 950
"""JupyterLab's default notebook column: wider images are shrunk to it."""
MAX_WIDTH = DISPLAY_WIDTH_PX / DPI
"""The widest figure, in inches, that JupyterLab shows without shrinking it."""
MIN_TEXT_PX = 9.0
"""The smallest legible text: font size in screen pixels at the size JupyterLab shows the figure."""
MIN_FONT = MIN_TEXT_PX * 72 / DPI
"""``MIN_TEXT_PX`` in points (6.48 pt), the unit matplotlib's ``fontsize`` takes."""

# The course's type sizes, in points (pixels: x 100/72). Every one is at least MIN_FONT.
LABEL, SMALL = 10.0, 8.5


class IllegibleFigure(ValueError):
    """A figure too wide for the notebook, or with text too small to read there."""


class CourseFigure(Figure):
    """A Figure that shows itself as a picture in Jupyter, with or without ``%matplotlib inline``.

    IPython only knows how to show a plain Figure once a matplotlib backend
    is set up; this one says how (``_repr_png_``), so a fresh kernel shows it too.
    """

    def _repr_png_(self) -> bytes:
        return png_bytes(self)


def _show_course_figures_whole() -> None:
    """Make IPython show a CourseFigure with :func:`png_bytes`, at its own size.

    ``%matplotlib inline`` registers a PNG printer for every Figure that
    crops it to its content and adds 0.1 in around it (``bbox_inches="tight"``):
    a 950 px figure would come out 970 px wide and be shrunk. A printer
    registered for CourseFigure itself comes first in IPython's lookup.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # matplotlib without IPython: nothing to register with
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(CourseFigure, png_bytes)


def png_bytes(figure: Figure) -> bytes:
    """The figure as a PNG at its own size and ``DPI``, without a timestamp (same bytes every run)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def new_axes(width: float, height: float) -> Axes:
    """Bare axes filling a new ``width`` x ``height`` inch figure; one data unit is one inch.

    Raises :class:`IllegibleFigure` if the figure would be wider than
    ``MAX_WIDTH``: JupyterLab would shrink it and its text with it.
    """
    if width > MAX_WIDTH + 1e-9:
        raise IllegibleFigure(f"a figure {width:.2f} in wide is shown shrunk to {MAX_WIDTH:g} in in JupyterLab; "
                              f"draw it at most {MAX_WIDTH:g} in wide")
    figure = CourseFigure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return ax


def axes_for(ax: Axes | None, width: float, height: float) -> Axes:
    """``ax`` made ready for a ``width`` x ``height`` inch drawing, or new axes of that size (:func:`new_axes`).

    Given axes keep their size: the drawing's data units are scaled into
    them with equal aspect, and its text keeps its size.
    """
    if ax is None:
        return new_axes(width, height)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def text_px(text: Text) -> float:
    """A text's font size in screen pixels where JupyterLab shows its figure (shrunk to 950 px if wider)."""
    figure = text.get_figure(root=True)
    width_px = figure.get_figwidth() * figure.dpi
    return text.get_fontsize() * figure.dpi / 72 * min(1.0, DISPLAY_WIDTH_PX / width_px)


def visible_texts(figure: Figure) -> list[Text]:
    """Every Text artist the figure draws: labels, legends, titles and tick labels of axes that show them."""
    hidden: set[int] = set()
    for ax in figure.axes:
        if not ax.axison:  # set_axis_off(): ticks and axis labels exist but are not drawn
            hidden.update(id(t) for axis in (ax.xaxis, ax.yaxis) for t in axis.findobj(Text))
    return [t for t in figure.findobj(Text)
            if id(t) not in hidden and t.get_visible() and t.get_text().strip()]


def illegible_texts(figure: Figure) -> list[str]:
    """The texts below ``MIN_TEXT_PX`` at display size, each with its size, e.g. ``'node-1' at 7.2 px``."""
    return [f"{t.get_text()!r} at {text_px(t):.1f} px" for t in visible_texts(figure)
            if text_px(t) < MIN_TEXT_PX - 1e-6]


def ensure_legible(figure: Figure) -> Figure:
    """Return ``figure``, or raise :class:`IllegibleFigure` naming the texts too small to read."""
    small = illegible_texts(figure)
    if small:
        raise IllegibleFigure(f"text under {MIN_TEXT_PX:g} px at {DISPLAY_WIDTH_PX} px display width: "
                              + ", ".join(small[:5]) + (f" and {len(small) - 5} more" if len(small) > 5 else ""))
    return figure


_MEASURE = RendererAgg(1, 1, 72)  # 72 dpi: one pixel per point


@functools.lru_cache(maxsize=4096)
def text_width(text: str, fontsize: float, weight: str = "normal") -> float:
    """How wide ``text`` (its longest line) is drawn at ``fontsize`` points, in inches."""
    prop = _font(fontsize, weight)
    return max(_MEASURE.get_text_width_height_descent(line, prop, ismath=False)[0]
               for line in text.split("\n")) / 72


@functools.lru_cache(maxsize=64)
def _font(fontsize: float, weight: str) -> FontProperties:
    return FontProperties(size=fontsize, weight=weight)


def fit_text(text: str, width: float, fontsize: float, weight: str = "normal") -> str:
    """``text`` cut short with "…" so that it fits ``width`` inches at ``fontsize``."""
    if text_width(text, fontsize, weight) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with "…" is text[:low]
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle] + "…", fontsize, weight) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:max(low, 1)] + "…"


_show_course_figures_whole()
