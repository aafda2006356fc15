"""Paper for households without a smartphone channel: the A4 hamlet-board notice and the subscribe poster.

Both carry a QR code that opens the web chat at `PUBLIC_BASE_URL/?ap=<hamlet code>` (any phone with a camera
reads it; the page asks once "Nhận bản tin ấp X?") and print the Telegram deep link `t.me/<bot>?start=<code>`
and the Zalo OA link as text when they are configured. fpdf2 draws the PDF, segno the QR; the font must cover
Vietnamese, so DejaVu Sans from Debian's fonts-dejavu-core (installed by `make browser`) is embedded, and a
missing font is a clear `PrintFontMissing`, never a PDF of empty boxes. Pure: data in, PDF bytes out.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlmodel.ext.asyncio.session import AsyncSession

from core import ui_texts as texts
from core.bulletins.read_aloud import abbreviations, spell_out
from core.models import Area, Bulletin
from core.places.areas import get_area, place_label, resolve_area
from core.settings import get_settings

FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "DejaVu"
QR_SIZE_MM = 60
POSTER_QR_SIZE_MM = 120


class PrintFontMissing(RuntimeError):
    """The Vietnamese font is not installed; the message says which package to install."""


@dataclass(frozen=True)
class SubscribeLinks:
    """Where a reader subscribes to one hamlet: the web chat (in the QR), and Telegram and Zalo when set."""

    web: str
    telegram: str | None = None
    zalo: str | None = None


def subscribe_links(area_code: str) -> SubscribeLinks:
    """The links that subscribe a reader to `area_code`, from the settings."""
    settings = get_settings()
    web = f"{settings.public_base_url.rstrip('/')}/?ap={quote(area_code, safe='')}"
    username = settings.telegram_bot_username.strip().lstrip("@")
    telegram = f"https://t.me/{username}?start={quote(area_code, safe='')}" if username else None
    return SubscribeLinks(web=web, telegram=telegram, zalo=settings.zalo_oa_link.strip() or None)


def _nfc(text: str) -> str:
    """Precomposed letters: a decomposed "ấ" would print its accents beside the letter."""
    return unicodedata.normalize("NFC", text)


def _new_pdf(title: str) -> FPDF:
    font_dir = get_settings().print_font_dir
    missing = [name for name in FONT_FILES.values() if not (font_dir / name).is_file()]
    if missing:
        raise PrintFontMissing(texts.get("printing.font_missing", files=", ".join(missing), folder=str(font_dir)))
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(Path(font_dir, name)))
    pdf.set_title(_nfc(title))
    pdf.set_lang("vi")
    pdf.set_creator("giamngheo")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    return pdf


def _qr_png(link: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    buffer.seek(0)
    return buffer


def _text(pdf: FPDF, text: str, size: float, *, bold: bool = False, align: str = "L", gap: float = 1.0) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, _nfc(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)


def _subscribe_box(pdf: FPDF, place: str, links: SubscribeLinks, *, qr_mm: float, heading_size: float) -> None:
    """The QR centred, what it is for, and the other channels' links as text."""
    lines = [texts.get("printing.web_link", link=links.web)]
    if links.telegram:
        lines.append(texts.get("printing.telegram_link", link=links.telegram))
    if links.zalo:
        lines.append(texts.get("printing.zalo_link", link=links.zalo))
    needed = qr_mm + heading_size * 0.5 * 2 + 8 * len(lines) + 12
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
    _text(pdf, texts.get("printing.scan", place=place), heading_size, bold=True, align="C", gap=2)
    pdf.image(_qr_png(links.web), x=(pdf.w - qr_mm) / 2, y=pdf.get_y(), w=qr_mm, h=qr_mm)
    pdf.set_y(pdf.get_y() + qr_mm + 2)
    for line in lines:
        _text(pdf, line, 12, align="C", gap=0.5)


@dataclass(frozen=True)
class Notice:
    """What the notice says: the hamlets it is for, title, body, sender and date as people read them."""

    place: str
    title: str
    body: str
    sender: str
    date: str
    subscribe_place: str
    links: SubscribeLinks


def notice_pdf(notice: Notice) -> bytes:
    """An A4 notice for the hamlet board: large type, the subscribe QR at the end."""
    pdf = _new_pdf(notice.title)
    _text(pdf, texts.get("printing.notice_heading", place=notice.place), 16, bold=True, align="C", gap=4)
    _text(pdf, notice.title, 26, bold=True, align="C", gap=3)
    _text(pdf, texts.get("printing.notice_meta", sender=notice.sender or texts.get("printing.no_sender"),
                         date=notice.date), 14, align="C", gap=6)
    _text(pdf, notice.body, 18, gap=8)
    _subscribe_box(pdf, notice.subscribe_place, notice.links, qr_mm=QR_SIZE_MM, heading_size=16)
    return bytes(pdf.output())


def poster_pdf(place: str, links: SubscribeLinks, *, subtitle: str = "") -> bytes:
    """An A4 poster: "Quét mã để nhận bản tin ấp Thạnh Bình" and a large QR."""
    pdf = _new_pdf(texts.get("printing.poster_title", place=place))
    pdf.ln(6)
    _text(pdf, texts.get("printing.poster_title", place=place), 32, bold=True, align="C", gap=3)
    if subtitle:
        _text(pdf, subtitle, 18, align="C", gap=4)
    _text(pdf, texts.get("printing.poster_lead"), 18, align="C", gap=8)
    pdf.image(_qr_png(links.web), x=(pdf.w - POSTER_QR_SIZE_MM) / 2, y=pdf.get_y(), w=POSTER_QR_SIZE_MM,
              h=POSTER_QR_SIZE_MM)
    pdf.set_y(pdf.get_y() + POSTER_QR_SIZE_MM + 6)
    _text(pdf, texts.get("printing.web_link", link=links.web), 14, align="C", gap=1)
    if links.telegram:
        _text(pdf, texts.get("printing.telegram_link", link=links.telegram), 14, align="C", gap=1)
    if links.zalo:
        _text(pdf, texts.get("printing.zalo_link", link=links.zalo), 14, align="C", gap=1)
    return bytes(pdf.output())


# --- From the database: a bulletin's notice and loudspeaker script, a hamlet's poster ------------------------


def mid_sentence(name: str) -> str:
    """"Ấp Thạnh Bình" → "ấp Thạnh Bình", to sit inside a sentence ("…bản tin ấp Thạnh Bình")."""
    return name[:1].lower() + name[1:] if name[:1].isupper() and " " in name else name


async def _places(session: AsyncSession, codes: list[str]) -> str:
    """How people name the bulletin's areas: "Ấp Thạnh An, Xã Hỏa Lựu" for one, the names for several."""
    if len(codes) == 1:
        return await place_label(session, codes[0])
    names = [area.name if (area := await get_area(session, code)) else code for code in codes]
    return ", ".join(names)


async def subscribe_target(session: AsyncSession, codes: list[str]) -> Area | None:
    """The area a notice's QR subscribes to: its one area, or the commune all its hamlets share."""
    areas = [area for code in codes if (area := await resolve_area(session, code)) is not None]
    if len(areas) == 1:
        return areas[0]
    parents = {area.parent_code for area in areas}
    if len(parents) == 1 and None not in parents:
        return await get_area(session, str(parents.pop()))
    return areas[0] if areas else None


async def bulletin_notice(session: AsyncSession, bulletin: Bulletin) -> bytes:
    """The A4 notice of a bulletin, its QR subscribing to the bulletin's hamlet (or commune)."""
    codes = list(bulletin.area_codes)
    target = await subscribe_target(session, codes)
    target_code = target.code if target else codes[0]
    notice = Notice(place=(await _places(session, codes)).upper(), title=bulletin.title, body=bulletin.body,
                    sender=bulletin.sender or "", date=bulletin.send_at.astimezone(get_settings().tz).strftime(
                        "%d/%m/%Y"),
                    subscribe_place=mid_sentence(target.name) if target else target_code,
                    links=subscribe_links(target_code))
    return notice_pdf(notice)


async def loudspeaker_script(session: AsyncSession, bulletin: Bulletin) -> str:
    """The bulletin as the hamlet loudspeaker reads it: greeting, sender, title, body, date, a reminder."""
    place = mid_sentence(await _places(session, list(bulletin.area_codes)))
    day = bulletin.send_at.astimezone(get_settings().tz).strftime("%d/%m/%Y")
    parts = [texts.get("printing.loudspeaker_opening", place=place)]
    if bulletin.sender:
        parts.append(texts.get("printing.loudspeaker_from", sender=bulletin.sender.replace(" · ", ", ")))
    parts += [_sentence(bulletin.title), bulletin.body.strip(), texts.get("printing.loudspeaker_date", date=day),
              texts.get("printing.loudspeaker_closing", title=bulletin.title.strip().rstrip(".!?"))]
    return spell_out("\n\n".join(parts), abbreviations()) + "\n"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":")) else text + "."


async def area_poster(session: AsyncSession, area: Area) -> bytes:
    """The subscribe poster of one area (a hamlet, normally)."""
    return poster_pdf(mid_sentence(area.name), subscribe_links(area.code),
                      subtitle=await place_label(session, area.code))
