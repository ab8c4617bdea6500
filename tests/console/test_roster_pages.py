"""A slot's roster in the console (display names only, the waitlist, attendance marks that
move points as the chat's do), the participants' CSV, the sign-up and check-in posters."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import unquote

from PIL import Image
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.kernel.prefilled import signup_link
from console.posters import A4, NO_FONT, poster_lines, qr_image
from models.activities import Slot
from models.attendance import volunteer_record
from models.base import utcnow
from models.signups import Signup
from models.users import get_by_line_id
from tests.console.activity_fixtures import make_activity, make_slot, signs_up
from tests.console.helpers import audited
from tests.fonts_required import needs_fonts, without_font


def _points(app, line_user_id: str) -> int:
    with session_scope(app) as session:
        return volunteer_record(session, get_by_line_id(session, line_user_id)).points


def _signup(app, line_user_id: str) -> int:
    with session_scope(app) as session:
        user = get_by_line_id(session, line_user_id)
        return session.scalar(select(Signup.id).where(Signup.user_id == user.id))


def _started_slot(app, person, organisation, capacity=1):
    owner = person("代表", locale="en")
    found = organisation(owner)
    activity = make_activity(app, owner, found)
    slot = make_slot(app, owner, activity, utcnow() - timedelta(minutes=30), capacity=capacity)
    return owner, found, slot


def test_the_roster_shows_names_the_waitlist_and_nothing_else(app, person, browser,
                                                             organisation):
    owner = person("代表", locale="en")
    activity = make_activity(app, owner, organisation(owner))
    slot = make_slot(app, owner, activity, utcnow() + timedelta(days=2), capacity=1)
    first, second = person("佐藤一郎"), person("鈴木二郎")
    signs_up(app, first, slot, utcnow())
    signs_up(app, second, slot, utcnow())
    page = browser(owner).get(f"/console/slots/{slot}/roster").get_data(as_text=True)
    assert "佐藤一郎" in page and "鈴木二郎" in page
    assert page.index("鈴木二郎") > page.index("On the waitlist")
    assert first not in page and second not in page  # no LINE ids
    assert "Attendance can be marked once the slot has started." in page
    assert 'name="status"' not in page


def test_marking_attendance_moves_points_as_the_chat_does(app, person, browser,
                                                         organisation):
    owner, _org, slot = _started_slot(app, person, organisation)
    resident = person("佐藤一郎")
    signs_up(app, resident, slot, utcnow() - timedelta(hours=2))
    signup = _signup(app, resident)
    me = browser(owner)
    roster = f"/console/slots/{slot}/roster"
    assert 'name="status" value="attended"' in me.get(roster).get_data(as_text=True)
    answer = me.post(f"/console/slots/{slot}/attendance/{signup}", {"status": "attended"},
                     page=roster)
    assert answer.status_code == 302
    assert _points(app, resident) == 20  # two hours
    assert "佐藤一郎 is marked: Attended." in me.get(roster).get_data(as_text=True)
    me.post(f"/console/slots/{slot}/attendance/{signup}", {"status": "no_show"}, page=roster)
    assert _points(app, resident) == 0
    marks = audited(app, "attendance.mark")
    assert [m.detail["status"] for m in marks] == ["attended", "no_show"]


def test_a_mark_before_the_start_changes_nothing(app, person, browser, organisation):
    owner = person("代表", locale="en")
    activity = make_activity(app, owner, organisation(owner))
    slot = make_slot(app, owner, activity, utcnow() + timedelta(days=1))
    resident = person("佐藤一郎")
    signs_up(app, resident, slot, utcnow())
    me = browser(owner)
    roster = f"/console/slots/{slot}/roster"
    me.post(f"/console/slots/{slot}/attendance/{_signup(app, resident)}",
            {"status": "attended"}, page=roster)
    assert _points(app, resident) == 0 and audited(app, "attendance.mark") == []


def test_a_sign_up_of_another_slot_is_not_marked_through_this_one(app, person, browser,
                                                                 organisation):
    owner, found, slot = _started_slot(app, person, organisation)
    theirs_owner = person("よその代表")
    theirs = make_activity(app, theirs_owner, organisation(theirs_owner, "よその会"))
    other = make_slot(app, theirs_owner, theirs, utcnow() - timedelta(minutes=30))
    resident = person("佐藤一郎")
    signs_up(app, resident, other, utcnow() - timedelta(hours=2))
    roster = f"/console/slots/{slot}/roster"
    answer = browser(owner).post(f"/console/slots/{slot}/attendance/{_signup(app, resident)}",
                                 {"status": "attended"}, page=roster)
    assert answer.status_code == 404 and _points(app, resident) == 0


def test_the_participants_csv_is_the_organisation_s_own_and_logged(app, person, browser,
                                                                  organisation):
    owner, found, slot = _started_slot(app, person, organisation, capacity=5)
    resident, formula = person("佐藤一郎"), person("=HYPERLINK(1)")
    signs_up(app, resident, slot, utcnow() - timedelta(hours=2))
    signs_up(app, formula, slot, utcnow() - timedelta(hours=2))
    theirs_owner = person("よその代表")
    theirs = make_activity(app, theirs_owner, organisation(theirs_owner, "よその会"),
                           title="よその活動")
    signs_up(app, person("よその人"), make_slot(app, theirs_owner, theirs,
                                            utcnow() + timedelta(days=1)), utcnow())
    answer = browser(owner).get(f"/console/organisations/{found}/participants.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Display name", "Activity", "Date and time", "Status", "Attended"]
    assert [r[0] for r in rows[1:]] == ["佐藤一郎", "'=HYPERLINK(1)"]
    assert {r[1] for r in rows[1:]} == {"公園のそうじ"} and rows[1][3] == "confirmed"
    assert "よその" not in answer.get_data(as_text=True)
    [row] = audited(app, "participants.export")
    assert row.detail == {"organisation": found, "rows": 2}


@needs_fonts
def test_the_poster_is_an_a4_png_with_the_chat_s_sign_up_link(app, person, browser,
                                                             organisation):
    owner = person("代表")
    activity = make_activity(app, owner, organisation(owner))
    slot = make_slot(app, owner, activity, utcnow() + timedelta(days=2))
    answer = browser(owner).get(f"/console/slots/{slot}/poster.png")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    image = Image.open(io.BytesIO(answer.get_data()))
    assert image.size == A4
    with session_scope(app) as session:
        found = session.get(Slot, slot)
        texts = poster_lines(found, app.config)
        code = found.code
    # the QR's link opens the chat with the sign-up typed in, as the chat's own QR codes do
    assert unquote(signup_link(app.config, code)).endswith(f"参加 {code}")
    assert texts["title"] == "公園のそうじ" and f"参加 {code}" in texts["send"]


def _shows(poster: Image.Image, code: Image.Image) -> bool:
    """Whether the poster carries this QR code, pixel for pixel, centred as it is drawn."""
    left = (A4[0] - code.width) // 2
    row = code.crop((0, code.height // 2, code.width, code.height // 2 + 1)).tobytes()
    for y in range(A4[1] - code.height // 2):
        if poster.crop((left, y, left + code.width, y + 1)).tobytes() == row:
            top = y - code.height // 2
            box = (left, top, left + code.width, top + code.height)
            if top >= 0 and poster.crop(box).tobytes() == code.tobytes():
                return True
    return False


@needs_fonts
def test_the_check_in_poster_carries_the_command_line_s_check_in_code(app, person, browser,
                                                                     organisation, tmp_path):
    owner = person("代表")
    activity = make_activity(app, owner, organisation(owner))
    slot = make_slot(app, owner, activity, utcnow() + timedelta(days=2))
    with session_scope(app) as session:
        found = session.get(Slot, slot)
        found.checkin_word = "KAEDE"
        code = found.code
    me = browser(owner)
    roster = me.get(f"/console/slots/{slot}/roster").get_data(as_text=True)
    assert f"/console/slots/{slot}/poster.png" in roster  # beside the sign-up poster
    assert f"/console/slots/{slot}/checkin-poster.png" in roster
    answer = me.get(f"/console/slots/{slot}/checkin-poster.png")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    checkin = Image.open(io.BytesIO(answer.get_data())).convert("RGB")
    assert checkin.size == A4
    cli = app.test_cli_runner().invoke(
        args=["activities", "qr", code, "--checkin", "--out", str(tmp_path / "venue.png")])
    link = cli.output.split("(", 1)[1].rsplit(")", 1)[0]
    assert unquote(link).endswith("チェックイン KAEDE")
    assert _shows(checkin, qr_image(link))
    signup = Image.open(io.BytesIO(me.get(f"/console/slots/{slot}/poster.png").get_data()))
    assert not _shows(signup.convert("RGB"), qr_image(link))
    assert _shows(signup.convert("RGB"), qr_image(signup_link(app.config, code)))
    with session_scope(app) as session:
        texts = poster_lines(session.get(Slot, slot), app.config, checkin=True)
    assert "チェックイン KAEDE" in texts["send"]


def test_without_the_font_a_poster_is_refused_politely_naming_the_package(
        app, person, browser, organisation, monkeypatch):
    owner = person("代表")
    activity = make_activity(app, owner, organisation(owner))
    slot = make_slot(app, owner, activity, utcnow() + timedelta(days=2))
    with session_scope(app) as session:
        session.get(Slot, slot).checkin_word = "KAEDE"
    without_font(monkeypatch, app.config["BOT_DEFAULT_LOCALE"], "fonts-noto-cjk")
    me = browser(owner)
    for poster in ("poster.png", "checkin-poster.png"):
        answer = me.get(f"/console/slots/{slot}/{poster}")
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith(f"/console/slots/{slot}/roster")
        page = me.get(f"/console/slots/{slot}/roster").get_data(as_text=True)
        assert gettext("ja", NO_FONT, package="fonts-noto-cjk") in page


def test_a_slot_without_a_check_in_word_has_no_check_in_poster(app, person, browser,
                                                               organisation):
    owner = person("代表")
    activity = make_activity(app, owner, organisation(owner))
    slot = make_slot(app, owner, activity, utcnow() + timedelta(days=2))
    with session_scope(app) as session:
        session.get(Slot, slot).checkin_word = None
    me = browser(owner)
    assert me.get(f"/console/slots/{slot}/checkin-poster.png").status_code == 404
    assert "checkin-poster" not in me.get(f"/console/slots/{slot}/roster").get_data(
        as_text=True)
