"""What `python -m bot run` checks before it takes a single update: the knowledge files and the schema.

Either the bot starts whole or it does not start: a knowledge file that fails validation, or a database that
cannot be brought to the current schema, is one line on stderr and exit code 2, never a bot that polls and
fails on every update.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.core.common.config_files import ConfigError
from bot.core.common.settings import Settings
from bot.db.common.migrate import describe_url, upgrade

log = logging.getLogger(__name__)


class StartupError(Exception):
    """Why the bot refuses to start; `str()` is one line for the operator."""


def one_line(text: str) -> str:
    """The first line of a (possibly multi-line) message, with a count of what was left out."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    return f"{lines[0]} (and {len(lines) - 1} more problem(s))"


def describe_settings_error(error: ValidationError) -> str:
    """`LOG_FORMAT: Input should be 'text' or 'json'; …` — the variables and the problems, not the values."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']).upper() or 'settings'}: {item['msg']}" for item in error.errors()
    )


def prepare(settings: Settings) -> None:
    """Validate the knowledge files, then migrate the database (under a lock on PostgreSQL)."""
    from bot.core.services import load_knowledge

    try:
        load_knowledge(settings)
    except ConfigError as exc:
        raise StartupError(f"configuration error: {one_line(str(exc))}") from exc
    try:
        upgrade(settings.database_url)
    except (SQLAlchemyError, OSError) as exc:
        reason = one_line(str(getattr(exc, "orig", None) or exc))
        where = describe_url(settings.database_url)
        raise StartupError(f"cannot bring the database {where} up to date: {reason}") from exc
    except Exception as exc:  # Alembic's own errors (e.g. a database newer than this code) share no base class
        if type(exc).__module__.split(".")[0] != "alembic":
            raise
        raise StartupError(f"cannot migrate {describe_url(settings.database_url)}: {one_line(str(exc))}") from exc
    log.info("database schema is current (%s)", describe_url(settings.database_url))


def callback_secret(settings: Settings) -> Settings:
    """`settings` with the key buttons are signed with: CALLBACK_SECRET, or the one generated and kept in the
    database (logged once, never its value)."""
    from bot.core.common.deployment_secrets import with_callback_secret

    if settings.callback_secret is not None:
        return settings
    try:
        resolved = with_callback_secret(settings)
    except (SQLAlchemyError, OSError) as exc:
        reason = one_line(str(getattr(exc, "orig", None) or exc))
        raise StartupError(f"cannot read the generated CALLBACK_SECRET from the database: {reason}") from exc
    log.warning("CALLBACK_SECRET is not set: buttons are signed with the secret generated and kept in the database "
                "(table deployment_secret); set CALLBACK_SECRET to manage it yourself (docs/operations.md)")
    return resolved
