"""The SVG bar chart: well-formed, one bar per row, proportional, escaped, and styled without inline CSS."""

import re
import xml.etree.ElementTree as ET

import pytest

from core.bulletins.charts import Bar, ChartLayout, bar_chart

pytestmark = pytest.mark.no_database
SVG = "{http://www.w3.org/2000/svg}"


def bars_of(svg: str) -> list[ET.Element]:
    return [rect for rect in ET.fromstring(svg).iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_each_hamlet_gets_exactly_one_bar_in_a_well_formed_svg() -> None:
    svg = bar_chart([Bar("Ấp Một", 3, 5), Bar("Ấp Hai", 0, 2), Bar("Ấp Ba", 4, 4)], title="Đã gửi theo ấp")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("aria-label") == "Đã gửi theo ấp"
    assert len(bars_of(svg)) == 3
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == ["Ấp Một", "Ấp Hai", "Ấp Ba"]


def test_bars_are_proportional_to_the_largest_total() -> None:
    layout = ChartLayout(width=500, label_width=100, note_width=100, padding=0)  # 300 units for the bars
    svg = bar_chart([Bar("A", 5, 10), Bar("B", 10, 10), Bar("C", 0, 4)], title="t", layout=layout)
    widths = [float(rect.get("width")) for rect in bars_of(svg)]
    assert widths == [150.0, 300.0, 0.0]
    tracks = [float(r.get("width")) for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("class") == "track"]
    assert tracks == [300.0, 300.0, 120.0]


def test_labels_and_notes_are_escaped_and_long_names_shortened() -> None:
    name = "Ấp <b>Thạnh</b> & \"An\" " + "rất dài " * 5
    svg = bar_chart([Bar(name, 1, 2, note="1/2 <ok>")], title="A & B")
    root = ET.fromstring(svg)  # would raise if anything leaked unescaped
    label = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "label")
    assert label.text.endswith("…") and len(label.text) <= 14
    assert next(root.iter(f"{SVG}g")).get("data-label") == name
    assert "<b>" not in svg and "1/2 &lt;ok&gt;" in svg


def test_no_rows_draws_the_empty_text_and_all_zero_rows_draw_empty_bars() -> None:
    assert "Chưa có dữ liệu" in bar_chart([], title="t", empty_text="Chưa có dữ liệu")
    assert bars_of(bar_chart([], title="t")) == []
    assert [r.get("width") for r in bars_of(bar_chart([Bar("A", 0), Bar("B", 0)], title="t"))] == ["0.0", "0.0"]


def test_the_chart_needs_no_inline_style_or_script() -> None:
    svg = bar_chart([Bar("A", 1, 2)], title="t")
    assert not re.search(r"style=|<script|on\w+=", svg)
