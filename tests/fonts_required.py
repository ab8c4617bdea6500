"""Tests that draw (rich menus, posters, plots) need the system fonts the README lists
(fonts-noto-cjk, fonts-noto-core). A machine without them skips those tests, so that `make
test` passes on a fresh machine; CI installs the fonts and sets MACHIBOT_REQUIRE_FONTS=1, which
makes a missing font a failure instead."""

from __future__ import annotations

import os

import pytest

from bot import fonts
from bot.kernel.i18n import SUPPORTED_LOCALES


def fonts_missing() -> str | None:
    """Why drawing would fail here (the first locale without a font), or None."""
    try:
        for locale in sorted(SUPPORTED_LOCALES):
            fonts.find_font(locale)
    except fonts.FontMissing as exc:
        return str(exc)
    return None


_MISSING = fonts_missing()
needs_fonts = pytest.mark.skipif(
    bool(_MISSING) and not os.environ.get("MACHIBOT_REQUIRE_FONTS"),
    reason=f"no font to draw with: {_MISSING}")


def without_font(monkeypatch: pytest.MonkeyPatch, locale: str, package: str) -> None:
    """This machine as one without a font for `locale` (`package` not installed). Nothing to
    clear afterwards: `find_font` caches what it finds, never its FontMissing."""
    lang = fonts.FONTS[locale][0]
    monkeypatch.setitem(fonts.FONTS, locale, (lang, (("/nonexistent.ttf", 0),), package))
    monkeypatch.setattr(fonts, "_fontconfig", lambda _lang: None)
    fonts.find_font.cache_clear()
