"""The languages the platform speaks, and the marker for translatable text in the domain.

The domain stores locale codes and message ids; the kernel (bot/kernel/i18n.py) translates
them when a person reads them.
"""

from __future__ import annotations

from collections.abc import Callable

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


# The ward's areas (the AREAS setting) as people read them: a name as the ward writes it (and
# as it is stored) -> its message id. An area a ward adds that is not here is shown as
# configured; add it here (and to the catalogs) to have it read in every language.
AREA_NAMES: dict[str, str] = {
    # Translators: an area of Suginami ward (阿佐谷); in Japanese, its Japanese name
    "阿佐谷": N_("Asagaya"),
    # Translators: an area of Suginami ward (高円寺)
    "高円寺": N_("Koenji"),
    # Translators: an area of Suginami ward (荻窪)
    "荻窪": N_("Ogikubo"),
    # Translators: an area of Suginami ward (西荻窪)
    "西荻窪": N_("Nishi-Ogikubo"),
    # Translators: an area of Suginami ward (高井戸)
    "高井戸": N_("Takaido"),
    # Translators: an area of Suginami ward made of two neighbourhoods (方南・和泉)
    "方南・和泉": N_("Honan and Izumi"),
}


def area_label(translate: Callable[[str], str], name: str) -> str:
    """An area's name in the reader's language (`translate`: their gettext)."""
    message = AREA_NAMES.get(name)
    return translate(message) if message else name
