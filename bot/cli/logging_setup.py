"""Logging that never writes a bot token or a phone number."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
# What people put between a number's digits: spaces (also no-break, figure, thin and narrow no-break spaces),
# dots (138.2651.4417), slashes, brackets, hyphens and dashes (also the non-breaking and full-width ones).
_SEPARATORS = " ()\\-./\u00a0\u2007\u2009\u202f\u2010\u2011\u2012\u2013\uff0d\u3000"
_PHONE_LIKE = re.compile(rf"\+?\(?\d[\d{_SEPARATORS}]{{6,}}\d")
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}")


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if digits < 8 or digits > 15 or _DATE_LIKE.match(text):
        return text
    return "[phone]"


_secrets: list[str] = []


def redact(text: str) -> str:
    """Mask the configured secrets, anything shaped like a bot token, and phone numbers (8–15 digits, not dates)."""
    for secret in _secrets:
        text = text.replace(secret, "[token]")
    return _PHONE_LIKE.sub(_mask_phone, _TOKEN.sub("[token]", text))


class RedactingFormatter(logging.Formatter):
    """Masks secrets in the message, its arguments and the traceback; the timestamp stays readable."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: object) -> str:
        return redact(super().formatException(ei))  # type: ignore[arg-type]


class JsonFormatter(logging.Formatter):
    """`LOG_FORMAT=json`: one JSON object a line for log collectors, redacted like the text format.

    Fields: `ts` (UTC, ISO 8601), `level`, `logger`, `message`, and `exc` with the traceback when there is one.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


class _BootstrapFailureInOneLine(logging.Filter):
    """python-telegram-bot logs a failed start (an unreachable Bot API, a refused token) with its whole traceback
    before raising it; `run` then says what is wrong in one line and exits with code 2. The record keeps its
    message, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.getMessage().startswith("Network Retry Loop (Bootstrap"):
            record.exc_info, record.exc_text = None, None
        return True


def configure(
    level: str = "INFO", secrets: list[str] | None = None, file: Path | None = None, json_lines: bool = False
) -> None:
    """Log to stderr (or to `file`) through the redacting formatter (JSON lines with `json_lines`); `secrets`
    (the token) are masked wherever they appear."""
    _secrets[:] = [secret for secret in secrets or [] if secret]
    handler: logging.Handler
    if file is None:
        handler = logging.StreamHandler()
    else:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    handler.setFormatter(JsonFormatter() if json_lines else
                         RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin at every start
    handler.addFilter(_BootstrapFailureInOneLine())
