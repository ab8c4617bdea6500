"""Texts people write for others (titles, descriptions), each with a version per locale.

One table holds every kind's versions: (kind, item, field, locale) -> text, with its state:
written by the author (or the ward's data), machine-translated, or a machine translation a
person has checked. The item's own columns keep the original, as written, in the language
its `original_locale` names (the ward's, ORIGINAL_LOCALE, unless a resident or a member wrote
it in theirs: `original_language`); this table holds the others.

A reader sees the version in their language, else the English one, else the original
(`choose`); the result says when that is not in their language, or is a machine's, so that
the reader is told. やさしい日本語 readers read a Japanese original as theirs, and a
Japanese version of an original in another language before the English one.

A model whose texts have versions mixes in `Translated` (its kind: "activity", "slot",
"organisation", "initiative", "idea_call", "gathering"; an announcement carries a text per
language of its own, models/announcements.py); a list loads the
versions of all its items in one statement (`preload`). When an item is deleted its
versions go with it (the mapper event at the end); a bulk DELETE of such items bypasses
that event and must delete their versions itself (`erase_texts`).

Versions in state "machine" are written by the translation job (models/translating.py); it
never overwrites one written by a person ("author") or checked by one ("reviewed").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    event,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, foreign, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from models.base import Base, utcnow
from models.locales import JAPANESE_LOCALES, SUPPORTED_LOCALES

AUTHOR, MACHINE, REVIEWED = "author", "machine", "reviewed"
STATES = (AUTHOR, MACHINE, REVIEWED)

ORIGINAL_LOCALE = "ja"  # the ward's language: what the items' own columns hold by default
FALLBACK_LOCALE = "en"


def version_locales(original: str = ORIGINAL_LOCALE) -> tuple[str, ...]:
    """The locales a version may be written in: every supported one but the original's."""
    return tuple(code for code in SUPPORTED_LOCALES if code != original)


# those of a Japanese original (the console's forms show a field for each)
VERSION_LOCALES = version_locales(ORIGINAL_LOCALE)


# the locales a form has a version field for: every one, a page showing those of the item's
# original (`Translated.version_locales`: Japanese too, when it is written in another)
FORM_LOCALES = tuple(SUPPORTED_LOCALES)


# the languages an original may be written in (a やさしい日本語 text is a version of one)
ORIGINAL_LANGUAGES = tuple(code for code in SUPPORTED_LOCALES if code != "ja_easy")


def original_language(locale: str | None) -> str:
    """The language a text written by a person of this locale is in: theirs (a やさしい日本語
    reader writes Japanese), the ward's when it is not one the platform speaks."""
    if locale in JAPANESE_LOCALES or locale not in SUPPORTED_LOCALES:
        return ORIGINAL_LOCALE
    return locale


class ContentText(Base):
    __tablename__ = "content_texts"
    __table_args__ = (UniqueConstraint("kind", "item_id", "field", "locale",
                                       name="uq_content_texts_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=AUTHOR)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class Shown:
    """The version a reader is shown: its text, the locale it is written in, whether that is
    not the reader's language, and whether a machine translated it."""
    text: str
    locale: str
    foreign: bool = False
    machine: bool = False


def same_language(text_locale: str, reader: str) -> bool:
    """やさしい日本語 readers read Japanese as theirs (not the reverse: a ja_easy version is
    written for them, and a Japanese reader has the original)."""
    return text_locale == reader or (text_locale == "ja" and reader in JAPANESE_LOCALES)


def choose(versions: Iterable[ContentText], field: str, original: str, reader: str, *,
           original_locale: str = ORIGINAL_LOCALE) -> Shown:
    """The reader's version, else the English one, else the original. A reader of the
    original's language reads the original (after a version written for them: やさしい日本語)."""
    by_locale = {v.locale: v for v in versions if v.field == field and v.text}
    order = [reader] if reader != original_locale else []
    if reader == "ja_easy" and original_locale != "ja":
        order.append("ja")
    if not same_language(original_locale, reader) and reader != FALLBACK_LOCALE:
        order.append(FALLBACK_LOCALE)
    for locale in order:
        found = by_locale.get(locale)
        if found is not None:
            return Shown(found.text, locale, foreign=not same_language(locale, reader),
                         machine=found.state == MACHINE)
    return Shown(original, original_locale,
                 foreign=bool(original) and not same_language(original_locale, reader))


# -- storing and reading ----------------------------------------------------------------------


def get_text(session: Session, kind: str, item_id: int, field: str,
             locale: str) -> ContentText | None:
    return session.scalar(select(ContentText).where(
        ContentText.kind == kind, ContentText.item_id == item_id, ContentText.field == field,
        ContentText.locale == locale))


def set_texts(session: Session, item: Translated,
              versions: Mapping[tuple[str, str], str | None], *,
              state: str = AUTHOR) -> list[tuple[str, str]]:
    """Write several versions of one item ((field, locale) -> text; a blank text removes
    the version), reading the ones it has once; the (field, locale) of those that changed."""
    if state not in STATES:
        raise ValueError(f"no state {state}")
    have = {(v.field, v.locale): v for v in item.texts}
    changed = []
    for (field, locale), text in versions.items():
        if field not in item.TEXT_FIELDS or locale not in item.version_locales:
            raise ValueError(f"no version {item.TEXT_KIND}.{field} in {locale}")
        text, found = (text or "").strip(), have.get((field, locale))
        if found is not None and not text:
            session.delete(found)
        elif found is None and text:
            session.add(ContentText(kind=item.TEXT_KIND, item_id=item.id, field=field,
                                    locale=locale, text=text, state=state))
        elif found is not None and (found.text, found.state) != (text, state):
            found.text, found.state = text, state
        else:
            continue
        changed.append((field, locale))
    if changed:
        session.expire(item, ["texts"])
    return changed


def _versions_of(session: Session, item: Translated) -> dict[tuple[str, str], ContentText]:
    with session.no_autoflush:  # as stored: a pending change of an original drops some
        return {(v.field, v.locale): v for v in item.texts}


def save_versions(session: Session, item: Translated,
                  versions: Mapping[tuple[str, str], str], reviewed: Iterable[str] = ()
                  ) -> list[tuple[str, str]]:
    """Write the versions a person sent back from a form that showed them all: one they
    wrote or changed is theirs ("author"); a machine's they left as it was stays the
    machine's, unless they say they checked that locale's (`reviewed`): then "reviewed",
    which the machine never replaces. A field in the original's own language has no version
    (the form shows one per language but Japanese): it is left alone. The (field, locale)
    of those that changed. The versions compared are those stored before the item's own
    changes are flushed: a machine's version of an original the person changed in the same
    form, sent back as it was, is not taken for theirs (the flush drops it as stale)."""
    have = _versions_of(session, item)
    checked = set(reviewed) & set(item.version_locales)
    written: dict[tuple[str, str], str] = {}
    confirmed: dict[tuple[str, str], str] = {}
    for key, text in versions.items():
        if key[1] not in item.version_locales:
            continue
        found = have.get(key)
        if found is not None and found.text == (text or "").strip():
            if found.state == MACHINE and key[1] in checked:
                confirmed[key] = found.text
            continue  # as it was
        written[key] = text
    return (set_texts(session, item, written, state=AUTHOR)
            + set_texts(session, item, confirmed, state=REVIEWED))


def set_text(session: Session, item: Translated, field: str, locale: str, text: str | None, *,
             state: str = AUTHOR) -> bool:
    """Write (or, with no text, remove) one version; whether it changed."""
    return bool(set_texts(session, item, {(field, locale): text}, state=state))


def texts_of(session: Session, kind: str,
             item_ids: Iterable[int]) -> dict[int, list[ContentText]]:
    """Every version of these items, in one statement: item id -> its versions."""
    found: dict[int, list[ContentText]] = defaultdict(list)
    ids = sorted(set(item_ids))
    if ids:
        for row in session.scalars(select(ContentText).where(
                ContentText.kind == kind, ContentText.item_id.in_(ids))):
            found[row.item_id].append(row)
    return found


# -- models whose texts have versions -------------------------------------------------------


class Translated:
    """Mixed into a model whose texts have versions: its TEXT_KIND, the TEXT_FIELDS that
    have them (its own columns of those names hold the originals), the language those are
    written in (`original_locale`), and its `texts`."""

    TEXT_KIND: ClassVar[str]
    TEXT_FIELDS: ClassVar[tuple[str, ...]]
    # field -> the column holding it with readings after its kanji, for やさしい日本語 readers
    READINGS: ClassVar[dict[str, str]] = {}

    original_locale: Mapped[str] = mapped_column(String(16), default=ORIGINAL_LOCALE,
                                                 server_default=ORIGINAL_LOCALE)

    @property
    def version_locales(self) -> tuple[str, ...]:
        return version_locales(self.original_locale or ORIGINAL_LOCALE)

    @declared_attr
    def texts(cls) -> Mapped[list[ContentText]]:
        """Read only: versions are written with set_text."""
        return relationship(
            ContentText, viewonly=True,
            primaryjoin=lambda: and_(ContentText.kind == cls.TEXT_KIND,
                                     foreign(ContentText.item_id) == cls.id))  # type: ignore[attr-defined]

    def shown(self, field: str, reader: str) -> Shown:
        """The `field` this reader sees (loads the versions unless preloaded); a やさしい日本語
        reader of a Japanese original sees it with its readings, when there are some."""
        original = self.original_locale or ORIGINAL_LOCALE
        shown = choose(self.texts, field, getattr(self, field) or "", reader,
                       original_locale=original)
        with_readings = getattr(self, self.READINGS.get(field, ""), None)
        if reader == "ja_easy" and shown.locale == original == "ja" and with_readings:
            return Shown(with_readings, shown.locale, shown.foreign, shown.machine)
        return shown

    def version(self, field: str, locale: str) -> str:
        """The version in `locale` as stored ("" when there is none)."""
        return next((v.text for v in self.texts if (v.field, v.locale) == (field, locale)), "")


def preload(session: Session, items: Sequence[Translated]) -> None:
    """Load the versions of every item not loaded yet, of whatever kinds, in one statement."""
    waiting: dict[str, dict[int, list[Translated]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        if "texts" in inspect(item).unloaded:
            waiting[item.TEXT_KIND][item.id].append(item)
    if not waiting:
        return
    found: dict[tuple[str, int], list[ContentText]] = defaultdict(list)
    for row in session.scalars(select(ContentText).where(or_(*(
            and_(ContentText.kind == kind, ContentText.item_id.in_(sorted(owners)))
            for kind, owners in waiting.items())))):
        found[(row.kind, row.item_id)].append(row)
    for kind, owners in waiting.items():
        for item_id, same in owners.items():
            for owner in same:
                set_committed_value(owner, "texts", found.get((kind, item_id), []))


def erase_texts(session: Session, kind: str, item_ids: Iterable[int]) -> None:
    """Delete the versions of these items: a bulk DELETE of the items themselves does not
    fire the mapper event below, so it calls this beside it."""
    ids = sorted(set(item_ids))
    if ids:
        session.execute(delete(ContentText).where(ContentText.kind == kind,
                                                  ContentText.item_id.in_(ids)))
        for hook in ERASE_HOOKS:
            hook(session.connection(), kind, ids)


# what else goes with an item's texts (models/translating.py: its waiting translation)
ERASE_HOOKS: list[Any] = []


@event.listens_for(Translated, "after_delete", propagate=True)
def _erase_with_item(_mapper: Any, connection: Any, target: Translated) -> None:
    connection.execute(delete(ContentText).where(ContentText.kind == target.TEXT_KIND,
                                                 ContentText.item_id == target.id))
    for hook in ERASE_HOOKS:
        hook(connection, target.TEXT_KIND, [target.id])
