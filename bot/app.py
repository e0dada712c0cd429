"""Build the Application: persistence, rate limiter, hooks and every handler in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.concurrency import DEFAULT_CONCURRENCY, PerChatUpdateProcessor
from bot.config import Settings
from bot.context import BotContext, DisputeApplication, Services, load_buyer, utc_now
from bot.flood import FloodGuard
from bot.handlers import common, lifecycle, settings, status, wizard
from bot.handlers import reminders as reminders_handlers
from bot.reminders import ReminderService
from bot.storage.persistence import SqlitePersistence

log = logging.getLogger(__name__)

# Handler groups: lower runs first; within a group the first matching handler wins.
GROUP_LOAD = -10  # resolve the buyer's language and settings
GROUP_FLOOD = -8  # drop a flooding buyer's updates (bot/flood.py)
GROUP_GUARD = -5  # refuse malformed updates before any flow sees them
GROUP_MAIN = 0  # flows, commands, buttons, then the catch-alls

# Outgoing connections beyond `concurrency` (reminders, handlers sending two calls at once), and
# how long a call may wait for a free one (PTB's default of 1 s is too tight under load).
POOL_RESERVE = 4
POOL_TIMEOUT = 10.0


def build_application(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
    concurrency: int = DEFAULT_CONCURRENCY,
    flood_guard: FloodGuard | None = None,
) -> DisputeApplication:
    """The whole bot, ready for `run_polling`/`run_webhook` or for a test harness.

    `request`/`get_updates_request` let tests put an offline transport under the real
    HTTPXRequest path; production uses the defaults. `concurrency`: how many chats are served
    at once (each chat's updates stay strictly in order, see bot/concurrency.py).
    `flood_guard`: inbound flood control per buyer (bot/flood.py); by default on whenever
    `rate_limit` is, so production has both and the test harness, whose buyers type faster
    than any person, has neither unless a test passes one.
    """
    services = Services(settings=settings, clock=clock)
    persistence = SqlitePersistence(settings.database_path, clock=clock)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(DisputeApplication, {"services": services})
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=BotContext))
        .persistence(persistence)
        .concurrent_updates(PerChatUpdateProcessor(concurrency))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    # One connection per concurrently processed chat, plus a few for the reminder dispatcher and
    # for handlers that send two calls at once; waiting for a free connection is not an error.
    builder = builder.request(
        request
        or HTTPXRequest(connection_pool_size=concurrency + POOL_RESERVE, pool_timeout=POOL_TIMEOUT)
    )
    builder = builder.get_updates_request(
        get_updates_request or HTTPXRequest(connection_pool_size=1, read_timeout=30)
    )
    if rate_limit:
        # Telegram allows about 30 messages/s overall; the limiter also waits out 429s.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.build()
    assert isinstance(application, DisputeApplication)
    _register_handlers(application)
    if flood_guard is None and rate_limit:
        flood_guard = FloodGuard()
    if flood_guard is not None:
        application.add_handler(TypeHandler(Update, flood_guard), group=GROUP_FLOOD)
    return application


def _register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, load_buyer), group=GROUP_LOAD)
    application.add_handler(CallbackQueryHandler(common.reject_empty_callback), group=GROUP_GUARD)
    wizard.register(application, GROUP_MAIN)  # first: a buyer mid-wizard is answered by it
    common.register(application, GROUP_MAIN)
    settings.register(application, GROUP_MAIN)
    status.register(application, GROUP_MAIN)
    lifecycle.register(application, GROUP_MAIN)
    reminders_handlers.register(application, GROUP_MAIN)  # its TypeHandler: GROUP_MAIN - 3
    common.register_fallbacks(application, GROUP_MAIN)
    application.add_error_handler(common.on_error)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(application, DisputeApplication)
    persistence = application.persistence
    assert isinstance(persistence, SqlitePersistence)
    services = application.services
    services.attach(await persistence.database())
    await common.register_commands(application)
    # The reminder outbox: recover interrupted sends, catch up after downtime, then send due
    # reminders in the background. A buyer found blocked is dropped from the settings cache
    # so their next update reads the flag and brings them back (reminders_handlers).
    service = ReminderService(
        services.db,
        application.bot,
        services.clock,
        services.rules,
        services.settings.default_timezone,
        reminders_handlers.renderer(services.settings.default_timezone, services.rules),
        on_blocked=lambda user_id: services.buyers.pop(user_id, None),
    )
    services.reminders = service
    await service.start()
    log.info("bot ready")


async def _post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(application, DisputeApplication)
    service, application.services.reminders = application.services.reminders, None
    if service is not None:
        await service.stop()


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    persistence = application.persistence
    if isinstance(persistence, SqlitePersistence):
        await persistence.close()
