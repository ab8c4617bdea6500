"""Phases 3 and 4, end to end: the simulated users (driver.py) against machibot's web and
`machibot worker` processes, then against the echo baseline; the CPU each server spent per
turn, and the servers' peak memory."""

from __future__ import annotations

import contextlib
import secrets
import time

import redis

from bot import keys

from .driver import add_users, run_dialogs
from .measure import busy_pct, cpu_seconds, machine_busy, not_ours, peak_rss_mb
from .plan import Plan
from .stack import Stack


def machibot(stack: Stack, plan: Plan, web_pids: list[int], label: str,
             batch: int | None) -> tuple[dict, dict]:
    """One run against the bot; (figures, peak memory of its processes)."""
    r, procs = stack.redis, stack.procs
    stack.reset_redis()
    stack.simulator_settings(plan.sim_latency_ms)
    names = stack.start_workers(label, plan.worker_procs, plan.worker_threads, batch)
    users = [f"Ue2e{secrets.token_hex(14)}" for _ in range(plan.users)]
    add_users(r, users)
    _wait_for_workers(r, len(names))
    groups = {"web": web_pids, "workers": [p for n in names for p in procs.pids(n)],
              "simulator": procs.pids("simulator")}
    if stack.private_redis:
        groups["redis"] = procs.pids("redis")
    cpu0 = {k: cpu_seconds(v) for k, v in groups.items()}
    busy0 = machine_busy()
    t0 = time.time()
    run = run_dialogs(stack.web_port, r, users, plan.e2e_seconds, plan.e2e_warmup,
                      plan.e2e_senders, stack.notify_db, label, web_pids[1:])
    elapsed = time.time() - t0
    spent = {k: cpu_seconds(v) - cpu0[k] for k, v in groups.items()}
    run["worker_batch"] = batch or "bot default (1)"
    run["machine_busy_pct"] = round(busy_pct(busy0), 1)
    run["not_ours_pct_of_2_cores"] = not_ours(busy0, elapsed, sum(spent.values()), run)
    _per_turn(run, spent, elapsed)
    run["stream_after"] = _stream_after(r)
    run["worker_log_errors"] = sum(procs.log_tail(n, 100000).count(" ERROR ") for n in names)
    peaks = {"web_mb": peak_rss_mb(web_pids),
             "workers_mb": [x for n in names for x in peak_rss_mb(procs.pids(n))],
             "simulator_mb": peak_rss_mb(procs.pids("simulator"))}
    print(f"  e2e {label}: {run['events_per_s']:.0f} events/s", flush=True)
    procs.stop(*names)
    return run, peaks


def echo(stack: Stack, plan: Plan) -> tuple[dict, list[float]]:
    """One run against bench/echo_bot.py; (figures, its web's peak memory)."""
    r, procs = stack.redis, stack.procs
    stack.reset_redis()
    stack.simulator_settings(plan.sim_latency_ms)
    stack.start_echo(plan.web_workers, plan.web_threads)
    users = [f"Uecho{secrets.token_hex(14)}" for _ in range(plan.users)]
    add_users(r, users)
    groups = {"echo_web": procs.pids("echo"), "simulator": procs.pids("simulator")}
    cpu0 = {k: cpu_seconds(v) for k, v in groups.items()}
    redis_cpu0 = _redis_cpu(r)
    busy0 = machine_busy()
    t0 = time.time()
    run = run_dialogs(stack.echo_port, r, users, plan.e2e_seconds, plan.e2e_warmup,
                      plan.e2e_senders, stack.notify_db, "echo", groups["echo_web"][1:])
    elapsed = time.time() - t0
    spent = {k: cpu_seconds(v) - cpu0[k] for k, v in groups.items()}
    run["machine_busy_pct"] = round(busy_pct(busy0), 1)
    run["not_ours_pct_of_2_cores"] = not_ours(busy0, elapsed, sum(spent.values())
                                              + _redis_cpu(r) - redis_cpu0, run)
    _per_turn(run, spent, elapsed)
    rss = peak_rss_mb(groups["echo_web"])
    print(f"  e2e echo: {run['events_per_s']:.0f} events/s", flush=True)
    procs.stop("echo")
    return run, rss


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
