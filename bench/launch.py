"""`python -m bot` with benchmark-only changes to how the Application is built.

BENCH_BUILD_KWARGS (JSON object) is passed to `bot.app.build_application` as keyword
arguments, e.g. `{"rate_limit": false}` to run without the outgoing budget and the inbound
flood guard (bot/ratelimit.py, bot/flood.py; the bot has no setting that turns off both, as
OUTGOING_RATE_LIMIT=0 leaves the per-chat limit), or `{"concurrency": 32}`. Unknown keywords fail
loudly instead of being ignored. Everything else is exactly `python -m bot`.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys

import bot.app
from bot.__main__ import main


def patch_build_application() -> None:
    kwargs = json.loads(os.environ.get("BENCH_BUILD_KWARGS") or "{}")
    accepted = inspect.signature(bot.app.build_application).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        print(f"BENCH_BUILD_KWARGS: build_application has no {unknown}", file=sys.stderr)
        sys.exit(2)
    if kwargs:
        bot.app.build_application = functools.partial(bot.app.build_application, **kwargs)


if __name__ == "__main__":
    patch_build_application()
    sys.exit(main())
