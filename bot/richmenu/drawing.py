"""The image of a rich menu page: a dark tile per area, a white pictogram above a large
label in the reader's language, and the tab strip on the standard pages."""

from __future__ import annotations

import io
import math
from functools import lru_cache

from flask import Flask
from PIL import Image, ImageDraw, ImageFont

from bot.fonts import font_for
from bot.richmenu.layout import (
    HEIGHT,
    PAGES,
    TAB_LABELS,
    TABS,
    WIDTH,
    Area,
    areas_for,
    grid,
    label,
    tab_bounds,
)

MAX_IMAGE_BYTES = 1_000_000
TAB_OFF = "#E6E6E6"
INK = "#111111"


def render(app: Flask, locale: str, page: str) -> bytes:
    """The page's image as PNG: a dark tile per area, a white pictogram above a large label."""
    return _render(locale, page, tuple(areas_for(app, page)))


@lru_cache(maxsize=64)
def _render(locale: str, page: str, areas: tuple[Area, ...]) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    simple = PAGES[page][0] == "simple"
    if not simple:
        for tab, (x, y, w, h) in zip(TABS, tab_bounds(), strict=True):
            on = tab == page
            draw.rectangle((x, y, x + w - 1, y + h - 1), fill=INK if on else TAB_OFF)
            _draw_label(draw, locale, label(locale, TAB_LABELS[tab]), (x, y, w, h),
                        size=120, fill="white" if on else INK, top=0)
    for area, (x, y, w, h) in zip(areas, grid(page), strict=False):
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
        font = font_for(locale, size, text)
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
        draw.text((cx, cy), "?", font=font_for("en", int(r * 1.5)), fill=white, anchor="mm")
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
