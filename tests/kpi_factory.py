"""A small population whose KPIs are known (tests/models/test_kpi.py says which), for the
figures' tests and the report's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.db import session_scope
from models.activities import Activity, Slot
from models.gatherings import Gathering
from models.ideas import ADOPTED, SUBMITTED, Idea, IdeaCall
from models.impressions import ShownRecommendation
from models.initiatives import Initiative
from models.organisations import PENDING, VERIFIED, Organisation
from models.signups import ATTENDED, NO_SHOW, Signup
from models.supporters import SupportSession
from models.users import User

TOKYO = ZoneInfo("Asia/Tokyo")
APRIL = date(2026, 4, 1)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TOKYO).astimezone(UTC)


def make_population(app: Any) -> None:
    """Ten people (u0..u9) and one who came in May (u10), as the expected figures say."""
    bands = ["20s", "20s", "20s", "20s", "40s", "60s", "none", None, None, None, "30s"]
    locales = ["en", "en", "vi", "ja", "ja", "ja", "ja", "ja", "ja", "ja_easy", "ko"]
    with session_scope(app) as session:
        users = [User(line_user_id=f"U{i:032x}", display_name=f"住民{i}さん", locale=locales[i],
                      age_band=bands[i],
                      created_at=at(4, 1 + i) if i < 5 else at(3, 1) if i < 10 else at(5, 2))
                 for i in range(11)]
        session.add_all(users)
        slots = {}
        for name, area, starts in [("S0", "阿佐谷", at(3, 5)), ("S1", "阿佐谷", at(4, 10)),
                                   ("S2", "阿佐谷", at(5, 20)), ("S3", "", at(9, 1)),
                                   ("S4", "荻窪", at(4, 20))]:
            activity = Activity(title=name, category="environment", styles=[], area=area)
            slot = Slot(code=name, starts_at=starts, ends_at=starts + timedelta(hours=2),
                        capacity=50, seats_taken=0)
            activity.slots.append(slot)
            session.add(activity)
            slots[name] = slot
        session.flush()

        def signup(i: int, slot: str, created: datetime, status: str = ATTENDED) -> None:
            session.add(Signup(user_id=users[i].id, slot_id=slots[slot].id, status=status,
                               created_at=created, queued_at=created))

        for i in range(8):
            signup(i, "S1", at(4, 5))
        signup(0, "S4", at(4, 16))
        signup(1, "S4", at(4, 16), NO_SHOW)
        signup(8, "S4", at(4, 20, 9))
        signup(9, "S4", at(4, 18))
        signup(9, "S0", at(3, 1))  # u9 first attended in March: not in April's cohort
        signup(1, "S2", at(5, 1))  # back within 90 days
        signup(2, "S3", at(8, 20))  # back within 180 days only
        signup(6, "S2", at(4, 26))  # signed up two days after the baseline showed it

        def shown(i: int, slot: str, when: datetime, reason: str) -> None:
            session.add(ShownRecommendation(user_id=users[i].id, slot_id=slots[slot].id,
                                            position=1, reason=reason, shown_at=when))

        for i in range(6):
            shown(i, "S4", at(4, 15), "interest:environment")
        shown(8, "S4", at(4, 1), "near")  # signed up 19 days later: not a match
        shown(6, "S2", at(4, 25), "baseline")
        shown(7, "S2", at(4, 25), "baseline")
        shown(7, "S2", at(4, 28), "baseline")  # the same slot again: counted once
        shown(9, "S1", at(3, 20), "ranking")  # March

        session.add_all([
            Organisation(name="O1", status=VERIFIED, created_at=at(3, 1), verified_at=at(3, 2)),
            Organisation(name="O2", status=PENDING, created_at=at(4, 3)),
            Organisation(name="O3", status=VERIFIED, created_at=at(5, 3), verified_at=at(5, 3)),
        ])
        initiatives = [Initiative(presenter_id=users[0].id, title=f"I{n}", summary="",
                                  status="open") for n in range(3)]
        session.add_all(initiatives)
        session.flush()
        for n, (initiative, when, cancelled) in enumerate([
                (initiatives[0], at(4, 12), False), (initiatives[0], at(6, 1), False),
                (initiatives[1], at(3, 12), False), (initiatives[1], at(4, 14), False),
                (initiatives[2], at(4, 15), True)]):
            session.add(Gathering(kind="preparation", initiative_id=initiative.id,
                                  starts_at=when, ics_token=f"t{n}", cancelled=cancelled))
        call = IdeaCall(theme="公園", issue="", deadline=at(6, 1))
        session.add(call)
        session.flush()
        for created, status, reviewed in [(at(4, 3), ADOPTED, at(4, 10)),
                                          (at(4, 4), ADOPTED, at(5, 2)),
                                          (at(4, 5), SUBMITTED, None),
                                          (at(3, 20), ADOPTED, at(4, 2))]:
            session.add(Idea(call_id=call.id, submitter_id=users[3].id, status=status,
                             created_at=created, reviewed_at=reviewed))
        session.add(SupportSession(ticket="t", supporter_id=users[5].id,
                                   resident_id=users[6].id, via="code", started_at=at(4, 10)))
