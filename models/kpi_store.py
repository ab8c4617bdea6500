"""The KPI figures of each month, kept (`kpi_figures`): what the console's dashboard reads.

A month's figures (models/kpi.py) take a few seconds over the ward's whole population: too
slow for a page (bench/kpi_bench.py), and the same for everyone who opens it. So a
scheduler job (bot/kpi_figures.py) computes them and keeps them here, one row per figure and
group, replaced whole for a month at a time: the current month at each run, a month never
computed, and a month whose windows (14, 90, 180 days) were still open, once a day until
they close. Past months, once final, are kept as they are.

The dashboard reads only what is kept (a month not kept yet is shown as such, not computed
during the request). The rows are the raw figures (`kpi.Figure`, not yet suppressed):
whoever shows them passes them through `kpi.publish` as the report does, so the dashboard,
the report and its CSV show one set of numbers with one rule for small cells.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Float, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import kpi
from models.activities import as_utc
from models.base import Base, utcnow

RECOMPUTE_PROVISIONAL_AFTER = timedelta(days=1)
KEPT_MONTHS = 24  # the months the job looks at (and the dashboard offers)


class KpiFigure(Base):
    __tablename__ = "kpi_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    key: Mapped[str] = mapped_column(String(48))
    group: Mapped[str] = mapped_column("group_name", String(64), default="")
    # a count is kept in `value`; a rate keeps its numerator and denominator too
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[int | None]
    denominator: Mapped[int | None]
    people: Mapped[bool] = mapped_column(default=True)
    provisional: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)  # the figures' order, as computed
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


def store(session: Session, figures: list[kpi.Figure], *, month: date,
          computed_at: datetime) -> None:
    """Replace the kept figures of `month` with `figures`."""
    label = f"{month:%Y-%m}"
    session.execute(delete(KpiFigure).where(KpiFigure.month == label))
    session.add_all(KpiFigure(month=label, key=f.key, group=f.group,
                              value=None if f.value is None else float(f.value),
                              numerator=f.numerator, denominator=f.denominator,
                              people=f.people, provisional=f.provisional, position=n,
                              computed_at=computed_at)
                    for n, f in enumerate(figures))


def _figure(row: KpiFigure) -> kpi.Figure:
    value: kpi.Cell = row.value
    if row.denominator is None and value is not None:
        value = int(value)  # a count
    return kpi.Figure(row.key, row.month, value, row.numerator, row.denominator,
                      group=row.group, people=row.people, provisional=row.provisional)


def load(session: Session, months: list[date]) -> dict[str, list[kpi.Figure]]:
    """The kept figures of each of `months` that has any: {"YYYY-MM": figures in order}
    (one statement)."""
    labels = [f"{m:%Y-%m}" for m in months]
    found: dict[str, list[kpi.Figure]] = {}
    for row in session.scalars(select(KpiFigure).where(KpiFigure.month.in_(labels))
                               .order_by(KpiFigure.month, KpiFigure.position)):
        found.setdefault(row.month, []).append(_figure(row))
    return found


def computed_at(session: Session, months: list[date]) -> datetime | None:
    """When the latest of `months`' kept figures were computed (None: never)."""
    return session.scalar(select(func.max(KpiFigure.computed_at))
                          .where(KpiFigure.month.in_([f"{m:%Y-%m}" for m in months])))


def due(session: Session, months: list[date], *, current: date,
        now: datetime) -> list[date]:
    """Which of `months` to compute now: the current month, those never computed, and
    those still provisional when computed more than a day ago."""
    labels = [f"{m:%Y-%m}" for m in months]
    kept = dict(session.execute(
        select(KpiFigure.month, func.max(KpiFigure.computed_at))
        .where(KpiFigure.month.in_(labels)).group_by(KpiFigure.month)).all())
    provisional = set(session.scalars(
        select(KpiFigure.month).where(KpiFigure.month.in_(labels),
                                      KpiFigure.provisional.is_(True)).distinct()))
    chosen = []
    for month, label in zip(months, labels, strict=True):
        at = kept.get(label)
        if month == current or at is None or (
                label in provisional and as_utc(at) + RECOMPUTE_PROVISIONAL_AFTER <= now):
            chosen.append(month)
    return chosen


def this_month(now: datetime, tz: str) -> date:
    """The month `now` falls in, in the ward's time zone."""
    local = now.astimezone(ZoneInfo(tz))
    return date(local.year, local.month, 1)


def refresh(session: Session, *, tz: str, now: datetime,
            months: int = KEPT_MONTHS) -> list[date]:
    """Compute and keep the figures of the months `due` among the last `months`; the months
    computed (the scheduler's job, bot/kpi_figures.py)."""
    current = this_month(now, tz)
    chosen = due(session, kpi.months_up_to(current, months), current=current, now=now)
    for month in chosen:
        store(session, kpi.month_figures(session, month, tz=tz, now=now), month=month,
              computed_at=now)
    return chosen


def trend(session: Session, month: date, months: int) -> tuple[list[kpi.Figure], list[date]]:
    """`kpi.trend` from the kept figures: (the figures of the `months` months up to `month`,
    oldest first; the months among them not kept yet). A month not kept is not computed
    here: over the ward's population that takes seconds, too long for a page; the job
    computes it at its next run (at once when the scheduler starts)."""
    wanted = kpi.months_up_to(month, months)
    kept = load(session, wanted)
    figures = [f for m in wanted for f in kept.get(f"{m:%Y-%m}", [])]
    return figures, [m for m in wanted if f"{m:%Y-%m}" not in kept]
