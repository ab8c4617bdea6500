"""Read-aloud: the bot's answers also as speech, for people who hear better than they read.

A person's turn is answered in text at once; when they have read-aloud on
(`User.read_aloud`, None meaning never asked: on in simple mode), the same words are
requested here, in the turn's own transaction: a clip keyed by the words and the voice, and
an outbox row ("speech", deduplicated by the event) that the scheduler's dispatcher pushes.
The dispatcher's renderer (bot/speech.py) makes the audio the first time the clip is sent
and keeps it in the clip, so an answer spoken once is never synthesised again while it is
kept, and a push retried after a crash sends the same audio under the same retry key.

A clip is served at an unguessable address (its token, like a photo's) and is deleted by
the `speech.sweep` job once nobody has asked for it for `keep_hours`. The words themselves
are dropped as soon as the audio is made. Clips are shared by everyone who got the same
answer; "delete my data" removes the clips only that person was sent.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import LargeBinary, String, Text, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from models.base import Base, utcnow
from models.outbox import Notification, enqueue

KIND = "speech"  # the outbox kind of a spoken answer
# the voices there are: the locale of the words -> the synthesiser's voice. Open JTalk reads
# Japanese only; やさしい日本語 is read more slowly (bot/speech.py VOICE_SPEEDS)
VOICES: dict[str, str] = {"ja": "openjtalk-ja", "ja_easy": "openjtalk-ja-slow"}
MAX_CHARS = 600  # longer answers are read up to here (about a minute and a half)
URL = re.compile(r"(https?://|line://|tel:)\S+")
SPACES = re.compile(r"[ \t\u3000]+")
# やさしい日本語 writes a kanji word's reading after it, 設定（せってい）: read it once
READING = re.compile(r"\([\u3041-\u309f\u30fc]+\)")


class SpeechClip(Base):
    __tablename__ = "speech_clips"

    # sha256 of the voice and the normalised words: the same answer is made once a voice
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    voice: Mapped[str] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)  # until the audio is made
    audio: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # mp3
    size: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int] = mapped_column(default=0)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @property
    def made(self) -> bool:
        return self.size > 0


def wants(user: Any) -> bool:
    """Whether this person's answers are read aloud (where the server offers it)."""
    return user.read_aloud if user.read_aloud is not None else user.mode == "simple"


def words_of(messages: Iterable[dict]) -> str:
    """What a reply says, as one text to read: text messages' texts, and for cards and
    templates their alternative text (what a phone's notification shows)."""
    parts: list[str] = []
    for message in messages:
        kind = message.get("type")
        if kind in ("text", "textV2"):
            parts.append(str(message.get("text") or ""))
        elif kind in ("flex", "template"):
            parts.append(str(message.get("altText") or ""))
    return normalise("\n".join(parts))


def normalise(text: str) -> str:
    """The words as spoken: width-normalised, addresses and readings in brackets left out,
    blank runs collapsed, at most MAX_CHARS characters."""
    text = READING.sub("", URL.sub("", unicodedata.normalize("NFKC", text)))
    lines = (SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)[:MAX_CHARS].strip()


def clip_key(text: str, voice: str) -> str:
    return hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()


def request(session: Session, user: Any, messages: Iterable[dict], *, voice: str,
            dedupe: str, now: datetime) -> SpeechClip | None:
    """Have the words of `messages` pushed to `user` as speech in `voice`, once per `dedupe`
    (the event answered). None when there is nothing to read."""
    text = words_of(messages)
    if not text:
        return None
    key = clip_key(text, voice)
    clip = session.get(SpeechClip, key)
    if clip is None:
        clip = SpeechClip(key=key, voice=voice, text=text, token=secrets.token_urlsafe(32),
                          created_at=now, used_at=now)
        try:
            with session.begin_nested():
                session.add(clip)
        except IntegrityError:  # the same words were asked for at the same time elsewhere
            clip = session.get(SpeechClip, key)
            if clip is None:
                raise
    clip.used_at = now
    enqueue(session, user_id=user.id, kind=KIND, ref=key, due_at=now, dedupe_key=dedupe,
            urgent=True)
    return clip


def keep_audio(session: Session, clip: SpeechClip, audio: bytes, duration_ms: int) -> None:
    """The audio is made: keep it, and drop the words."""
    clip.audio, clip.size, clip.duration_ms, clip.text = audio, len(audio), duration_ms, None
    session.flush()


def by_token(session: Session, token: str) -> SpeechClip | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(SpeechClip).where(SpeechClip.token == token,
                                                   SpeechClip.size > 0))


def sweep(session: Session, *, keep_hours: float, now: datetime | None = None) -> int:
    """Delete the clips nobody asked for in `keep_hours`; their addresses stop working."""
    cutoff = (now or utcnow()) - timedelta(hours=keep_hours)
    result = session.execute(delete(SpeechClip).where(SpeechClip.used_at < cutoff),
                             execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)


def erase(session: Session, user: Any) -> None:
    """Delete my data: the clips made for me alone (an answer others got too stays theirs;
    my outbox rows go with my user row)."""
    other = aliased(Notification)
    mine = select(Notification.ref).where(Notification.user_id == user.id,
                                          Notification.kind == KIND)
    shared = exists().where(other.kind == KIND, other.ref == SpeechClip.key,
                            other.user_id != user.id)
    session.execute(delete(SpeechClip).where(SpeechClip.key.in_(mine), ~shared),
                    execution_options={"synchronize_session": False})
