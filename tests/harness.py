"""End-to-end harness: the real Application, its real HTTP path, an offline Bot API.

The application is built as production builds it, Bot API client included (bot/http.py's
AiohttpRequest), and talks HTTP/1.1 over loopback to `tests/standin.py`'s stand-in, served
from the test's own event loop: nothing reaches the network and no token is real.

A test talks like buyers do (`buyer.say("/start")`, `buyer.press("English")`,
`buyer.photo(...)`) and reads what they would see (`replies[-1].text`, `.buttons`).
`restart()` stops the application the way `run_polling` does and builds a new one on the same
database, so durability and resumption are tested through the same path as production.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.context import DisputeApplication
from tests import standin
from tests.standin import FakeBotApi, Sent, StandinServer

NEW_MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendVideo", "sendDocument", "sendAnimation", "sendMediaGroup"}
)
# What changes what the buyer sees at the bottom of the chat: a new message, or a prompt
# edited in place into the next question.
VISIBLE_METHODS = NEW_MESSAGE_METHODS | {"editMessageText"}
TEST_TOKEN = "123456789:AAHtest-token_for-offline-tests-0123456789"


class FakeClock:
    """A clock tests move by hand; every instant is UTC-aware."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


def make_settings(db: Path | str, **overrides: Any) -> Settings:
    """Settings for a bot on ``db``: a SQLite file's path, or a postgresql:// URL."""
    settings = Settings(
        token=TEST_TOKEN,
        api_base_url="http://standin.invalid/bot",
        api_file_url="http://standin.invalid/file/bot",
        database_path=db if isinstance(db, Path) else Path("unused.sqlite3"),
        database_url=db if isinstance(db, str) else None,
    )
    return replace(settings, **overrides)


class Harness:
    def __init__(
        self,
        db_path: Path | str,
        *,
        clock: FakeClock | None = None,
        api: FakeBotApi | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.db_path = db_path
        self.clock = clock or FakeClock()
        self.api = api or FakeBotApi()
        self.settings = settings or make_settings(db_path)
        self.app: DisputeApplication | None = None
        self.server: StandinServer | None = None

    async def start(self) -> Harness:
        self.server = await StandinServer(self.api).start()
        settings = replace(
            self.settings,
            api_base_url=self.server.base_url,
            api_file_url=self.server.base_url.replace("/bot", "/file/bot"),
        )
        app = build_application(settings, clock=self.clock, rate_limit=False)
        # The same sequence as Application.run_polling, minus the network polling.
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        self.app = app
        return self

    async def stop(self) -> None:
        app, self.app = self.app, None
        try:
            if app is not None:
                if app.running:
                    await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
                await app.shutdown()
                if app.post_shutdown:
                    await app.post_shutdown(app)
        finally:
            server, self.server = self.server, None
            if server is not None:
                await server.stop()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def __aenter__(self) -> Harness:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def send(self, update: dict[str, Any]) -> list[Sent]:
        """Process one update to completion; return what the bot sent while doing it."""
        assert self.app is not None, "harness not started"
        before = len(self.api.sent)
        data = {**update, "update_id": self.api.next_update_id()}
        await self.app.process_update(Update.de_json(data, self.app.bot))
        # Concurrent calls (answer, edit, send) may land in any order; put new messages last so
        # that `replies[-1]` is what the buyer reads at the bottom of the chat.
        return sorted(self.api.sent[before:], key=_bottom_last)

    def buyer(
        self, user_id: int = 1001, language_code: str | None = "en", first_name: str = "Anna"
    ) -> Buyer:
        return Buyer(self, standin.user(user_id, language_code, first_name))


def _bottom_last(sent: Sent) -> int:
    """Callback answers (toasts) first, then edits, then new messages: the chat's bottom."""
    if sent.method in NEW_MESSAGE_METHODS:
        return 2
    return 1 if sent.method in VISIBLE_METHODS else 0


class Buyer:
    """One person in a private chat with the bot."""

    def __init__(self, harness: Harness, user: dict[str, Any]) -> None:
        self.harness = harness
        self.user = user

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def seen(self) -> list[Sent]:
        return self.harness.api.sent_to(self.id)

    @property
    def last(self) -> Sent:
        messages = [s for s in self.seen if s.method in VISIBLE_METHODS]
        assert messages, "the bot has sent this buyer nothing"
        return messages[-1]

    async def say(self, text: str) -> list[Sent]:
        return await self.harness.send(standin.text_update(self.user, text))

    async def edit(self, text: str) -> list[Sent]:
        return await self.harness.send(standin.edited_text_update(self.user, text))

    async def press_data(self, data: str, message: Sent | None = None) -> list[Sent]:
        return await self.harness.send(standin.callback_update(self.user, data, message))

    async def press(self, label: str) -> list[Sent]:
        """Press the newest button whose text contains `label`, as a thumb would."""
        for sent in reversed(self.seen):
            for text, data in sent.buttons:
                if label in text:
                    return await self.press_data(data, sent)
        available = [t for s in self.seen[-3:] for t, _ in s.buttons]
        raise AssertionError(f"no button {label!r} in the latest messages; have {available}")

    async def photo(self, unique_id: str, **kwargs: Any) -> list[Sent]:
        return await self.harness.send(standin.photo_update(self.user, unique_id, **kwargs))

    async def send(self, update: dict[str, Any]) -> list[Sent]:
        return await self.harness.send(update)

    def answers(self, sent: list[Sent]) -> list[str]:
        """Callback-query answers (toasts) among `sent`."""
        return [str(s.params.get("text", "")) for s in sent if s.method == "answerCallbackQuery"]


def texts(sent: list[Sent]) -> list[str]:
    return [s.text for s in sent if s.method != "answerCallbackQuery"]
