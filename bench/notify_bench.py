"""Notification dispatch benchmark against the LINE simulator (printed figures, not a test).

    .venv/bin/python bench/notify_bench.py                 # 100,000 recipients
    .venv/bin/python bench/notify_bench.py --recipients 20000 --idle-seconds 10
    .venv/bin/python bench/notify_bench.py --quick         # 10,000 recipients, 10 s idle

1. One staff announcement to everyone (N recipients, one language) is queued in the outbox
   and dispatched by one `Dispatcher` pass, against the simulator run under gunicorn gthread
   in its own processes, with LINE's rate limits on and 50 ms added to every API answer.
   Printed: recipients/s and the ratio to LINE's multicast ceiling (200 requests/s x 500).
2. An idle `machibot scheduler` (the real one, in a fresh process, holding the lease, with
   an empty outbox): SQL statements per second and its resident memory.

Process management (private redis-server, gunicorn, clean shutdown) is the webhook
benchmark's (bench/webhook/stack.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.webhook.measure import CLK_TCK, cpu_seconds, machine_busy  # noqa: E402
from bench.webhook.stack import (  # noqa: E402
    HOST,
    WEB_APP,
    Procs,
    free_port,
    gunicorn_argv,
    http_json,
    migrate,
    start_redis,
    wait_http,
)
from bot.scheduler import LEASE_KEY  # noqa: E402
from simulator.store import SimulatorStore  # noqa: E402

MULTICAST_CEILING = 200 * 500  # LINE: 200 multicast requests/s, 500 recipients each

# An idle scheduler in a fresh process: count its SQL statements, report its memory.
IDLE_LAUNCHER = """
import sys, threading, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine
from bot.app import create_app
from bot.scheduler import Scheduler
app = create_app(pages=False)  # as `machibot scheduler` builds it (bot/app.py)
count = [0]
def counted(*_args):
    count[0] += 1
event.listen(Engine, "before_cursor_execute", counted)
stop = threading.Event()
scheduler = Scheduler(app)
threading.Thread(target=scheduler.run, args=(stop,), daemon=True).start()
time.sleep(2.0)  # start-up: the first pass runs at once
start, begin = count[0], time.monotonic()
time.sleep(float(sys.argv[1]))
per_second = (count[0] - start) / (time.monotonic() - begin)
rss = [int(l.split()[1]) / 1024 for l in Path("/proc/self/status").read_text().splitlines()
       if l.startswith("VmRSS:")][0]
print(f"{per_second:.3f} {rss:.1f} {int(scheduler.is_leader)}", flush=True)
stop.set()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10,000 recipients, 10 s of idle scheduler (CI runs it)")
    parser.add_argument("--recipients", type=int, default=None, help="default 100,000")
    parser.add_argument("--sim-latency-ms", type=float, default=50.0)
    parser.add_argument("--sim-workers", type=int, default=4)
    parser.add_argument("--sim-threads", type=int, default=32)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--idle-seconds", type=float, default=None, help="default 20")
    args = parser.parse_args()
    recipients = args.recipients or (10_000 if args.quick else 100_000)
    idle_seconds = args.idle_seconds or (10.0 if args.quick else 20.0)

    tmp = Path(tempfile.mkdtemp(prefix="machibot-notify-bench-"))
    procs = Procs(tmp)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        redis_url = start_redis(procs, tmp)
        r = redis.Redis.from_url(redis_url, decode_responses=True)
        store = SimulatorStore(r)
        sim_port = free_port()
        env = dict(os.environ, DATABASE_URL=args.database_url or f"sqlite:///{tmp / 'bench.db'}",
                   REDIS_URL=redis_url, MACHIBOT_INSTANCE=str(tmp / "instance"),
                   LINE_API_BASE_URL=f"http://{HOST}:{sim_port}/simulator",
                   PYTHONDONTWRITEBYTECODE="1")
        for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
            env.pop(name, None)
        os.environ.clear()
        os.environ.update(env)
        migrate(env)
        sim = procs.start("simulator", gunicorn_argv(WEB_APP, sim_port,
                                                     args.sim_workers, args.sim_threads), env,
                          stop_signal=signal.SIGINT)
        sim_url = f"http://{HOST}:{sim_port}/simulator"
        wait_http(f"{sim_url}/admin/settings", proc=sim)
        http_json(f"{sim_url}/admin/settings", {"latency_ms": args.sim_latency_ms})

        from bot.app import create_app
        from bot.db import session_scope
        from bot.notify.dispatch import dispatch, get_dispatcher
        from models.announcements import create, schedule
        from models.users import User

        app = create_app()
        n = recipients
        t0 = time.monotonic()
        line_ids = [f"U{i:032x}" for i in range(n)]
        with session_scope(app) as session:
            now = datetime.now(UTC)
            session.execute(User.__table__.insert(), [
                {"line_user_id": u, "locale": "ja", "mode": "standard", "active": True,
                 "notification_prefs": {}, "consented_at": now, "created_at": now,
                 "updated_at": now}
                for u in line_ids])
        with r.pipeline(transaction=False) as pipe:
            for start in range(0, n, 5000):
                pipe.sadd(store.k("friends"), *line_ids[start:start + 5000])
            pipe.execute()
        t1 = time.monotonic()
        with session_scope(app) as session:
            announcement = create(session, texts={"ja": "区からのお知らせ：ベンチマークです。"},
                                  segment={"kind": "everyone"})
            targeted = schedule(session, announcement, at=datetime.now(UTC))
        t2 = time.monotonic()
        print(f"{n} users added in {t1 - t0:.1f} s; announcement queued for {targeted} "
              f"recipients in {t2 - t1:.2f} s", flush=True)

        requests_before = r.llen(store.k("requests"))
        servers = {"simulator": procs.pids("simulator"), "redis": [procs.running["redis"].pid]}
        cpu0 = {name: cpu_seconds(pids) for name, pids in servers.items()}
        own0, busy0 = time.process_time(), machine_busy()[0]
        wall0 = time.time()
        t3 = time.monotonic()
        # noon in Tokyo, outside the quiet hours, whatever the time of the run
        stats = dispatch(app, (datetime.now(UTC) + timedelta(days=1)).replace(hour=3))
        elapsed = time.monotonic() - t3
        cpu = {name: cpu_seconds(pids) - cpu0[name] for name, pids in servers.items()}
        cpu["dispatcher"] = time.process_time() - own0
        others = (machine_busy()[0] - busy0) / CLK_TCK - sum(cpu.values())
        get_dispatcher(app).close()
        log = [json.loads(x) for x in r.lrange(store.k("requests"), requests_before, -1)]
        statuses: dict[int, int] = {}
        for entry in log:
            statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
        per_user: Counter[str] = Counter()
        for (user, _), count in store.deliveries().items():
            per_user[user] += count
        delivered = len(per_user)
        rate = stats.sent / elapsed
        print(f"dispatch: {stats}")
        print(f"  {stats.sent} recipients in {elapsed:.2f} s = {rate:,.0f} recipients/s; "
              f"{rate / MULTICAST_CEILING:.0%} of LINE's multicast ceiling "
              f"({MULTICAST_CEILING:,}/s; target >= 80%)")
        print(f"  simulator answers: {statuses}; distinct recipients delivered: {delivered} "
              f"(most requests to one: {max(per_user.values(), default=0)}); "
              f"latency {args.sim_latency_ms:.0f} ms; "
              f"send threads {app.config['NOTIFY_SEND_THREADS']}", flush=True)
        if log:
            first, last = (min(e["at"] for e in log) / 1000 - wall0,
                           max(e["at"] for e in log) / 1000 - wall0)
            print(f"  first request answered at {first:.2f} s, last at {last:.2f} s", flush=True)
        print("  CPU seconds during the pass (2 cores = "
              f"{2 * elapsed:.1f} available): "
              + ", ".join(f"{name} {value:.2f}" for name, value in cpu.items())
              + f", everything else on the machine {max(0.0, others):.2f}", flush=True)

        if not stats.sent:
            print("BENCH BROKEN: the dispatch sent nothing", file=sys.stderr)
            return 1

        # the idle scheduler, in a fresh process
        r.delete(LEASE_KEY)
        idle = subprocess.run([sys.executable, "-c", IDLE_LAUNCHER, str(idle_seconds)],
                              env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=idle_seconds + 60)
        if idle.returncode != 0:
            print(idle.stderr[-2000:])
            return 1
        per_second, rss, leader = idle.stdout.split()
        print(f"idle scheduler (leader={leader == '1'}): {float(per_second):.2f} SQL statements/s "
              f"(target <= 1), {float(rss):.0f} MB RSS (target <= 150)", flush=True)
        return 0
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
