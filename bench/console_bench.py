"""The console at the ward's size (issue 14): page times and the SQL of a slot edit.

    .venv/bin/python bench/console_bench.py                  # the issue's volumes, SQLite
    .venv/bin/python bench/console_bench.py --quick          # 1/50 of them (CI runs it)
    .venv/bin/python bench/console_bench.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/scratch

A scratch database (a temporary SQLite file, or --database-url, whose tables are dropped
before and after the run) is migrated and filled with bulk INSERTs: 50,000 users, 500
organisations (each with an owner and an editor, one in ten waiting for verification),
10,000 activities, 30,000 slots and 200,000 sign-ups (--scale or --quick for fewer). One
organisation has two slots of 100 sign-ups each: one under way (the roster with attendance
marks) and one to come, whose people signed up through the domain's own `sign_up` (so
their reminders are in the outbox).

A staff member and that organisation's owner sign in through the simulator's LINE Login,
as a browser does (the app is served on a free port for the token request). Then each page
is requested N times with Flask's test client, and printed: p50/p95/max ms, the SQL
statements of one request and the time spent in them. Last, the statements of one slot
edit (the form POSTed with its CSRF token) on the upcoming big slot: one that changes the
place, one that moves the time (its people's reminders move with it).

Figures only: no thresholds. It fails when it crashes or a page does not answer 200.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import MetaData, event, insert, text  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.webhook.stack import Procs, migrate, reset_redis, start_redis  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.db import close as close_db  # noqa: E402
from bot.db import get_engine, session_scope  # noqa: E402
from bot.redis_store import close as close_redis  # noqa: E402
from bot.redis_store import get_redis  # noqa: E402
from models.activities import Activity, Slot  # noqa: E402
from models.categories import CATEGORIES  # noqa: E402
from models.organisations import KINDS, Membership, Organisation  # noqa: E402
from models.signups import Signup, sign_up  # noqa: E402
from models.users import User, UserRole  # noqa: E402
from simulator import SimulatorStore  # noqa: E402

FULL = {"users": 50_000, "organisations": 500, "activities": 10_000, "slots": 30_000,
        "signups": 200_000}
BIG = 100  # sign-ups on each of the two big slots
CHUNK = 5_000  # rows per executemany
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_ENV = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_BASE_URL", "PORT")


# -- the scratch database ---------------------------------------------------------------------


def drop_everything(app: Any) -> None:
    """Every table the database has (a server's scratch database may keep an earlier run's)."""
    found = MetaData()
    found.reflect(get_engine(app))
    found.drop_all(get_engine(app))


def finish(app: Any, server: Any, *, drop: bool, redis_url: str | None) -> None:
    """After a run: the server stopped, the scratch database emptied (`drop`), the
    project's keys deleted from a Redis given by URL (it may be shared), connections closed."""
    server.shutdown()
    with app.app_context():
        if drop:
            drop_everything(app)
    if redis_url:
        reset_redis(get_redis(app), private=False)
    close_db(app)
    close_redis(app)


def bulk(session: Any, table: Any, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start:start + CHUNK])


def seed(app: Any, counts: dict[str, int], rng: random.Random, now: datetime,
         zone: ZoneInfo) -> dict:
    """The ward, in bulk; returns the ids the pages are asked about."""
    n_users, n_orgs = counts["users"], counts["organisations"]
    n_acts, n_slots = counts["activities"], counts["slots"]
    kinds, categories = list(KINDS), list(CATEGORIES)
    users = [{"id": i, "line_user_id": f"U{i:032x}", "display_name": f"利用者{i}",
              "locale": "ja", "mode": "standard", "active": True, "notification_prefs": {},
              "consented_at": now, "created_at": now, "updated_at": now}
             for i in range(1, n_users + 1)]
    staff_id, owner_id = 1, 2  # user 2 owns organisation 1; user k+1 owns organisation k
    organisations = [{"id": j, "name": f"団体{j:04d}", "kind": kinds[j % len(kinds)],
                      "description": "地域の活動をしています。", "areas": ["阿佐谷"],
                      "categories": [categories[j % len(categories)]], "public_contact": "",
                      "website": "", "status": "pending" if j % 10 == 3 else "verified",
                      "created_at": now - timedelta(days=j % 300)}
                     for j in range(1, n_orgs + 1)]
    members = [{"organisation_id": j, "user_id": j + 1, "role": "owner", "joined_at": now}
               for j in range(1, n_orgs + 1)]
    members += [{"organisation_id": j, "user_id": n_orgs + j + 1, "role": "editor",
                 "joined_at": now} for j in range(1, n_orgs + 1)]
    activities = [{"id": a, "organisation_id": (a - 1) % n_orgs + 1, "title": f"活動{a}",
                   "title_en": f"Activity {a}", "description": "みんなで", "styles": ["micro"],
                   "category": categories[a % len(categories)], "area": "阿佐谷",
                   "skills": [], "created_at": now, "updated_at": now}
                  for a in range(1, n_acts + 1)]
    slots = []
    for s in range(1, n_slots + 1):
        starts = now + timedelta(hours=rng.randint(-24 * 60, 24 * 120))
        slots.append({"id": s, "activity_id": (s - 1) % n_acts + 1, "code": str(100_000 + s),
                      "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                      "place": "阿佐谷公園", "capacity": None, "seats_taken": 0,
                      "all_day": False, "checkin_word": "SAKURA",
                      "status": "cancelled" if s % 50 == 7 else "open"})
    # the two big slots: organisation 1's first activity, one under way, one in ten days
    under_way, upcoming = slots[0], slots[n_acts]
    under_way["starts_at"], under_way["ends_at"] = now - timedelta(hours=1), now + timedelta(
        hours=1)
    # at 10:00 in the ward's time zone: moved by an hour, it still ends the same day
    day = (now + timedelta(days=10)).astimezone(zone).date()
    upcoming["starts_at"] = datetime.combine(day, dt_time(10, 0), zone).astimezone(UTC)
    upcoming["ends_at"] = upcoming["starts_at"] + timedelta(hours=2)
    for big in (under_way, upcoming):
        big["capacity"], big["status"] = BIG + 20, "open"
    signups, taken = [], set()
    for k in range(BIG):  # the one under way: confirmed, a few already marked
        status = ("attended", "no_show", "confirmed", "confirmed")[k % 4]
        signups.append(_signup(under_way["id"], 1000 + k if n_users > 1100 else k + 1,
                               status, now))
    taken |= {(s["slot_id"], s["user_id"]) for s in signups}
    seats = Counter()
    target = counts["signups"] - 2 * BIG
    while len(signups) < target + BIG:
        slot = slots[rng.randrange(1, n_slots)] if n_slots > 2 else under_way
        if slot is upcoming:
            continue
        pair = (slot["id"], rng.randrange(1, n_users + 1))
        if pair in taken:
            continue
        taken.add(pair)
        past = slot["starts_at"] < now
        status = rng.choices(("attended", "no_show") if past else ("confirmed", "waitlisted"),
                             (85, 15) if past else (90, 10))[0]
        status = "cancelled" if rng.random() < 0.08 or slot["status"] == "cancelled" else status
        signups.append(_signup(*pair, status, now))
        seats[slot["id"]] += status == "confirmed"
    for slot in slots:
        slot["seats_taken"] = seats[slot["id"]] if slot is not under_way else BIG // 2
    with session_scope(app) as session:
        for table, rows in ((User, users), (Organisation, organisations),
                            (Membership, members), (Activity, activities), (Slot, slots),
                            (Signup, signups)):
            bulk(session, table.__table__, rows)
        bulk(session, UserRole.__table__, [{"user_id": staff_id, "role": "staff", "scope": "",
                                            "granted_at": now}])
        if session.bind.dialect.name == "postgresql":  # ids given: move the sequences on
            for table in ("users", "organisations", "activities", "slots"):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    with session_scope(app) as session:  # the upcoming one: through the domain (reminders)
        slot = session.get(Slot, upcoming["id"])
        for k in range(BIG):
            person = session.get(User, n_users - k)
            assert sign_up(session, slot, person, now=now).outcome == "confirmed"
    with session_scope(app) as session:
        session.execute(text("ANALYZE"))
    return {"staff": users[staff_id - 1]["line_user_id"],
            "owner": users[owner_id - 1]["line_user_id"], "organisation": 1,
            "under_way": under_way["id"], "upcoming": upcoming["id"]}


def _signup(slot_id: int, user_id: int, status: str, now: datetime) -> dict:
    return {"slot_id": slot_id, "user_id": user_id, "status": status, "created_at": now,
            "queued_at": now - timedelta(seconds=user_id), "updated_at": now}


# -- a browser on the console -----------------------------------------------------------------


class Browser:
    """One signed-in person's cookies, signed in through the simulator's LINE Login."""

    def __init__(self, app: Any, line_user_id: str) -> None:
        self.client = app.test_client()
        start = self.client.get("/console/sign-in/line")
        assert start.status_code == 302, start.status_code
        parts = urlsplit(start.headers["Location"])
        picked = self.client.post(parts.path, data={**dict(parse_qsl(parts.query)),
                                                    "user": line_user_id})
        back = urlsplit(picked.headers["Location"])
        done = self.client.get(f"{back.path}?{back.query}")
        assert done.status_code == 302, done.get_data(as_text=True)[:500]

    def get(self, path: str) -> Any:
        return self.client.get(path)


@contextlib.contextmanager
def statements(app: Any) -> Iterator[list[tuple[str, float]]]:
    """(statement, seconds) of every SQL statement run inside the block."""
    found: list[tuple[str, float]] = []
    started: list[float] = []

    def before(*_args: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        found.append((statement, time.perf_counter() - started.pop()))

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def time_page(app: Any, label: str, request: Callable[[], Any], n: int) -> bool:
    for _ in range(3):  # templates compiled, connections made
        request()
    times, failed = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        answer = request()
        times.append((time.perf_counter() - t0) * 1000)
        failed += answer.status_code != 200
    with statements(app) as ran:
        request()
    slowest = max(ran, key=lambda r: r[1], default=("", 0.0))
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<34} {statistics.median(times):7.1f} {p95:7.1f} {times[-1]:7.1f}"
          f" {len(ran):5d} {sum(r[1] for r in ran) * 1000:7.1f}"
          f"  {slowest[1] * 1000:6.1f} {_short(slowest[0])}"
          + (f"  ({failed} answers not 200)" if failed else ""), flush=True)
    return failed == 0


def _short(statement: str, width: int = 60) -> str:
    return " ".join(statement.split())[:width]


def slot_edit(app: Any, me: Browser, slot_id: int, zone: ZoneInfo, *, move: bool,
              show: bool) -> int:
    """POST the slot's edit form (as the page fills it) with one change; its statements."""
    edit = f"/console/slots/{slot_id}/edit"
    page = me.get(edit).get_data(as_text=True)
    with session_scope(app) as session:
        slot = session.get(Slot, slot_id)
        starts = slot.starts_at.replace(tzinfo=slot.starts_at.tzinfo or UTC).astimezone(zone)
        capacity, place = slot.capacity, slot.place or ""
    shift = timedelta(hours=1 if move else 0)
    data = {"day": (starts + shift).strftime("%Y-%m-%d"),
            "starts": (starts + shift).strftime("%H:%M"),
            "ends": (starts + shift + timedelta(hours=2)).strftime("%H:%M"),
            "place": place if move else place + "（東口）", "address": "", "lat": "", "lon": "",
            "capacity": str(capacity), "deadline_day": "", "deadline_time": "",
            "checkin_word": "SAKURA", "csrf_token": CSRF.search(page)[1]}
    with statements(app) as ran:
        t0 = time.perf_counter()
        answer = me.client.post(edit, data=data)
        took = (time.perf_counter() - t0) * 1000
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    what = "moves its time by an hour" if move else "changes its place"
    print(f"slot edit ({BIG} people) that {what}: {len(ran)} SQL statements, "
          f"{sum(r[1] for r in ran) * 1000:.1f} ms in SQL, {took:.1f} ms in all", flush=True)
    if show:
        for statement, count in Counter(_short(s, 90) for s, _ in ran).most_common(8):
            print(f"    {count:4d} x {statement}")
    return len(ran)


# -- the run ----------------------------------------------------------------------------------


def make_app(instance: Path, database_url: str, redis_url: str) -> Any:
    saved = {k: os.environ.pop(k) for k in _ENV if k in os.environ}
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url,
                      "REDIS_URL": redis_url, "LINE_CHANNEL_SECRET": None,
                      "LINE_CHANNEL_ACCESS_TOKEN": None, "LINE_API_BASE_URL": None})
    os.environ.update(saved)
    return app


def run(args: argparse.Namespace, tmp: Path, redis_url: str) -> bool:
    scale = args.scale or (1 / 50 if args.quick else 1.0)
    counts = {k: max(int(v * scale), 4) for k, v in FULL.items()}
    counts["users"] = max(counts["users"], 2 * counts["organisations"] + 2 * BIG + 10)
    database_url = args.database_url or f"sqlite:///{tmp / 'console-bench.db'}"
    app = make_app(tmp / "instance", database_url, redis_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)  # the simulator's token request
    app.config["LINE_API_BASE_URL"] = f"http://127.0.0.1:{server.server_port}/simulator"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with app.app_context():
            drop_everything(app)
        migrate({**{k: v for k, v in os.environ.items() if k not in _ENV},
                 "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                 "MACHIBOT_INSTANCE": str(tmp / "instance")})
        reset_redis(get_redis(app), private=not args.redis_url)
        now = datetime.now(UTC).replace(second=0, microsecond=0)  # the form's precision
        t0 = time.monotonic()
        zone = ZoneInfo(app.config["BOT_TIMEZONE"])
        ids = seed(app, counts, random.Random(args.seed), now, zone)
        print(f"{get_engine(app).dialect.name}: seeded "
              + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + f" in {time.monotonic() - t0:.1f} s", flush=True)
        store = SimulatorStore(get_redis(app))
        store.add_user(ids["staff"], "区職員")
        store.add_user(ids["owner"], "団体代表")
        staff, owner = Browser(app, ids["staff"]), Browser(app, ids["owner"])
        org, n = ids["organisation"], args.requests
        print(f"\n{n} requests each{'':12} p50 ms  p95 ms  max ms   sql  sql ms"
              "  slowest statement (ms)")
        pages = [
            ("staff: all organisations", staff, "/console/organisations"),
            ("staff: home (pending ones)", staff, "/console/"),
            ("staff: an organisation's page", staff, f"/console/organisations/{org}"),
            ("owner: home", owner, "/console/"),
            ("owner: the organisation's page", owner, f"/console/organisations/{org}"),
            ("owner: its activities", owner, f"/console/organisations/{org}/activities"),
            (f"owner: roster, under way ({BIG})", owner,
             f"/console/slots/{ids['under_way']}/roster"),
            (f"owner: roster, to come ({BIG})", owner,
             f"/console/slots/{ids['upcoming']}/roster"),
        ]
        ok = all([time_page(app, label, lambda b=who, p=path: b.get(p), n)
                  for label, who, path in pages])
        print()
        slot_edit(app, owner, ids["upcoming"], zone, move=False, show=args.show_sql)
        slot_edit(app, owner, ids["upcoming"], zone, move=True, show=True)
        return ok
    finally:
        finish(app, server, drop=bool(args.database_url), redis_url=args.redis_url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1/50 of the volumes (CI)")
    parser.add_argument("--scale", type=float, help="a fraction of the issue's volumes")
    parser.add_argument("--requests", type=int, default=None, help="per page; default 200")
    parser.add_argument("--database-url", help="a scratch database (its tables are dropped); "
                        "default: a temporary SQLite file")
    parser.add_argument("--redis-url", help="default: a private redis-server; else the "
                        "project's keys in it are deleted before and after")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--show-sql", action="store_true",
                        help="also list the statements of the edit that changes the place")
    args = parser.parse_args()
    args.requests = args.requests or (50 if args.quick else 200)
    return run_in_scratch(args, "machibot-console-bench-", run)


def run_in_scratch(args: argparse.Namespace, prefix: str,
                   run: Callable[[argparse.Namespace, Path, str], bool]) -> int:
    """`run` in a scratch directory, with a private redis-server unless --redis-url names
    one; the exit status (0: it measured what it should)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    procs = Procs(tmp)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        redis_url = args.redis_url or start_redis(procs, tmp)
        return 0 if run(args, tmp, redis_url) else 1
    finally:
        procs.stop(*list(procs.running))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
