"""`python -m bot chat`, what the terminal itself does: who presses a button, gone buttons, headers before the
prompt, `:lang`, the outbox sent out at the end of the input (in-process: no subprocess, no sleeps)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.cli.chat import TerminalBotApi, TerminalChat, _terminal_command, bootstrap_chat_staff, chat_settings
from bot.cli.chat_jobs import ChatJobs
from bot.core.outbox import store
from bot.core.outbox.store import message_payload
from bot.db.common.migrate import upgrade
from tests.conftest import make_settings

CUSTOMER = 1_000_001


@dataclass
class Terminal:
    app: Application  # type: ignore[type-arg]
    api: TerminalBotApi
    chat: TerminalChat
    lines: list[str]

    def number(self, label: str) -> int:
        """The number of the last live button whose label contains `label`."""
        found = [number for number, button in self.api.buttons.items() if label in button.label]
        assert found, f"no live button {label!r}: {self.lines}"
        return found[-1]


@pytest.fixture
async def terminal(tmp_path: Path) -> AsyncIterator[Terminal]:
    settings = chat_settings(make_settings(tmp_path, quiet_hours_start="00:00", quiet_hours_end="00:00"))
    await asyncio.to_thread(upgrade, settings.database_url)  # Alembic runs its own event loop
    lines: list[str] = []
    api = TerminalBotApi(chat_id=CUSTOMER, out=lines.append, group_id=settings.advisor_group_id)
    app = build_application(settings, request=api)
    async with app:
        await bootstrap_chat_staff(app.bot_data["services"])
        yield Terminal(app, api, TerminalChat(app, api, CUSTOMER, "Mei", "en"), lines)
    await app.bot_data["services"].engine.dispose()


async def test_the_groups_buttons_are_pressed_by_the_advisor_while_the_customer_speaks(terminal: Terminal) -> None:
    await terminal.chat.say("talk to a human")
    claim = terminal.number("✋")  # the ticket card's Claim, in the advisors' group
    await terminal.chat.say("thanks")  # a typed line later the card's buttons are still live
    terminal.lines.clear()
    await terminal.chat.say(str(claim))
    shown = "\n".join(terminal.lines)
    assert "(pressed by Alex, advisor)" in shown
    assert "Alex from our service team is looking after you" in shown  # claimed by the advisor, not refused
    assert terminal.chat.speaker == "customer"  # the speaker did not change
    await _terminal_command(terminal.chat, ":as supervisor", None)
    terminal.lines.clear()
    await terminal.chat.say(str(terminal.number("✅")))  # Close, pressed by the speaking supervisor
    assert "(pressed by" not in "\n".join(terminal.lines)
    assert any("Sam" in line for line in terminal.lines), terminal.lines


async def test_a_customer_button_is_pressed_by_the_customer_while_staff_speak(terminal: Terminal) -> None:
    menu = terminal.api._answer("sendMessage", {"chat_id": CUSTOMER, "text": "menu", "reply_markup": {
        "inline_keyboard": [[{"text": "🌐 Language", "callback_data": "x"}]]}})  # fmt: skip
    button = terminal.api.buttons[terminal.number("🌐")]
    assert button.message["message_id"] == menu["message_id"]
    await _terminal_command(terminal.chat, ":as advisor", None)
    update = terminal.chat.update_for(str(terminal.number("🌐")))
    assert update.callback_query is not None and update.callback_query.from_user.id == CUSTOMER
    assert terminal.chat.presser(button) == "customer"


async def test_a_button_whose_message_was_edited_is_gone_and_says_so(terminal: Terminal) -> None:
    sent = terminal.api._answer("sendMessage", {"chat_id": CUSTOMER, "text": "Pick one", "reply_markup": {
        "inline_keyboard": [[{"text": "A", "callback_data": "a"}, {"text": "B", "callback_data": "b"}]]}})  # fmt: skip
    first = terminal.number("A")
    terminal.api._answer("editMessageText", {"chat_id": CUSTOMER, "message_id": sent["message_id"], "text": "A it is"})
    assert first not in terminal.api.buttons
    assert "«A»" not in "\n".join(terminal.api.live_buttons())
    terminal.lines.clear()
    await terminal.chat.say(str(first))
    assert terminal.lines == [f"(button [{first}] «A» can no longer be pressed: its message was edited. :buttons "
                              f"lists the live ones; :say {first} sends the number as text)"]  # nothing sent
    terminal.api._answer("sendMessage", {"chat_id": CUSTOMER, "text": "Share?", "reply_markup": {
        "keyboard": [[{"text": "📱 Share", "request_contact": True}]]}})  # fmt: skip
    share = terminal.number("📱")
    terminal.api._answer("deleteMessage", {"chat_id": CUSTOMER, "message_id": 1})
    terminal.api._answer("sendMessage", {"chat_id": CUSTOMER, "text": "ok", "reply_markup": {"remove_keyboard": True}})
    assert terminal.chat.gone_note(str(share)) is not None and "its keyboard was removed" in str(
        terminal.chat.gone_note(str(share)))
    assert terminal.chat.gone_note("9999") is None  # never a button: typed text, as before


async def test_the_header_of_the_speakers_chat_comes_before_the_prompt(terminal: Terminal) -> None:
    await terminal.chat.say("talk to a human")  # the card goes to the group, the answer to the customer
    terminal.api._answer("sendMessage", {"chat_id": terminal.api.group_id, "message_thread_id": 2, "text": "note"})
    terminal.lines.clear()
    terminal.api.announce(*terminal.chat.where())  # the customer types next: their chat's header first
    assert terminal.lines == ["", "── customer's private chat ──"]
    terminal.api.announce(*terminal.chat.where())
    assert terminal.lines == ["", "── customer's private chat ──"]  # once
    await _terminal_command(terminal.chat, ":as advisor", None)
    terminal.api.announce(*terminal.chat.where())
    assert terminal.lines[-1].startswith("── advisors' group › topic #2")


async def test_lang_switches_the_customers_language(terminal: Terminal, capsys: pytest.CaptureFixture[str]) -> None:
    await terminal.chat.say("/start")
    await _terminal_command(terminal.chat, ":lang zh-hans", None)
    assert "zh-Hans" in capsys.readouterr().out
    terminal.lines.clear()
    await terminal.chat.say("/start")
    assert any("长青汽车服务中心" in line for line in terminal.lines), terminal.lines  # Simplified
    await _terminal_command(terminal.chat, ":lang fr", None)
    assert "zh-hant, zh-hans or en" in capsys.readouterr().out


async def test_what_the_outbox_holds_is_sent_before_the_chat_closes(terminal: Terminal) -> None:
    services = terminal.app.bot_data["services"]
    chat_jobs = ChatJobs(terminal.api)
    await chat_jobs.start(terminal.app)
    assert chat_jobs.running is not None
    chat_jobs.running.scheduler.pause()  # the flush, not the timer, must deliver it
    async with services.sessions.begin() as session:
        await store.enqueue(session, "test:ready", "reminder", CUSTOMER, message_payload("Your car is ready"))
    terminal.lines.clear()
    await chat_jobs.flush()
    await chat_jobs.stop()
    assert "Your car is ready" in terminal.lines
    async with services.sessions() as session:
        assert (await store.counts(session))["sent"] == 1


async def test_a_second_customer_has_their_own_chat_ticket_topic_and_header(terminal: Terminal) -> None:
    """`:as customer 2` speaks as another customer (own chat id, name, Telegram language); each gets a ticket in a
    topic of its own, the advisor's answer in each topic reaches only that customer, and once two customers are
    played what the bot sends each is printed under a header naming them."""
    chat, lines = terminal.chat, terminal.lines
    await chat.say("talk to a human")
    first_topic = terminal.api.last_topic
    said = chat.switch("customer 2")  # what `:as customer 2` prints
    second = chat.personas["customer 2"].user
    assert (second["id"], second["first_name"], second["language_code"]) == (CUSTOMER + 1, "美玲", "zh-hans")
    assert said == "(you are customer 2, 美玲, in their own private chat; Telegram in zh-hans)"
    lines.clear()
    await chat.say("我要找人工客服")
    shown = "\n".join(lines)
    second_topic = terminal.api.last_topic
    assert second_topic != first_topic and "«美玲 · #2»" in shown, shown
    assert "── 美玲 (customer 2)'s private chat ──" in shown and "服务顾问" in shown  # in her language (zh-Hans)
    await _terminal_command(chat, ":as advisor", None)
    lines.clear()
    terminal.api.announce(*chat.where())  # as before each prompt: the header of the chat the line goes to
    await chat.say("Hello 美玲")  # in the topic last shown: hers
    await _terminal_command(chat, f":topic {first_topic}", None)
    terminal.api.announce(*chat.where())
    await chat.say("Hello Mei")
    shown = "\n".join(lines)
    assert shown.index("── 美玲 (customer 2)'s private chat ──") < shown.index("(copied) Hello 美玲")
    assert shown.index("── Mei (customer 1)'s private chat ──") < shown.index("(copied) Hello Mei")
    await _terminal_command(chat, ":as customer", None)  # the first customer again
    assert chat.where() == (CUSTOMER, None)
    lines.clear()
    await chat.say("thanks")
    assert any(line.endswith("（#1）說：\nthanks") for line in lines), lines  # into her topic, not 美玲's
    assert terminal.api._shown_in == (terminal.api.group_id, first_topic)
    await _terminal_command(chat, ":as customer 2", None)
    assert chat.where() == (CUSTOMER + 1, None)
    claim = terminal.number("✋")  # a customer's own button is pressed by that customer; the group's by the advisor
    assert chat.presser(terminal.api.buttons[claim]) == "advisor"
    await _terminal_command(chat, ":as customer 4", None)
    assert chat.speaker == "customer 2"  # no fourth customer: the speaker stays


async def test_each_customers_contact_button_shares_their_own_phone(terminal: Terminal) -> None:
    """So /mycar links the second customer to her own demo record, not to the first customer's."""
    chat, api = terminal.chat, terminal.api
    chat.switch("customer 2")
    share = {"keyboard": [[{"text": "📱 Share", "request_contact": True}]], "one_time_keyboard": True}
    api._answer("sendMessage", {"chat_id": CUSTOMER + 1, "text": "Share?", "reply_markup": share})
    contact = chat.update_for(str(terminal.number("📱"))).effective_message.contact  # type: ignore[union-attr]
    assert contact is not None and (contact.phone_number, contact.user_id) == ("8613928740653", CUSTOMER + 1)
    chat.switch("advisor")  # whoever speaks, the button is pressed by the customer whose chat it is in
    pressed = chat.update_for(str(terminal.number("📱")))
    assert pressed.effective_user is not None and pressed.effective_user.id == CUSTOMER + 1
    chat.switch("customer")
    api._answer("sendMessage", {"chat_id": CUSTOMER, "text": "Share?", "reply_markup": share})
    first = chat.update_for(str(terminal.number("📱"))).effective_message.contact  # type: ignore[union-attr]
    assert first is not None and first.user_id == CUSTOMER and first.phone_number != "8613928740653"
