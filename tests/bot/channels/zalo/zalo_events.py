"""Zalo webhook events as Zalo sends them (compact JSON, signed), and waiting for the app to handle them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient

from bot.channels.zalo.webhook import expected_signature
from core import clock
from tests.kit.zalo_api import APP_ID, APP_SECRET, FIRST_ACCESS, FIRST_REFRESH

OA_SECRET = "fake-oa-secret-key-5c3b"
OA_ID = "579745863508352884"
SECRETS = [APP_SECRET, OA_SECRET, FIRST_ACCESS, FIRST_REFRESH]


def now_millis() -> str:
    return str(int(clock.now().timestamp() * 1000))


def text_event(user_id: str, text: str, msg_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"app_id": APP_ID, "user_id_by_app": "55" + user_id, "event_name": "user_send_text",
            "timestamp": now_millis(), "sender": {"id": user_id}, "recipient": {"id": OA_ID},
            "message": {"text": text, "msg_id": msg_id or uuid.uuid4().hex}, **extra}


def follow_event(user_id: str, name: str = "follow") -> dict[str, Any]:
    return {"app_id": APP_ID, "oa_id": OA_ID, "event_name": name, "timestamp": now_millis(),
            "source": "oa_profile", "follower": {"id": user_id}, "user_id_by_app": "55" + user_id}


def media_event(user_id: str, name: str = "user_send_image") -> dict[str, Any]:
    attachment = {"type": "image", "payload": {"thumbnail": "https://example.invalid/t.jpg",
                                               "url": "https://example.invalid/p.jpg"}}
    return {"app_id": APP_ID, "event_name": name, "timestamp": now_millis(), "sender": {"id": user_id},
            "recipient": {"id": OA_ID}, "message": {"msg_id": uuid.uuid4().hex, "attachments": [attachment]}}


def sign(raw: bytes, body: dict[str, Any], secret: str = OA_SECRET) -> str:
    return "mac=" + expected_signature(raw, str(body["app_id"]), str(body["timestamp"]), secret)


def post_event(client: TestClient, body: dict[str, Any], *, signature: str | None = None):  # noqa: ANN201
    """POST a Zalo event the way Zalo does: compact JSON bytes, signed unless told otherwise."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"content-type": "application/json", "X-ZEvent-Signature": signature or sign(raw, body)}
    return client.post("/webhooks/zalo", content=raw, headers=headers)


def settle(client: TestClient) -> None:
    """Wait until the app's Zalo service has handled everything it accepted."""
    client.portal.call(client.app.state.zalo.join)
