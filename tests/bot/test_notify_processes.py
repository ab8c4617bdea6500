"""Two dispatchers, two schedulers: 1,000 due notifications, each delivered exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import notify_kind
from sqlalchemy import select
from test_notify import MORNING, add_event, add_users, events, quick_backoff, remind  # noqa: F401

from bot.db import session_scope
from bot.notify.dispatch import dispatch
from bot.scheduler import LEASE_KEY
from models.outbox import Notification

PROC = Path(__file__).with_name("notify_proc.py")


def env_for(app, **extra):
    env = dict(os.environ, DATABASE_URL=app.config["DATABASE_URL"],
               REDIS_URL=app.config["REDIS_URL"], LINE_API_BASE_URL=app.config[
                   "LINE_API_BASE_URL"], MACHIBOT_INSTANCE=app.config["INSTANCE_PATH"],
               LINE_MAX_RETRIES="2")
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        env.pop(name, None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def sent_count(app):
    with session_scope(app) as session:
        return len(session.scalars(select(Notification.id).where(
            Notification.state == "sent")).all())


def test_two_dispatchers_at_once_deliver_each_of_1000_once(app, sim, events):  # noqa: F811
    users = add_users(app, sim, 1000)
    # twenty events, so that there are many batches to share out
    for start in range(0, 300, 30):
        remind(app, users[start:start + 30], add_event(app), MORNING)  # one push each
    for start in range(300, 1000, 70):  # multicasts
        remind(app, users[start:start + 70], add_event(app), MORNING,
               kind=notify_kind.SHARED_KIND)
    # slow answers, so that neither copy can finish before the other starts
    sim.configure(failure_rate=0.1, latency_ms=20)
    env = env_for(app)
    start = str(time.time() + 8)  # both begin at once, after their start-up
    procs = [subprocess.Popen([sys.executable, str(PROC), "dispatch", MORNING.isoformat(), start],
                              env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]  # closes their pipes
    sim.configure(failure_rate=0, latency_ms=0)
    totals = [int(o.split()[-1]) for o in outputs]
    assert all(totals), outputs  # both took part
    now = MORNING
    while sent_count(app) < 1000 and now < MORNING + timedelta(hours=6):
        now += timedelta(hours=1)  # what the 10% failures left for later passes
        dispatch(app, now)
    assert sent_count(app) == 1000
    assert [sim.delivery_count(line_id) for _, line_id in users] == [1] * 1000


def test_two_schedulers_one_leads_and_the_other_takes_over(app, sim, events, redis_client):  # noqa: F811
    users = add_users(app, sim, 1000)
    event = add_event(app)
    from datetime import UTC, datetime

    due = datetime.now(UTC) - timedelta(minutes=1)
    remind(app, users[:500], event, due, kind=notify_kind.SHARED_KIND, urgent=True)
    env = env_for(app, SCHEDULER_LEASE_SECONDS=2, QUIET_HOURS="")
    procs = [subprocess.Popen([sys.executable, str(PROC), "scheduler"], env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 30
        while sent_count(app) < 500 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sent_count(app) == 500
        # the leader dies without a word; the other copy takes over within the lease time
        leader_identity = redis_client.get(LEASE_KEY)
        leader = next(p for p in procs if f"-{p.pid}-" in leader_identity)
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        remind(app, users[500:], event, datetime.now(UTC), kind=notify_kind.SHARED_KIND,
               urgent=True)
        deadline = time.monotonic() + 30
        while sent_count(app) < 1000 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sent_count(app) == 1000
        assert redis_client.get(LEASE_KEY) != leader_identity
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
            proc.stdout.close()
    assert [sim.delivery_count(line_id) for _, line_id in users] == [1] * 1000
