"""Thread-safe state of the fake Bot API: chats, users, messages, updates, calls, faults.

:class:`BotApiState` is the base of :class:`tests.botapi.engine.BotApiEngine`
(and so of the server).  All mutation happens under one ``RLock``; a
``Condition`` on it wakes long polls, webhook delivery and test-side waits.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tests.botapi.objects import ChatRecord, TopicRecord, UserRecord
from tests.botapi.ratelimit import RateLimiter, RateLimits
from tests.botapi.rules import ApiError

DEFAULT_TOKEN = "123456789:TEST-carebot-fake-token"
#: Updates delivered when ``allowed_updates`` is empty / never set.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
T = TypeVar("T")


@dataclass
class CallRecord:
    """One Bot API call as the fake saw it (``response`` is None for a dropped connection)."""

    seq: int
    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any] | None
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` field of a successful answer (None otherwise)."""
        return self.response.get("result") if self.response else None

    @property
    def description(self) -> str | None:
        """The error ``description`` (None on success or drop)."""
        return self.response.get("description") if self.response else None


@dataclass
class Fault:
    """A pending injected fault; ``method=None`` matches every method but getUpdates."""

    method: str | None
    remaining: int
    status: int
    description: str
    retry_after: int | None = None
    drop: bool = False


@dataclass
class Reply:
    """What the transport should answer: JSON with ``status``, or drop (``payload`` None)."""

    status: int
    payload: dict[str, Any] | None

    @property
    def dropped(self) -> bool:
        """True when the connection must be closed without any response."""
        return self.payload is None

    def body(self) -> bytes:
        """The UTF-8 JSON body."""
        return json.dumps(self.payload, ensure_ascii=False).encode("utf-8")


class BotApiState:
    """Chats, users, messages, update queue, call log (and pending faults) of one fake bot."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "carebot_test_bot",
        bot_name: str = "CareBot",
        rate_limits: RateLimits | None = None,
        strict_html: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create an empty world with one bot whose id is the token's numeric prefix."""
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot = UserRecord(
            int(prefix) if prefix.isdigit() else 1, bot_name, username=bot_username, language_code=None, is_bot=True
        )
        self.strict_html = strict_html
        self.rate_limiter = RateLimiter(rate_limits, clock)
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._closing = False
        self._users: dict[int, UserRecord] = {}
        self._chats: dict[int, ChatRecord] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._bot_sent: dict[int, list[int]] = {}
        self._consumed: dict[int, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(100_001)
        self.allowed_updates: list[str] | None = None
        self.webhook: dict[str, Any] | None = None
        self.webhook_error: tuple[int, str] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self._calls: list[CallRecord] = []
        self._call_seq = itertools.count(1)
        self._waited_calls: set[int] = set()
        self._ids = itertools.count(10_001)
        self._faults: list[Fault] = []
        self._poll_generation = 0

    def notify(self) -> None:
        """Wake every waiter (long polls, webhook delivery, test waits)."""
        with self._cond:
            self._cond.notify_all()

    # ----------------------------------------------------------- registry
    def add_user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> UserRecord:
        """Register a user and its private chat (chat id == user id)."""
        with self._lock:
            uid = user_id if user_id is not None else next(self._ids)
            user = UserRecord(uid, first_name, last_name, username, language_code)
            self._users[uid] = user
            self._chats[uid] = ChatRecord(uid, "private", username=username, first_name=first_name, last_name=last_name)
            return user

    def add_group(
        self,
        title: str = "Test group",
        *,
        chat_id: int | None = None,
        forum: bool = False,
        members: Iterable[int] = (),
        bot_status: str = "administrator",
        username: str | None = None,
    ) -> ChatRecord:
        """Register a supergroup (``forum=True`` → ``is_forum``) containing ``members``."""
        with self._lock:
            cid = chat_id if chat_id is not None else -1_000_000_000_000 - next(self._ids)
            chat = ChatRecord(
                cid,
                "supergroup",
                title=title,
                username=username,
                is_forum=forum,
                bot_status=bot_status,
                members=set(members),
            )
            self._chats[cid] = chat
            return chat

    def add_topic(self, chat_id: int, name: str, *, icon_color: int = 0x6FB9F0) -> TopicRecord:
        """Create a forum topic (as if a user made it); returns it with its thread id."""
        with self._lock:
            chat = self.get_chat(chat_id)
            if not chat.is_forum:
                raise ApiError(400, "Bad Request: the chat is not a forum")
            topic = TopicRecord(chat.allocate_message_id(), name, icon_color)
            chat.topics[topic.thread_id] = topic
            return topic

    def user(self, user_id: int) -> UserRecord:
        """A registered user (KeyError if unknown)."""
        with self._lock:
            return self._users[user_id]

    def chat(self, chat_id: int) -> ChatRecord:
        """A registered chat (KeyError if unknown)."""
        with self._lock:
            return self._chats[chat_id]

    def get_chat(self, chat_id: object) -> ChatRecord:
        """Resolve a ``chat_id`` parameter (int or ``@username``) or raise 400 chat not found."""
        with self._lock:
            if isinstance(chat_id, int) and chat_id in self._chats:
                return self._chats[chat_id]
            if isinstance(chat_id, str) and chat_id.startswith("@"):
                for chat in self._chats.values():
                    if chat.username and chat.username.lower() == chat_id[1:].lower():
                        return chat
            raise ApiError(400, "Bad Request: chat not found")

    def block_chat(self, chat_id: int, blocked: bool = True) -> None:
        """Mark a chat blocked: sends answer 403 (``unblock_chat`` or ``blocked=False`` undoes)."""
        with self._lock:
            self._chats[chat_id].blocked = blocked

    def unblock_chat(self, chat_id: int) -> None:
        """Undo :meth:`block_chat`."""
        self.block_chat(chat_id, False)

    # ----------------------------------------------------------- messages
    def store_message(self, message: dict[str, Any], *, from_bot: bool, listed: bool = True) -> None:
        """Save a message; bot messages (``listed``) feed :meth:`wait_for_messages`."""
        with self._cond:
            chat_id = message["chat"]["id"]
            self._messages[(chat_id, message["message_id"])] = message
            if from_bot and listed:
                self._bot_sent.setdefault(chat_id, []).append(message["message_id"])
            self._cond.notify_all()

    def find_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The live stored message, or None if unknown or deleted."""
        with self._lock:
            if (chat_id, message_id) in self._deleted:
                return None
            return self._messages.get((chat_id, message_id))

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A copy of a message in its current (edited) state; None if unknown/deleted."""
        with self._lock:
            return copy.deepcopy(self.find_message(chat_id, message_id))

    def mark_deleted(self, chat_id: int, message_id: int) -> None:
        """Record a deletion."""
        with self._cond:
            self._deleted.add((chat_id, message_id))
            self._cond.notify_all()

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        """Whether the message was deleted through ``deleteMessage``."""
        with self._lock:
            return (chat_id, message_id) in self._deleted

    def sent_messages(self, chat_id: int, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        """Copies of every message the bot sent to ``chat_id`` (current state), oldest first."""
        with self._lock:
            return [
                copy.deepcopy(self._messages[(chat_id, mid)])
                for mid in self._bot_sent.get(chat_id, [])
                if include_deleted or (chat_id, mid) not in self._deleted
            ]

    def _take_messages(self, chat_id: int, count: int) -> list[dict[str, Any]] | None:
        ids = self._bot_sent.get(chat_id, [])
        start = self._consumed.get(chat_id, 0)
        if len(ids) - start < count:
            return None
        self._consumed[chat_id] = start + count
        return [copy.deepcopy(self._messages[(chat_id, mid)]) for mid in ids[start : start + count]]

    def _timeout_error(self, chat_id: int, count: int, timeout: float) -> TimeoutError:
        start = self._consumed.get(chat_id, 0)
        got = [self._messages[(chat_id, m)].get("text") for m in self._bot_sent.get(chat_id, [])[start:]]
        errors = [f"{c.method}: {c.description}" for c in self._calls if c.status >= 400][-5:]
        return TimeoutError(
            f"waited {timeout}s for {count} bot message(s) in chat {chat_id}; "
            f"got {len(got)}: {got!r}; recent errors: {errors!r}"
        )

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until the bot sent ``count`` more messages to ``chat_id``; return them.

        Messages are consumed: the next call returns the following ones.  Raises
        TimeoutError (listing what did arrive and recent API errors).
        """
        with self._cond:
            result: list[dict[str, Any]] | None = None

            def ready() -> bool:
                nonlocal result
                result = self._take_messages(chat_id, count)
                return result is not None

            if not self._cond.wait_for(ready, timeout) or result is None:
                raise self._timeout_error(chat_id, count, timeout)
            return result

    async def wait_for_messages_async(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - same signature as wait_for_messages
    ) -> list[dict[str, Any]]:
        """Event-loop friendly :meth:`wait_for_messages` (polls, never blocks the loop)."""
        return await self._poll_async(
            lambda: self._take_messages(chat_id, count), timeout, lambda: self._timeout_error(chat_id, count, timeout)
        )

    async def _poll_async(self, take: Callable[[], T | None], seconds: float, error: Callable[[], Exception]) -> T:
        deadline = time.monotonic() + seconds
        while True:
            with self._lock:
                value = take()
                if value is not None:
                    return value
                if time.monotonic() >= deadline:
                    raise error()
            await asyncio.sleep(0.01)

    # -------------------------------------------------------------- calls
    def record_call(self, method: str, params: dict[str, Any], reply: Reply) -> CallRecord:
        """Append to the call log (done by the engine for every request)."""
        with self._cond:
            record = CallRecord(next(self._call_seq), method, params, reply.status, reply.payload)
            self._calls.append(record)
            self._cond.notify_all()
            return record

    def calls(self, method: str | None = None, *, include_polling: bool = False) -> list[CallRecord]:
        """Recorded calls, optionally of one method; getUpdates only if ``include_polling``."""
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None and (include_polling or c.method != "getUpdates"))
                or (method is not None and c.method.lower() == method.lower())
            ]

    def clear_calls(self) -> None:
        """Forget the call log."""
        with self._lock:
            self._calls.clear()
            self._waited_calls.clear()

    def _take_call(self, method: str, predicate: Callable[[CallRecord], bool] | None) -> CallRecord | None:
        for record in self._calls:
            if record.seq in self._waited_calls or record.method.lower() != method.lower():
                continue
            if predicate is None or predicate(record):
                self._waited_calls.add(record.seq)
                return record
        return None

    def wait_for_call(
        self, method: str, timeout: float = 5.0, predicate: Callable[[CallRecord], bool] | None = None
    ) -> CallRecord:
        """Block until a (not yet waited-for) call of ``method`` matching ``predicate`` is recorded."""
        with self._cond:
            found: CallRecord | None = None

            def ready() -> bool:
                nonlocal found
                found = self._take_call(method, predicate)
                return found is not None

            if not self._cond.wait_for(ready, timeout) or found is None:
                raise TimeoutError(f"no {method} call within {timeout}s")
            return found

    async def wait_for_call_async(
        self,
        method: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - same signature as wait_for_call
        predicate: Callable[[CallRecord], bool] | None = None,
    ) -> CallRecord:
        """Event-loop friendly :meth:`wait_for_call`."""
        return await self._poll_async(
            lambda: self._take_call(method, predicate),
            timeout,
            lambda: TimeoutError(f"no {method} call within {timeout}s"),
        )
