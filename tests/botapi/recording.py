"""A network-free ``BaseRequest`` that answers like the Bot API, for handler tests.

Drive the real ``Application`` through ``process_update`` while every Bot API
call is validated by :mod:`tests.botapi.rules` and answered by the same
:class:`tests.botapi.engine.BotApiEngine` the loopback server uses::

    engine = BotApiEngine(rate_limits=RateLimits(enabled=False))
    app = recording_application_builder(engine).build()
    app.add_handler(...)
    alice = engine.add_user(first_name="Alice")
    async with app:
        await process(app, engine.push_text(alice.id, "/start"))
    [reply] = engine.sent_messages(alice.id)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import Bot, Update
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from tests.botapi.engine import BotApiEngine
from tests.botapi.params import UploadedFile
from tests.botapi.ratelimit import RateLimits
from tests.botapi.state import CallRecord

if TYPE_CHECKING:
    from telegram._utils.defaultvalue import DefaultValue
    from telegram.ext import Application, ApplicationBuilder

__all__ = ["RecordingRequest", "process", "recording_application_builder", "recording_bot"]


def _uploads(request_data: RequestData | None) -> list[UploadedFile]:
    """Turn PTB's multipart payload into UploadedFile records."""
    if request_data is None or not request_data.contains_files:
        return []
    uploads = []
    for field_name, value in request_data.multipart_data.items():
        filename, content, mime = value[0], value[1], value[2] if len(value) > 2 else None
        data = content if isinstance(content, bytes) else content.read()
        uploads.append(UploadedFile(field_name, filename or field_name, data, mime or "application/octet-stream"))
    return uploads


class RecordingRequest(BaseRequest):
    """Answers Bot API calls in-process via a :class:`BotApiEngine` and records them.

    Rule violations come back as real error answers, so PTB raises
    ``BadRequest``/``Forbidden``/``RetryAfter`` exactly as against Telegram.
    Long polling is disabled (``getUpdates`` answers immediately).
    """

    def __init__(self, engine: BotApiEngine | None = None) -> None:
        """Use ``engine`` (default: a fresh engine with rate limits off)."""
        self.engine = engine or BotApiEngine(rate_limits=RateLimits(enabled=False))

    @property
    def calls(self) -> list[CallRecord]:
        """Every call answered so far (getUpdates excluded), oldest first."""
        return self.engine.calls()

    def calls_of(self, method: str) -> list[CallRecord]:
        """Calls of one Bot API method."""
        return self.engine.calls(method)

    @property
    def read_timeout(self) -> float | None:
        """No network, so no default read timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer ``<base_url><token>/<method>`` with the engine; uses PTB's wire encoding."""
        segments = urlsplit(url).path.strip("/").split("/")
        token = segments[-2][3:] if len(segments) >= 2 and segments[-2].startswith("bot") else ""
        params: dict[str, Any] = request_data.json_parameters if request_data else {}
        reply = self.engine.handle(token, segments[-1], params, _uploads(request_data), wait=False)
        if reply.dropped:
            raise NetworkError("httpx.RemoteProtocolError: Server disconnected without sending a response.")
        return reply.status, reply.body()


def recording_bot(engine: BotApiEngine) -> Bot:
    """A ``telegram.Bot`` whose normal *and* getUpdates requests go to ``engine``.

    (``Bot(token, request=RecordingRequest(e))`` alone would still long-poll the real network.)
    """
    return Bot(engine.token, request=RecordingRequest(engine), get_updates_request=RecordingRequest(engine))


def recording_application_builder(engine: BotApiEngine) -> ApplicationBuilder:
    """``ApplicationBuilder`` wired to ``engine`` for both normal and getUpdates requests."""
    from telegram.ext import ApplicationBuilder

    return (
        ApplicationBuilder()
        .token(engine.token)
        .request(RecordingRequest(engine))
        .get_updates_request(RecordingRequest(engine))
    )


async def process(app: Application[Any, Any, Any, Any, Any, Any], update: dict[str, Any]) -> None:
    """De-json an update dict from ``engine.push_*`` and run it through ``app.process_update``."""
    await app.process_update(Update.de_json(update, app.bot))
