"""`giamngheo zalo …`: operator tools for the Zalo OA tokens kept in the database."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

zalo_app = typer.Typer(help="Zalo Official Account tools.", no_args_is_help=True)



@zalo_app.command("set-tokens")
def set_tokens(
    access_token: Annotated[str, typer.Option(prompt=True, hide_input=True, envvar="ZALO_OA_ACCESS_TOKEN",
                                              show_envvar=True, help="The OA access token.")],
    refresh_token: Annotated[str, typer.Option(prompt=True, hide_input=True, envvar="ZALO_OA_REFRESH_TOKEN",
                                               show_envvar=True, help="The OA refresh token.")],
) -> None:
    """Replace the stored token pair (after re-authorising the OA, or when Zalo refused the refresh token)."""
    from bot.channels.zalo.tokens import replace_tokens
    from core.bootstrap import prepare

    if not access_token.strip() or not refresh_token.strip():
        typer.echo("Both tokens are needed.", err=True)
        raise typer.Exit(2)
    prepare()
    asyncio.run(replace_tokens(access_token, refresh_token))
    typer.echo("Zalo OA tokens stored; the old pair is replaced.")


@zalo_app.command("status")
def status() -> None:
    """Whether tokens are stored and when the access token expires (never the tokens themselves)."""
    from bot.channels.zalo.tokens import token_status
    from core.bootstrap import prepare

    prepare()
    typer.echo(json.dumps(asyncio.run(token_status()), ensure_ascii=False))
