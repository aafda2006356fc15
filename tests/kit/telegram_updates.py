"""Telegram `Update` JSON as the Bot API documents it (core.telegram.org/bots/api#update), for tests to push.

Each builder returns the update without `update_id`; `FakeTelegramAPI.push_update` numbers it.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

_message_ids = itertools.count(1000)
_query_ids = itertools.count(5_000_000)


def user(user_id: int, first_name: str = "Bà con") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "vi"}


def private_chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Bà con"}


def _message(chat_id: int, **content: Any) -> dict[str, Any]:
    return {"message_id": next(_message_ids), "from": user(chat_id), "chat": private_chat(chat_id),
            "date": int(time.time()), **content}


def text_message(chat_id: int, text: str) -> dict[str, Any]:
    """A text message; a leading `/command` carries the `bot_command` entity Telegram adds."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
    return {"message": _message(chat_id, **content)}


def edited_text_message(chat_id: int, text: str) -> dict[str, Any]:
    message = text_message(chat_id, text)["message"]
    message["edit_date"] = message["date"] + 5
    return {"edited_message": message}


def sticker_message(chat_id: int) -> dict[str, Any]:
    sticker = {"file_id": "CAACAgIAAxkBAAIB", "file_unique_id": "AgADsticker", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}
    return {"message": _message(chat_id, sticker=sticker)}


def photo_message(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    sizes = [{"file_id": f"AgACAgIAAxkBAAIC{n}", "file_unique_id": f"AQADphoto{n}", "width": w, "height": w,
              "file_size": w * 40} for n, w in enumerate((90, 320, 1280))]
    content: dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return {"message": _message(chat_id, **content)}


def voice_message(chat_id: int) -> dict[str, Any]:
    voice = {"file_id": "AwACAgIAAxkBAAID", "file_unique_id": "AgADvoice", "duration": 4, "mime_type": "audio/ogg"}
    return {"message": _message(chat_id, voice=voice)}


def location_message(chat_id: int) -> dict[str, Any]:
    return {"message": _message(chat_id, location={"latitude": 9.7845, "longitude": 105.4701})}


def document_message(chat_id: int) -> dict[str, Any]:
    document = {"file_id": "BQACAgIAAxkBAAIE", "file_unique_id": "AgADdoc", "file_name": "giay-to.pdf",
                "mime_type": "application/pdf"}
    return {"message": _message(chat_id, document=document)}


def service_message(chat_id: int) -> dict[str, Any]:
    """A service message with nothing the household wrote (here: a pinned message notice)."""
    pinned = _message(chat_id, text="tin ghim")
    return {"message": _message(chat_id, pinned_message=pinned)}


def callback_query(chat_id: int, data: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
    """A tap on an inline button of `message` (a message the bot sent, as the fake recorded it)."""
    query: dict[str, Any] = {"id": str(next(_query_ids)), "from": user(chat_id), "chat_instance": f"-{chat_id}",
                             "data": data}
    query["message"] = message or _message(chat_id, text="…", **{"from": bot_user()})
    return {"callback_query": query}


def my_chat_member(chat_id: int, old: str, new: str) -> dict[str, Any]:
    """The household blocked (new="kicked") or unblocked (new="member") the bot."""
    def member(status: str) -> dict[str, Any]:
        return {"status": status, "user": bot_user(), **({"until_date": 0} if status == "kicked" else {})}

    return {"my_chat_member": {"chat": private_chat(chat_id), "from": user(chat_id), "date": int(time.time()),
                               "old_chat_member": member(old), "new_chat_member": member(new)}}


def group_text_message(chat_id: int, text: str) -> dict[str, Any]:
    message = text_message(-chat_id, text)["message"]
    message["chat"] = {"id": -chat_id, "type": "group", "title": "Nhóm ấp"}
    message["from"] = user(chat_id)
    return {"message": message}


def bot_user(bot_id: int = 7_000_000_001, username: str = "giamngheo_test_bot") -> dict[str, Any]:
    return {"id": bot_id, "is_bot": True, "first_name": "Giảm nghèo", "username": username,
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
