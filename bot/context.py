"""The per-update context every handler receives, and the application's shared services.

`BotContext` carries the buyer's translator and settings, resolved once per update by
`load_buyer` (a TypeHandler in the earliest group), so handlers never look them up themselves.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.domain.models import Dispute, UserSettings
from bot.domain.rules import DEFAULT_RULES, Rules
from bot.domain.schedule import PlannedReminder
from bot.fleet import Fleet, process_id
from bot.i18n import Translator, default_timezone, language_for, translator
from bot.outbox import plan_for

if TYPE_CHECKING:
    from bot.outbox import ReminderService
    from bot.storage.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


#: Buyers whose settings stay in memory: the most recently active ones. Each costs about half
#: a kilobyte, so the cache stays under ~5 MB however many buyers the bot has.
BUYER_CACHE_SIZE: Final = 10_000


class BuyerCache(MutableMapping[int, UserSettings]):
    """The settings of the most recently active buyers, at most ``capacity`` of them.

    Write-through: handlers write the database first, then the cache. A buyer pushed out is
    read from the database at their next update (one indexed lookup), so memory stays flat
    in the number of buyers (issue 15 §6) instead of growing by one entry per buyer ever seen.
    A mapping like the dict it replaces: reading or writing a buyer makes them the most recent.
    """

    def __init__(self, capacity: int = BUYER_CACHE_SIZE) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._entries: OrderedDict[int, UserSettings] = OrderedDict()

    def __getitem__(self, user_id: int) -> UserSettings:
        buyer = self._entries[user_id]
        self._entries.move_to_end(user_id)
        return buyer

    def __setitem__(self, user_id: int, buyer: UserSettings) -> None:
        self._entries[user_id] = buyer
        self._entries.move_to_end(user_id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def __delitem__(self, user_id: int) -> None:
        del self._entries[user_id]

    def __contains__(self, user_id: object) -> bool:  # a membership test is not a use
        return user_id in self._entries

    def __iter__(self) -> Iterator[int]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class Services:
    """What handlers share: settings, the clock (replaceable in tests), the database."""

    settings: Settings
    clock: Callable[[], datetime] = utc_now
    rules: Rules = DEFAULT_RULES
    # The reminder dispatcher's own bot: its own connection pool, the reminders' lane of the one
    # outgoing budget (bot/app.py, bot/ratelimit.py).
    reminder_bot: ExtBot[Any] | None = None
    _db: Database | None = None
    reminders: ReminderService | None = None  # started in post_init (bot/app.py)
    # This process's name among several on one PostgreSQL database, and their heartbeats.
    instance_id: str = field(default_factory=process_id)
    fleet: Fleet | None = None
    # Write-through cache of buyers' settings: read on every update, written rarely.
    buyers: BuyerCache = field(default_factory=BuyerCache)

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is not open yet")
        return self._db

    def attach(self, db: Database) -> None:
        self._db = db

    async def close(self) -> None:
        """Close the database (idempotent): after the Application stopped using it."""
        db, self._db = self._db, None
        if db is not None:
            await db.close()


class DisputeApplication(Application[Any, Any, Any, Any, Any, Any]):
    """Application with our services attached (ApplicationBuilder.application_class)."""

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Any = None
    ) -> None:
        """PTB marks every update's user and chat for a persistence write, and clears the
        marks only in a persistence update. This bot has no PTB persistence, so the marks
        would pile up, one per buyer ever seen, for the process's life: mark nothing."""


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext plus the buyer's language, settings and the shared services."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._t: Translator | None = None
        self._buyer: UserSettings | None = None

    @property
    def services(self) -> Services:
        return cast(DisputeApplication, self.application).services

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def t(self) -> Translator:
        return self._t or translator("en")

    @property
    def buyer(self) -> UserSettings:
        if self._buyer is None:
            raise RuntimeError("buyer settings were not loaded for this update")
        return self._buyer

    @property
    def loaded_buyer(self) -> UserSettings | None:
        """The buyer's settings if `load_buyer` resolved them for this update (it runs first,
        for every update with a user), else None: an error handler's context, an update
        without a user, or a failure before it ran."""
        return self._buyer

    @property
    def timezone(self) -> str:
        buyer = self._buyer
        if buyer is not None and buyer.timezone:
            return buyer.timezone
        return default_timezone(self.t.language, self.services.settings.default_timezone)

    def now(self) -> datetime:
        return self.services.clock()

    def plan(self, d: Dispute) -> list[PlannedReminder]:
        """The reminders `d` needs now, in this buyer's zone and waking hours."""
        return plan_for(
            d,
            self.buyer,
            self.services.rules,
            now=self.now(),
            default_tz=self.timezone,
            default_waking=self.services.settings.reminder_hours,
        )

    def use(self, buyer: UserSettings, language: str) -> None:
        self._buyer = buyer
        self._t = translator(language)


async def load_buyer(update: object, context: BotContext) -> None:
    """Resolve the buyer's settings and language before any other handler runs."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    user = update.effective_user
    services = context.services
    buyer = services.buyers.get(user.id)
    if buyer is None:
        buyer = await services.db.users.get(user.id) or UserSettings(user_id=user.id)
        services.buyers[user.id] = buyer
    context.use(buyer, buyer.language or language_for(user.language_code))
