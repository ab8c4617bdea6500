"""The languages the platform speaks, and the marker for translatable text in the domain.

The domain stores locale codes and message ids; the kernel (bot/kernel/i18n.py) translates
them when a person reads them.
"""

from __future__ import annotations

# code -> (Babel locale used for dates and numbers, the language's own name)
SUPPORTED_LOCALES: dict[str, tuple[str, str]] = {
    "ja": ("ja", "日本語"),
    "ja_easy": ("ja", "やさしい にほんご"),
    "en": ("en", "English"),
    "zh_Hans": ("zh_Hans", "简体中文"),
    "ko": ("ko", "한국어"),
    "vi": ("vi", "Tiếng Việt"),
    "ne": ("ne", "नेपाली"),
}
# the locales whose readers read Japanese (やさしい日本語 readers read it too, more slowly)
JAPANESE_LOCALES = ("ja", "ja_easy")


def N_(message: str) -> str:
    """Mark a constant for extraction; translate it later with gettext(locale, ...)."""
    return message
