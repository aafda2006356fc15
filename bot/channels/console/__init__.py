"""The terminal channel (`giamngheo chat`): the same engine as every channel, buttons as numbered options."""

from bot.channels.console.chat import ConsoleChat, run_chat

__all__ = ["ConsoleChat", "run_chat"]
