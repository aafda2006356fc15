"""Zalo's webhook signature, freshness check and event mapping, as pure functions."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.zalo.webhook import event_time, is_fresh, parse_event, signature_is_valid

pytestmark = pytest.mark.no_database

SECRET = "oa-secret-for-parsing"
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def millis(instant: datetime) -> str:
    return str(int(instant.timestamp() * 1000))


def body_and_raw(**extra):  # noqa: ANN201
    body = {"app_id": "123", "event_name": "user_send_text", "timestamp": millis(NOW), "sender": {"id": "u1"},
            "message": {"text": "Chào", "msg_id": "m1"}, **extra}
    return body, json.dumps(body, ensure_ascii=False).encode()


def test_signature_is_sha256_of_app_id_raw_body_timestamp_and_secret():
    body, raw = body_and_raw()
    digest = hashlib.sha256(b"123" + raw + millis(NOW).encode() + SECRET.encode()).hexdigest()
    assert signature_is_valid(raw, body, f"mac={digest}", SECRET)
    assert signature_is_valid(raw, body, f"mac={digest.upper()}", SECRET)


def test_signature_covers_the_raw_bytes_not_a_reserialised_body():
    body, raw = body_and_raw()
    digest = hashlib.sha256(b"123" + raw + millis(NOW).encode() + SECRET.encode()).hexdigest()
    spaced = json.dumps(body, ensure_ascii=False, indent=1).encode()
    assert not signature_is_valid(spaced, body, f"mac={digest}", SECRET)


@pytest.mark.parametrize("header", [None, "", "mac=", "mac=00", "sha256=abc"])
def test_missing_or_forged_signatures_are_refused(header):
    body, raw = body_and_raw()
    assert not signature_is_valid(raw, body, header, SECRET)


def test_a_signature_made_with_another_secret_is_refused():
    body, raw = body_and_raw()
    digest = hashlib.sha256(b"123" + raw + millis(NOW).encode() + b"other").hexdigest()
    assert not signature_is_valid(raw, body, f"mac={digest}", SECRET)


def test_a_body_without_app_id_or_timestamp_cannot_be_verified():
    body, raw = body_and_raw()
    del body["timestamp"]
    assert not signature_is_valid(raw, body, "mac=" + "0" * 64, SECRET)


@pytest.mark.parametrize(("offset", "fresh"), [
    (timedelta(0), True), (timedelta(seconds=-299), True), (timedelta(seconds=-301), False),
    (timedelta(hours=-2), False), (timedelta(seconds=299), True), (timedelta(minutes=10), False),
])
def test_freshness_window_is_symmetric(offset, fresh):
    assert is_fresh({"timestamp": millis(NOW + offset)}, NOW, 300) is fresh


@pytest.mark.parametrize("raw", [None, "", "soon", "1e99", {"ms": 1}])
def test_unreadable_timestamps_are_not_fresh(raw):
    assert event_time({"timestamp": raw}) is None or not is_fresh({"timestamp": raw}, NOW, 300)


TEXT = {"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"text": "vay vốn", "msg_id": "m1"}}


@pytest.mark.parametrize(("body", "expected"), [
    (TEXT, ("zalo:m1", "text", "u1", "vay vốn")),
    ({"event_name": "follow", "follower": {"id": "u2"}, "timestamp": "17"}, ("zalo:follow:u2:17", "follow", "u2", "")),
    ({"event_name": "unfollow", "follower": {"id": "u3"}, "timestamp": "18"},
     ("zalo:unfollow:u3:18", "unfollow", "u3", "")),
    ({"event_name": "user_send_image", "sender": {"id": "u4"},
      "message": {"msg_id": "m4", "attachments": [{"type": "image"}]}}, ("zalo:m4", "unsupported", "u4", "")),
    ({"event_name": "user_send_sticker", "sender": {"id": "u5"}, "message": {"msg_id": "m5"}},
     ("zalo:m5", "unsupported", "u5", "")),
    ({"event_name": "user_send_audio", "sender": {"id": "u6"}, "message": {"msg_id": "m6"}},
     ("zalo:m6", "unsupported", "u6", "")),
    ({"event_name": "user_send_location", "sender": {"id": "u7"}, "message": {"msg_id": "m7"}},
     ("zalo:m7", "unsupported", "u7", "")),
    ({"event_name": "user_send_file", "sender": {"id": "u8"}, "message": {"msg_id": "m8"}},
     ("zalo:m8", "unsupported", "u8", "")),
])
def test_events_become_adapter_events(body, expected):
    event = parse_event(body)
    assert event is not None
    assert (event.key, event.kind, event.user_id, event.text) == expected


@pytest.mark.parametrize("body", [
    {"event_name": "user_received_message", "sender": {"id": "oa"}, "message": {"msg_id": "m"}},
    {"event_name": "user_seen_message", "sender": {"id": "oa"}, "message": {"msg_ids": ["m"]}},
    {"event_name": "oa_send_text", "sender": {"id": "oa"}, "message": {"text": "x", "msg_id": "m"}},
    {"event_name": "user_send_text", "message": {"text": "no sender", "msg_id": "m"}},
    {"event_name": "user_send_text", "sender": {"id": "u"}, "message": {"text": "no msg id"}},
    {"event_name": "follow", "timestamp": "1"},
    {"no_event": True},
])
def test_other_or_incomplete_events_are_ignored(body):
    assert parse_event(body) is None


def test_very_long_message_ids_still_fit_the_dedupe_key():
    body = dict(TEXT, message={"text": "x", "msg_id": "m" * 500})
    event = parse_event(body)
    assert event is not None and len(event.key) <= 200
    assert event.key == parse_event(body).key
