"""The bot's own HTTP server (aiohttp): Telegram's webhook, /healthz and /metrics.

Why not PTB's tornado webhook server: it answers malformed JSON with 500, reads a body of any
size into memory, and cannot serve /healthz or /metrics beside the webhook. This one:

- POST <path of WEBHOOK_URL> (`receive_update`): Telegram's secret-token header compared in
  constant time (403 otherwise), a body over `MAX_BODY` refused before it is read whole (413),
  malformed JSON 400, an update python-telegram-bot cannot parse 200 with one log line
  (bot/updates.py; Telegram would otherwise send it again forever), a good update stored in
  the inbox (bot/inbox.py), then 200: durable before it is acknowledged. If it cannot be
  stored, 503, and Telegram sends it again later.
- GET /healthz: 200 "ok" while the event loop answers (it is answering this request), the
  database answers a trivial query within `DB_TIMEOUT`, and the link to Telegram is alive
  (polling: a recent successful getUpdates; webhook: bot/webhook.py says what it checks);
  otherwise 503 with a one-line reason. A blocked event loop answers nothing at all, and the
  prober's own time-out turns that into a failure.
- GET /metrics: the Prometheus registry (bot/metrics.py), with the database's gauges read just
  before (stale ones are served if the database does not answer in time).

Neither endpoint says anything about a buyer: reasons name components, metrics are
aggregates. aiohttp's access log is off: a line per update would be noise, and the secret
travels in a header, never in the path.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from aiohttp import web
from aiohttp.http import HttpProcessingError
from telegram import Bot, Update

from bot import metrics
from bot.storage.db import Database
from bot.storage.stats import counts
from bot.updates import loads_bounded, parse_update

log = logging.getLogger(__name__)

__all__ = [
    "DB_TIMEOUT",
    "MAX_BODY",
    "SECRET_HEADER",
    "Endpoints",
    "ServerLog",
    "Webhook",
    "build_web_app",
    "server_log",
]

MAX_BODY: Final = 1024 * 1024  # Telegram's updates are a few kB; a 1 MB one is not an update
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
DB_TIMEOUT: Final = 2.0  # seconds the database may take to answer /healthz or /metrics
# What a client (not the bot) is to blame for: a request aiohttp cannot parse, a body whose
# framing or compression is broken, a connection dropped mid-request.
CLIENT_ERRORS: Final = (ConnectionError, HttpProcessingError, web.RequestPayloadError)


@dataclass(frozen=True, slots=True)
class Endpoints:
    """What the server needs from the running bot."""

    bot: Bot
    database: Callable[[], Database]  # raises while the database is not open
    clock: Callable[[], datetime]
    link_health: Callable[[], str | None]  # None: the link to Telegram is alive


@dataclass(frozen=True, slots=True)
class Webhook:
    path: str  # "/hook", the path of WEBHOOK_URL
    secret: str
    on_request: Callable[[], None]  # an authentic, well-formed request arrived
    # Stores the update durably (bot/inbox.py's InboxWorker.store), given its raw body.
    deliver: Callable[[Update, bytes], Awaitable[None]]


class ServerLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """aiohttp's server logger (AppRunner's `logger`), but for errors a client causes.

    aiohttp logs at ERROR, with a traceback, every request it cannot parse (a header line
    without a colon, a 10 kB header, a broken chunk, a body that does not inflate) and every
    connection dropped while our handler reads: about ten lines each time any scanner on the
    internet sends garbage to the webhook's port, and an operator alerting on ERROR is woken
    for nothing. Those become one DEBUG line naming the error; anything else (a bug in a
    handler) stays an ERROR with its traceback.
    """

    def exception(self, msg: object, *args: object, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
        if isinstance(error, CLIENT_ERRORS):
            self.debug("%s (%s)", str(msg) % args if args else msg, type(error).__name__)
            return
        super().exception(msg, *args, **kwargs)


def server_log() -> ServerLog:
    return ServerLog(logging.getLogger("aiohttp.server"), {})


ENDPOINTS: Final = web.AppKey("endpoints", Endpoints)
WEBHOOK: Final = web.AppKey("webhook", Webhook)


def build_web_app(endpoints: Endpoints, webhook: Webhook | None = None) -> web.Application:
    """/healthz and /metrics, plus the webhook's path when `webhook` is given."""
    # client_max_size also bounds aiohttp's own body readers, should anything use them.
    app = web.Application(client_max_size=MAX_BODY)
    app[ENDPOINTS] = endpoints
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    if webhook is not None:
        app[WEBHOOK] = webhook
        app.router.add_post(webhook.path, receive_update)
    return app


async def receive_update(request: web.Request) -> web.Response:
    """One update from Telegram. Every refusal is decided before the body is read whole.

    The 200 tells Telegram the update is ours and must not be sent again: it is given only
    once the update is committed to the inbox.
    """
    webhook = request.app[WEBHOOK]
    endpoints = request.app[ENDPOINTS]
    if not _secret_matches(request.headers.get(SECRET_HEADER), webhook.secret):
        return web.Response(status=403)
    try:
        body = await _read_capped(request)
    except CLIENT_ERRORS as error:
        # The connection dropped mid-body, or the body's framing or compression is broken:
        # one line, no traceback (aiohttp logs one at ERROR for each), and a 400 if the
        # connection is still there to take it (Telegram then delivers the update again).
        log.warning("webhook: could not read a request's body (%s)", type(error).__name__)
        return web.Response(status=400)
    if body is None:
        response = web.Response(status=413)
        response.force_close()  # do not read (or wait for) the rest of an oversized body
        return response
    try:
        # Nested too deep to follow: still parsed, the depths dropped (bot/updates.py).
        data = loads_bounded(body.decode("utf-8"))
    except ValueError:  # includes bytes that are not UTF-8
        return web.Response(status=400)
    if not isinstance(data, dict):
        return web.Response(status=400)
    webhook.on_request()
    metrics.mark_updates_received()
    update = parse_update(data, endpoints.bot)  # None: logged once, skipped
    if update is not None:
        try:
            await webhook.deliver(update, body)
        except Exception as error:
            log.warning(
                "webhook: could not store update %s (%s); answered 503, Telegram sends it again",
                update.update_id,
                type(error).__name__,
            )
            return web.Response(status=503)
    return web.Response(status=200)


def _secret_matches(given: str | None, secret: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode())


async def _read_capped(request: web.Request) -> bytes | None:
    """The body, or None once it is known to exceed MAX_BODY (from Content-Length, or while
    reading a chunked body: at most MAX_BODY plus one chunk is ever held)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def healthz(request: web.Request) -> web.Response:
    reason = await health_reason(request.app[ENDPOINTS])
    if reason is not None:
        return web.Response(status=503, text=reason + "\n")
    return web.Response(text="ok\n")


async def health_reason(endpoints: Endpoints) -> str | None:
    """None when healthy, else the first problem found, in one line."""
    try:
        db = endpoints.database()
        await asyncio.wait_for(db.fetchone("SELECT 1"), DB_TIMEOUT)
    except TimeoutError:
        return f"database did not answer within {DB_TIMEOUT:.0f} s"
    except Exception as error:
        return f"database failed: {type(error).__name__}"
    return endpoints.link_health()


async def metrics_page(request: web.Request) -> web.Response:
    endpoints = request.app[ENDPOINTS]
    try:
        db = endpoints.database()
        reading = await asyncio.wait_for(counts(db, endpoints.clock()), DB_TIMEOUT)
    except Exception as error:  # serve what is known; the gauges keep their last values
        log.warning("/metrics: database counts unavailable (%s)", type(error).__name__)
    else:
        metrics.refresh_from_counts(reading)
    return web.Response(
        body=metrics.exposition(), headers={"Content-Type": metrics.CONTENT_TYPE_LATEST}
    )
