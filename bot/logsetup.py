"""Logging with the bot token redacted from every line, at every level, tracebacks included.

The token reaches logs in two ways: httpx (and PTB at DEBUG) log request URLs, which contain
`/bot<token>/`, and exceptions from the network layer carry those URLs in their messages. A
filter on the message alone would miss formatted tracebacks, so redaction happens in the
formatter, on the final text, and in a filter for handlers that bring their own formatter.

`LOG_FORMAT=json` writes one JSON object per line for log collectors: time, level, logger,
message, and while an update is being handled its id, its chat's id and the milliseconds since
the bot took it (from `bot.concurrency.CURRENT_UPDATE`); a traceback goes in `exc`. Each field
is redacted before it is encoded, so a replacement can never break the JSON.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

REDACTED = "[REDACTED]"


class Redactor:
    """Replaces each secret, in its plain and URL-encoded forms, with a fixed marker."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret, safe=""), quote(secret, safe=":")})
                # The part after the colon is the actual secret; the bot id alone is public.
                _, _, tail = secret.partition(":")
                if len(tail) >= 16:
                    forms.add(tail)
        # Longest first so that a longer form is never half-replaced by a shorter one.
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor, fmt: str | None = None) -> None:
        super().__init__(fmt)
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def _message(record: logging.LogRecord) -> str:
    """The record's text; a broken format string must not hide (or lose) the record."""
    try:
        return record.getMessage()
    except Exception:
        return str(record.msg)


def _format_exception(record: logging.LogRecord, formatter: logging.Formatter) -> None:
    """Fill `exc_text` from `exc_info` once, so every handler redacts the same text."""
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)


class RedactingFilter(logging.Filter):
    """Rewrites the record itself, so handlers with other formatters get clean text too."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redact(_message(record))
        record.args = None
        _format_exception(record, logging.Formatter())
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside fields are escaped)."""

    def __init__(self, redactor: Redactor, context: Callable[[], Mapping[str, Any]] = dict) -> None:
        super().__init__()
        self._redact = redactor
        self._context = context

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        data: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(_message(record)),
            **self._context(),
        }
        _format_exception(record, self)
        if record.exc_text:
            data["exc"] = self._redact(record.exc_text)
        if record.stack_info:
            data["stack"] = self._redact(self.formatStack(record.stack_info))
        return json.dumps(data, ensure_ascii=False, default=str)


def current_update_fields() -> dict[str, Any]:
    """The update being handled, for a log line: ids and milliseconds since it was taken."""
    # Imported here, not at the top: bot.concurrency brings in python-telegram-bot, and this
    # module is imported before the settings are read, which `--help` and a configuration
    # error answer without loading the bot.
    from bot.concurrency import CURRENT_UPDATE

    info = CURRENT_UPDATE.get()
    if info is None:
        return {}
    fields: dict[str, Any] = {"latency_ms": round((time.monotonic() - info.started) * 1000, 1)}
    if info.update_id is not None:
        fields["update_id"] = info.update_id
    if info.chat_id is not None:
        fields["chat_id"] = info.chat_id
    return fields


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(
    level: str, secrets: Iterable[str], stream: object = None, *, fmt: str = "text"
) -> Redactor:
    """Root logging to stderr with redaction; quiet chatty libraries unless DEBUG was asked for.

    `fmt`: "text" (one readable line per record) or "json" (`JsonFormatter`).
    """
    redactor = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    if fmt == "json":
        handler.setFormatter(JsonFormatter(redactor, current_update_fields))
    else:
        handler.setFormatter(RedactingFormatter(redactor, LOG_FORMAT))
    handler.addFilter(RedactingFilter(redactor))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # aiosqlite logs every statement with its parameters (buyers' answers) at DEBUG: keep
    # buyers' words out of logs even when an operator turns DEBUG on to chase a bug.
    logging.getLogger("aiosqlite").setLevel(max(root.level, logging.INFO))
    if level != "DEBUG":
        # httpx logs every request URL at INFO; the URL contains the token (redacted anyway).
        logging.getLogger("httpx").setLevel(logging.WARNING)
    return redactor
