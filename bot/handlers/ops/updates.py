"""One log line and one count per update: its id, its kind and the handlers that took it.

python-telegram-bot runs each update through the application's update processor, so `ObservedUpdates` (the
processor, concurrent like the default one) opens a record for the update in a context variable, and every
handler's callback, wrapped once by `observe_handlers` after registration, adds its name to it. When the update
is done the processor logs `update 812 message → faq.questions.on_question` and counts it by kind and outcome.
Handler tests that call `Application.process_update` directly bypass the processor and are not counted.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    ConversationHandler,
    TypeHandler,
)

from bot.core.common import metrics
from bot.handlers.common.updates import PerUserUpdates

log = logging.getLogger("bot.updates")
_KINDS = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member", "inline_query")


@dataclass
class _Taken:
    handlers: list[str] = field(default_factory=list)
    failed: bool = False


_current: contextvars.ContextVar[_Taken | None] = contextvars.ContextVar("carebot_update", default=None)


def update_kind(update: object) -> str:
    if isinstance(update, Update):
        return next((kind for kind in _KINDS if getattr(update, kind, None) is not None), "other")
    return type(update).__name__


class ObservedUpdates(PerUserUpdates):
    """One user's updates in turn, other users concurrently (PerUserUpdates), plus the log line and count."""

    on_done: Callable[[int], None] | None = None  # told each update id once its handlers are done (polling)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await super().do_process_update(update, _observed_update(update, coroutine))
        except asyncio.CancelledError:
            raise  # not handled: the update stays unconfirmed and comes again
        except Exception:
            self._done(update)  # it failed (the error handler had its turn): handling it again would fail again
            raise
        self._done(update)

    def _done(self, update: object) -> None:
        if self.on_done is not None and isinstance(update, Update):
            self.on_done(update.update_id)


async def _observed_update(update: object, coroutine: Awaitable[Any]) -> None:
    """Run the update's handlers with a fresh record, then log and count what took it."""
    taken = _Taken()
    token = _current.set(taken)
    try:
        await coroutine
    finally:
        _current.reset(token)
        kind = update_kind(update)
        outcome = "error" if taken.failed else "handled" if taken.handlers else "unhandled"
        metrics.update_processed(kind, outcome)
        update_id = update.update_id if isinstance(update, Update) else "-"
        log.info("update %s %s → %s%s", update_id, kind, ", ".join(taken.handlers) or "no handler",
                 " (failed)" if taken.failed else "")


def handler_name(callback: Callable[..., Any]) -> str:
    module = getattr(callback, "__module__", "") or ""
    qualname = getattr(callback, "__qualname__", None) or type(callback).__name__
    return f"{module.removeprefix('bot.handlers.')}.{qualname}"


def _observed(callback: Callable[..., Awaitable[Any]], named: bool) -> Callable[..., Awaitable[Any]]:
    name = handler_name(callback)

    @functools.wraps(callback)
    async def observed(update: object, context: Any) -> Any:
        taken = _current.get()
        if taken is not None and named:
            taken.handlers.append(name)
        try:
            return await callback(update, context)
        except ApplicationHandlerStop:
            raise
        except Exception:
            if taken is not None:
                taken.failed = True
            raise

    observed.__carebot_observed__ = True  # type: ignore[attr-defined]
    return observed


def _wrap(handler: BaseHandler[Any, Any, Any]) -> None:
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks]
        inner += [h for state in handler.states.values() for h in state]
        for each in inner:
            _wrap(each)
        return
    if not getattr(handler.callback, "__carebot_observed__", False):
        # A TypeHandler for every Update (group -2's flow guard) sees each update: it is not "the" handler.
        sees_all = isinstance(handler, TypeHandler) and handler.type is Update
        handler.callback = _observed(handler.callback, named=not sees_all)


def observe_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Wrap every registered handler's callback (after `handlers.register`)."""
    for group in application.handlers.values():
        for handler in group:
            _wrap(handler)
