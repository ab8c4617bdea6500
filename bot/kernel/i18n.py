"""Translations with the locale passed explicitly (the worker and scheduler have no request).

Message ids are English; every locale, Japanese included, has a catalog in
locales/<code>/LC_MESSAGES/messages.po, compiled by `make` so none is ever stale.
やさしい日本語 has its own catalog, `ja_easy`; it formats dates as Japanese does.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.support import NullTranslations, Translations

# N_ and the locale table belong to the domain; the kernel passes them on to the dialogs
from models.locales import N_, SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"

__all__ = ["N_", "SUPPORTED_LOCALES", "gettext", "ngettext", "translations"]

_cache: dict[str, NullTranslations] = {}
_cache_lock = threading.Lock()


def translations(locale: str) -> NullTranslations:
    found = _cache.get(locale)
    if found is None:
        with _cache_lock:
            found = _cache.get(locale)
            if found is None:
                code = locale if locale in SUPPORTED_LOCALES else "ja"
                found = Translations.load(str(LOCALES_DIR), [code], DOMAIN)
                _cache[locale] = found
    return found


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
    """The supported locale for a LINE profile language tag such as 'en-US' or 'zh-Hans'."""
    if not bcp47:
        return default
    tag = bcp47.replace("_", "-").lower()
    if tag.startswith("zh"):
        simplified = tag in ("zh", "zh-cn", "zh-sg") or tag.startswith("zh-hans")
        return "zh_Hans" if simplified else default
    primary = tag.split("-")[0]
    return primary if primary in SUPPORTED_LOCALES and primary != "ja_easy" else default


def format_when(value: datetime, locale: str, tz: str = "Asia/Tokyo") -> str:
    """A date and time as a person reads it in their language, in the ward's time zone."""
    return format_datetime(value, "medium", tzinfo=ZoneInfo(tz), locale=babel_locale(locale))


def format_day(value: date, locale: str) -> str:
    return format_date(value, "full", locale=babel_locale(locale))


def format_clock(value: datetime, locale: str, tz: str = "Asia/Tokyo") -> str:
    return format_time(value, "short", tzinfo=ZoneInfo(tz), locale=babel_locale(locale))
