"""Speech: the synthesiser, the spoken answers' addresses, and their sending and expiry.

The synthesiser is Open JTalk through pyopenjtalk-plus, whose wheel ships the dictionary and
an HTS voice (nothing is downloaded at run time), and LAME (lameenc) for the mp3 LINE plays.
Loaded, it takes a second and about 75 MB: the dispatcher (in the scheduler process, whose
RSS must stay under 150 MB) has it run in a child process of its own (`synthesise_apart`),
started on first use and kept for the next answers; the benchmark calls `synthesise` itself.

The dispatcher sends a "speech" outbox row (models/speech.py) with `render`: the audio is
made the first time its clip is sent and kept in the clip, in the pass's transaction,
before the push; a retried push (LINE answered 500, or the dispatcher died) finds it made
and sends the same message under the same retry key, so it arrives once.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.kernel.composer import Composer
from bot.kernel.links import audio_address
from models.speech import SpeechClip, by_token, keep_audio
from models.speech import sweep as sweep_clips

bp = Blueprint("speech", __name__)

# voice -> speaking rate: やさしい日本語 is read a little more slowly
VOICE_SPEEDS = {"openjtalk-ja": 1.0, "openjtalk-ja-slow": 0.85}
BIT_RATE = 48  # kbit/s, mono: plain speech, about 6 kB a second
_lock = threading.Lock()  # Open JTalk keeps one engine per process


@dataclass(frozen=True)
class Audio:
    mp3: bytes
    duration_ms: int


def synthesise(text: str, voice: str) -> Audio:
    """The words spoken in `voice`, as mp3, with their length from the samples."""
    import lameenc
    import numpy as np

    with _lock:
        samples, rate = _openjtalk().tts(text, speed=VOICE_SPEEDS.get(voice, 1.0))
    pcm = np.clip(samples, -32768, 32767).astype("<i2").tobytes()
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BIT_RATE)
    encoder.set_in_sample_rate(int(rate))
    encoder.set_channels(1)
    encoder.set_quality(5)
    mp3 = bytes(encoder.encode(pcm) + encoder.flush())
    return Audio(mp3, round(len(samples) * 1000 / rate))


SYNTHESIS_TIMEOUT_SECONDS = 60
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def synthesise_apart(text: str, voice: str) -> Audio:
    """`synthesise` in the child process that keeps the synthesiser loaded (started on first
    use, by spawn: it holds none of this process's connections). A child that died is
    replaced; the failure is raised, so the caller tries again later."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1,
                                        mp_context=multiprocessing.get_context("spawn"))
        pool = _pool
    try:
        return pool.submit(synthesise, text, voice).result(timeout=SYNTHESIS_TIMEOUT_SECONDS)
    except BrokenProcessPool:
        with _pool_lock:
            if _pool is pool:
                _pool = None
        raise


def _openjtalk() -> Any:
    # its reading predictor prints a notice about an optional ONNX runtime on import
    with contextlib.redirect_stdout(io.StringIO()):
        import pyopenjtalk
    return pyopenjtalk


def render(session: Session, user: Any, notification: Any,
           composer: Composer) -> list[dict] | None:
    """A "speech" row as a LINE audio message; None once its clip has expired or the server
    has no public https address any more."""
    clip = session.get(SpeechClip, notification.ref)
    url = audio_address(current_app.config, clip.token if clip is not None else None)
    if clip is None or url is None:
        return None
    if not clip.made:
        if not clip.text:
            return None
        audio = synthesise_apart(clip.text, clip.voice)
        keep_audio(session, clip, audio.mp3, audio.duration_ms)
    return [{"type": "audio", "originalContentUrl": url, "duration": clip.duration_ms}]


@bp.get("/speech/<token>.mp3")
def clip_file(token: str) -> Response:
    with session_scope() as session:
        found = by_token(session, token)
        if found is None or found.audio is None:
            abort(404)
        body = found.audio
    return Response(body, mimetype="audio/mpeg",
                    headers={"Cache-Control": "private, max-age=3600"})


def sweep(app: Flask) -> None:
    """Delete the spoken answers nobody asked for in READ_ALOUD_KEEP_HOURS."""
    with session_scope(app) as session:
        sweep_clips(session, keep_hours=float(app.config["READ_ALOUD_KEEP_HOURS"]),
                    now=datetime.now(UTC))
