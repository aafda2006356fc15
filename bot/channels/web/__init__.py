"""The web chat channel: a cookie session, and engine replies as JSON for the page's small script."""

from bot.channels.web.session import CHANNEL, COOKIE_NAME, new_session_token, user_id_for, valid_token
from bot.channels.web.wire import replies_to_json

__all__ = ["CHANNEL", "COOKIE_NAME", "new_session_token", "replies_to_json", "user_id_for", "valid_token"]
