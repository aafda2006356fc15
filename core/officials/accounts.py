"""Commune officials: accounts with a role and a scope, API tokens kept only as SHA-256, signed page sessions.

Roles: `admin` may address any area; `editor` may address only areas inside their scope (an area in scope
covers everything below it: a commune its hamlets); `viewer` reads within their scope and changes nothing.
A token is shown once at creation; the database keeps its SHA-256, so a leaked database reveals no token.
The officials' page keeps a session cookie signed with `SESSION_SECRET` (HMAC-SHA256, stdlib) that names
the official, a fragment of their token hash and their `session_version`. Signing out and revoking bump the
version in the database, so every cookie issued before stops working at once — a copied or replayed cookie
included. (Signing out therefore ends the official's sessions in every browser: on a shared commune
computer that is the safe side.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import audit, clock
from core import ui_texts as texts
from core.answers.normalise import clean
from core.models import Official
from core.places.areas import areas_within, resolve_area

ADMIN, EDITOR, VIEWER = "admin", "editor", "viewer"
ROLES = (ADMIN, EDITOR, VIEWER)
TOKEN_PREFIX = "gn_"
_COOKIE_HASH_CHARS = 16


class OfficialError(ValueError):
    """A request about officials that cannot be done; the message is for the person who asked."""


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Hex SHA-256 of a token: what `Official.token_hash` holds."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def may_write(official: Official) -> bool:
    return official.role in (ADMIN, EDITOR)


async def visible_areas(session: AsyncSession, official: Official) -> set[str] | None:
    """Area codes whose households' text the official may read; None means all (an admin)."""
    return None if official.role == ADMIN else await areas_within(session, official.area_codes)


async def _scope_codes(session: AsyncSession, codes: Iterable[str]) -> list[str]:
    """The given codes as areas today (merged ones followed); raises listing the unknown ones."""
    resolved: list[str] = []
    unknown: list[str] = []
    for code in dict.fromkeys(clean(c) for c in codes if clean(c)):
        area = await resolve_area(session, code)
        if area is None:
            unknown.append(code)
        elif area.code not in resolved:
            resolved.append(area.code)
    if unknown:
        raise OfficialError(texts.get("areas.unknown_codes", codes=", ".join(unknown)))
    return resolved


def sender_label(official: Official | None) -> str:
    """Who a bulletin is from, as households read it: "UBND xã Hỏa Lựu · Tổ công nghệ số cộng đồng"."""
    if official is None:
        return ""
    return " · ".join(part for part in (clean(official.unit or ""), clean(official.name)) if part)


async def create_official(
    session: AsyncSession, *, name: str, role: str, area_codes: Iterable[str], by: Official | None = None,
    unit: str | None = None,
) -> tuple[Official, str]:
    """A new active official and their token (shown once). Nothing is written when a check fails.

    `unit` is the office they write for ("UBND xã Hỏa Lựu"): with their name it signs their bulletins.
    """
    name, role, unit = clean(name), clean(role).lower(), clean(unit or "") or None
    if not name:
        raise OfficialError(texts.get("officials.missing_name"))
    if role not in ROLES:
        raise OfficialError(texts.get("officials.bad_role", role=role))
    codes = await _scope_codes(session, area_codes)
    if role != ADMIN and not codes:
        raise OfficialError(texts.get("officials.needs_area", role=role))
    token = new_token()
    official = Official(name=name[:200], unit=unit[:200] if unit else None, role=role, area_codes=codes,
                        token_hash=hash_token(token),
                        active=True, created_at=clock.now())
    session.add(official)
    await session.flush()
    await audit.record(session, by, "official.create", "official", official.id, name=official.name, unit=unit,
                       role=role, area_codes=codes)
    return official, token


async def list_officials(session: AsyncSession, *, include_revoked: bool = True) -> list[Official]:
    statement = select(Official).order_by(col(Official.id))
    if not include_revoked:
        statement = statement.where(col(Official.active).is_(True))
    return list(await session.exec(statement))


async def revoke_official(session: AsyncSession, official_id: int, *, by: Official | None = None) -> Official:
    """Deactivate an official: their token and page sessions stop working at once."""
    official = await session.get(Official, official_id)
    if official is None:
        raise OfficialError(texts.get("officials.unknown_official", id=official_id))
    if not official.active:
        raise OfficialError(texts.get("officials.already_revoked", id=official_id))
    official.active = False
    session.add(official)
    await end_page_sessions(session, official)
    await audit.record(session, by, "official.revoke", "official", official.id, name=official.name)
    return official


async def authenticate(session: AsyncSession, token: str) -> Official | None:
    """The active official holding this token, or None. The stored hash is compared in constant time."""
    if not token or not token.strip():
        return None
    wanted = hash_token(token)
    official = (await session.exec(select(Official).where(Official.token_hash == wanted))).first()
    if official is None or not hmac.compare_digest(official.token_hash, wanted) or not official.active:
        return None
    return official


async def out_of_scope(session: AsyncSession, official: Official, codes: Iterable[str]) -> list[str]:
    """The codes, in order, this official may not address (always none for an admin)."""
    codes = list(dict.fromkeys(codes))
    if official.role == ADMIN:
        return []
    allowed = await areas_within(session, official.area_codes)
    return [code for code in codes if code not in allowed]


# --- Page sessions ---------------------------------------------------------------------------------


def _signature(payload: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign_session(official: Official, *, secret: str, now: datetime | None = None) -> str:
    """A cookie value naming the official: `<id>.<issued unix time>.<token hash fragment>.<version>.<HMAC>`."""
    issued = int((now or clock.now()).timestamp())
    payload = f"{official.id}.{issued}.{official.token_hash[:_COOKIE_HASH_CHARS]}.{official.session_version}"
    return f"{payload}.{_signature(payload, secret)}"


def read_session(
    value: str, *, secret: str, max_age: int, now: datetime | None = None
) -> tuple[int, str, int] | None:
    """(official id, token hash fragment, session version) from a genuine, unexpired cookie value; None otherwise."""
    parts = (value or "").split(".")
    if len(parts) != 5 or not all(part.isdigit() and len(part) <= 18 for part in (parts[0], parts[1], parts[3])):
        return None
    payload = ".".join(parts[:4])
    if not hmac.compare_digest(parts[4], _signature(payload, secret)):
        return None
    age = int((now or clock.now()).timestamp()) - int(parts[1])
    if age < 0 or age > max_age:
        return None
    return int(parts[0]), parts[2], int(parts[3])


async def official_from_session(
    session: AsyncSession, value: str, *, secret: str, max_age: int
) -> Official | None:
    """The active official a session cookie names, if the cookie is genuine, fresh, of the official's current
    session version (not signed out since) and the token unchanged."""
    read = read_session(value, secret=secret, max_age=max_age)
    if read is None:
        return None
    official = await session.get(Official, read[0])
    if official is None or not official.active or official.session_version != read[2]:
        return None
    if not hmac.compare_digest(official.token_hash[:_COOKIE_HASH_CHARS], read[1]):
        return None
    return official


async def end_page_sessions(session: AsyncSession, official: Official) -> None:
    """Make every page session cookie of this official stop working (sign-out, revocation)."""
    statement = (update(Official).where(col(Official.id) == official.id)
                 .values(session_version=col(Official.session_version) + 1)
                 .returning(col(Official.session_version)).execution_options(synchronize_session=False))
    version = (await session.exec(statement)).scalar_one()  # type: ignore[call-overload]
    set_committed_value(official, "session_version", version)
