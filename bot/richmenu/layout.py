"""What the rich menus show and where: the areas, the pages and tabs, and the rich menu
object LINE takes for a page.

`AREAS` is the one table of what the menus may show, in priority order: each page takes
the first areas (up to its size) whose postback action exists in the router, so features
appear on the menus as they land. Area actions are signed postbacks; "call" is a tel: link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from bot.kernel.i18n import N_, gettext

PREFIX = "machibot"
WIDTH, HEIGHT = 2500, 1686  # 1.48:1, within LINE's rules (800-2500 wide, ratio >= 1.45)
TAB_HEIGHT = 260
CHAT_BAR_LIMIT = 14
LABEL_LIMIT = 20

# Dark tiles under white text: each has a contrast ratio of at least 7:1 (WCAG AAA).
GREEN, BLUE, BROWN, PURPLE, TEAL, RED, GREY = (
    "#0A5C36", "#1743A0", "#7A3B00", "#5B2A86", "#00555A", "#A0102A", "#333333")


@dataclass(frozen=True)
class Area:
    key: str  # names the pictogram too
    label: str  # msgid
    colour: str
    pages: tuple[str, ...]
    action: str = ""  # a postback action of the router
    uri: str = ""  # "tel": the help desk's phone number (HELP_DESK_PHONE)


# What the menus may show, in priority order: a page takes the first ones that exist. The
# simple page shows what the first page of the simple text menu shows, in the same order
# (dialogs.menu.SIMPLE_ITEMS): find activities, my schedule, get help, call us.
AREAS: tuple[Area, ...] = (
    Area("activities", N_("Activities"), GREEN, ("main", "simple"), action="find"),
    Area("my_schedule", N_("My schedule"), BLUE, ("main", "simple"), action="schedule"),
    Area("ideas", N_("Ideas"), BROWN, ("main",), action="idea_calls"),
    Area("initiatives", N_("Initiatives"), TEAL, ("main",), action="initiatives"),
    Area("menu", N_("Menu"), GREY, ("main",), action="menu"),
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


def grid(page: str) -> list[tuple[int, int, int, int]]:
    """(x, y, width, height) of each content cell of a page."""
    if PAGES[page][0] == "simple":
        w, h = WIDTH // 2, HEIGHT // 2
        return [(c * w, r * h, w if c == 0 else WIDTH - w, h if r == 0 else HEIGHT - h)
                for r in range(2) for c in range(2)]
    top, rows, cols = TAB_HEIGHT, 2, 3
    w, h = WIDTH // cols, (HEIGHT - top) // rows
    return [(c * w, top + r * h, w if c < cols - 1 else WIDTH - 2 * w,
             h if r == 0 else HEIGHT - top - h) for r in range(rows) for c in range(cols)]


def tab_bounds() -> list[tuple[int, int, int, int]]:
    half = WIDTH // 2
    return [(0, 0, half, TAB_HEIGHT), (half, 0, WIDTH - half, TAB_HEIGHT)]


def definition(app: Flask, locale: str, page: str) -> dict[str, Any]:
    """The rich menu object LINE takes (without its digest-bearing name)."""
    codec = app.extensions["machibot.codec"]
    areas: list[dict[str, Any]] = []
    if PAGES[page][0] == "standard":
        for tab, (x, y, w, h) in zip(TABS, tab_bounds(), strict=True):
            text = label(locale, TAB_LABELS[tab])
            areas.append({"bounds": {"x": x, "y": y, "width": w, "height": h}, "action": {
                "type": "richmenuswitch", "label": text[:LABEL_LIMIT],
                "richMenuAliasId": alias_id(locale, tab), "data": codec.encode("tab", p=tab)}})
    for area, (x, y, w, h) in zip(areas_for(app, page), grid(page), strict=False):
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
