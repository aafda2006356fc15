"""Database work from a synchronous test beside a running TestClient app."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from core.db import get_async_engine

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` in its own event loop, leaving no pooled connection bound to that loop."""

    async def main() -> T:
        try:
            return await coroutine
        finally:
            await get_async_engine().dispose()

    return asyncio.run(main())
