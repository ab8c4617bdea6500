"""Rich menus under the chat: one set per mode and locale, drawn by the project (Pillow).

Standard mode has two tabs of six areas (a tab strip on top switches between them through
rich menu aliases and LINE's `richmenuswitch` action); simple mode has four large areas.
Every supported locale gets its own menus, so labels are in the reader's language.

```
standard, tab "main"            standard, tab "more"            simple
+-----------+-----------+       +-----------+-----------+       +-----------+-----------+
| [Main]    |  More     |       |  Main     | [More]    |       |           |           |
+---+---+---+---+---+---+       +---+---+---+---+---+---+       |  area 1   |  area 2   |
| 1   | 2   | 3   |             | 1   | 2   | 3   |             +-----------+-----------+
| 4   | 5   | 6   |             | 4   | 5   | 6   |             |  area 3   |  area 4   |
+-----+-----+-----+             +-----+-----+-----+             +-----------+-----------+
```

`AREAS` is the one table of what the menus may show, in priority order: each page takes
the first areas (up to its size) whose postback action exists in the router, so features
appear on the menus as they land. Area actions are signed postbacks; "call" is a tel: link.

`deploy` is idempotent: menu names carry a digest of their definition and image, so a rerun
keeps unchanged menus, replaces changed ones (aliases first, then the old menus are
deleted) and never piles up. It then links every user to the menu for their mode and
locale; the worker links a user again whenever their mode or locale changes
(`link_user`, from handlers/events.py after the turn), using the id map deploy keeps in
Redis under `keys.key("richmenu", "ids")`.

Fonts (the README lists the Debian packages): a CJK font for ja, ja_easy, zh_Hans and ko
(fonts-noto-cjk), Noto Sans Devanagari for ne (fonts-noto-core), a Latin font with
Vietnamese diacritics for en and vi (fonts-noto-core or fonts-dejavu-core). Rendering
fails with `FontMissing`, naming the package to install, when none is found.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from flask import Flask
from PIL import Image, ImageDraw, ImageFont

from bot import keys
from bot.db import session_scope
from bot.kernel.i18n import N_, SUPPORTED_LOCALES, gettext
from bot.line import LineClient, get_line
from bot.redis_store import get_redis
from models.users import User

log = logging.getLogger(__name__)

PREFIX = "machibot"
IDS_KEY = keys.key("richmenu", "ids")
WIDTH, HEIGHT = 2500, 1686  # 1.48:1, within LINE's rules (800-2500 wide, ratio >= 1.45)
TAB_HEIGHT = 260
MAX_IMAGE_BYTES = 1_000_000
CHAT_BAR_LIMIT = 14
LABEL_LIMIT = 20

# Dark tiles under white text: each has a contrast ratio of at least 7:1 (WCAG AAA).
GREEN, BLUE, BROWN, PURPLE, TEAL, RED, GREY = (
    "#0A5C36", "#1743A0", "#7A3B00", "#5B2A86", "#00555A", "#A0102A", "#333333")
TAB_OFF = "#E6E6E6"
INK = "#111111"


@dataclass(frozen=True)
class Area:
    key: str  # names the pictogram too
    label: str  # msgid
    colour: str
    pages: tuple[str, ...]
    action: str = ""  # a postback action of the router
    uri: str = ""  # "tel": the help desk's phone number (HELP_DESK_PHONE)


# What the menus may show, in priority order: a page takes the first ones that exist.
AREAS: tuple[Area, ...] = (
    Area("activities", N_("Activities"), GREEN, ("main", "simple"), action="find"),
    Area("my_schedule", N_("My schedule"), BLUE, ("main",), action="schedule"),
    Area("ideas", N_("Ideas"), BROWN, ("main",), action="idea_calls"),
    Area("initiatives", N_("Initiatives"), TEAL, ("main",), action="initiatives"),
    Area("menu", N_("Menu"), GREY, ("main", "simple"), action="menu"),
    # Translators: rich menu area; the resident asks a digital supporter to help them
    Area("ask_supporter", N_("Get help"), PURPLE, ("main", "more", "simple"),
         action="ask_supporter"),
    # Translators: rich menu area that phones the ward's help desk
    Area("call", N_("Call us"), RED, ("main", "more", "simple"), uri="tel"),
    Area("help", N_("Help"), TEAL, ("main", "more", "simple"), action="help"),
    Area("settings", N_("Settings"), BLUE, ("main", "more"), action="settings"),
    Area("language", N_("Language"), GREEN, ("main", "more"), action="language"),
    Area("look", N_("Look"), BROWN, ("more",), action="look"),
)
# page -> (mode, number of areas); the standard pages are tabs, in this order
PAGES: dict[str, tuple[str, int]] = {"main": ("standard", 6), "more": ("standard", 6),
                                     "simple": ("simple", 4)}
TABS = ("main", "more")
TAB_LABELS = {
    # Translators: rich menu tab with the everyday features (keep it very short)
    "main": N_("Main"),
    # Translators: rich menu tab with settings and help (keep it very short); not the "More"
    # that shows the next page of a list
    "more": N_("Help & settings"),
}


class FontMissing(RuntimeError):
    """No installed font can draw a locale's script."""


# -- fonts ------------------------------------------------------------------------------------

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
        f"{package} (apt-get install {package.split(' or ')[0]})")


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


def _font(locale: str, size: int, text: str = "") -> ImageFont.FreeTypeFont:
    path, index = find_font(script_locale(locale, text))
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.RAQM
                              if _has_raqm() else ImageFont.Layout.BASIC)


@lru_cache(maxsize=1)
def _has_raqm() -> bool:
    from PIL import features

    return bool(features.check("raqm"))  # shapes Devanagari conjuncts correctly


# -- what a menu holds ------------------------------------------------------------------------


def available(app: Flask, area: Area) -> bool:
    if area.uri == "tel":
        return bool(app.config.get("HELP_DESK_PHONE"))
    router = app.extensions["machibot.router"]
    return area.action in router.actions or area.action in router.interrupts


def areas_for(app: Flask, page: str) -> list[Area]:
    size = PAGES[page][1]
    return [a for a in AREAS if page in a.pages and available(app, a)][:size]


def alias_id(locale: str, page: str) -> str:
    # LINE takes [a-z0-9_-]{1,32}: "machibot-zh_hans-simple"
    return f"{PREFIX}-{locale.lower()}-{page}"


def menu_key(mode: str, locale: str) -> str:
    return f"{mode}:{locale}"


def label(locale: str, msgid: str) -> str:
    return gettext(locale, msgid)


def _grid(page: str) -> list[tuple[int, int, int, int]]:
    """(x, y, width, height) of each content cell of a page."""
    if PAGES[page][0] == "simple":
        w, h = WIDTH // 2, HEIGHT // 2
        return [(c * w, r * h, w if c == 0 else WIDTH - w, h if r == 0 else HEIGHT - h)
                for r in range(2) for c in range(2)]
    top, rows, cols = TAB_HEIGHT, 2, 3
    w, h = WIDTH // cols, (HEIGHT - top) // rows
    return [(c * w, top + r * h, w if c < cols - 1 else WIDTH - 2 * w,
             h if r == 0 else HEIGHT - top - h) for r in range(rows) for c in range(cols)]


def _tab_bounds() -> list[tuple[int, int, int, int]]:
    half = WIDTH // 2
    return [(0, 0, half, TAB_HEIGHT), (half, 0, WIDTH - half, TAB_HEIGHT)]


def definition(app: Flask, locale: str, page: str) -> dict[str, Any]:
    """The rich menu object LINE takes (without its digest-bearing name)."""
    codec = app.extensions["machibot.codec"]
    areas: list[dict[str, Any]] = []
    if PAGES[page][0] == "standard":
        for tab, (x, y, w, h) in zip(TABS, _tab_bounds(), strict=True):
            text = label(locale, TAB_LABELS[tab])
            areas.append({"bounds": {"x": x, "y": y, "width": w, "height": h}, "action": {
                "type": "richmenuswitch", "label": text[:LABEL_LIMIT],
                "richMenuAliasId": alias_id(locale, tab), "data": codec.encode("tab", p=tab)}})
    for area, (x, y, w, h) in zip(areas_for(app, page), _grid(page), strict=False):
        text = label(locale, area.label)
        if area.uri == "tel":
            action = {"type": "uri", "label": text[:LABEL_LIMIT],
                      "uri": "tel:" + _digits(app.config["HELP_DESK_PHONE"])}
        else:
            action = {"type": "postback", "label": text[:LABEL_LIMIT],
                      "data": codec.encode(area.action), "displayText": text}
        areas.append({"bounds": {"x": x, "y": y, "width": w, "height": h}, "action": action})
    return {"size": {"width": WIDTH, "height": HEIGHT}, "selected": True,
            "name": "", "chatBarText": label(locale, "Menu")[:CHAT_BAR_LIMIT], "areas": areas}


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit() or ch == "+")


# -- drawing ----------------------------------------------------------------------------------


def render(app: Flask, locale: str, page: str) -> bytes:
    """The page's image as PNG: a dark tile per area, a white pictogram above a large label."""
    return _render(locale, page, tuple(areas_for(app, page)))


@lru_cache(maxsize=64)
def _render(locale: str, page: str, areas: tuple[Area, ...]) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    simple = PAGES[page][0] == "simple"
    if not simple:
        for tab, (x, y, w, h) in zip(TABS, _tab_bounds(), strict=True):
            on = tab == page
            draw.rectangle((x, y, x + w - 1, y + h - 1), fill=INK if on else TAB_OFF)
            _draw_label(draw, locale, label(locale, TAB_LABELS[tab]), (x, y, w, h),
                        size=120, fill="white" if on else INK, top=0)
    for area, (x, y, w, h) in zip(areas, _grid(page), strict=False):
        pad = 18
        draw.rounded_rectangle((x + pad, y + pad, x + w - pad, y + h - pad), radius=40,
                               fill=area.colour)
        icon = int(min(w, h) * (0.19 if simple else 0.17))
        cy = y + int(h * (0.33 if simple else 0.36))
        _pictogram(draw, area.key, x + w // 2, cy, icon, area.colour)
        _draw_label(draw, locale, label(locale, area.label),
                    (x + 2 * pad, cy + icon + 30, w - 4 * pad, y + h - pad - (cy + icon + 30)),
                    size=170 if simple else 130, fill="white", top=None)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    data = out.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"rich menu image is {len(data)} bytes; LINE takes at most 1 MB")
    return data


# Where a label may break: Latin, Hangul and Devanagari words only at spaces; CJK text also
# between characters, but never before closing marks and small kana or after an opening
# bracket (Japanese kinsoku). Breaks where the script changes, after "/" and "・" or before
# a bracket are tried first, so that "言語/Language" becomes "言語/" over "Language".
_NO_BREAK_BEFORE = frozenset("、。，．・：；！？）」』】〕〉》ー々"
                             "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]}.,;:!?/%")
_NO_BREAK_AFTER = frozenset("（「『【〔〈《([{")


def _cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


def _pieces(text: str, *, between_cjk: bool) -> list[tuple[str, str]]:
    """(joiner, piece) pairs: the text cut wherever a line may break."""
    pieces: list[tuple[str, str]] = []
    for word in text.split():
        joiner, start = (" " if pieces else ""), 0
        for i in range(1, len(word)):
            a, b = word[i - 1], word[i]
            if b in _NO_BREAK_BEFORE or a in _NO_BREAK_AFTER:
                continue
            script_change = _cjk(a) != _cjk(b) and not (a.isdigit() or b.isdigit())
            if (script_change or a in "/・" or b in _NO_BREAK_AFTER
                    or (between_cjk and _cjk(a) and _cjk(b))):
                pieces.append((joiner, word[start:i]))
                joiner, start = "", i
        pieces.append((joiner, word[start:]))
    return pieces


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
          width: int) -> list[str]:
    """Break text into lines that fit `width` at word boundaries (see `_pieces`). A word
    wider than `width` keeps a line of its own: the caller shrinks the font."""

    def greedy(pieces: list[tuple[str, str]]) -> list[str]:
        lines: list[str] = []
        current = ""
        for joiner, piece in pieces:
            trial = f"{current}{joiner}{piece}" if current else piece
            if not current or draw.textlength(trial, font=font) <= width:
                current = trial
            else:
                lines.append(current)
                current = piece
        return [*lines, current]

    lines: list[str] = []
    for line in greedy(_pieces(text, between_cjk=False)):
        if draw.textlength(line, font=font) > width and any(_cjk(ch) for ch in line):
            lines += greedy(_pieces(line, between_cjk=True))
        else:
            lines.append(line)
    return lines


def _draw_label(draw: ImageDraw.ImageDraw, locale: str, text: str,
                box: tuple[int, int, int, int], *, size: int, fill: str,
                top: int | None) -> None:
    """Centre the text in the box, shrinking it (to two lines at most) until it fits."""
    x, y, w, h = box
    while True:
        font = _font(locale, size, text)
        lines = _wrap(draw, text, font, w - 20)
        line_h = int(size * 1.25)
        widest = max(draw.textlength(line, font=font) for line in lines)
        if (len(lines) <= 2 and widest <= w - 20 and line_h * len(lines) <= h) or size <= 40:
            break
        size -= 6
    block = line_h * len(lines)
    start = y + (h - block) // 2 if top is None else y + (h - block) // 2
    for n, line in enumerate(lines):
        draw.text((x + w // 2, start + n * line_h + line_h // 2), line, font=font, fill=fill,
                  anchor="mm")


def _pictogram(draw: ImageDraw.ImageDraw, key: str, cx: int, cy: int, r: int,
               ground: str) -> None:
    """A plain white pictogram of radius about `r` centred on (cx, cy)."""
    white, t = "white", max(8, r // 6)
    if key == "menu":  # three bars
        for dy in (-r * 2 // 3, 0, r * 2 // 3):
            draw.rounded_rectangle((cx - r, cy + dy - t, cx + r, cy + dy + t), t, fill=white)
    elif key == "help":  # a question mark in a ring
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=white, width=t)
        draw.text((cx, cy), "?", font=_font("en", int(r * 1.5)), fill=white, anchor="mm")
    elif key == "settings":  # a gear
        for k in range(8):
            a = k * math.pi / 4
            x, y = cx + r * 0.92 * math.cos(a), cy + r * 0.92 * math.sin(a)
            draw.ellipse((x - r * 0.25, y - r * 0.25, x + r * 0.25, y + r * 0.25), fill=white)
        draw.ellipse((cx - r * 0.85, cy - r * 0.85, cx + r * 0.85, cy + r * 0.85), fill=white)
        draw.ellipse((cx - r * 0.35, cy - r * 0.35, cx + r * 0.35, cy + r * 0.35), fill=ground)
    elif key == "language":  # a globe
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=white, width=t)
        draw.ellipse((cx - r // 2, cy - r, cx + r // 2, cy + r), outline=white, width=t)
        draw.line((cx - r, cy, cx + r, cy), fill=white, width=t)
        draw.line((cx, cy - r, cx, cy + r), fill=white, width=t)
    elif key == "look":  # a big and a small letter A
        for scale, ox in ((1.0, -r * 0.35), (0.55, r * 0.7)):
            s = r * scale
            base = cy + r * 0.9
            left, right, peak = (cx + ox - s * 0.6, base), (cx + ox + s * 0.6, base), (
                cx + ox, base - s * 1.8)
            draw.line((left, peak, right), fill=white, width=t, joint="curve")
            draw.line((cx + ox - s * 0.33, base - s * 0.6, cx + ox + s * 0.33, base - s * 0.6),
                      fill=white, width=t)
    elif key == "ask_supporter":  # two people side by side
        for ox, s in ((-r * 0.45, 1.0), (r * 0.55, 0.8)):
            hx, hr = cx + ox, r * 0.32 * s
            draw.ellipse((hx - hr, cy - r * 0.75, hx + hr, cy - r * 0.75 + 2 * hr), fill=white)
            draw.pieslice((hx - r * 0.55 * s, cy - r * 0.05, hx + r * 0.55 * s,
                           cy + r * 1.05 * s), 180, 360, fill=white)
        draw.rectangle((cx - r, cy + r * 0.48, cx + r, cy + r * 0.55), fill=white)
    elif key == "call":  # a phone handset on its side
        draw.rounded_rectangle((cx - r * 0.55, cy - r, cx + r * 0.55, cy + r), r // 4,
                               outline=white, width=t)
        draw.line((cx - r * 0.2, cy - r * 0.72, cx + r * 0.2, cy - r * 0.72), fill=white,
                  width=t)
        draw.ellipse((cx - t, cy + r * 0.62 - t, cx + t, cy + r * 0.62 + t), fill=white)
        for k in (1, 2):  # sound waves
            draw.arc((cx + r * 0.3 - k * r * 0.3, cy - r * 0.95 - k * r * 0.3,
                      cx + r * 0.9 + k * r * 0.3, cy - r * 0.35 + k * r * 0.3), 300, 30,
                     fill=white, width=max(6, t // 2))
    elif key == "activities":  # a magnifying glass
        draw.ellipse((cx - r, cy - r, cx + r * 0.4, cy + r * 0.4), outline=white, width=t)
        draw.line((cx + r * 0.2, cy + r * 0.2, cx + r, cy + r), fill=white, width=int(t * 1.6))
    elif key == "my_schedule":  # a calendar page
        draw.rounded_rectangle((cx - r, cy - r * 0.8, cx + r, cy + r), r // 6, outline=white,
                               width=t)
        draw.rectangle((cx - r, cy - r * 0.8, cx + r, cy - r * 0.35), fill=white)
        for gx in (-0.5, 0, 0.5):
            for gy in (0.05, 0.55):
                x, y = cx + gx * r, cy + gy * r
                draw.rectangle((x - t * 0.7, y - t * 0.7, x + t * 0.7, y + t * 0.7), fill=white)
    elif key == "ideas":  # a light bulb
        draw.ellipse((cx - r * 0.75, cy - r, cx + r * 0.75, cy + r * 0.5), fill=white)
        draw.rectangle((cx - r * 0.35, cy + r * 0.35, cx + r * 0.35, cy + r * 0.8), fill=white)
        draw.rectangle((cx - r * 0.3, cy + r * 0.85, cx + r * 0.3, cy + r), fill=white)
    elif key == "initiatives":  # a flag
        draw.line((cx - r * 0.7, cy - r, cx - r * 0.7, cy + r), fill=white, width=t)
        draw.polygon(((cx - r * 0.7, cy - r), (cx + r, cy - r * 0.55),
                      (cx - r * 0.7, cy - r * 0.1)), fill=white)
    else:
        draw.ellipse((cx - r // 2, cy - r // 2, cx + r // 2, cy + r // 2), fill=white)


# -- deploying and linking --------------------------------------------------------------------


@dataclass
class Built:
    locale: str
    page: str
    definition: dict[str, Any]  # named "machibot:PAGE:LOCALE:DIGEST"
    image: bytes

    @property
    def name(self) -> str:
        return str(self.definition["name"])


def build(app: Flask, locales: Iterable[str] | None = None) -> list[Built]:
    """Every menu, drawn: one per page and locale, named after a digest of what it is."""
    out = []
    for locale in locales or SUPPORTED_LOCALES:
        for page in PAGES:
            defn, image = definition(app, locale, page), render(app, locale, page)
            digest = hashlib.sha256(json.dumps(defn, sort_keys=True).encode()
                                    + image).hexdigest()[:16]
            defn["name"] = f"{PREFIX}:{page}:{locale}:{digest}"
            out.append(Built(locale, page, defn, image))
    return out


def deploy(app: Flask) -> dict[str, str]:
    """Create or keep every menu, point the aliases, set the default, link every user.

    Returns the map "mode:locale" -> rich menu id that the worker links users with.
    """
    line = get_line(app)
    built = build(app)
    existing = {m["name"]: m["richMenuId"] for m in line.rich_menus()
                if str(m.get("name", "")).startswith(PREFIX)}
    ids: dict[tuple[str, str], str] = {}
    for menu in built:
        menu_id = existing.get(menu.name)
        if menu_id is None:
            menu_id = line.create_rich_menu(menu.definition)
            line.upload_rich_menu_image(menu_id, menu.image, "image/png")
        ids[(menu.locale, menu.page)] = menu_id
    aliases = {a["richMenuAliasId"]: a["richMenuId"] for a in line.rich_menu_aliases()}
    for (locale, page), menu_id in ids.items():
        alias = alias_id(locale, page)
        if aliases.get(alias) != menu_id:
            line.set_rich_menu_alias(alias, menu_id, exists=alias in aliases)
    wanted_aliases = {alias_id(locale, page) for locale, page in ids}
    for alias in aliases:
        if alias.startswith(PREFIX + "-") and alias not in wanted_aliases:
            line.delete_rich_menu_alias(alias)
    default_locale = app.config["BOT_DEFAULT_LOCALE"]
    line.set_default_rich_menu(ids[(default_locale, "main")])
    links = {menu_key(PAGES[page][0], locale): menu_id for (locale, page), menu_id in ids.items()
             if page != "more"}

    get_redis(app).set(IDS_KEY, json.dumps(links, sort_keys=True))
    link_everyone(app, line, links)
    keep = set(ids.values())
    for menu_id in existing.values():
        if menu_id not in keep:
            line.delete_rich_menu(menu_id)
    log.info("rich menus deployed: %d kept or created, %d removed", len(keep),
             len(set(existing.values()) - keep))
    return links


def link_everyone(app: Flask, line: LineClient, links: dict[str, str]) -> int:
    """Link each active user to the menu of their mode and locale, 500 to a call."""
    from sqlalchemy import select


    groups: dict[str, list[str]] = {}
    with session_scope(app) as session:
        for line_id, mode, locale in session.execute(
                select(User.line_user_id, User.mode, User.locale).where(User.active)):
            menu_id = links.get(menu_key(mode, locale))
            if menu_id:
                groups.setdefault(menu_id, []).append(line_id)
    count = 0
    for menu_id, users in groups.items():
        for start in range(0, len(users), 500):
            line.link_rich_menu_to_users(users[start:start + 500], menu_id)
            count += len(users[start:start + 500])
    return count


def menu_for(links_json: str | None, mode: str, locale: str) -> str | None:
    """The menu id for a user, from the map deploy stored (read in the turn's first pipeline)."""
    if not links_json:
        return None
    try:
        links = json.loads(links_json)
    except ValueError:
        return None
    return links.get(menu_key(mode, locale)) if isinstance(links, dict) else None


def write_images(app: Flask, directory: Path, locales: Iterable[str] | None = None) -> list[Path]:
    """Write every menu image (and its definition beside it) for a person to look at."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for menu in build(app, locales):
        target = directory / f"{menu.page}-{menu.locale}.png"
        target.write_bytes(menu.image)
        (directory / f"{menu.page}-{menu.locale}.json").write_text(
            json.dumps(menu.definition, ensure_ascii=False, indent=1))
        written.append(target)
    return written
