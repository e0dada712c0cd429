"""Wizard throughput and latency, end to end, against a minimal python-telegram-bot baseline.

The bot runs as a real process (`python -m bot`) talking HTTP/1.1 over loopback to the Bot API
stand-in served from this process; simulated buyers push updates into the stand-in (served by
getUpdates long polling, which returns as soon as an update exists) and read the bot's replies
from it. Every update of the wizard gets exactly one reply in that chat (a new message, or the
pressed prompt edited into the next question: bench.common.is_reply), so a buyer's n-th reply
answers its n-th update.

Closed loop: K buyers at once, each sends its next update only when the reply to the previous
one has arrived, and presses buttons by label from that reply as tests do. Half the buyers take
the "received" branch (17 updates: /new, order, item, amount, protection, Yes, reason, receipt
confirmed, when, refund option, description, 3 photos, Done, Confirm, opened today), half the
"not received" one (12 updates: ... No, reason, description, 2 photos, Done, Confirm, today).
The baseline (bench/baseline_bot.py) is driven by the same buyers through its six steps
(/start and six answers).

Open loop: 200 buyers, each sending at Poisson instants (together 50 updates/s), cycling
through disputes; a buyer still waits for the reply before its next update (it needs the
buttons), but latency is measured from the instant the update was due, not from when it was
pushed, so a slow bot cannot hide its queue (no coordinated omission).

Per run: updates/s (answered updates / elapsed), p50/p99 from push to the matching
sendMessage (as recorded by the stand-in, i.e. after its delay), CPU seconds of the bot
process per update (/proc/<pid>/stat utime+stime), and the harness's own CPU for reference.
A run is cut after --limit seconds; a cut run reports what it answered so far, and latencies
of updates still waiting at the cut count as their age then (percentiles marked ">=").

    .venv/bin/python -m bench.wizard                 # defaults, about 3 minutes
    .venv/bin/python -m bench.wizard --limit 0       # every buyer finishes (long at 80 ms)
    .venv/bin/python -m bench.wizard --buyers 200 --delays 80 --bots ours,ours-nolimit
    .venv/bin/python -m bench.wizard --bots ours --bot-kwargs '{"concurrency": 32}'
    .venv/bin/python -m bench.wizard --buyers '' --open-rate 0 --bots ours --flood 500

Flood (--flood N): --flood-buyers buyers walk the wizard, each thinking --think s after a reply,
for two windows of --flood-window s; at the start of the second a flooder sends N messages at
once. Reported: the others' latency p50/p99 without and with the flood (and with it, split
into the first second, when their updates sit behind the flood in the update queue, and the
rest), what the flooder got, and the busiest second of all messages together.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    BenchApi,
    BotProcess,
    fmt,
    percentile,
    ratio,
    table,
    write_results,
)
from tests import standin
from tests.standin import Sent, StandinServer

REPLY_TIMEOUT = 120.0  # a reply later than this counts as lost (an error)


@dataclass(frozen=True)
class Step:
    kind: str  # "say", "press" (a button label in the previous reply), "photo"
    arg: str
    expect: str = ""  # a substring the reply must contain, when there is a cheap check


def wizard_script(buyer: int, n: int, received: bool) -> list[Step]:
    """One full dispute; `n` makes the order number (and photo ids) unique per dispute."""
    order = f"8{buyer:07d}{n:08d}"
    steps = [
        Step("say", "/new", "Step 1 of 10"),
        Step("say", order, "Step 2 of 10"),
        Step("say", "Bluetooth headphones", "Step 3 of 10"),
        Step("say", "11.73 USD", "Step 4 of 10"),
        Step("say", "23", "Step 5 of 10"),
    ]
    if received:
        # The reason adds its facts for the English text: the damaged part, the packaging,
        # and whether the seller was asked first; confirming receipt asks when.
        steps += [
            Step("press", "Yes, I received it", "Step 6 of 11"),
            Step("press", "Damaged in shipping", "confirm receipt"),
            Step("press", "Yes, I confirmed", "When did you confirm"),
            Step("say", "yesterday", "Step 9 of 15"),
            Step("press", "Keep the item, full refund", "Step 10 of 15"),
            Step("say", "The box was crushed and the case is cracked.", "Step 11 of 15"),
            Step("say", "case", "Step 12 of 15"),
            Step("press", "Skip the rest", "Step 14 of 15"),
            *(Step("photo", f"{order}-{i}", "Saved") for i in range(3)),
        ]
        last = "Step 15 of 15"
    else:
        steps += [
            Step("press", "No, I did not receive it", "Step 6 of 10"),
            Step("press", "Held at customs", "When did the seller ship"),
            Step("say", "25 days ago", "Step 8 of 14"),
            Step("say", "The parcel has been stuck at customs for three weeks.", "Step 9 of 14"),
            Step("press", "Skip the rest", "Step 13 of 14"),
            *(Step("photo", f"{order}-{i}", "Saved") for i in range(2)),
        ]
        last = "Step 14 of 14"
    steps += [
        Step("press", "Done", last),
        Step("press", "Confirm", "How to open it"),
        Step("press", "I have opened it on AliExpress today", "must answer by"),
    ]
    return steps


def baseline_script(buyer: int, n: int, received: bool) -> list[Step]:
    return [
        Step("say", "/start", "Step 1 of 6"),
        Step("say", f"8{buyer:07d}{n:08d}", "Step 2 of 6"),
        Step("say", "Bluetooth headphones", "Step 3 of 6"),
        Step("say", "11.73 USD", "Step 4 of 6"),
        Step("say", "Yes" if received else "No", "Step 5 of 6"),
        Step("say", "Damaged in shipping" if received else "Held at customs", "Step 6 of 6"),
        Step("say", "The box was crushed and the case is cracked.", "saved"),
    ]


@dataclass(frozen=True)
class Variant:
    module: str
    script: Callable[[int, int, bool], list[Step]]
    build_kwargs: dict[str, Any] = field(default_factory=dict)
    env: Callable[[], dict[str, str]] = dict


def before_tree() -> dict[str, str]:
    """The bot of another checkout (BENCH_BEFORE: a directory holding an earlier commit's
    tree, e.g. `git archive <commit> | tar -x -C DIR`), to measure a change before/after."""
    tree = os.environ.get("BENCH_BEFORE")
    if not tree:
        raise SystemExit("the 'before-nolimit' bot needs BENCH_BEFORE=<a checkout's directory>")
    return {"PYTHONPATH": tree}


VARIANTS = {
    # The bot exactly as production runs it (python -m bot: the outgoing budget, 30/s overall
    # and about 1/s per chat, and the inbound flood guard).
    "ours": Variant("bot", wizard_script),
    # The same without either (bench/launch.py): the bot's own ceiling, i.e. its headroom.
    "ours-nolimit": Variant("bench.launch", wizard_script, {"rate_limit": False}),
    # ours-nolimit as an earlier commit had it (BENCH_BEFORE): pair it with `--against`.
    "before-nolimit": Variant("bench.launch", wizard_script, {"rate_limit": False}, before_tree),
    "baseline": Variant("bench.baseline_bot", baseline_script),
}


class Buyer:
    """One simulated buyer: builds its updates and reads its replies from the stand-in."""

    def __init__(self, api: BenchApi, user_id: int, script: Callable[..., list[Step]]) -> None:
        self.api = api
        self.user = standin.user(user_id, "en")
        self.id = user_id
        self.script = script
        self.last: Sent | None = None
        self.mismatches: list[str] = []

    def steps(self, *, cycle: bool) -> Iterator[Step]:
        """Its dispute(s): alternate branches by buyer and dispute number."""
        n = 0
        while True:
            yield from self.script(self.id, n, (self.id + n) % 2 == 0)
            n += 1
            if not cycle:
                return

    def update(self, step: Step) -> dict[str, Any]:
        if step.kind == "say":
            return standin.text_update(self.user, step.arg)
        if step.kind == "photo":
            return standin.photo_update(self.user, step.arg)
        assert self.last is not None, "a button press needs a previous reply"
        for label, data in self.last.buttons:
            if step.arg in label:
                return standin.callback_update(self.user, data, self.last)
        raise LookupError(f"no button {step.arg!r} in {[t for t, _ in self.last.buttons]}")

    async def reply(self) -> Sent:
        sent = await asyncio.wait_for(self.api.replies[self.id].get(), REPLY_TIMEOUT)
        self.last = sent
        return sent

    def check(self, step: Step, sent: Sent) -> None:
        if step.expect and step.expect not in sent.text and len(self.mismatches) < 3:
            self.mismatches.append(f"{step.kind} {step.arg!r}: got {sent.text[:80]!r}")


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)  # answered: reply - push (or - due)
    raw: list[float] = field(default_factory=list)  # answered: reply - push (open loop)
    censored: list[float] = field(default_factory=list)  # still waiting at the cut: age then
    first_push: float = math.inf
    last_reply: float = 0.0
    errors: list[str] = field(default_factory=list)

    def pct(self, q: float) -> tuple[float, bool]:
        """Percentile over answered and censored updates; True when it is only a lower bound."""
        merged = sorted([(v, False) for v in self.latencies] + [(v, True) for v in self.censored])
        if not merged:
            return math.nan, False
        rank = max(1, math.ceil(q / 100 * len(merged)))
        value, _ = merged[rank - 1]
        # A waiting update's true latency is at least its age: if any sits at or below this
        # rank, the true percentile may be higher than the value shown.
        return value, any(c for _, c in merged[:rank])


def fmt_ms(value: tuple[float, bool]) -> str:
    seconds, lower_bound = value
    return ("≥" if lower_bound else "") + fmt(seconds * 1000, 0)


async def exchange(
    api: BenchApi,
    buyer: Buyer,
    step: Step,
    samples: Samples,
    waiting: dict[int, float],
    since: float | None = None,
) -> tuple[float, Sent] | None:
    """Push the buyer's update for `step` and wait for its reply; returns (pushed, reply), or
    None when the script cannot go on (recorded as an error). While it waits, the buyer is in
    `waiting` since `since` (default: the push), so a cut run can count its age."""
    try:
        update = buyer.update(step)
    except LookupError as error:
        samples.errors.append(f"buyer {buyer.id}: {error}")
        return None
    pushed = api.push(update)
    samples.first_push = min(samples.first_push, pushed)
    waiting[buyer.id] = pushed if since is None else since
    sent = await buyer.reply()
    del waiting[buyer.id]
    buyer.check(step, sent)
    samples.last_reply = max(samples.last_reply, sent.at)
    return pushed, sent


async def closed_loop(api: BenchApi, buyers: list[Buyer], limit: float) -> tuple[Samples, bool]:
    """Every buyer runs its script to the end (or to the cut); returns (samples, completed)."""
    samples = Samples()
    start = time.monotonic()
    cut_at = start + limit if limit > 0 else math.inf
    waiting: dict[int, float] = {}

    async def run(buyer: Buyer) -> None:
        for step in buyer.steps(cycle=False):
            if time.monotonic() >= cut_at:
                return
            answered = await exchange(api, buyer, step, samples, waiting)
            if answered is None:
                return
            pushed, sent = answered
            samples.latencies.append(sent.at - pushed)

    tasks = [asyncio.create_task(run(b)) for b in buyers]
    timeout = None if math.isinf(cut_at) else max(0.0, cut_at - time.monotonic())
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    now = time.monotonic()
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception() is not None:
            samples.errors.append(repr(task.exception()))
    samples.censored = [now - pushed for pushed in waiting.values()]
    if pending:
        samples.last_reply = now
    return samples, not pending


async def open_loop(
    api: BenchApi, buyers: list[Buyer], rate: float, duration: float, grace: float
) -> Samples:
    """Poisson arrivals at `rate` updates/s in total; latency from the instant each was due."""
    samples = Samples()
    start = time.monotonic()
    stop_issuing = start + duration
    per_buyer = rate / len(buyers)
    waiting: dict[int, float] = {}
    rng = random.Random(7)

    async def run(buyer: Buyer, steps: Iterator[Step]) -> None:
        due = start + rng.expovariate(per_buyer)
        for step in steps:
            if due >= stop_issuing:
                return
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            answered = await exchange(api, buyer, step, samples, waiting, since=due)
            if answered is None:
                return
            pushed, sent = answered
            samples.latencies.append(sent.at - due)
            samples.raw.append(sent.at - pushed)
            due += rng.expovariate(per_buyer)

    tasks = [asyncio.create_task(run(b, s)) for b, s in _positions(buyers)]
    done, pending = await asyncio.wait(tasks, timeout=duration + grace)
    now = time.monotonic()
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception() is not None:
            samples.errors.append(repr(task.exception()))
    samples.censored = [now - due for due in waiting.values()]
    return samples


_POSITIONS: dict[int, Iterator[Step]] = {}


def _positions(buyers: list[Buyer]) -> list[tuple[Buyer, Iterator[Step]]]:
    return [(b, _POSITIONS.pop(b.id, None) or b.steps(cycle=True)) for b in buyers]


async def warm_up(api: BenchApi, buyers: list[Buyer], within: float, seed: int = 11) -> int:
    """Move each buyer a random number of steps into its dispute (closed loop), so that the
    measured open-loop window sees every step, not only the first few; buyers stop where they
    are after `within` seconds (a slow bot gets a less even mix). Returns updates answered."""
    rng = random.Random(seed)
    count = 0
    stop_at = time.monotonic() + within

    async def run(buyer: Buyer) -> None:
        nonlocal count
        steps = buyer.steps(cycle=True)
        _POSITIONS[buyer.id] = steps
        for _ in range(rng.randrange(0, 15)):
            if time.monotonic() >= stop_at:
                return
            step = next(steps)
            api.push(buyer.update(step))
            await buyer.reply()
            count += 1

    await asyncio.gather(*(run(b) for b in buyers))
    return count


@dataclass
class Result:
    mode: str
    bot: str
    delay_ms: int
    buyers: int
    updates: int
    completed: bool
    seconds: float
    updates_per_s: float
    p50_ms: float
    p50_lower_bound: bool
    p99_ms: float
    p99_lower_bound: bool
    cpu_ms_per_update: float
    harness_cpu_ms_per_update: float
    ready_s: float
    errors: list[str]
    api_calls_per_update: float = math.nan  # Bot API calls other than getUpdates
    offered_per_s: float | None = None
    raw_p99_ms: float | None = None
    warmup_updates: int | None = None
    busiest_second: int = 0  # most messages that reached the stand-in in one second


def summarise(
    mode: str,
    bot_name: str,
    delay: float,
    k: int,
    samples: Samples,
    completed: bool,
    cpu: float,
    harness_cpu: float,
    ready: float,
    buyers: list[Buyer],
) -> Result:
    n = len(samples.latencies)
    elapsed = max(1e-9, samples.last_reply - samples.first_push) if n else math.nan
    p50, p50_lb = samples.pct(50)
    p99, p99_lb = samples.pct(99)
    errors = samples.errors + [m for b in buyers for m in b.mismatches]
    return Result(
        mode=mode,
        bot=bot_name,
        delay_ms=round(delay * 1000),
        buyers=k,
        updates=n,
        completed=completed,
        seconds=elapsed,
        updates_per_s=n / elapsed if n else math.nan,
        p50_ms=p50 * 1000,
        p50_lower_bound=p50_lb,
        p99_ms=p99 * 1000,
        p99_lower_bound=p99_lb,
        cpu_ms_per_update=cpu / n * 1000 if n else math.nan,
        harness_cpu_ms_per_update=harness_cpu / n * 1000 if n else math.nan,
        ready_s=ready,
        errors=errors[:10],
    )


_RUNS = itertools.count(1)  # every run gets a fresh directory and database


async def one_run(
    bot_name: str,
    delay: float,
    k: int,
    args: argparse.Namespace,
    workroot: Path,
    *,
    open_rate: float | None = None,
) -> Result:
    api = BenchApi(delay=delay)
    async with StandinServer(api) as server:
        workdir = workroot / (
            f"{bot_name}-{round(delay * 1000)}ms-{k}-{open_rate or 'closed'}-{next(_RUNS)}"
        )
        variant = VARIANTS[bot_name]
        profile = ("-m", "cProfile", "-o", str(args.profile)) if args.profile else ()
        kwargs = {**variant.build_kwargs, **(args.bot_kwargs if bot_name != "baseline" else {})}
        env = {"BENCH_BUILD_KWARGS": json.dumps(kwargs)} if kwargs else {}
        env.update(variant.env())
        module = "bench.launch" if kwargs else variant.module
        proc = BotProcess(server, workdir, module=module, env=env, python_args=profile)
        ready = await proc.start()
        try:
            await asyncio.sleep(0.2)  # let start-up work (command menus, first poll) settle
            buyers = [Buyer(api, 100_000 + i, variant.script) for i in range(k)]
            warm = None
            if open_rate is not None and args.warmup:
                api.delay = 0.0
                warm = await warm_up(api, buyers, args.warmup_seconds)
                api.delay = delay
            calls0 = api_calls(api)
            cpu0, h0 = proc.cpu(), time.process_time()
            if open_rate is None:
                samples, completed = await closed_loop(api, buyers, args.limit)
            else:
                samples = await open_loop(api, buyers, open_rate, args.open_seconds, args.grace)
                completed = not samples.censored
            cpu, harness_cpu = proc.cpu() - cpu0, time.process_time() - h0
            calls = api_calls(api) - calls0
            busiest = api.busiest_second(since=samples.first_push)
        finally:
            await proc.stop(within=60 if args.profile else 3)
            api.close()
            await asyncio.sleep(0.1 + 2 * delay)  # calls in flight finish against a closed peer
    mode = "closed" if open_rate is None else "open"
    result = summarise(
        mode, bot_name, delay, k, samples, completed, cpu, harness_cpu, ready, buyers
    )
    result.api_calls_per_update = calls / result.updates if result.updates else math.nan
    result.busiest_second = busiest
    if open_rate is not None:
        result.offered_per_s = open_rate
        result.raw_p99_ms = percentile(samples.raw, 99) * 1000
        result.warmup_updates = warm
    return result


@dataclass
class FloodResult:
    """Buyers walking the wizard, first without and then with a buyer flooding the bot."""

    bot: str
    delay_ms: int
    buyers: int
    think_s: float
    flood: int
    window_s: float
    quiet_updates: int
    quiet_p50_ms: float
    quiet_p99_ms: float
    flood_updates: int
    flood_p50_ms: float
    flood_p99_ms: float
    behind_p50_ms: float  # updates pushed in the first second of the flood
    behind_p99_ms: float
    later_p50_ms: float  # updates pushed later in the flood window
    later_p99_ms: float
    flooder_replies: int
    flooder_notices: int
    flooder_last_reply_s: float
    busiest_second: int
    errors: list[str]


SLOW_DOWN = "Slow down a little"


async def flood_run(bot_name: str, args: argparse.Namespace, workroot: Path) -> FloodResult:
    """`--flood-buyers` buyers walk the wizard (cycling disputes), each waiting for the reply
    and then `--think` s before the next step, for two windows of `--flood-window` s; at the
    start of the second one a flooder pushes `--flood` messages at once. Latency from push to
    the reply, for updates pushed in each window."""
    delay = args.flood_delay / 1000
    api = BenchApi(delay=delay)
    variant = VARIANTS[bot_name]
    rng = random.Random(5)
    samples = Samples()
    pairs: list[tuple[float, float]] = []  # (pushed, latency)
    flooder = standin.user(99_000, "en")
    async with StandinServer(api) as server:
        workdir = workroot / f"flood-{bot_name}-{next(_RUNS)}"
        env = (
            {"BENCH_BUILD_KWARGS": json.dumps(variant.build_kwargs)} if variant.build_kwargs else {}
        )
        module = "bench.launch" if variant.build_kwargs else variant.module
        proc = BotProcess(server, workdir, module=module, env=env)
        await proc.start()
        try:
            await asyncio.sleep(0.2)
            buyers = [Buyer(api, 100_000 + i, variant.script) for i in range(args.flood_buyers)]
            start = time.monotonic()
            flood_at = start + args.flood_window
            end = flood_at + args.flood_window

            async def walk(buyer: Buyer) -> None:
                await asyncio.sleep(rng.uniform(0, args.think))
                for step in buyer.steps(cycle=True):
                    if time.monotonic() >= end:
                        return
                    answered = await exchange(api, buyer, step, samples, {})
                    if answered is None:
                        return
                    pushed, sent = answered
                    pairs.append((pushed, sent.at - pushed))
                    await asyncio.sleep(args.think)

            async def flood() -> None:
                await asyncio.sleep(max(0.0, flood_at - time.monotonic()))
                for i in range(args.flood):
                    api.push(standin.text_update(flooder, f"spam {i}"))

            tasks = [asyncio.create_task(walk(b)) for b in buyers]
            tasks.append(asyncio.create_task(flood()))
            done, pending = await asyncio.wait(tasks, timeout=end - start + 30)
            for task in pending:
                task.cancel()
            samples.errors += [repr(t.exception()) for t in done if t.exception() is not None]
            await asyncio.sleep(3.0)  # the flood's dropped updates are handled
            busiest = api.busiest_second(since=start)
        finally:
            await proc.stop(within=5)
            api.close()
            await asyncio.sleep(0.1 + 2 * delay)
    to_flooder: list[Sent] = []
    queue = api.replies[flooder["id"]]
    while not queue.empty():
        to_flooder.append(queue.get_nowait())

    def window(lo: float, hi: float) -> list[float]:
        return [lat for pushed, lat in pairs if lo <= pushed < hi]

    quiet, loud = window(start, flood_at), window(flood_at, end)
    behind, later = window(flood_at, flood_at + 1.0), window(flood_at + 1.0, end)
    return FloodResult(
        bot=bot_name,
        delay_ms=args.flood_delay,
        buyers=args.flood_buyers,
        think_s=args.think,
        flood=args.flood,
        window_s=args.flood_window,
        quiet_updates=len(quiet),
        quiet_p50_ms=percentile(quiet, 50) * 1000,
        quiet_p99_ms=percentile(quiet, 99) * 1000,
        flood_updates=len(loud),
        flood_p50_ms=percentile(loud, 50) * 1000,
        flood_p99_ms=percentile(loud, 99) * 1000,
        behind_p50_ms=percentile(behind, 50) * 1000,
        behind_p99_ms=percentile(behind, 99) * 1000,
        later_p50_ms=percentile(later, 50) * 1000,
        later_p99_ms=percentile(later, 99) * 1000,
        flooder_replies=len(to_flooder),
        flooder_notices=sum(SLOW_DOWN in s.text for s in to_flooder),
        flooder_last_reply_s=max((s.at for s in to_flooder), default=flood_at) - flood_at,
        busiest_second=busiest,
        errors=(samples.errors + [m for b in buyers for m in b.mismatches])[:10],
    )


def print_flood(results: list[FloodResult]) -> str:
    rows = [
        [
            r.bot,
            r.delay_ms,
            r.buyers,
            fmt(r.think_s, 1),
            r.flood,
            f"{r.quiet_updates} / {r.flood_updates}",
            f"{fmt(r.quiet_p50_ms, 0)} / {fmt(r.quiet_p99_ms, 0)}",
            f"{fmt(r.flood_p50_ms, 0)} / {fmt(r.flood_p99_ms, 0)}",
            f"{fmt(r.behind_p50_ms, 0)} / {fmt(r.behind_p99_ms, 0)}",
            f"{fmt(r.later_p50_ms, 0)} / {fmt(r.later_p99_ms, 0)}",
            f"{r.flooder_replies} ({r.flooder_notices} notice)",
            fmt(r.flooder_last_reply_s, 1),
            r.busiest_second,
            len(r.errors),
        ]
        for r in results
    ]
    headers = [
        "bot",
        "delay ms",
        "buyers",
        "think s",
        "flood",
        "updates without / with",
        "p50/p99 ms without",
        "p50/p99 ms with",
        "… first second",
        "… after it",
        "replies to flooder",
        "last reply s",
        "busiest 1 s",
        "errors",
    ]
    return table(headers, rows)


def api_calls(api: BenchApi) -> int:
    return sum(n for method, n in api.counts.items() if method != "getUpdates")


def print_closed(results: list[Result]) -> str:
    rows = []
    for r in results:
        rows.append(
            [
                r.bot,
                r.delay_ms,
                r.buyers,
                r.updates,
                "yes" if r.completed else f"cut {r.seconds:.0f}s",
                fmt(r.updates_per_s),
                fmt_ms((r.p50_ms / 1000, r.p50_lower_bound)),
                fmt_ms((r.p99_ms / 1000, r.p99_lower_bound)),
                fmt(r.cpu_ms_per_update, 2),
                fmt(r.api_calls_per_update, 2),
                fmt(r.harness_cpu_ms_per_update, 2),
                fmt(r.ready_s, 2),
                r.busiest_second,
                len(r.errors),
            ]
        )
    headers = [
        "bot",
        "delay ms",
        "buyers",
        "updates",
        "all done",
        "updates/s",
        "p50 ms",
        "p99 ms",
        "bot CPU ms/upd",
        "API calls/upd",
        "harness CPU ms/upd",
        "ready s",
        "busiest 1 s",
        "errors",
    ]
    return table(headers, rows)


RATIO_FIELDS = {
    "updates_per_s": "updates_per_s",
    "p50": "p50_ms",
    "p99": "p99_ms",
    "cpu_per_update": "cpu_ms_per_update",
}


def print_ratios(
    results: list[Result], against: str = "baseline"
) -> tuple[str, list[dict[str, Any]]]:
    """Ours / baseline (or ``against``) per (delay, buyers). With --repeat N, run i of ours is
    paired with run i of the baseline (they ran one after the other), and the median of the
    N paired ratios is shown with their range: the machine's drift between pairs does not
    enter a ratio."""
    by_key: dict[tuple[str, int, int], list[Result]] = defaultdict(list)
    for r in results:
        if r.mode == "closed":
            by_key[(r.bot, r.delay_ms, r.buyers)].append(r)
    rows, data = [], []
    for (bot_name, delay, k), ours in sorted(by_key.items(), key=lambda x: (x[0][1], x[0][2])):
        base = by_key.get((against, delay, k))
        if bot_name == against or base is None:
            continue
        entry: dict[str, Any] = {"bot": bot_name, "delay_ms": delay, "buyers": k}
        cells = []
        for name, attr in RATIO_FIELDS.items():
            paired = [
                ratio(getattr(o, attr), getattr(b, attr)) for o, b in zip(ours, base, strict=False)
            ]
            entry[name] = statistics.median(paired)
            entry[f"{name}_runs"] = paired
            cell = fmt(entry[name], 2) + "x"
            if len(paired) > 1:
                cell += f" ({fmt(min(paired), 2)}-{fmt(max(paired), 2)})"
            cells.append(cell)
        data.append(entry)
        rows.append([bot_name, delay, k, len(ours), *cells])
    headers = ["bot", "delay ms", "buyers", "runs", "updates/s", "p50", "p99", "CPU/update"]
    return table(headers, rows), data


def print_open(results: list[Result]) -> str:
    rows = [
        [
            r.bot,
            r.delay_ms,
            r.buyers,
            fmt(r.offered_per_s, 0),
            r.updates,
            fmt(r.updates_per_s),
            fmt_ms((r.p50_ms / 1000, r.p50_lower_bound)),
            fmt_ms((r.p99_ms / 1000, r.p99_lower_bound)),
            fmt(r.raw_p99_ms, 0),
            fmt(r.cpu_ms_per_update, 2),
            r.busiest_second,
            len(r.errors),
        ]
        for r in results
        if r.mode == "open"
    ]
    headers = [
        "bot",
        "delay ms",
        "buyers",
        "offered/s",
        "answered",
        "answered/s",
        "p50 ms (from due)",
        "p99 ms (from due)",
        "p99 ms (from push)",
        "bot CPU ms/upd",
        "busiest 1 s",
        "errors",
    ]
    return table(headers, rows)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--buyers", default="1,50,200", help="closed-loop buyer counts (1,50,200)")
    p.add_argument("--delays", default="0,80", help="stand-in delays in ms (0,80)")
    p.add_argument(
        "--bots",
        default="ours,baseline",
        help=f"comma-separated, of {', '.join(VARIANTS)} (default ours,baseline)",
    )
    p.add_argument(
        "--bot-kwargs",
        type=json.loads,
        default={},
        help="JSON keywords for build_application of our bot, e.g. '{\"concurrency\": 32}'",
    )
    p.add_argument(
        "--against",
        default="baseline",
        help="the bot the ratios divide by (default baseline; before-nolimit for a change)",
    )
    p.add_argument(
        "--limit", type=float, default=15.0, help="cut each closed run after this many s (0: none)"
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="closed loop: run the bots alternately this many times; ratios pair neighbours",
    )
    p.add_argument("--open-rate", type=float, default=50.0, help="open-loop updates/s (0: skip)")
    p.add_argument("--open-buyers", type=int, default=200)
    p.add_argument("--open-seconds", type=float, default=20.0, help="open-loop offered window")
    p.add_argument("--open-delays", default="80", help="open-loop stand-in delays in ms (80)")
    p.add_argument("--open-baseline", action="store_true", help="open loop for the baseline too")
    p.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="open loop: start every buyer at /new instead of at a random step",
    )
    p.add_argument(
        "--profile",
        type=Path,
        help="run the bot under cProfile, writing this file (use with a single run)",
    )
    p.add_argument(
        "--warmup-seconds", type=float, default=15.0, help="open loop: most time for the warm-up"
    )
    p.add_argument("--grace", type=float, default=5.0, help="open loop: wait for stragglers (s)")
    p.add_argument(
        "--flood",
        type=int,
        default=0,
        help="flood scenario: a buyer sends this many messages at once (0: skip; try 500)",
    )
    p.add_argument("--flood-buyers", type=int, default=50, help="flood: buyers walking (50)")
    p.add_argument("--flood-window", type=float, default=15.0, help="flood: s per window (15)")
    p.add_argument("--flood-delay", type=int, default=80, help="flood: stand-in delay ms (80)")
    p.add_argument(
        "--think", type=float, default=3.0, help="flood: s between a reply and the next step (3)"
    )
    return p.parse_args()


async def main() -> None:
    args = parse_args()
    buyer_counts = [int(x) for x in args.buyers.split(",") if x]
    delays = [int(x) / 1000 for x in args.delays.split(",") if x]
    bots = [b for b in args.bots.split(",") if b]
    for b in bots:
        if b not in VARIANTS:
            raise SystemExit(f"--bots: unknown {b!r}; have {', '.join(VARIANTS)}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-wizard-") as tmp:
        root = Path(tmp)
        for delay in delays:
            for k in buyer_counts:
                for bot_name in [b for _ in range(args.repeat) for b in bots]:
                    r = await one_run(bot_name, delay, k, args, root)
                    results.append(r)
                    print(
                        f"  {bot_name:8} {r.delay_ms:3} ms {k:4} buyers: {r.updates:5} updates "
                        f"{fmt(r.updates_per_s):>7}/s p50 {fmt(r.p50_ms, 0)} ms "
                        f"p99 {fmt(r.p99_ms, 0)} ms{'' if r.completed else ' (cut)'}",
                        flush=True,
                    )
        if args.open_rate > 0:
            open_bots = [b for b in bots if args.open_baseline or b != "baseline"]
            for delay in [int(x) / 1000 for x in args.open_delays.split(",") if x]:
                for bot_name in open_bots:
                    r = await one_run(
                        bot_name, delay, args.open_buyers, args, root, open_rate=args.open_rate
                    )
                    results.append(r)
                    print(
                        f"  open {bot_name:8} {r.delay_ms:3} ms: {r.updates} answered, "
                        f"p99 {fmt(r.p99_ms, 0)} ms",
                        flush=True,
                    )

        floods = [await flood_run(b, args, root) for b in bots if args.flood and b != "baseline"]

    closed = [r for r in results if r.mode == "closed"]
    if closed:
        print("\nClosed loop (each buyer waits for the reply before its next update)\n")
        print(print_closed(closed))
    ratio_table, ratios = print_ratios(results, args.against)
    if ratios:
        print(f"\nOurs / {args.against} (updates/s: higher is better; the rest: lower is better)\n")
        print(ratio_table)
    if any(r.mode == "open" for r in results):
        print("\nOpen loop (Poisson arrivals; latency from the instant each update was due)\n")
        print(print_open(results))
    if floods:
        print("\nA flooding buyer while others walk the wizard (latency push -> reply)\n")
        print(print_flood(floods))
    for r in [*results, *floods]:
        for e in r.errors[:3]:
            print(f"! {r.bot} {r.delay_ms} ms {r.buyers}: {e}")
    path = write_results(
        "wizard",
        {
            "args": vars(args),
            "results": [asdict(r) for r in results],
            "ratios": ratios,
            "flood": [asdict(r) for r in floods],
        },
    )
    print(f"\nwrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    asyncio.run(main())
