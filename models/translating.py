"""Machine translation of the texts people write for others, made in the background.

When an item whose texts have versions (models/texts.py `Translated`) is saved with a new or
changed original (from the console, the chat or an import), the flush leaves a row here:
this item wants its versions made again. Nothing is translated then: the scheduler's job
(bot/translation.py, `translate_due`) takes the due rows later, asks the translator for
every locale still to do, and stores what it answers in state "machine". A version a person
wrote ("author") or checked ("reviewed") is never overwritten.

The translator is one function, `Translate`: (texts, source locale, target locale) -> the
texts translated, in order. It raises TranslatorError when it cannot answer now; the row
then waits (BACKOFF, doubling up to BACKOFF_MAX) and keeps the locales left to do. No
translator configured: the rows wait until one is. Publishing never waits for any of this.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    UniqueConstraint,
    delete,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.texts import (
    ERASE_HOOKS,
    MACHINE,
    ORIGINAL_LOCALE,
    ContentText,
    Translated,
    version_locales,
)

log = logging.getLogger(__name__)



def target_locales(original: str = ORIGINAL_LOCALE) -> tuple[str, ...]:
    """What a machine translates an original in `original` into: every other locale,
    Japanese among them, but やさしい日本語 (its versions are people's; its readers read the
    Japanese original, or the Japanese version)."""
    return tuple(code for code in version_locales(original) if code != "ja_easy")


# those of a Japanese original
TARGET_LOCALES = target_locales(ORIGINAL_LOCALE)
BACKOFF = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)

Translate = Callable[[Sequence[str], str, str], list[str]]


class TranslatorError(Exception):
    """The translator could not translate now (unreachable, refused, too busy): try later."""


class TranslationRequest(Base):
    """An item whose machine versions are to be made (again), and the locales left."""
    __tablename__ = "translation_requests"
    __table_args__ = (UniqueConstraint("kind", "item_id", name="uq_translation_requests_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int]
    locales: Mapped[list[str]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(String(200), default="")


def backoff(attempts: int) -> timedelta:
    """How long a request waits after its `attempts`-th failure."""
    return min(BACKOFF * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


# -- asking: every flush that writes a new or changed original ----------------------------


def _originals_changed(item: Translated, new: bool) -> bool:
    if new:
        return any((getattr(item, field) or "").strip() for field in item.TEXT_FIELDS)
    return bool(_changed_fields(item))


def _changed_fields(item: Translated) -> list[str]:
    """The fields whose original changed: all of them when its language did."""
    state = inspect(item)
    if state.attrs["original_locale"].history.has_changes():
        return list(item.TEXT_FIELDS)
    return [field for field in item.TEXT_FIELDS if state.attrs[field].history.has_changes()]


def _drop_stale(connection: Any, changed: Iterable[tuple[Translated, list[str]]]) -> None:
    """A machine's version of a text that has changed translates what it no longer says (a
    slot's old place): it goes at once, and readers read the English or the original until
    the job has translated the new one. A person's version stays: they see both in the
    console."""
    by_field: dict[tuple[str, str], set[int]] = defaultdict(set)
    for item, fields in changed:
        for field in fields:
            by_field[(item.TEXT_KIND, field)].add(item.id)
    table = ContentText.__table__
    for (kind, field), ids in by_field.items():
        connection.execute(delete(table).where(
            table.c.kind == kind, table.c.field == field, table.c.item_id.in_(sorted(ids)),
            table.c.state == MACHINE))


def request(connection: Any, items: Iterable[tuple[str, int, str]], now: datetime) -> None:
    """Ask (again) for every target locale of these items (kind, id, the original's
    language): one DELETE and one INSERT per kind, whatever the number of items (an import
    saves thousands)."""
    by_kind: dict[str, dict[int, str]] = defaultdict(dict)
    for kind, item_id, original in items:
        by_kind[kind][item_id] = original or ORIGINAL_LOCALE
    table = TranslationRequest.__table__
    for kind, ids in by_kind.items():
        connection.execute(delete(table).where(table.c.kind == kind,
                                               table.c.item_id.in_(sorted(ids))))
        connection.execute(insert(table), [
            {"kind": kind, "item_id": item_id, "locales": list(target_locales(ids[item_id])),
             "attempts": 0, "due_at": now, "last_error": ""} for item_id in sorted(ids)])


@event.listens_for(Session, "after_flush")
def _ask_after_flush(session: Session, _context: Any) -> None:
    """The flush's new and changed items (their history is still there after the flush)."""
    wanted = [(item.TEXT_KIND, item.id, item.original_locale) for item in session.new
              if isinstance(item, Translated) and _originals_changed(item, new=True)]
    changed = [(item, fields) for item in session.dirty
               if isinstance(item, Translated) and item not in session.deleted
               and (fields := _changed_fields(item))]
    wanted += [(item.TEXT_KIND, item.id, item.original_locale) for item, _fields in changed]
    if changed:
        _drop_stale(session.connection(), changed)
        session.info.setdefault("machibot.stale_texts", []).extend(i for i, _f in changed)
    if wanted:
        request(session.connection(), wanted, utcnow())


@event.listens_for(Session, "after_flush_postexec")
def _forget_stale(session: Session, _context: Any) -> None:
    """The versions loaded before are read again when next asked for."""
    for item in session.info.pop("machibot.stale_texts", []):
        if "texts" not in inspect(item).unloaded:
            session.expire(item, ["texts"])


def _erase_requests(connection: Any, kind: str, ids: list[int]) -> None:
    table = TranslationRequest.__table__
    connection.execute(delete(table).where(table.c.kind == kind, table.c.item_id.in_(ids)))


ERASE_HOOKS.append(_erase_requests)


# -- answering: the scheduler's job -------------------------------------------------------


@dataclass
class Outcome:
    done: int = 0  # requests finished
    failed: int = 0  # requests put back to wait
    gone: int = 0  # requests whose item was deleted


def translated_models() -> dict[str, type[Any]]:
    """Kind -> model, for every mapped model with versions."""
    return {mapper.class_.TEXT_KIND: mapper.class_ for mapper in Base.registry.mappers
            if issubclass(mapper.class_, Translated)}


def translate_due(session: Session, translate: Translate, now: datetime, *,
                  limit: int = 20) -> Outcome:
    """Translate the due requests (up to `limit`, oldest first). The first failure puts its
    request back with a longer wait and ends the run: the translator is down or busy, and
    the others are tried at the next run."""
    outcome = Outcome()
    due = list(session.scalars(select(TranslationRequest).where(
        TranslationRequest.due_at <= now).order_by(TranslationRequest.due_at,
                                                   TranslationRequest.id).limit(limit)))
    models = translated_models()
    for row in due:
        model = models.get(row.kind)
        item = session.get(model, row.item_id) if model is not None else None
        if item is None:
            session.delete(row)
            outcome.gone += 1
            continue
        left = list(row.locales)
        try:
            while left:
                _translate_item(session, item, left[0], translate)
                left.pop(0)
        except TranslatorError as error:
            row.locales, row.attempts = left, row.attempts + 1
            row.due_at = now + backoff(row.attempts)
            row.last_error = str(error)[:200]
            log.warning("translation of %s %s to %s failed (attempt %s, next at %s): %s",
                        row.kind, row.item_id, left[0], row.attempts,
                        row.due_at.isoformat(), row.last_error)
            outcome.failed += 1
            break
        session.delete(row)
        outcome.done += 1
    session.flush()
    return outcome


def _translate_item(session: Session, item: Translated, locale: str,
                    translate: Translate) -> None:
    """Make the machine versions of one item in one locale, in one call: the fields whose
    version is missing or a machine's. A person's version is kept even when it was written
    while the translator was answering (the update asks for state "machine" again)."""
    have = {(v.field, v.locale): v for v in item.texts}
    source = item.original_locale or ORIGINAL_LOCALE
    if locale == source:  # the original's language changed since the request
        return
    fields, emptied = [], []
    for field in item.TEXT_FIELDS:
        found = have.get((field, locale))
        if found is not None and found.state != MACHINE:
            continue
        if (getattr(item, field) or "").strip():
            fields.append(field)
        elif found is not None:
            emptied.append(found.id)
    if emptied:
        session.execute(delete(ContentText).where(ContentText.id.in_(emptied),
                                                  ContentText.state == MACHINE))
    if fields:
        answer = translate([getattr(item, field) for field in fields], source, locale)
        if len(answer) != len(fields):
            raise TranslatorError(f"{len(answer)} texts for {len(fields)}")
        for field, text in zip(fields, answer, strict=True):
            _store(session, item, field, locale, (text or "").strip(), have.get((field, locale)))
    session.expire(item, ["texts"])


def _store(session: Session, item: Translated, field: str, locale: str, text: str,
           found: ContentText | None) -> None:
    if not text:
        return
    if found is not None:
        session.execute(update(ContentText).where(
            ContentText.id == found.id, ContentText.state == MACHINE).values(
            text=text, updated_at=utcnow()).execution_options(synchronize_session=False))
        session.expire(found)
        return
    try:
        with session.begin_nested():
            session.add(ContentText(kind=item.TEXT_KIND, item_id=item.id, field=field,
                                    locale=locale, text=text, state=MACHINE))
    except IntegrityError:  # a person wrote this version meanwhile: theirs stays
        pass


def waiting(session: Session, kind: str, item_ids: Sequence[int]) -> set[int]:
    """Which of these items still wait for machine versions (the console says so)."""
    if not item_ids:
        return set()
    return set(session.scalars(select(TranslationRequest.item_id).where(
        TranslationRequest.kind == kind, TranslationRequest.item_id.in_(item_ids))))
