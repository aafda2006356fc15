"""Text that may reach the database: checked at the edge, so PostgreSQL and SQLite never see what they refuse.

PostgreSQL refuses NUL (`\\x00`) in text columns; neither database can encode a lone surrogate ("\\udc80",
which JSON can carry as an escape); a value longer than its varchar column fails only at INSERT time. Every
API model field and path/query parameter that holds text uses `SafeText(max_length)`: a 422 with a readable
message for such input, NFC otherwise (phones send decomposed Vietnamese). Webhook parsers use
`is_safe_id` for ids (an unsafe one drops the event) and `scrub` for free text (a household's message is
kept, without the characters that cannot be stored).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

# Published in the schema as a `pattern`, so generated clients (and schemathesis) know NUL is refused.
NO_NUL_PATTERN = r"^[^\u0000]*$"
NUL_MESSAGE = "chứa ký tự NUL (\\x00) không được phép (text contains a NUL character)"
SURROGATE_MESSAGE = "chứa ký tự Unicode không hợp lệ (text contains a lone surrogate)"


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored (NUL or a lone surrogate), or None when it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _checked(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return unicodedata.normalize("NFC", value)


@dataclass(frozen=True)
class _InSchema:
    """Adds a `pattern` (and a `format`) to the JSON schema only; the checks are in code, with readable messages."""

    pattern: str
    format: str | None = None

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        if self.format:
            json_schema["format"] = self.format
        return json_schema


def SafeText(max_length: int, *, min_length: int = 0, pattern: str = NO_NUL_PATTERN,  # noqa: N802 (a type)
             format: str | None = None) -> Any:  # noqa: A002 (the JSON Schema word)
    """`str` of at most `max_length` characters (and at least `min_length`), no NUL, no lone surrogate, NFC.

    `pattern` (NUL-free text by default) and `format` are published in the schema; checking a stricter pattern
    or the format is the caller's job (with a message in its own words)."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(_checked),
                     _InSchema(pattern, format)]


def is_safe_id(value: str, max_length: int) -> bool:
    """Whether an id from outside (Zalo user id, msg_id…) fits its column: non-empty, short enough, storable."""
    return 0 < len(value) <= max_length and text_problem(value) is None


def scrub(text: str) -> str:
    """Free text made storable: NUL removed, each lone surrogate replaced by U+FFFD."""
    text = text.replace("\x00", "")
    if text_problem(text) is None:
        return text
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
