"""The `giamngheo` command: ask, chat, serve, and the tools curators and operators use.

api/ is the composition root: the HTTP app and this CLI are the two places that wire every layer.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli.areas import areas_app, official_app
from bot.channels.zalo.cli import zalo_app
from core import clock
from core.settings import get_settings

app = typer.Typer(help="giamngheo — thông tin giảm nghèo cho bà con.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
content_app = typer.Typer(help="Curated content tools.", no_args_is_help=True)
db_app = typer.Typer(help="Database tools.", no_args_is_help=True)
app.add_typer(content_app, name="content")
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")
app.add_typer(official_app, name="official")
app.add_typer(zalo_app, name="zalo")

DateOption = Annotated[
    str | None, typer.Option("--date", help="Answer as on this date (YYYY-MM-DD), for entries with validity.")
]


def _parse_date(value: str | None) -> date:
    if value is None:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question; omit with --json to read stdin.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (per line of stdin).")] = False,
    on: DateOption = None,
) -> None:
    """Answer a question as a household would see it."""
    from core.answers.ranking import get_knowledge_base

    day = _parse_date(on)
    knowledge = get_knowledge_base()
    if question is None:
        if not as_json:
            typer.echo("Hãy gõ câu hỏi, ví dụ: giamngheo ask \"vay vốn hộ nghèo\"", err=True)
            raise typer.Exit(2)
        for number, raw in enumerate(sys.stdin.buffer, start=1):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if "\ufffd" in line:
                typer.echo(f"line {number}: bytes that are not UTF-8 were replaced", err=True)
            answer = knowledge.answer(line.replace("\ufffd", " "), on=day)
            sys.stdout.write(json.dumps(answer.to_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return
    answer = knowledge.answer(question, on=day)
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        typer.echo(answer.answer)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Who is chatting: the conversation is kept under this id.")] = "local",
) -> None:
    """Chat with the bot in the terminal: buttons are numbered, type the number to tap one; /thoat leaves."""
    import asyncio

    from bot.channels.console import run_chat
    from core.answers.ranking import get_knowledge_base
    from core.bootstrap import prepare
    from core.logs import setup_logging

    setup_logging()
    prepare()
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")  # a pipe of any encoding never crashes us
    prompt = "\n> " if sys.stdin.isatty() else ""
    asyncio.run(run_chat(sys.stdin, sys.stdout, get_knowledge_base(), user_id=user, prompt=prompt))


@content_app.command("check")
def content_check(on: DateOption = None) -> None:
    """Validate every entry; exit 1 on errors, print warnings."""
    from core.answers.content import check_content

    settings = get_settings()
    problems = check_content(settings.content_dir, today=_parse_date(on))
    for problem in problems:
        typer.echo(str(problem), err=True)
    errors = [p for p in problems if p.severity == "error"]
    from core.answers.content import entry_paths

    count = len(entry_paths(settings.content_dir))
    typer.echo(f"{count} entries, {len(errors)} errors, {len(problems) - len(errors)} warnings")
    if errors:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (and load the area map)."""
    from core.bootstrap import prepare
    from core.logs import setup_logging

    setup_logging()
    prepare()
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    scheduler: Annotated[bool, typer.Option("--scheduler/--no-scheduler", help="Run the scheduler.")] = True,
    worker: Annotated[bool, typer.Option("--worker/--no-worker", help="Run a delivery worker.")] = True,
    channels: Annotated[bool, typer.Option("--channels/--no-channels", help="Run the Telegram bot.")] = True,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes (scheduler needs 1).")] = 1,
) -> None:
    """Serve the web chat, the officials' page, the API, and the background services."""
    import uvicorn

    from core.logs import setup_logging

    setup_logging()
    settings = get_settings()
    _exit_zero_on_sigterm()
    if workers > 1:
        _serve_processes(host, port, workers, channels=channels, worker=worker)
        return
    from api.main import AppOptions, create_app

    application = create_app(AppOptions(channels=channels, scheduler=scheduler, worker=worker))
    uvicorn.run(application, host=host, port=port, log_config=None, access_log=False,
                timeout_graceful_shutdown=settings.shutdown_grace_seconds)


def _serve_processes(host: str, port: int, workers: int, *, channels: bool, worker: bool) -> None:
    """`serve --workers N`: migrate once, then N uvicorn processes sharing the port and their metrics.

    Never a scheduler nor a delivery worker in them (`giamngheo scheduler` and `giamngheo worker` run those):
    each worker paces its own 30 messages/s, so N of them on one bot would draw Telegram's 429s. Telegram runs
    in each only in webhook mode: N processes polling getUpdates would take each other's updates away.
    """
    import os

    import uvicorn

    from core.bootstrap import prepare
    from core.metrics import prepare_multiprocess_dir, remove_multiprocess_dir

    settings = get_settings()
    if channels and settings.telegram_enabled and settings.telegram_mode == "polling":
        typer.echo("Telegram polling needs a single process: set TELEGRAM_MODE=webhook, or use --workers 1, "
                   "or --no-channels", err=True)
        raise typer.Exit(2)
    prepare()  # once, here: N processes migrating a fresh database at the same time would collide
    if worker:
        typer.echo("serve --workers N runs no delivery worker: start `giamngheo worker` beside it", err=True)
    metrics_dir = prepare_multiprocess_dir()  # before any worker process imports prometheus_client
    os.environ["GIAMNGHEO_SERVE_OPTIONS"] = json.dumps(
        {"scheduler": False, "worker": False, "channels": channels, "prepare_database": False}
    )
    try:
        uvicorn.run("api.main:app_from_env", factory=True, host=host, port=port, workers=workers, log_config=None,
                    access_log=False, timeout_graceful_shutdown=settings.shutdown_grace_seconds)
    finally:
        remove_multiprocess_dir(metrics_dir)


def _exit_zero_on_sigterm() -> None:
    """SIGTERM is how Docker and systemd ask us to stop: once stopped gracefully, exit 0 (not 143).

    uvicorn handles SIGTERM itself while it serves (it stops accepting, lets requests in flight finish, runs the
    lifespan's shutdown, which stops the background services and releases their claims), then raises the
    signal again for the handler that was there before it: this one. Before uvicorn starts, it simply exits.
    """
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


@app.command("scheduler")
def scheduler_command() -> None:
    """Run the bulletin scheduler alone (one leads; any other stands by and takes over if it stops)."""
    from core.bootstrap import prepare
    from core.logs import setup_logging
    from delivery.services import run_scheduler, run_until_stopped

    setup_logging()
    prepare()
    raise typer.Exit(run_until_stopped(run_scheduler))


@app.command("worker")
def worker_command() -> None:
    """Run one delivery worker alone (start as many as needed; SIGTERM finishes the sends in flight)."""
    from core.bootstrap import prepare
    from core.logs import setup_logging
    from delivery.services import run_until_stopped, run_worker

    setup_logging()
    prepare()
    raise typer.Exit(run_until_stopped(run_worker))


@app.command("eval")
def evaluate(
    questions: Annotated[str, typer.Option(help="The folder of tune.jsonl and test.jsonl.")] = "tests/data/questions",
    on: DateOption = None,
    out: Annotated[str | None, typer.Option(help="Also write the results as JSON here.")] = None,
) -> None:
    """Search quality on the tuning and the held-out test set, with 95% intervals, beside BM25 and each step."""
    from core.answers.evaluation import QUESTION_SETS, evaluate_all, format_table, load_question_sets

    missing = [f"{questions}/{name}.jsonl" for name in QUESTION_SETS if not Path(questions, f"{name}.jsonl").is_file()]
    if missing:
        typer.echo(f"no question set at {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    results = evaluate_all(load_question_sets(questions), on=_parse_date(on))
    typer.echo(format_table(results))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({name: [r.to_dict() for r in rows] for name, rows in results.items()}, handle,
                      ensure_ascii=False, indent=2)


if __name__ == "__main__":
    app()
