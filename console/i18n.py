"""The console speaks the person's language, from the bot's catalogs: their locale once
signed in (as the bot chose it, or as they set it in the chat), before that the browser's.

Templates call `_("...")` (extracted by babel.cfg) with `{name}` placeholders, as the bot's
gettext does.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, request

from bot.kernel.i18n import SUPPORTED_LOCALES, format_clock, format_when, gettext, match_locale
from console.people import person
from models.activities import as_utc


def locale() -> str:
    found = person()
    if found is not None and found.locale in SUPPORTED_LOCALES:
        return found.locale
    default = current_app.config["BOT_DEFAULT_LOCALE"]
    return match_locale(request.accept_languages.best, default=default)


def html_lang(code: str) -> str:
    """The page's lang attribute (BCP 47): ja_easy is Japanese, zh_Hans zh-Hans."""
    return SUPPORTED_LOCALES[code][0].replace("_", "-")


def translate(message: str, **params: Any) -> str:
    return gettext(locale(), message, **params)


def template_context() -> dict[str, Any]:
    code = locale()
    tz = current_app.config["BOT_TIMEZONE"]
    return {"_": lambda message, **params: gettext(code, message, **params),
            "lang": html_lang(code), "locale": code,
            # a date and time, or a time of day, in the ward's time zone
            "when": lambda value: format_when(as_utc(value), code, tz),
            "clock": lambda value: format_clock(as_utc(value), code, tz)}


def notice(message: str, **params: Any) -> None:
    """Flash a msgid with its `{name}` values; base.html translates it when it is shown."""
    flash([message, params] if params else message)
