"""Rich menu labels break between words (or between CJK characters), never inside a word."""

from __future__ import annotations

import re

import pytest
from PIL import Image, ImageDraw

from bot.fonts import font_for
from bot.richmenu.drawing import _draw_label, _wrap
from bot.richmenu.layout import grid
from tests.bot.test_richmenu import needs_fonts

PAD = 18  # the tile's margin in bot.richmenu.drawing._render
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]+")


def _label_width(page: str, index: int) -> int:
    """The width _render gives the label of a page's area (less _draw_label's margin)."""
    _x, _y, w, _h = grid(page)[index]
    return w - 4 * PAD - 20


def _lines(locale: str, text: str, size: int, width: int) -> list[str]:
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    return _wrap(draw, text, font_for(locale, size, text), width)


@needs_fonts
@pytest.mark.parametrize(("locale", "text"), [
    ("ja", "言語/Language"), ("ja_easy", "ことば/Language"), ("en", "Language settings"),
    ("vi", "Trợ giúp & cài đặt"), ("en", "Language")])
def test_latin_words_stay_whole_on_a_line(locale, text):
    # 112 px on the "more" page's fifth tile: where "言語/Language" became "言語/Langua" + "ge"
    lines = _lines(locale, text, 112, _label_width("more", 4))
    for word in LATIN_WORD.findall(text):
        assert any(word in LATIN_WORD.findall(line) for line in lines), (word, lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@needs_fonts
def test_a_mixed_label_breaks_where_the_script_changes():
    assert _lines("ja", "言語/Language", 112, _label_width("more", 4)) == ["言語/", "Language"]


@needs_fonts
def test_cjk_breaks_between_characters_but_not_before_closing_marks():
    lines = _lines("ja_easy", "設定（せってい）", 130, _label_width("more", 3))
    assert len(lines) >= 2 and "".join(lines) == "設定（せってい）"
    for line in lines[1:]:
        assert line[0] not in "）っ、。ー", lines
    for line in lines[:-1]:
        assert line[-1] != "（", lines
    # a wide tile keeps a short Japanese label on one line
    assert _lines("ja", "活動を探す", 130, _label_width("main", 0)) == ["活動を探す"]


@needs_fonts
def test_a_word_too_long_for_the_tile_shrinks_instead_of_breaking():
    size, width, height = 130, 400, 400
    font = font_for("en", size, "Language")
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    assert draw.textlength("Language", font=font) > width - 20  # it cannot fit at 130 px
    image = Image.new("L", (width, height), 0)
    _draw_label(ImageDraw.Draw(image), "en", "Language", (0, 0, width, height),
                         size=size, fill="white", top=None)
    left, top, right, bottom = image.getbbox()
    assert right - left <= width - 20  # it fits the tile
    assert bottom - top < size  # on one line, in smaller letters: not "Langua" over "ge"
