"""What a worker's threads cost: CPU per menu-tap turn of one worker process, handled by one
thread with LINE answering at once, beside the same turns handled by `--threads` worker
threads with LINE answering after `--latency-ms`, as `machibot worker` runs them.

    .venv/bin/python bench/worker_threads.py            # 300 users, 5 rounds
    .venv/bin/python bench/worker_threads.py --quick    # under a minute

It starts what bench/webhook starts (a private Redis, a temporary SQLite database unless
`--database-url` names one, the simulator under uvicorn, the bot's web under gunicorn;
stack.py), onboards the users, then in each round posts one tap per user to the web and has
them handled twice: by one `Worker.drain()` in this process, then by `--threads`
`Worker.run()` threads. The two alternate round by round, so that the machine's drift moves
both alike; the figures are medians. CPU is each worker thread's own clock
(`time.pthread_getcpuclockid`), so the thread that waits for the turns to end is not counted.
Figures are printed, none asserted.

The gap between the two is what handling turns on many threads costs beyond the turns
themselves (the threads hand the GIL over at every socket wait, and resume with cold caches
after the wait for LINE): the lever left for the workers' CPU (bench/webhook's end to end).
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.webhook.driver import ONBOARDING, add_users, step_event  # noqa: E402
from bench.webhook.stack import Stack, check_bench_extra  # noqa: E402
from bench.webhook.wire import SECRET, Conn, webhook_request  # noqa: E402
from bot import keys  # noqa: E402
from bot.config import SIMULATOR_ACCESS_TOKEN, SIMULATOR_CHANNEL_SECRET  # noqa: E402
from bot.kernel.postback import PostbackCodec  # noqa: E402
from simulator import events as ev  # noqa: E402
from simulator.store import SimulatorStore  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    check_bench_extra("bench/worker_threads.py")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="60 users, 2 rounds")
    p.add_argument("--users", type=int, default=None)
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--threads", type=int, default=16, help="as the Procfile's worker")
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--database-url", default=None,
                   help="use this database (migrated; users added), else a temporary SQLite")
    args = p.parse_args(argv)
    users_n = args.users or (60 if args.quick else 300)
    rounds = args.rounds or (2 if args.quick else 5)
    stack = Stack(Path(tempfile.mkdtemp(prefix="machibot-threads-")), None, args.database_url)
    try:
        stack.start(1, 4)
        one, many = run(stack, users_n, rounds, args.threads, args.latency_ms)
    finally:
        stack.close(keep_tmp=False)
    print(f"worker CPU per menu-tap turn, median of {rounds} rounds of {users_n} turns")
    print(f"  1 thread, LINE answering at once: {statistics.median(one):.3f} ms "
          f"({', '.join(f'{x:.3f}' for x in one)})")
    print(f"  {args.threads} threads, LINE answering after {args.latency_ms:.0f} ms: "
          f"{statistics.median(many):.3f} ms ({', '.join(f'{x:.3f}' for x in many)})")
    print(f"  ratio {statistics.median(many) / statistics.median(one):.2f}")
    return 0 if one and many else 1


def run(stack: Stack, users_n: int, rounds: int, threads: int,
        latency_ms: float) -> tuple[list[float], list[float]]:
    # the bot in this process as deployed: a channel's credentials (the simulator's)
    os.environ.update(LINE_CHANNEL_SECRET=SIMULATOR_CHANNEL_SECRET,
                      LINE_CHANNEL_ACCESS_TOKEN=SIMULATOR_ACCESS_TOKEN)
    from bot.app import create_app
    from bot.worker import Worker

    app = create_app(pages=False)
    logging.getLogger("bot.worker").setLevel(logging.WARNING)  # not "started" 16 times a round
    r = stack.redis
    store, codec = SimulatorStore(r), PostbackCodec(SECRET)
    users = [f"Uthr{secrets.token_hex(14)}" for _ in range(users_n)]
    add_users(r, users)
    conn = Conn(stack.web_port)
    step = 0

    def post_all() -> None:
        nonlocal step
        for index, user in enumerate(users):
            _kind, event = step_event(codec, user, index, step, store.issue_reply_token(user))
            status, _ = conn.request(webhook_request(ev.body([event]), stack.web_port))
            if status != 200:
                raise RuntimeError(f"the webhook answered {status}")
        step += 1

    drainer = Worker(app, name="bench-host/drain")
    stack.simulator_settings(latency_ms=0)
    for _ in range(len(ONBOARDING) + 1):  # onboarded, and a first tap (warm)
        post_all()
        drainer.drain()
    one: list[float] = []
    many: list[float] = []
    for _ in range(rounds):
        post_all()
        stack.simulator_settings(latency_ms=0)
        cpu0 = time.thread_time()
        handled = drainer.drain()
        one.append(1000 * (time.thread_time() - cpu0) / max(handled, 1))
        post_all()
        stack.simulator_settings(latency_ms=latency_ms)
        many.append(1000 * _threaded(app, Worker, r, threads) / users_n)
    conn.close()
    return one, many


def _threaded(app, worker_class, r, threads: int) -> float:  # type: ignore[no-untyped-def]
    """CPU seconds of `threads` worker threads until the stream holds nothing unhandled."""
    stop = threading.Event()
    spent = [0.0] * threads
    started = threading.Barrier(threads + 1)

    def work(n: int) -> None:
        clock = time.pthread_getcpuclockid(threading.get_ident())
        started.wait()
        cpu0 = time.clock_gettime(clock)
        worker_class(app, name=f"bench-host/{n}").run(stop)
        spent[n] = time.clock_gettime(clock) - cpu0

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    started.wait()
    while r.xlen(keys.EVENT_STREAM) or r.xpending(keys.EVENT_STREAM, keys.WORKER_GROUP)["pending"]:
        time.sleep(0.05)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(spent)


if __name__ == "__main__":
    sys.exit(main())
