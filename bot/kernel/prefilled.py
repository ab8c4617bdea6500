"""LINE links that open the chat with a message typed in ("参加 1234"): sending it is the same
as typing it. QR codes and posters carry them (the command line, the console); the chat's
sign-up step matches the same words (SIGNUP_WORDS, read by dialogs/signup.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bot.kernel.i18n import gettext
from models.locales import N_

# Translators: words that sign a person up when typed with a slot's code ("参加 123",
# "123に参加"), separated by "|". Keep the English words and add your language's own.
SIGNUP_WORDS = N_("join|sign up|signup")


def prefilled_link(config: Mapping[str, Any], words: str, value: str,
                   locale: str | None = None) -> str:
    """A LINE link that opens the chat with "<the locale's first word of `words`> <value>"
    typed in."""
    locale = locale or config["BOT_DEFAULT_LOCALE"]
    text = f"{gettext(locale, words).split('|')[0]} {value}"
    basic_id = str(config["LINE_BASIC_ID"])
    return f"https://line.me/R/oaMessage/{quote(basic_id)}/?{quote(text)}"


def signup_link(config: Mapping[str, Any], code: str, locale: str | None = None) -> str:
    """The link that opens the chat with "参加 123" typed in, for QR codes and flyers."""
    return prefilled_link(config, SIGNUP_WORDS, code, locale)
