"""Phases 3 and 4, end to end: the simulated users (driver.py) against machibot's web and
`machibot worker` processes, then against the echo baseline; the CPU each server spent per
turn, and the servers' peak memory."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

import redis

from bot import keys

from .driver import Population, onboard, run_dialogs
from .measure import busy_pct, cpu_seconds, machine_busy, not_ours, peak_rss_mb
from .plan import Plan
from .stack import Stack


@dataclass
class Bot:
    """One bot under test, started once for all its rounds: the processes whose CPU counts
    as its own, the others measured beside them, and its users."""

    label: str
    port: int
    own: dict[str, list[int]]  # the bot's processes, by group
    population: Population
    web_workers: list[int]
    others: dict[str, list[int]] = field(default_factory=dict)  # simulator (and Redis)
    stop_names: tuple[str, ...] = ()


def start_machibot(stack: Stack, plan: Plan, web_pids: list[int], label: str,
                   batch: int | None) -> Bot:
    """Workers started (and reading the stream), users added and onboarded."""
    procs = stack.procs
    names = stack.start_workers(label, plan.worker_procs, plan.worker_threads, batch)
    _wait_for_workers(stack.redis, len(names))
    bot = Bot(label, stack.web_port,
              {"web": web_pids, "workers": [p for n in names for p in procs.pids(n)]},
              Population.add(stack.redis, "Ue2e", plan.users), web_pids[1:],
              _others(stack), tuple(names))
    _onboard(stack, plan, bot)
    return bot


def start_echo(stack: Stack, plan: Plan) -> Bot:
    """bench/echo_bot.py started, users added and onboarded (it echoes their taps)."""
    stack.start_echo(plan.web_workers, plan.web_threads)
    pids = stack.procs.pids("echo")
    bot = Bot("echo", stack.echo_port, {"echo_web": pids},
              Population.add(stack.redis, "Uecho", plan.users), pids[1:], _others(stack),
              ("echo",))
    _onboard(stack, plan, bot)
    return bot


def run_round(stack: Stack, plan: Plan, bot: Bot) -> dict:
    """One measured run of the users against the bot: events/s, latency, and the CPU each
    process group spent per turn."""
    r = stack.redis
    stack.simulator_settings(plan.sim_latency_ms)
    groups = {**bot.own, **bot.others}
    cpu0 = {k: cpu_seconds(v) for k, v in groups.items()}
    redis_cpu0 = _redis_cpu(r)
    busy0 = machine_busy()
    t0 = time.time()
    run = run_dialogs(bot.port, r, bot.population, plan.e2e_seconds, plan.e2e_warmup,
                      plan.e2e_senders, stack.notify_db, bot.label, bot.web_workers)
    elapsed = time.time() - t0
    spent = {k: cpu_seconds(v) - cpu0[k] for k, v in groups.items()}
    run["machine_busy_pct"] = round(busy_pct(busy0), 1)
    redis_spent = 0.0 if "redis" in groups else _redis_cpu(r) - redis_cpu0
    run["not_ours_pct_of_2_cores"] = not_ours(busy0, elapsed, sum(spent.values())
                                              + redis_spent, run)
    _per_turn(run, spent, elapsed)
    if "workers" in bot.own:
        run["stream_after"] = _stream_after(r)
        run["worker_log_errors"] = sum(stack.procs.log_tail(n, 100000).count(" ERROR ")
                                       for n in bot.stop_names)
    print(f"  e2e {bot.label}: {run['events_per_s']:.0f} events/s", flush=True)
    return run


def peaks(stack: Stack, bot: Bot) -> dict[str, list[float]]:
    """The peak memory (VmHWM) of the bot's processes and of the simulator, in MB."""
    found = {f"{group}_mb": peak_rss_mb(pids) for group, pids in bot.own.items()}
    found["simulator_mb"] = peak_rss_mb(stack.procs.pids("simulator"))
    return found


def stop(stack: Stack, bot: Bot) -> None:
    stack.procs.stop(*bot.stop_names)


def _others(stack: Stack) -> dict[str, list[int]]:
    others = {"simulator": stack.procs.pids("simulator")}
    if stack.private_redis:
        others["redis"] = stack.procs.pids("redis")
    return others


def _onboard(stack: Stack, plan: Plan, bot: Bot) -> None:
    stack.simulator_settings(plan.sim_latency_ms)
    onboard(bot.port, stack.redis, bot.population, plan.e2e_senders, stack.notify_db,
            bot.web_workers)


def compare(ours: dict, echo_run: dict) -> dict:
    """machibot beside the echo bot: events/s, and events per CPU-second of each bot."""
    ours_ms = ours["cpu_ms_per_turn"]["web"] + ours["cpu_ms_per_turn"]["workers"]
    echo_ms = echo_run["cpu_ms_per_turn"]["echo_web"]
    return {
        "ratio_e2e_ours_over_echo": ours["events_per_s"] / max(echo_run["events_per_s"], 1e-9),
        "events_per_bot_cpu_second": {
            "machibot (web + workers)": round(1000 / max(ours_ms, 1e-9), 1),
            "echo (web)": round(1000 / max(echo_ms, 1e-9), 1),
            "ratio": round(echo_ms / max(ours_ms, 1e-9), 2)},
    }


def median_round(rounds: list[tuple[dict, dict | None]]) -> tuple[dict, dict | None]:
    """Of rounds (machibot, echo or None), the one whose CPU ratio is the median (the lower
    middle one for an even count); without echo, the one of median events/s."""
    def key(one: tuple[dict, dict | None]) -> float:
        ours, echo_run = one
        if echo_run is None:
            return ours["events_per_s"]
        return compare(ours, echo_run)["events_per_bot_cpu_second"]["ratio"]

    ordered = sorted(rounds, key=key)
    return ordered[(len(ordered) - 1) // 2]


def _wait_for_workers(r: redis.Redis, processes: int, timeout: float = 60.0) -> None:
    """Until as many Redis clients as there are worker processes wait on the event stream
    (the workers have imported the bot and created their consumer group), so that the run
    does not time their start-up."""
    db = str(r.connection_pool.connection_kwargs.get("db", 0))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = [c for c in r.client_list() if c.get("cmd") == "xreadgroup"
                   and c.get("db") == db]
        if len(waiting) >= processes:
            return
        time.sleep(0.05)
    raise RuntimeError(f"the workers did not read the event stream within {timeout:.0f} s")


def _per_turn(run: dict, spent: dict[str, float], elapsed: float) -> None:
    run["cpu_pct_of_2_cores"] = {k: round(100 * v / elapsed / 2, 1) for k, v in spent.items()}
    run["cpu_ms_per_turn"] = {k: round(1000 * v / max(run["turns_total"], 1), 2)
                              for k, v in spent.items()}


def _redis_cpu(r: redis.Redis) -> float:
    info = r.info("cpu")
    return info["used_cpu_sys"] + info["used_cpu_user"]


def _stream_after(r: redis.Redis) -> dict | None:
    """The workers' consumer group once the run is over: lag and entries still pending.

    A turn is acknowledged once LINE has answered its reply, after the reply was seen: give
    the last ones a moment, then count what is left."""
    with contextlib.suppress(redis.ResponseError):
        settle = time.monotonic() + 5
        while True:
            info = r.xinfo_groups(keys.EVENT_STREAM)
            if not info or not info[0].get("pending") or time.monotonic() > settle:
                break
            time.sleep(0.05)
        if info:
            return {"lag": info[0].get("lag"), "pending": info[0].get("pending")}
    return None
