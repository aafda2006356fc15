"""The officials' page: one click from a bulletin's report to its notice, loudspeaker script and hamlet posters."""

from __future__ import annotations

import html

from tests.kit import officials_page as officials_page_kit
from tests.kit.bulletin_world import AP_HAI, AP_MOT, LONG_PHU
from tests.kit.officials_page import Page, bulletin_form, stored_bulletins, text_of

page = officials_page_kit.page  # the fixture: the real app, seeded, and a signed-in browser-like client


def test_the_report_shows_the_sender_and_links_the_notice_the_script_and_a_poster_per_hamlet(page: Page) -> None:
    page.sign_in("editor")
    page.post("/officials/bulletins", bulletin_form(area=[AP_MOT, AP_HAI]))
    [bulletin] = page.call(stored_bulletins)
    report = html.unescape(page.get(f"/officials/bulletins/{bulletin.id}").text)
    assert "UBND xã Tân Hòa · Cán bộ Tân Hòa" in report
    for link in (f"/officials/bulletins/{bulletin.id}/notice.pdf", f"/officials/bulletins/{bulletin.id}/loudspeaker",
                 f"/api/v1/areas/{AP_MOT}/poster.pdf", f"/api/v1/areas/{AP_HAI}/poster.pdf"):
        assert f'href="{link}"' in report, link
    notice = page.get(f"/officials/bulletins/{bulletin.id}/notice.pdf")
    assert notice.status_code == 200 and notice.content.startswith(b"%PDF")
    script = page.get(f"/officials/bulletins/{bulletin.id}/loudspeaker")
    assert script.status_code == 200 and "Ủy ban nhân dân xã Tân Hòa" in script.text
    assert page.get(f"/api/v1/areas/{AP_MOT}/poster.pdf").content.startswith(b"%PDF")


def test_paper_outside_the_scope_or_signed_out_is_refused(page: Page) -> None:
    page.sign_in("admin")
    page.post("/officials/bulletins", bulletin_form(title="Tin xã Long Phú", area=[LONG_PHU]))
    [elsewhere] = page.call(stored_bulletins)
    page.sign_in("editor")
    for path in ("notice.pdf", "loudspeaker"):
        refused = page.get(f"/officials/bulletins/{elsewhere.id}/{path}")
        assert refused.status_code == 403 and "ngoài phạm vi phụ trách" in text_of(refused)
    page.client.cookies.clear()
    signed_out = page.get(f"/officials/bulletins/{elsewhere.id}/notice.pdf", follow_redirects=False)
    assert signed_out.status_code in (303, 401) and not signed_out.content.startswith(b"%PDF")


def test_the_posters_page_offers_a_poster_per_hamlet_in_scope_only(page: Page) -> None:
    page.sign_in("editor")
    listing = html.unescape(page.get("/officials/posters").text)
    for hamlet in (AP_MOT, AP_HAI):
        assert f'href="/api/v1/areas/{hamlet}/poster.pdf"' in listing
    assert "Áp phích Ấp Một" in listing and "/api/v1/areas/99002-bon/poster.pdf" not in listing  # xã Long Phú
    assert 'href="/officials/posters"' in listing  # in the page's navigation


def test_the_form_previews_the_message_as_each_channel_will_show_it(page: Page) -> None:
    page.sign_in("editor")
    body = "Mời bà con dự họp. " * 150  # ≈ 2.850 characters: one Telegram message, two on Zalo
    preview = page.post("/officials/bulletins", bulletin_form(title="Họp dân", body=body, action="preview"))
    assert preview.status_code == 200
    shown = html.unescape(preview.text)
    section = shown[shown.index('id="message-preview"'):]
    assert "Bà con sẽ thấy" in section and "📢 Họp dân" in section
    assert "— Gửi từ: UBND xã Tân Hòa · Cán bộ Tân Hòa" in section and "Đã biết" in section
    zalo = section[section.index('data-channel="zalo"'):section.index('data-channel="web"')]
    telegram = section[section.index('data-channel="telegram"'):section.index('data-channel="zalo"')]
    assert "2 tin nhắn" in zalo and "tin nhắn" not in telegram.split("</h3>")[0]
    assert page.call(stored_bulletins) == []  # a preview stores nothing


def test_duplicate_fills_the_form_with_the_bulletins_words_and_areas(page: Page) -> None:
    page.sign_in("editor")
    page.post("/officials/bulletins", bulletin_form(title="Tiêm phòng dại", area=[AP_HAI], urgent="on"))
    [bulletin] = page.call(stored_bulletins)
    report = page.get(f"/officials/bulletins/{bulletin.id}").text
    assert f'href="/officials/bulletins/new?from={bulletin.id}"' in report
    form = html.unescape(page.get(f"/officials/bulletins/new?from={bulletin.id}").text)
    assert 'value="Tiêm phòng dại"' in form and f'value="{AP_HAI}" data-hamlet checked' in form
    assert 'name="urgent"' in form and f'value="{AP_MOT}" data-hamlet checked' not in form
