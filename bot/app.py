"""Build the Application: persistence, rate limiter, hooks and every handler in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    TypeHandler,
)
from telegram.request import BaseRequest

from bot.concurrency import DEFAULT_CONCURRENCY, PerChatUpdateProcessor
from bot.config import Settings
from bot.context import BotContext, DisputeApplication, Services, load_buyer, utc_now
from bot.domain.rules import rules_from_overrides
from bot.flood import FloodGuard
from bot.handlers import admin, common, inbound, lifecycle, private, settings, status, wizard
from bot.handlers import reminders as reminders_handlers
from bot.http import make_request
from bot.limits import reminder_in_flight
from bot.meter import metered
from bot.ratelimit import OutgoingLimiter
from bot.reminders import ReminderService
from bot.storage.persistence import SqlitePersistence

log = logging.getLogger(__name__)

# Handler groups: lower runs first; within a group the first matching handler wins.
GROUP_INBOUND = -14  # lone surrogates in any text become U+FFFD (handlers/inbound.py)
GROUP_LOAD = -10  # resolve the buyer's language and settings
GROUP_PRIVATE = -9  # private chats only: groups and channels stop here (handlers/private.py)
GROUP_FLOOD = -8  # drop a flooding buyer's updates (bot/flood.py)
GROUP_GUARD = -5  # refuse malformed updates before any flow sees them
GROUP_MAIN = 0  # flows, commands, buttons, then the catch-alls

DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
)

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
    reminder_request: BaseRequest | None = None,
) -> DisputeApplication:
    """The whole bot, ready for bot/runner.py or for a test harness.

    `request`/`get_updates_request` let tests put an offline transport under PTB's request
    path; production uses the client BOT_HTTP_CLIENT names (default `AiohttpRequest`, bot/http.py
    says why).
    `concurrency`: how many chats are served at once (each chat's updates stay strictly in
    order, see bot/concurrency.py).
    `flood_guard`: inbound flood control per buyer (bot/flood.py); by default on whenever
    `rate_limit` is, so production has both and the test harness, whose buyers type faster
    than any person, has neither unless a test passes one.
    `reminder_request`: the HTTP path of the reminder dispatcher's own bot (see `_reminder_bot`).
    `rate_limit`: Telegram's limits kept (`_budget`); False only for tests and benchmarks.
    """
    services = Services(
        settings=settings, clock=clock, rules=rules_from_overrides(dict(settings.rule_overrides))
    )
    limiter = _budget(settings) if rate_limit else None
    services.reminder_bot = _reminder_bot(settings, reminder_request, limiter)
    persistence = SqlitePersistence(settings.database_path, clock=clock)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(DisputeApplication, {"services": services})
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(DEFAULTS)
        .context_types(ContextTypes(context=BotContext))
        .persistence(persistence)
        .concurrent_updates(PerChatUpdateProcessor(concurrency))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    # One connection per concurrently processed chat, plus a few for the reminder dispatcher and
    # for handlers that send two calls at once; waiting for a free connection is not an error.
    # BOT_HTTP_CLIENT picks the client class (bot/http.py's make_request); every request is
    # metered: Bot API calls by method and outcome (bot/meter.py).
    client = settings.http_client
    builder = builder.request(
        metered(
            request or make_request(client, concurrency + POOL_RESERVE, pool_timeout=POOL_TIMEOUT)
        )
    )
    builder = builder.get_updates_request(
        metered(get_updates_request or make_request(client, 1, read_timeout=30))
    )
    if limiter is not None:
        builder = builder.rate_limiter(limiter)  # the replies' lane of the shared budget
    application = builder.build()
    assert isinstance(application, DisputeApplication)
    _register_handlers(application)
    if flood_guard is None and rate_limit:
        flood_guard = FloodGuard()
    if flood_guard is not None:
        application.add_handler(TypeHandler(Update, flood_guard), group=GROUP_FLOOD)
    return application


def _budget(settings: Settings) -> OutgoingLimiter:
    """One outgoing budget for both bots (bot/ratelimit.py): OUTGOING_RATE_LIMIT messages/s
    overall (REMINDER_RATE_LIMIT at most for reminders), about 1/s per chat, replies before
    reminders, a 429 waited out by everything."""
    return OutgoingLimiter(settings.outgoing_rate_limit, reminder_rate=settings.reminder_rate_limit)


def _reminder_bot(
    settings: Settings, request: BaseRequest | None, limiter: OutgoingLimiter | None
) -> ExtBot[Any]:
    """Reminders go out through their own bot: a separate connection pool, so a burst of
    reminders never makes a buyer's reply wait for a connection, nor the reverse; but the
    same outgoing budget as replies, in its second lane (replies first). Its pool holds what
    the dispatcher may have in flight (bot/reminders.py says why that number is small)."""
    connections = reminder_in_flight(limiter.reminder_rate if limiter else 0)
    return ExtBot(
        settings.token,
        base_url=settings.api_base_url,
        base_file_url=settings.api_file_url,
        request=metered(
            request or make_request(settings.http_client, connections, pool_timeout=POOL_TIMEOUT)
        ),
        defaults=DEFAULTS,
        rate_limiter=limiter.for_reminders() if limiter is not None else None,
    )


def _operator_chats(settings: Settings) -> list[int | str]:
    """Chats the bot is put in on purpose, which the private-chat guard must not leave: the
    operator's alert chat (ERROR_CHAT_ID)."""
    return [] if settings.error_chat_id is None else [settings.error_chat_id]


def _register_handlers(application: DisputeApplication) -> None:
    application.add_handler(TypeHandler(Update, inbound.repair_update), group=GROUP_INBOUND)
    application.add_handler(TypeHandler(Update, load_buyer), group=GROUP_LOAD)
    stay_in = _operator_chats(application.services.settings)
    application.add_handler(
        TypeHandler(Update, private.PrivateOnly(stay_in=stay_in)), group=GROUP_PRIVATE
    )
    application.add_handler(CallbackQueryHandler(common.reject_empty_callback), group=GROUP_GUARD)
    assert isinstance(application, DisputeApplication)
    # /stats for ADMIN_IDS only (anyone else: unknown command), before the wizard so that an
    # operator mid-dispute still gets it.
    admin.register(application, GROUP_MAIN, application.services.settings.admin_ids)
    wizard.register(application, GROUP_MAIN)  # a buyer mid-wizard is answered by it
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
    reminder_bot = services.reminder_bot
    assert reminder_bot is not None
    await reminder_bot.initialize()
    budget = application.bot.rate_limiter
    budget = budget if isinstance(budget, OutgoingLimiter) else None
    service = ReminderService(
        services.db,
        reminder_bot,
        services.clock,
        services.rules,
        services.settings.default_timezone,
        reminders_handlers.renderer(services.settings.default_timezone, services.rules),
        on_blocked=lambda user_id: services.buyers.pop(user_id, None),
        default_waking=services.settings.reminder_hours,
        budget=budget,
        concurrency=reminder_in_flight(budget.reminder_rate if budget else 0),
    )
    services.reminders = service
    await service.start()
    log.info("bot ready")


async def _post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(application, DisputeApplication)
    service, application.services.reminders = application.services.reminders, None
    if service is not None:
        await service.stop()
    if application.services.reminder_bot is not None:
        await application.services.reminder_bot.shutdown()


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    persistence = application.persistence
    if isinstance(persistence, SqlitePersistence):
        await persistence.close()
