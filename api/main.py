"""The FastAPI application: routers, start-up and the background services hung on it.

`create_app()` is the factory; `giamngheo serve` runs it with uvicorn. At start-up it migrates the database,
loads the content, then enters each background service (channels, scheduler, delivery worker) chosen in
`AppOptions`; at shutdown it leaves them in reverse order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.officials_page import routes as officials_page
from api.routes import areas, ask, bulletins, health, inbox, metrics, officials, pages, questions, self_check
from api.validation_messages import field_of, message_of
from bot.channels.telegram import route as telegram_route
from bot.channels.telegram.service import telegram_service
from bot.channels.web import route as web_chat_route
from bot.channels.zalo import route as zalo_route
from core.answers.ranking import get_knowledge_base
from core.bootstrap import prepare
from core.http_limits import BodySizeLimit
from core.settings import get_settings
from delivery.services import worker_service
from schedules.scheduler import scheduler_service

log = logging.getLogger(__name__)

Service = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass
class AppOptions:
    """Which background services run inside the web process."""

    channels: bool = True
    scheduler: bool = True
    worker: bool = True
    prepare_database: bool = True
    extra_services: list[Service] = field(default_factory=list)


def background_services(options: AppOptions) -> list[Service]:
    """The services to start with the app, in start order."""
    # Zalo is webhook-only with a database inbox, so it runs in every web process (when configured).
    services: list[Service] = [zalo_route.zalo_service]
    if options.channels:
        services.append(telegram_service)
    if options.scheduler:
        services.append(scheduler_service)
    if options.worker:
        services.append(worker_service)
    services.extend(options.extra_services)
    return services


def create_app(options: AppOptions | None = None) -> FastAPI:
    options = options or AppOptions()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if options.prepare_database:
            await asyncio.to_thread(prepare)
        app.state.knowledge = await asyncio.to_thread(get_knowledge_base)
        async with AsyncExitStack() as stack:
            for service in background_services(options):
                await stack.enter_async_context(service(app))
            yield

    docs = get_settings().api_docs_on  # API_DOCS: off by default in production
    app = FastAPI(title="giamngheo", version="0.1.0", lifespan=lifespan,
                  description="Thông tin giảm nghèo cho bà con: hỏi đáp, bản tin ấp, cán bộ xã.",
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  openapi_url="/openapi.json" if docs else None)
    app.state.options = options
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for module in (ask, health, metrics, zalo_route, telegram_route, areas, officials, bulletins, web_chat_route,
                   pages, self_check, inbox, questions, officials_page):
        app.include_router(module.router)
    app.mount("/static", pages.static_files(), name="static")
    app.add_middleware(BodySizeLimit)
    return app


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """HTTP errors as {"message": …}: a dict detail (api.deps.api_error) is the body; a plain detail is kept as
    "detail" (FastAPI's usual key) and repeated as "message". A 405 lists every method the path has."""
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail
    body = detail if isinstance(detail, dict) and "message" in detail else {"message": str(detail), "detail": detail}
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return JSONResponse(body, status_code=exc.status_code, headers=headers or None)


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route fully matches at this path (Starlette's own 405 names only the first route's)."""
    return [method for method in sorted(HTTP_METHODS)
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
                   for route in request.app.router.routes)]


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    """422: every problem as {"field", "message"} (Vietnamese), joined into one `message`; FastAPI's detail list."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    problems = [{"field": field_of(e), "message": message_of(e)} for e in errors]
    message = "; ".join(f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems)
    detail = [{"loc": list(e.get("loc", [])), "msg": str(e.get("msg")), "type": e.get("type")} for e in errors]
    return JSONResponse({"message": message or "invalid request", "errors": problems, "detail": detail},
                        status_code=422)


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --workers N`: options come from GIAMNGHEO_SERVE_OPTIONS (set by `serve`)."""
    import json
    import os

    from core.logs import setup_logging

    setup_logging()
    raw = json.loads(os.environ.get("GIAMNGHEO_SERVE_OPTIONS", "{}"))
    known = {"channels", "scheduler", "worker", "prepare_database"}
    return create_app(AppOptions(**{k: bool(v) for k, v in raw.items() if k in known}))
