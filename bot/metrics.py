"""What an operator can measure: Prometheus metrics, one registry for the whole process.

Every metric is defined here, so `/metrics` has one list a reader can check against the
README, and code elsewhere only increments or observes. Nothing here carries buyer data: no
label holds a user id, chat id, order number or text; labels are small closed sets (an update's
kind, a Bot API method name, an outcome, a reminder state).

Counters and histograms are updated where things happen (the update processor, the Bot API
client, the reminder dispatcher, the flood guard, the database). Gauges that describe the
database (buyers, open cases, reminders by state) are read from it when `/metrics` is scraped
(`refresh_from_counts`), so they are true even after a restart and cost nothing per update.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from bot.storage.stats import Counts

PREFIX: Final = "dispute_helper"

REGISTRY: Final = CollectorRegistry(auto_describe=True)
# Resident memory, CPU seconds, open files and the Python version: what an operator checks first.
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)


def _counter(name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
    return Counter(f"{PREFIX}_{name}", documentation, labels, registry=REGISTRY)


def _gauge(name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
    return Gauge(f"{PREFIX}_{name}", documentation, labels, registry=REGISTRY)


def _histogram(name: str, documentation: str, *, buckets: Sequence[float]) -> Histogram:
    return Histogram(f"{PREFIX}_{name}", documentation, buckets=buckets, registry=REGISTRY)


# --- updates ---------------------------------------------------------------------------------
UPDATES: Final = _counter(
    "updates",
    "Updates handled, by kind (message, callback_query, edited_message, my_chat_member, ...).",
    ["kind"],
)
# From the moment the update processor took the update to the moment its handlers finished:
# the buyer's wait for the reply, minus Telegram's own delivery.
UPDATE_SECONDS: Final = _histogram(
    "update_seconds",
    "Time to handle one update (waiting for its chat's turn included).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
LAST_UPDATE_RECEIVED: Final = _gauge(
    "last_updates_request_timestamp_seconds",
    "Unix time of the last successful getUpdates call or webhook request.",
)
UNPARSEABLE_UPDATES: Final = _counter(
    "unparseable_updates",
    "Updates skipped because they could not be parsed.",
)
ERRORS: Final = _counter(
    "errors",
    "Unhandled errors in handlers, by exception type.",
    ["exception"],
)

# --- the Bot API -----------------------------------------------------------------------------
BOT_API_CALLS: Final = _counter(
    "bot_api_calls",
    "Bot API calls by method and outcome (ok, 429, 4xx, 5xx, timeout, network).",
    ["method", "outcome"],
)
FLOOD_DROPS: Final = _counter(
    "flood_drops",
    "Incoming updates dropped by flood control.",
)

# --- reminders -------------------------------------------------------------------------------
REMINDERS_SENT: Final = _counter("reminders_sent", "Reminders delivered to Telegram.")
REMINDERS_FAILED: Final = _counter(
    "reminders_failed",
    "Reminders given up on (refused by Telegram, or out of attempts).",
)
REMINDERS: Final = _gauge(
    "reminders",
    "Reminders in the outbox by state (read from the database when scraped).",
    ["state"],
)
REMINDERS_OVERDUE: Final = _gauge(
    "reminders_overdue",
    "Pending reminders due more than a minute ago (read from the database when scraped).",
)

# --- storage ---------------------------------------------------------------------------------
DB_TRANSACTION_SECONDS: Final = _histogram(
    "db_transaction_seconds",
    "Time of one database transaction, waiting for the database included.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
)
BUYERS: Final = _gauge("buyers", "Buyers known to the bot (read from the database).")
OPEN_CASES: Final = _gauge(
    "open_cases",
    "Cases not closed, drafts included (read from the database).",
)
DATABASE_BYTES: Final = _gauge("database_bytes", "Size of the database on disk.")

REMINDER_STATES: Final = ("pending", "sending", "sent", "failed", "cancelled")


def mark_updates_received(now: float | None = None) -> None:
    """A getUpdates call or a webhook request succeeded: the link to Telegram is alive."""
    LAST_UPDATE_RECEIVED.set(time.time() if now is None else now)


def refresh_from_counts(counts: Counts) -> None:
    """Set the database-derived gauges from one `bot.storage.stats.counts` reading."""
    BUYERS.set(counts.buyers)
    OPEN_CASES.set(counts.open_cases)
    for state in REMINDER_STATES:
        REMINDERS.labels(state).set(counts.reminders_by_state.get(state, 0))
    REMINDERS_OVERDUE.set(counts.reminders_overdue)
    DATABASE_BYTES.set(counts.database_bytes)


def exposition() -> bytes:
    """The registry in Prometheus' text format (serve with CONTENT_TYPE_LATEST)."""
    return generate_latest(REGISTRY)


__all__ = [
    "BOT_API_CALLS",
    "BUYERS",
    "CONTENT_TYPE_LATEST",
    "DATABASE_BYTES",
    "DB_TRANSACTION_SECONDS",
    "ERRORS",
    "FLOOD_DROPS",
    "LAST_UPDATE_RECEIVED",
    "OPEN_CASES",
    "REGISTRY",
    "REMINDERS",
    "REMINDERS_FAILED",
    "REMINDERS_OVERDUE",
    "REMINDERS_SENT",
    "UNPARSEABLE_UPDATES",
    "UPDATES",
    "UPDATE_SECONDS",
    "exposition",
    "mark_updates_received",
    "refresh_from_counts",
]
