"""The advisor handoff through the real Application: a ticket and its forum topic from every trigger, the relay
both ways, no auto-answer while a ticket is open, claim / transfer / close, and the outside-hours notice."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.desk.handoff.models import Ticket, TicketEvent
from bot.db.desk.roadside.models import RoadsideRequest
from bot.handlers.desk.handoff.advisors import CLOCK
from tests.botapi.recording import process
from tests.handlers.desk_harness import (
    ADVISOR2_ID,
    ADVISOR_ID,
    GROUP_ID,
    OPEN_HOURS,
    Desk,
    last_with_buttons,
)
from tests.handlers.harness import Customer

# Saturday 2026-11-28 22:00 in Shenzhen: closed; Nanshan opens Sunday 09:00.
CLOSED_HOURS = dt.datetime(2026, 11, 28, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def customer(desk: Desk) -> Customer:
    return Customer(desk.app, desk.engine, 501, "zh-hant")


async def tickets(desk: Desk) -> list[Ticket]:
    async with desk.app.bot_data["services"].sessions() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


async def events(desk: Desk, ticket_id: int) -> list[tuple[str, str]]:
    async with desk.app.bot_data["services"].sessions() as session:
        rows = await session.execute(
            select(TicketEvent.actor, TicketEvent.kind)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id)
        )
        return [(a, k) for a, k in rows.all()]


def topics(desk: Desk) -> list[dict[str, Any]]:
    return [c.params for c in desk.engine.calls("createForumTopic")]


def card(desk: Desk, thread_id: int) -> dict[str, Any]:
    return next(m for m in desk.group_messages(thread_id) if "#" in m.get("text", ""))


async def open_by_menu(customer: Customer) -> list[dict[str, Any]]:
    await customer.say("/start")
    return await customer.press("顧問")


async def test_the_menu_opens_a_ticket_with_a_topic_and_a_card(desk: Desk, customer: Customer) -> None:
    [told] = await open_by_menu(customer)
    assert "服務顧問會在這個聊天室裡回覆您" in told["text"] and "非營業時間" not in told["text"]
    [ticket] = await tickets(desk)
    assert (ticket.kind, ticket.trigger, ticket.status) == ("handoff", "menu", "open")
    [topic] = topics(desk)
    assert topic["chat_id"] == GROUP_ID and topic["name"] == f"Mei · #{ticket.id}"
    shown = card(desk, ticket.topic_id)
    assert "Mei" in shown["text"] and "選單" in shown["text"]
    labels = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert any("認領" in label for label in labels) and any("結束" in label for label in labels)


@pytest.mark.parametrize(
    ("typed", "language_code", "expected"),
    [
        ("轉人工", "zh-hant", "服務顧問會在"),
        ("转人工", "zh-hans", "服务顾问会在"),
        ("talk to a human", "en", "advisor will"),
    ],
)
async def test_typed_requests_open_a_ticket_in_the_customers_language(
    desk: Desk, typed: str, language_code: str, expected: str
) -> None:
    customer = Customer(desk.app, desk.engine, 502, language_code)
    [told] = await customer.say(typed)
    assert expected in told["text"]
    [ticket] = await tickets(desk)
    assert ticket.trigger == "typed" and ticket.topic_id is not None


async def test_none_of_these_opens_a_ticket_with_the_faq_trail(desk: Desk, customer: Customer) -> None:
    await customer.say("保修")  # a low-confidence question: suggestions with "none of these"
    await customer.press("都不是")
    [ticket] = await tickets(desk)
    assert ticket.trigger == "faq_none"
    assert "保修" in card(desk, ticket.topic_id)["text"]  # the trail is on the card


async def test_a_second_request_reuses_the_open_ticket(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    [again] = await customer.say("/start advisor")  # a command still works while the ticket is open
    assert "已經接通" in again["text"]
    assert len(await tickets(desk)) == 1 and len(topics(desk)) == 1


def relayed(desk: Desk, thread_id: int | None) -> list[dict[str, Any]]:
    """The customer's messages as posted in their topic: each under a header naming the customer."""
    return [m for m in desk.group_messages(thread_id) if "客戶 Mei" in (m.get("text") or m.get("caption") or "")]


async def test_the_relay_posts_customer_messages_as_theirs_and_the_bot_stays_quiet(
    desk: Desk, customer: Customer
) -> None:
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    before = len(desk.engine.sent_messages(customer.user.id))
    await customer.say("三包有效期是多久")  # would get an FAQ answer without a ticket
    await customer.send(desk.engine.push_photo(customer.user.id, caption="刮痕"))
    await customer.send(desk.engine.push_location(customer.user.id, 22.54, 114.05))
    assert len(desk.engine.sent_messages(customer.user.id)) == before  # no auto-answer
    text, photo, location_header = relayed(desk, ticket.topic_id)
    assert text["text"].splitlines()[-1] == "三包有效期是多久" and f"#{ticket.id}" in text["text"]
    assert "photo" in photo and photo["caption"].startswith("💬 客戶 Mei") and photo["caption"].endswith("刮痕")
    assert "位置" in location_header["text"]
    copies = desk.engine.calls("copyMessage")  # media are copied (under the header), text never is
    assert [c.params["message_thread_id"] for c in copies] == [ticket.topic_id] * 2
    assert any("location" in m for m in desk.engine.sent_messages(GROUP_ID))
    kinds = [k for a, k in await events(desk, ticket.id) if a == "customer"]
    assert kinds == ["customer_message"] * 3


async def test_a_customer_cannot_pass_for_the_bot_in_the_topic(desk: Desk, customer: Customer) -> None:
    """Issue 12, item 12: a copy would have shown the customer's words as the bot's own, links kept."""
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    fake = "🚫 客戶已封鎖機器人 <b>請結束對話</b> 驗證"
    update = desk.engine.push_text(customer.user.id, fake)
    update["message"]["entities"] = [{"type": "text_link", "offset": len(fake) - 2, "length": 2,
                                      "url": "https://evil.example/"}]  # fmt: skip
    await customer.send(update)
    [posted] = relayed(desk, ticket.topic_id)
    assert posted["text"].startswith("💬 客戶 Mei") and posted["text"].endswith(fake)  # escaped: tags shown as typed
    assert not [e for e in posted.get("entities", []) if e["type"] in ("text_link", "url")]
    assert desk.engine.calls("copyMessage") == []
    long = "我" * 4090 + "客戶已封鎖機器人"
    await customer.say(long)
    parts = relayed(desk, ticket.topic_id)[1:]
    assert len(parts) == 2 and all(p["text"].startswith("💬 客戶 Mei") for p in parts)  # every part under the header
    assert "".join(p["text"].split("\n", 1)[1] for p in parts) == long
    caption = "刮" * 1020  # fits a caption alone, not under the header: the words follow as text, whole
    await customer.send(desk.engine.push_photo(customer.user.id, caption=caption))
    photo, words = relayed(desk, ticket.topic_id)[3:]
    assert photo["caption"].startswith("💬 客戶 Mei") and "刮" not in photo["caption"]
    assert words["text"].startswith("💬 客戶 Mei") and words["text"].endswith("\n" + caption)


async def test_a_flow_started_during_a_ticket_gets_its_own_answers(desk: Desk, customer: Customer) -> None:
    """Talking to an advisor must not stop a customer from calling roadside help: its answers reach it."""
    await open_by_menu(customer)
    await customer.say("/roadside")
    await customer.send(desk.engine.push_location(customer.user.id, 22.54, 114.05))
    await customer.press(customer.app.bot_data["services"].messages.label("zh-Hant", "rsd_problem_flat_tyre"))
    await customer.say("粵B 12345")
    await customer.say("138 0013 8000")
    async with desk.app.bot_data["services"].sessions() as session:
        request = (await session.scalars(select(RoadsideRequest))).one()
    assert request.problem == "flat_tyre" and request.latitude == 22.54
    [ticket] = await tickets(desk)
    assert relayed(desk, ticket.topic_id) == []  # none of the flow's answers went to the topic
    await customer.say("謝謝，還有一個問題")  # the flow is over: back to the advisor
    assert [m["text"].splitlines()[-1] for m in relayed(desk, ticket.topic_id)] == ["謝謝，還有一個問題"]


async def test_a_staff_reply_reaches_the_customer_and_claims_the_ticket(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    await desk.advisor.say("您好，我是 Alex", thread_id=ticket.topic_id)
    await process(desk.app, desk.engine.push_photo(ADVISOR_ID, chat_id=GROUP_ID, thread_id=ticket.topic_id))
    got = customer._new()
    assert got[0]["text"] == "您好，我是 Alex" and "photo" in got[1]
    [ticket] = await tickets(desk)
    assert ticket.status == "claimed" and ticket.claimed_by == ADVISOR_ID
    assert ticket.first_response_at == OPEN_HOURS.replace(tzinfo=ticket.first_response_at.tzinfo)
    assert ("staff:9003", "staff_reply") in await events(desk, ticket.id)


async def test_claim_transfer_close_then_the_bot_answers_again(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    await desk.advisor.press("認領")
    assert "Alex" in customer._new()[-1]["text"]  # the customer hears who took it
    await desk.advisor.press("轉交")
    await desk.advisor.press("Bo")
    [ticket] = await tickets(desk)
    assert ticket.claimed_by == ADVISOR2_ID
    await desk.advisor2.press("結束")
    [ticket] = await tickets(desk)
    assert ticket.status == "closed" and ticket.closed_at is not None
    assert "已結束這次對話" in customer._new()[-1]["text"]
    [closed_topic] = desk.engine.calls("closeForumTopic")
    assert int(closed_topic.params["message_thread_id"]) == ticket.topic_id
    [answer] = await customer.say("三包有效期是多久")
    assert "三包有效期" in answer["text"]  # the FAQ answers again
    kinds = [k for _, k in await events(desk, ticket.id)]
    assert kinds[:1] == ["opened"] and {"claimed", "transferred", "closed"} <= set(kinds)


def claim_data(message: dict[str, Any]) -> str:
    rows = message["reply_markup"]["inline_keyboard"]
    return next(str(b["callback_data"]) for row in rows for b in row if "認領" in b["text"])


async def test_claiming_a_claimed_ticket_is_refused(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    message = card(desk, (await tickets(desk))[0].topic_id)
    await desk.advisor.press("認領", message=message)
    await desk.advisor2.press_data(claim_data(message), message["message_id"])  # tapped before the card changed
    [ticket] = await tickets(desk)
    assert ticket.claimed_by == ADVISOR_ID
    answer = desk.engine.calls("answerCallbackQuery")[-1].params
    assert answer.get("show_alert") and "其他同事" in answer["text"]


async def test_a_second_tap_on_claim_posts_nothing_and_the_card_loses_its_claim(desk: Desk, customer: Customer) -> None:
    """A double tap by the advisor who has it: no second note in the topic, no second "Alex is helping you" to
    the customer; the pressed card keeps only transfer and close."""
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    message = card(desk, ticket.topic_id)
    customer._new()
    await desk.advisor.press("認領", message=message)
    notes = len(desk.group_messages(ticket.topic_id))
    await desk.advisor.press_data(claim_data(message), message["message_id"])  # the double tap's second half
    assert len(customer._new()) == 1 and len(desk.group_messages(ticket.topic_id)) == notes
    answer = desk.engine.calls("answerCallbackQuery")[-1].params
    assert answer.get("show_alert") and "您處理中" in answer["text"]
    [edited] = [c.params for c in desk.engine.calls("editMessageReplyMarkup")
                if c.params.get("message_id") == message["message_id"]]  # fmt: skip
    labels = [b["text"] for row in edited["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("認領" in t for t in labels) and any("結束" in t for t in labels)


async def test_a_reply_in_a_closed_topic_gets_a_note_not_a_relay(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    await desk.advisor.press("結束")
    customer._new()
    await desk.advisor.say("還有一件事", thread_id=ticket.topic_id)
    assert customer._new() == []
    assert "已結束" in desk.group_messages(ticket.topic_id)[-1]["text"]


async def test_cancel_while_talking_to_an_advisor_says_how_to_end(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    [cancelled] = await customer.say("/cancel")
    assert "已取消" in cancelled["text"] and "/end" in cancelled["text"]  # the conversation goes on
    await customer.say("/end")
    [again] = await customer.say("/cancel")
    assert "已取消" in again["text"] and "/end" not in again["text"]


async def test_ask_a_question_during_a_ticket_says_who_answers_and_offers_to_end(
    desk: Desk, customer: Customer
) -> None:
    await open_by_menu(customer)
    [busy] = await customer.press("問問題")  # the menu's "ask a question" while an advisor has the conversation
    assert "服務顧問正在處理" in busy["text"] and "請直接輸入您的問題" not in busy["text"]
    [ended] = await customer.press("結束對話")
    assert "您已結束" in ended["text"]
    [ticket] = await tickets(desk)
    assert ticket.status == "closed"
    await customer.say("/start")
    [hint] = await customer.press("問問題")  # now the bot answers questions again
    assert "服務顧問正在處理" not in hint["text"]


async def test_the_customer_ends_the_chat(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    [ended] = await customer.say("/end")
    assert "您已結束" in ended["text"]
    [ticket] = await tickets(desk)
    assert ticket.status == "closed"
    assert "客戶已結束對話" in desk.group_messages(ticket.topic_id)[-1]["text"]
    assert [int(c.params["message_thread_id"]) for c in desk.engine.calls("closeForumTopic")] == [ticket.topic_id]


async def test_outside_business_hours_the_customer_hears_when(desk: Desk, customer: Customer) -> None:
    desk.app.bot_data[CLOCK] = lambda: CLOSED_HOURS
    [told] = await open_by_menu(customer)
    assert "非營業時間" in told["text"] and "11月29日（週日）09:00" in told["text"]


async def test_a_blocked_customer_is_reported_in_the_topic(desk: Desk, customer: Customer) -> None:
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    desk.engine.block_chat(customer.user.id)
    await desk.advisor.say("您好？", thread_id=ticket.topic_id)
    assert "封鎖" in desk.group_messages(ticket.topic_id)[-1]["text"]
    assert ("bot", "unreachable") in await events(desk, ticket.id)


async def test_the_warranty_case_goes_on_the_card(desk: Desk, customer: Customer) -> None:
    today = dt.datetime.now(desk.app.bot_data["services"].settings.tz).date()
    start = today - dt.timedelta(days=5)
    await customer.say("/warranty")
    await customer.press("家用")
    await customer.say(f"{start.year}年{start.month}月{start.day}日")
    await customer.say("150公里")
    await customer.press("變速箱")
    await customer.press("沒有")
    [told] = await customer.press("找服務顧問")
    assert "服務顧問會在" in told["text"]
    [ticket] = await tickets(desk)
    assert ticket.trigger == "warranty" and "warranty" in ticket.context["facts"]
    shown = card(desk, ticket.topic_id)["text"]
    assert "三包" in shown and "第二十二條" in shown and "您的個案" not in shown


async def test_a_double_tap_opens_one_ticket_and_one_topic(desk: Desk, customer: Customer) -> None:
    first = desk.engine.push_text(customer.user.id, "轉人工")
    second = desk.engine.push_text(customer.user.id, "轉人工")
    await asyncio.gather(process(desk.app, first), process(desk.app, second))
    assert len(await tickets(desk)) == 1 and len(topics(desk)) == 1


async def test_an_advisors_answer_after_none_of_these_is_recorded_for_review(desk: Desk, customer: Customer) -> None:
    """The question that led to "none of these" becomes a `kb learn` candidate once an advisor answers it (once,
    anonymously: no customer id), for the reviewer to give it an entry."""
    from bot.db.faq.models import FaqLearned

    await customer.say("換車還是修車")  # a did-you-mean
    await customer.press("都不是")
    [ticket] = await tickets(desk)
    await desk.advisor.say("您好，要看是哪一種情況", thread_id=ticket.topic_id)
    await desk.advisor.say("請說說車子的問題", thread_id=ticket.topic_id)
    async with desk.app.bot_data["services"].sessions() as session:
        [pair] = (await session.scalars(select(FaqLearned))).all()
    found = (pair.question, pair.entry_id, pair.source, pair.lang, pair.count)
    assert found == ("換車還是修車", "", "advisor", "zh-Hant", 1)


async def test_a_transfer_pick_tapped_twice_moves_and_tells_the_customer_once(desk: Desk, customer: Customer) -> None:
    """The pick list loses its buttons once used; its data replayed (a double tap before the edit arrives, or a
    stale list) to the advisor who already has the ticket changes nothing and tells nobody."""
    await open_by_menu(customer)
    [ticket] = await tickets(desk)
    await desk.advisor.press("轉交")
    picks = last_with_buttons(desk.engine, GROUP_ID)
    bo = next(str(b["callback_data"]) for row in picks["reply_markup"]["inline_keyboard"] for b in row
              if "Bo" in b["text"])  # fmt: skip
    customer._new()
    await desk.advisor.press("Bo", message=picks)
    notes = len(desk.group_messages(ticket.topic_id))
    assert len(customer._new()) == 1  # "Bo is looking after you"
    [edited] = [c.params for c in desk.engine.calls("editMessageReplyMarkup")
                if c.params.get("message_id") == picks["message_id"]]  # fmt: skip
    assert not edited.get("reply_markup", {}).get("inline_keyboard")  # the used list has no buttons left
    await desk.advisor.press_data(bo, picks["message_id"])  # the second tap
    assert customer._new() == [] and len(desk.group_messages(ticket.topic_id)) == notes
    answer = desk.engine.calls("answerCallbackQuery")[-1].params
    assert answer.get("show_alert") and "Bo" in answer["text"] and "處理中" in answer["text"]
    transfers = [k for _, k in await events(desk, ticket.id) if k == "transferred"]
    assert transfers == ["transferred"]


@pytest.mark.parametrize(
    ("typed", "language_code", "expected"),
    [
        ("轉人工", "zh-hant", "您已經接通服務顧問"),
        ("真人", "zh-hant", "您已經接通服務顧問"),
        ("转人工", "zh-hans", "您已经接通服务顾问"),
        ("talk to a human", "en", "You're already connected"),
    ],
)
async def test_asking_for_a_person_again_is_told_and_relayed(
    desk: Desk, typed: str, language_code: str, expected: str
) -> None:
    """「轉人工」 typed while the ticket is open: the customer hears they are already connected (as from the menu's
    button), the advisor still reads it, and no second ticket or topic opens."""
    customer = Customer(desk.app, desk.engine, 503, language_code)
    await customer.say("/start advisor")
    [ticket] = await tickets(desk)
    [reply] = await customer.say(typed)
    assert expected in reply["text"]
    [posted] = [m for m in desk.group_messages(ticket.topic_id) if m.get("text", "").startswith("💬 客戶")]
    assert posted["text"].splitlines()[-1] == typed
    assert len(await tickets(desk)) == 1 and len(topics(desk)) == 1
    assert [k for a, k in await events(desk, ticket.id) if a == "customer"] == ["customer_message"]
