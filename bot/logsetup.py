"""Logging with the bot token redacted from every line, at every level, tracebacks included.

The token reaches logs in two ways: httpx (and PTB at DEBUG) log request URLs, which contain
`/bot<token>/`, and exceptions from the network layer carry those URLs in their messages. A
filter on the message alone would miss formatted tracebacks, so redaction happens in the
formatter, on the final text, and in a filter for handlers that bring their own formatter.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
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


class RedactingFilter(logging.Filter):
    """Rewrites the record itself, so handlers with other formatters get clean text too."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = self._redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, secrets: Iterable[str], stream: object = None) -> Redactor:
    """Root logging to stderr with redaction; quiet chatty libraries unless DEBUG was asked for."""
    redactor = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
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
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return redactor
