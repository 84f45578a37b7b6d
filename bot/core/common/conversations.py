"""The rows behind conversation state (DESIGN.md, decision 3): one JSON row per item, read at start-up and
written through by the handlers' persistence (bot.handlers.common.persistence)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.common.base import utcnow
from bot.db.common.dialect import upsert_insert
from bot.db.common.models import ConversationState


class ConversationStore:
    """Rows of `conversation_state` by (kind, name, key)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def rows(self, kind: str, name: str) -> list[tuple[str, Any]]:
        async with self.sessions() as session:
            statement = select(ConversationState.key, ConversationState.data).where(
                ConversationState.kind == kind, ConversationState.name == name
            )
            return [(row.key, row.data) for row in await session.execute(statement)]

    async def put(self, kind: str, name: str, key: str, data: object) -> None:
        """Insert or replace one row (one statement: concurrent writers never collide on the unique key)."""
        async with self.sessions.begin() as session:
            insert = upsert_insert(session)(ConversationState).values(
                kind=kind, name=name, key=key, data=data, updated_at=utcnow()
            )
            await session.execute(
                insert.on_conflict_do_update(
                    index_elements=["kind", "name", "key"],
                    set_={"data": insert.excluded.data, "updated_at": insert.excluded.updated_at},
                )
            )

    async def remove(self, kind: str, name: str, key: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                delete(ConversationState).where(
                    ConversationState.kind == kind, ConversationState.name == name, ConversationState.key == key
                )
            )
