"""A customer who asks for a person half-way through roadside help leaves the flow, but what they told it (the
place, the problem in their words, a plate…) goes on the ticket's card for the advisor, the place as a map link and
their words escaped; a location they share afterwards reaches the advisor's topic too."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.db.desk.handoff.models import Ticket
from tests.handlers.desk.roadside.helpers import SHENZHEN, services, share_location, texts
from tests.handlers.desk_harness import Desk
from tests.handlers.harness import Customer

AMAP = "position=114.057900,22.543100"  # the dealer is in mainland China: an AMap link to the shared point


async def the_ticket(desk: Desk) -> Ticket:
    async with services(desk.app).sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert ticket.topic_id is not None
    return ticket


def links(message: dict[str, Any]) -> list[str]:
    return [e["url"] for e in message.get("entities", []) if e["type"] == "text_link"]


@pytest.mark.parametrize(
    ("language_code", "human", "told"),
    [
        ("zh-hant", "轉人工", "已離開道路救援，沒有送出救援請求。您剛才提供的資料已轉給服務顧問。"),
        ("zh-hans", "转人工", "已退出道路救援，没有提交救援请求。您刚才提供的信息已转给服务顾问。"),
        ("en", "talk to a human", "Left roadside help; no request was sent. What you had already told us there is"),
    ],
)
async def test_the_place_and_the_problem_told_before_asking_for_a_person_reach_the_advisors_card(
    desk: Desk, language_code: str, human: str, told: str
) -> None:
    customer = Customer(desk.app, desk.engine, 501, language_code)
    await customer.say("/roadside")
    await share_location(customer)
    await customer.say("tyre <b>burst</b> & rim bent")  # the problem typed at its question: kept in their words
    answer = await customer.say(human)
    assert any(m["text"].startswith(told) for m in answer), answer
    ticket = await the_ticket(desk)
    [card] = [m for m in desk.group_messages(ticket.topic_id) if f"#{ticket.id}" in m.get("text", "")]
    assert card["text"].startswith("🚨 道路救援")  # the desk's headline says what it is about (staff locale)
    assert "tyre <b>burst</b> & rim bent" in card["text"]  # escaped: shown as typed, not as markup
    assert any(AMAP in url for url in links(card)), card
    assert "爆胎" in card["text"]  # the problem the words name

    before = len(desk.group_messages(ticket.topic_id))
    assert await share_location(customer, (22.6, 114.1)) == []  # the place again: to the advisor, not the flow
    shared = desk.group_messages(ticket.topic_id)[before:]
    assert [m["location"]["latitude"] for m in shared if "location" in m] == [pytest.approx(22.6, abs=1e-4)]
    async with services(desk.app).sessions() as session:
        stored = (await session.get(Ticket, ticket.id)).context  # type: ignore[union-attr]
    assert stored["facts"]["roadside"]["latitude"] == SHENZHEN[0]  # the first place stays on the ticket


async def test_a_problem_told_at_where_are_you_reaches_the_card_from_the_menus_advisor_button(desk: Desk) -> None:
    customer = Customer(desk.app, desk.engine, 501, "zh-hant")
    welcome = [m for m in await customer.say("/start") if m.get("reply_markup")][-1]
    await customer.press("道路救援")
    await customer.say("車頭冒煙 <i>很大</i>")  # the problem before the place: kept, the place asked again
    advisor = next(data for label, data in customer.buttons(welcome) if "顧問" in label)
    _, answer = await customer.press_data(advisor, welcome["message_id"])
    assert "您剛才提供的資料已轉給服務顧問" in texts(answer)
    ticket = await the_ticket(desk)
    [card] = [m for m in desk.group_messages(ticket.topic_id) if f"#{ticket.id}" in m.get("text", "")]
    assert "車頭冒煙 <i>很大</i>" in card["text"] and "還沒有位置" in card["text"] and links(card) == []
    assert "引擎過熱" in card["text"]


async def test_asking_at_the_first_question_carries_nothing_and_says_nothing_of_it(desk: Desk) -> None:
    customer = Customer(desk.app, desk.engine, 501, "en")
    await customer.say("/roadside")
    [told] = await customer.say("talk to a human")
    assert told["text"].startswith("Left roadside help; no request was sent.\n"), told["text"]
    ticket = await the_ticket(desk)
    assert ticket.context["facts"] == {}
    [card] = [m for m in desk.group_messages(ticket.topic_id) if f"#{ticket.id}" in m.get("text", "")]
    assert not card["text"].startswith("🚨")
