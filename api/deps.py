"""Dependencies shared by the routes, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from core.db import session_scope
from core.knowledge import KnowledgeBase
from core.settings import Settings, get_settings


async def get_session() -> AsyncIterator[AsyncSession]:
    async with session_scope() as session:
        yield session


def get_knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge


SessionDep = Annotated[AsyncSession, Depends(get_session)]
KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
