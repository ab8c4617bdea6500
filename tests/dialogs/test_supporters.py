"""Digital supporters: codes, pairing, acting for a resident, help requests, my residents."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.redis_store import get_redis
from dialogs.supporters import live
from models.supporters import HelpRequest, SupportSession
from models.users import AuditLog, get_by_line_id, grant_role
from simulator import events as ev


def _(msgid: str, **params: str) -> str:
    return gettext("ja", msgid, **params)


def consented(make_user, name: str, language: str = "ja"):
    person = make_user(name, language)
    person.follow()
    person.taps(gettext(language, "I agree"))
    person.taps(gettext(language, "Standard"))
    person.taps(gettext(language, "Skip"))
    return person


def give_role(app, person, role: str) -> None:
    with session_scope(app) as session:
        grant_role(session, get_by_line_id(session, person.user_id), role)


@pytest.fixture
def supporter(app, make_user):
    person = consented(make_user, "佐藤サポーター")
    give_role(app, person, "supporter")
    return person


def code_of(person) -> str:
    match = re.search(r"(\d) (\d) (\d) (\d) (\d) (\d)", person.last_text())
    assert match, person.last_text()
    return "".join(match.groups())


def audits(app, action: str) -> list[AuditLog]:
    with session_scope(app) as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action.like(action))))


def pair_by_code(resident, supporter) -> None:
    resident.opens(_("Ask a supporter"))
    code = code_of(resident)
    supporter.opens(_("Supporter tools"))
    supporter.taps(_("Enter a code"))
    supporter.says(code)


def test_asking_shows_a_code_valid_for_ten_minutes(app, resident):
    resident.opens(_("Ask a supporter"))
    code = code_of(resident)
    ttl = get_redis(app).ttl(live.code_key(code))
    assert 590 <= ttl <= 600


def test_asking_again_replaces_the_old_code(app, resident):
    resident.opens(_("Ask a supporter"))
    first = code_of(resident)
    resident.opens(_("Ask a supporter"))
    assert code_of(resident) != first or first  # a new code was shown
    if code_of(resident) != first:
        assert get_redis(app).get(live.code_key(first)) is None


def test_a_supporter_pairs_with_the_code_and_the_resident_is_told_who(app, resident,
                                                                      supporter):
    pair_by_code(resident, supporter)
    assert _("You are now helping {name}, for up to 60 minutes.", name="山田花子") in \
        supporter.last_text()
    told = resident.new_messages()
    text = "\n".join(str(m) for m in told)
    assert "佐藤サポーター" in text and supporter.user_id not in text
    ttl = get_redis(app).ttl(live.acting_key(supporter.user_id))
    assert 3590 <= ttl <= 3600
    assert len(audits(app, "support.pair")) == 1


def test_a_wrong_code_pairs_nobody(app, resident, supporter):
    supporter.opens(_("Supporter tools"))
    supporter.taps(_("Enter a code"))
    supporter.says("000000")
    assert _("That code is not valid. It may have expired.") in supporter.last_text()
    assert get_redis(app).get(live.acting_key(supporter.user_id)) is None


def test_a_code_works_once(app, resident, supporter, make_user):
    resident.opens(_("Ask a supporter"))
    code = code_of(resident)
    other = consented(make_user, "鈴木サポーター")
    give_role(app, other, "supporter")
    for person in (supporter, other):
        person.opens(_("Supporter tools"))
        person.taps(_("Enter a code"))
        person.says(code)
    assert _("That code is not valid. It may have expired.") in other.last_text()


def test_paired_supporter_acts_for_the_resident_who_sees_it(app, resident, supporter):
    pair_by_code(resident, supporter)
    resident.new_messages()
    supporter.says("simple mode")
    assert resident.user_row().mode == "simple"
    assert supporter.user_row().mode == "standard"
    assert "山田花子" in supporter.last_text()  # the banner says whom they act for
    announced = resident.new_messages()
    assert announced and "佐藤サポーター" in "\n".join(str(m) for m in announced)
    [row] = audits(app, "proxy.%")
    with session_scope(app) as session:
        assert row.actor_id == get_by_line_id(session, supporter.user_id).id
        assert row.subject_id == get_by_line_id(session, resident.user_id).id
        assert row.at is not None and row.action == "proxy.simple" or row.action.startswith(
            "proxy.")


def test_looking_around_is_not_announced(app, resident, supporter):
    pair_by_code(resident, supporter)
    resident.new_messages()
    supporter.says("menu")
    assert resident.new_messages() == []
    assert audits(app, "proxy.%") == []


def test_the_supporter_changes_the_resident_s_language(app, resident, supporter):
    pair_by_code(resident, supporter)
    supporter.says("language")
    supporter.taps("English")
    assert resident.user_row().locale == "en"
    assert supporter.user_row().locale == "ja"
    resident.new_messages()  # what the resident was told of the change
    resident.says("menu")  # the resident's own next turn is in English too
    assert "What would you like to do?" in resident.last_text()


def test_either_side_can_end_and_the_other_is_told(app, resident, supporter):
    pair_by_code(resident, supporter)
    resident.new_messages()
    resident.taps(_("End help"))
    assert _("The help session has ended. Thank you!") in resident.last_text()
    assert get_redis(app).get(live.acting_key(supporter.user_id)) is None
    assert supporter.new_messages()
    supporter.says("simple mode")  # their own turn again
    assert supporter.user_row().mode == "simple" and resident.user_row().mode == "standard"
    with session_scope(app) as session:
        [row] = session.scalars(select(SupportSession)).all()
        assert row.ended_at is not None and row.ended_by == "resident"


def test_the_supporter_ends_from_the_banner(app, resident, supporter):
    pair_by_code(resident, supporter)
    supporter.taps(_("End help"))
    assert get_redis(app).get(live.helped_key(resident.user_id)) is None
    assert _("The help session with {name} has ended.", name="佐藤サポーター") in \
        "\n".join(str(m) for m in resident.new_messages())


def test_help_request_reaches_on_duty_helpers_with_its_context(app, resident, supporter,
                                                               make_user):
    supporter.opens(_("Supporter tools"))
    supporter.taps(_("Go on duty"))
    resident.says("settings")
    resident.taps(_("Look"))
    resident.says("help")
    resident.taps(_("Ask a supporter"))
    [card] = supporter.new_messages()
    text = str(card)
    assert "山田花子" in text and _("Where: {where}", where=_("Settings")) in text
    assert "settings.ask_mode" not in text  # a person reads names, never internal keys
    assert resident.user_id not in text
    supporter.taps(_("Accept"))
    told = "\n".join(str(m) for m in resident.new_messages())
    assert _("{name} will help you now.", name="佐藤サポーター") in told
    with session_scope(app) as session:
        [request] = session.scalars(select(HelpRequest)).all()
        assert request.status == "accepted" and (request.flow, request.step) == (
            "settings", "settings.ask_mode")


def test_the_first_to_accept_is_paired(app, resident, supporter, make_user):
    other = consented(make_user, "鈴木スタッフ")
    give_role(app, other, "staff")
    for person in (supporter, other):
        person.opens(_("Supporter tools"))
        person.taps(_("Go on duty"))
    resident.opens(_("Ask a supporter"))
    supporter.new_messages()
    other.new_messages()
    supporter.taps(_("Accept"))
    other.taps(_("Accept"))
    assert _("Someone else is already helping, or the request is too old.") in \
        other.last_text()
    assert get_redis(app).get(live.acting_key(other.user_id)) is None


def test_a_forged_supporter_postback_changes_nothing_and_is_logged(app, resident, make_user):
    victim = consented(make_user, "田中一郎")
    victim.opens(_("Ask a supporter"))
    code = code_of(victim)
    codec = app.extensions["machibot.codec"]
    with session_scope(app) as session:
        request_id = session.scalars(select(HelpRequest.id)).one()
    for data in (codec.encode("help_accept", id=request_id), codec.encode("support_code"),
                 codec.encode("grant_supporter"), codec.encode("my_residents")):
        resident.send(ev.postback(resident.user_id, data, reply_token=resident.token()))
    resident.says(code)
    assert get_redis(app).get(live.acting_key(resident.user_id)) is None
    with session_scope(app) as session:
        assert session.scalars(select(SupportSession)).all() == []
        assert session.get(HelpRequest, request_id).status == "open"
    assert len(audits(app, "support.forbidden")) == 4


def test_my_residents_shows_the_last_30_days_by_name(app, resident, supporter, make_user):
    old_friend = consented(make_user, "昔の人")
    pair_by_code(resident, supporter)
    supporter.taps(_("End help"))
    with session_scope(app) as session:
        me = get_by_line_id(session, supporter.user_id)
        them = get_by_line_id(session, old_friend.user_id)
        session.add(SupportSession(ticket="old", supporter_id=me.id, resident_id=them.id,
                                   via="code",
                                   started_at=datetime.now(UTC) - timedelta(days=31)))
    supporter.opens(_("Supporter tools"))
    supporter.taps(_("My residents"))
    text = supporter.last_text()
    assert "山田花子" in text and "昔の人" not in text and resident.user_id not in text


def test_supporter_tools_are_not_on_a_resident_s_menu(resident):
    resident.says("menu")
    assert _("Supporter tools") not in resident.choices()


def test_staff_make_a_supporter_with_the_person_s_code(app, resident, make_user):
    staff = consented(make_user, "区役所スタッフ")
    give_role(app, staff, "staff")
    resident.opens(_("Ask a supporter"))
    code = code_of(resident)
    staff.opens(_("Supporter tools"))
    staff.taps(_("Make a supporter"))
    staff.says(code)
    staff.taps(_("Yes"))
    assert resident.user_row().has_role("supporter")
    # and their own next menu has the supporter's tools
    assert _("Supporter tools") in resident.menu_labels()
    assert len(audits(app, "role.grant")) == 2  # staff's own role, then the supporter's


def test_call_the_help_desk_offers_a_tel_link(app, resident):
    resident.opens(_("Call the help desk"))
    action = resident.find_action(_("Call"))
    assert action["type"] == "uri" and action["uri"].startswith("tel:")


def test_every_step_a_resident_can_be_at_has_a_name_a_helper_can_read():
    from dialogs.supporters.asking import FLOW_NAMES
    from handlers import build_router

    flows = {name.split(".")[0] for name in build_router().steps}
    assert flows <= set(FLOW_NAMES), flows - set(FLOW_NAMES)


def test_nobody_on_duty_says_so_and_gives_the_help_desk_at_once(app, resident):
    resident.opens(_("Ask a supporter"))
    text = resident.last_text()
    assert _("No supporter is on duty right now.") in text
    assert _("We have also asked the supporters on duty. We will tell you who will help.") \
        not in text
    assert _("Help desk: {phone} ({hours})", phone=app.config["HELP_DESK_PHONE"],
             hours=app.config["HELP_DESK_HOURS"]) in text
    assert _("Call") in resident.choices()
    with session_scope(app) as session:
        assert session.scalars(select(HelpRequest.status)).one() == "open"


def test_a_supporter_coming_on_duty_sees_the_open_request_and_can_accept(app, resident,
                                                                       supporter):
    resident.opens(_("Ask a supporter"))
    supporter.opens(_("Supporter tools"))
    supporter.taps(_("Go on duty"))
    assert _("{name} asks for help", name="山田花子") in supporter.last_text()
    supporter.taps(_("Accept"))
    assert _("{name} will help you now.", name="佐藤サポーター") in \
        "\n".join(str(m) for m in resident.new_messages())


def test_the_resident_is_told_when_no_one_accepted_in_time(app, resident):
    from bot.notify.dispatch import dispatch

    resident.opens(_("Ask a supporter"))
    dispatch(app, datetime.now(UTC) + timedelta(minutes=5))
    assert resident.new_messages() == []
    dispatch(app, datetime.now(UTC) + timedelta(minutes=31))
    told = "\n".join(str(m) for m in resident.new_messages())
    assert _("No supporter could accept your request. Please call the help desk: "
             "{phone} ({hours})", phone=app.config["HELP_DESK_PHONE"],
             hours=app.config["HELP_DESK_HOURS"]) in told


def test_an_accepted_request_sends_no_such_notice(app, resident, supporter):
    from bot.notify.dispatch import dispatch

    supporter.opens(_("Supporter tools"))
    supporter.taps(_("Go on duty"))
    resident.opens(_("Ask a supporter"))
    supporter.new_messages()
    supporter.taps(_("Accept"))
    resident.new_messages()
    dispatch(app, datetime.now(UTC) + timedelta(minutes=31))
    assert resident.new_messages() == []


def test_a_paired_supporter_deleting_their_data_ends_the_help_first(app, resident, supporter):
    pair_by_code(resident, supporter)
    resident.new_messages()
    supporter.says("settings")
    supporter.taps(_("Delete my data"))
    assert _("The help session in progress ends first.") in supporter.last_text()
    supporter.taps(_("Delete"))
    assert _("Your data has been deleted. Thank you for using the bot. To start again, just "
             "send a message.") in supporter.last_text()
    assert supporter.user_row() is None
    row = resident.user_row()
    assert row is not None and row.consented_at is not None  # the resident's data is theirs
    assert _("The help session with {name} has ended.", name="佐藤サポーター") in \
        "\n".join(str(m) for m in resident.new_messages())
    assert get_redis(app).get(live.helped_key(resident.user_id)) is None
    assert get_redis(app).get(live.acting_key(supporter.user_id)) is None
    resident.says("menu")  # the resident's own turn, no longer helped
    assert _("What would you like to do?") in resident.last_text()


def test_a_helped_resident_deleting_their_data_ends_the_help_first(app, resident, supporter):
    pair_by_code(resident, supporter)
    supporter.new_messages()
    resident.says("settings")
    resident.taps(_("Delete my data"))
    resident.taps(_("Delete"))
    assert resident.user_row() is None
    assert get_redis(app).get(live.acting_key(supporter.user_id)) is None
    supporter.new_messages()
    supporter.says("simple mode")  # their own turn again
    assert supporter.user_row().mode == "simple"


def start_typing_a_code(supporter) -> None:
    supporter.opens(_("Supporter tools"))
    supporter.taps(_("Enter a code"))


def test_after_five_wrong_codes_even_the_right_one_is_refused_for_a_while(app, resident,
                                                                          supporter):
    resident.opens(_("Ask a supporter"))
    code = code_of(resident)
    wrong = [guess for guess in ("000000", "111111", "222222", "333333", "444444",
                                 "555555") if guess != code][:5]
    start_typing_a_code(supporter)
    for guess in wrong:
        supporter.says(guess)
        assert _("That code is not valid. It may have expired.") in supporter.last_text()
    supporter.says(code)  # the sixth guess, and the right one
    assert _("Too many wrong codes. For safety, please try again in {minutes} minutes.",
             minutes=15) in supporter.last_text()
    assert get_redis(app).get(live.acting_key(supporter.user_id)) is None
    assert _("{name} will help you now.", name="佐藤サポーター") not in \
        "\n".join(str(m) for m in resident.new_messages())
    wrong_rows = audits(app, "support.code_wrong")
    assert len(wrong_rows) == 5
    assert all(code not in str(row.detail) for row in wrong_rows)  # never the code itself
    assert len(audits(app, "support.code_locked")) == 1
    tries = live.code_tries_key(supporter.user_id)
    assert 0 < get_redis(app).ttl(tries) <= 15 * 60
    get_redis(app).pexpire(tries, 1)  # the window passes
    time.sleep(0.05)
    start_typing_a_code(supporter)
    supporter.says(code)
    assert _("You are now helping {name}, for up to 60 minutes.", name="山田花子") in \
        supporter.last_text()


def test_wrong_codes_are_counted_per_supporter(app, resident, supporter, make_user):
    other = consented(make_user, "鈴木サポーター")
    give_role(app, other, "supporter")
    resident.opens(_("Ask a supporter"))
    code = code_of(resident)
    start_typing_a_code(supporter)
    for guess in ("000001", "000002", "000003", "000004", "000005"):
        supporter.says(guess if guess != code else "000006")
    start_typing_a_code(other)
    other.says(code)
    assert _("You are now helping {name}, for up to 60 minutes.", name="山田花子") in \
        other.last_text()
