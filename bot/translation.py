"""Machine translation: the translator the configuration names, and the scheduler's job.

One interface (models/translating.py `Translate`): translate(texts, source, target) -> the
texts in the target language. The one adapter speaks LibreTranslate's HTTP API (a
self-hostable, open-source translation server): POST {TRANSLATOR_URL}/translate with q (a
list of texts), source, target, format "text" and api_key (TRANSLATOR_KEY, when the server
asks for one). No TRANSLATOR_URL: no translator, and items wait for one (nothing is ever
held back from residents for it).

The job (`translations.run` in bot/registries.py JOBS) translates what was saved since its
last run, TRANSLATOR_BATCH items per transaction and per call (one call per language: q is
the list of all their texts), so an import of 10,000 rows is a few hundred calls per
language, not tens of thousands; a failure leaves the items to a later run
(models/translating.py: backoff, logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from flask import Flask

from bot.db import session_scope
from models.base import utcnow
from models.translating import Translate, TranslatorError, translate_due

log = logging.getLogger(__name__)

# our locale codes -> LibreTranslate's (the others are the same)
LIBRE_CODES = {"zh_Hans": "zh"}


class LibreTranslate:
    """translate(texts, source, target) against a LibreTranslate server."""

    def __init__(self, url: str, key: str = "", timeout: float = 10.0,
                 session: requests.Session | None = None) -> None:
        self.endpoint = url.rstrip("/") + "/translate"
        self.key, self.timeout = key, timeout
        self.http = session or requests.Session()

    def __call__(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if not texts:
            return []
        body: dict[str, Any] = {"q": list(texts), "source": LIBRE_CODES.get(source, source),
                                "target": LIBRE_CODES.get(target, target), "format": "text"}
        if self.key:
            body["api_key"] = self.key
        try:
            answer = self.http.post(self.endpoint, json=body, timeout=self.timeout)
        except requests.RequestException as error:
            raise TranslatorError(f"unreachable: {type(error).__name__}") from None
        if answer.status_code != 200:
            raise TranslatorError(f"HTTP {answer.status_code}: {_error_of(answer)}")
        try:
            translated = answer.json()["translatedText"]
        except (ValueError, KeyError, TypeError):
            raise TranslatorError("an answer without translatedText") from None
        if isinstance(translated, str):
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != len(texts) \
                or not all(isinstance(text, str) for text in translated):
            raise TranslatorError("an answer that does not match the texts sent")
        return translated


def _error_of(answer: requests.Response) -> str:
    """The server's own word for the error (never the texts sent)."""
    try:
        return str(answer.json().get("error", ""))[:120]
    except (ValueError, AttributeError):
        return ""


def translator(config: Mapping[str, Any]) -> Translate | None:
    """The configured translator, or None."""
    if not config.get("TRANSLATOR_URL"):
        return None
    return LibreTranslate(config["TRANSLATOR_URL"], config.get("TRANSLATOR_KEY") or "",
                          float(config.get("TRANSLATOR_TIMEOUT_SECONDS", 10.0)))


def run(app: Flask, translate: Translate | None = None) -> int:
    """Translate what waits: TRANSLATOR_BATCH items a round, each round one transaction
    whose calls each carry every item's texts for one language, up to
    TRANSLATOR_ROUNDS rounds a run; the number of items translated."""
    translate = translate or translator(app.config)
    if translate is None:
        return 0
    done = 0
    batch = max(1, int(app.config.get("TRANSLATOR_BATCH", 20)))
    for _ in range(max(1, int(app.config.get("TRANSLATOR_ROUNDS", 10)))):
        with session_scope(app) as session:
            outcome = translate_due(session, translate, utcnow(), limit=batch)
        done += outcome.done
        if outcome.failed or not (outcome.done or outcome.gone):
            break
    if done:
        log.info("machine-translated %s items", done)
    return done
