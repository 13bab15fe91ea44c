"""SVG charts for the metrics page, made at build time: no script, no network, no fonts.

Each function returns a complete SVG document as a string. Charts carry their own light
background so they read the same in the light and dark scheme, label every value with text
(colour is never the only cue), and are deterministic (fixed number formatting).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Bar", "Panel", "SEVERITY_COLOURS", "bar_panels", "stacked_columns"]

SEVERITY_COLOURS = ("#b71c1c", "#e65100", "#f9a825", "#1565c0")
"""SEV-1 … SEV-4."""

_WIDTH = 760
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"
_STYLE = (
    f"<style>text{{{_FONT};font-size:12px;fill:#1f2328}}.muted{{fill:#57606a}}"
    ".title{font-size:14px;font-weight:600}.grid{stroke:#d0d7de;stroke-width:1}</style>"
)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _document(width: int, height: int, title: str, description: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="t d">'
        f'<title id="t">{escape(title)}</title><desc id="d">{escape(description)}</desc>{_STYLE}'
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="6" fill="#ffffff" stroke="#d0d7de"/>'
        + "".join(body)
        + "</svg>\n"
    )


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^n at or above ``value`` (at least 1)."""
    step = 1.0
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def stacked_columns(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    description: str = "",
) -> str:
    """Columns per label (e.g. month), stacked by series ``(name, colour, values)``."""
    height, left, right, top, bottom = 300, 44, 16, 56, 46
    plot_w, plot_h = _WIDTH - left - right, height - top - bottom
    totals = [sum(values[i] for _, _, values in series) for i in range(len(labels))]
    ceiling = _nice_ceiling(max(totals, default=0))
    body = [f'<text class="title" x="{left}" y="22">{escape(title)}</text>']
    # legend
    x = left
    for name, colour, _ in series:
        body.append(f'<rect x="{x}" y="32" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{x + 14}" y="41">{escape(name)}</text>')
        x += 14 + 8 * len(name) + 18
    # grid and y labels
    ticks = 5 if ceiling >= 5 else int(ceiling)  # whole numbers on every tick
    for i in range(ticks + 1):
        value = ceiling * i / ticks
        y = top + plot_h - plot_h * i / ticks
        body.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{_num(y)}" y2="{_num(y)}"/>')
        body.append(f'<text class="muted" x="{left - 6}" y="{_num(y + 4)}" text-anchor="end">{_num(value)}</text>')
    count = max(len(labels), 1)
    slot = plot_w / count
    bar = max(1.0, slot * 0.7)
    every = max(1, -(-count // 12))  # at most 12 x labels
    for i, label in enumerate(labels):
        x0 = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        for name, colour, values in series:
            if values[i]:
                h = plot_h * values[i] / ceiling
                y -= h
                body.append(
                    f'<rect x="{_num(x0)}" y="{_num(y)}" width="{_num(bar)}" height="{_num(h)}" fill="{colour}">'
                    f"<title>{escape(label)}: {values[i]} {escape(name)}</title></rect>"
                )
        if totals[i] and count <= 24:
            body.append(f'<text x="{_num(x0 + bar / 2)}" y="{_num(y - 4)}" text-anchor="middle">{totals[i]}</text>')
        if i % every == 0:
            body.append(
                f'<text class="muted" x="{_num(x0 + bar / 2)}" y="{top + plot_h + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return _document(_WIDTH, height, title, description, body)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    """None: no data (drawn as a dash)."""
    text: str
    """The value as shown beside the bar."""
    colour: str


@dataclass(frozen=True)
class Panel:
    title: str
    bars: Sequence[Bar]
    ceiling: float | None = None
    """The value of a full bar; default: the panel's largest value."""


def bar_panels(title: str, panels: Sequence[Panel], description: str = "") -> str:
    """Small multiples: side by side, one panel per measure, horizontal bars on its own scale."""
    rows = max((len(panel.bars) for panel in panels), default=0)
    gap, left_pad, top = 16, 52, 64
    row_h = 26
    height = top + rows * row_h + 16
    panel_w = (_WIDTH - 16 - gap * (len(panels) - 1)) / max(len(panels), 1)
    body = [f'<text class="title" x="16" y="24">{escape(title)}</text>']
    for index, panel in enumerate(panels):
        x = 16 + index * (panel_w + gap)
        body.append(f'<text x="{_num(x)}" y="50" style="font-weight:600">{escape(panel.title)}</text>')
        values = [bar.value for bar in panel.bars if bar.value is not None]
        ceiling = panel.ceiling or max(values, default=0) or 1
        track = panel_w - left_pad - 80
        for row, bar in enumerate(panel.bars):
            y = top + row * row_h
            body.append(f'<text class="muted" x="{_num(x)}" y="{y + 14}">{escape(bar.label)}</text>')
            body.append(
                f'<rect x="{_num(x + left_pad)}" y="{y + 3}" width="{_num(track)}" height="14" rx="2" fill="#f0f2f4"/>'
            )
            width = 0.0
            if bar.value is not None and bar.value > 0:
                width = max(2.0, track * min(bar.value / ceiling, 1.0))
                body.append(
                    f'<rect x="{_num(x + left_pad)}" y="{y + 3}" width="{_num(width)}" height="14" rx="2" '
                    f'fill="{bar.colour}"/>'
                )
            body.append(f'<text x="{_num(x + left_pad + track + 6)}" y="{y + 14}">{escape(bar.text)}</text>')
    return _document(_WIDTH, height, title, description, body)
