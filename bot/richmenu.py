"""The default rich menu: three large areas (menu, settings, help) under the chat.

The image is drawn by the project (Pillow). Japanese labels need a CJK font: Debian's
fonts-noto-cjk (or fonts-ipafont) provides one; without it the labels are drawn in English.
`machibot richmenu deploy` creates the menu, uploads the image and sets it as the default,
replacing (never piling up) the menu it made before.
"""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path

from flask import Flask
from PIL import Image, ImageDraw, ImageFont

from bot.i18n import gettext
from bot.line import get_line

log = logging.getLogger(__name__)

MENU_NAME = "machibot-default"
WIDTH, HEIGHT = 2500, 843
AREAS = (  # (action, msgid, colour)
    ("menu", "Menu", "#06C755"),
    ("settings", "Settings", "#1E6FD9"),
    ("help", "Help", "#F08C00"),
)
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
)
LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def find_font() -> tuple[str | None, bool]:
    """(path, handles Japanese)."""
    for path in CJK_FONTS:
        if Path(path).exists():
            return path, True
    return (LATIN_FONT if Path(LATIN_FONT).exists() else None), False


def definition(app: Flask, locale: str) -> dict:
    codec = app.extensions["machibot.codec"]
    width = WIDTH // len(AREAS)
    areas = []
    for index, (action, msgid, _colour) in enumerate(AREAS):
        label = gettext(locale, msgid)
        areas.append({
            "bounds": {"x": index * width, "y": 0, "width": width, "height": HEIGHT},
            "action": {"type": "postback", "label": label[:20], "data": codec.encode(action),
                       "displayText": label},
        })
    return {"size": {"width": WIDTH, "height": HEIGHT}, "selected": True, "name": MENU_NAME,
            "chatBarText": gettext(locale, "Menu")[:14], "areas": areas}


def render(locale: str) -> bytes:
    """The menu image as PNG: one coloured tile per area with a pictogram and its label."""
    font_path, cjk = find_font()
    if not cjk:
        locale = "en"
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    width = WIDTH // len(AREAS)
    size = 150
    font = ImageFont.truetype(font_path, size) if font_path else ImageFont.load_default()
    for index, (action, msgid, colour) in enumerate(AREAS):
        left = index * width
        draw.rounded_rectangle((left + 24, 24, left + width - 24, HEIGHT - 24), radius=48,
                               fill=colour)
        _pictogram(draw, action, left + width // 2, 300)
        label = gettext(locale, msgid)
        box = draw.textbbox((0, 0), label, font=font)
        draw.text((left + (width - (box[2] - box[0])) // 2, 560), label, font=font,
                  fill="white")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _pictogram(draw: ImageDraw.ImageDraw, action: str, cx: int, cy: int) -> None:
    white = "white"
    if action == "menu":  # three bars
        for dy in (-90, 0, 90):
            draw.rounded_rectangle((cx - 150, cy + dy - 25, cx + 150, cy + dy + 25), 20,
                                   fill=white)
    elif action == "settings":  # a gear: ring with teeth
        for k in range(8):
            a = k * math.pi / 4
            x, y = cx + 140 * math.cos(a), cy + 140 * math.sin(a)
            draw.ellipse((x - 40, y - 40, x + 40, y + 40), fill=white)
        draw.ellipse((cx - 130, cy - 130, cx + 130, cy + 130), fill=white)
        draw.ellipse((cx - 55, cy - 55, cx + 55, cy + 55), fill="#1E6FD9")
    else:  # a question mark in a circle
        draw.ellipse((cx - 150, cy - 150, cx + 150, cy + 150), outline=white, width=30)
        draw.arc((cx - 65, cy - 105, cx + 65, cy + 25), 180, 90, fill=white, width=30)
        draw.line((cx, cy + 25, cx, cy + 60), fill=white, width=30)
        draw.ellipse((cx - 20, cy + 85, cx + 20, cy + 125), fill=white)


def deploy(app: Flask) -> str:
    """Create the default menu (replacing ours from before) and return its id."""
    locale = app.config["BOT_DEFAULT_LOCALE"]
    line = get_line(app)
    for menu in line.rich_menus():
        if menu.get("name") == MENU_NAME:
            line.delete_rich_menu(menu["richMenuId"])
    menu_id = line.create_rich_menu(definition(app, locale))
    line.upload_rich_menu_image(menu_id, render(locale), "image/png")
    line.set_default_rich_menu(menu_id)
    log.info("default rich menu deployed")
    return menu_id
