"""How big a run is: the counts and durations of every phase, for the default run and for
--quick (every phase, small counts, well under a minute on 2 cores), with the command line's
choices over both."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bot import keys


@dataclass(frozen=True)
class Plan:
    quick: bool
    web_workers: int
    web_threads: int
    worker_procs: int
    worker_threads: int
    worker_batch: int | None
    what_if_batch: int
    sim_latency_ms: float
    # 1. ack path
    skip_ack: bool
    senders: list[int]
    ack_seconds: float
    ack_warmup: int  # requests before the first figure
    rate: float
    rate_seconds: float
    monitored: int  # requests sent under MONITOR
    # 2. per step
    step_users: int
    profile: bool
    # 3. and 4. end to end
    users: int
    e2e_seconds: float
    e2e_warmup: float
    e2e_senders: int
    skip_echo: bool
    rounds: int  # machibot then echo, this many times; figures are the median round's

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Plan:
        quick = args.quick
        return cls(
            quick=quick, web_workers=args.web_workers, web_threads=args.web_threads,
            worker_procs=args.worker_procs, worker_threads=args.worker_threads,
            worker_batch=args.worker_batch, what_if_batch=args.what_if_batch,
            sim_latency_ms=args.sim_latency_ms, skip_ack=args.skip_ack,
            senders=[int(x) for x in (args.senders or ("1,16" if quick else "1,8,32,64"))
                     .split(",")],
            ack_seconds=args.ack_seconds or (2.0 if quick else 10.0),
            ack_warmup=100 if quick else 200,
            rate=args.rate, rate_seconds=args.rate_seconds or (3.0 if quick else 20.0),
            monitored=100 if quick else 200,
            step_users=args.step_users or (1 if quick else 6), profile=args.profile,
            users=args.users or (40 if quick else 300),
            e2e_seconds=args.e2e_seconds or (5.0 if quick else 15.0),
            e2e_warmup=1.5 if quick else 4.0, e2e_senders=32, skip_echo=args.skip_echo,
            rounds=max(1, args.rounds or (1 if quick else 5)))


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.webhook", description=description)
    p.add_argument("--quick", action="store_true",
                   help="every phase with small counts, well under a minute (CI runs it)")
    p.add_argument("--redis-url", help=f"use this Redis (keys {keys.key('*')} are deleted)")
    p.add_argument("--database-url", help="use this database (migrated; users added)")
    p.add_argument("--web-workers", type=int, default=2)
    p.add_argument("--web-threads", type=int, default=8)
    p.add_argument("--worker-procs", type=int, default=2)
    p.add_argument("--worker-threads", type=int, default=16,
                   help="threads per worker process (default: the Procfile's 16)")
    p.add_argument("--worker-batch", type=int, default=None,
                   help="diagnostic: start workers with this XREADGROUP COUNT instead of the "
                        "bot's default (patched in a launcher; the bot is unchanged)")
    p.add_argument("--what-if-batch", type=int, default=0,
                   help="also run end to end with workers patched to this batch size "
                        "(default 0: no)")
    p.add_argument("--sim-latency-ms", type=float, default=50.0)
    p.add_argument("--senders", default=None, help="ack concurrencies, e.g. 1,8,32")
    p.add_argument("--ack-seconds", type=float, default=None)
    p.add_argument("--rate", type=float, default=200.0, help="fixed offered load, events/s")
    p.add_argument("--rate-seconds", type=float, default=None)
    p.add_argument("--users", type=int, default=None, help="simulated users end to end")
    p.add_argument("--e2e-seconds", type=float, default=None)
    p.add_argument("--skip-echo", action="store_true")
    p.add_argument("--rounds", type=int, default=None,
                   help="end to end: machibot then echo, this many times in turn (default 5; "
                        "--quick 1); the figures are the median round's, so that the machine "
                        "speeding up or slowing down over the run moves both bots alike")
    p.add_argument("--skip-ack", action="store_true", help="only per-step and end to end")
    p.add_argument("--profile", action="store_true", help="cProfile the in-process worker")
    p.add_argument("--step-users", type=int, default=None,
                   help="users walked through the per-step phase (default 6; --quick 1)")
    p.add_argument("--keep-tmp", action="store_true", help="keep logs and the database")
    return p
