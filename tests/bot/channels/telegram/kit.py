"""Shared by the Telegram tests: the household's chat id and the app's lifespan without a web server."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

CHAT = 424242  # a household's private chat (its id is the user's id)


def running_app() -> AbstractAsyncContextManager[None]:
    """The app's lifespan (migrations, content, background services: the bot among them), no HTTP server."""
    from api.main import AppOptions, create_app  # here, so tests of the fake and the sender need no app

    app = create_app(AppOptions(channels=True, scheduler=False, worker=False))
    return app.router.lifespan_context(app)
