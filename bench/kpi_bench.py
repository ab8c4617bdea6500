"""The KPI figures (models/kpi.py) at the ward's size: the time of a month and of a trend.

    .venv/bin/python bench/kpi_bench.py                # the issue's volumes, SQLite
    .venv/bin/python bench/kpi_bench.py --quick        # 1/50 of them
    .venv/bin/python bench/kpi_bench.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/scratch

A scratch database (a temporary SQLite file, or --database-url, whose tables are dropped
before and after the run) gets its tables and is filled with bulk INSERTs: 100,000 users,
10,000 activities with 50,000 slots over a year, 1,000,000 sign-ups (two in three
attended) and 2,000,000 recommendations shown (--scale or --quick for fewer). Then the
figures of one month are computed N times and printed (p50/p95/max ms, statements), and a
12-month trend once. Figures only: no thresholds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from models import Base, kpi  # noqa: E402
from models.activities import Activity, Slot  # noqa: E402
from models.impressions import ShownRecommendation  # noqa: E402
from models.signups import ATTENDED, CONFIRMED, NO_SHOW, Signup  # noqa: E402
from models.users import AGE_BANDS, User  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
LOCALES = ["ja"] * 15 + ["ja_easy", "en", "zh_Hans", "ko", "vi", "ne"]
BATCH = 20_000


def _bulk(session: Session, model: type, rows) -> None:  # type: ignore[no-untyped-def]
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            session.execute(insert(model), batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)


def fill(session: Session, scale: float, rng: random.Random) -> None:
    users, slots = int(100_000 * scale), int(50_000 * scale)
    activities = max(1, int(10_000 * scale))
    bands = [*AGE_BANDS, None, None]
    _bulk(session, User, ({"id": i, "line_user_id": f"U{i:032x}", "locale": rng.choice(LOCALES),
                           "mode": "standard", "age_band": rng.choice(bands),
                           "notification_prefs": {}, "active": True,
                           "created_at": START + timedelta(minutes=rng.randrange(525_600))}
                          for i in range(1, users + 1)))
    _bulk(session, Activity, ({"id": i, "title": f"活動{i}", "category": "environment",
                               "styles": [], "skills": [], "area": f"地域{i % 20}"}
                              for i in range(1, activities + 1)))
    starts = {i: START + timedelta(hours=rng.randrange(8_760)) for i in range(1, slots + 1)}
    _bulk(session, Slot, ({"id": i, "activity_id": rng.randrange(1, activities + 1),
                           "code": str(i), "starts_at": at, "ends_at": at + timedelta(hours=2),
                           "seats_taken": 0} for i, at in starts.items()))
    pairs = {(rng.randrange(1, users + 1), rng.randrange(1, slots + 1))
             for _ in range(int(1_000_000 * scale))}
    _bulk(session, Signup, ({"user_id": u, "slot_id": s,
                             "status": rng.choice((ATTENDED, ATTENDED, NO_SHOW, CONFIRMED)),
                             "created_at": starts[s] - timedelta(days=rng.randrange(1, 20)),
                             "queued_at": starts[s]} for u, s in pairs))
    _bulk(session, ShownRecommendation, (
        {"user_id": rng.randrange(1, users + 1), "slot_id": s, "position": rng.randrange(1, 11),
         "reason": "baseline" if rng.random() < 0.1 else "ranking",
         "shown_at": starts[s] - timedelta(days=rng.randrange(1, 30))}
        for s in (rng.randrange(1, slots + 1) for _ in range(int(2_000_000 * scale)))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--quick", action="store_true", help="1/50 of the volumes")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    scale = 0.02 if args.quick else args.scale
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(args.database_url or f"sqlite:///{scratch}/kpi.db")
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        began = time.perf_counter()
        with Session(engine) as session, session.begin():
            fill(session, scale, random.Random(15))
        filled = time.perf_counter() - began
        print(f"{engine.dialect.name}, scale {scale}: filled in {filled:.0f} s")
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: statements.append(statement))
        times = []
        with Session(engine) as session:
            for _ in range(args.runs):
                statements.clear()
                began = time.perf_counter()
                kpi.month_figures(session, date(2026, 6, 1), tz="Asia/Tokyo",
                                  now=datetime(2027, 1, 1, tzinfo=UTC))
                times.append((time.perf_counter() - began) * 1000)
            times.sort()
            print(f"a month's figures: p50 {statistics.median(times):.0f} ms, "
                  f"p95 {times[int(len(times) * 0.95) - 1]:.0f} ms, max {times[-1]:.0f} ms, "
                  f"{len(statements)} statements")
            began = time.perf_counter()
            kpi.trend(session, date(2026, 12, 1), 12, tz="Asia/Tokyo",
                      now=datetime(2027, 1, 1, tzinfo=UTC))
            print(f"a 12-month trend: {(time.perf_counter() - began) * 1000:.0f} ms")
        Base.metadata.drop_all(engine)
        engine.dispose()


if __name__ == "__main__":
    main()
