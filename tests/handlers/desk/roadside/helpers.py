"""Shared by the roadside handler tests: labels, the whole customer flow, the stored request."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from telegram.ext import Application

from bot.core.common.locale import Locale
from bot.core.services import Services
from bot.db.desk.roadside.models import RoadsideRequest
from tests.botapi.engine import BotApiEngine
from tests.handlers.harness import Customer

LOCALES: dict[str, Locale] = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
SHENZHEN = (22.5431, 114.0579)


def services(app: Application) -> Services:  # type: ignore[type-arg]
    return app.bot_data["services"]  # type: ignore[no-any-return]


def label(app: Application, locale: Locale, key: str, **data: Any) -> str:  # type: ignore[type-arg]
    return services(app).messages.label(locale, key, **data)


def sent_markup(engine: BotApiEngine, chat_id: int, back: int = 1) -> dict[str, Any] | None:
    """The reply_markup of the `back`-th last sendMessage to `chat_id`, as sent (reply keyboards included)."""
    calls = [c for c in engine.calls("sendMessage") if str(c.params.get("chat_id")) == str(chat_id)]
    markup = calls[-back].params.get("reply_markup")
    return json.loads(markup) if isinstance(markup, str) else markup


async def share_location(customer: Customer, point: tuple[float, float] = SHENZHEN) -> list[dict[str, Any]]:
    return await customer.send(customer.engine.push_location(customer.user.id, *point))


async def request_help(customer: Customer, locale: Locale, problem: str = "flat_tyre") -> list[dict[str, Any]]:
    """The whole flow with a shared location, a problem button, a typed plate and a typed phone."""
    await customer.say("/roadside")
    await share_location(customer)
    await customer.press(label(customer.app, locale, f"rsd_problem_{problem}"))
    await customer.say("粵B 12345")
    return await customer.say("138 0013 8000")


async def stored(app: Application, request_id: int | None = None) -> RoadsideRequest | None:  # type: ignore[type-arg]
    """The request with this id (default: the newest)."""
    async with services(app).sessions() as session:
        statement = select(RoadsideRequest).order_by(RoadsideRequest.id.desc())
        if request_id is not None:
            statement = statement.where(RoadsideRequest.id == request_id)
        return (await session.scalars(statement)).first()


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)
