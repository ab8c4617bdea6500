"""Finding slots: filters that combine (category + area + weekend ...), keywords in any of the
bot's languages, distance from a shared location, and the nearest alternatives when nothing
matches."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session, contains_eager

from bot.kernel.i18n import SUPPORTED_LOCALES, babel_locale, gettext
from models.activities import (
    OPEN,
    STYLE_JA,
    STYLES,
    Activity,
    Slot,
    as_utc,
    distance_m,
)
from models.categories import CATEGORIES, CATEGORY_JA
from models.organisations import public_clause
from models.search_index import fold, long_vowels

WHENS = ("today", "weekend", "date")


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    area: str | None = None
    when: str | None = None  # WHENS
    day: str | None = None  # ISO date, with when == "date"
    style: str | None = None
    keyword: str | None = None
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Filters:
        data = data or {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known and v not in (None, "")})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}

    @property
    def near(self) -> bool:
        return self.lat is not None and self.lon is not None

    def is_empty(self) -> bool:
        return not self.to_dict()


@dataclass(frozen=True)
class Hit:
    slot: Slot
    distance: float | None = None  # metres from the shared location


_VOCABULARY: dict[str, tuple[str, str]] | None = None


def vocabulary() -> dict[str, tuple[str, str]]:
    """Every locale's category and style names, folded -> ("category"|"style", code)."""
    global _VOCABULARY
    if _VOCABULARY is None:
        table: dict[str, tuple[str, str]] = {}
        for kind, names in (("category", CATEGORIES), ("style", STYLES)):
            for code, msgid in names.items():
                for locale in SUPPORTED_LOCALES:
                    table.setdefault(fold(gettext(locale, msgid)), (kind, code))
                table.setdefault(fold(msgid), (kind, code))

        for ja, code in CATEGORY_JA.items():
            table.setdefault(fold(ja), ("category", code))
        for ja, code in STYLE_JA.items():
            table.setdefault(fold(ja), ("style", code))
        _VOCABULARY = table
    return _VOCABULARY


def day_range(filters: Filters, now: datetime, tz: str) -> tuple[datetime, datetime] | None:
    """The [start, end) the `when` filter asks for, in UTC."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    if filters.when == "today":
        first, last = today, today
    elif filters.when == "weekend":
        weekday = today.weekday()  # Monday 0 ... Sunday 6
        first = today if weekday >= 5 else today + timedelta(days=5 - weekday)
        last = first + timedelta(days=6 - first.weekday())
    elif filters.when == "date" and filters.day:
        try:
            first = last = date.fromisoformat(filters.day)
        except ValueError:
            return None
    else:
        return None
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    return as_utc(max(start, now)), as_utc(end)


def _like(word: str) -> str:
    """A LIKE pattern (escape "/") finding `word` anywhere, made once, not per row."""
    return "%" + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def keyword_clause(keyword: str) -> tuple[Any, Any] | None:
    """(where, title first) for a typed keyword: every word in the activity's index (a Latin
    word also as romaji without long vowels), and whether the title holds them all. The
    index's whole text holds the titles and the slots' places too: one LIKE a word and form
    decides."""
    words = [w for w in fold(keyword).split() if w][:5]
    if not words:
        return None
    wheres, titles = [], []
    for word in words:
        forms = sorted({word, long_vowels(word)} if word.isascii() else {word})
        wheres.append(or_(*(Activity.search_text.like(_like(f), escape="/") for f in forms)))
        titles.append(or_(*(Activity.search_title.like(_like(f), escape="/") for f in forms)))
    return and_(*wheres), and_(*titles)


def _spelling_variants(keyword: str) -> str | None:
    """A keyword of one word of 6 to 16 letters, perhaps with one letter wrong, missing or
    extra."""
    word = fold(keyword)
    if " " in word or not 6 <= len(word) <= 16:
        return None
    return word


def _near_clause(word: str) -> Any:
    """Titles that may hold `word` with one letter wrong, missing or extra: such a word
    keeps its first half or its second half as typed (two LIKEs, not one a letter)."""
    middle = len(word) // 2
    halves = {word[:middle], word[middle:]} if len(word) % 2 == 0 else {
        word[:middle], word[middle + 1:]}
    return or_(*(Activity.search_title.like(_like(h), escape="/") for h in sorted(halves)
                 if len(h) >= 3))


def search(session: Session, filters: Filters, *, now: datetime, tz: str,
           horizon_days: int = 120, limit: int = 60) -> list[Hit]:
    """Open, upcoming slots matching every filter: by date, or by distance when near; with a
    keyword, the slots of activities whose titles hold it first."""
    now = as_utc(now)
    slot_where = [Slot.status == OPEN, Slot.starts_at > now,
                  Slot.starts_at < now + timedelta(days=horizon_days)]
    span = day_range(filters, now, tz)
    if span is not None:
        slot_where += [Slot.starts_at >= span[0], Slot.starts_at < span[1]]
    activity_where = [public_clause(Activity.organisation_id)]
    if filters.category:
        activity_where.append(Activity.category == filters.category)
    if filters.area:
        activity_where.append(Activity.area == filters.area)
    clause = keyword_clause(filters.keyword) if filters.keyword else None
    if clause is None:
        query = (select(Slot).join(Activity).options(contains_eager(Slot.activity))
                 .where(*slot_where, *activity_where).order_by(Slot.starts_at, Slot.id))
        slots = list(session.scalars(query.limit(limit)).unique())
    else:  # in any version of the titles and descriptions, titles first
        where, in_title = clause
        page = _keyword_page(session, where, in_title, activity_where, slot_where, limit)
        near = _spelling_variants(filters.keyword or "")
        if not page and near is not None:  # nothing as typed: one letter off
            near_where = _near_clause(near)
            page = _keyword_page(session, near_where, near_where, activity_where, slot_where,
                                 limit)
        slots = _load_slots(session, page)
    if filters.style:
        slots = [s for s in slots if filters.style in (s.activity.styles or [])]
    if not filters.near:
        return [Hit(s) for s in slots]
    hits = [Hit(s, distance_m(filters.lat, filters.lon, s.lat, s.lon))  # type: ignore[arg-type]
            for s in slots if s.lat is not None and s.lon is not None]
    return sorted(hits, key=lambda h: h.distance or 0.0)


# how many of the earliest slots the first try reads for a page of title hits
EARLY_SLOTS_PER_HIT = 10


def _keyword_page(session: Session, where: Any, in_title: Any, activity_where: list[Any],
                  slot_where: list[Any], limit: int) -> list[int]:
    """The ids of a page of slots whose activities match, titles first, then by time."""
    early = _early_title_page(session, in_title, activity_where, slot_where, limit)
    if early is not None:
        return early
    return _ranked_page(session, where, in_title, activity_where, slot_where, limit)


def _early_title_page(session: Session, in_title: Any, activity_where: list[Any],
                      slot_where: list[Any], limit: int) -> list[int] | None:
    """A common word fills the page with title hits among the earliest slots: when the
    earliest `limit * EARLY_SLOTS_PER_HIT` slots hold `limit` of them, they are the page
    (the ranked query would put the same first), read without testing every activity.
    None when they do not."""
    earliest = (select(Slot.id, Slot.starts_at, case((in_title, 1), else_=0).label("in_title"))
                .join(Activity).where(*slot_where, *activity_where)
                .order_by(Slot.starts_at, Slot.id).limit(limit * EARLY_SLOTS_PER_HIT)
                .subquery("earliest"))
    ids = list(session.scalars(
        select(earliest.c.id).where(earliest.c.in_title == 1)
        .order_by(earliest.c.starts_at, earliest.c.id).limit(limit)))
    return ids if len(ids) == limit else None


def _ranked_page(session: Session, where: Any, in_title: Any, activity_where: list[Any],
                 slot_where: list[Any], limit: int) -> list[int]:
    """The page from every match, ranked: the activities that match are found first, on
    their own (one pass over the index columns, or PostgreSQL's trigram index), and only
    then their slots. Driven from the slots instead, every upcoming slot would look its
    activity up to test the words, and the sort would carry whole rows."""
    matches = (select(Activity.id.label("activity_id"),
                      case((in_title, 0), else_=1).label("rank"))
               .where(where, *activity_where).cte("matches"))
    if _materializes(session):
        matches = matches.prefix_with("MATERIALIZED")
    return list(session.scalars(
        select(Slot.id).join(matches, matches.c.activity_id == Slot.activity_id)
        .where(*slot_where)
        .order_by(matches.c.rank, Slot.starts_at, Slot.id).limit(limit)))


def _materializes(session: Session) -> bool:
    """Whether the database takes WITH ... AS MATERIALIZED (SQLite 3.35, PostgreSQL 12): it
    keeps SQLite from folding the matches back into a join driven by the slots."""
    dialect = session.connection().dialect
    version = dialect.server_version_info or (0,)
    return version >= ((3, 35) if dialect.name == "sqlite" else (12,))


def _load_slots(session: Session, ids: list[int]) -> list[Slot]:
    """These slots with their activities, in this order."""
    if not ids:
        return []
    loaded = {s.id: s for s in session.scalars(
        select(Slot).join(Activity).options(contains_eager(Slot.activity))
        .where(Slot.id.in_(ids))).unique()}
    return [loaded[i] for i in ids if i in loaded]


def interpret_keyword(keyword: str) -> Filters:
    """A typed word that names a category or style becomes that filter ("環境", "online")."""
    found = vocabulary().get(fold(keyword).strip())
    if found is None:
        return Filters(keyword=keyword.strip()[:40])
    kind, code = found
    return Filters(category=code) if kind == "category" else Filters(style=code)


RELAX_ORDER = ("when", "style", "area", "keyword", "category")


def alternatives(session: Session, filters: Filters, *, now: datetime,
                 tz: str) -> tuple[str | None, list[Hit]]:
    """Nothing matched: the results with the fewest filters dropped, and which one went."""
    for name in RELAX_ORDER:
        if getattr(filters, name) is None:
            continue
        relaxed = replace(filters, **{name: None, **({"day": None} if name == "when" else {})})
        hits = search(session, relaxed, now=now, tz=tz)
        if hits:
            return name, hits
    hits = search(session, Filters(lat=filters.lat, lon=filters.lon), now=now, tz=tz)
    return ("all" if hits else None), hits


def format_distance(metres: float, locale: str) -> str:
    if metres < 1000:
        return f"{int(round(metres, -1))} m"
    return f"{format_decimal(round(metres / 1000, 1), locale=babel_locale(locale))} km"
