"""Charts as SVG bytes, drawn with Matplotlib's object API (no pyplot state in a server)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

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
    return _save(_gap_shares_figure(rows, title), "svg")


def gap_shares_png(rows: Sequence[tuple[str, Mapping[str, int]]], title: str) -> bytes:
    """The same chart as a PNG, for PDFs: fpdf2 draws SVG without hatch patterns and dropped
    every hatched bar, so the PDF showed only the "aligned" share."""
    return _save(_gap_shares_figure(rows, title), "png")


def _save(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "png":
        figure.savefig(buffer, format="png", dpi=200, metadata={"Software": None})
    else:
        figure.savefig(buffer, format="svg", metadata={"Date": None})
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
    """One line per series across cycles; each line has its own marker and dash pattern."""
    figure = Figure(figsize=(8, 3.6 + 0.25 * ((len(series) + 1) // 2)), dpi=100)
    axes = figure.add_subplot()
    positions = list(range(len(cycles)))
    drawn = 0
    for k, (label, values) in enumerate(series.items()):
        points = [(x, v) for x, v in zip(positions, values, strict=True) if v is not None]
        if points:
            drawn += 1
            axes.plot(
                [x for x, _ in points],
                [v for _, v in points],
                label=label,
                marker=MARKERS[k % len(MARKERS)],
                linestyle=DASHES[k % len(DASHES)],
            )
    axes.set_xticks(positions, list(cycles))
    if ylim:
        axes.set_ylim(*ylim)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    if not drawn:
        axes.text(0.5, 0.5, "no scores yet", ha="center", va="center", transform=axes.transAxes)
    else:
        axes.legend(
            fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False
        )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
