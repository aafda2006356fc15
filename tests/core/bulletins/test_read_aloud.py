"""The loudspeaker script: numbers, dates, times, money, units and abbreviations in Vietnamese words."""

from __future__ import annotations

import pytest

from core.bulletins.read_aloud import abbreviations, number_words, spell_out

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize(("number", "words"), [
    (0, "không"), (5, "năm"), (10, "mười"), (11, "mười một"), (14, "mười bốn"), (15, "mười lăm"),
    (20, "hai mươi"), (21, "hai mươi mốt"), (24, "hai mươi tư"), (25, "hai mươi lăm"), (55, "năm mươi lăm"),
    (100, "một trăm"), (105, "một trăm lẻ năm"), (110, "một trăm mười"), (999, "chín trăm chín mươi chín"),
    (1000, "một ngàn"), (2026, "hai ngàn không trăm hai mươi sáu"), (15000, "mười lăm ngàn"),
    (1_005_000, "một triệu không trăm lẻ năm ngàn"), (1_500_000, "một triệu năm trăm ngàn"),
    (100_000_000, "một trăm triệu"), (2_000_000_000, "hai tỷ"),
    (3_000_250_000, "ba tỷ hai trăm năm mươi ngàn"),
])
def test_whole_numbers_are_read_the_southern_way(number: int, words: str) -> None:
    assert number_words(number) == words


TABLE = {
    "15/12": "ngày mười lăm tháng mười hai",
    "họp ngày 15/12/2026": "họp ngày mười lăm tháng mười hai năm hai ngàn không trăm hai mươi sáu",
    "vay 100 triệu": "vay một trăm triệu",
    "lãi 0,55%/tháng": "lãi không phẩy năm mươi lăm phần trăm một tháng",
    "hộ nghèo vay NHCSXH": "hộ nghèo vay Ngân hàng Chính sách xã hội",
    "Tổ TK&VV ấp": "Tổ tiết kiệm và vay vốn ấp",
    "UBND xã Hỏa Lựu": "Ủy ban nhân dân xã Hỏa Lựu",
    "1.500.000đ": "một triệu năm trăm ngàn đồng",
    "2.500.000 đồng/người/tháng": "hai triệu năm trăm ngàn đồng một người một tháng",
    "lúc 19:00": "lúc mười chín giờ",
    "lúc 7:30 sáng": "lúc bảy giờ ba mươi phút sáng",
    "lúc 7h30": "lúc bảy giờ ba mươi",
    "từ 19h": "từ mười chín giờ",
    "sốt 41–42 °C": "sốt bốn mươi mốt đến bốn mươi hai độ C",
    "tháng 12/2026": "tháng mười hai năm hai ngàn không trăm hai mươi sáu",
    "gọi 0912345678": "gọi không chín một hai ba bốn năm sáu bảy tám",
    "lãi 2,5 %": "lãi hai phẩy năm phần trăm",
    "diện tích 5 ha": "diện tích năm héc ta",
    "Mời bà con đến họp.": "Mời bà con đến họp.",
}


@pytest.mark.parametrize(("written", "spoken"), TABLE.items())
def test_a_bulletin_line_is_spelled_out_for_the_loudspeaker(written: str, spoken: str) -> None:
    assert spell_out(written, abbreviations()) == spoken


def test_lines_are_kept_and_spaces_tidied() -> None:
    assert spell_out("Họp  lúc 19:00\nNgày 3/1", {}) == "Họp lúc mười chín giờ\nNgày ba tháng một"


def test_a_slash_that_is_no_date_is_read_as_over() -> None:
    assert spell_out("tỉ lệ 45/50", {}) == "tỉ lệ bốn mươi lăm trên năm mươi"
