"""A slot's posters, printable A4 PNGs with the activity, its date and place and a QR code of
what a resident sends: the sign-up poster (the LINE link that opens the chat with "参加 1234"
typed in) for flyers, and the check-in poster (the chat with "チェックイン ABC12", the slot's
check-in word, typed in) to put up at the venue; the same links the command line's QR codes
carry (bot/kernel/prefilled.py). Drawn with Pillow in the ward's language
(BOT_DEFAULT_LOCALE), with the bot's fonts. Members only (console/access.py)."""

from __future__ import annotations

import io
import logging

import segno
from flask import abort, current_app, redirect, url_for
from PIL import Image, ImageDraw
from werkzeug import Response

from bot.fonts import FontMissing, font_for
from bot.kernel.i18n import format_span, gettext, shown_text
from bot.kernel.prefilled import CHECKIN_WORDS, SIGNUP_WORDS, checkin_link, signup_link
from console.access import member_slot
from console.blueprint import bp
from console.i18n import notice
from models.activities import Slot, as_utc
from models.locales import N_

A4 = (1240, 1754)  # pixels at 150 dpi
MARGIN = 90
QR_SIZE = 760
# Translators: on a printed poster, under the QR code
SCAN_TO_SIGN_UP = N_("Scan with your phone to sign up on LINE")
# Translators: on a printed poster at the venue, under the QR code
SCAN_TO_CHECK_IN = N_("Scan with your phone to check in on LINE")
# Translators: in the console; {package} names a font package, such as fonts-noto-cjk
NO_FONT = N_("The poster cannot be drawn yet: this server lacks the font it needs. Please ask "
             "the administrator to install {package}.")

log = logging.getLogger(__name__)


@bp.get("/slots/<int:slot_id>/poster.png")
def poster(slot_id: int) -> Response:
    slot = member_slot(slot_id, live=True)
    return _poster(slot, f"poster-{slot.code}.png")


@bp.get("/slots/<int:slot_id>/checkin-poster.png")
def checkin_poster(slot_id: int) -> Response:
    slot = member_slot(slot_id, live=True)
    if not slot.checkin_word:  # an imported slot may have none
        abort(404)
    return _poster(slot, f"checkin-poster-{slot.code}.png", checkin=True)


def _poster(slot: Slot, filename: str, *, checkin: bool = False) -> Response:
    """The poster as a PNG; without the font it needs, back to the roster saying what the
    server lacks: the organiser cannot install a font, but can tell whoever runs the bot
    which one."""
    try:
        png = draw_poster(slot, current_app.config, checkin=checkin)
    except FontMissing as exc:
        log.warning("poster not drawn: %s", exc)
        notice(NO_FONT, package=exc.package)
        return redirect(url_for("console.roster", slot_id=slot.id))
    return Response(png, mimetype="image/png",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def poster_link(slot: Slot, config: dict, *, checkin: bool = False) -> str:
    """What the poster's QR code opens: the chat with the sign-up, or the check-in, typed in."""
    locale = config["BOT_DEFAULT_LOCALE"]
    if checkin:
        return checkin_link(config, slot.checkin_word or "", locale)
    return signup_link(config, slot.code, locale)


def poster_lines(slot: Slot, config: dict, *, checkin: bool = False) -> dict[str, str]:
    """The poster's texts in the ward's language."""
    locale, tz = config["BOT_DEFAULT_LOCALE"], config["BOT_TIMEZONE"]
    words, value = (CHECKIN_WORDS, slot.checkin_word) if checkin else (SIGNUP_WORDS, slot.code)
    word = gettext(locale, words).split("|")[0]
    return {
        "title": shown_text(slot.activity, "title", locale),
        "when": format_span(as_utc(slot.starts_at), as_utc(slot.ends_at), locale, tz),
        "place": slot.place or "",
        "scan": gettext(locale, SCAN_TO_CHECK_IN if checkin else SCAN_TO_SIGN_UP),
        # Translators: on a printed poster: {text} is what to send, e.g. "参加 1234"
        "send": gettext(locale, N_("Or send “{text}” to the bot"), text=f"{word} {value}"),
    }


def draw_poster(slot: Slot, config: dict, *, checkin: bool = False) -> bytes:
    locale = config["BOT_DEFAULT_LOCALE"]
    texts = poster_lines(slot, config, checkin=checkin)
    page = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(page)
    y = _paragraph(draw, texts["title"], locale, 72, MARGIN)
    for key in ("when", "place"):
        if texts[key]:
            y = _paragraph(draw, texts[key], locale, 44, y + 20)
    code = qr_image(poster_link(slot, config, checkin=checkin))
    top = max(y + 50, 560)
    page.paste(code, ((A4[0] - code.width) // 2, top))
    y = top + code.height + 30
    y = _paragraph(draw, texts["scan"], locale, 44, y)
    _paragraph(draw, texts["send"], locale, 40, y + 16)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def qr_image(link: str) -> Image.Image:
    """The code at the largest whole number of pixels a module that fits QR_SIZE: modules
    of unequal widths read badly once printed."""
    code = segno.make(link, error="m")
    scale = QR_SIZE // code.symbol_size(border=2)[0]
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _paragraph(draw: ImageDraw.ImageDraw, text: str, locale: str, size: int, top: int) -> int:
    """Draw `text` centred, wrapped to the page's width; returns the y below it."""
    font = font_for(locale, size, text)
    width = A4[0] - 2 * MARGIN
    lines: list[str] = []
    for word in _units(text):
        trial = (lines[-1] + word) if lines else word
        if lines and draw.textlength(trial, font=font) <= width:
            lines[-1] = trial
        else:
            lines.append(word.lstrip())
    for line in lines[:4]:
        draw.text((A4[0] // 2, top), line, font=font, fill="black", anchor="ma")
        top += int(size * 1.35)
    return top


def _units(text: str) -> list[str]:
    """Where a line may break: between words, and between any two CJK characters."""
    units: list[str] = []
    for ch in text:
        if ord(ch) >= 0x2E80 or ch == " " or not units or ord(units[-1][-1]) >= 0x2E80:
            units.append(ch)
        else:
            units[-1] += ch
    return units
