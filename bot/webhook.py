"""The webhook's side of the link to Telegram: registration, and whether deliveries work.

`start()` registers the webhook as PTB's `run_webhook` does (the URL, the secret token, 40
connections), for the kinds of update the bot handles (bot/updates.py's `ALLOWED_UPDATES`),
and leaves it registered at shutdown, so that Telegram keeps the updates that arrive while the
bot is down.

What "healthy" means here. In polling mode a successful getUpdates every few seconds proves
the link; a webhook gets a request only when somebody writes, which may be hours at night, so
the time since the last request proves nothing. What does go wrong is visible in Telegram's
`getWebhookInfo`, asked every `CHECK_INTERVAL` seconds: the webhook removed or pointed
elsewhere (another instance started polling, or set its own URL), or deliveries failing
(Telegram cannot reach us through the proxy, or our answers are errors: `last_error_date`
later than both our registration and the last request we received, with updates pending).
And when getWebhookInfo itself keeps failing, the bot cannot reach the Bot API to reply
either. `health()` reports any of these as a one-line reason; otherwise the link is healthy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Final

from telegram import Bot, WebhookInfo
from telegram.error import BadRequest, TelegramError

from bot.concurrency import stop_task
from bot.config import ConfigError
from bot.updates import ALLOWED_UPDATES

log = logging.getLogger(__name__)

__all__ = ["CHECK_INTERVAL", "WebhookLink"]

CHECK_INTERVAL: Final = 60.0  # one getWebhookInfo a minute
# getWebhookInfo failing for this long means the Bot API is out of reach.
UNREACHABLE_AFTER: Final = 3 * CHECK_INTERVAL
MAX_CONNECTIONS: Final = 40  # PTB's run_webhook default (Telegram's own default too)


class WebhookLink:
    def __init__(
        self,
        bot: Bot,
        url: str,
        secret: str,
        *,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        interval: float = CHECK_INTERVAL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._bot = bot
        self._url = url
        self._secret = secret
        self._allowed = list(allowed_updates)
        self._interval = interval
        self._clock = clock  # wall-clock seconds: compared with Telegram's last_error_date
        self._registered_at: float | None = None
        self._last_request: float | None = None
        self._info: WebhookInfo | None = None
        self._info_at: float | None = None  # when getWebhookInfo last answered
        self._info_error = ""
        self._task: asyncio.Task[None] | None = None
        self._reported: str | None = None  # the problem last logged (each is logged once)

    async def start(self) -> None:
        """Register the webhook (errors propagate: the bot cannot receive), then watch it.

        Telegram refusing the URL (400: cannot resolve it, not HTTPS, a port it does not call)
        is WEBHOOK_URL's problem, reported as a ConfigError."""
        try:
            await self._bot.set_webhook(
                url=self._url,
                secret_token=self._secret,
                allowed_updates=self._allowed,
                max_connections=MAX_CONNECTIONS,
            )
        except BadRequest as error:
            raise ConfigError("WEBHOOK_URL", f"Telegram refused it: {error.message}") from None
        self._registered_at = self._clock()
        self._task = asyncio.create_task(self._watch(), name="getWebhookInfo loop")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await stop_task(task)

    def received(self) -> None:
        """An authentic request from Telegram arrived (bot/web.py)."""
        self._last_request = self._clock()

    def health(self) -> str | None:
        """None while the webhook works as far as can be told, else a one-line reason."""
        if self._registered_at is None or self._task is None:
            return "webhook is not registered"
        now = self._clock()
        answered = self._info_at if self._info_at is not None else self._registered_at
        if now - answered > UNREACHABLE_AFTER:
            return (
                f"cannot reach the Bot API: getWebhookInfo failing for {now - answered:.0f} s "
                f"({self._info_error})"
            )
        info = self._info
        if info is None:
            return None  # the first check is under way
        if info.url != self._url:
            return "webhook is no longer registered to WEBHOOK_URL (removed or replaced)"
        failed = info.last_error_date.timestamp() if info.last_error_date else None
        since = max(self._registered_at, self._last_request or 0.0)
        if failed is not None and failed > since and info.pending_update_count:
            message = " ".join((info.last_error_message or "unknown error").split())[:120]
            return (
                f"Telegram cannot deliver updates: {message} ({info.pending_update_count} pending)"
            )
        return None

    async def _watch(self) -> None:
        while True:
            try:
                self._info = await self._bot.get_webhook_info()
            except TelegramError as error:
                self._info_error = f"{type(error).__name__}: {error}"
                log.warning("getWebhookInfo failed (%s)", self._info_error)
            else:
                self._info_at = self._clock()
                self._info_error = ""
            reason = self.health()
            if reason is not None and reason != self._reported:
                log.warning("webhook: %s", reason)
            self._reported = reason
            await asyncio.sleep(self._interval)
