"""First contact: the welcome, "Bạn ở ấp nào?", and choosing the hamlet by button or by name."""

from sqlmodel import select

from bot.engine.types import Inbound
from core.db import session_scope
from core.models import Area, Contact, Subscription
from core.places.names import search_key


async def stored(channel: str = "console", user_id: str = "u1") -> tuple[Contact | None, list[Subscription]]:
    async with session_scope() as session:
        contact = (await session.exec(select(Contact).where(Contact.channel == channel,
                                                            Contact.user_id == user_id))).first()
        if contact is None:
            return None, []
        subscriptions = list((await session.exec(select(Subscription).where(
            Subscription.contact_id == contact.id))).all())
        return contact, subscriptions


async def test_first_contact_welcomes_and_asks_for_the_hamlet(household):
    replies = await household.start()
    assert "giamngheo" in replies[0].text and "vay vốn" in replies[0].text
    assert "Bạn ở ấp nào?" in replies[-1].text
    assert {"Xã Hỏa Lựu", "Phường Vị Tân", "Phường Vị Thanh", "Xã Long Mỹ", "Bỏ qua"} <= set(household.labels())
    assert "Xã Hỏa Tiến" not in household.labels()  # merged away: no longer offered


async def test_choosing_commune_then_hamlet_by_buttons_subscribes(household):
    await household.start()
    await household.tap("Xã Hỏa Lựu")
    assert "Hỏa Lựu" in household.text()
    assert household.labels()[:4] == ["Ấp Tân Phú", "Ấp Thạnh An", "Ấp Thạnh Hòa", "Ấp Thạnh Lợi"]
    replies = await household.tap("Ấp Thạnh Hòa")
    assert "Ấp Thạnh Hòa, Xã Hỏa Lựu" in replies[0].text and "bản tin" in replies[0].text
    assert "Vay vốn" in household.labels() and "Hỏi cán bộ" in household.labels()
    contact, subscriptions = await stored()
    assert contact.hamlet_code == "31338-thanh-hoa"
    assert [(s.area_code, s.active) for s in subscriptions] == [("31338-thanh-hoa", True)]


async def test_a_hamlet_with_its_former_commune_name_is_found(household):
    await household.start()
    replies = await household.say("thanh an hoa tien")
    assert "Ấp Thạnh An, Xã Hỏa Lựu" in replies[0].text
    contact, _ = await stored()
    assert contact.hamlet_code == "31338-thanh-an"


async def test_a_former_commune_name_opens_the_hamlets_of_the_commune_it_joined(household):
    await household.start()
    await household.say("xã Hỏa Tiến")
    assert "Xã Hỏa Lựu" in household.text()
    assert "Ấp Thạnh Lợi" in household.labels()
    await household.tap("Ấp Thạnh Lợi")
    contact, _ = await stored()
    assert contact.hamlet_code == "31338-thanh-loi"


async def test_an_ambiguous_hamlet_name_asks_which_one(household):
    await household.start()
    await household.say("ấp Thạnh An")
    assert "Bạn ở nơi nào?" in household.text()
    assert {"Ấp Thạnh An, Xã Hỏa Lựu", "Ấp Thạnh An, Xã Long Mỹ"} <= set(household.labels())
    await household.tap("Xã Long Mỹ")
    contact, _ = await stored()
    assert contact.hamlet_code == "31489-thanh-an"


async def test_the_former_city_name_asks_which_of_its_three_successors(household):
    await household.start()
    await household.say("thành phố Vị Thanh")
    assert {"Phường Vị Thanh", "Phường Vị Tân", "Xã Hỏa Lựu"} <= set(household.labels())
    await household.tap("Phường Vị Tân")
    await household.tap("Khu vực 2")
    contact, _ = await stored()
    assert contact.hamlet_code == "31333-khu-vuc-2"


async def test_a_numbered_area_is_found_with_its_ward_without_accents(household):
    await household.start()
    await household.say("khu vuc 1 vi tan")
    contact, _ = await stored()
    assert contact.hamlet_code == "31333-khu-vuc-1"


async def test_an_unknown_place_is_asked_again_and_nothing_is_stored(household):
    await household.start()
    await household.say("ấp Không Có Thật")
    assert 'chưa tìm thấy nơi nào tên "ấp Không Có Thật"' in household.text()
    assert "Bỏ qua" in household.labels()
    await household.say("thanh hoa")  # the flow is still waiting for a place
    contact, _ = await stored()
    assert contact.hamlet_code == "31338-thanh-hoa"


async def test_skipping_leaves_no_hamlet_and_shows_the_menu(household):
    await household.start()
    await household.tap("Bỏ qua")
    assert "đăng ký" in household.text() and "Vay vốn" in household.labels()
    contact, subscriptions = await stored()
    assert contact.hamlet_code is None and subscriptions == []
    await household.say("vay vốn hộ nghèo")  # no longer read as a place
    assert "Nguồn:" in household.text()


async def test_a_question_while_asked_for_the_hamlet_is_answered(household):
    await household.start()
    replies = await household.say("hộ nghèo được vay vốn bao nhiêu")
    assert "Nguồn:" in replies[0].text
    contact, _ = await stored()
    assert contact.hamlet_code is None and "flow" not in contact.state


async def test_a_first_message_question_is_answered_between_welcome_and_hamlet_question(household):
    replies = await household.say("hộ nghèo được vay vốn bao nhiêu")
    assert "giamngheo" in replies[0].text
    assert "Nguồn:" in replies[1].text
    assert "Bạn ở ấp nào?" in replies[-1].text


async def test_a_greeting_as_first_message_gets_the_welcome(household):
    replies = await household.say("chào")
    assert len(replies) == 2 and "Bạn ở ấp nào?" in replies[1].text


async def test_a_returning_household_with_a_hamlet_gets_the_menu_on_start(household):
    await household.start()
    await household.say("thanh an hoa tien")
    replies = await household.start()
    assert len(replies) == 1 and "Vay vốn" in household.labels()


async def test_follow_from_zalo_welcomes(another):
    zalo = another(channel="zalo", user_id="z-42")
    replies = await zalo.send(Inbound("zalo", "z-42", "follow"))
    assert "Bạn ở ấp nào?" in replies[-1].text


async def test_a_commune_with_many_hamlets_pages_them(household):
    async with session_scope() as session:
        for number in range(1, 21):
            session.add(Area(code=f"31489-ap-{number}", name=f"Ấp {number}", kind="hamlet", parent_code="31489",
                             aliases=[], folded_names=search_key(f"Ấp {number}", [])))
    await household.start()
    await household.tap("Xã Long Mỹ")
    first = household.labels()
    assert first[:3] == ["Ấp 1", "Ấp 2", "Ấp 3"] and "Xem thêm ›" in first
    seen = [label for label in first if label.startswith("Ấp")]
    while "Xem thêm ›" in household.labels():
        await household.tap("Xem thêm ›")
        seen += [label for label in household.labels() if label.startswith("Ấp")]
    assert len(seen) == 22 == len(set(seen))  # 20 numbered, Long Bình and Thạnh An
    await household.tap("Ấp 20")
    contact, _ = await stored()
    assert contact.hamlet_code == "31489-ap-20"


async def test_huy_while_asked_for_the_hamlet_skips_the_question_without_unsubscribing(household):
    await household.start()
    await household.say("hủy")
    assert "Không sao. Khi nào muốn nhận bản tin" in household.text()
    assert household.labels()  # the menu
