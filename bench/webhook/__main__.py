"""`python -m bench.webhook [--quick] ...`: start the stack, run the phases, print the figures
(see bench/webhook/__init__.py)."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import webhook

from . import ack, e2e, steps
from .measure import busy_pct, machine_busy, peak_rss_mb
from .plan import Plan, parser
from .report import TARGETS, broken, report
from .stack import ROOT, Stack, check_bench_extra

OUT_DIR = ROOT / "bench" / "out"


def main(argv: list[str] | None = None) -> int:
    check_bench_extra("bench.webhook")
    args = parser(webhook.__doc__.split("\n\n")[0]).parse_args(argv)
    plan = Plan.from_args(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    stack = Stack(Path(tempfile.mkdtemp(prefix="machibot-bench-")), args.redis_url,
                  args.database_url)
    results = settings(plan)
    t_begin = time.monotonic()
    try:
        run(stack, plan, results, t_begin, shared_database=args.database_url)
    except KeyboardInterrupt:
        print("interrupted; stopping servers", file=sys.stderr)
        return 130
    except Exception:
        stack.procs.print_log_tails()
        raise
    finally:
        stack.close(keep_tmp=args.keep_tmp)

    results["wall_s"] = round(time.monotonic() - t_begin, 1)
    report(results, plan)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"webhook_bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"\nJSON: {path.relative_to(ROOT)}")
    problems = broken(results)
    for problem in problems:
        print(f"BENCH BROKEN: {problem}", file=sys.stderr)
    return 1 if problems else 0


def settings(plan: Plan) -> dict[str, Any]:
    batch = f" (batch patched to {plan.worker_batch})" if plan.worker_batch else ""
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": plan.quick,
        "cpus": os.cpu_count(), "targets": TARGETS,
        "settings": {
            "web": f"gunicorn -w {plan.web_workers} -k gthread --threads {plan.web_threads}",
            "workers": f"{plan.worker_procs} x machibot worker --threads "
                       f"{plan.worker_threads}{batch}",
            "simulator": "uvicorn (bench/sim_host.py)",
            "simulator_latency_ms": plan.sim_latency_ms},
    }


class Laps:
    """Wall seconds of each phase, for the report."""

    def __init__(self, begin: float) -> None:
        self.seconds: dict[str, float] = {}
        self.last = begin

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(now - self.last, 1)
        self.last = now


def run(stack: Stack, plan: Plan, results: dict, t_begin: float,
        shared_database: str | None) -> None:
    """The phases, one after the other, their figures into results."""
    stack.start(plan.web_workers, plan.web_threads)
    r = stack.redis
    lap = Laps(t_begin)
    lap("start")
    results["phase_s"] = lap.seconds

    web_pids = stack.procs.pids("web")
    web_hwm = {"after_start": sum(peak_rss_mb(web_pids))}
    print(f"servers up in {time.monotonic() - t_begin:.1f} s; "
          f"redis {'private' if stack.private_redis else stack.redis_url}, database "
          f"{shared_database or 'temporary SQLite'}", flush=True)
    busy0 = machine_busy()
    time.sleep(1.0)
    results["machine_busy_pct_before"] = round(busy_pct(busy0), 1)
    if results["machine_busy_pct_before"] > 10:
        print(f"  WARNING: the machine is {results['machine_busy_pct_before']:.0f}% busy "
              "before the benchmark starts (other work); figures will be lower and noisier",
              flush=True)

    # 1. ack path
    if not plan.skip_ack:
        results["ack"] = ack.run(stack.web_port, r, web_pids, plan.senders, plan.ack_seconds,
                                 plan.rate, plan.rate_seconds, plan.monitored, plan.ack_warmup)
        lap("ack")
    web_hwm["after_ack"] = sum(peak_rss_mb(web_pids))

    # 2. per step, one worker in this process (no simulator latency)
    stack.reset_redis()
    stack.simulator_settings(latency_ms=0)
    results["per_step"] = per_step = steps.run(stack.web_port, r, plan.step_users, plan.profile)
    print(f"  per-step figures from {per_step['users']} users "
          f"({len(per_step['errors'])} errors)", flush=True)
    lap("per_step")

    # 3. and 4. end to end: machibot and the echo bot, each started once and its users
    # onboarded, then measured in turn for each round
    stack.reset_redis()
    ours_bot = e2e.start_machibot(stack, plan, web_pids, "machibot", plan.worker_batch)
    echo_bot = None if plan.skip_echo else e2e.start_echo(stack, plan)
    lap("e2e_start")
    rounds: list[tuple[dict, dict | None]] = []
    for number in range(1, plan.rounds + 1):
        if plan.rounds > 1:
            print(f"  round {number} of {plan.rounds}", flush=True)
        ours = e2e.run_round(stack, plan, ours_bot)
        ours["worker_batch"] = plan.worker_batch or "bot default (1)"
        rounds.append((ours, None if echo_bot is None else e2e.run_round(stack, plan, echo_bot)))
    results["e2e"], echo_run = e2e.median_round(rounds)
    rss = e2e.peaks(stack, ours_bot)
    web_hwm["after_e2e"] = sum(rss["web_mb"])
    rss["web_peak_by_phase_mb"] = web_hwm
    e2e.stop(stack, ours_bot)
    if echo_bot is not None:
        rss["echo_web_mb"] = e2e.peaks(stack, echo_bot)["echo_web_mb"]
        e2e.stop(stack, echo_bot)
    if echo_run is not None:
        results["echo"] = echo_run
        results.update(e2e.compare(results["e2e"], echo_run))
        both = [e2e.compare(o, e) for o, e in rounds if e is not None]
        results["rounds"] = [c["events_per_bot_cpu_second"]["ratio"] for c in both]
        results["rounds_e2e"] = [round(c["ratio_e2e_ours_over_echo"], 2) for c in both]
    lap("e2e")

    # what if the workers read more than one entry at a time (diagnostic)
    if plan.what_if_batch and not plan.worker_batch:
        label = f"batch={plan.what_if_batch}"
        what_if = e2e.start_machibot(stack, plan, web_pids, label, plan.what_if_batch)
        results["e2e_what_if"] = e2e.run_round(stack, plan, what_if)
        results["e2e_what_if"]["worker_batch"] = plan.what_if_batch
        e2e.stop(stack, what_if)
        lap("what_if")
    stack.procs.stop("web")
    results["rss"] = rss


if __name__ == "__main__":
    sys.exit(main())
