"""/checkin for staff through the real Application: the upcoming events each with a button that opens the
attendee list (as `/checkin ID` does), signed for the staff member who asked."""

from __future__ import annotations

import datetime as dt
import re

from bot.core.events import service as events
from bot.core.services import Services
from tests.botapi.recording import process
from tests.handlers.campaigns.test_marketing import TOYOTA, desk, invitation, owner, press, private, services_of
from tests.handlers.desk_harness import ADVISOR_ID, SUPERVISOR_ID, Desk

__all__ = ["desk"]  # the fixture, imported


async def _going(services: Services, desk: Desk) -> int:
    """An event in five days with one Toyota owner going."""
    await owner(services, TOYOTA, "Toyota")
    event_id, _campaign_id = await invitation(services)
    async with services.sessions.begin() as session:
        customer_id = await events.customer_id_of(session, TOYOTA)
        assert customer_id is not None
        await events.answer(session, event_id, customer_id, "going", dt.datetime.now(dt.UTC), None)
    return event_id


async def test_each_upcoming_event_has_a_button_that_opens_its_attendee_list(desk: Desk) -> None:
    services = services_of(desk)
    event_id = await _going(services, desk)
    listed = await private(desk, ADVISOR_ID, "/checkin")
    buttons = [b for row in listed[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 1 and buttons[0]["text"].startswith(f"#{event_id} 豐田冬季檢測週 · ")
    assert buttons[0]["text"].endswith(" · 出席 1/5")
    assert re.search(r" · 20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d · ", buttons[0]["text"]), buttons[0]["text"]  # not ISO
    opened = await press(desk, ADVISOR_ID, listed[0], f"#{event_id}")
    typed = await private(desk, ADVISOR_ID, f"/checkin {event_id}")
    assert opened[-1]["text"] == typed[-1]["text"] and "Mei" in opened[-1]["text"]
    assert opened[-1]["reply_markup"] == typed[-1]["reply_markup"]  # with the per-person check-in buttons
    await press(desk, ADVISOR_ID, opened[-1], "☑️")  # its per-person buttons work as the typed list's do
    edited = next(m for m in desk.engine.sent_messages(ADVISOR_ID) if m["message_id"] == opened[-1]["message_id"])
    assert "已報到：Mei" in edited["text"]


async def test_the_event_button_is_signed_for_the_staff_member_who_asked(desk: Desk) -> None:
    services = services_of(desk)
    await _going(services, desk)
    listed = await private(desk, ADVISOR_ID, "/checkin")
    data = listed[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    before = len(desk.engine.sent_messages(SUPERVISOR_ID))
    await process(desk.app, desk.engine.push_callback(SUPERVISOR_ID, listed[0]["message_id"], data, force=True))
    assert desk.engine.sent_messages(SUPERVISOR_ID)[before:] == []  # refused: another member's button


async def test_no_events_is_text_only(desk: Desk) -> None:
    listed = await private(desk, ADVISOR_ID, "/checkin")
    assert "沒有即將舉行的活動" in listed[0]["text"] and not listed[0].get("reply_markup")
