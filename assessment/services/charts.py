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
    """A stacked horizontal bar per role of the share of each gap class."""
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
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
