"""The ward's KPIs for a month, in SQL: what the seed (seeds/000_*) sets targets for, measured.

- Matching success: of the slots recommended to people in the month (each person and slot
  once, models/impressions.py), the share they signed up for within 14 days of first seeing
  it and attended; for the ranking and for the by-date baseline, so the ranking's uplift is
  measured rather than assumed (target 70 %).
- Continuation: of the people whose first attendance ever fell in the month, the share who
  attended again within 90 and within 180 days (target 60 %); provisional while the window
  has not passed.
- Participation: the people who attended a slot starting in the month, by age band (the
  young, 20s to 40s, of those who told their band: target 35 %), by language (foreign
  residents: a language other than Japanese: target 25 %) and by the activity's area.
- Counts: new friends, active users (did something in the month: a sign-up, an idea, an
  interest, an opinion, an answer to a gathering, recommendations looked at), users and
  registered and verified organisations at the month's end (targets 100,000 and 1,000),
  initiatives whose first gathering fell in the month, ideas submitted and adopted, digital
  supporter sessions.

Each figure is one aggregate statement (a month's figures take `STATEMENTS_PER_MONTH`),
whatever the number of people: nothing loops over people in Python. What leaves this module
for people to read goes through `publish`, which shows counts of 1 to 4 people, and the
rates built on them, as "<5" so that no one can be singled out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    DateTime,
    and_,
    case,
    exists,
    false,
    func,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import FunctionElement

from models.activities import Activity, Slot
from models.gatherings import Gathering
from models.ideas import ADOPTED, Idea
from models.impressions import BASELINE, RANKING, ShownRecommendation
from models.initiatives import Interest, Opinion
from models.locales import N_
from models.organisations import VERIFIED, Organisation
from models.signups import ATTENDED, Signup
from models.supporters import SupportSession
from models.users import User

MATCH_DAYS = 14
CONTINUATION_DAYS = (90, 180)
YOUNG_BANDS = ("20s", "30s", "40s")
TOLD_BANDS = ("10s", "20s", "30s", "40s", "50s", "60s", "70s", "80plus")
JAPANESE_LOCALES = ("ja", "ja_easy")
UNKNOWN = "unknown"  # an age band never told (or skipped), an activity without an area

# the seed's targets (seeds/000_*: KPI, KSI and the ward's participation aims)
TARGETS: dict[str, float] = {
    "matching_success": 0.70,
    "continuation_90": 0.60,
    "continuation_180": 0.60,
    "young_share": 0.35,
    "foreign_share": 0.25,
    "users": 100_000,
    "organisations_registered": 1_000,
}

# what each figure is called where people read it (the report, the console)
LABELS: dict[str, str] = {
    "matching_success": N_("Matching success"),
    "continuation_90": N_("Took part again within 90 days"),
    "continuation_180": N_("Took part again within 180 days"),
    "participants": N_("Participants"),
    "young_share": N_("Share in their 20s to 40s"),
    "foreign_share": N_("Foreign residents"),
    "participants_by_age_band": N_("People by age group"),
    "participants_by_language": N_("People by language"),
    "participants_by_area": N_("People by area"),
    "new_friends": N_("New friends"),
    "active_users": N_("Active users"),
    "users": N_("Users"),
    "organisations_registered": N_("Orgs registered"),
    "organisations_verified": N_("Orgs verified"),
    "initiatives_reaching_a_gathering": N_("Initiatives that reached a gathering"),
    "ideas_submitted": N_("Ideas submitted"),
    "ideas_adopted": N_("Ideas adopted"),
    "supporter_sessions": N_("Supporter sessions"),
    # groups
    RANKING: N_("Ranked"),
    BASELINE: N_("By date (baseline)"),
    UNKNOWN: N_("Unknown"),
}

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"

Cell = int | float | str | None


@dataclass(frozen=True)
class Figure:
    """One figure of one month: a count (`value`), or a rate (`value` = numerator over
    denominator); `group` for one bar of a breakdown (an age band, a locale, an area);
    `people`: its counts are of people (and so are suppressed under 5)."""

    key: str
    month: str  # YYYY-MM
    value: Cell
    numerator: Cell = None
    denominator: Cell = None
    group: str = ""
    people: bool = True
    provisional: bool = False  # its window (14, 90 or 180 days) has not passed yet

    @property
    def target(self) -> float | None:
        return None if self.group else TARGETS.get(self.key)

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


def publish(figure: Figure) -> Figure:
    """The figure as it may be shown anywhere (CSV, plots, the console): a count of 1 to 4
    people is "<5", and so is a rate whose numerator or denominator is one."""
    if not figure.people:
        return figure
    counts = (figure.numerator, figure.denominator) if figure.is_rate else (figure.value,)
    if not any(isinstance(c, int) and 0 < c < SUPPRESS_BELOW for c in counts):
        return figure
    small = [SUPPRESSED if isinstance(c, int) and 0 < c < SUPPRESS_BELOW else c
             for c in (figure.numerator, figure.denominator)]
    return replace(figure, value=SUPPRESSED, numerator=small[0] if figure.is_rate else None,
                   denominator=small[1] if figure.is_rate else None)


# -- months -------------------------------------------------------------------------------------


def parse_month(text: str) -> date:
    """"2026-04" -> date(2026, 4, 1); ValueError otherwise."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def month_bounds(month: date, tz: str) -> tuple[datetime, datetime]:
    """The month in the ward's time zone, as UTC [start, end)."""
    zone = ZoneInfo(tz)
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end = datetime(following.year, following.month, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def months_up_to(month: date, count: int) -> list[date]:
    """The `count` months ending with `month`, oldest first."""
    index = month.year * 12 + month.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


class plus_days(FunctionElement[datetime]):
    """`column + days` in SQL (SQLite and PostgreSQL write it differently)."""

    type = DateTime(timezone=True)
    inherit_cache = True
    name = "plus_days"

    def __init__(self, value: Any, days: int) -> None:
        self.days = int(days)
        super().__init__(value)


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element: plus_days, compiler: Any, **kw: Any) -> str:
    # the format SQLAlchemy stores datetimes in on SQLite, so that they compare as text
    return (f"strftime('%Y-%m-%d %H:%M:%f000', {compiler.process(element.clauses, **kw)}, "
            f"'+{element.days} days')")


@compiles(plus_days)
def _plus_days_default(element: plus_days, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} + interval '{element.days} days')"


# -- the figures ----------------------------------------------------------------------------------


def month_figures(session: Session, month: date, *, tz: str, now: datetime) -> list[Figure]:
    """Every figure of `month` (see the module's docstring), in a stable order."""
    start, end = month_bounds(month, tz)
    label = f"{month:%Y-%m}"
    figures: list[Figure] = []
    figures += matching_success(session, label, start, end, now=now)
    figures += continuation(session, label, start, end, now=now)
    figures += participation(session, label, start, end)
    figures += counts(session, label, start, end)
    return figures


STATEMENTS_PER_MONTH = 8  # whatever the number of people (tests/models/test_kpi.py)


def trend(session: Session, month: date, months: int, *, tz: str,
          now: datetime) -> list[Figure]:
    """The figures of the `months` months up to `month`, oldest first."""
    return [f for m in months_up_to(month, months)
            for f in month_figures(session, m, tz=tz, now=now)]


def _rate(key: str, month: str, numerator: int, denominator: int, *, group: str = "",
          provisional: bool = False) -> Figure:
    value = numerator / denominator if denominator else None
    return Figure(key, month, value, numerator, denominator, group=group,
                  provisional=provisional)


def matching_success(session: Session, month: str, start: datetime, end: datetime, *,
                     now: datetime) -> list[Figure]:
    """Recommended slots signed up for within MATCH_DAYS and attended, over those
    recommended: overall, for the ranking and for the baseline (one statement)."""
    shown = ShownRecommendation
    is_baseline = case((shown.reason == BASELINE, 1), else_=0)
    first = (select(shown.user_id, shown.slot_id, func.max(is_baseline).label("baseline"),
                    func.min(shown.shown_at).label("first_shown"))
             .where(shown.shown_at >= start, shown.shown_at < end)
             .group_by(shown.user_id, shown.slot_id).subquery())
    # queued_at: when they last signed up (a sign-up cancelled and made again keeps its row,
    # and its created_at, but joins the queue anew)
    matched = exists().where(
        Signup.user_id == first.c.user_id, Signup.slot_id == first.c.slot_id,
        Signup.status == ATTENDED, Signup.queued_at >= first.c.first_shown,
        Signup.queued_at <= plus_days(first.c.first_shown, MATCH_DAYS))
    rows = session.execute(
        select(first.c.baseline, func.count(), func.sum(case((matched, 1), else_=0)))
        .group_by(first.c.baseline)).all()
    by_group = {bool(b): (int(n or 0), int(m or 0)) for b, n, m in rows}
    ranking, baseline = by_group.get(False, (0, 0)), by_group.get(True, (0, 0))
    provisional = end + timedelta(days=MATCH_DAYS) > now
    return [
        _rate("matching_success", month, ranking[1] + baseline[1], ranking[0] + baseline[0],
              provisional=provisional),
        _rate("matching_success", month, ranking[1], ranking[0], group=RANKING,
              provisional=provisional),
        _rate("matching_success", month, baseline[1], baseline[0], group=BASELINE,
              provisional=provisional),
    ]


def _attendances() -> Any:
    """(user_id, starts_at) of every attendance."""
    return (select(Signup.user_id, Slot.starts_at).join(Slot, Slot.id == Signup.slot_id)
            .where(Signup.status == ATTENDED))


def continuation(session: Session, month: str, start: datetime, end: datetime, *,
                 now: datetime) -> list[Figure]:
    """Of the people whose first attendance fell in the month, the share attending again
    within each of CONTINUATION_DAYS (one statement). Each person's next attendance after
    the first is found by a join and grouped, not by a lookup per person (which PostgreSQL
    cannot index into an aggregate: 1.7 s for a month at a tenth of the issue's volumes)."""
    attended = _attendances().subquery()
    first = (select(attended.c.user_id, func.min(attended.c.starts_at).label("first_at"))
             .group_by(attended.c.user_id).subquery())
    cohort = select(first).where(first.c.first_at >= start, first.c.first_at < end).subquery()
    again = aliased(attended)
    following = (select(cohort.c.user_id, func.min(again.c.starts_at).label("next_at"))
                 .join(again, and_(again.c.user_id == cohort.c.user_id,
                                   again.c.starts_at > cohort.c.first_at))
                 .group_by(cohort.c.user_id).subquery())

    def back_within(days: int) -> ColumnElement[int]:
        came_back = following.c.next_at <= plus_days(cohort.c.first_at, days)
        return func.sum(case((came_back, 1), else_=0))

    row = session.execute(
        select(func.count(), *(back_within(d) for d in CONTINUATION_DAYS))
        .select_from(cohort.outerjoin(following, following.c.user_id == cohort.c.user_id))
    ).one()
    cohort = int(row[0] or 0)
    return [_rate(f"continuation_{days}", month, int(row[i + 1] or 0), cohort,
                  provisional=end + timedelta(days=days) > now)
            for i, days in enumerate(CONTINUATION_DAYS)]


def _participants(start: datetime, end: datetime) -> Any:
    """The sign-ups attended at slots starting in [start, end), with their activity."""
    return (select(Signup.user_id, Activity.area)
            .join(Slot, Slot.id == Signup.slot_id).join(Activity, Activity.id == Slot.activity_id)
            .where(Signup.status == ATTENDED, Slot.starts_at >= start, Slot.starts_at < end))


def participation(session: Session, month: str, start: datetime,
                  end: datetime) -> list[Figure]:
    """People who attended in the month: in all, by age band, by language and by area, and
    the shares of the young and of foreign residents (two statements: the people by band and
    language at once, a few dozen rows, summed each way here)."""
    ids = _participants(start, end).with_only_columns(Signup.user_id).distinct().subquery()
    band = func.coalesce(User.age_band, UNKNOWN)
    by_band: Counter[str] = Counter()
    by_locale: Counter[str] = Counter()
    for age, locale, people in session.execute(
            select(band, User.locale, func.count()).join(ids, ids.c.user_id == User.id)
            .group_by(band, User.locale)):
        by_band[age] += people
        by_locale[locale] += people
    area = func.coalesce(func.nullif(Activity.area, ""), UNKNOWN)
    by_area = dict(session.execute(
        _participants(start, end).with_only_columns(area, func.count(Signup.user_id.distinct()))
        .group_by(area)).all())
    total = sum(by_locale.values())
    told = sum(n for b, n in by_band.items() if b in TOLD_BANDS)
    young = sum(n for b, n in by_band.items() if b in YOUNG_BANDS)
    foreign = sum(n for code, n in by_locale.items() if code not in JAPANESE_LOCALES)
    figures = [Figure("participants", month, total),
               _rate("young_share", month, young, told),
               _rate("foreign_share", month, foreign, total)]
    figures += [Figure("participants_by_age_band", month, n, group=b)
                for b, n in sorted(by_band.items(), key=lambda bn: _band_order(bn[0]))]
    figures += [Figure("participants_by_language", month, n, group=code)
                for code, n in sorted(by_locale.items())]
    figures += [Figure("participants_by_area", month, n, group=a)
                for a, n in sorted(by_area.items())]
    return figures


def _band_order(band: str) -> int:
    order = [*TOLD_BANDS, "none", UNKNOWN]
    return order.index(band) if band in order else len(order)


def _active_people(start: datetime, end: datetime) -> Any:
    """Everyone who did something in [start, end) that the platform keeps a record of."""
    def within(column: Any) -> ColumnElement[bool]:
        return and_(column >= start, column < end)

    return union(
        select(Signup.user_id).where(within(Signup.created_at)),
        select(Idea.submitter_id).where(within(Idea.created_at), Idea.submitter_id.is_not(None)),
        select(Interest.user_id).where(within(Interest.created_at)),
        select(Opinion.user_id).where(within(Opinion.created_at)),
        select(ShownRecommendation.user_id).where(within(ShownRecommendation.shown_at)),
        select(SupportSession.resident_id).where(within(SupportSession.started_at)),
    ).subquery()


def counts(session: Session, month: str, start: datetime, end: datetime) -> list[Figure]:
    """The plain counts, in four statements."""
    row = session.execute(select(
        select(func.count()).where(User.created_at >= start, User.created_at < end)
        .scalar_subquery(),
        select(func.count()).where(User.created_at < end).scalar_subquery(),
        select(func.count()).select_from(_active_people(start, end)).scalar_subquery(),
        select(func.count()).where(SupportSession.started_at >= start,
                                   SupportSession.started_at < end).scalar_subquery(),
    )).one()
    new_friends, users, active, sessions = (int(v or 0) for v in row)
    organisations = session.execute(select(
        func.count(),
        func.sum(case((and_(Organisation.status == VERIFIED,
                            func.coalesce(Organisation.verified_at, Organisation.created_at)
                            < end), 1), else_=0)))
        .where(Organisation.created_at < end)).one()
    first_gathering = (select(Gathering.initiative_id,
                              func.min(Gathering.starts_at).label("first_at"))
                       .where(Gathering.initiative_id.is_not(None),
                              Gathering.cancelled.is_(false()))
                       .group_by(Gathering.initiative_id).subquery())
    reached = session.scalar(select(func.count()).where(first_gathering.c.first_at >= start,
                                                        first_gathering.c.first_at < end))
    ideas = session.execute(select(
        func.sum(case((and_(Idea.created_at >= start, Idea.created_at < end), 1), else_=0)),
        func.sum(case((and_(Idea.status == ADOPTED, Idea.reviewed_at >= start,
                            Idea.reviewed_at < end), 1), else_=0)))).one()
    return [
        Figure("new_friends", month, new_friends),
        Figure("active_users", month, active),
        Figure("users", month, users),
        Figure("organisations_registered", month, int(organisations[0] or 0), people=False),
        Figure("organisations_verified", month, int(organisations[1] or 0), people=False),
        Figure("initiatives_reaching_a_gathering", month, int(reached or 0), people=False),
        Figure("ideas_submitted", month, int(ideas[0] or 0)),
        Figure("ideas_adopted", month, int(ideas[1] or 0)),
        Figure("supporter_sessions", month, sessions),
    ]


def published(figures: Iterable[Figure]) -> list[Figure]:
    """`publish` over a list."""
    return [publish(f) for f in figures]


def of_key(figures: Sequence[Figure], key: str, *, group: str = "") -> list[Figure]:
    """The figures named `key` (for one group, or the totals), in their order."""
    return [f for f in figures if f.key == key and f.group == group]
