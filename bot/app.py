"""The application factory: `build_application(settings)` serves run, chat, the tests and the benchmarks."""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot import handlers
from bot.core.common.settings import Settings
from bot.core.services import Services, build_services
from bot.handlers.common.context import CareContext
from bot.handlers.common.fitting import FittingApplicationBuilder
from bot.handlers.common.persistence import SqlPersistence, WriteThroughApplication
from bot.handlers.desk.group import bootstrap_staff
from bot.handlers.front.commands import set_all_commands
from bot.handlers.ops.updates import ObservedUpdates, observe_handlers
from scheduler import lifecycle
from scheduler import ops as ops_server

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    services: Services | None = None,
    rate_limit: bool = True,
    jobs: bool | None = None,
) -> Application:  # type: ignore[type-arg]
    """Build the bot: services, handlers, error handler. The caller picks the transport.

    `jobs` (default: only without a `request` of the caller's) lets post_init start the scheduler.
    """
    services = services or build_services(settings)
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else "0:offline"
    builder = (
        FittingApplicationBuilder()  # every text, caption and keyboard fits Telegram's limits
        .application_class(WriteThroughApplication)
        .token(token)
        .persistence(SqlPersistence(services.sessions))  # flows survive a restart (DESIGN.md, decision 3)
        .context_types(ContextTypes(context=CareContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(ObservedUpdates())  # one user's updates in turn, others meanwhile; a log line each
    )
    if settings.telegram_base_url:
        base = settings.telegram_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit and request is None:
        # Answers to customers go out at once; a 429 is waited out and retried instead of lost.
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3))
    application = builder.build()
    application.bot_data["services"] = services
    lifecycle.enable(application, request is None if jobs is None else jobs)
    handlers.register(application)
    observe_handlers(application)
    return application


async def set_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menus: customers' in each language Telegram can tell apart, and each staff member's own."""
    await set_all_commands(application.bot, application.bot_data["services"])


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    await bootstrap_staff(application.bot_data["services"])
    await set_commands(application)
    await lifecycle.start_jobs(application)  # the outbox sender (scheduler/)
    ops_server.start(application)  # /healthz and /metrics, when METRICS_PORT is set
    log.info("bot @%s ready", application.bot.username)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    await ops_server.stop(application)
    await lifecycle.stop_jobs(application)  # before the engine goes: the sender records what it sent
    services: Services = application.bot_data["services"]
    try:
        await services.faq.flush_outcomes()  # the FAQ outcomes counted since the last write
    except Exception:
        log.exception("could not write the last FAQ outcome counts")
    await services.engine.dispose()
