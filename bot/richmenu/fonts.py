"""The menu images' fonts are the bot's fonts (bot/fonts.py), which the console's posters
use too."""

from bot.fonts import FONTS, FontMissing, find_font, font_for, script_locale

__all__ = ["FONTS", "FontMissing", "find_font", "font_for", "script_locale"]
