"""Staff announcements: the text (per language), who receives it, when, and how it went.

An announcement is sent by writing one outbox row per recipient (`kind="announcement"`,
`ref=str(announcement.id)`) with INSERT ... SELECT, in batches of 500, due now or at the
chosen time; the dispatcher sends each batch as a multicast. Counts come from the outbox.

`SEGMENTS[name]` gives the users a segment selects (models/segments.py); the table lists
every segment, for the chat's dialog and the console alike: those drawn from the users' own
settings here, those drawn from what people did (a slot's or an activity's participants, an
organisation's followers) in models/segments.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, cast, func, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.categories import CATEGORIES
from models.locales import N_, SUPPORTED_LOCALES
from models.outbox import CANCELLED, FAILED, SENT, as_utc, cancel, counts, enqueue_select
from models.segments import ACTIVITY_PARTICIPANTS, FOLLOWERS, PARTICIPANTS, Segment
from models.subscriptions import AREA, CATEGORY, SubscriptionTopic
from models.timing import config_of
from models.translating import OTHER_KINDS, request
from models.users import AGE_BANDS, User

KIND = "announcement"
OPT_OUT_GROUP = "announcements"  # models.subscriptions.OPT_OUT_GROUPS
DRAFT, SCHEDULED, CANCELLED_ANN = "draft", "scheduled", "cancelled"


class Announcement(Base):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # locale -> text
    # locale -> the machine's translation, for the languages staff did not write (made by
    # the translation job before the send time, if it can: models/translating.py)
    machine_texts: Mapped[dict[str, str] | None] = mapped_column(JSON, default=dict)
    segment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {kind, values}
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    send_at: Mapped[datetime | None]
    targeted: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _topic(dimension: str):  # type: ignore[no-untyped-def]
    def users(session: Session, values: list[str]):  # type: ignore[no-untyped-def]
        return select(SubscriptionTopic.user_id).where(
            SubscriptionTopic.dimension == dimension, SubscriptionTopic.value.in_(values))

    return users


def _on_users(label: str, where: Callable[[list[str]], Any], *,
              values: Callable[[Session], list[tuple[str, str]]] | None = None,
              translate_values: bool = False) -> Segment:
    """A segment of the users' own settings: a condition on the users table."""
    def users(session: Session, chosen: list[str]):  # type: ignore[no-untyped-def]
        return select(User.id).where(where(chosen))

    return Segment(label, users, values, translate_values=translate_values, where=where)


def _age_bands(values: list[str]) -> Any:
    """The people who told one of the chosen age bands ("none": those who chose not to say;
    people never asked, or who skipped the question, are in no band)."""
    return User.age_band.in_([v for v in values if v in AGE_BANDS])


def _age_band_values(session: Session) -> list[tuple[str, str]]:
    return list(AGE_BANDS.items())


def _category_values(session: Session) -> list[tuple[str, str]]:
    return list(CATEGORIES.items())


def _area_values(session: Session) -> list[tuple[str, str]]:
    return [(a, a) for a in area_names(config_of(session))]


def _language_values(session: Session) -> list[tuple[str, str]]:
    return [(code, name) for code, (_babel, name) in SUPPORTED_LOCALES.items()]


# Translators: groups of people a staff announcement can be sent to
SEGMENTS: dict[str, Segment] = {
    "everyone": _on_users(N_("Everyone"), lambda _values: true()),
    "areas": Segment(N_("By area"), _topic(AREA), _area_values),
    "categories": Segment(N_("By interest"), _topic(CATEGORY), _category_values,
                          translate_values=True),
    "languages": _on_users(N_("By language"), lambda values: User.locale.in_(values),
                           values=_language_values),
    "simple": _on_users(N_("Simple mode users"), lambda _values: User.mode == "simple"),
    "age_bands": _on_users(N_("By age group"), _age_bands, values=_age_band_values,
                           translate_values=True),
    "participants": PARTICIPANTS,
    "activity": ACTIVITY_PARTICIPANTS,
    "followers": FOLLOWERS,
}



# Translators: the first line of an announcement from the ward office
HEADER = N_("Notice from the ward office")
# Translators: shown under an announcement that has no translation in the reader's language
JAPANESE_ONLY = N_("(This notice is in Japanese only.)")


def text_for(texts: dict[str, str], locale: str) -> tuple[str, bool] | None:
    """The text a reader in `locale` gets and whether it is in their language: else the
    Japanese one (やさしい日本語 readers get it as their own); None when there is none."""
    text = texts.get(locale)
    if not text and locale == "ja_easy":
        text = texts.get("ja")
    if text:
        return text, True
    original = texts.get("ja") or next(iter(texts.values()), "")
    return (original, False) if original else None


def message_for(texts: dict[str, str], locale: str, translate: Callable[..., str],
                machine: dict[str, str] | None = None) -> str | None:
    """The message a reader in `locale` reads (the chat sends it, the console previews it):
    the header, the text, and a note when it is not in their language; where staff wrote
    none in it, the machine's translation (`machine`), marked so, when one was ready."""
    found = text_for(texts, locale)
    if found is None:
        return None
    text, own = found
    made = (machine or {}).get("ja" if locale == "ja_easy" else locale)
    if not own and made:
        return "\n\n".join([translate(HEADER),
                             translate("{text} (machine translation)", text=made)])
    return "\n\n".join([translate(HEADER), text] + ([] if own else [translate(JAPANESE_ONLY)]))


def original_locale(texts: dict[str, str]) -> str:
    """The language an announcement's original is in: Japanese when staff wrote it."""
    return "ja" if texts.get("ja") else next(iter(texts), "ja")


def translate_announcements(session: Session, rows: list[Any], translate: Any) -> None:
    """The translation job's part for announcements (models/translating.py OTHER_KINDS):
    of each, the languages staff did not write, one call per language for them all
    (TranslatorError: none is stored, all wait)."""
    found = {a.id: a for a in session.scalars(select(Announcement).where(
        Announcement.id.in_([row.item_id for row in rows])))}
    made: dict[int, dict[str, str]] = {i: dict(a.machine_texts or {}) for i, a in found.items()}
    pairs: dict[tuple[str, str], list[Announcement]] = {}
    for row in rows:
        announcement = found.get(row.item_id)
        if announcement is None or announcement.status == CANCELLED_ANN:
            continue
        source = original_locale(announcement.texts or {})
        for locale in row.locales:
            if locale != source and not (announcement.texts or {}).get(locale):
                pairs.setdefault((source, locale), []).append(announcement)
    for (source, target), announcements in pairs.items():
        answer = translate([a.texts[source] for a in announcements], source, target)
        for announcement, text in zip(announcements, answer, strict=True):
            if text and text.strip():
                made[announcement.id][target] = text.strip()
    for i, announcement in found.items():
        announcement.machine_texts = made[i]


def area_names(config: dict) -> list[str]:
    return [a.strip() for a in str(config.get("AREAS") or "").split(",") if a.strip()]


def recipients(session: Session, segment: dict[str, Any]):  # type: ignore[no-untyped-def]
    """A SELECT of the users an announcement's segment reaches: those who still follow the
    bot, agreed to the privacy notice and did not turn announcements off (the preview's
    count is this one's, and the dispatcher skips the same people)."""
    found = SEGMENTS.get(segment.get("kind", ""))
    if found is None:
        raise ValueError(f"unknown segment {segment.get('kind')!r}")
    values = list(segment.get("values") or [])
    chosen = (found.where(values) if found.where is not None
              else User.id.in_(found.users(session, values)))
    # the preferences are JSON ({"off": ["announcements", ...]}) read as text alike in SQLite
    # and PostgreSQL; the group's name, quoted, appears nowhere else in them
    prefs = func.coalesce(cast(User.notification_prefs, String), "")
    return select(User.id).where(chosen, User.active.is_(true()),
                                 User.consented_at.is_not(None),
                                 prefs.not_like(f'%"{OPT_OUT_GROUP}"%'))


def count_recipients(session: Session, segment: dict[str, Any]) -> int:
    return session.scalar(select(func.count()).select_from(recipients(session, segment)
                                                           .subquery())) or 0


def create(session: Session, *, texts: dict[str, str], segment: dict[str, Any],
           author: User | None = None) -> Announcement:
    if segment.get("kind") not in SEGMENTS:
        raise ValueError(f"unknown segment {segment.get('kind')!r}")
    texts = {k: v for k, v in texts.items() if v and v.strip()}
    unknown = set(texts) - set(SUPPORTED_LOCALES)
    if not texts or unknown:
        raise ValueError(f"texts need at least one of {', '.join(SUPPORTED_LOCALES)}")
    announcement = Announcement(author_id=author.id if author else None, texts=texts,
                                segment=segment, status=DRAFT, targeted=0, sent=0, failed=0,
                                machine_texts={})
    session.add(announcement)
    session.flush()
    # the job translates it into the languages staff did not write, before it is sent if it
    # can; what is not ready by then goes out in the original
    request(session.connection(), [(KIND, announcement.id, original_locale(texts))],
            utcnow())
    return announcement


def schedule(session: Session, announcement: Announcement, *, at: datetime,
             urgent: bool = False) -> int:
    """Write one outbox row per recipient, due at `at`; returns how many were targeted."""
    at = as_utc(at)
    announcement.status = SCHEDULED
    announcement.send_at = at
    announcement.targeted = enqueue_select(
        session, recipients(session, announcement.segment).subquery(), kind=KIND,
        ref=str(announcement.id), due_at=at, dedupe_prefix=f"ann:{announcement.id}:",
        urgent=urgent)
    return announcement.targeted


def refresh_counts(session: Session, announcement: Announcement) -> dict[str, int]:
    """Update and return the announcement's sent and failed counts from the outbox."""
    by_state = counts(session, kind=KIND, ref=str(announcement.id))
    announcement.sent = by_state.get(SENT, 0)
    announcement.failed = by_state.get(FAILED, 0)
    return by_state


def cancel_announcement(session: Session, announcement: Announcement) -> int:
    """Stop what is still to be sent; returns how many messages will not be sent."""
    announcement.status = CANCELLED_ANN
    return cancel(session, ref=str(announcement.id), kind=KIND)


def cancellable(session: Session, announcement_id: int, now: datetime) -> Announcement | None:
    """The announcement, while it is scheduled and not yet due (else None)."""
    announcement = session.get(Announcement, announcement_id)
    if announcement is None or announcement.status != SCHEDULED \
            or announcement.send_at is None or as_utc(announcement.send_at) <= as_utc(now):
        return None
    return announcement


def recent(session: Session, limit: int = 5) -> list[Announcement]:
    return list(session.scalars(select(Announcement).where(Announcement.status != DRAFT)
                                .order_by(Announcement.id.desc()).limit(limit)))


__all__ = ["Announcement", "SEGMENTS", "Segment", "schedule", "cancellable",
           "refresh_counts", "count_recipients", "recipients", "CANCELLED"]


OTHER_KINDS[KIND] = translate_announcements
