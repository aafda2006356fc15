"""Vietnamese sentences for the 422s pydantic raises, so an official reads "title: không được để trống"
rather than "String should have at least 1 character". Types not listed keep pydantic's English message."""

from __future__ import annotations

from typing import Any


def _expected(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace("'", "").replace(" or ", " hoặc ")


PLACES = ("body", "query", "path", "header", "cookie")


MESSAGES = {
    "missing": lambda ctx: "thiếu trường bắt buộc (field required)",
    "string_too_short": lambda ctx: ("không được để trống" if ctx.get("min_length") == 1
                                     else f"cần ít nhất {ctx.get('min_length')} ký tự"),
    "string_too_long": lambda ctx: f"dài quá: tối đa {ctx.get('max_length')} ký tự",
    "too_short": lambda ctx: f"cần ít nhất {'một' if ctx.get('min_length') == 1 else ctx.get('min_length')} mục",
    "too_long": lambda ctx: f"nhiều quá: tối đa {ctx.get('max_length')} mục",
    "literal_error": lambda ctx: f"phải là {_expected(ctx)}",
    "greater_than_equal": lambda ctx: f"phải lớn hơn hoặc bằng {ctx.get('ge')}",
    "less_than_equal": lambda ctx: f"phải nhỏ hơn hoặc bằng {ctx.get('le')}",
    "string_unicode": lambda ctx: "chứa ký tự Unicode không hợp lệ (text is not valid Unicode)",
}


def field_of(error: dict[str, Any]) -> str:
    """The field an error is about: "title", "area_codes", "offset" (where it was and list indexes left out)."""
    loc = list(error.get("loc", []))
    if loc and loc[0] in PLACES:
        loc = loc[1:]
    return ".".join(str(part) for part in loc if not isinstance(part, int))


def message_of(error: dict[str, Any]) -> str:
    """One error as a readable sentence (Vietnamese for the usual types)."""
    render = MESSAGES.get(str(error.get("type")))
    if render is not None:
        return render(error.get("ctx") or {})
    return str(error.get("msg", "invalid request")).removeprefix("Value error, ")
