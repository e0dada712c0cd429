"""Build the Application: the database, rate limiter, hooks and every handler in one place."""

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
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.callbacks import (
    CalendarFile,
    CaseAction,
    ChooseHours,
    ChooseLanguage,
    ChooseZone,
    DeleteData,
    Menu,
    Mute,
    OfferOption,
    OfferStart,
    OpenCard,
    ReadFor,
    SellerWrote,
    SendEvidence,
    StageMenu,
    Unmute,
)
from bot.concurrency import DEFAULT_CONCURRENCY, PerChatUpdateProcessor, inbox_update_id
from bot.config import Settings
from bot.context import BotContext, DisputeApplication, Services, load_buyer, utc_now
from bot.domain.rules import rules_from_overrides
from bot.fleet import ALIVE, Fleet
from bot.flood import FloodGuard
from bot.handlers import (
    admin,
    case_actions,
    common,
    inbound,
    negotiation,
    private,
    reminder_buttons,
    settings,
    status,
)
from bot.handlers.dispatch import CasePress, Press, answer_stale
from bot.handlers.wizard import WizardRouter
from bot.http import make_request
from bot.limits import reminder_in_flight
from bot.meter import metered
from bot.outbox import ReminderService
from bot.ratelimit import OutgoingLimiter
from bot.storage.db import Database
from bot.storage.sql import Dialect

log = logging.getLogger(__name__)

# Handler groups: lower runs first; within a group the first matching handler wins.
GROUP_INBOUND = -14  # lone surrogates in any text become U+FFFD (handlers/inbound.py)
GROUP_LOAD = -10  # resolve the buyer's language and settings
GROUP_PRIVATE = -9  # private chats only: groups and channels stop here (handlers/private.py)
GROUP_FLOOD = -8  # drop a flooding buyer's updates (bot/flood.py)
GROUP_RETURNING = -3  # a buyer who had blocked the bot wrote again (handlers/reminder_buttons.py)
GROUP_WIZARD = -1  # the wizard: a buyer mid-wizard is answered there (handlers/wizard/router.py)
GROUP_MAIN = 0  # commands, buttons, then the catch-alls

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
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(DisputeApplication, {"services": services})
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(DEFAULTS)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerChatUpdateProcessor(concurrency))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    builder = _requests(builder, settings, request, get_updates_request, concurrency)
    if limiter is not None:
        builder = builder.rate_limiter(limiter)  # the replies' lane of the shared budget
    application = builder.build()
    assert isinstance(application, DisputeApplication)
    if flood_guard is None and rate_limit:
        flood_guard = FloodGuard()
    _register_handlers(application, flood_guard)
    return application


def _requests(
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any],
    settings: Settings,
    request: BaseRequest | None,
    get_updates_request: BaseRequest | None,
    concurrency: int,
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """The Bot API's HTTP path. One connection per concurrently processed chat, plus a few for
    the reminder dispatcher and for handlers that send two calls at once; waiting for a free
    connection is not an error. BOT_HTTP_CLIENT picks the client class (bot/http.py's
    make_request); every request is metered: Bot API calls by method and outcome
    (bot/meter.py)."""
    client = settings.http_client
    replies = request or make_request(client, concurrency + POOL_RESERVE, pool_timeout=POOL_TIMEOUT)
    updates = get_updates_request or make_request(client, 1, read_timeout=30)
    return builder.request(metered(replies)).get_updates_request(metered(updates))


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
    the dispatcher may have in flight (bot/outbox.py says why that number is small)."""
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


def _is(*items: str) -> Callable[[Menu], bool]:
    return lambda menu: menu.item in items


def handler_table(
    application: DisputeApplication, flood_guard: FloodGuard | None
) -> tuple[tuple[int, BaseHandler[Any, Any, Any]], ...]:
    """Every handler of the bot, with its group: lower groups run first; within a group the
    first handler that matches takes the update. Note: order matters!"""
    stay_in = _operator_chats(application.services.settings)
    flood = (TypeHandler(Update, flood_guard),) if flood_guard is not None else ()
    return (
        # Before any flow sees an update: repair it, resolve the buyer, keep to private chats.
        (GROUP_INBOUND, TypeHandler(Update, inbound.repair_update)),
        (GROUP_LOAD, TypeHandler(Update, load_buyer)),
        (GROUP_PRIVATE, TypeHandler(Update, private.PrivateOnly(stay_in=stay_in))),
        *((GROUP_FLOOD, h) for h in flood),
        (GROUP_RETURNING, TypeHandler(Update, reminder_buttons.buyer_is_back)),
        # The wizard: /new, "Continue it", and everything of a buyer whose draft is open.
        (GROUP_WIZARD, WizardRouter()),
        # Commands.
        (GROUP_MAIN, CommandHandler("start", common.start)),
        (GROUP_MAIN, CommandHandler("help", common.help_command)),
        (GROUP_MAIN, CommandHandler("privacy", common.privacy)),
        (GROUP_MAIN, CommandHandler("language", common.language_command)),
        (GROUP_MAIN, CommandHandler("status", status.status_command)),
        (GROUP_MAIN, CommandHandler("timezone", settings.timezone_command)),
        (GROUP_MAIN, CommandHandler("deletedata", settings.deletedata_command)),
        (GROUP_MAIN, CommandHandler("cancel", settings.cancel_outside)),  # in a wizard: above
        *((GROUP_MAIN, h) for h in admin.stats_handlers(application.services.settings)),
        # Buttons, one typed namespace each (bot/callbacks.py); Case*: the presser's case.
        (GROUP_MAIN, Press(Menu, status.menu_status, only=_is("status"))),
        (GROUP_MAIN, Press(Menu, common.menu_pressed, only=_is("lang", "help"))),
        (GROUP_MAIN, Press(ChooseLanguage, common.language_chosen)),
        (GROUP_MAIN, CasePress(OpenCard, status.card_pressed)),
        (GROUP_MAIN, CasePress(SendEvidence, status.files_pressed)),
        (GROUP_MAIN, CasePress(CalendarFile, status.ics_pressed)),
        (GROUP_MAIN, CasePress(StageMenu, case_actions.stages_pressed)),
        (GROUP_MAIN, CasePress(CaseAction, case_actions.action_pressed)),
        # The negotiation assistant (handlers/negotiation.py).
        (GROUP_MAIN, CasePress(SellerWrote, negotiation.seller_wrote_pressed)),
        (GROUP_MAIN, CasePress(ReadFor, negotiation.read_for_pressed)),
        (GROUP_MAIN, CasePress(OfferStart, negotiation.offer_start_pressed)),
        (GROUP_MAIN, CasePress(OfferOption, negotiation.offer_option_pressed)),
        (GROUP_MAIN, CasePress(Mute, reminder_buttons.mute_pressed)),
        (GROUP_MAIN, CasePress(Unmute, reminder_buttons.unmute_pressed)),
        (GROUP_MAIN, Press(ChooseZone, settings.timezone_chosen)),
        (GROUP_MAIN, Press(ChooseHours, settings.hours_chosen)),
        (GROUP_MAIN, Press(DeleteData, settings.deletedata_chosen)),
        # A seller's message forwarded outside any prompt (a prompt's is the wizard's, above).
        (GROUP_MAIN, MessageHandler(filters.FORWARDED & ~filters.COMMAND, negotiation.forwarded)),
        # Catch-alls, last: what nothing above took.
        (GROUP_MAIN, MessageHandler(filters.COMMAND, common.unknown_command)),
        (GROUP_MAIN, MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, common.outside_flow)),
        (GROUP_MAIN, CallbackQueryHandler(answer_stale)),  # every stale or forged press
    )


def _register_handlers(application: DisputeApplication, flood_guard: FloodGuard | None) -> None:
    for group, handler in handler_table(application, flood_guard):
        application.add_handler(handler, group=group)
    application.add_error_handler(common.on_error)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Open (and migrate) the database, register the commands, start the reminder outbox.
    No PTB persistence: everything a buyer has, their place in the wizard included, is in
    the database's own tables, read when an update needs it."""
    assert isinstance(application, DisputeApplication)
    services = application.services
    db = await Database.open(services.settings.database, clock=services.clock)
    db.record_updates(inbox_update_id)  # an inbox update's writes record it (bot/inbox.py)
    services.attach(db)
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
        reminder_buttons.renderer(services.settings.default_timezone, services.rules),
        on_blocked=lambda user_id: services.buyers.pop(user_id, None),
        default_waking=services.settings.reminder_hours,
        budget=budget,
        concurrency=reminder_in_flight(budget.reminder_rate if budget else 0),
        owner=services.instance_id,
        orphans_after=ALIVE if db.dialect is Dialect.POSTGRES else None,
    )
    services.reminders = service
    if db.dialect is Dialect.POSTGRES:
        # Several processes may share this database: beat first, so that the others count
        # this one (the budget) and its claimed reminders are known to be alive.
        fleet = Fleet(db, services.instance_id, budget=budget, reminders=service)
        services.fleet = fleet
        await fleet.start()
    await service.start()
    log.info("bot ready")


async def _post_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(application, DisputeApplication)
    service, application.services.reminders = application.services.reminders, None
    if service is not None:
        await service.stop()
    fleet, application.services.fleet = application.services.fleet, None
    if fleet is not None:
        await fleet.stop()
    if application.services.reminder_bot is not None:
        await application.services.reminder_bot.shutdown()


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(application, DisputeApplication)
    await application.services.close()
