"""The Bot API's HTTP path: python-telegram-bot's `BaseRequest` on aiohttp.

Why not PTB's default `HTTPXRequest`: every update costs one or two Bot API calls, and with
httpx those calls took more CPU than everything else the bot does for the update. Measured by
`bench/http.py` (PTB's whole `post`: parameters encoded, the answer's JSON parsed; the server
in another process on loopback), CPU per call: HTTPXRequest 1.05 ms one call at a time and
1.81 ms with 32 in flight, this class 0.37 ms and 0.30 ms. httpx's cost is its pure-Python
stack (httpcore's pool, anyio, the h11 parser); aiohttp parses HTTP in C.

What this keeps from `HTTPXRequest`, so PTB and the rest of the bot see no difference:
- the parameters' values (PTB's JSON-encoded text for each), sent as a JSON object (`_body` says
  why not as a form), as `multipart/form-data` when a file is uploaded; PTB's User-Agent;
- the four time-outs: `pool_timeout` (waiting for a free connection; the call is then *not* sent),
  `connect_timeout`, `read_timeout` (between bytes of the answer) and `write_timeout` (sending
  the request; aiohttp has no timer of its own for writing, so it bounds the whole call together
  with the other three);
- the errors: `TimedOut` for any time-out (with PTB's own wording for the pool), `NetworkError`
  for anything else that went wrong on the way; an HTTP status is returned, never raised, and
  PTB turns it into its errors (`RetryAfter`, `Forbidden`, ...). Unlike httpx's, aiohttp's
  errors may quote the request URL, which holds the token: their text is scrubbed and they
  are not chained to the error raised.
Proxies come from the environment (`HTTPS_PROXY`, `NO_PROXY`, ...), as with httpx, but are
looked up once per host rather than by aiohttp's `trust_env`, which reads `~/.netrc` in a
worker thread on every call (measured: a third of the bot's CPU per update).
"""

from __future__ import annotations

import asyncio
import re
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

__all__ = ["AiohttpRequest", "make_request"]

# PTB passes its "not given" marker (BaseRequest.DEFAULT_NONE, a DefaultValue) for a time-out the
# caller left out. The class lives in a private module; its public instance names it.
_NotGiven = type(BaseRequest.DEFAULT_NONE)

POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)
# The token is a path segment of every Bot API URL (/bot<token>/method, /file/bot<token>/...),
# and aiohttp puts the URL in some errors' text ("Connection timeout to host http://...").
_TOKEN_IN_URL = re.compile(r"/bot[^/\s'\"]+")


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session with a keep-alive pool of `connection_pool_size`.

    Created outside the event loop (as PTB's builder does), the session is opened by
    `initialize()` inside it and closed by `shutdown()`.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # Waiting for a connection is done here rather than inside aiohttp, so that a pool
        # time-out is told apart from a slow connect (and the call is known not to be sent).
        self._pool = asyncio.Semaphore(connection_pool_size)
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                trust_env=False,  # see the module's docstring: proxies are `_proxy_for`'s
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets no cookies
                raise_for_status=False,
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # Each: a number, None (no limit) or PTB's not-given marker. PTB's alias for that
        # (ODVInput) lives in a private module; `object` is wider, which an override may be.
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        write = _given(
            write_timeout, self._media_write_timeout if has_files else self._write_timeout
        )

        try:
            async with asyncio.timeout(pool):  # None: wait as long as it takes
                await self._pool.acquire()
        except TimeoutError as err:
            raise TimedOut(message=POOL_TIMEOUT_MESSAGE) from err
        failure: TelegramError
        try:
            timeout = aiohttp.ClientTimeout(
                total=_sum(connect, write, read),
                connect=connect,  # name resolution included, as with httpx
                sock_connect=connect,
                sock_read=read,
            )
            async with session.request(
                method, url, timeout=timeout, proxy=self._proxy_for(url), **_body(request_data)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's own time-outs are TimeoutErrors too
            failure = TimedOut(f"Timed out: {_scrub(err)}" if str(err) else None)
        except aiohttp.ClientError as err:
            failure = NetworkError(f"aiohttp.{err.__class__.__name__}: {_scrub(err)}")
        finally:
            self._pool.release()
        # Raised here, after the except blocks, so that no chained exception (whose text may
        # hold the URL, hence the token) travels with it to an error handler or a tracker.
        raise failure

    def _proxy_for(self, url: str) -> str | None:
        """The environment's proxy for this URL's scheme and host (None: connect directly)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = urllib.request.getproxies_environment()
            proxy = proxies.get(parts.scheme) or proxies.get("all")
            if proxy and urllib.request.proxy_bypass(key[1]):
                proxy = None
            self._proxies[key] = proxy
        return self._proxies[key]


def _given(value: object, default: float | None) -> float | None:
    """A time-out the caller passed (None: no limit), or `default` for PTB's "not given"."""
    if isinstance(value, _NotGiven):
        return default
    if value is None or isinstance(value, int | float):
        return value
    raise TypeError(f"a time-out must be a number or None, got {type(value).__name__}")


def make_request(
    client: str,
    connection_pool_size: int,
    *,
    read_timeout: float | None = 5.0,
    pool_timeout: float | None = 1.0,
) -> BaseRequest:
    """The Bot API client BOT_HTTP_CLIENT names: "aiohttp" (this module's) or "httpx".

    httpx is python-telegram-bot's own HTTPXRequest, kept as a supported choice for whoever
    prefers the library's default stack; it costs several times more CPU per call (see above).
    Both get the same pool size and time-outs.
    """
    if client == "httpx":
        return HTTPXRequest(
            connection_pool_size=connection_pool_size,
            read_timeout=read_timeout,
            pool_timeout=pool_timeout,
        )
    if client != "aiohttp":
        raise ValueError(f"unknown Bot API client {client!r}: aiohttp or httpx")
    return AiohttpRequest(
        connection_pool_size, read_timeout=read_timeout, pool_timeout=pool_timeout
    )


def _scrub(error: BaseException) -> str:
    """The error's text with the token taken out of any Bot API URL in it."""
    return _TOKEN_IN_URL.sub("/bot<token>", str(error))


def _sum(*parts: float | None) -> float | None:
    """The bound on a whole call: None (no bound) when any phase may take forever."""
    total = 0.0
    for part in parts:
        if part is None:
            return None
        total += part
    return total


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """`session.request` keywords for PTB's parameters."""
    if request_data is None:
        return {}
    if not request_data.contains_files:
        # JSON, not the form encoding httpx uses: urllib's quoting is pure Python per byte
        # (about 90 us for a typical reply with its keyboard, against 24 us for json.dumps).
        # The Bot API reads a JSON body's string values as the parameters' text, exactly as
        # the form's values, so PTB's JSON-encoded values arrive unchanged.
        return {
            "data": request_data.json_payload,
            "headers": {"Content-Type": "application/json"},
        }
    # quote_fields=False: names go as UTF-8 text, as httpx sends them; aiohttp would otherwise
    # percent-encode the file name ("dispute%208030.ics"), and Telegram would show that.
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return {"data": form}
