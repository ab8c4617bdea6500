"""Whether this server reads answers aloud, and in which voice for a language.

Offered only where a LINE audio message can be played: LINE fetches the audio itself, over
https, so the server needs a public https address (PUBLIC_BASE_URL), the synthesiser must be
installed, and the language must have a voice (models.speech.VOICES: Japanese and
やさしい日本語). Elsewhere the setting is not shown and nothing is spoken.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.util import find_spec
from typing import Any

from models.speech import VOICES, wants


@cache
def synthesiser_installed() -> bool:
    """Open JTalk (with its dictionary and voice) and the mp3 encoder, without importing
    them (that takes a second)."""
    return find_spec("pyopenjtalk") is not None and find_spec("lameenc") is not None


def voice_for(config: Mapping[str, Any], locale: str) -> str | None:
    """The voice answers in `locale` are read in, or None when they cannot be read aloud."""
    base = str(config.get("PUBLIC_BASE_URL") or "")
    if not config.get("READ_ALOUD", True) or not base.startswith("https://"):
        return None
    voice = VOICES.get(locale)
    return voice if voice is not None and synthesiser_installed() else None


def speaks_to(config: Mapping[str, Any], user: Any) -> str | None:
    """The voice this person's answers are read in, or None (not offered, or turned off)."""
    voice = voice_for(config, user.locale)
    return voice if voice is not None and wants(user) else None
