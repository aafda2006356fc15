"""How the engine's replies look: the main menu, topic lists, entries and answers with their buttons."""

from __future__ import annotations

from bot.engine import payloads
from bot.engine.types import Button, Reply
from core import clock
from core import ui_texts as texts
from core.answers.content import Entry
from core.answers.normalise import fold
from core.answers.ranking import MAX_ANSWER_CHARS, Answer, KnowledgeBase, source_line_for

# Menu topics: the payload's topic name → the content topics it lists.
TOPIC_GROUPS: dict[str, tuple[str, ...]] = {
    "vay-von": ("vay-von",),
    "sinh-ke": ("sinh-ke",),
    "dich-vu-cong": ("dich-vu-cong", "an-toan-mang"),
    "chuan-ngheo": ("chuan-ngheo",),
    "gioi-thieu": ("gioi-thieu",),
}
PAGE_SIZE = 6
MAX_LABEL_CHARS = 60
RELATED = 3


def label(text: str) -> str:
    """A button label short enough for every channel (Zalo allows 100 characters, phones show fewer)."""
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def menu_button() -> Button:
    return Button(texts.get("engine.buttons.menu"), "m")


def menu_buttons() -> list[list[Button]]:
    """Vay vốn · Làm ăn, nuôi trồng · Dịch vụ công · Hộ nghèo và chính sách · Bản tin ấp · Hỏi cán bộ."""
    get = texts.get
    return [
        [Button(get("engine.menu.vay_von"), "t:vay-von"), Button(get("engine.menu.sinh_ke"), "t:sinh-ke")],
        [Button(get("engine.menu.dich_vu_cong"), "t:dich-vu-cong"),
         Button(get("engine.menu.chuan_ngheo"), "t:chuan-ngheo")],
        [Button(get("engine.menu.ban_tin"), "cmd:bulletins"), Button(get("engine.menu.hoi_can_bo"), "f:handoff")],
    ]


def menu_reply(text: str | None = None) -> Reply:
    return Reply(text or texts.get("engine.menu.prompt"), menu_buttons())


def topic_entries(knowledge: KnowledgeBase, topic: str, area_codes: set[str]) -> list[Entry]:
    """The entries a menu topic lists today, alphabetically; local entries only for their own areas."""
    wanted = TOPIC_GROUPS.get(topic, ())
    today = clock.today()
    chosen = [e for e in knowledge.entries if e.topic in wanted and e.in_force(today)
              and (not e.areas or area_codes.intersection(e.areas))]
    return sorted(chosen, key=lambda e: fold(e.title))


def topic_page(knowledge: KnowledgeBase, topic: str, page: int, area_codes: set[str]) -> Reply:
    """One page of a topic's entries as buttons, with paging and the way back to the menu."""
    entries = topic_entries(knowledge, topic, area_codes)
    title = texts.get(f"engine.topics.{topic.replace('-', '_')}")
    if not entries:
        return Reply(texts.get("engine.topic_empty", topic=title), [[menu_button()]])
    pages = (len(entries) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(page, pages - 1)
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [[Button(label(e.title), f"e:{payloads.entry_ref(e.id)}")] for e in shown]
    if topic == "chuan-ngheo" and page == 0:
        rows.insert(0, [Button(texts.get("engine.buttons.selfcheck"), "f:selfcheck")])
    navigation = []
    if page > 0:
        navigation.append(Button(texts.get("engine.buttons.previous"), f"t:{topic}:{page - 1}"))
    if page + 1 < pages:
        navigation.append(Button(texts.get("engine.buttons.next"), f"t:{topic}:{page + 1}"))
    rows.append([*navigation, menu_button()])
    heading = texts.get("engine.topic_heading", topic=title, page=page + 1, pages=pages)
    return Reply(heading, rows)


def entry_text(entry: Entry) -> str:
    """The entry's body and its source line, cut like the answer engine cuts answers."""
    source_line = source_line_for(entry)
    room = MAX_ANSWER_CHARS - len(source_line) - 2
    body = entry.body if len(entry.body) <= room else entry.body[: room - 1].rstrip() + "…"
    return f"{body}\n\n{source_line}"


def feedback_row(entry_id: str) -> list[Button]:
    ref = payloads.entry_ref(entry_id)
    return [Button(texts.get("engine.buttons.useful"), f"fb:u:{ref}"),
            Button(texts.get("engine.buttons.not_useful"), f"fb:d:{ref}")]


def entry_buttons(entry_id: str, related: list[Entry]) -> list[list[Button]]:
    """👍/👎, then up to three related entries, then the menu."""
    rows = [feedback_row(entry_id)]
    rows += [[Button(label(e.title), f"e:{payloads.entry_ref(e.id)}")] for e in related[:RELATED]]
    rows.append([menu_button()])
    return rows


def related_to(knowledge: KnowledgeBase, entry: Entry) -> list[Entry]:
    """Entries close to `entry`, found by searching its title and keywords."""
    query = " ".join([entry.title, *entry.keywords[:3]])
    hits = knowledge.search(query, on=clock.today(), limit=RELATED + 1)
    return [h.entry for h in hits if h.entry.id != entry.id][:RELATED]


def entry_reply(knowledge: KnowledgeBase, entry: Entry) -> Reply:
    return Reply(entry_text(entry), entry_buttons(entry.id, related_to(knowledge, entry)))


def titled_entries(knowledge: KnowledgeBase, titles: list[str]) -> list[Entry]:
    return [knowledge.by_title[t] for t in titles if t in knowledge.by_title]


def answer_reply(knowledge: KnowledgeBase, answer: Answer) -> Reply:
    """An answer with its buttons: feedback and related entries, or on a fallback the way to a person."""
    if answer.kind == "answer" and answer.entry_id:
        return Reply(answer.answer, entry_buttons(answer.entry_id, titled_entries(knowledge, answer.suggestions)))
    if answer.kind == "fallback":
        rows = [[Button(label(e.title), f"e:{payloads.entry_ref(e.id)}")]
                for e in titled_entries(knowledge, answer.suggestions)[:RELATED]]
        rows.append([Button(texts.get("engine.menu.hoi_can_bo"), "f:handoff"), menu_button()])
        return Reply(answer.answer, rows)
    return Reply(answer.answer, menu_buttons())
