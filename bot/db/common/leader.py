"""One sender and one update consumer per bot token among replicas: PostgreSQL advisory locks (DESIGN.md, decision 2).

Each lock is a session lock held on one dedicated connection for as long as this process has the role; if
that connection dies (the process is killed), PostgreSQL drops the lock and another replica takes it at its
next try. Two roles, two locks: `carebot-sender:<bot id>` (the outbox sender) and `carebot-updates:<bot id>`
(the one replica that takes updates, bot.cli.replica). On SQLite there is one process and no lock (the
functions below return None).
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


class AdvisoryLockLeadership:
    """`pg_try_advisory_lock(hashtext('carebot-<role>:' || bot_id))`, checked on every tick."""

    def __init__(self, engine: AsyncEngine, bot_id: str, role: str = "sender") -> None:
        self.engine = engine
        self.role = role
        self.key = f"carebot-{role}:{bot_id}"
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
                log.warning("the %s lock's connection was lost; trying to take the lock again", self.role)
                await self._close()
        try:
            connection = await self.engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("cannot reach the database for the %s lock: %s", self.role, exc)
            return False
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            statement = text("SELECT pg_try_advisory_lock(hashtext(:key))")
            taken = bool((await connection.execute(statement, {"key": self.key})).scalar())
        except (SQLAlchemyError, OSError) as exc:
            log.warning("the %s lock could not be asked for: %s", self.role, exc)
            self._connection = connection
            await self._close()  # it may hold the lock after all: close it for real
            return False
        if not taken:
            await connection.close()  # holds no lock: back to the pool
            return False
        self._connection = connection
        log.info("this process holds the %s lock (%s)", self.role, self.key.split(":", 1)[0])
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
                log.debug("closing the %s lock's connection failed; it was broken already", self.role)


def sender_leadership(engine: AsyncEngine, bot_id: str) -> AdvisoryLockLeadership | None:
    """The election for this database: an advisory lock on PostgreSQL, none on SQLite (one process)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLeadership(engine, bot_id)
    return None


def updates_leadership(engine: AsyncEngine, bot_id: str) -> AdvisoryLockLeadership | None:
    """Who takes updates (polling or webhook): an advisory lock on PostgreSQL, none on SQLite (one process)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLeadership(engine, bot_id, role="updates")
    return None
