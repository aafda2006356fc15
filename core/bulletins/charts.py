"""Server-rendered SVG bar charts: a pure function from numbers to SVG text, no script and no inline style.

The officials' page draws reach per hamlet with it (one horizontal bar per hamlet: the filled part is what was
reached, the pale track behind it what was addressed). Colours are presentation attributes and classes, never
`style=`, so the page's Content-Security-Policy (`style-src 'self'`) lets the chart through untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

LABEL_CHARS = 14  # longer hamlet names are cut with "…" so the bars keep their room on a phone


@dataclass(frozen=True)
class Bar:
    """One row: its label, the filled value, the track it fills (0 when unknown) and a short note after it."""

    label: str
    value: int
    total: int = 0
    note: str = ""


@dataclass(frozen=True)
class ChartLayout:
    """Sizes in SVG units; the SVG scales to its container through its viewBox."""

    width: int = 400
    row_height: int = 34
    bar_height: int = 20
    label_width: int = 120
    note_width: int = 120
    padding: int = 6
    font_size: int = 16


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _row(bar: Bar, index: int, scale: float, layout: ChartLayout) -> str:
    top = layout.padding + index * layout.row_height
    bar_y = top + (layout.row_height - layout.bar_height) // 2
    text_y = top + layout.row_height // 2 + layout.font_size // 3
    x0 = layout.padding + layout.label_width
    filled = round(max(bar.value, 0) * scale, 1)
    track = round(max(bar.total, bar.value, 0) * scale, 1)
    tip = f"{bar.label}: {bar.note}" if bar.note else f"{bar.label}: {bar.value}"
    return (
        f'<g class="row" data-label="{_attr(bar.label)}" data-value="{bar.value}" data-total="{bar.total}">'
        f"<title>{escape(tip)}</title>"
        f'<text class="label" x="{x0 - 8}" y="{text_y}" text-anchor="end">{escape(_short(bar.label))}</text>'
        f'<rect class="track" x="{x0}" y="{bar_y}" width="{track}" height="{layout.bar_height}" rx="3" '
        f'fill="#dfe9e4"/>'
        f'<rect class="bar" x="{x0}" y="{bar_y}" width="{filled}" height="{layout.bar_height}" rx="3" '
        f'fill="#0b6e4f"/>'
        f'<text class="note" x="{x0 + track + 6}" y="{text_y}">{escape(bar.note)}</text>'
        "</g>"
    )


def bar_chart(bars: Sequence[Bar], *, title: str, empty_text: str = "", layout: ChartLayout | None = None) -> str:
    """A horizontal bar chart as an `<svg>` element: one `rect.bar` per bar, scaled to the largest total."""
    layout = layout or ChartLayout()
    rows = max(len(bars), 1)
    height = 2 * layout.padding + rows * layout.row_height
    room = layout.width - 2 * layout.padding - layout.label_width - layout.note_width
    biggest = max((max(b.total, b.value) for b in bars), default=0)
    scale = room / biggest if biggest > 0 else 0.0
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {layout.width} {height}" '
            f'width="100%" role="img" aria-label="{_attr(title)}" font-size="{layout.font_size}" fill="#1c1c1c">'
            f"<title>{escape(title)}</title>")
    if not bars:
        middle = layout.padding + layout.row_height // 2 + layout.font_size // 3
        body = f'<text class="empty" x="{layout.padding}" y="{middle}">{escape(empty_text)}</text>'
    else:
        body = "".join(_row(bar, index, scale, layout) for index, bar in enumerate(bars))
    return f"{head}{body}</svg>"
