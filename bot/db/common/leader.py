"""One sender per bot token among replicas: a PostgreSQL advisory lock (DESIGN.md, decision 2).

The lock is a session lock held on one dedicated connection for as long as this process is the sender;
if that connection dies, PostgreSQL drops the lock and another replica takes over at its next tick. On
SQLite there is one process and no lock (`sender_leadership` returns None).
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


class AdvisoryLockLeadership:
    """`pg_try_advisory_lock(hashtext('carebot-sender:' || bot_id))`, checked on every tick."""

    def __init__(self, engine: AsyncEngine, bot_id: str) -> None:
        self.engine = engine
        self.key = f"carebot-sender:{bot_id}"
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        """Whether this process held the lock at its last check (for /healthz; `is_leader` re-checks)."""
        return self._connection is not None

    async def is_leader(self) -> bool:
        """True while the lock is held; tries to take it otherwise (never blocks)."""
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except (SQLAlchemyError, OSError):
                log.warning("the sender lock's connection was lost; trying to take the lock again")
                await self._close()
        try:
            connection = await self.engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("cannot reach the database for the sender lock: %s", exc)
            return False
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            statement = text("SELECT pg_try_advisory_lock(hashtext(:key))")
            taken = bool((await connection.execute(statement, {"key": self.key})).scalar())
        except (SQLAlchemyError, OSError) as exc:
            log.warning("the sender lock could not be asked for: %s", exc)
            self._connection = connection
            await self._close()  # it may hold the lock after all: close it for real
            return False
        if not taken:
            await connection.close()  # holds no lock: back to the pool
            return False
        self._connection = connection
        log.info("this process is the outbox sender (%s)", self.key.split(":", 1)[0])
        return True

    async def release(self) -> None:
        """Give the role up (shutdown): unlock and close the dedicated connection."""
        if self._connection is None:
            return
        try:
            await self._connection.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": self.key})
        except (SQLAlchemyError, OSError):
            log.debug("unlock failed; closing the connection releases the lock anyway")
        await self._close()

    async def _close(self) -> None:
        """Close the physical connection, not return it to the pool: a pooled connection would keep the lock."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()
                await connection.close()
            except (SQLAlchemyError, OSError):
                log.debug("closing the sender lock's connection failed; it was broken already")


def sender_leadership(engine: AsyncEngine, bot_id: str) -> AdvisoryLockLeadership | None:
    """The election for this database: an advisory lock on PostgreSQL, none on SQLite (one process)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLeadership(engine, bot_id)
    return None
