""" "↩️ Back" at a follow-up's comment question: the rating again, changed once, with what a rating brings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import update

from bot.core.desk.followups import service as followups
from bot.core.kpis import compute
from bot.core.services import Services
from bot.db.common.base import utcnow
from bot.db.outbox.models import Outbox
from tests.handlers.desk.followups.test_followups import (
    USER,
    add_visit,
    deliver,
    desk,
    follow_up,
    mentioned,
    send_outbox,
    services_of,
    tickets,
)
from tests.handlers.desk_harness import SUPERVISOR_ID, Desk
from tests.handlers.harness import Customer, build

__all__ = ["desk"]  # the fixture, shared with test_followups.py

RATINGS = ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]


def labels(customer: Customer, message: dict[str, Any]) -> list[str]:
    return [label for label, _ in customer.buttons(message)]


async def rated_five(desk: Desk, language: str = "en") -> tuple[Services, Customer, int, dict[str, Any]]:
    """A follow-up delivered and rated 5: (services, the customer, the visit, the comment question)."""
    services = services_of(desk)
    customer = Customer(desk.app, desk.engine, USER, language)
    visit = await add_visit(services, USER, language)
    await deliver(desk, customer, visit)
    [question] = await customer.press("5 ⭐")
    return services, customer, visit, question


async def csat(services: Services) -> dict[int, int]:
    """The KPI report's rating distribution for the days around today (every rating counted there)."""
    today = dt.datetime.now(services.settings.tz).date()
    period = compute.Period(today - dt.timedelta(days=1), today + dt.timedelta(days=1), services.settings.tz)
    async with services.sessions() as session:
        report = await compute.report(session, period, dt.datetime.now(dt.UTC))
    return {score: n for score, n in report.csat_distribution.items() if n}


@pytest.mark.parametrize(
    ("language", "back", "again"),
    [("zh-hant", "上一步", "您剛才給了 5/5 分"), ("zh-hans", "上一步", "您刚才给了 5/5 分"),
     ("en", "Back", "You rated us 5/5")],
)  # fmt: skip
async def test_back_shows_the_rating_question_again(desk: Desk, language: str, back: str, again: str) -> None:
    services, customer, visit, _question = await rated_five(desk, language)
    [rating] = await customer.press(back)
    assert again in rating["text"] and labels(customer, rating) == RATINGS  # the first question: no "back" on it
    assert (await follow_up(services, visit)).rating == 5  # nothing changed until another rating is pressed


async def test_a_new_good_rating_is_stored_and_the_comment_asked_again(desk: Desk) -> None:
    services, customer, visit, _question = await rated_five(desk)
    await customer.press("Back")
    [thanks] = await customer.press("4 ⭐")
    assert "Thank you for rating us 4/5" in thanks["text"] and "Type a comment" in thanks["text"]
    assert labels(customer, thanks) == ["Skip", "↩️ Back"]
    row = await follow_up(services, visit)
    assert (row.rating, row.status, row.ticket_id) == (4, "answered", None)
    [noted] = await customer.say("Quick and friendly")
    assert "we have noted it" in noted["text"]
    row = await follow_up(services, visit)
    assert (row.rating, row.comment) == (4, "Quick and friendly")
    assert await csat(services) == {4: 1} and await tickets(services) == []  # one rating per follow-up, the latest


async def test_a_new_low_rating_opens_one_complaint_and_alerts_once(desk: Desk) -> None:
    services, customer, visit, _question = await rated_five(desk, "zh-hant")
    [rating] = await customer.press("上一步")
    [sorry] = await customer.press("2 ⭐")
    [ticket] = await tickets(services)
    assert (ticket.kind, ticket.trigger) == ("complaint", "follow_up")
    assert f"#{ticket.id}" in sorry["text"] and "服務經理" in sorry["text"] and customer.buttons(sorry) == []
    two = next(data for label, data in customer.buttons(rating) if label.startswith("2"))
    await customer.press_data(two, rating["message_id"])  # the same button again (a double tap)
    assert len(await tickets(services)) == 1
    alerts = [m for m in desk.group_messages(ticket.topic_id) if SUPERVISOR_ID in mentioned(m)]
    assert len(alerts) == 1 and "2/5" in alerts[0]["text"]
    row = await follow_up(services, visit)
    assert (row.rating, row.ticket_id) == (2, ticket.id) and await csat(services) == {2: 1}


async def test_an_old_rating_or_back_button_after_the_end_counts_nothing(desk: Desk) -> None:
    services, customer, visit, first = await rated_five(desk)
    [rating] = await customer.press("Back")
    await customer.press("4 ⭐")
    await customer.press("Skip")
    one = next(data for label, data in customer.buttons(rating) if label.startswith("1"))
    query_id, replies = await customer.press_data(one, rating["message_id"])
    answer = desk.engine.callback_answer(query_id) or {}
    assert replies == [] and "already rated" in answer.get("text", "") and not answer.get("show_alert")
    back = next(data for label, data in customer.buttons(first) if "Back" in label)
    query_id, replies = await customer.press_data(back, first["message_id"])
    assert replies == [] and (desk.engine.callback_answer(query_id) or {}).get("show_alert") is True
    row = await follow_up(services, visit)
    assert (row.rating, row.status, row.ticket_id) == (4, "answered", None) and await tickets(services) == []


async def test_a_double_tap_of_back_asks_the_rating_once(desk: Desk) -> None:
    services, customer, visit, question = await rated_five(desk)
    back = next(data for label, data in customer.buttons(question) if "Back" in label)
    _first, replies = await customer.press_data(back, question["message_id"])
    query_id, again = await customer.press_data(back, question["message_id"])
    assert len(replies) == 1 and again == []
    assert not (desk.engine.callback_answer(query_id) or {}).get("show_alert")  # answered quietly, nothing done
    [thanks] = await customer.press("4 ⭐")
    assert "4/5" in thanks["text"] and (await follow_up(services, visit)).rating == 4


async def test_text_after_back_is_the_comment_even_a_digit(desk: Desk) -> None:
    services, customer, visit, _question = await rated_five(desk)
    await customer.press("Back")
    await customer.press("4 ⭐")
    [noted] = await customer.say("3")  # a comment: no flow takes a label typed where its button is not shown
    assert "we have noted it" in noted["text"]
    row = await follow_up(services, visit)
    assert (row.rating, row.comment) == (4, "3") and await tickets(services) == []


async def test_back_typed_at_the_comment_question_goes_back(desk: Desk) -> None:
    services, customer, visit, _question = await rated_five(desk, "zh-hans")
    [rating] = await customer.say("返回")
    assert "您刚才给了 5/5 分" in rating["text"] and labels(customer, rating) == RATINGS
    assert (await follow_up(services, visit)).comment is None


async def test_without_a_desk_a_low_rating_asks_a_comment_with_no_way_back(tmp_path: Path) -> None:
    app, engine = await build(tmp_path)  # no advisors' group: a low rating opens no ticket, the comment is asked
    async with app:
        services: Services = app.bot_data["services"]
        customer = Customer(app, engine, USER, "en")
        visit = await add_visit(services, USER, "en")
        await followups.tick(services, dt.datetime.now(dt.UTC))
        async with services.sessions.begin() as session:  # whatever the hour the test runs at (quiet hours)
            await session.execute(update(Outbox).values(not_before=utcnow(), next_attempt_at=utcnow()))
        await send_outbox(cast(Desk, SimpleNamespace(app=app, engine=engine)))
        customer._new()
        [sorry] = await customer.press("2 ⭐")
        assert services.dealer.hotline in sorry["text"] and labels(customer, sorry) == ["Skip"]
        [noted] = await customer.say("back")  # no "back" after a low rating: typed, it is the comment
        assert "Anything you would like" not in noted["text"] and "1 ⭐" not in str(noted.get("reply_markup"))
        row = await follow_up(services, visit)
        assert (row.rating, row.comment) == (2, "back")
