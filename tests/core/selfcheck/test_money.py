"""Money as households type it, and as we write it back."""

import pytest

from core.selfcheck.money import format_short, format_vnd, parse_monthly_income

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("3 triệu", 3_000_000), ("3 trieu", 3_000_000), ("3tr5", 3_500_000), ("2.500.000", 2_500_000),
        ("2,5 triệu", 2_500_000), ("3500k", 3_500_000), ("1,5tr", 1_500_000), ("3 triệu rưỡi", 3_500_000),
        ("hai triệu rưỡi", 2_500_000), ("năm triệu", 5_000_000), ("mười triệu", 10_000_000),
        ("1 triệu 200", 1_200_000), ("1 triệu 200 nghìn", 1_200_000), ("1tr2", 1_200_000), ("2tr25", 2_250_000),
        ("3tr05", 3_050_000), ("5 lít", 500_000), ("3.000.000đ", 3_000_000), ("3000000", 3_000_000),
        ("khoảng 3 triệu một tháng", 3_000_000), ("1.500.000 đồng/tháng", 1_500_000), ("0", 0),
        ("36 triệu/năm", 3_000_000), ("ba mươi triệu một năm", 2_500_000), ("500 ngàn", 500_000),
    ],
)
def test_amounts_households_type_are_read(typed, amount):
    assert parse_monthly_income(typed) == amount


@pytest.mark.parametrize("typed", ["3", "3500", "2.5", "2-3 triệu", "2 hoặc 3 triệu", "-3 triệu", "không có",
                                   "3 triệu, nhà 4 người", "", "nhiều lắm"])
def test_ambiguous_or_missing_amounts_are_not_guessed(typed):
    assert parse_monthly_income(typed) is None


def test_amounts_are_written_the_vietnamese_way():
    assert format_vnd(1_500_000) == "1.500.000 đồng"
    assert [format_short(a) for a in (6_000_000, 8_800_000, 2_250_000, 750_000)] == [
        "6 triệu", "8,8 triệu", "2,25 triệu", "750 nghìn"]
