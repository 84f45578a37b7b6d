"""`python -m bot chat`: a terminal conversation with the real Application, no network.

The Bot API is answered locally by `TerminalBotApi` (bot.cli.chat_api: what the bot sends is printed, inline
buttons numbered); what you type becomes a real `Update` fed to `Application.process_update`, exactly as
Telegram would send it. It plays more than one customer: `:as customer 2` (or 3) speaks as another demo customer,
with their own private chat, name and Telegram language, and `:as customer` is the first again; once a second one
has spoken, what the bot sends each is printed under a header naming them. The same terminal can play the staff:
`:as advisor` (or supervisor) speaks in the advisors' forum supergroup, in the topic last shown (`:topic N` picks
another), where each customer's ticket has its own topic; `:as customer` goes back.
`:as admin` manages staff (/staff). A button is pressed by whoever sees it: the customer's by the customer, the
group's by the staff member speaking (the advisor when the customer is). The outbox sender, the reminder sweep and
the desk tick run as with `run`, so reminders, follow-ups and escalations arrive here too (`:tick` runs them at
once instead of waiting); at the end of the input the outbox is sent out before the chat closes.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.cli.chat_api import BOT_USER, Button, TerminalBotApi, html_to_terminal
from bot.core.common import customers
from bot.core.common.locale import from_language_code
from bot.core.common.settings import Settings
from bot.core.services import Services
from bot.core.staff import repo as staff_repo
from bot.handlers.desk.group import bootstrap_staff

__all__ = ["BOT_USER", "DEMO_LOCATION", "DEMO_PHONE", "Button", "TerminalBotApi", "TerminalChat", "html_to_terminal"]

# What a request_contact / request_location button sends. The phone is the first demo customer's
# (knowledge/demo/customers.csv, seeded by `python -m bot setup`), written as Telegram writes it (no "+"),
# so the demo links to records; CAREBOT_CHAT_PHONE picks another.
DEMO_PHONE = "8613826514417"
DEMO_LOCATION = {"latitude": 22.5431, "longitude": 114.0579}  # Shenzhen
DEMO_NAME = "志強"  # the first demo customer's given name: the customer the terminal plays
# The staff the terminal can play (bootstrapped into the staff table by `python -m bot chat`).
CHAT_GROUP_ID = -1_009_990_000_001
STAFF_PERSONAS = {
    "advisor": (990_001, "Alex"), "supervisor": (990_002, "Sam"), "admin": (990_003, "Ada"),
    "marketing": (990_004, "Mia"),
}
PRIVATE_PERSONAS = {"marketing"}  # marketing staff work in their own private chat with the bot (/campaign)
# The other customers the terminal can play (`:as customer N`), each in a private chat of their own (the first
# customer's chat id + N - 1): the next demo customers, with their Telegram language and the phone their
# contact button shares (so /mycar finds their cars after `python -m bot setup`).
OTHER_CUSTOMERS = {2: ("美玲", "zh-hans", "8613928740653"), 3: ("家豪", "en", "8613510268831")}
HELP = (
    "Type a message, or a button's number to press it (every button keeps its number while it is on screen;\n"
    "the advisors' group's buttons are pressed by the staff member speaking, or the advisor).\n"
    "Terminal commands:\n"
    "  :as customer | :as advisor | :as supervisor | :as admin | :as marketing   who is speaking\n"
    "  :as customer 2   another customer (2 or 3), in their own chat with their own name and language;\n"
    "               :as customer (or :as customer 1) is the first again\n"
    "  :topic N     speak in topic #N of the advisors' group (staff)\n"
    "  :buttons     the buttons that can still be pressed, with their numbers\n"
    "  :say TEXT    send TEXT as typed even when it is a button's number\n"
    "  :lang CODE   the customer's language from now on: zh-hant, zh-hans or en (as /language would)\n"
    "  :tick        run the reminder sweep, the desk timers and the campaigns now; what they queue arrives\n"
    "               within a second, or after the quiet hours (it says so)\n"
    "  :help        this list        /quit (or :quit)  leave (end of input too: the outbox is sent out first)"
)


@dataclass
class Persona:
    user: dict[str, Any]
    staff: bool
    private: bool = False  # a member of staff in their own private chat, not in the advisors' group
    phone: str | None = None  # what a customer's contact button shares (None: CAREBOT_CHAT_PHONE or DEMO_PHONE)


def customer_role(number: int) -> str:
    """The persona of customer `number`: "customer" for the first, "customer 2" for the second…"""
    return "customer" if number == 1 else f"customer {number}"


def chat_settings(settings: Settings) -> Settings:
    """The terminal's settings: a local advisors' group when none is configured, and the staff it can play."""
    advisor_id, supervisor_id = STAFF_PERSONAS["advisor"][0], STAFF_PERSONAS["supervisor"][0]
    return settings.model_copy(
        update={
            "advisor_group_id": settings.advisor_group_id or CHAT_GROUP_ID,
            "advisor_ids": [*settings.advisor_ids, advisor_id],
            "supervisor_ids": [*settings.supervisor_ids, supervisor_id],
            "admin_ids": [*settings.admin_ids, STAFF_PERSONAS["admin"][0]],
            "marketing_ids": [*settings.marketing_ids, STAFF_PERSONAS["marketing"][0]],
            "desk_tick_seconds": min(settings.desk_tick_seconds, 5.0),
        }
    )


async def bootstrap_chat_staff(services: Services) -> None:
    """The staff from settings, and the terminal's own advisor and supervisor with their names."""
    await bootstrap_staff(services)
    async with services.sessions.begin() as session:
        for staff_id, name in STAFF_PERSONAS.values():
            await staff_repo.set_name(session, staff_id, name)


class TerminalChat:
    """Turns typed lines into updates from the customer (private chat) or a staff member (the group)."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        api: TerminalBotApi,
        user_id: int,
        first_name: str,
        language_code: str | None,
    ) -> None:
        self.application = application
        self.api = api
        customer: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            customer["language_code"] = language_code
        self.personas = {"customer": Persona(customer, staff=False)}
        for role, (staff_id, name) in STAFF_PERSONAS.items():
            self.personas[role] = Persona({"id": staff_id, "is_bot": False, "first_name": name}, staff=True,
                                          private=role in PRIVATE_PERSONAS)  # fmt: skip
        self.speaker = "customer"
        self.topic: int | None = None
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1_000_000)

    @property
    def user(self) -> dict[str, Any]:
        return self.personas[self.speaker].user

    def _customer(self, who: str) -> str | None:
        """`customer N` as a persona's name, created the first time it is asked for; None for no such customer."""
        number = who.removeprefix("customer").strip() or "1"
        if not who.startswith("customer") or not number.isdigit():
            return None
        role = customer_role(int(number))
        if role not in self.personas and int(number) in OTHER_CUSTOMERS:
            name, language, phone = OTHER_CUSTOMERS[int(number)]
            user = {"id": self.api.chat_id + int(number) - 1, "is_bot": False, "first_name": name,
                    "language_code": language}  # fmt: skip
            self.personas[role] = Persona(user, staff=False, phone=phone)
            for number_, persona in self.customers():  # from now on, each customer's chat is named in its header
                self.api.chat_names[persona.user["id"]] = f"{persona.user['first_name']} (customer {number_})"
        return role if role in self.personas else None

    def customers(self) -> list[tuple[int, Persona]]:
        """The customers played so far, by number."""
        numbers = (1, *OTHER_CUSTOMERS)
        return [(n, self.personas[customer_role(n)]) for n in numbers if customer_role(n) in self.personas]

    def switch(self, who: str) -> str:
        """`:as who`; returns what to print."""
        who = self._customer(who) or who
        if who not in self.personas:
            return f"(nobody called {who!r}: {', '.join(self.personas)})"
        if self.personas[who].staff and self.api.group_id is None:
            return "(no advisors' group: set ADVISOR_GROUP_ID or leave it unset for the local one)"
        self.speaker = who
        if not self.personas[who].staff:
            if len(self.customers()) == 1:
                return f"(you are the customer, {self.user['first_name']})"
            language = self.user.get("language_code") or "not set"
            number = "customer 1" if who == "customer" else who
            return f"(you are {number}, {self.user['first_name']}, in their own private chat; Telegram in {language})"
        if self.personas[who].private:
            return f"(you are {self.user['first_name']}, {who}, in your private chat with the bot: try /campaign)"
        where = f"topic #{self.current_topic}" if self.current_topic else "the group's General topic"
        return f"(you are {self.user['first_name']}, {who}, writing in the advisors' group, {where})"

    @property
    def current_topic(self) -> int | None:
        return self.topic or self.api.last_topic

    def update_for(self, line: str) -> Update:
        """A button press when the line is the number of a live button, else a text message.

        A reply-keyboard button sends its label as text, or a contact (the customer's own, with the phone in
        CAREBOT_CHAT_PHONE) or a location when it is a request_contact / request_location button.
        """
        role = self.speaker
        if (button := self.button(line)) is not None:
            role = self.presser(button)
            user = self.personas[role].user
            if button.request == "contact":
                phone = self.personas[role].phone or os.environ.get("CAREBOT_CHAT_PHONE") or DEMO_PHONE
                contact = {"phone_number": phone, "first_name": user["first_name"], "user_id": user["id"]}
                return self._message({"contact": contact}, role)
            if button.request == "location":
                return self._message({"location": dict(DEMO_LOCATION)}, role)
            if button.callback_data is not None:
                return self._press(button, role)
            line = button.label  # a reply-keyboard button sends its label as text
        content: dict[str, Any] = {"text": line}
        if line.startswith("/"):
            command = line.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._message(content, role)

    def button(self, line: str) -> Button | None:
        """The live button whose number `line` is, if any."""
        return self.api.buttons.get(int(line)) if line.strip().isdigit() else None

    def gone_note(self, line: str) -> str | None:
        """What to say when `line` is the number of a button that is no longer on screen (never sent as text)."""
        if not line.strip().isdigit() or int(line) not in self.api.gone:
            return None
        label, why = self.api.gone[int(line)]
        return (f"(button [{int(line)}] «{label}» can no longer be pressed: {why}. :buttons lists the live ones;"
                f" :say {int(line)} sends the number as text)")

    def presser(self, button: Button) -> str:
        """Who presses a button: whoever sees it. The advisors' group's by the staff member speaking there (the
        advisor when the customer or a private persona is speaking); a private chat's by the one it belongs to."""
        chat_id = button.message["chat"]["id"]
        if chat_id == self.api.group_id:
            persona = self.personas[self.speaker]
            return self.speaker if persona.staff and not persona.private else "advisor"
        return next((role for role, persona in self.personas.items() if (persona.private or not persona.staff)
                     and persona.user["id"] == chat_id), self.speaker)  # fmt: skip

    def where(self) -> tuple[int, int | None]:
        """The chat (and topic) the speaker's next line goes to."""
        persona = self.personas[self.speaker]
        if persona.staff and not persona.private and self.api.group_id is not None:
            return self.api.group_id, self.current_topic
        return persona.user["id"], None  # a private chat's id is its user's

    async def set_language(self, code: str) -> str:
        """`:lang CODE`: the customer's Telegram language becomes CODE and, as choosing it with /language does,
        their reply language (an explicit choice outranks Telegram's language_code)."""
        locale = from_language_code(code)
        if locale is None:
            return "(:lang takes zh-hant, zh-hans or en)"
        role = self.speaker if not self.personas[self.speaker].staff else "customer"  # the customer speaking
        customer = self.personas[role].user
        customer["language_code"] = code.lower()
        services: Services = self.application.bot_data["services"]
        async with services.sessions.begin() as session:
            await customers.touch_customer(session, customer["id"], customer["id"], customer["first_name"],
                                           customer["language_code"])  # fmt: skip
            await customers.set_locale_choice(session, customer["id"], locale)
        number = "customer 1" if role == "customer" else role
        who = "the customer" if len(self.customers()) == 1 else f"{number} ({customer['first_name']})"
        return f"({who} now reads {locale}; /language or :lang changes it again)"

    def _press(self, button: Button, role: str) -> Update:
        payload = {
            "callback_query": {
                "id": str(next(self._update_ids)),
                "from": self.personas[role].user,
                "chat_instance": "terminal",
                "data": button.callback_data,
                "message": button.message,
            }
        }
        return self._update(payload)

    def _message(self, content: dict[str, Any], role: str | None = None) -> Update:
        """A message from the speaker (or `role`): in the customer's private chat, or in the group (a topic) for
        staff."""
        persona = self.personas[role or self.speaker]
        staff = persona.staff and not persona.private  # a private persona writes like a customer, in its own chat
        chat_id = self.api.group_id if staff and self.api.group_id is not None else persona.user["id"]
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {**self.api.chat(chat_id), "first_name": persona.user["first_name"]} if not staff else
            self.api.chat(chat_id),
            "from": persona.user,
            **content,
        }
        if staff and self.current_topic:
            message["message_thread_id"], message["is_topic_message"] = self.current_topic, True
        self.api.remember(message)
        return self._update({"message": message})

    def _update(self, payload: dict[str, Any]) -> Update:
        return Update.de_json({"update_id": next(self._update_ids), **payload}, self.application.bot)

    async def say(self, line: str, typed: bool = False) -> None:
        """Send a line as the speaker; a live button's number presses that button unless `typed` (as whoever
        sees it, said when that is not the speaker); a gone button's number is not sent but explained."""
        if not typed and (note := self.gone_note(line)):
            self.api.out(note)
            return
        if not typed and (button := self.button(line)) and (role := self.presser(button)) != self.speaker:
            name = self.personas[role].user["first_name"]
            staff = self.personas[role].staff
            who = f"the customer, {name}" if role == "customer" else f"{name}, {role}" if staff else f"{role}, {name}"
            self.api.out(f"(pressed by {who})")
        update = self._message({"text": line}) if typed else self.update_for(line)
        await self.application.process_update(update)


async def _terminal_command(chat: TerminalChat, line: str, jobs: Any) -> None:
    """`:as`, `:topic`, `:tick`, `:help`: the terminal's own commands, never sent to the bot."""
    command, _, arg = line[1:].strip().partition(" ")
    if command == "as":
        print(chat.switch(arg.strip().lower()))
    elif command == "topic" and arg.strip().lstrip("#").isdigit():
        chat.topic = int(arg.strip().lstrip("#"))
        print(f"(writing in topic #{chat.topic})")
    elif command == "tick" and jobs is not None:
        await jobs.tick_now()
    elif command == "buttons":
        print("\n".join(chat.api.live_buttons()))
    elif command == "say" and arg.strip():
        await chat.say(arg.strip(), typed=True)
    elif command == "lang" and arg.strip():
        print(await chat.set_language(arg.strip()))
    else:
        print(HELP)


async def run_terminal_chat(
    application: Application,  # type: ignore[type-arg]
    api: TerminalBotApi,
    first_name: str,
    language_code: str | None,
    jobs: Any = None,
) -> None:
    """Read lines until EOF or /quit; every line goes through the real handlers. `jobs` (bot.cli.chat_jobs) runs the
    sender, the sweep and the desk tick alongside."""
    chat = TerminalChat(application, api, api.chat_id, first_name, language_code)
    api.chat_names.update({user_id: f"{name} ({role})" for role, (user_id, name) in STAFF_PERSONAS.items()
                           if role in PRIVATE_PERSONAS})  # fmt: skip
    async with application:
        await bootstrap_chat_staff(application.bot_data["services"])
        if jobs is not None:
            await jobs.start(application)
        echo = not sys.stdin.isatty()  # piped lines are shown after the prompt, so the transcript reads like a chat
        try:
            await chat.say("/start")
            first = True
            while True:
                chat.api.announce(*chat.where())  # the header of the chat the line goes to, before the prompt
                try:
                    line = await asyncio.to_thread(input, "\n> ")
                except EOFError:
                    print("(end of input)" if echo else "")
                    break
                if echo:
                    print(line)
                if line.strip() in {"/quit", "/exit", ":quit", ":exit"}:
                    break
                if first and line.strip() == "/start" and chat.speaker == "customer":
                    print("(the chat began with /start: its answer is above)")
                elif line.strip().startswith(":"):
                    await _terminal_command(chat, line.strip(), jobs)
                elif line.strip():
                    await chat.say(line)
                first = first and not line.strip()
            if jobs is not None:
                await jobs.flush()  # what the sweep or a handler queued reaches the terminal before it closes
        finally:
            if jobs is not None:
                await jobs.stop()
    sys.stdout.flush()
