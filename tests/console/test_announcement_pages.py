"""Staff announcements in the console: compose in two languages, count, preview, send or
schedule, cancel; the segments drawn from what people did (an activity's participants, an
organisation's followers); and who may do any of it."""

from __future__ import annotations

import html
import re
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext, language_name
from bot.notify.dispatch import dispatch
from models import organisations as orgs
from models.announcements import Announcement, schedule
from models.announcements import create as create_announcement
from models.base import utcnow
from models.organisations import Organisation
from models.outbox import Notification
from models.users import get_by_line_id, record_consent
from tests.console.activity_fixtures import make_activity, make_slot, signs_up
from tests.console.helpers import audited

NEW = "/console/announcements/new"
LIST = "/console/announcements"


def ja(msgid, **params):
    return gettext("ja", msgid, **params)


def noon_tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(hour=3)  # 12:00 in Tokyo


@pytest.fixture
def readers(make_user):
    """Three residents who agreed to the privacy notice, in English, Vietnamese, Japanese."""
    people = []
    for name, language in (("Ann", "en"), ("Bao", "vi"), ("花子", "ja")):
        reader = make_user(name, language)
        reader.follow()
        reader.taps(gettext(language, "I agree"))
        people.append(reader)
    return people


@pytest.fixture
def staff(person, browser):
    return browser(person("区職員", staff=True))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _form(**values) -> dict:
    return {"text_ja": "公園の清掃は中止です", "segment": "everyone", "send": "now", **values}


def _preview_and_send(staff, form: dict):
    """Preview the form, then press its send button: the answer to the press."""
    preview = staff.post(NEW, {**form, "step": "preview"}, page=NEW).get_data(as_text=True)
    once = re.search(r'name="once" value="([^"]+)"', preview)
    assert once, "no send button on the preview"
    return staff.post(NEW, {**form, "step": "send", "once": once[1]}, page=NEW)


def _consented(app, line_user_id: str) -> None:
    with session_scope(app) as session:
        record_consent(get_by_line_id(session, line_user_id))


def test_staff_compose_in_two_languages_count_preview_and_it_arrives_in_each_language(
        app, staff, readers):
    ann, bao, hanako = readers
    assert staff.get(NEW).status_code == 200
    languages = {"segment": "languages", "values_languages": ["en", "vi"]}
    counted = staff.post(NEW, {**languages, "step": "count"}, page=NEW)
    assert ja("Recipients: {count}", count=2) in _text(counted)

    form = _form(text_en="The park clean-up is cancelled", **languages)
    preview = _text(staff.post(NEW, {**form, "step": "preview"}, page=NEW))
    assert ja("Recipients: {count}", count=2) in preview
    assert "The park clean-up is cancelled" in preview  # the English bubble
    assert gettext("vi", "(This notice is in Japanese only.)") in preview
    flagged = re.search(r'<div class="warning".*?</div>', preview, re.S)
    assert flagged and language_name("vi") in flagged[0] and "English" not in flagged[0]
    assert ja("Announcements") in preview and not audited(app, "announce.send")

    once = re.search(r'name="once" value="([^"]+)"', preview)[1]
    sent = staff.post(NEW, {**form, "step": "send", "once": once}, page=NEW)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(LIST)
    [logged] = audited(app, "announce.send")
    assert logged.detail["targeted"] == 2 and logged.detail["via"] == "console"
    assert dispatch(app, noon_tomorrow()).sent == 2
    assert "The park clean-up is cancelled" in ann.new_messages()[0]["text"]
    vietnamese = bao.new_messages()[0]["text"]
    assert "公園の清掃は中止です" in vietnamese
    assert gettext("vi", "(This notice is in Japanese only.)") in vietnamese
    assert hanako.new_messages() == []
    results = _text(staff.get(LIST))
    assert f"<dt>{ja('Sent')}</dt><dd>2</dd>" in results


def test_staff_schedule_one_then_cancel_it_and_a_second_cancel_is_refused(app, staff,
                                                                         readers):
    tomorrow = (datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=1)).date().isoformat()
    form = _form(send="later", day=tomorrow, clock="12:00")
    preview = _text(staff.post(NEW, {**form, "step": "preview"}, page=NEW))
    assert ja("Schedule it") in preview
    assert _preview_and_send(staff, form).status_code == 302
    with session_scope(app) as session:
        announcement = session.scalars(select(Announcement)).one()
        number, due = announcement.id, announcement.send_at
    assert due.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo")).hour == 12
    listed = _text(staff.get(LIST))
    assert ja("Scheduled") in listed and ja("Cancel No. {number}", number=number) in listed

    cancelled = staff.post(f"{LIST}/{number}/cancel", page=LIST)
    assert cancelled.status_code == 302
    shown = _text(staff.get(LIST))
    assert ja("Announcement {number} is cancelled: {count} messages will not be sent.",
              number=number, count=3) in shown  # three readers (staff have not agreed)
    assert ja("Cancel No. {number}", number=number) not in shown
    [logged] = audited(app, "announce.cancel")
    assert logged.detail == {"announcement": number, "cancelled": 3, "via": "console"}
    with session_scope(app) as session:
        assert set(session.scalars(select(Notification.status))) == {"cancelled"}

    staff.post(f"{LIST}/{number}/cancel", page=LIST)
    assert ja("Announcement {number} can no longer be cancelled: it is being sent, was sent "
              "or was cancelled.", number=number) in _text(staff.get(LIST))
    assert len(audited(app, "announce.cancel")) == 1


def test_one_already_sent_cannot_be_cancelled(app, staff, readers):
    _preview_and_send(staff, _form())
    [number] = [a.detail["announcement"] for a in audited(app, "announce.send")]
    assert ja("Cancel No. {number}", number=number) not in _text(staff.get(LIST))
    staff.post(f"{LIST}/{number}/cancel", page=LIST)
    assert ja("Announcement {number} can no longer be cancelled: it is being sent, was sent "
              "or was cancelled.", number=number) in _text(staff.get(LIST))
    assert audited(app, "announce.cancel") == []


@pytest.mark.parametrize(("values", "problem"), [
    ({"text_ja": " "}, "Please fill this in."),
    ({"segment": "areas"}, "Please choose at least one."),
    ({"send": "later", "day": "2020-01-01", "clock": "12:00"},
     "Please choose a time in the future."),
    ({"send": "later"}, "Give the date and time to send it."),
    ({"segment": "nobody"}, "Please check this value."),
])
@pytest.mark.parametrize("step", ["preview", "send"])
def test_the_form_says_what_is_wrong_and_sends_nothing(app, staff, readers, values, problem,
                                                       step):
    once = secrets.token_urlsafe(24)  # as a preview's send button carries
    answer = staff.post(NEW, {**_form(**values), "step": step, "once": once}, page=NEW)
    assert answer.status_code == 200
    assert ja(problem) in _text(answer)
    assert audited(app, "announce.send") == []
    with session_scope(app) as session:
        assert session.scalars(select(Announcement)).all() == []


def test_an_activity_s_participants_and_an_organisation_s_followers(app, person, staff,
                                                                    organisation):
    owner = person("代表")
    org = organisation(owner, "阿佐谷こども食堂")
    activity = make_activity(app, owner, org, title="公園のそうじ")
    other = make_activity(app, owner, org, title="よその活動")
    soon = utcnow() + timedelta(days=3)
    first, second = make_slot(app, owner, activity, soon), make_slot(app, owner, activity,
                                                                     soon + timedelta(days=7))
    elsewhere = make_slot(app, owner, other, soon)
    one, two, three, unconsented = (person(n) for n in ("一", "二", "三", "未同意"))
    for who, slot in ((one, first), (two, second), (three, elsewhere), (unconsented, first)):
        signs_up(app, who, slot, utcnow())
    for who in (one, two, three):
        _consented(app, who)
    with session_scope(app) as session:
        found = session.get(Organisation, org)
        for who in (two, three, unconsented):
            orgs.follow(session, get_by_line_id(session, who), found)

    page = _text(staff.get(NEW))
    assert "公園のそうじ" in page and "阿佐谷こども食堂" in page
    by_activity = staff.get(f"{LIST}/count?segment=activity&values_activity={activity}").json
    assert by_activity["count"] == 2  # one and two: any slot; not who did not agree
    assert by_activity["text"] == ja("Recipients: {count}", count=2)
    followers = staff.get(f"{LIST}/count?segment=followers&values_followers={org}").json
    assert followers["count"] == 2  # two and three
    assert staff.get(f"{LIST}/count?segment=followers&values_followers=x").json["count"] == 0
    assert staff.get(f"{LIST}/count?segment=nobody").status_code == 400

    form = _form(segment="activity", values_activity=[str(activity)])
    assert _preview_and_send(staff, form).status_code == 302
    [logged] = audited(app, "announce.send")
    assert logged.detail["targeted"] == 2 and logged.detail["segment"] == "activity"


def test_a_second_press_or_a_send_without_a_preview_sends_nothing(app, staff, readers):
    preview = staff.post(NEW, {**_form(), "step": "preview"}, page=NEW).get_data(as_text=True)
    once = re.search(r'name="once" value="([^"]+)"', preview)[1]
    for _press in range(2):
        pressed = staff.post(NEW, {**_form(), "step": "send", "once": once}, page=NEW)
        assert pressed.status_code == 302
    assert ja("This announcement was sent already: nothing more was sent.") in _text(
        staff.get(LIST))
    assert staff.post(NEW, {**_form(), "step": "send"}, page=NEW).status_code == 302
    assert len(audited(app, "announce.send")) == 1
    with session_scope(app) as session:
        assert len(session.scalars(select(Announcement)).all()) == 1


# -- who may do what ----------------------------------------------------------------------

PAGES = [LIST, NEW, f"{LIST}/count?segment=everyone"]
ACTIONS = [NEW, LIST + "/{id}/cancel"]
SENT_FORM = {**_form(), "step": "send", "once": "pressed once"}


@pytest.fixture
def scheduled(app, readers) -> int:
    """An announcement due tomorrow, to everyone (the three readers)."""
    with session_scope(app) as session:
        found = create_announcement(session, texts={"ja": "予定のお知らせ"},
                                    segment={"kind": "everyone", "values": []})
        schedule(session, found, at=noon_tomorrow())
        return found.id


def _untouched(app, scheduled: int) -> None:
    with session_scope(app) as session:
        assert session.scalars(select(Announcement.id)).all() == [scheduled]
        assert session.get(Announcement, scheduled).status == "scheduled"
    assert audited(app, "announce.send") == audited(app, "announce.cancel") == []


@pytest.mark.parametrize("path", PAGES + ACTIONS)
def test_signed_out_every_page_leads_to_sign_in(app, browser, scheduled, path):
    me = browser(signed_in=False)
    answer = (me.get if path in PAGES else me.client.post)(path.format(id=scheduled))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/console/sign-in")
    _untouched(app, scheduled)


@pytest.mark.parametrize("member", [False, True], ids=["resident", "organisation-member"])
@pytest.mark.parametrize("path", PAGES + ACTIONS)
def test_residents_and_organisers_are_refused(app, person, browser, organisation, scheduled,
                                              path, member):
    me = person()
    if member:
        organisation(me, "自分の会")
    answer = (browser(me).get(path.format(id=scheduled)) if path in PAGES else
              browser(me).post(path.format(id=scheduled), SENT_FORM))
    assert answer.status_code == 403
    _untouched(app, scheduled)


@pytest.mark.parametrize("path", PAGES)
def test_staff_open_every_page(staff, scheduled, path):
    assert staff.get(path.format(id=scheduled)).status_code == 200


@pytest.mark.parametrize("path", ACTIONS)
def test_a_forged_form_without_its_token_is_refused(app, staff, scheduled, path):
    answer = staff.post(path.format(id=scheduled), SENT_FORM, csrf=False)
    assert answer.status_code == 400
    _untouched(app, scheduled)


def test_staff_see_the_section_and_residents_do_not(person, browser, staff):
    assert f'href="{LIST}"' in staff.get("/console/").get_data(as_text=True)
    assert f'href="{LIST}"' not in browser(person()).get("/console/").get_data(as_text=True)


def test_staff_send_to_age_groups_counted_as_it_is_sent(app, staff, readers, make_user):
    """The age band segment: the live count, the form's count and the sending agree, and
    people who did not agree to the privacy notice or said nothing are not in it."""
    ann, bao, hanako = readers
    unconsented = make_user("Dan", "en")
    unconsented.follow()
    with session_scope(app) as session:
        for reader, band in ((ann, "20s"), (bao, "30s"), (hanako, "60s"),
                             (unconsented, "20s")):
            get_by_line_id(session, reader.user_id).age_band = band
    live = staff.get("/console/announcements/count?segment=age_bands"
                     "&values_age_bands=20s&values_age_bands=30s").get_json()
    assert live["count"] == 2
    young = {"segment": "age_bands", "values_age_bands": ["20s", "30s"]}
    page = _text(staff.post(NEW, {**young, "step": "count"}, page=NEW))
    assert ja("By age group") in page and ja("20s") in page
    assert ja("Recipients: {count}", count=2) in page
    assert _preview_and_send(staff, _form(**young)).status_code == 302
    [logged] = audited(app, "announce.send")
    assert logged.detail["targeted"] == 2 and logged.detail["segment"] == "age_bands"
    assert dispatch(app, noon_tomorrow()).sent == 2
    assert ann.new_messages() and bao.new_messages()
    assert hanako.new_messages() == [] and unconsented.new_messages() == []


def test_with_a_translator_the_preview_says_machine_translations_follow(app, staff, readers,
                                                                       monkeypatch):
    """Before the job has translated anything, the preview names the languages that will
    get a machine translation (scheduled: made before it is sent) instead of saying they
    get the Japanese text; sent now, it says the machine has no time for it."""
    # never called by a preview
    monkeypatch.setitem(app.config, "TRANSLATOR_URL", "http://127.0.0.1:9")
    tomorrow = (datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=1)).date().isoformat()
    form = _form(text_en="The park clean-up is cancelled", send="later", day=tomorrow,
                 clock="12:00", step="preview")
    preview = _text(staff.post(NEW, form, page=NEW))
    flagged = re.search(r'<div class="warning".*?</div>', preview, re.S)
    assert flagged and language_name("vi") in flagged[0] and "English" not in flagged[0]
    assert ja("A machine translation will be made for these languages before it is sent, "
              "marked as one; if it is not ready by then, they get the Japanese text shown "
              "here: {languages}", languages="").split("{")[0] in flagged[0]
    assert ja("These languages have no text of their own and will get the Japanese text: "
              "{languages}", languages="").rstrip() not in preview
    vietnamese = preview.split(f"<h2>{language_name('vi')}")[1].split("</li>")[0]
    assert ja("Machine translation follows") in vietnamese
    assert "公園の清掃は中止です" in vietnamese  # what goes out if it is not ready: no blank
    english = preview.split("<h2>English")[1].split("</li>")[0]
    assert ja("Machine translation follows") not in english

    now = _text(staff.post(NEW, {**form, "send": "now"}, page=NEW))
    flagged = re.search(r'<div class="warning".*?</div>', now, re.S)
    assert flagged and language_name("vi") in flagged[0]
    assert ja("Sent now, these languages get the Japanese text: the machine needs a few "
              "minutes to translate it (schedule it for later to give it time): "
              "{languages}", languages="").rstrip() in flagged[0]
