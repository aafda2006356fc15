"""PTB callbacks: translate each update into `Inbound`, ask the engine, render its replies.

Decisions: an edited message is not answered again (an old question edited days later would re-run a flow);
the household gets one polite hint to send the corrected text as a new message. A tap first answers the
callback query (stops the phone's spinner), then goes to the engine; a one-shot tap (👍/👎, "Đã biết") also
edits its message's keyboard to show "✓" on the choice. Errors are logged without the token and the
household gets a polite Vietnamese message.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram import seen
from bot.channels.telegram.logs import LOGGER_NAME, describe
from bot.channels.telegram.render import NO_PREVIEW, mark_chosen, send_replies
from bot.channels.telegram.updates import inbound_from_callback, inbound_from_membership, inbound_from_message
from bot.engine.engine import handle
from bot.engine.types import Inbound, Reply
from core import ui_texts as texts
from core.db import session_scope

log = logging.getLogger(LOGGER_NAME)
KNOWLEDGE = "knowledge"  # bot_data key of the KnowledgeBase the engine answers from
Context = ContextTypes.DEFAULT_TYPE


def register(application: Application) -> None:
    """Attach the callbacks; order matters (the first matching handler wins)."""
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, on_edited))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
    application.add_error_handler(on_error)


async def on_message(update: Update, context: Context) -> None:
    """Text, commands, and what the bot cannot read (stickers, photos, voice…)."""
    message = update.message
    inbound = inbound_from_message(update, message) if message else None
    if inbound is None or message is None:
        return
    replies = await ask_engine(inbound, context)
    if replies is not None:
        await send_replies(context.bot, message.chat.id, replies)


async def on_button(update: Update, context: Context) -> None:
    """A tap on an inline button."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()
    except BadRequest as error:  # too old (the bot was down); the tap is still worth handling
        log.info("could not answer a callback query: %s", describe(error))
    inbound = inbound_from_callback(update, query)
    if inbound is None:
        return
    replies = await ask_engine(inbound, context)
    if replies is None:
        return
    if isinstance(query.message, Message):
        await _show_choice(query.message, query.data or "")
    await send_replies(context.bot, query.from_user.id, replies)


async def on_edited(update: Update, context: Context) -> None:
    """An edited text: a polite hint instead of a second answer."""
    message = update.edited_message
    if message is None or message.chat.type != ChatType.PRIVATE or message.text is None:
        return
    log.info("edited message %s in a private chat: hint sent", message.message_id)
    await context.bot.send_message(message.chat.id, texts.get("telegram.edited"), link_preview_options=NO_PREVIEW)


async def on_membership(update: Update, context: Context) -> None:
    """The household blocked the bot: tell the engine (it stops their subscriptions); nothing can be sent."""
    change = update.my_chat_member
    inbound = inbound_from_membership(update, change) if change else None
    if inbound is not None:
        await ask_engine(inbound, context)


async def ask_engine(inbound: Inbound, context: Context) -> list[Reply] | None:
    """One engine turn in its own database transaction, committed before anything is sent; None (nothing to
    send) when this update was handled before (Telegram retried it, or polling fetched it again)."""
    async with session_scope() as session:
        if inbound.message_id is not None and not await seen.first_time(session, inbound.message_id):
            log.info("update %s was handled before: not answered again", inbound.message_id)
            return None
        return await handle(inbound, session=session, knowledge=context.bot_data[KNOWLEDGE])


async def on_error(update: object, context: Context) -> None:
    """Log (token masked) and, in a private chat, apologise in Vietnamese."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: the chat blocked the bot: %s", update_id, describe(error))
        return
    if isinstance(error, TelegramError):
        log.warning("update %s: Telegram refused a call: %s", update_id, describe(error))
    else:
        log.error("update %s failed", update_id, exc_info=error)
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    try:
        await context.bot.send_message(chat.id, texts.get("telegram.error"), link_preview_options=NO_PREVIEW)
    except TelegramError as apology_error:
        log.warning("update %s: could not apologise: %s", update_id, describe(apology_error))


async def _show_choice(message: Message, data: str) -> None:
    """Mark a one-shot choice on its message; a failed edit only costs the ✓."""
    markup = mark_chosen(message.reply_markup, data)
    if markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramError as error:
        log.info("could not mark the chosen button: %s", describe(error))
