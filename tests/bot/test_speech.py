"""The synthesiser: real Open JTalk and LAME, offline, making mp3 that LINE can play."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.kernel.read_aloud import synthesiser_installed
from bot.speech import BIT_RATE, synthesise
from models.speech import VOICES, clip_key, normalise, words_of

ANSWER = "今週の土曜日、阿佐谷公民館で清掃活動があります。参加するときは、番号を押してください。"


def frames(mp3: bytes) -> bool:
    """Whether the data starts with an MPEG audio frame (11 sync bits)."""
    return len(mp3) > 4 and mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0


def test_the_synthesiser_is_installed_with_its_voice():
    assert synthesiser_installed()


def test_an_answer_becomes_mp3_with_a_duration_that_fits_its_words_and_size():
    audio = synthesise(ANSWER, VOICES["ja"])
    assert frames(audio.mp3)
    # 45 characters read at an ordinary pace: several seconds, not a blip nor minutes
    assert 4_000 < audio.duration_ms < 15_000
    # a constant bit rate: the bytes say the same length as the samples (within a tenth)
    from_size = len(audio.mp3) * 8 / BIT_RATE
    assert from_size == pytest.approx(audio.duration_ms, rel=0.1)


def test_the_dispatcher_s_process_has_the_audio_made_in_a_child_and_stays_small():
    # the scheduler's RSS must stay under 150 MB; the synthesiser alone takes about 75 MB
    script = (
        "import resource, sys\n"
        "from bot.speech import synthesise_apart\n"
        f"audio = synthesise_apart({ANSWER!r}, {VOICES['ja']!r})\n"
        "again = synthesise_apart('はい', 'openjtalk-ja')\n"
        "print(audio.mp3[:2].hex(), audio.duration_ms > 4000, again.duration_ms > 0,\n"
        "      'pyopenjtalk' in sys.modules, 'lameenc' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    head, long_enough, second, opentalk_here, lame_here = done.stdout.split()
    assert int(head, 16) >> 5 == 0x7FF and long_enough == second == "True"
    assert opentalk_here == lame_here == "False"


def test_easy_japanese_is_read_more_slowly():
    plain = synthesise(ANSWER, VOICES["ja"])
    slow = synthesise(ANSWER, VOICES["ja_easy"])
    assert slow.duration_ms > plain.duration_ms * 1.1


def test_what_is_read_is_the_words_of_texts_and_the_alternative_text_of_cards():
    messages = [
        {"type": "text", "text": "ＡＢＣ 公民館  です。\n詳しくは https://example.jp/a を"},
        {"type": "flex", "altText": "活動の一覧", "contents": {}},
        {"type": "image", "originalContentUrl": "https://example.jp/p.jpg"},
        {"type": "template", "altText": "参加しますか？", "template": {}},
    ]
    assert words_of(messages) == "ABC 公民館 です。\n詳しくは を\n活動の一覧\n参加しますか?"
    assert normalise("  \n ") == ""
    assert normalise("設定（せってい）で かえられます") == "設定で かえられます"


def test_the_same_words_in_another_voice_are_another_clip():
    assert clip_key("こんにちは", VOICES["ja"]) != clip_key("こんにちは", VOICES["ja_easy"])
    assert clip_key("こんにちは", VOICES["ja"]) == clip_key("こんにちは", VOICES["ja"])
