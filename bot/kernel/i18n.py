"""Translations with the locale passed explicitly (the worker and scheduler have no request).

Message ids are English; every locale, Japanese included, has a catalog in
locales/<code>/LC_MESSAGES/messages.po, installed with the code (the `locales` package).
The bot reads the .po files themselves, each the first time its locale is needed: there is
no compiled copy to build or to go stale, and an install that has the code has its
translations. やさしい日本語 has its own catalog, `ja_easy`; it formats dates as Japanese does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

import locales

# N_ and the locale table belong to the domain; the kernel passes them on to the dialogs
from models.locales import N_, SUPPORTED_LOCALES
from models.texts import Shown, Translated

DOMAIN = "messages"

__all__ = ["N_", "SUPPORTED_LOCALES", "gettext", "ngettext", "shown_text", "translations"]

# A text people wrote, shown in another language than the reader's: its language after it.
# Short, so that it fits after a title on a card.
IN_LANGUAGE = {
    # Translators: after a title or text people wrote that is shown in another language
    # than the reader's, naming that language: "公園のそうじ (Japanese)"
    "ja": N_("{text} (Japanese)"),
    # Translators: after a text written in やさしい日本語, shown to a reader of another language
    "ja_easy": N_("{text} (Easy Japanese)"),
    # Translators: after a title or text shown in English, the reader's language having no
    # version of it: "Park clean-up (English)"
    "en": N_("{text} (English)"),
    "zh_Hans": N_("{text} (Chinese)"),
    "ko": N_("{text} (Korean)"),
    "vi": N_("{text} (Vietnamese)"),
    "ne": N_("{text} (Nepali)"),
}
# Translators: after a title or text in the reader's language that a machine translated
# and no person has checked yet
MACHINE_TRANSLATED = N_("{text} (machine translation)")

_cache: dict[str, NullTranslations] = {}
_cache_lock = threading.Lock()


def translations(locale: str) -> NullTranslations:
    found = _cache.get(locale)
    if found is None:
        with _cache_lock:
            found = _cache.get(locale)
            if found is None:
                code = locale if locale in SUPPORTED_LOCALES else "ja"
                found = _read_catalog(catalog_path(code))
                _cache[locale] = found
    return found


def catalog_path(locale: str) -> Path:
    return locales.CATALOG_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read_catalog(path: Path) -> Translations:
    """The catalog as `pybabel compile` would build it (fuzzy and empty entries left out),
    compiled in memory: a few milliseconds, once per locale and process."""
    with path.open("rb") as po:
        catalog = read_po(po)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


class MissingCatalogError(RuntimeError):
    """A supported locale has no catalog: the bot would answer its people in English."""


def require_catalogs() -> None:
    """Refuse to start without a catalog for every supported locale."""
    missing = [code for code in SUPPORTED_LOCALES if not catalog_path(code).is_file()]
    if missing:
        raise MissingCatalogError(
            f"no translation catalog for {', '.join(missing)} in {locales.CATALOG_DIR}: the "
            "bot would answer those people in English. Reinstall machibot (its package ships "
            f"every catalog), or in a checkout restore locales/<locale>/LC_MESSAGES/{DOMAIN}.po")


def gettext(locale: str, message: str, **params: Any) -> str:
    text = translations(locale).ugettext(message)
    return text.format(**params) if params else text


def ngettext(locale: str, singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(locale).ungettext(singular, plural, n)
    return text.format(n=n, **params)


def babel_locale(locale: str) -> Locale:
    return Locale.parse(SUPPORTED_LOCALES.get(locale, SUPPORTED_LOCALES["ja"])[0])


def language_name(locale: str) -> str:
    return SUPPORTED_LOCALES[locale][1]


def match_locale(bcp47: str | None, default: str = "ja") -> str:
    """The supported locale closest to a LINE profile language tag such as 'en-US' or
    'zh-Hant-TW': the one of the same language (script and region aside: Chinese in
    traditional characters is read far better in simplified Chinese than in Japanese), else
    `default`. やさしい日本語 is chosen by people, never from a profile."""
    if not bcp47:
        return default
    language = bcp47.replace("_", "-").split("-")[0].lower()
    by_language = {Locale.parse(tag).language: code
                   for code, (tag, _name) in SUPPORTED_LOCALES.items() if code != "ja_easy"}
    return by_language.get(language, default)


def format_when(value: datetime, locale: str, tz: str = "Asia/Tokyo") -> str:
    """A date and time as a person reads it in their language, in the ward's time zone: the
    locale's medium date with its short time (a medium time would show seconds)."""
    where, zone = babel_locale(locale), ZoneInfo(tz)
    return get_datetime_format("medium", locale=where).format(
        format_time(value, "short", tzinfo=zone, locale=where),
        format_date(value.astimezone(zone), "medium", locale=where))


def format_names(names: Iterable[str], locale: str) -> str:
    """Names in a sentence, with the language's own separators ("環境、福祉", "a, b, and c")."""
    return format_list(list(names), style="standard", locale=babel_locale(locale))


def format_short_day(value: date, locale: str) -> str:
    """A day as a filter or a card shows it: "12月13日(日)", "Sun, Dec 13"."""
    return format_skeleton("MMMEd", value, locale=babel_locale(locale))


def format_day(value: date, locale: str) -> str:
    return format_date(value, "full", locale=babel_locale(locale))


def format_clock(value: datetime, locale: str, tz: str = "Asia/Tokyo") -> str:
    return format_time(value, "short", tzinfo=ZoneInfo(tz), locale=babel_locale(locale))


def format_span(starts: datetime, ends: datetime, locale: str, tz: str = "Asia/Tokyo") -> str:
    """From when to when: the end's time alone on the same day, its date too otherwise."""
    zone = ZoneInfo(tz)
    same_day = starts.astimezone(zone).date() == ends.astimezone(zone).date()
    end = format_clock(ends, locale, tz) if same_day else format_when(ends, locale, tz)
    return f"{format_when(starts, locale, tz)}–{end}"


def marked(shown: Shown, locale: str) -> str:
    """A text people wrote as this reader reads it: with its language after it when that
    is not theirs, or a word that a machine translated it."""
    if shown.foreign:
        return gettext(locale, IN_LANGUAGE[shown.locale], text=shown.text)
    if shown.machine:
        return gettext(locale, MACHINE_TRANSLATED, text=shown.text)
    return shown.text


def shown_text(item: Translated, field: str, locale: str) -> str:
    """The item's `field` (an activity's "title") in the reader's version, marked."""
    return marked(item.shown(field, locale), locale)
