"""An offline stand-in for the Telegram Bot API, for tests and benchmarks.

One core (`FakeBotApi`) answers Bot API methods the way Telegram does and records what the bot
sent. Two adapters put it under the bot's real HTTP path:

- `StandinServer`: a small HTTP/1.1 server on loopback, for the in-process harness (the bot's
  own AiohttpRequest talking to it) and for a bot running as a real process with
  `TELEGRAM_API_BASE_URL=http://127.0.0.1:<port>/bot`;
- `FakeBotApi.transport()`: an `httpx.MockTransport`, for tests of a single component with a
  bare PTB bot (PTB's `HTTPXRequest` with this transport underneath).

Buyers' updates are queued with `push_update` and served by `getUpdates` (long polling), or
handed to an in-process Application directly. Faults (429, 5xx, 403, slow answers, dropped
connections) are injected per call with `fault`. `trap` runs an action (e.g. SIGKILL the bot
process) the instant a matching call has arrived, before the stand-in answers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import html.parser
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

BOT_ID = 7000000001
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Dispute Helper",
    "username": "dispute_helper_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

_SEND_METHODS = {
    "sendMessage": "text",
    "sendPhoto": "photo",
    "sendVideo": "video",
    "sendDocument": "document",
    "sendAnimation": "animation",
}


@dataclass
class Sent:
    """One thing the bot did that a buyer would see."""

    method: str
    chat_id: int | None
    params: dict[str, Any]
    message_id: int | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) for every inline button, row by row."""
        markup = self.reply_markup or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


@dataclass
class Fault:
    """What to do instead of a normal answer: an HTTP error, a delay, or a dropped connection."""

    status: int = 200
    description: str = ""
    retry_after: int | None = None
    delay: float = 0.0
    drop: bool = False


FaultRule = Callable[[str, dict[str, Any]], Fault | None]


@dataclass
class Trap:
    """`action` runs once, the instant a call matching `predicate` (method, params) has arrived
    and been recorded (so a buyer would see it), but before the stand-in answers it: the bot is
    still waiting for the answer. `sprung` is set when the action has finished."""

    predicate: Callable[[str, dict[str, Any]], bool]
    action: Callable[[], Awaitable[None]]
    sprung: asyncio.Event = field(default_factory=asyncio.Event)


_ENTITY_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "s": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
}


class _HtmlToEntities(html.parser.HTMLParser):
    """Telegram's HTML parse mode: tags become entities with UTF-16 offsets, text is plain."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, int, dict[str, Any]]] = []

    def _offset(self) -> int:
        return len(self.text.encode("utf-16-le")) // 2

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        extra = {"url": dict(attrs).get("href")} if tag == "a" else {}
        self._open.append((tag, self._offset(), extra))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            name, start, extra = self._open[index]
            if name == tag:
                del self._open[index]
                length = self._offset() - start
                if tag in _ENTITY_TAGS and length:
                    self.entities.append(
                        {"type": _ENTITY_TAGS[tag], "offset": start, "length": length, **extra}
                    )
                return

    def handle_data(self, data: str) -> None:
        self.text += data


def render_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _HtmlToEntities()
    parser.feed(text)
    parser.close()
    return parser.text, sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))


def _coerce(value: str) -> Any:
    """PTB sends JSON for structured fields and plain text for strings: undo both."""
    if value[:1] in "{[" or value in ("true", "false", "null"):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    if value.lstrip("-").isdigit() and len(value) < 20:
        return int(value)
    return value


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        # As the Bot API server reads a JSON body: a string value is the parameter's text (PTB
        # sends every value JSON-encoded as a string), any other value its JSON.
        data = json.loads(body)
        if not isinstance(data, dict):
            return {}
        return {k: _coerce(v) if isinstance(v, str) else v for k, v in data.items()}
    if content_type.startswith("multipart/form-data"):
        parser = email.parser.BytesParser(policy=email.policy.HTTP)
        message = parser.parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename:
                params[str(name)] = {"filename": filename, "content": payload}
            else:
                params[str(name)] = _coerce(payload.decode())
        return params
    return {k: _coerce(v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)}


class FakeBotApi:
    """The Bot API as the bot sees it, kept in memory."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.fault: FaultRule | None = None
        self.blocked_chats: set[int] = set()
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1_000)
        )
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._updates_event = asyncio.Event()
        self._sent_event = asyncio.Event()
        self.counts: dict[str, int] = defaultdict(int)
        self.traps: list[Trap] = []
        # setMyCommands by (scope type, language code); `commands` keeps the language-only view.
        self.scoped_commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[str, str] = {}  # setMyDescription, by language code
        self.short_descriptions: dict[str, str] = {}  # setMyShortDescription, by language code
        # getUpdates answers only while this is set (`hold_updates`: a Bot API that hangs).
        self._updates_flowing = asyncio.Event()
        self._updates_flowing.set()
        # What getWebhookInfo reports: the URL setWebhook registered, and a delivery error
        # (`webhook_error`: message, pending updates) dated the moment it is asked for.
        self.webhook_url = ""
        self.webhook_error: tuple[str, int] | None = None
        # Updates of kinds getUpdates' `allowed_updates` left out: Telegram would never send them.
        self.withheld: list[dict[str, Any]] = []
        self._allowed_updates: set[str] | None = None
        self.raw: dict[str, str] = {}  # encoded placeholder -> raw JSON text (`raw_json`)

    # --- what tests and benchmarks call ------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {**update, "update_id": update.get("update_id") or next(self._update_ids)}
        self._updates.append(update)
        self._updates_event.set()
        return update

    def raw_json(self, text: str) -> str:
        """A placeholder to put in an update: the stand-in's HTTP server sends `text` in its
        place, verbatim (JSON that Python's json module cannot produce, e.g. nested deeper
        than its recursion limit)."""
        placeholder = f"raw-json-{len(self.raw)}"
        self.raw[json.dumps(placeholder)] = text
        return placeholder

    def hold_updates(self) -> None:
        """getUpdates stops answering (calls hang) until `release_updates`."""
        self._updates_flowing.clear()

    def release_updates(self) -> None:
        self._updates_flowing.set()

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def trap(
        self,
        predicate: Callable[[str, dict[str, Any]], bool],
        action: Callable[[], Awaitable[None]],
    ) -> Trap:
        """Run `action` once when a matching call arrives, before answering it (see `Trap`)."""
        trap = Trap(predicate, action)
        self.traps.append(trap)
        return trap

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    async def wait_sent(self, predicate: Callable[[Sent], bool], within: float = 10.0) -> Sent:
        """Wait until the bot has sent something matching `predicate` (at most `within` s)."""
        deadline = time.monotonic() + within
        seen = 0
        while True:
            for item in self.sent[seen:]:
                if predicate(item):
                    return item
            seen = len(self.sent)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the bot did not send the expected message in time")
            self._sent_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_event.wait(), remaining)

    # --- the API -----------------------------------------------------------------------------
    async def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        self.calls.append((method, params))
        self.counts[method] += 1
        if method != "getUpdates":
            fault = self.fault(method, params) if self.fault else None
            if fault is not None:
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.drop:
                    raise ConnectionResetError("stand-in dropped the connection")
                if fault.status != 200:
                    body: dict[str, Any] = {
                        "ok": False,
                        "error_code": fault.status,
                        "description": fault.description or f"Error {fault.status}",
                    }
                    if fault.retry_after is not None:
                        body["parameters"] = {"retry_after": fault.retry_after}
                    return fault.status, body
            if self.delay:
                await asyncio.sleep(self.delay)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.blocked_chats:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        result = await handler(params)
        await self._spring_traps(method, params)
        return 200, {"ok": True, "result": result}

    async def _spring_traps(self, method: str, params: dict[str, Any]) -> None:
        for trap in [t for t in self.traps if t.predicate(method, params)]:
            if trap in self.traps:  # one-shot, even if two matching calls arrive at once
                self.traps.remove(trap)
                await trap.action()
                trap.sprung.set()

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        await self._updates_flowing.wait()
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list) and allowed:
            self._allowed_updates = set(allowed)
        self._withhold()
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            self._updates_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_event.wait(), min(timeout, 5.0))
            self._withhold()
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    def _withhold(self) -> None:
        """Telegram never creates an update of a kind getUpdates' `allowed_updates` left out."""
        allowed = self._allowed_updates
        if allowed is None:
            return
        self.withheld += [u for u in self._updates if not _update_kinds(u) <= allowed]
        self._updates = [u for u in self._updates if _update_kinds(u) <= allowed]

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if self.webhook_error is not None:
            message, pending = self.webhook_error
            info.update(
                last_error_date=int(time.time()),
                last_error_message=message,
                pending_update_count=pending,
            )
        return info

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        language = str(params.get("language_code") or "")
        self.commands[language] = list(params.get("commands", []))
        self.scoped_commands[(_scope_type(params), language)] = list(params.get("commands", []))
        return True

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        language = str(params.get("language_code") or "")
        self.scoped_commands.pop((_scope_type(params), language), None)
        return True

    async def _m_setMyDescription(self, params: dict[str, Any]) -> Any:
        self.descriptions[str(params.get("language_code") or "")] = str(
            params.get("description") or ""
        )
        return True

    async def _m_setMyShortDescription(self, params: dict[str, Any]) -> Any:
        self.short_descriptions[str(params.get("language_code") or "")] = str(
            params.get("short_description") or ""
        )
        return True

    async def _m_leaveChat(self, params: dict[str, Any]) -> Any:
        self._record(Sent("leaveChat", _int_or_none(params.get("chat_id")), params))
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        self.callback_answers.append(params)
        self._record(Sent("answerCallbackQuery", None, params))
        return True

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        self._record(Sent("deleteMessage", params.get("chat_id"), params))
        return True

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        return {"file_id": params.get("file_id"), "file_unique_id": "u", "file_size": 1}

    async def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = next(self._message_ids[chat_id])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT_USER,
        }
        kind = _SEND_METHODS.get(method)
        if kind == "text":
            _set_text(message, params)
        elif kind is not None:
            message[kind] = _media_stub(kind, params.get(kind))
            if params.get("caption"):
                message["caption"] = params["caption"]
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._record(Sent(method, chat_id, params, message_id))
        return message

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        return await self._send("sendMessage", params)

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return await self._send("sendPhoto", params)

    async def _m_sendVideo(self, params: dict[str, Any]) -> Any:
        return await self._send("sendVideo", params)

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return await self._send("sendDocument", params)

    async def _m_sendAnimation(self, params: dict[str, Any]) -> Any:
        return await self._send("sendAnimation", params)

    async def _m_sendMediaGroup(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        media = params.get("media") or []
        self._record(Sent("sendMediaGroup", chat_id, params))
        out = []
        for item in media:
            message_id = next(self._message_ids[chat_id])
            kind = item.get("type", "photo")
            out.append(
                {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    kind: _media_stub(kind, item.get("media")),
                }
            )
        return out

    async def _edit(self, method: str, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        self._record(
            Sent(method, int(chat_id) if chat_id else None, params, params.get("message_id"))
        )
        if chat_id is None:
            return True
        message: dict[str, Any] = {
            "message_id": params.get("message_id"),
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": BOT_USER,
        }
        _set_text(message, params)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        return await self._edit("editMessageText", params)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return await self._edit("editMessageReplyMarkup", params)

    def _record(self, sent: Sent) -> None:
        self.sent.append(sent)
        self._sent_event.set()

    # --- adapters ----------------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        async def handle(request: httpx.Request) -> httpx.Response:
            method = request.url.path.rstrip("/").rsplit("/", 1)[-1]
            body = await request.aread()
            params = parse_body(request.headers.get("content-type", ""), body)
            try:
                status, payload = await self.call(method, params)
            except ConnectionResetError as error:
                raise httpx.RemoteProtocolError(str(error), request=request) from error
            return httpx.Response(status, json=payload)

        return httpx.MockTransport(handle)


def _update_kinds(update: dict[str, Any]) -> set[str]:
    return {key for key in update if key != "update_id"}


def _scope_type(params: dict[str, Any]) -> str:
    scope = params.get("scope")
    return str(scope.get("type") or "default") if isinstance(scope, dict) else "default"


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def _set_text(message: dict[str, Any], params: dict[str, Any]) -> None:
    text = str(params.get("text", ""))
    if params.get("parse_mode") == "HTML":
        text, entities = render_html(text)
        if entities:
            message["entities"] = entities
    message["text"] = text


def _media_stub(kind: str, ref: Any) -> Any:
    file_id = ref if isinstance(ref, str) else "uploaded"
    stub = {"file_id": file_id, "file_unique_id": f"u-{file_id}"[:32]}
    if kind == "photo":
        return [{**stub, "width": 800, "height": 600}]
    if kind == "document" and isinstance(ref, dict):
        return {**stub, "file_name": ref.get("filename", "file")}
    if kind in ("video", "animation"):
        return {**stub, "width": 640, "height": 480, "duration": 3}
    return stub


class StandinServer:
    """`FakeBotApi` over HTTP/1.1 on loopback, for a bot running as a separate process."""

    def __init__(self, api: FakeBotApi, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self.token_seen: set[str] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    async def start(self) -> StandinServer:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def disconnect(self) -> None:
        """The network goes down: stop listening and drop every open connection (`start`
        again, on the same port, brings it back)."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        await self.stop()

    async def __aenter__(self) -> StandinServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                _verb, target, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                path = urlsplit(target).path
                segments = path.strip("/").split("/")
                if len(segments) >= 2:
                    self.token_seen.add(segments[-2])
                method = segments[-1]
                params = parse_body(headers.get("content-type", ""), body)
                try:
                    status, payload = await self.api.call(method, params)
                except ConnectionResetError:
                    writer.close()
                    return
                text = json.dumps(payload)
                for placeholder, raw in self.api.raw.items():
                    text = text.replace(placeholder, raw)
                data = text.encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()


def busiest_second(instants: list[float], window: float = 1.0) -> int:
    """The most instants in any half-open window of `window` s: how Telegram's "about 30
    messages per second" is checked against what the stand-in recorded."""
    ordered = sorted(instants)
    busiest, j = 0, 0
    for i, t in enumerate(ordered):
        while ordered[j] <= t - window:
            j += 1
        busiest = max(busiest, i - j + 1)
    return busiest


# --- updates as Telegram sends them ----------------------------------------------------------
_message_ids = itertools.count(1)


def user(
    user_id: int, language_code: str | None = "en", first_name: str = "Anna"
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code is not None:
        data["language_code"] = language_code
    return data


def _message(
    sender: dict[str, Any], chat: dict[str, Any] | None = None, **content: Any
) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat or {"id": sender["id"], "type": "private", "first_name": sender["first_name"]},
        "from": sender,
        **content,
    }


def group_chat(
    chat_id: int = -1001234567890, chat_type: str = "supergroup", title: str = "Buyers' club"
) -> dict[str, Any]:
    """A group, supergroup or channel, as Telegram describes it in an update."""
    return {"id": chat_id, "type": chat_type, "title": title}


def text_update(
    sender: dict[str, Any], text: str, *, chat: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A text message in the sender's private chat, or in `chat` (see `group_chat`)."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"message": _message(sender, chat, **content)}


def forwarded(update: dict[str, Any], sender_name: str = "Shop") -> dict[str, Any]:
    """`update`'s message as forwarded from someone whose account is hidden (as a seller's
    message forwarded from another chat arrives)."""
    update["message"]["forward_origin"] = {
        "type": "hidden_user",
        "sender_user_name": sender_name,
        "date": 1_700_000_000,
    }
    return update


def channel_post_update(text: str, chat: dict[str, Any] | None = None) -> dict[str, Any]:
    """A post in a channel the bot is a member of: no sender, the channel signs it."""
    chat = chat or group_chat(-1009876543210, "channel", "Deals")
    post = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat,
        "sender_chat": chat,
        "text": text,
    }
    return {"channel_post": post}


def my_chat_member_update(
    sender: dict[str, Any], chat: dict[str, Any], old: str = "left", new: str = "member"
) -> dict[str, Any]:
    """`sender` changed the bot's membership in `chat` (e.g. added it to a group)."""

    def member(status: str) -> dict[str, Any]:
        extra: dict[str, Any] = {"until_date": 0} if status == "kicked" else {}
        if status == "administrator":
            extra = {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": False,
                "can_manage_video_chats": False,
                "can_restrict_members": False,
                "can_promote_members": False,
                "can_change_info": False,
                "can_invite_users": False,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        return {"status": status, "user": BOT_USER, **extra}

    return {
        "my_chat_member": {
            "chat": chat,
            "from": sender,
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }


def edited_text_update(sender: dict[str, Any], text: str) -> dict[str, Any]:
    message = _message(sender, text=text)
    message["edit_date"] = int(time.time())
    return {"edited_message": message}


def callback_update(
    sender: dict[str, Any],
    data: str,
    message: Sent | None = None,
    *,
    chat: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button press on `message` in the sender's private chat, or on a message in `chat`."""
    origin: dict[str, Any] = {
        "message_id": message.message_id if message and message.message_id else 1,
        "date": int(time.time()),
        "chat": chat or {"id": sender["id"], "type": "private"},
        "from": BOT_USER,
    }
    # As Telegram shows the pressed message: its text without markup, the markup as entities.
    _set_text(origin, message.params if message else {})
    return {
        "callback_query": {
            "id": str(next(_message_ids)),
            "from": sender,
            "chat_instance": str(sender["id"]),
            "data": data,
            "message": origin,
        }
    }


def photo_update(
    sender: dict[str, Any],
    unique_id: str,
    *,
    size: int = 150_000,
    media_group_id: str | None = None,
    caption: str | None = None,
) -> dict[str, Any]:
    sizes = [
        {
            "file_id": f"small-{unique_id}",
            "file_unique_id": f"s{unique_id}",
            "width": 90,
            "height": 90,
            "file_size": 2_000,
        },
        {
            "file_id": f"photo-{unique_id}",
            "file_unique_id": unique_id,
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]
    content: dict[str, Any] = {"photo": sizes}
    if media_group_id:
        content["media_group_id"] = media_group_id
    if caption:
        content["caption"] = caption
    return {"message": _message(sender, **content)}


def video_update(
    sender: dict[str, Any], unique_id: str, *, size: int = 5_000_000, mime_type: str = "video/mp4"
) -> dict[str, Any]:
    video = {
        "file_id": f"video-{unique_id}",
        "file_unique_id": unique_id,
        "width": 640,
        "height": 480,
        "duration": 12,
        "file_size": size,
        "mime_type": mime_type,
    }
    return {"message": _message(sender, video=video)}


def document_update(
    sender: dict[str, Any], unique_id: str, *, mime_type: str, file_name: str, size: int
) -> dict[str, Any]:
    document = {
        "file_id": f"doc-{unique_id}",
        "file_unique_id": unique_id,
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": size,
    }
    return {"message": _message(sender, document=document)}


def sticker_update(sender: dict[str, Any]) -> dict[str, Any]:
    sticker = {
        "file_id": "sticker-1",
        "file_unique_id": "st1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return {"message": _message(sender, sticker=sticker)}


def voice_update(sender: dict[str, Any]) -> dict[str, Any]:
    voice = {"file_id": "voice-1", "file_unique_id": "vo1", "duration": 3}
    return {"message": _message(sender, voice=voice)}


def location_update(sender: dict[str, Any]) -> dict[str, Any]:
    return {"message": _message(sender, location={"latitude": 55.75, "longitude": 37.61})}


def contact_update(sender: dict[str, Any]) -> dict[str, Any]:
    contact = {"phone_number": "+70000000000", "first_name": "Ivan"}
    return {"message": _message(sender, contact=contact)}
