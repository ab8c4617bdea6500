"""Rich menus deployed through the LINE client and linked to users.

`deploy` is idempotent: menu names carry a digest of their definition and image, so a rerun
keeps unchanged menus, replaces changed ones (aliases first, then the old menus are
deleted) and never piles up. It then links every user to the menu for their mode and
locale; the worker links a user again whenever their mode or locale changes
(handlers/events.py, after the turn), with the id map deploy keeps in Redis under
`IDS_KEY`, read by `menu_for`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from bot import keys
from bot.db import session_scope
from bot.kernel.i18n import SUPPORTED_LOCALES
from bot.line import LineClient, get_line
from bot.redis_store import get_redis
from bot.richmenu.drawing import render
from bot.richmenu.layout import PAGES, PREFIX, alias_id, definition, menu_key
from models.users import User

log = logging.getLogger(__name__)

IDS_KEY = keys.key("richmenu", "ids")


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
