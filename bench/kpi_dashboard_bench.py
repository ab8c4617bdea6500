"""The console's KPI dashboard and the announcements' live recipient count at the ward's size
(issue 15): request times, and what computing a month's figures costs the scheduler's job.

    .venv/bin/python bench/kpi_dashboard_bench.py              # the issue's volumes, SQLite
    .venv/bin/python bench/kpi_dashboard_bench.py --quick      # 1/50 of them
    .venv/bin/python bench/kpi_dashboard_bench.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/scratch

A scratch database (a temporary SQLite file, or --database-url, whose tables are all dropped
before and after the run: give it a database of its own) is migrated and filled by
INSERT ... SELECT over generated numbers (generate_series on PostgreSQL, a recursive CTE on
SQLite), then analysed: 100,000 users (nine in ten agreed to the privacy notice, one in
twenty turned announcements off; age bands, languages, simple mode mixed), 10,000 activities
with 50,000 slots over 2026, 1,000,000 sign-ups (twenty per slot, half attended) and
2,000,000 recommendations shown (--scale or --quick for fewer).

Then, printed:
- the scheduler's job for one month (models/kpi_store.refresh's work: the month's figures
  computed over everyone and kept), once; the other eleven months of the dashboard's trend
  are kept as copies of it (the page reads the same number of rows; computing each would
  only repeat the first figure);
- the dashboard page (`GET /console/kpi?month=...`, signed in as staff through the
  simulator's LINE Login) N times: p50/p95/max ms, its SQL statements and their time;
  one of its plots: the first request (matplotlib loaded, the plot drawn and kept in Redis)
  and then N more (read from Redis);
- the compose page's live recipient count (`GET /console/announcements/count`) for
  everyone, two languages, three age bands and simple mode, N times each.

Figures only: no thresholds. It fails when it crashes or a request does not answer 200.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.console_bench import (  # noqa: E402
    Browser,
    drop_everything,
    finish,
    make_app,
    run_in_scratch,
    time_page,
)
from bench.webhook.stack import migrate, reset_redis  # noqa: E402
from bot.db import get_engine, session_scope  # noqa: E402
from bot.redis_store import get_redis  # noqa: E402
from models import kpi, kpi_store  # noqa: E402
from simulator import SimulatorStore  # noqa: E402

FULL = {"users": 100_000, "activities": 10_000, "slots": 50_000, "signups": 1_000_000,
        "shown": 2_000_000}
PER_SLOT = 20  # sign-ups per slot: signups / slots
MONTH = date(2026, 6, 1)
NOW = datetime(2026, 12, 15, tzinfo=UTC)  # June's windows (14, 90, 180 days) have passed
LOCALES = ["ja"] * 15 + ["ja_easy", "en", "zh_Hans", "ko", "vi", "ne"]
BANDS = ["10s", "20s", "30s", "40s", "50s", "60s", "70s", "80plus", "none"]


class Sql:
    """The few expressions the fill writes differently on PostgreSQL and SQLite."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def numbers(self, count: int) -> str:
        """A FROM clause of the integers 1..count, as `n(i)`."""
        if self.pg:
            return f"generate_series(1, {count}) AS n(i)"
        return (f"(WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g "
                f"WHERE i < {count}) SELECT i FROM g) AS n")

    def below(self, bound: int) -> str:
        """A random integer in [0, bound)."""
        return (f"floor(random() * {bound})::int" if self.pg
                else f"(abs(random()) % {bound})")

    def pick(self, values: list[str | None]) -> str:
        """One of `values` at random (SQL literals)."""
        cases = " ".join(f"WHEN {i} THEN {_literal(v)}" for i, v in enumerate(values))
        return f"(CASE {self.below(len(values))} {cases} END)"

    def at(self, hours: str, minus_days: str = "0") -> str:
        """2026-01-01 (UTC) plus `hours` hours minus `minus_days` days."""
        if self.pg:
            return (f"(timestamptz '2026-01-01 00:00:00+00' + ({hours}) * interval '1 hour' "
                    f"- ({minus_days}) * interval '1 day')")
        return (f"strftime('%Y-%m-%d %H:%M:%f000', '2026-01-01', '+' || ({hours}) || "
                f"' hours', '-' || ({minus_days}) || ' days')")

    def minus_days(self, column: str, days: str) -> str:
        if self.pg:
            return f"({column} - ({days}) * interval '1 day')"
        return f"strftime('%Y-%m-%d %H:%M:%f000', {column}, '-' || ({days}) || ' days')"

    def json(self, value: str) -> str:
        return f"CAST('{value}' AS json)" if self.pg else f"'{value}'"

    def true(self) -> str:
        return "true" if self.pg else "1"

    def false(self) -> str:
        return "false" if self.pg else "0"


def _literal(value: str | None) -> str:
    return "NULL" if value is None else f"'{value}'"


def fill(session: Any, counts: dict[str, int]) -> None:
    sql = Sql(session.bind.dialect.name)
    users, slots, activities = counts["users"], counts["slots"], counts["activities"]
    per_slot = max(1, min(PER_SLOT, counts["signups"] // slots, users))
    statements = [
        f"""INSERT INTO users (id, line_user_id, locale, mode, age_band, consented_at,
                notification_prefs, active, created_at, updated_at)
            SELECT i, 'U' || i, {sql.pick(LOCALES)},
                CASE WHEN i % 10 = 0 THEN 'simple' ELSE 'standard' END,
                {sql.pick([*BANDS, None, None, None])},
                CASE WHEN i % 10 = 3 THEN NULL ELSE {sql.at('0')} END,
                CASE WHEN i % 20 = 7 THEN {sql.json('{"off": ["announcements"]}')}
                     ELSE {sql.json('{}')} END,
                {sql.true()}, {sql.at(sql.below(8_760))}, {sql.at('0')}
            FROM {sql.numbers(users)}""",
        f"""INSERT INTO activities (id, title, description, category, styles, skills, area,
                created_at, updated_at)
            SELECT i, '活動' || i, '', 'environment', {sql.json('[]')}, {sql.json('[]')},
                '地域' || (i % 20), {sql.at('0')}, {sql.at('0')}
            FROM {sql.numbers(activities)}""",
        f"""INSERT INTO slots (id, activity_id, code, starts_at, ends_at, seats_taken, all_day,
                status)
            SELECT i, 1 + {sql.below(activities)}, '' || i, {sql.at('h')}, {sql.at('h + 2')},
                0, {sql.false()}, 'open'
            FROM (SELECT i, {sql.below(8_760)} AS h FROM {sql.numbers(slots)}) AS s""",
        # each slot's sign-ups: `per_slot` different people, half of them attended
        f"""INSERT INTO signups (slot_id, user_id, status, created_at, queued_at, updated_at)
            SELECT slots.id, 1 + (slots.id * 131 + k.i * 4999) % {users},
                CASE k.i % 4 WHEN 0 THEN 'attended' WHEN 1 THEN 'attended'
                             WHEN 2 THEN 'no_show' ELSE 'confirmed' END,
                slots.starts_at, slots.starts_at, slots.starts_at
            FROM slots CROSS JOIN (SELECT i FROM {sql.numbers(per_slot)}) AS k""",
        f"""INSERT INTO recommendations_shown (user_id, slot_id, position, reason, shown_at)
            SELECT 1 + {sql.below(users)}, slots.id, 1 + {sql.below(10)},
                CASE WHEN {sql.below(10)} = 0 THEN 'baseline' ELSE 'ranking' END,
                {sql.minus_days("slots.starts_at", "1 + " + sql.below(29))}
            FROM (SELECT 1 + {sql.below(slots)} AS slot FROM {sql.numbers(counts["shown"])}) AS r
            JOIN slots ON slots.id = r.slot""",
    ]
    for statement in statements:
        session.execute(text(statement))
    if sql.pg:  # ids given: move the sequences on
        for table in ("users", "activities", "slots"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))
    session.execute(text("INSERT INTO user_roles (user_id, role, scope, granted_at) "
                         f"VALUES (1, 'staff', '', {sql.at('0')})"))


def keep_trend(app: Any, zone: str) -> None:
    """The job's work for MONTH, timed; the trend's other months kept as copies of it."""
    with session_scope(app) as session:
        t0 = time.perf_counter()
        figures = kpi.month_figures(session, MONTH, tz=zone, now=NOW)
        kpi_store.store(session, figures, month=MONTH, computed_at=NOW)
        took = time.perf_counter() - t0
        for month in kpi.months_up_to(MONTH, 12)[:-1]:
            kpi_store.store(session, [replace(f, month=f"{month:%Y-%m}") for f in figures],
                            month=month, computed_at=NOW)
    print(f"the scheduler's job, one month ({len(figures)} figures computed and kept): "
          f"{took * 1000:,.0f} ms", flush=True)


def run(args: argparse.Namespace, tmp: Path, redis_url: str) -> bool:
    scale = args.scale or (1 / 50 if args.quick else 1.0)
    counts = {k: max(int(v * scale), 10) for k, v in FULL.items()}
    database_url = args.database_url or f"sqlite:///{tmp / 'kpi-dashboard-bench.db'}"
    app = make_app(tmp / "instance", database_url, redis_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)  # the simulator's token request
    app.config["LINE_API_BASE_URL"] = f"http://127.0.0.1:{server.server_port}/simulator"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with app.app_context():
            drop_everything(app)
        migrate({**{k: v for k, v in os.environ.items() if k not in ("PORT",)},
                 "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                 "MACHIBOT_INSTANCE": str(tmp / "instance")})
        reset_redis(get_redis(app), private=not args.redis_url)
        t0 = time.monotonic()
        with session_scope(app) as session:
            fill(session, counts)
        with get_engine(app).connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("ANALYZE"))
        print(f"{get_engine(app).dialect.name}: filled "
              + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + f" in {time.monotonic() - t0:.1f} s", flush=True)
        keep_trend(app, app.config["BOT_TIMEZONE"])
        SimulatorStore(get_redis(app)).add_user("U1", "区職員")
        staff, n = Browser(app, "U1"), args.requests
        print(f"\n{n} requests each{'':12} p50 ms  p95 ms  max ms   sql  sql ms"
              "  slowest statement (ms)")
        month = f"{MONTH:%Y-%m}"
        ok = time_page(app, "dashboard page", lambda: staff.get(f"/console/kpi?month={month}"),
                       n)
        plot = f"/console/kpi/{month}/bars-participants_by_age_band.png"
        t0 = time.perf_counter()
        ok &= staff.get(plot).status_code == 200
        print(f"{'a plot, first drawn (matplotlib)':<34} {(time.perf_counter() - t0) * 1000:7.1f}"
              " (once: matplotlib loaded, then the plot drawn and kept in Redis)")
        ok &= time_page(app, "a plot, drawn already (Redis)", lambda: staff.get(plot), n)
        count = "/console/announcements/count?segment="
        for label, query in (
                ("recipients: everyone", "everyone"),
                ("recipients: two languages", "languages&values_languages=en"
                                              "&values_languages=vi"),
                ("recipients: three age bands", "age_bands&values_age_bands=20s"
                                                "&values_age_bands=30s&values_age_bands=40s"),
                ("recipients: simple mode", "simple")):
            ok &= time_page(app, label, lambda q=query: staff.get(count + q), n)
        return ok
    finally:
        finish(app, server, drop=bool(args.database_url) and not args.keep,
               redis_url=args.redis_url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1/50 of the volumes")
    parser.add_argument("--scale", type=float, help="a fraction of the issue's volumes")
    parser.add_argument("--requests", type=int, default=None, help="per request; default 100")
    parser.add_argument("--database-url", help="a scratch database (ALL its tables are "
                        "dropped); default: a temporary SQLite file")
    parser.add_argument("--redis-url", help="default: a private redis-server; else the "
                        "project's keys in it are deleted before and after")
    parser.add_argument("--keep", action="store_true", help="leave --database-url filled "
                        "at the end (to look at query plans)")
    args = parser.parse_args()
    args.requests = args.requests or (20 if args.quick else 100)
    return run_in_scratch(args, "machibot-kpi-dashboard-bench-", run)


if __name__ == "__main__":
    sys.exit(main())
