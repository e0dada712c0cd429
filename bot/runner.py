"""Run the bot until SIGINT/SIGTERM: start-up, polling or webhook, the web server, shutdown.

In place of PTB's `run_polling`/`run_webhook`, which this follows step for step (initialize,
post_init, start, receive; then stop, post_stop, shutdown, post_shutdown), because:

- updates arrive through bot/polling.py or bot/web.py, which survive updates PTB cannot
  parse, log a network outage as one WARNING per retry, and serve /healthz and /metrics;
- a start that fails still closes everything it opened (PTB's leaves the Bot API client's
  sessions open: "Unclosed client session"), and its cause is one line naming the setting to
  fix, exit status 2 (`startup_failure`); other failures to start exit 1.

Servers: with WEBHOOK_URL, one on PORT (the webhook, /healthz, /metrics); with METRICS_PORT,
one there too (/healthz, /metrics). LISTEN_ADDRESS binds them all; unset, the webhook's
server listens on every interface (a PaaS router reaches it from outside) and the metrics
server on loopback only: in polling mode nothing outside needs to reach the bot, so exposing
its numbers beyond the machine should be a decision (LISTEN_ADDRESS=0.0.0.0 in a container).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.app import build_application
from bot.config import ConfigError, Settings
from bot.context import DisputeApplication
from bot.handlers import common
from bot.inbox import InboxWorker
from bot.logsetup import Redactor
from bot.meter import MeteredRequest
from bot.polling import Poller
from bot.storage.errors import DatabaseUnavailableError
from bot.storage.postgres import hold_poller_lock
from bot.web import Endpoints, Webhook, build_web_app, server_log
from bot.webhook import WebhookLink

log = logging.getLogger("bot")

__all__ = ["run", "startup_failure", "webhook_path"]

INBOX_WAIT = 30.0  # seconds a webhook request that came during the start waits for the inbox
WEBHOOK_LISTEN_DEFAULT = "0.0.0.0"  # PaaS routers connect from outside
METRICS_LISTEN_DEFAULT = "127.0.0.1"
# Seconds a connection to our servers may stay without a complete request: before its first
# one, and after each answer. aiohttp's default is an hour, and the same timer is all that
# closes a connection sending a request head slowly, byte by byte: a thousand such
# connections took every file descriptor (a limit of 1024 is common), and Telegram's
# deliveries were refused for as long as the sender kept them open. Telegram opens a new
# connection when an idle one was closed.
IDLE_TIMEOUT = 15.0

# Telegram's rule for secret_token: 1-256 characters, A-Z a-z 0-9 _ and -.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def webhook_path(settings: Settings) -> str:
    """The local path to serve the webhook on ("/hook"), after checking the webhook settings.

    A webhook without a secret would let anyone who finds the URL post forged updates in any
    buyer's name, so WEBHOOK_SECRET is required. The secret travels in a header only, never in
    the URL (URLs end up in proxies' access logs).
    """
    parts = urlsplit(settings.webhook_url or "")
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError("WEBHOOK_URL", "must be an https:// URL (Telegram only calls HTTPS)")
    if not settings.webhook_secret:
        raise ConfigError("WEBHOOK_SECRET", "is required when WEBHOOK_URL is set")
    if not _SECRET_RE.match(settings.webhook_secret):
        raise ConfigError(
            "WEBHOOK_SECRET", "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
        )
    return "/" + parts.path.strip("/")


class Link(Protocol):
    """How updates arrive: bot/polling.py's Poller or bot/webhook.py's WebhookLink."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def health(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Listener:
    variable: str  # the setting to name when it cannot bind
    host: str
    port: int
    app: web.Application


def run(settings: Settings, redactor: Redactor) -> int:
    """The process's exit status: 0 after a signal, 2 for a setting to fix, 1 otherwise."""
    try:
        path = webhook_path(settings) if settings.webhook_url else None
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    _use_uvloop()
    _raise_open_files_limit()
    application = build_application(settings)
    try:
        asyncio.run(_serve(application, settings, path))
    except KeyboardInterrupt:  # see _serve: where signal handlers cannot be installed
        return 0
    except Exception as error:
        message, status = startup_failure(error, application, settings, redactor)
        print(message, file=sys.stderr)
        return status
    return 0


def startup_failure(
    error: Exception, application: DisputeApplication, settings: Settings, redactor: Redactor
) -> tuple[str, int]:
    """One line for stderr and the exit status, for an error that ended the start."""
    if isinstance(error, ConfigError):
        return str(error), 2
    if isinstance(error, DatabaseUnavailableError):
        return f"{settings.database_variable}: {error}", 2
    if _from_database(error, settings):
        return f"DATABASE_PATH: cannot open {settings.database_path}: {error}", 2
    request = application.bot.request
    status = bot_api = None
    if isinstance(request, MeteredRequest):
        status = request.last_status("getMe")
        bot_api = request.last_answer_from_bot_api("getMe")
    url = _without_credentials(settings.api_base_url)
    if status is not None and (status == 404 or bot_api is False):
        # The URL's problem, not the token's: a 404 for getMe (PTB raises InvalidToken for it
        # as for a 401), or an answer that is not the Bot API's (HTML, someone else's JSON).
        # A 5xx of that kind may be Telegram's own proxy in an outage: exit 1, retried.
        answered = f"{url} answered {status} {_reason(status)} to getMe"
        if status >= 500:
            return f"cannot start: TELEGRAM_API_BASE_URL: {answered}, not as a Bot API does", 1
        return (
            f"TELEGRAM_API_BASE_URL: {answered}; it does not look like a Bot API server (the "
            "default is https://api.telegram.org/bot)",
            2,
        )
    if isinstance(error, InvalidToken):
        # With a well-formed token (checked by bot/config.py) Telegram answers 401 to a token
        # it does not know.
        return "TELEGRAM_BOT_TOKEN: Telegram rejected this token", 2
    if isinstance(error, TelegramError):
        return f"cannot start: {redactor(str(error))}", 1
    return f"cannot start: {type(error).__name__}: {redactor(str(error))}", 1


def _from_database(error: Exception, settings: Settings) -> bool:
    """Whether opening the database failed: SQLite's own errors (a directory, a file that is
    not a database, a directory it cannot write), or the file system's for its path."""
    if isinstance(error, sqlite3.Error):
        return True
    if isinstance(error, OSError) and error.filename is not None:
        path = str(settings.database_path.absolute())
        return path.startswith(str(Path(os.fsdecode(error.filename)).absolute()))
    return False


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _without_credentials(url: str) -> str:
    """The URL as it may be printed: any user:password@ taken out."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=host).geturl()


def _raise_open_files_limit() -> None:
    """The soft limit on open files up to the hard one (as servers written in Go do by
    default): every connection to the webhook and every Bot API call holds a descriptor, and
    1024, a common soft limit, is soon reached by clients that open connections and hold them.
    Best effort: where there is no such limit, nothing happens."""
    try:
        import resource
    except ImportError:  # Windows
        return
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return
        target = hard if hard != resource.RLIM_INFINITY else 1 << 20
        if target > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _use_uvloop() -> None:
    """uvloop's event loop costs less CPU per network call than asyncio's, and every update
    here is a few HTTP calls (measured in bench/wizard.py). Optional: absent on Windows."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def _serve(application: DisputeApplication, settings: Settings, path: str | None) -> None:
    """Start, wait for a signal, stop. A signal during the start cancels it."""
    stopping = asyncio.Event()
    main = asyncio.current_task()
    assert main is not None
    started = interrupted = False

    def on_signal() -> None:
        nonlocal interrupted
        if started:
            if not stopping.is_set():
                log.info("stopping")  # each step of the stop logs only if it fails
            stopping.set()
        elif not interrupted:  # once: a second signal must not cut the clean-up short
            interrupted = True
            main.cancel()

    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        # Where the loop cannot (Windows), asyncio.run's own Ctrl+C handling cancels the main
        # task, and the clean-up below still runs.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(number, on_signal)
    link = _link(application, settings)
    held = _Held()
    try:
        if path is None and settings.database_url:  # one poller per bot (bot/storage/postgres.py)
            held.poller_lock = await hold_poller_lock(settings.database_url, _bot_id(settings))
        # The ports first: one that cannot be bound stops the start before anything talks to
        # Telegram or sends a reminder. Until the application runs, /healthz says the database
        # is not open yet, and a webhook request waits for the inbox (`_Held.deliver`).
        for listener in _listeners(application, settings, path, link, held.deliver):
            held.runners.append(await _listen(listener))
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await application.start()
        if path is not None:  # webhook: every update through the durable inbox (bot/inbox.py)
            services = application.services
            held.inbox = InboxWorker(
                services.db,
                application,
                services.instance_id,
                alone=not settings.database_url,
                repeat=lambda update: common.repeat_prompt(update, application),
            )
            await held.inbox.start()
            held.ready.set()
        await link.start()
        started = True
        log.info("receiving updates by %s", "webhook" if path else "polling")
        await stopping.wait()
    except asyncio.CancelledError:
        log.info("interrupted")
    finally:
        await _stop(application, link, held)


@dataclass
class _Held:
    """What a start opened beyond the application, for `_stop` to close."""

    runners: list[web.AppRunner] = field(default_factory=list)
    inbox: InboxWorker | None = None
    poller_lock: Any = None  # the PostgreSQL connection holding the poller's lock
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # the inbox takes updates

    async def deliver(self, update: Update, body: bytes) -> None:
        """The webhook's update, stored once the inbox is there: a request that arrives while
        the bot starts waits for it (a 503 after `INBOX_WAIT`, and Telegram sends it again)."""
        await asyncio.wait_for(self.ready.wait(), INBOX_WAIT)
        assert self.inbox is not None
        await self.inbox.store(update, body)


def _bot_id(settings: Settings) -> str:
    return settings.token.partition(":")[0]  # the public part: the bot's id


def _link(application: DisputeApplication, settings: Settings) -> Link:
    if settings.webhook_url and settings.webhook_secret:
        return WebhookLink(application.bot, settings.webhook_url, settings.webhook_secret)
    return Poller(application.bot, application.update_queue)


def _listeners(
    application: DisputeApplication,
    settings: Settings,
    path: str | None,
    link: Link,
    deliver: Callable[[Update, bytes], Awaitable[None]],
) -> list[Listener]:
    services = application.services
    endpoints = Endpoints(
        bot=application.bot,
        database=lambda: services.db,
        clock=services.clock,
        link_health=link.health,
    )
    listeners = []
    if path is not None:
        assert isinstance(link, WebhookLink) and settings.webhook_secret
        webhook = Webhook(path, settings.webhook_secret, link.received, deliver)
        host = settings.listen_address or WEBHOOK_LISTEN_DEFAULT
        listeners.append(Listener("PORT", host, settings.port, build_web_app(endpoints, webhook)))
    if settings.metrics_port is not None and not (path and settings.metrics_port == settings.port):
        host = settings.listen_address or METRICS_LISTEN_DEFAULT
        app = build_web_app(endpoints)
        listeners.append(Listener("METRICS_PORT", host, settings.metrics_port, app))
    return listeners


async def _listen(listener: Listener) -> web.AppRunner:
    # shutdown_timeout: how long a stop waits for requests being answered (not idle ones).
    runner = web.AppRunner(
        listener.app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=5.0,
        logger=server_log(),  # a client's garbage is one DEBUG line, not an ERROR traceback
        keepalive_timeout=IDLE_TIMEOUT,
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, listener.host, listener.port).start()
    except OSError as error:
        await runner.cleanup()
        raise ConfigError(
            listener.variable,
            f"cannot listen on {listener.host}:{listener.port} ({error.strerror or error})",
        ) from None
    log.info("listening on %s:%d (%s)", listener.host, listener.port, listener.variable)
    return runner


async def _stop(application: DisputeApplication, link: Link, held: _Held) -> None:
    """Undo whatever part of the start happened, each step even if an earlier one failed."""
    await _attempt("stopping the link", link.stop)
    for runner in held.runners:
        await _attempt("stopping a web server", runner.cleanup)
    if held.inbox is not None:  # after the server: nothing new is stored meanwhile
        await _attempt("stopping the inbox", held.inbox.stop)
    if application.running:
        await _attempt("stopping the application", application.stop)
    if application.post_stop:
        post_stop = application.post_stop
        await _attempt("post_stop", lambda: post_stop(application))
    await _attempt("shutting the application down", application.shutdown)
    # A failed initialize leaves the application "not initialized", so shutdown() skips the
    # bot, whose HTTP sessions were opened before getMe failed: close them here.
    await _attempt("closing the Bot API client", application.bot.shutdown)
    if application.post_shutdown:
        post_shutdown = application.post_shutdown
        await _attempt("post_shutdown", lambda: post_shutdown(application))
    if held.poller_lock is not None:
        await _attempt("releasing the poller's lock", held.poller_lock.close)


async def _attempt(what: str, step: Callable[[], Awaitable[object]]) -> None:
    log.debug("%s", what)  # where a stop that hangs hangs
    try:
        await step()
    except Exception:
        log.exception("error while %s", what)
