"""Test-side user actions: pushing updates into the fake Bot API's update queue.

Every ``push_*`` method builds the update a real user action would produce,
stores the user's message (so the bot can reply to, copy or forward it),
queues the update for ``getUpdates``/webhook delivery and returns the update
dict (feed it to ``Application.process_update`` via ``Update.de_json`` when
testing with :class:`tests.botapi.recording.RecordingRequest`).
"""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any

from tests.botapi.objects import (
    UserRecord,
    build_message,
    command_entities,
    file_object,
    my_chat_member_update,
    photo_sizes,
    sticker_object,
)
from tests.botapi.rules import inline_callback_data
from tests.botapi.state import DEFAULT_EXCLUDED_UPDATES, BotApiState

_query_ids = itertools.count(7_000_000_001)


class UserActions(BotApiState):
    """Update queue plus the ``push_*`` API that simulates users."""

    # -------------------------------------------------------------- queue
    def enqueue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Wrap ``payload`` as ``{"update_id": n, kind: payload}`` and queue it.

        Updates filtered out by the bot's ``allowed_updates`` are returned but not queued.
        """
        with self._cond:
            update = {"update_id": next(self._update_ids), kind: payload}
            allowed = self.allowed_updates
            if (kind in allowed) if allowed else (kind not in DEFAULT_EXCLUDED_UPDATES):
                self._updates.append(update)
                self._cond.notify_all()
            return copy.deepcopy(update)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update dict (an ``update_id`` is assigned if missing)."""
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError("an update has exactly one payload field")
        return self.enqueue_update(kinds[0], update[kinds[0]])

    def redeliver(self, update: dict[str, Any]) -> None:
        """Queue ``update`` again with its own id, as Telegram hands out an update no offset confirmed yet
        (what the next poller sees when the one that had it died before confirming it)."""
        with self._cond:
            if any(u["update_id"] == update["update_id"] for u in self._updates):
                return  # still pending: Telegram keeps one copy
            self._updates = sorted([*self._updates, copy.deepcopy(update)], key=lambda u: int(u["update_id"]))
            self._cond.notify_all()

    def pending_updates(self) -> list[dict[str, Any]]:
        """Copies of the queued, not yet confirmed updates."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def confirm_updates(self, offset: int) -> None:
        """Drop updates below ``offset``; a negative offset keeps only the last ``-offset``."""
        with self._lock:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def clear_updates(self) -> None:
        """Forget all queued updates."""
        with self._lock:
            self._updates.clear()

    # ---------------------------------------------------------- messages
    def _now(self) -> int:
        return int(time.time())

    def _user_message(
        self,
        user_id: int,
        content: dict[str, Any],
        *,
        chat_id: int | None,
        thread_id: int | None,
        reply_to_message_id: int | None,
    ) -> dict[str, Any]:
        with self._lock:
            user = self.user(user_id)
            chat = self.get_chat(user_id if chat_id is None else chat_id)
            if chat.type != "private":
                chat.members.add(user_id)
            if thread_id is not None and thread_id not in chat.topics:
                raise ValueError(f"chat {chat.id} has no topic {thread_id}")
            reply_to = None
            if reply_to_message_id is not None:
                reply_to = self.find_message(chat.id, reply_to_message_id)
                if reply_to is None:
                    raise ValueError(f"message {reply_to_message_id} not found in chat {chat.id}")
            if thread_id is not None and reply_to is None:
                reply_to = self.find_message(chat.id, thread_id)
            message = build_message(
                chat=chat,
                sender=user,
                message_id=chat.allocate_message_id(),
                date=self._now(),
                content=content,
                thread_id=thread_id,
                reply_to=reply_to,
            )
            self.store_message(message, from_bot=False)
            return self.enqueue_update("message", message)

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends ``text`` (``/command`` tokens get ``bot_command`` entities).

        ``chat_id`` defaults to the user's private chat; ``thread_id`` posts in a forum topic.
        """
        content = {"text": text, "entities": command_entities(text)}
        return self._user_message(
            user_id, content, chat_id=chat_id, thread_id=thread_id, reply_to_message_id=reply_to_message_id
        )

    def push_contact(
        self,
        user_id: int,
        phone_number: str,
        *,
        first_name: str | None = None,
        contact_user_id: int | None = -1,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user shares a contact; by default their own (as a request_contact button does).

        ``contact_user_id=-1`` means "the sender"; pass None for a contact without user_id.
        """
        user = self.user(user_id)
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name or user.first_name}
        owner = user_id if contact_user_id == -1 else contact_user_id
        if owner is not None:
            contact["user_id"] = owner
        if user.last_name and owner == user_id:
            contact["last_name"] = user.last_name
        return self._user_message(
            user_id, {"contact": contact}, chat_id=chat_id, thread_id=None, reply_to_message_id=None
        )

    def push_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        chat_id: int | None = None,
        horizontal_accuracy: float | None = None,
    ) -> dict[str, Any]:
        """The user shares a location."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        return self._user_message(
            user_id, {"location": location}, chat_id=chat_id, thread_id=None, reply_to_message_id=None
        )

    def push_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        file_id: str | None = None,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a photo (two sizes; the largest gets ``file_id`` if given)."""
        content: dict[str, Any] = {"photo": photo_sizes(file_id)}
        if caption:
            content.update(caption=caption, caption_entities=command_entities(caption))
        return self._user_message(user_id, content, chat_id=chat_id, thread_id=thread_id, reply_to_message_id=None)

    def push_sticker(
        self, user_id: int, *, emoji: str = "👍", file_id: str | None = None, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user sends a sticker."""
        return self._user_message(
            user_id,
            {"sticker": sticker_object(file_id, emoji)},
            chat_id=chat_id,
            thread_id=None,
            reply_to_message_id=None,
        )

    def push_voice(
        self, user_id: int, *, duration: int = 3, file_id: str | None = None, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user sends a voice note."""
        voice = file_object("voice", file_id, duration=duration, mime_type="audio/ogg", file_size=4_000)
        return self._user_message(user_id, {"voice": voice}, chat_id=chat_id, thread_id=None, reply_to_message_id=None)

    def push_document(
        self,
        user_id: int,
        *,
        file_name: str = "file.pdf",
        mime_type: str = "application/pdf",
        file_id: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a document."""
        document = file_object("document", file_id, file_name=file_name, mime_type=mime_type, file_size=10_000)
        content: dict[str, Any] = {"document": document}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content, chat_id=chat_id, thread_id=None, reply_to_message_id=None)

    # ---------------------------------------------------------- callbacks
    def push_callback(
        self,
        user_id: int,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        force: bool = False,
    ) -> dict[str, Any]:
        """The user presses the inline button with ``callback_data`` on a bot message.

        Raises LookupError when the message is unknown/deleted or has no such
        button, unless ``force`` (to forge data like a malicious client).
        """
        with self._lock:
            user = self.user(user_id)
            chat = self.get_chat(user_id if chat_id is None else chat_id)
            message = self.find_message(chat.id, message_id)
            if not force:
                if message is None:
                    raise LookupError(f"message {message_id} not found in chat {chat.id}")
                buttons = inline_callback_data(message.get("reply_markup"))
                if callback_data not in buttons:
                    raise LookupError(f"message {message_id} has no button {callback_data!r}: {buttons!r}")
            query_id = str(next(_query_ids))
            query: dict[str, Any] = {
                "id": query_id,
                "from": user.to_dict(),
                "chat_instance": str(abs(chat.id) * 7 + 3),
                "data": callback_data,
            }
            if message is not None:
                query["message"] = copy.deepcopy(message)
            self.callback_queries[query_id] = {"answered": False, "answer": None, "user_id": user_id}
            return self.enqueue_update("callback_query", query)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The ``answerCallbackQuery`` parameters the bot used for ``query_id`` (None: unanswered)."""
        with self._lock:
            return self.callback_queries[query_id]["answer"]

    # -------------------------------------------------------- membership
    def push_my_chat_member(self, user_id: int, *, blocked: bool) -> dict[str, Any]:
        """The user blocks (``blocked=True``) or unblocks the bot in their private chat.

        Also flips the chat's blocked flag, so later sends get 403 (or work again).
        """
        with self._lock:
            user: UserRecord = self.user(user_id)
            chat = self.chat(user_id)
            chat.blocked = blocked
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            payload = my_chat_member_update(chat, user, self.bot, self._now(), old=old, new=new)
            return self.enqueue_update("my_chat_member", payload)
