"""Go's ``text/tabwriter``, which lines up every column kubectl prints.

kubectl writes cells separated by tabs and lets the tabwriter pad them:
``kubectl get`` with minimum width 6 and padding 3
(``k8s.io/cli-runtime/pkg/printers/tabwriter.go``), ``kubectl describe``
with minimum width 0 and padding 2 (``describe.go`` ``tabbedString``).

The algorithm is the elastic-tabstops one of the Go package: a *column
block* is a run of consecutive lines that all have a tab-terminated cell in
that column; each block is as wide as its widest cell plus the padding. The
text after a line's last tab is not part of any column and is never padded.
"""

from __future__ import annotations


def tabwrite(text: str, minwidth: int, padding: int) -> str:
    """Align the tab-separated cells of ``text`` as Go's tabwriter (pad with spaces, align left)."""
    lines = [line.split("\t") for line in text.split("\n")]
    widths: list[list[int]] = [[0] * (len(cells) - 1) for cells in lines]
    _format(lines, widths, 0, len(lines), 0, minwidth, padding)
    out = []
    for cells, cell_widths in zip(lines, widths):
        padded = [cell + " " * (width - len(cell)) for cell, width in zip(cells, cell_widths)]
        padded.append(cells[-1])
        out.append("".join(padded))
    return "\n".join(out)


def _format(lines: list[list[str]], widths: list[list[int]], line0: int, line1: int, column: int,
            minwidth: int, padding: int) -> None:
    """Give every block of ``column`` between ``line0`` and ``line1`` its width, then recurse right."""
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        start, width = this, minwidth
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        for i in range(start, this):
            widths[i][column] = width
        _format(lines, widths, start, this, column + 1, minwidth, padding)


def table(rows: list[list[str]], pad_last: bool = False) -> str:
    """Rows of cells as ``kubectl get`` prints them (each row ends with a newline).
    ``pad_last``: every cell ends with a tab, the last one too, so it is padded like the
    others (``kubectl top``'s printValue writes ``"%v\t"``)."""
    if not rows:
        return ""
    end = "\t" if pad_last else ""
    return tabwrite("\n".join("\t".join(row) + end for row in rows), 6, 3) + "\n"


def describe_text(text: str) -> str:
    """A describer's tab-separated text as ``kubectl describe`` prints it."""
    return tabwrite(text, 0, 2)
