"""What keyword search reads: each activity's texts in every language, folded, with the
kana reading and the romaji of its Japanese title, computed when the activity or one of its
versions is saved (never per search).

`fold` is how texts and typed words are compared: NFKC (full-width and half-width alike),
case-folded, katakana as hiragana, Latin letters without their accents ("cong vien" finds
"công viên"). Readings come from the data (イベント名_カナ) or from MeCab (fugashi, with
UniDic's small dictionary, shipped as a package); romaji is Hepburn without long vowels
("こうえんじ" -> "koenji"), and a typed Latin word is compared both as typed and so folded.

The activity's columns: `search_title` (every version of the title, its reading and
romaji), `search_text` (those and the rest: descriptions, area, organisation, skills, the
slots' places) and
`title_ruby` (the title with readings after its kanji words, as the やさしい日本語 catalog
writes them: 公園（こうえん）の花壇（かだん）). A search ranks title hits first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models.activities import Activity, Slot
from models.organisations import Organisation
from models.texts import ContentText

_KANJI = re.compile(r"[\u3400-\u9fff\u3005]")
_LATIN_MARKS = re.compile(r"[\u0300-\u036f]")


def fold(text: str | None) -> str:
    """NFKC, case-folded, katakana as hiragana, Latin accents dropped, spaces squeezed."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("đ", "d")
    text = unicodedata.normalize("NFC", _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text)))
    text = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def long_vowels(word: str) -> str:
    """Romaji without long vowels or doubled n: 'kouenji' -> 'koenji', 'oosaka' -> 'osaka'."""
    word = re.sub(r"ou|oo", "o", word)
    word = re.sub(r"uu", "u", word)
    return word.replace("nn", "n").replace("-", "")


# -- readings ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tagger() -> Any:
    import fugashi  # loaded when content is indexed, not with every process's models

    return fugashi.Tagger()


def _tokens(text: str) -> list[tuple[str, str]]:
    """(surface, reading in hiragana) of each word; a word without a reading reads as it is."""
    found = []
    for word in _tagger()(text):
        kana = getattr(word.feature, "kana", None) or ""
        found.append((word.surface, fold(kana) if kana and kana != "*" else fold(word.surface)))
    return found


def reading(text: str, kana: str | None = None) -> str:
    """The title's reading in hiragana: the data's (イベント名_カナ) or the analyser's."""
    if kana:
        return fold(kana).replace(" ", "")
    if not text:
        return ""
    return "".join(r for _s, r in _tokens(text)).replace(" ", "")


def ruby(text: str, kana: str | None = None) -> str:
    """Readings after the kanji words, in full-width brackets: '公園（こうえん）の花壇（かだん）'.
    With the data's kana of the whole title that the analyser's words do not add up to: that
    reading after the whole title (a kana of part of it is not used for the rest)."""
    if not text or not _KANJI.search(text):
        return ""
    tokens = _tokens(text)
    analysed, given = "".join(r for _s, r in tokens).replace(" ", ""), fold(kana or "")
    # the data's reading of the whole title, when it reads it differently (善福寺川: がわ)
    if given and given.replace(" ", "") != analysed and len(given) >= 0.8 * len(analysed):
        return f"{text}（{given}）"
    return "".join(f"{s}（{r}）" if _KANJI.search(s) else s for s, r in tokens)


_KANA = ("あいうえおかきくけこさしすせそたちつてとなにぬねの"
         "はひふへほまみむめもやゆよらりるれろわをん"
         "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽぁぃぅぇぉゃゅょゎゔ")
_ROMAJI = dict(zip(_KANA, (
    "a", "i", "u", "e", "o", "ka", "ki", "ku", "ke", "ko", "sa", "shi", "su", "se", "so",
    "ta", "chi", "tsu", "te", "to", "na", "ni", "nu", "ne", "no", "ha", "hi", "fu", "he",
    "ho", "ma", "mi", "mu", "me", "mo", "ya", "yu", "yo", "ra", "ri", "ru", "re", "ro", "wa",
    "o", "n", "ga", "gi", "gu", "ge", "go", "za", "ji", "zu", "ze", "zo", "da", "ji", "zu",
    "de", "do", "ba", "bi", "bu", "be", "bo", "pa", "pi", "pu", "pe", "po", "a", "i", "u",
    "e", "o", "ya", "yu", "yo", "wa", "vu",
), strict=True))


def romaji(kana: str) -> str:
    """Hepburn romaji of a hiragana reading, without long vowels: 'あさがや' -> 'asagaya'."""
    out: list[str] = []
    for ch in kana:
        if ch in "ゃゅょ" and out and out[-1].endswith("i") and len(out[-1]) > 1:
            head = out[-1][:-1]
            out[-1] = (head if head in ("sh", "ch", "j") else head + "y") + _ROMAJI[ch][1:]
        elif ch == "っ":
            out.append("\0")
        elif ch == "ー":
            continue
        else:
            syllable = _ROMAJI.get(ch, ch)
            if out and out[-1] == "\0":
                out[-1] = "t" if syllable.startswith("ch") else syllable[:1]
            out.append(syllable)
    return long_vowels("".join(o for o in out if o != "\0"))


# -- the index --------------------------------------------------------------------------------


def index_texts(title: str, kana: str | None, versions: Iterable[tuple[str, str]],
                rest: Iterable[str | None], places: Iterable[str | None] = ()) -> tuple[str, str]:
    """(search_title, search_text) of one item: versions are (field, text) in any locale."""
    versions = list(versions)
    said = reading(title, kana)
    titles = [title, said, romaji(said), *(t for f, t in versions if f == "title")]
    body = [*(t for f, t in versions if f != "title"), *rest]
    for place in places:
        if place:
            place_reading = reading(place)
            body += [place, place_reading, romaji(place_reading)]
    search_title = " | ".join(fold(t) for t in titles if t)
    # the whole text holds the titles too: one LIKE a word finds an item, the title's ranks it
    return search_title, " | ".join([search_title, *(fold(t) for t in body if t)])


def _activity_rows(connection: Connection, ids: list[int]) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(Activity.id, Activity.title, Activity.title_kana, Activity.description,
               Activity.area, Activity.skills, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Activity.organisation_id)
        .where(Activity.id.in_(ids))).all()
    versions: dict[int, list[tuple[str, str]]] = {}
    for item_id, field, text in connection.execute(
            select(ContentText.item_id, ContentText.field, ContentText.text)
            .where(ContentText.kind == "activity", ContentText.item_id.in_(ids))):
        versions.setdefault(item_id, []).append((field, text))
    places: dict[int, set[str]] = {}
    for item_id, place in connection.execute(
            select(Slot.activity_id, Slot.place).distinct()
            .where(Slot.activity_id.in_(ids), Slot.place.is_not(None))):
        places.setdefault(item_id, set()).add(place)
    found = []
    for ident, title, kana, description, area, skills, organisation in rows:
        search_title, search_text = index_texts(
            title, kana, versions.get(ident, []),
            [description, organisation, " ".join(skills or []), *sorted(places.get(ident, ()))],
            [area])
        found.append({"ident": ident, "search_title": search_title,
                      "search_text": search_text, "title_ruby": ruby(title, kana) or None})
    return found


def reindex(connection: Connection, ids: Iterable[int]) -> list[dict[str, Any]]:
    """Compute and store the index columns of these activities; the rows written."""
    ids = sorted(set(ids))
    written = []
    for start in range(0, len(ids), 500):
        rows = _activity_rows(connection, ids[start:start + 500])
        for row in rows:
            connection.execute(update(Activity).where(Activity.id == row["ident"]).values(
                search_title=row["search_title"], search_text=row["search_text"],
                title_ruby=row["title_ruby"]))
        written += rows
    return written


@event.listens_for(Session, "after_flush")
def _note_changed(session: Session, _context: Any) -> None:
    """Which activities a flush wrote (themselves or a version): indexed once it is done."""
    ids: set[int] = session.info.setdefault("search_reindex", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Activity) and obj not in session.deleted and (
                obj in session.new or _index_source_changed(obj)):
            ids.add(obj.id)
        elif isinstance(obj, ContentText) and obj.kind == "activity":
            ids.add(obj.item_id)
        elif isinstance(obj, Slot) and obj.activity_id is not None and (
                obj in session.new or inspect(obj).attrs["place"].history.has_changes()):
            ids.add(obj.activity_id)  # its place is searched as the activity's


@event.listens_for(Session, "after_flush_postexec")
def _index_changed(session: Session, _context: Any) -> None:
    """Index them again, on the flush's connection, and show it to the loaded objects."""
    ids = session.info.pop("search_reindex", set())
    if not ids:
        return
    for row in reindex(session.connection(), ids):
        activity = session.identity_map.get(session.identity_key(Activity, row["ident"]))
        if activity is not None:
            for name in ("search_title", "search_text", "title_ruby"):
                set_committed_value(activity, name, row[name])


_SOURCES = ("title", "title_kana", "description", "area", "skills", "organisation_id")


def _index_source_changed(activity: Any) -> bool:
    state = inspect(activity)
    return any(state.attrs[name].history.has_changes() for name in _SOURCES)
