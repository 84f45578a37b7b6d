"""Transport-independent fake Bot API: ``handle(token, method, params) -> Reply``.

The loopback HTTP server (:mod:`tests.botapi.server`) and the in-process
:class:`tests.botapi.recording.RecordingRequest` both call
:meth:`BotApiEngine.handle`, so they answer identically.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from typing import Any

from tests.botapi import methods_admin, methods_send
from tests.botapi.actions import UserActions
from tests.botapi.methods_send import Handler
from tests.botapi.params import UploadedFile, attach_files, coerce_params
from tests.botapi.rules import ApiError
from tests.botapi.state import Fault, Reply

_DEFAULT_DESCRIPTIONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    403: "Forbidden: bot was blocked by the user",
    400: "Bad Request: injected fault",
}


METHODS: dict[str, Handler] = {**methods_send.METHODS, **methods_admin.METHODS}
_BY_LOWER: dict[str, str] = {name.lower(): name for name in [*METHODS, "getUpdates"]}
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class BotApiEngine(UserActions):
    """The fake Bot API for one bot token (see :class:`tests.botapi.state.BotApiState`)."""

    # ------------------------------------------------------------- faults
    def inject_fault(
        self,
        method: str | None = None,
        *,
        count: int = 1,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        drop: bool = False,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail (None: any method but getUpdates).

        ``drop=True`` closes the connection without answering (PTB: NetworkError);
        otherwise answers ``status`` (429 gets ``retry_after``, default 1).
        """
        if status == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        desc = description or _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        with self._lock:
            self._faults.append(Fault(method, count, status, desc, retry_after, drop))

    def drop_next(self, method: str | None = None, count: int = 1) -> None:
        """Shortcut: the next ``count`` calls lose their connection."""
        self.inject_fault(method, count=count, drop=True)

    def clear_faults(self) -> None:
        """Remove all pending injected faults."""
        with self._lock:
            self._faults.clear()

    def take_fault(self, method: str) -> Reply | None:
        """Consume the first fault matching ``method`` and build its reply."""
        with self._lock:
            for fault in self._faults:
                wanted = fault.method
                if (wanted is None and method != "getUpdates") or (
                    wanted is not None and wanted.lower() == method.lower()
                ):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    if fault.drop:
                        return Reply(0, None)
                    error = ApiError(fault.status, fault.description, fault.retry_after)
                    return Reply(fault.status, error.payload())
            return None

    def close(self) -> None:
        """Stop: pending long polls return empty results and waiters wake up."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()

    @property
    def closing(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closing

    def handle(
        self,
        token: str,
        method: str,
        raw_params: Mapping[str, Any],
        files: list[UploadedFile] | None = None,
        *,
        wait: bool = True,
    ) -> Reply:
        """Answer one Bot API request and record it.

        ``raw_params`` may hold strings as sent by PTB (JSON-encoded non-strings)
        or already decoded values.  ``wait=False`` turns long polling off.
        """
        name = _BY_LOWER.get(method.lower(), method)
        decode_error: ApiError | None = None
        try:
            params = attach_files(coerce_params(raw_params), files or [])
        except ApiError as err:
            params, decode_error = dict(raw_params), err
        if token != self.token:
            reply = Reply(401, ApiError(401, "Unauthorized").payload())
        elif name not in METHODS and name != "getUpdates":
            # Telegram answers 404 "Not Found" (PTB: InvalidToken); the text names the gap in the fake.
            reply = Reply(404, ApiError(404, f"Not Found: method {name!r} is not implemented by the fake").payload())
        elif (fault := self.take_fault(name)) is not None:
            reply = fault
        elif decode_error is not None:
            reply = Reply(decode_error.error_code, decode_error.payload())
        else:
            reply = self._dispatch(name, params, wait)
        self.record_call(name, _loggable(params), reply)
        return reply

    def _dispatch(self, name: str, params: dict[str, Any], wait: bool) -> Reply:
        try:
            with self._cond:
                if name == "getUpdates":
                    result: Any = self._get_updates(params, wait)
                else:
                    result = METHODS[name](self, params)
        except ApiError as err:
            return Reply(err.error_code, err.payload())
        except (ValueError, TypeError) as err:
            return Reply(400, ApiError(400, f"Bad Request: invalid parameters: {err}").payload())
        return Reply(200, {"ok": True, "result": result})

    def _get_updates(self, p: dict[str, Any], wait: bool) -> list[dict[str, Any]]:
        """getUpdates with real long polling; a newer poll ends an older one with 409."""
        if self.webhook:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if p.get("offset") is not None:
            self.confirm_updates(int(p["offset"]))
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        if "allowed_updates" in p:
            self.allowed_updates = list(p["allowed_updates"] or []) or None
        timeout = max(float(p.get("timeout") or 0), 0.0) if wait else 0.0
        deadline = time.monotonic() + timeout
        self._poll_generation += 1
        generation = self._poll_generation
        while True:
            if self._closing:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            if self.webhook:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(min(remaining, 0.5))


def _loggable(params: dict[str, Any]) -> dict[str, Any]:
    """Params for the call log: uploads are summarised instead of carrying bytes."""
    return {
        key: (f"<upload {value.filename} {len(value.content)}B>" if isinstance(value, UploadedFile) else value)
        for key, value in params.items()
    }
