"""Every Bot API call counted by method and outcome, whatever HTTP client makes it.

`MeteredRequest` wraps the `BaseRequest` the bot was built with (bot/http.py's aiohttp client,
or PTB's `HTTPXRequest`) and counts each call in `metrics.BOT_API_CALLS{method, outcome}`:

- `ok` (2xx), `429` (Telegram's flood control), `4xx` (any other client error: 400 a bad
  request, 403 a buyer who blocked the bot, 401/404 a rejected token or a wrong base URL),
  `5xx` (Telegram's side);
- `timeout` (PTB's `TimedOut`: connect, read or write took too long, or no pooled connection
  was free) and `network` (anything else that kept an answer from arriving, and the odd 1xx or
  3xx that PTB also treats as a network error).

The wrapper sits under PTB's own status handling (`BaseRequest.post` calls our `do_request`,
which calls the wrapped client's), so each HTTP exchange is counted exactly once, retries of a
429 included. Labels stay a small closed set: the method is the URL's last segment only when it
looks like a Bot API method name, downloads are `file`, anything else `other`; no label holds
a chat, a user or a token.

It also remembers the last HTTP status per method (`last_status`), so that start-up can tell a
wrong TELEGRAM_API_BASE_URL (404 for getMe) from a rejected token (401): PTB raises the same
`InvalidToken` for both; and whether getMe's answer was a Bot API answer at all
(`last_answer_from_bot_api`): a web server that is not one answers HTML, or JSON of its own.

And, being the one request object under both clients, it parses every answer
(`parse_json_payload`) in place of PTB's: JSON nested too deep for Python's parser still parses
(bot/updates.py's `loads_bounded`; PTB's RecursionError made every getUpdates fail while one
such update was pending), and an answer that is not JSON is logged by its size only (PTB logs
the whole body, which for getUpdates is every pending buyer's messages).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from prometheus_client import Counter
from telegram.error import TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot import metrics
from bot.updates import loads_bounded

log = logging.getLogger(__name__)

__all__ = ["MeteredRequest", "metered", "outcome_of"]

_METHOD_RE: Final = re.compile(r"^[A-Za-z]{1,40}$")
# A time-out argument as PTB passes it on: a float, None, or its DEFAULT_NONE marker. PTB spells
# this `ODVInput[float]`, from a private module; the wrapper only hands the value on unchanged.
Timeout = Any


def outcome_of(status: int) -> str:
    """The outcome label of an HTTP status that came back from the Bot API."""
    if 200 <= status < 300:
        return "ok"
    if status == 429:
        return "429"
    if 400 <= status < 500:
        return "4xx"
    if status >= 500:
        return "5xx"
    return "network"  # 1xx/3xx: PTB raises NetworkError for them too


def _method_of(url: str, http_method: str) -> str:
    if http_method != "POST":
        return "file"  # BaseRequest.retrieve: a file download
    name = url.rsplit("/", 1)[-1]
    return name if _METHOD_RE.match(name) else "other"


class MeteredRequest(BaseRequest):
    """A `BaseRequest` that delegates to `inner` and counts every call (see the module)."""

    __slots__ = ("_bot_api", "_children", "_inner", "_last_status")

    def __init__(self, inner: BaseRequest) -> None:
        self._inner = inner
        # (method, outcome) -> the counter's child: labels() costs a lock and a dict per call.
        self._children: dict[tuple[str, str], Counter] = {}
        self._last_status: dict[str, int] = {}
        self._bot_api: dict[str, bool] = {}  # getMe only: was the answer a Bot API answer?

    @property
    def inner(self) -> BaseRequest:
        return self._inner

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    def last_status(self, method: str) -> int | None:
        """The HTTP status of the last answer to `method` (None: no answer arrived yet)."""
        return self._last_status.get(method)

    def last_answer_from_bot_api(self, method: str) -> bool | None:
        """Whether the last answer to `method` (getMe only) was a Bot API answer, a JSON object
        with "ok" (None: not known)."""
        return self._bot_api.get(method)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = _method_of(url, method)
        try:
            status, payload = await self._inner.do_request(
                url,
                method,
                request_data=request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut:
            self._count(api_method, "timeout")
            raise
        except Exception:  # NetworkError, or whatever the client raised (PTB wraps it)
            self._count(api_method, "network")
            raise
        self._last_status[api_method] = status
        if api_method == "getMe":  # once per start: cheap enough to look at the body
            self._bot_api[api_method] = _is_bot_api_answer(payload)
        self._count(api_method, outcome_of(status))
        return status, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The answer's JSON (see the module): PTB's, but for nesting and what is logged."""
        try:
            data = loads_bounded(payload.decode("utf-8", "replace"))  # as PTB decodes
        except ValueError:
            log.debug("the Bot API answered with invalid JSON (%d bytes)", len(payload))
            raise TelegramError("Invalid server response") from None
        if not isinstance(data, dict):
            log.debug("the Bot API answered with JSON that is not an object")
            raise TelegramError("Invalid server response")
        return data

    def _count(self, method: str, outcome: str) -> None:
        child = self._children.get((method, outcome))
        if child is None:
            child = self._children[method, outcome] = metrics.BOT_API_CALLS.labels(method, outcome)
        child.inc()


def _is_bot_api_answer(payload: bytes) -> bool:
    try:
        data = loads_bounded(payload.decode("utf-8", "replace"))
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("ok"), bool)


def metered(request: BaseRequest) -> MeteredRequest:
    """`request` with its calls counted (an already metered request is returned as it is)."""
    return request if isinstance(request, MeteredRequest) else MeteredRequest(request)
