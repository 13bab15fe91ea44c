"""SVG status badges, in the flat style READMEs already use: ``badge.svg`` for the page and
``components/<id>/badge.svg`` per component.

Each badge says its status in text (``<title>``, ``role="img"`` and ``aria-label``), not only by
colour, and uses no web font: widths are estimated from Verdana's metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from ..model import ComponentStatus
from ..timeline import INDICATOR_DESCRIPTIONS, Indicator
from .view import PublicView

__all__ = ["badge_svg", "render_badges"]

_LABEL_COLOUR = "#555"
# White text on each of these has a contrast ratio of at least 4.5:1.
_INDICATOR_COLOURS: Mapping[Indicator, str] = {
    Indicator.NONE: "#1a7f4b",
    Indicator.MINOR: "#8a6100",
    Indicator.MAJOR: "#b54708",
    Indicator.CRITICAL: "#c4262e",
    Indicator.MAINTENANCE: "#2557b0",
}
_STATUS_COLOURS: Mapping[ComponentStatus, str] = {
    ComponentStatus.OPERATIONAL: _INDICATOR_COLOURS[Indicator.NONE],
    ComponentStatus.DEGRADED_PERFORMANCE: _INDICATOR_COLOURS[Indicator.MINOR],
    ComponentStatus.PARTIAL_OUTAGE: _INDICATOR_COLOURS[Indicator.MAJOR],
    ComponentStatus.MAJOR_OUTAGE: _INDICATOR_COLOURS[Indicator.CRITICAL],
    ComponentStatus.UNDER_MAINTENANCE: _INDICATOR_COLOURS[Indicator.MAINTENANCE],
}
_NARROW = set("fijlrtI!.,:;'|() ")
_WIDE = set("mwMW@%")


def _text_width(text: str) -> int:
    """Approximate width in pixels of ``text`` in 11 px Verdana."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 4.0
        elif char in _WIDE:
            width += 10.5
        elif char.isupper() or char.isdigit():
            width += 7.5
        else:
            width += 6.8
    return round(width)


def badge_svg(label: str, message: str, colour: str) -> bytes:
    """A two-part badge ``label | message`` with accessible text."""
    left, right = _text_width(label) + 12, _text_width(message) + 12
    total = left + right
    title = escape(f"{label}: {message}")
    label_text, message_text = escape(label), escape(message)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" viewBox="0 0 {total} 20" '
        f'role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="{_LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:g}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">{label_text}</text>'
        f'<text x="{left / 2:g}" y="14">{label_text}</text>'
        f'<text x="{left + right / 2:g}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">'
        f"{message_text}</text>"
        f'<text x="{left + right / 2:g}" y="14">{message_text}</text>'
        "</g></svg>\n"
    )
    return svg.encode("utf-8")


def render_badges(view: PublicView) -> dict[str, bytes]:
    """The page badge and one badge per component, as of ``view.now``."""
    indicator = view.board.indicator
    files = {"badge.svg": badge_svg("status", INDICATOR_DESCRIPTIONS[indicator].lower(), _INDICATOR_COLOURS[indicator])}
    for component in view.config.components:
        status = view.board.components.get(component.id, ComponentStatus.OPERATIONAL)
        message = status.value.replace("_", " ")
        files[f"components/{component.id}/badge.svg"] = badge_svg(component.name, message, _STATUS_COLOURS[status])
    return files
