"""Long polling that no single update and no network outage can stop or flood the log with.

Why not PTB's `Updater.start_polling`: it parses each getUpdates batch in one go, so one update
the installed library cannot read fails every call from then on (bot/updates.py), logging the
whole batch, buyers' names and texts included, each time; and on a network error it hands the
error to the application's error handlers ("unhandled error while processing update None")
with a traceback per retry. This loop fetches the raw batch, parses each update on its own,
moves the offset past every update it saw, and on failure logs one WARNING line (the error's
type and scrubbed text, and the back-off) per retry, no traceback.

It keeps what PTB's loop does: deleteWebhook before the first poll (a webhook left behind
would make every getUpdates fail with 409), updates handed to `Application.update_queue`, and
a last getUpdates at shutdown that confirms the updates already handed over, so that a
restart does not get them again.

`health()` says whether polling is alive, for /healthz (bot/web.py): the last successful
getUpdates is at most `timeout` + `STALE_MARGIN` seconds old (an idle long poll returns every
`timeout` seconds, so an older one means the calls are failing or hanging).
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Final

from telegram import Bot
from telegram.error import EndPointNotFound, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot import metrics
from bot.concurrency import stop_task
from bot.updates import ALLOWED_UPDATES, parse_batch

log = logging.getLogger(__name__)

__all__ = ["POLL_TIMEOUT", "STALE_MARGIN", "Poller"]

# Seconds Telegram holds an empty getUpdates open (PTB's run_polling default). Longer polls
# save a few calls an hour, but /healthz can only notice a dead link after this long.
POLL_TIMEOUT: Final = 10
# The answer to a long poll may take this much longer than the poll itself (a slow network)
# before the call counts as timed out; also the margin /healthz allows.
STALE_MARGIN: Final = 10.0
BATCH_LIMIT: Final = 100  # Telegram's maximum per getUpdates
BACKOFF_FIRST: Final = 1.0
BACKOFF_MAX: Final = 30.0
# getUpdates has a method of its own; `do_api_request` is the public way to get the raw
# result, and it merely suggests the method (whose parsing is what fails, see the module).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


def next_backoff(previous: float) -> float:
    """1 s, 2 s, 4 s ... up to 30 s between failed calls in a row."""
    return BACKOFF_FIRST if previous <= 0 else min(previous * 2, BACKOFF_MAX)


def _retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns when this is read as seconds; the value is the same either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Poller:
    """getUpdates in a loop, each readable update put on `queue` (see the module)."""

    def __init__(
        self,
        bot: Bot,
        queue: asyncio.Queue[object],
        *,
        timeout: int = POLL_TIMEOUT,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._queue = queue
        self._timeout = timeout
        self._allowed = list(allowed_updates)
        self._clock = clock
        self._sleep = sleep  # the back-off's wait (tests pass a fake)
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_success: float | None = None
        self._started_at: float | None = None
        self._last_error = ""

    async def start(self) -> None:
        """Remove any webhook (errors propagate: the bot cannot poll), then poll in the
        background."""
        await self._bot.delete_webhook()
        self._started_at = self._clock()
        self._task = asyncio.create_task(self._run(), name="getUpdates loop")

    async def stop(self) -> None:
        """Stop polling (an open long poll is cancelled) and confirm what was handed over."""
        task, self._task = self._task, None
        if not await stop_task(task):
            return
        if self._offset is None:
            return
        if self._last_error:  # the link is down: do not hold the shutdown up for time-outs
            log.warning(
                "could not confirm the last updates to Telegram (getUpdates is failing); they "
                "may be handled again after a restart"
            )
            return
        try:
            await self._get_updates(poll=0, limit=1)
        except TelegramError as error:
            log.warning(
                "could not confirm the last updates to Telegram (%s); they may be handled "
                "again after a restart",
                type(error).__name__,
            )

    def health(self) -> str | None:
        """None while polling is alive, else a one-line reason."""
        since = self._last_success if self._last_success is not None else self._started_at
        if since is None or self._task is None:
            return "polling is not running"
        age = self._clock() - since
        if age <= self._timeout + STALE_MARGIN:
            return None
        what = "no successful getUpdates" if self._last_success is None else "last getUpdates"
        detail = f" (last error: {self._last_error})" if self._last_error else ""
        return f"polling stalled: {what} for {age:.0f} s{detail}"

    async def _run(self) -> None:
        backoff = 0.0
        while True:
            try:
                items = await self._get_updates(poll=self._timeout, limit=BATCH_LIMIT)
            except RetryAfter as error:
                delay = _retry_after_seconds(error)
                self._failed(f"Telegram asked to wait {delay:.0f} s (429)", delay)
            except EndPointNotFound:  # PTB's name, once started, for a 401 or a 404
                backoff = next_backoff(backoff)
                reason = "Telegram answered 401/404: TELEGRAM_BOT_TOKEN revoked?"
                self._failed(reason, backoff, logging.ERROR)
                delay = backoff
            except TelegramError as error:
                backoff = next_backoff(backoff)
                self._failed(f"{type(error).__name__}: {error}", backoff)
                delay = backoff
            except Exception as error:  # a bug: its traceback helps, at most every 30 s
                backoff = next_backoff(backoff)
                log.exception("getUpdates failed; retrying in %.0f s", backoff)
                self._last_error = type(error).__name__
                delay = backoff
            else:
                if self._received(items):
                    backoff = 0.0
                    continue
                backoff = next_backoff(backoff)  # nothing to move the offset past: wait
                self._failed("a batch without any update_id", backoff)
                delay = backoff
            await self._sleep(delay)

    def _failed(self, reason: str, delay: float, level: int = logging.WARNING) -> None:
        self._last_error = reason
        log.log(level, "getUpdates failed (%s); retrying in %.1f s", reason, delay)

    def _received(self, items: list[Any]) -> bool:
        """Hand the batch over and move the offset past all of it (no await: a cancel
        cannot fall between the two). False: a batch with no update_id to move past."""
        self._last_success = self._clock()
        self._last_error = ""
        metrics.mark_updates_received()
        updates, offset = parse_batch(items, self._bot)
        for update in updates:
            self._queue.put_nowait(update)
        if offset is not None:
            self._offset = offset
        return offset is not None or not items

    async def _get_updates(self, *, poll: int, limit: int) -> list[Any]:
        """The raw getUpdates result, so that each update can be parsed on its own."""
        kwargs: dict[str, Any] = {
            "timeout": poll,
            "limit": limit,
            "allowed_updates": self._allowed,
        }
        if self._offset is not None:
            kwargs["offset"] = self._offset
        result = await self._bot.do_api_request(
            "getUpdates", api_kwargs=kwargs, read_timeout=poll + STALE_MARGIN
        )
        if not isinstance(result, list):
            raise TelegramError(f"getUpdates returned a {type(result).__name__}, not a list")
        return result
