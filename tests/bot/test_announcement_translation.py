"""Announcements in the languages staff did not write: the translation job makes a machine
version before the send time, and readers get it marked as machine translation; one not
ready by then goes out in the original with its note; a language staff wrote is theirs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from bot.translation import run
from models import announcements as ann
from models.translating import TranslationRequest, TranslatorError
from models.users import User, UserRole
from tests.translator_standin import bracketed

NOW = datetime(2030, 5, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


def _readers(app, sim, *locales):
    found = {}
    with session_scope(app) as session:
        for n, locale in enumerate(locales):
            user = User(line_user_id=f"U{n:032d}", locale=locale, notification_prefs={},
                        consented_at=NOW - timedelta(days=1))
            user.roles.append(UserRole(role="resident", scope=""))
            session.add(user)
            found[locale] = user.line_user_id
    for line_id in found.values():
        sim.add_user(line_id)
    return found


def _announce(app, texts) -> int:
    with session_scope(app) as session:
        return ann.create(session, texts=texts, segment={"kind": "everyone", "values": []}).id


def _schedule(app, announcement_id):
    with session_scope(app) as session:
        ann.schedule(session, session.get(ann.Announcement, announcement_id), at=NOW)


def _received(sim, line_id) -> str:
    return sim.messages(line_id)[-1]["message"]["text"]


def test_languages_staff_did_not_write_get_a_marked_machine_translation_before_sending(
        app, sim):
    readers = _readers(app, sim, "ja", "ja_easy", "en", "vi", "ne")
    number = _announce(app, {"ja": "公園の清掃は中止です", "en": "The park clean-up is off"})
    assert run(app, bracketed) == 1
    with session_scope(app) as session:
        made = session.get(ann.Announcement, number).machine_texts
        assert made == {code: f"[{code}] 公園の清掃は中止です"
                        for code in ("zh_Hans", "ko", "vi", "ne")}  # not en, ja_easy
    _schedule(app, number)
    dispatch(app, NOW)
    vi = _received(sim, readers["vi"])
    assert gettext("vi", "{text} (machine translation)",
                   text="[vi] 公園の清掃は中止です") in vi
    assert gettext("vi", ann.JAPANESE_ONLY) not in vi
    assert "The park clean-up is off" in _received(sim, readers["en"])  # staff's own
    assert "machine" not in _received(sim, readers["en"])
    assert "公園の清掃は中止です" in _received(sim, readers["ja_easy"])  # reads the Japanese


def test_without_a_translation_ready_the_original_goes_out_with_its_note(app, sim):
    readers = _readers(app, sim, "vi")
    number = _announce(app, {"ja": "公園の清掃は中止です"})

    def down(texts, source, target):
        raise TranslatorError("unreachable: ConnectionError")

    assert run(app, down) == 0
    with session_scope(app) as session:
        row = session.scalar(select(TranslationRequest))
        assert (row.kind, row.attempts) == ("announcement", 1)
    _schedule(app, number)
    dispatch(app, NOW)
    vi = _received(sim, readers["vi"])
    assert "公園の清掃は中止です" in vi and gettext("vi", ann.JAPANESE_ONLY) in vi
