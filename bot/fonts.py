"""Fonts for the images the bot draws (rich menus, the console's posters): a bold font that
draws each locale's script.

The README lists the Debian packages: a CJK font for ja, ja_easy, zh_Hans and ko
(fonts-noto-cjk), Noto Sans Devanagari for ne (fonts-noto-core), a Latin font with
Vietnamese diacritics for en and vi (fonts-noto-core or fonts-dejavu-core). Rendering
fails with `FontMissing`, naming the package to install, when none is found.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont, features


class FontMissing(RuntimeError):
    """No installed font can draw a locale's script; `package` is the Debian package that
    has one."""

    def __init__(self, message: str, package: str = "") -> None:
        super().__init__(message)
        self.package = package


# locale -> (fontconfig language, [(file, face index)], the Debian package that has them)
FONTS: dict[str, tuple[str, tuple[tuple[str, int], ...], str]] = {
    "ja": ("ja", (("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 0),
                  ("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", 0)), "fonts-noto-cjk"),
    "zh_Hans": ("zh-cn", (("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),),
                "fonts-noto-cjk"),
    "ko": ("ko", (("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 1),),
           "fonts-noto-cjk"),
    "ne": ("ne", (("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Bold.ttf", 0),),
           "fonts-noto-core"),
    "vi": ("vi", (("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf", 0),
                  ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0)),
           "fonts-noto-core or fonts-dejavu-core"),
    "en": ("en", (("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf", 0),
                  ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0)),
           "fonts-noto-core or fonts-dejavu-core"),
}
FONTS["ja_easy"] = FONTS["ja"]


@cache
def find_font(locale: str) -> tuple[str, int]:
    """(file, face index) of a bold font for the locale's script, or FontMissing."""
    lang, candidates, package = FONTS.get(locale, FONTS["ja"])
    for path, index in candidates:
        if Path(path).exists():
            return path, index
    found = _fontconfig(lang)
    if found:
        return found
    raise FontMissing(
        f"no font for {locale!r} ({lang}) is installed: install the Debian package "
        f"{package} (apt-get install {package.split(' or ')[0]})", package)


def _fontconfig(lang: str) -> tuple[str, int] | None:
    """Ask fontconfig for any font covering `lang`, bold preferred."""
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{style}\n", f":lang={lang}"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    rows = [line.split("|", 2) for line in out.splitlines() if line.count("|") >= 2]
    rows.sort(key=lambda r: ("Bold" not in r[2], r[0]))
    return (rows[0][0], int(rows[0][1] or 0)) if rows else None


def script_locale(locale: str, text: str) -> str:
    """The locale whose font draws `text`: an untranslated (English) label in a Nepali menu
    needs a Latin font, and Devanagari needs its own whatever the menu's locale."""
    if any("\u0900" <= ch <= "\u097f" for ch in text):
        return "ne"
    if any(ord(ch) >= 0x2E80 for ch in text):  # kana, CJK ideographs, Hangul
        return locale if locale in ("ja", "ja_easy", "zh_Hans", "ko") else "ja"
    return "vi"  # Latin with Vietnamese diacritics covers English too


def font_for(locale: str, size: int, text: str = "") -> ImageFont.FreeTypeFont:
    """A font of `size` that draws `text` (or the locale's script), shaped by Raqm if present."""
    path, index = find_font(script_locale(locale, text))
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.RAQM
                              if _has_raqm() else ImageFont.Layout.BASIC)


@lru_cache(maxsize=1)
def _has_raqm() -> bool:
    return bool(features.check("raqm"))  # shapes Devanagari conjuncts correctly
