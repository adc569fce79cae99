"""Charts as SVG bytes, drawn with Matplotlib's object API (no pyplot state in a server)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure

# One look for every chart, on the web and in PDFs: the PDFs' font (DejaVu Sans, which
# Matplotlib ships), the same sizes, and a colour-blind-safe palette (Okabe and Ito) whose
# lines also differ by marker and dash, so that no series depends on colour alone.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.labelsize": 9,
    "axes.edgecolor": "#6b7280",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "svg.fonttype": "none",  # text stays text in the SVG: selectable and readable by tools
}

# Colour is never the only cue: every class also has its own hatch pattern and a legend label.
CLASS_STYLE = {
    "aligned": ("#1e6b34", ""),
    "optimistic": ("#a4161a", "///"),
    "pessimistic": ("#0b4f9c", "..."),
    "unknown": ("#8a8f98", "xx"),
}
CLASS_LABELS = {
    "aligned": "aligned",
    "optimistic": "optimistic",
    "pessimistic": "pessimistic",
    "unknown": "don't know",
}


def gap_shares_svg(rows: Sequence[tuple[str, Mapping[str, int]]], title: str) -> bytes:
    """A stacked horizontal bar per role of the share of each gap class (for the web)."""
    with rc_context(STYLE):  # type: ignore[arg-type]  # keys checked at run time
        return _save(_gap_shares_figure(rows, title), "svg")


def gap_shares_png(rows: Sequence[tuple[str, Mapping[str, int]]], title: str) -> bytes:
    """The same chart as a PNG, for PDFs: fpdf2 draws SVG without hatch patterns and dropped
    every hatched bar, so the PDF showed only the "aligned" share."""
    with rc_context(STYLE):  # type: ignore[arg-type]  # keys checked at run time
        return _save(_gap_shares_figure(rows, title), "png")


def _save(figure: Figure, fmt: str) -> bytes:
    """The figure's bytes; "tight" bounds take in legends and labels outside the axes, which
    a fixed canvas used to cut off."""
    buffer = io.BytesIO()
    if fmt == "png":
        figure.savefig(
            buffer, format="png", dpi=200, metadata={"Software": None}, bbox_inches="tight"
        )
    else:
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return buffer.getvalue()


def _gap_shares_figure(rows: Sequence[tuple[str, Mapping[str, int]]], title: str) -> Figure:
    height = 1.2 + 0.55 * max(len(rows), 1)
    figure = Figure(figsize=(7.5, height), dpi=100)
    axes = figure.add_subplot()
    labels = [label for label, _ in rows]
    left = [0.0] * len(rows)
    for gap, (colour, hatch) in CLASS_STYLE.items():
        shares = []
        for _, counts in rows:
            total = sum(counts.values())
            shares.append(100 * counts.get(gap, 0) / total if total else 0.0)
        axes.barh(
            labels,
            shares,
            left=left,
            color=colour,
            hatch=hatch,
            edgecolor="white",
            label=CLASS_LABELS[gap],
        )
        left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_xlim(0, 100)
    axes.set_xlabel("share of beliefs (%)")
    axes.invert_yaxis()
    axes.set_title(title, fontsize=11)
    axes.legend(
        ncols=4,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.35 if rows else -0.2),
        frameon=False,
        fontsize=9,
    )
    figure.tight_layout()
    return figure


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
DASHES = ("-", "--", "-.", ":")


def line_chart_svg(
    cycles: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    ylabel: str,
    ylim: tuple[float, float] | None = (0, 100),
) -> bytes:
    """One line per series across cycles; each line has its own colour, marker and dash."""
    with rc_context(STYLE):  # type: ignore[arg-type]  # keys checked at run time
        figure = Figure(figsize=(8, 3.6), dpi=100)
        axes = figure.add_subplot()
        drawn = _lines(axes, cycles, series)
        if ylim:
            axes.set_ylim(*ylim)
        axes.set_ylabel(ylabel)
        axes.set_title(title)
        if not drawn:
            axes.text(0.5, 0.5, "no scores yet", ha="center", va="center", transform=axes.transAxes)
        else:
            axes.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False)
        figure.tight_layout()
        return _save(figure, "svg")


def small_multiples_svg(
    cycles: Sequence[str], series: Mapping[str, Sequence[float | None]], title: str
) -> bytes:
    """One small chart per series on a shared 0-100 scale: nine lines on one plot cannot be
    told apart, nine small plots can, and each carries its own name instead of a legend."""
    columns = 3
    rows = max(1, -(-len(series) // columns))
    with rc_context(STYLE):  # type: ignore[arg-type]  # keys checked at run time
        figure = Figure(figsize=(9, 2.2 * rows + 0.6), dpi=100)
        grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
        names = list(series)
        for k, axes in enumerate(grid.flat):
            if k >= len(names):
                axes.set_visible(False)
                continue
            drawn = _lines(axes, cycles, {names[k]: series[names[k]]}, colour=PALETTE[0])
            axes.set_ylim(0, 100)
            axes.set_title("\n".join(textwrap.wrap(names[k], 32)), fontsize=9)
            if not drawn:
                axes.text(0.5, 0.5, "no scores", ha="center", va="center", transform=axes.transAxes)
        figure.suptitle(title)
        figure.tight_layout()
        return _save(figure, "svg")


def _lines(
    axes: object,
    cycles: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    colour: str | None = None,
) -> int:
    """Draw each series across the cycles (gaps where a cycle has no value); how many drawn."""
    positions = list(range(len(cycles)))
    drawn = 0
    for k, (label, values) in enumerate(series.items()):
        points = [(x, v) for x, v in zip(positions, values, strict=True) if v is not None]
        if points:
            drawn += 1
            axes.plot(  # type: ignore[attr-defined]
                [x for x, _ in points],
                [v for _, v in points],
                label=label,
                color=colour or PALETTE[k % len(PALETTE)],
                marker=MARKERS[k % len(MARKERS)],
                linestyle=DASHES[k % len(DASHES)],
            )
    axes.set_xticks(positions, list(cycles))  # type: ignore[attr-defined]
    axes.grid(axis="y", alpha=0.3)  # type: ignore[attr-defined]
    return drawn
