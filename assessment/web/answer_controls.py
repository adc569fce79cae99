"""The answer controls of a questionnaire item (its radio group), rendered once and reused.

The questionnaire page is the most requested page of the app. Its radio groups depend only on
the item and on which option is checked, yet building and rendering them through a form class
on every request was about half of the page's cost (docs/benchmarks.md). Each (item, checked
option) is therefore rendered once per process from ``respond/_choices.html`` and kept.
Free-text comments are not cached: their text is the person's own and changes.
"""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from assessment.services.content.definitions import SURE_TAP_VALUES, Item, scale_label
from assessment.services.identity_cache import IdentityCache

_rendered: IdentityCache[Markup] = IdentityCache(limit=20_000)


def field_name(item: Item) -> str:
    """The form field of an item: a fixed prefix keeps ids clear of other form fields."""
    return f"answer-{item.id}"


def options(item: Item) -> list[tuple[str, str]]:
    """(posted value, label) of each option, in the order shown."""
    if item.is_sure_tap:
        return [(str(v), scale_label(item, v)) for v in SURE_TAP_VALUES]
    if item.on_scale:
        return [(str(v), scale_label(item, v)) for v in range(1, 6)]
    return [(c.id, c.label) for c in item.choices]


def choice_controls(item: Item, checked: str | None) -> Markup:
    """The item's radio group with ``checked`` selected (an unknown value selects nothing)."""
    return _rendered.get((item,), checked, lambda: _render_choices(item, checked))


def _render_choices(item: Item, checked: str | None) -> Markup:
    return Markup(
        render_template(
            "respond/_choices.html",
            name=field_name(item),
            options=options(item),
            checked=checked,
            scale=item.on_scale,
        )
    )
