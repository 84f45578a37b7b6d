"""CALLBACK_SECRET when the operator set none: generated once and stored in the database, so every replica and
every command (`run`, `sweep`, `campaign`) signs and verifies buttons with the same key, and a restart or a token
rotation leaves the buttons already sent working (docs/operations.md, "Rotating the callback secret")."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr
from sqlalchemy import select

from bot.core.common.callbacks import new_secret
from bot.core.common.settings import Settings
from bot.db.common.dialect import upsert_insert
from bot.db.common.models import DeploymentSecret
from bot.db.engine import create_engine, session_factory

CALLBACK_SECRET_NAME = "callback"


async def stored_secret(database_url: str, name: str = CALLBACK_SECRET_NAME) -> str:
    """The secret stored under `name`, generated and stored first if there is none (replicas racing store one)."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine).begin() as session:
            insert = upsert_insert(session)
            await session.execute(
                insert(DeploymentSecret).values(name=name, value=new_secret()).on_conflict_do_nothing()
            )
            value = await session.scalar(select(DeploymentSecret.value).where(DeploymentSecret.name == name))
    finally:
        await engine.dispose()
    assert value is not None
    return value


def with_callback_secret(settings: Settings) -> Settings:
    """`settings` with CALLBACK_SECRET set: the configured one, else the database's (generated if absent).
    For the commands that sign buttons for Telegram (a token is set); the schema must be current (`run` migrates
    first)."""
    if settings.callback_secret is not None or settings.telegram_token is None:
        return settings  # configured, or offline (the terminal chat's fixed local key: bot.core.services)
    value = asyncio.run(stored_secret(settings.database_url))
    return settings.model_copy(update={"callback_secret": SecretStr(value)})
