"""What a typed message means: a button's label, yes or no, a greeting, a search with the
filters it names, or nothing we know. Rule-based and small: word tables built once, from
the catalogs (every label in every language) and lexicon.py (the words people use).

`understand(text, areas)` returns a Meaning: `kind` is "button" (with `action` and `args`:
the postback it stands for; "menu" when the menu is asked for in words), "yes", "no",
"greeting", "thanks", "search" (with `filters`: when, area, category, style, keyword) or
"unknown". It reads no database and no person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.kernel.i18n import SUPPORTED_LOCALES, gettext
from models.activities import STYLE_JA, STYLES
from models.categories import CATEGORIES, CATEGORY_JA
from models.search_index import fold, reading, romaji

from . import lexicon

_PUNCTUATION = "!?.,;:~…、。！？，．・「」『』()（）\"'“”‘’`*#"
# a question, three words and more, or a Japanese particle after a word
_SENTENCE = re.compile(r"[?？]|\S+\s+\S+\s+\S+|[\u4e00-\u9fff\u30a1-\u30fa][はがをもか](?!$)"
                       r"|(?:ました|ません|です|ます)[かよね]?\s*$")  # a Japanese sentence's end


@dataclass(frozen=True)
class Meaning:
    kind: str
    action: str = ""
    args: dict[str, str] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """'search area=高円寺 when=tomorrow', 'button find f=when v=today', 'yes'..."""
        parts = [self.kind, self.action, *(f"{k}={v}" for k, v in sorted(self.args.items())),
                 *(f"{k}={v}" for k, v in sorted(self.filters.items()))]
        return " ".join(p for p in parts if p)


def key(text: str) -> str:
    """How labels and words are compared: folded, without spaces or punctuation."""
    folded = fold(text)
    return "".join(c for c in folded if not c.isspace() and c not in _PUNCTUATION)


def short_kana(word: str) -> bool:
    return len(word) <= 3 and all("\u3041" <= c <= "\u309f" for c in word)


def _words(table: dict[str, str]) -> list[str]:
    return [w for words in table.values() for w in words.split("|") if w.strip()]


# -- the tables, built once --------------------------------------------------------------------

# (msgid, action, args): the buttons whose labels, typed, do what the button does
FIND_LABELS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("Today", "find", {"f": "when", "v": "today"}),
    ("This weekend", "find", {"f": "when", "v": "weekend"}),
    ("By category", "find", {"f": "category"}),
    ("By area", "find", {"f": "area"}),
    ("By style", "find", {"f": "style"}),
    ("Keyword", "find", {"f": "keyword"}),
)


@lru_cache(maxsize=8)
def label_index(buttons: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
                ) -> dict[str, tuple[str, dict[str, str]]]:
    """Every locale's label of these buttons, as `key` makes it -> (action, args)."""
    table: dict[str, tuple[str, dict[str, str]]] = {}
    for msgid, action, args in buttons:
        for locale in SUPPORTED_LOCALES:
            table.setdefault(key(gettext(locale, msgid)), (action, dict(args)))
        table.setdefault(key(msgid), (action, dict(args)))
    table.pop("", None)
    return table


@lru_cache(maxsize=1)
def _exact() -> dict[str, str]:
    """Whole messages: yes, no, greeting, thanks (folded key -> kind)."""
    table: dict[str, str] = {}
    for kind, words in (("yes", lexicon.YES), ("no", lexicon.NO),
                        ("greeting", lexicon.GREETINGS), ("thanks", lexicon.THANKS)):
        for word in _words(words):
            table.setdefault(key(word), kind)
    return table


def _polite(text: str) -> str | None:
    """"hello there", "ok thanks": greeting, thanks or yes words with fillers only; the
    last word's kind."""
    fillers = {key(w) for w in lexicon.FILLERS.split("|")}
    plain = " " + fold(text) + " "
    for filler in sorted(lexicon.FILLERS.split("|"), key=len, reverse=True):
        plain = plain.replace(f" {fold(filler)} ", " ")
    if _exact().get(key(plain)):
        return _exact()[key(plain)]  # "thank you so much"
    kinds = [_exact().get(key(w)) for w in plain.split() if key(w) not in fillers]
    return kinds[-1] if kinds and all(kinds) and len(kinds) <= 3 else None


def _label_within(whole: str, buttons: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
                  ) -> tuple[str, dict[str, str]] | None:
    """A menu button's label said inside a message (the longest; 4 letters at least)."""
    for label, found in sorted(label_index(buttons).items(), key=lambda p: -len(p[0])):
        if found[0] != "find" and len(label) >= (8 if label.isascii() else 4) and label in whole:
            return found
    return None


@lru_cache(maxsize=1)
def _menu_words() -> tuple[_Finder, list[str]]:
    """The menu's words (lexicon.MENU) and the requests said around them, longest first."""
    words = _words(lexicon.MENU)
    requests = sorted({fold(w) for w in _words(lexicon.MENU_REQUEST) if fold(w)},
                      key=lambda w: -len(w))
    return _Finder((w, "menu") for w in words), requests


def asks_for_menu(text: str) -> bool:
    """"menu please", "メニューをください", "cho tôi xem menu": a menu word and nothing else
    but requests (Latin ones whole words, others anywhere)."""
    finder, requests = _menu_words()
    found, rest = finder.find(" " + fold(text) + " ")
    if found is None:
        return False
    for word in requests:
        if word.isascii():
            rest = re.sub(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", " ", rest)
        else:
            rest = rest.replace(word, " ")
    return not key(rest)


def yes_or_no(text: str) -> str | None:
    """"yes" or "no" when the whole message says so (はい, ok, vâng, हो, 아니요 ...)."""
    kind = _exact().get(key(text))
    return kind if kind in ("yes", "no") else None


@lru_cache(maxsize=1)
def _official() -> set[str]:
    """The catalogs' own names of the categories and styles (keys)."""
    names = [*CATEGORY_JA, *STYLE_JA, *(gettext(loc, msgid) for table in (CATEGORIES, STYLES)
                                        for msgid in table.values() for loc in SUPPORTED_LOCALES)]
    return {key(n) for n in names}


class _Finder:
    """Words -> a value, found inside a text: Latin words whole, others anywhere."""

    def __init__(self, pairs: Iterable[tuple[str, str]], *, kana_bounded: bool = False) -> None:
        self.kana_bounded = kana_bounded  # a short kana word starts no inside a kana word
        self.pairs = sorted({(fold(w), v) for w, v in pairs if fold(w)},
                            key=lambda p: -len(p[0]))

    def find(self, text: str) -> tuple[str | None, str]:
        """The value of the longest word found, and the text without it."""
        for word, value in self.pairs:
            if word.isascii():
                match = re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text)
                if match:
                    return value, text[:match.start()] + " " + text[match.end():]
            elif self.kana_bounded and short_kana(word):  # "あした" is not in "ボランティアしたい"
                match = re.search(rf"(?<![\u3041-\u309f]){re.escape(word)}", text)
                if match:
                    return value, text[:match.start()] + " " + text[match.end():]
            elif word in text:
                return value, text.replace(word, " ", 1)
        return None, text


@lru_cache(maxsize=8)
def _finders(areas: tuple[str, ...]) -> dict[str, _Finder]:
    def nested(table: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
        return [(w, value) for value, words in table.items() for w in _words(words)]

    categories = nested(lexicon.CATEGORY) + list(CATEGORY_JA.items()) + [
        (gettext(loc, msgid), code) for code, msgid in CATEGORIES.items() if code != "other"
        for loc in SUPPORTED_LOCALES]
    styles = nested(lexicon.STYLE) + list(STYLE_JA.items()) + [
        (gettext(loc, msgid), code) for code, msgid in STYLES.items() for loc in SUPPORTED_LOCALES]
    area_words = []
    for area in areas:
        said = reading(area)
        area_words += [(area, area), (said, area), (romaji(said), area)]
        area_words += [(w, area) for w in lexicon.AREA.get(area, "").split("|") if w]
    return {
        "when": _Finder(nested(lexicon.WHEN), kana_bounded=True),
        "area": _Finder(area_words),
        "category": _Finder(categories),
        "style": _Finder(styles),
        "wish": _Finder((w, "wish") for w in _words(lexicon.WISH)),
        "off_topic": _Finder((w, "off") for w in _words(lexicon.OFF_TOPIC)),
        "sentence": _Finder(((w, "sentence") for w in _words(lexicon.SENTENCE)),
                            kana_bounded=True),
    }


# -- understanding ------------------------------------------------------------------------------


def understand(text: str, areas: Sequence[str] = (),
               buttons: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()
               ) -> Meaning:
    """What this message, typed at the top level, asks for."""
    whole = key(text)
    if not whole:
        return Meaning("unknown")
    found = label_index(buttons).get(whole) if buttons else None
    if found is not None:
        return Meaning("button", found[0], found[1])
    exact = _exact().get(whole) or _polite(text)
    if exact is not None:
        return Meaning(exact)
    if asks_for_menu(text):  # as the "menu" word anywhere does (handlers/router.py)
        return Meaning("button", "menu")
    rest = " " + fold(text) + " "
    for word in lexicon.NOT_WHEN.split("|"):
        rest = rest.replace(word, " ")
    finders = _finders(tuple(areas))
    filters: dict[str, str] = {}
    for name in ("when", "area", "category", "style"):
        value, rest = finders[name].find(rest)
        if value is not None:
            filters[name] = value
    if not filters and buttons:
        within = _label_within(whole, buttons)
        if within is not None:  # "参加予定を見たい"
            return Meaning("button", within[0], within[1])
    wish, rest = finders["wish"].find(rest)
    sentence = is_sentence(text)
    if finders["off_topic"].find(" " + fold(text) + " ")[0] is not None:
        return Meaning("unknown")  # "今日の天気は?" is no search for today
    if not wish and len(filters) == 1 and "category" in filters and whole not in _official():
        if sentence:
            return Meaning("unknown")  # "ゴミの日はいつですか": trash, but no wish
        return Meaning("search", filters={"keyword": fold(text)[:40]})  # "garden", "公園"
    if not wish and not sentence and set(filters) == {"area"}:
        return Meaning("search", filters={"keyword": fold(text)[:40]})  # "koenji"
    if filters or wish:
        return Meaning("search", filters=filters)
    if not sentence:
        return Meaning("search", filters={"keyword": fold(text)[:40]})  # a word or two
    return Meaning("unknown")


def is_sentence(text: str) -> bool:
    """More than a keyword: a question, three words, a particle, or longer than a name."""
    plain = " " + unicodedata.normalize("NFKC", text) + " "
    squeezed = key(text)
    long_word = len(squeezed) > (20 if squeezed.isascii() or " " in text.strip() else 8)
    return (long_word or bool(_SENTENCE.search(plain))
            or _finders(())["sentence"].find(" " + fold(text) + " ")[0] is not None)
