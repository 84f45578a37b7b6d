"""Conversation state written through on every update (DESIGN.md, decision 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.common.base import Base, utcnow


class ConversationState(Base):
    """Where a customer is in a multi-step flow and what they answered, so a restart loses nothing (decision 3).

    One row per persisted item: `kind` "conversation" (a ConversationHandler's state for one key) or
    "user_data" (one customer's flow answers). Written through by bot.handlers.common.persistence.SqlPersistence.
    """

    __tablename__ = "conversation_state"
    __table_args__ = (UniqueConstraint("kind", "name", "key", name="uq_conversation_state_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), doc="conversation or user_data")
    name: Mapped[str] = mapped_column(String(64), doc="the conversation's name; empty for user_data")
    key: Mapped[str] = mapped_column(String(128), doc="the conversation key as a JSON list, or the user id")
    data: Mapped[Any] = mapped_column(JSON, nullable=False, doc="the state, or the user's data (JSON values only)")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class DeploymentSecret(Base):
    """A secret the deployment generated for itself because none was configured (CALLBACK_SECRET), shared by
    every replica through the database; written once, never changed by the bot."""

    __tablename__ = "deployment_secret"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class HandledUpdate(Base):
    """A Telegram update this bot has handled, so one delivered again after a failover is not handled twice.

    Telegram delivers an update again until a later getUpdates offset confirms it; the poller
    (bot.handlers.ops.polling) records each update here as soon as it is handled and confirms it only after,
    so a replica taking over skips what the dead one finished. Rows older than a retention window go.
    """

    __tablename__ = "handled_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
