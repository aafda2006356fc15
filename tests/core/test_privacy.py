"""Phone, ID and bank account numbers never reach the free text curators read; money and dates stay."""

import pytest

from core.privacy import redact

CASES = [
    # phones, written as households write them
    ("so dien thoai 0912 345 678", "so dien thoai [số điện thoại]"),
    ("chồng tôi đánh vợ, số điện thoại 0912345678 gọi giúp",
     "chồng tôi đánh vợ, số điện thoại [số điện thoại] gọi giúp"),
    ("goi 0912.345.678 nha", "goi [số điện thoại] nha"),
    ("sdt +84 912 345 678", "sdt [số điện thoại]"),
    ("zalo 84912345678", "zalo [số điện thoại]"),
    ("bàn 0293-3876-543", "bàn [số điện thoại]"),
    # ID numbers
    ("cccd 012345678901", "cccd [số giấy tờ]"),
    ("Căn cước của tôi là 0123 4567 8901", "Căn cước của tôi là [số giấy tờ]"),
    ("cmnd 361234567 mat roi", "cmnd [số giấy tờ] mat roi"),
    ("so 381234567 bi mat", "so [số giấy tờ] bi mat"),
    # bank accounts
    ("stk 1234567890123", "stk [số tài khoản]"),
    ("chuyển vào tài khoản 0451000123456 Vietcombank", "chuyển vào tài khoản [số tài khoản] Vietcombank"),
    ("stk 1234 5678 9012 agribank", "stk [số tài khoản] agribank"),
    ("ngân hàng gửi về 0912345678", "ngân hàng gửi về [số tài khoản]"),
    # untouched: money, dates, short numbers, codes
    ("vay 50.000.000 đồng được không", "vay 50.000.000 đồng được không"),
    ("vay 100,000,000 duoc ko", "vay 100,000,000 duoc ko"),
    ("vay 50000000 đ", "vay 50000000 đ"),
    ("vay 30000000 dong nuoi heo", "vay 30000000 dong nuoi heo"),
    ("ngay 12/05/2024 co hop", "ngay 12/05/2024 co hop"),
    ("ngay 12.05.2024 co hop", "ngay 12.05.2024 co hop"),
    ("nam hoc 2024-2025", "nam hoc 2024-2025"),
    ("vay 50 triệu nuôi 2 con bò", "vay 50 triệu nuôi 2 con bò"),
    ("giống lúa IR50404 giá bao nhiêu", "giống lúa IR50404 giá bao nhiêu"),
    ("ma ho so 1234567", "ma ho so 1234567"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_redact_removes_numbers_that_identify_a_person(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_handles_several_numbers_in_one_question() -> None:
    text = "tôi tên Lan, sđt 0987654321, cccd 092301000123, stk 1903 4567 8901 23 techcombank"
    assert redact(text) == "tôi tên Lan, sđt [số điện thoại], cccd [số giấy tờ], stk [số tài khoản] techcombank"
