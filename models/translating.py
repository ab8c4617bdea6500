"""Machine translation of the texts people write for others, made in the background.

When an item whose texts have versions (models/texts.py `Translated`) is saved with a new or
changed original (from the console, the chat or an import), the flush leaves a row here:
this item wants its versions made again. Nothing is translated then: the scheduler's job
(bot/translation.py, `translate_due`) takes the due rows later, a batch at a time, asks the
translator for every locale still to do, from the language the original is written in
(its `original_locale`), one call per language carrying the texts of the whole batch, and
stores what it answers in state "machine". A version a person wrote ("author") or checked
("reviewed") is never overwritten. Announcements, whose texts per language are their own,
are translated by their module's handler (OTHER_KINDS).

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
    bindparam,
    delete,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.texts import (
    ERASE_HOOKS,
    MACHINE,
    ORIGINAL_LOCALE,
    ContentText,
    Translated,
    preload,
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


# kinds whose texts are not versions of Translated columns (announcements: a text per
# language of their own): kind -> handler(session, requests, translate), which translates
# every locale the requests ask for, or raises TranslatorError and stores nothing
OTHER_KINDS: dict[str, Callable[[Session, list[Any], Translate], None]] = {}


def translated_models() -> dict[str, type[Any]]:
    """Kind -> model, for every mapped model with versions."""
    return {mapper.class_.TEXT_KIND: mapper.class_ for mapper in Base.registry.mappers
            if issubclass(mapper.class_, Translated)}


def translate_due(session: Session, translate: Translate, now: datetime, *,
                  limit: int = 20) -> Outcome:
    """Translate the due requests (up to `limit` items, oldest first), several items' texts
    in each call: one call per (source, target) pair of languages, whatever the number of
    items (LibreTranslate takes q as a list), so an import of thousands is thousands / limit
    rounds of a few calls. The first failure puts every request not finished back with a
    longer wait and ends the run: the translator is down or busy, and the others are tried
    at the next run."""
    outcome = Outcome()
    due = list(session.scalars(select(TranslationRequest).where(
        TranslationRequest.due_at <= now).order_by(TranslationRequest.due_at,
                                                   TranslationRequest.id).limit(limit)))
    other = [row for row in due if row.kind in OTHER_KINDS]
    if other:
        due = [row for row in due if row.kind not in OTHER_KINDS]
        if not _translate_other(session, other, translate, now, outcome):
            return outcome
    live, gone = _items_of(session, due)
    for row in gone:
        session.delete(row)
    outcome.gone = len(gone)
    preload(session, [item for _row, item in live])
    left = {row.id: list(row.locales) for row, _item in live}
    for source, target in _pairs(live):
        batch = [(row, item) for row, item in live
                 if target in left[row.id] and _source(item) == source]
        try:
            _translate_batch(session, [item for _row, item in batch], source, target,
                             translate)
        except TranslatorError as error:
            outcome.failed = _put_back(live, left, target, error, now)
            break
        for row, _item in batch:
            left[row.id].remove(target)
    for row, item in live:
        session.expire(item, ["texts"])  # read again when next asked for
        if not left[row.id]:
            session.delete(row)
            outcome.done += 1
    session.flush()
    return outcome


def _translate_other(session: Session, rows: list[TranslationRequest], translate: Translate,
                     now: datetime, outcome: Outcome) -> bool:
    """The requests of OTHER_KINDS; False when the translator failed (the run ends)."""
    by_kind: dict[str, list[TranslationRequest]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    for kind, same in by_kind.items():
        try:
            OTHER_KINDS[kind](session, same, translate)
        except TranslatorError as error:
            outcome.failed += _put_back([(row, None) for row in same],
                                        {row.id: list(row.locales) for row in same},
                                        "their languages", error, now)
            session.flush()
            return False
        for row in same:
            session.delete(row)
            outcome.done += 1
    return True


def _items_of(session: Session, due: Sequence[TranslationRequest]
              ) -> tuple[list[tuple[TranslationRequest, Translated]], list[TranslationRequest]]:
    """The requests with their items (one statement per kind), and those whose item is
    gone."""
    models, ids = translated_models(), defaultdict(list)
    for row in due:
        ids[row.kind].append(row.item_id)
    found = {(kind, item.id): item for kind, item_ids in ids.items() if kind in models
             for item in session.scalars(select(models[kind]).where(
                 models[kind].id.in_(item_ids)))}
    live = [(row, found[(row.kind, row.item_id)]) for row in due
            if (row.kind, row.item_id) in found]
    return live, [row for row in due if (row.kind, row.item_id) not in found]


def _source(item: Translated) -> str:
    return item.original_locale or ORIGINAL_LOCALE


def _pairs(live: Sequence[tuple[TranslationRequest, Translated]]) -> list[tuple[str, str]]:
    """The (source, target) pairs the requests ask for, in the order first asked."""
    pairs: dict[tuple[str, str], None] = {}
    for row, item in live:
        for locale in row.locales:
            pairs[(_source(item), locale)] = None
    return list(pairs)


def _put_back(live: Sequence[tuple[TranslationRequest, Translated | None]],
              left: dict[int, list[str]], target: str, error: TranslatorError,
              now: datetime) -> int:
    """Every request with locales left waits longer; how many."""
    waiting = []
    for row, _item in live:
        if not left[row.id]:
            continue
        row.locales, row.attempts = left[row.id], row.attempts + 1
        row.due_at = now + backoff(row.attempts)
        row.last_error = str(error)[:200]
        waiting.append(row)
    if waiting:
        named = ", ".join(f"{row.kind} {row.item_id}" for row in waiting[:5])
        log.warning("translation of %s%s into %s failed (attempt %s, next at %s): %s", named,
                    f" and {len(waiting) - 5} more" if len(waiting) > 5 else "", target,
                    waiting[0].attempts, waiting[0].due_at.isoformat(), waiting[0].last_error)
    return len(waiting)


def _translate_batch(session: Session, items: Sequence[Translated], source: str,
                     target: str, translate: Translate) -> None:
    """Make the machine versions of these items in one locale, in one call: of each, the
    fields whose version is missing or a machine's. A person's version is kept even when it
    was written while the translator was answering (the update asks for state "machine")."""
    wanted: list[tuple[Translated, str, ContentText | None]] = []
    emptied: list[int] = []
    for item in items:
        if target == source:  # the original's language changed since the request
            continue
        have = {(v.field, v.locale): v for v in item.texts}
        for field in item.TEXT_FIELDS:
            found = have.get((field, target))
            if found is not None and found.state != MACHINE:
                continue
            if (getattr(item, field) or "").strip():
                wanted.append((item, field, found))
            elif found is not None:
                emptied.append(found.id)
    if emptied:
        session.execute(delete(ContentText).where(ContentText.id.in_(emptied),
                                                  ContentText.state == MACHINE))
    if wanted:
        answer = translate([getattr(item, field) for item, field, _f in wanted], source,
                           target)
        if len(answer) != len(wanted):
            raise TranslatorError(f"{len(answer)} texts for {len(wanted)}")
        _store(session, target, [(item, field, found, (text or "").strip()) for
                                 (item, field, found), text in zip(wanted, answer, strict=True)])


def _store(session: Session, locale: str,
           answers: Sequence[tuple[Translated, str, ContentText | None, str]]) -> None:
    """The machine's versions: a new one in one INSERT that leaves alone a version a person
    wrote meanwhile (ON CONFLICT DO NOTHING), a machine's one replaced unless a person has
    made it theirs meanwhile (the UPDATE asks for state "machine")."""
    now = utcnow()
    new = [{"kind": item.TEXT_KIND, "item_id": item.id, "field": field, "locale": locale,
            "text": text, "state": MACHINE, "updated_at": now}
           for item, field, found, text in answers if text and found is None]
    replaced = [{"version": found.id, "new_text": text}
                for _item, _field, found, text in answers if text and found is not None]
    if new:
        session.execute(_insert_ignoring(session), new)
    if replaced:
        table = ContentText.__table__
        session.connection().execute(update(table).where(
            table.c.id == bindparam("version"), table.c.state == MACHINE).values(
            text=bindparam("new_text"), updated_at=now), replaced)
    for _item, _field, found, _text in answers:
        if found is not None:
            session.expire(found)


def _insert_ignoring(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    # INSERT ... ON CONFLICT DO NOTHING is each dialect's own construct
    upsert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if upsert is None:  # pragma: no cover - the bot runs on SQLite and PostgreSQL
        raise RuntimeError(f"machine versions are not stored on {dialect}")
    return upsert(ContentText).on_conflict_do_nothing(
        index_elements=["kind", "item_id", "field", "locale"])


def waiting(session: Session, kind: str, item_ids: Sequence[int]) -> set[int]:
    """Which of these items still wait for machine versions (the console says so)."""
    if not item_ids:
        return set()
    return set(session.scalars(select(TranslationRequest.item_id).where(
        TranslationRequest.kind == kind, TranslationRequest.item_id.in_(item_ids))))
