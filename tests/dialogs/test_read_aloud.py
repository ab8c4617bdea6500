"""Read-aloud: the setting, and answers that follow as speech by push, once each, made once
per content and voice, and expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import speech
from bot.db import session_scope
from bot.notify.dispatch import Dispatcher, dispatch, get_dispatcher
from models.erasure import delete_personal_data
from models.outbox import NotificationBatch
from models.speech import SpeechClip, sweep
from models.users import get_by_line_id
from tests.collab_helpers import ja, join

BASE = "https://machi.example.jp"


@pytest.fixture
def public(app, monkeypatch):
    """A server LINE can fetch files from (and retries within a pass, without the wait)."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE)
    get_dispatcher(app).backoff_base = 0.01


def entries(person) -> list[dict]:
    """Every message the person received, with how it came (reply or push)."""
    return person.sim.messages(person.user_id)


def audio_of(person) -> list[dict]:
    return [e for e in entries(person) if e["message"]["type"] == "audio"]


def settings_choices(person) -> list[str]:
    person.opens(ja("Settings"))
    return person.choices()


def turn_on(person) -> None:
    person.opens(ja("Settings"))
    person.taps(ja("Read aloud"))
    person.taps(ja("Read aloud"))


def test_read_aloud_is_a_setting_that_turns_on_and_off(app, public, resident):
    assert ja("Read aloud") in settings_choices(resident)
    resident.taps(ja("Read aloud"))
    assert ja("Read aloud is off.") in resident.last_text()  # standard mode: off unless asked
    resident.taps(ja("Read aloud"))
    assert ja("Read aloud is on.") in resident.last_text()
    assert resident.user_row().read_aloud is True
    resident.opens(ja("Settings"))
    resident.taps(ja("Read aloud"))
    resident.taps(ja("Text only"))
    assert ja("Read aloud is off.") in resident.last_text()
    assert resident.user_row().read_aloud is False


def test_without_a_public_https_address_read_aloud_is_not_offered(app, resident, monkeypatch):
    assert ja("Read aloud") not in settings_choices(resident)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://machi.example.jp")
    assert ja("Read aloud") not in settings_choices(resident)


def test_it_is_not_offered_in_a_language_without_a_voice(app, public, make_user):
    from bot.kernel.i18n import gettext

    person = join(make_user, "Alex", "en")
    person.opens(gettext("en", "Settings"))
    assert gettext("en", "Read aloud") not in person.choices()


def test_turning_simple_mode_on_asks_once(app, public, resident):
    resident.opens(ja("Settings"))
    resident.taps(ja("Look"))
    resident.taps(ja("Simple"))
    assert ja("Read aloud") in resident.choices() and ja("Text only") in resident.choices()
    resident.taps(ja("Text only"))
    assert resident.user_row().read_aloud is False
    resident.opens(ja("Settings"))
    resident.taps(ja("Look"))
    resident.taps(ja("Standard"))
    resident.opens(ja("Settings"))
    resident.taps(ja("Look"))
    resident.taps(ja("Simple"))
    assert ja("Text only") not in resident.choices()  # asked before: not again


def test_simple_mode_reads_aloud_unless_turned_off_and_a_new_friend_is_told(app, public,
                                                                             make_user):
    person = make_user("高橋", "ja")
    person.follow()
    person.taps(ja("I agree"))
    person.taps(ja("Simple"))
    assert ja("The bot's answers are also read aloud, as a voice message after the text. "
              "You can turn this off in Settings.") in person.last_text()
    person.taps(ja("Skip"))
    dispatch(app)
    assert len(audio_of(person)) == 2  # the question of their age group, and the menu


def test_a_turn_answers_in_text_at_once_and_the_speech_follows_by_push_once(
        app, public, resident, client, sim):
    turn_on(resident)
    dispatch(app)  # (the answer to turning it on is read aloud too)
    resident.new_messages()
    before = len(audio_of(resident))
    reply = resident.says("メニュー")
    assert reply and all(m["type"] != "audio" for m in reply)  # the text, at once
    assert len(audio_of(resident)) == before

    sim.configure(accepted_failure_rate=1.0)  # LINE takes the push, then answers 500
    dispatch(app)
    sim.configure(accepted_failure_rate=0)
    dispatch(app)
    spoken = audio_of(resident)[before:]
    assert len(spoken) == 1 and spoken[0]["via"] == "push"
    assert any(r["status"] == 500 for r in sim.requests())
    message = spoken[0]["message"]
    assert message["originalContentUrl"].startswith(f"{BASE}/speech/")
    assert message["duration"] > 500
    served = client.get(message["originalContentUrl"].removeprefix(BASE))
    assert served.status_code == 200 and served.mimetype == "audio/mpeg"
    assert served.data[0] == 0xFF and len(served.data) > 1000


def test_the_same_answer_is_synthesised_once(app, public, resident, monkeypatch):
    turn_on(resident)
    dispatch(app)
    made: list[str] = []
    real = speech.synthesise_apart
    monkeypatch.setattr(speech, "synthesise_apart",
                        lambda text, voice: (made.append(text), real(text, voice))[1])
    urls = []
    for _ in range(2):
        before = len(audio_of(resident))
        resident.says("メニュー")
        dispatch(app)
        [spoken] = audio_of(resident)[before:]
        urls.append(spoken["message"]["originalContentUrl"])
    assert urls[0] == urls[1]
    assert len(made) == 1  # made for the first answer, kept for the second


def test_spoken_answers_expire_and_their_address_stops_working(app, public, resident,
                                                                client):
    turn_on(resident)
    dispatch(app)
    url = audio_of(resident)[-1]["message"]["originalContentUrl"].removeprefix(BASE)
    with session_scope(app) as session:
        assert sweep(session, keep_hours=72, now=datetime.now(UTC)) == 0
    assert client.get(url).status_code == 200
    with session_scope(app) as session:
        assert sweep(session, keep_hours=72, now=datetime.now(UTC) + timedelta(hours=73)) >= 1
    assert client.get(url).status_code == 404


def test_turned_off_nothing_is_spoken(app, public, resident):
    resident.says("メニュー")
    dispatch(app)
    assert audio_of(resident) == []


def test_deleting_ones_data_deletes_the_answers_spoken_to_them_alone(app, public, make_user):
    first, second = join(make_user, "一郎"), join(make_user, "二郎")
    for person in (first, second):
        turn_on(person)
    first.says("メニュー")
    second.says("メニュー")  # the same words for both
    first.opens(ja("Settings"))
    first.taps(ja("Age group"))
    first.taps(ja("20s"))  # words only the first was told
    dispatch(app)
    with session_scope(app) as session:
        count = session.scalar(select(func.count()).select_from(SpeechClip))
        delete_personal_data(session, get_by_line_id(session, first.user_id))
    with session_scope(app) as session:
        left = session.scalar(select(func.count()).select_from(SpeechClip))
    # what both were told (read aloud is on; the menu) is kept for the second; what only
    # the first was told (the settings, their age group) is gone
    assert left == 2 and count > left


def test_a_dispatcher_that_dies_after_pushing_the_speech_sends_it_once_in_all(
        app, public, resident, sim):
    turn_on(resident)
    dying = Dispatcher(app)
    dying.close = lambda: None
    original = dying._send

    def send_then_die(batch):
        original(batch)
        raise RuntimeError("the process died after LINE took the push")

    dying._send = send_then_die
    with pytest.raises(RuntimeError):
        dying.run_pass()
    assert len(audio_of(resident)) == 1
    with session_scope(app) as session:
        for batch in session.scalars(select(NotificationBatch)):
            batch.claimed_at = batch.claimed_at - timedelta(hours=1)  # long ago, as if dead
    dispatch(app)
    assert len(audio_of(resident)) == 1
    assert sim.requests()[-1]["status"] == 409
