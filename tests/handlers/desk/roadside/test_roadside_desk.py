"""Roadside help, the advisors' side: the alert (native location, map link, claim), the claim race, status
updates reaching the customer, and who may press what (outsiders, marketing, another advisor, forged data)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.botapi.recording import process
from tests.handlers.desk.roadside.helpers import label, request_help, services, stored
from tests.handlers.desk_harness import ADVISOR_ID, GROUP_ID, SUPERVISOR_ID, Desk, StaffUser, build_desk
from tests.handlers.harness import Customer

ME = 501


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


async def _called(desk_app: tuple) -> tuple[Customer, int, dict[str, Any]]:
    """A customer calls for help; returns them, the request id and the alert in the group."""
    app, engine, _ = desk_app
    me = Customer(app, engine, ME, "en")
    await request_help(me, "en")
    row = await stored(app)
    assert row is not None and row.alert_message_id is not None
    alert = engine.message(GROUP_ID, row.alert_message_id)
    assert alert is not None
    return me, row.id, alert


def staff_label(app: Application, key: str, **data: Any) -> str:  # type: ignore[type-arg]
    return label(app, "zh-Hant", key, **data)  # staff read the dealer's default locale


async def _press(engine: BotApiEngine, who: StaffUser, message_id: int, label_part: str) -> dict[str, Any] | None:
    """Press a button on a group message; returns the answer the presser saw."""
    message = engine.message(GROUP_ID, message_id)
    assert message is not None
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    data = next(b["callback_data"] for row in rows for b in row if label_part in b["text"])
    update = engine.push_callback(who.id, message_id, data, chat_id=GROUP_ID)
    await process(who.app, update)
    return engine.callback_answer(update["callback_query"]["id"])


async def test_the_alert_has_the_location_a_map_link_and_a_claim_button(desk_app: tuple) -> None:
    app, _engine, desk = desk_app
    _, request_id, alert = await _called(desk_app)
    text = alert["text"]
    assert f"#{request_id}" in text and "爆胎" in text  # staff read zh-Hant
    assert "粤B·12345" in text and "+8613800138000" in text and "Mei" in text  # plate, phone, the caller
    links = [e["url"] for e in alert.get("entities", []) if e["type"] == "text_link"]
    assert links == ["https://uri.amap.com/marker?position=114.057900,22.543100&coordinate=wgs84"]
    assert [b["text"] for row in alert["reply_markup"]["inline_keyboard"] for b in row] == [
        staff_label(app, "rsd_claim")
    ]
    [location] = [m for m in desk.group_messages() if "location" in m]
    assert location["location"] == {"latitude": 22.5431, "longitude": 114.0579}
    assert location["reply_to_message"]["message_id"] == alert["message_id"]


async def test_two_advisors_claim_at_once_and_one_wins(desk_app: tuple) -> None:
    app, engine, desk = desk_app
    _me, request_id, alert = await _called(desk_app)
    data = alert["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    updates = [
        engine.push_callback(who.id, alert["message_id"], data, chat_id=GROUP_ID)
        for who in (desk.advisor, desk.advisor2)
    ]
    await asyncio.gather(*(process(app, u) for u in updates))
    answers = [engine.callback_answer(u["callback_query"]["id"]) for u in updates]
    winners = [a for a in answers if a and not a.get("show_alert")]
    losers = [a for a in answers if a and a.get("show_alert")]
    assert len(winners) == 1 and len(losers) == 1
    row = await stored(app, request_id)
    assert row is not None and row.status == "claimed" and row.claimed_by in (desk.advisor.id, desk.advisor2.id)
    winner = "Alex" if row.claimed_by == desk.advisor.id else "Bo"
    assert winner in losers[0]["text"]  # the other is told who has it
    told = [m["text"] for m in engine.sent_messages(ME) if "has taken your roadside request" in m.get("text", "")]
    assert len(told) == 1 and winner in told[0]  # the customer is told who took it, once


async def test_status_updates_reach_the_customer(desk_app: tuple) -> None:
    app, engine, desk = desk_app
    me, request_id, alert = await _called(desk_app)
    await me.say("hello")  # move the customer's read marker past the flow
    await _press(engine, desk.advisor, alert["message_id"], staff_label(app, "rsd_claim"))
    [claimed] = me._new()
    assert "Alex" in claimed["text"] and "+8613800138000" in claimed["text"]
    edited = engine.message(GROUP_ID, alert["message_id"])
    assert edited is not None and "Alex" in edited["text"]
    buttons = [b["text"] for row in edited["reply_markup"]["inline_keyboard"] for b in row]
    assert staff_label(app, "rsd_claim") not in buttons and len(buttons) == 6  # 4 ETAs, arrived, done

    await _press(engine, desk.advisor, alert["message_id"], staff_label(app, "rsd_eta", minutes=30))
    [on_the_way] = me._new()
    assert "on the way" in on_the_way["text"] and "30 minutes" in on_the_way["text"]
    await _press(engine, desk.advisor, alert["message_id"], staff_label(app, "rsd_arrived"))
    [arrived] = me._new()
    assert "arrived" in arrived["text"]
    await _press(engine, desk.advisor, alert["message_id"], staff_label(app, "rsd_done"))
    [done] = me._new()
    assert "is done" in done["text"]
    row = await stored(app, request_id)
    assert row is not None and row.status == "done" and row.eta_minutes == 30 and row.done_at is not None
    final = engine.message(GROUP_ID, alert["message_id"])
    assert final is not None and not final.get("reply_markup")  # nothing left to press


async def test_outsiders_and_marketing_cannot_claim(desk_app: tuple) -> None:
    app, engine, desk = desk_app
    _me, request_id, alert = await _called(desk_app)
    advisor_role = staff_label(app, "staff_role_advisor")
    expected = {desk.outsider: staff_label(app, "staff_only"), desk.marketing: advisor_role}
    for who, text in expected.items():
        answer = await _press(engine, who, alert["message_id"], staff_label(app, "rsd_claim"))
        assert answer is not None and answer["show_alert"] and text in answer["text"]
    row = await stored(app, request_id)
    assert row is not None and row.status == "new" and row.claimed_by is None


async def test_only_the_claimer_or_a_supervisor_moves_it_on(desk_app: tuple) -> None:
    app, engine, desk = desk_app
    _me, request_id, alert = await _called(desk_app)
    await _press(engine, desk.advisor, alert["message_id"], staff_label(app, "rsd_claim"))
    answer = await _press(engine, desk.advisor2, alert["message_id"], staff_label(app, "rsd_arrived"))
    assert answer is not None and answer["text"] == staff_label(app, "rsd_not_yours")
    row = await stored(app, request_id)
    assert row is not None and row.status == "claimed"
    answer = await _press(engine, desk.supervisor, alert["message_id"], staff_label(app, "rsd_arrived"))
    assert answer is not None and not answer.get("show_alert")
    row = await stored(app, request_id)
    assert row is not None and row.status == "arrived" and row.claimed_by == ADVISOR_ID
    arrived = [m for m in engine.sent_messages(ME) if "help has arrived" in m.get("text", "")]
    assert len(arrived) == 1 and "Alex" in arrived[0]["text"]  # the claimer's name, not the supervisor's


async def test_forged_and_misplaced_presses_are_refused(desk_app: tuple) -> None:
    app, engine, desk = desk_app
    _me, request_id, alert = await _called(desk_app)
    built = services(app)
    for data in (
        f"rsd:claim:{request_id}:AAAAAAAA",  # a forged signature
        built.callbacks.pack(ADVISOR_ID, "rsd", "claim", str(request_id)),  # signed for a user, not the group
        built.callbacks.pack(GROUP_ID, "rsd", "claim", "x"),  # no request id
        built.callbacks.pack(GROUP_ID, "rsd", "eta", str(request_id), "25"),  # an ETA never offered
    ):
        update = engine.push_callback(desk.advisor.id, alert["message_id"], data, chat_id=GROUP_ID, force=True)
        await process(app, update)
        answer = engine.callback_answer(update["callback_query"]["id"])
        assert answer is not None and answer["show_alert"], data
    # The group's real claim data pressed in a private chat with the bot: staff actions only in the group.
    good = alert["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    private = engine.push_callback(SUPERVISOR_ID, 1, good, chat_id=SUPERVISOR_ID, force=True)
    await process(app, private)
    answer = engine.callback_answer(private["callback_query"]["id"])
    assert answer is not None and answer["show_alert"]
    row = await stored(app, request_id)
    assert row is not None and row.status == "new" and row.claimed_by is None


async def test_an_escalated_request_can_still_be_claimed(desk_app: tuple) -> None:
    import datetime as dt

    from bot.core.desk.roadside.escalation import escalate_unclaimed

    app, engine, desk = desk_app
    _me, request_id, alert = await _called(desk_app)
    row = await stored(app, request_id)
    assert row is not None
    assert await escalate_unclaimed(services(app), row.escalate_at.replace(tzinfo=dt.UTC)) == 1
    answer = await _press(engine, desk.advisor2, alert["message_id"], staff_label(app, "rsd_claim"))
    assert answer is not None and not answer.get("show_alert")
    row = await stored(app, request_id)
    assert row is not None and row.status == "claimed" and row.claimed_by == desk.advisor2.id
