"""Organisations by conversation (issue 14): registering one, joining with an invitation
code, "My organisation", finding organisations and following them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.composer import SIMPLE_CHOICE_LIMIT
from bot.kernel.i18n import gettext
from models import organisations as orgs
from models.organisations import Invitation, Organisation
from models.users import AuditLog, get_by_line_id
from tests.activity_factory import make_slot
from tests.collab_helpers import ja, join


def register(person: Any, name: str = "阿佐谷こども食堂の会", *, kind: str = "NPO",
             description: str | None = "月に2回、子ども食堂を開いています。",
             contact: str | None = "03-1234-5678", website: str | None = None,
             language: str = "ja", area: str | None = "阿佐谷") -> None:
    """Through the questions up to the confirmation, answering in `language`'s labels;
    `area` None taps the first area offered."""
    def label(msgid: str) -> str:
        return gettext(language, msgid)

    person.opens(label("Organisations"))
    person.taps(label("Register as a group"))
    person.says(name)
    person.taps(label(kind))
    person.says(description) if description else person.taps(label("Skip"))
    person.taps(area if area is not None else person.choices()[1])
    person.taps(label("Done"))
    person.taps(label("Child-care support"))
    person.taps(label("Done"))
    person.says(contact) if contact else person.taps(label("Skip"))
    person.says(website) if website else person.taps(label("Skip"))


def only_organisation(app: Any, name: str = "阿佐谷こども食堂の会") -> Organisation:
    with session_scope(app) as session:
        found = session.scalar(select(Organisation).where(Organisation.name == name))
        assert found is not None
        session.expunge(found)
        return found


def roles_in(app: Any, organisation_id: int) -> dict[str, str]:
    with session_scope(app) as session:
        return {m.user.line_user_id: m.role for m in session.scalars(
            select(orgs.Membership).where(orgs.Membership.organisation_id == organisation_id))}


def make_organisation(app: Any, owner: Any, name: str = "高円寺まちづくりの会", *,
                      status: str = orgs.VERIFIED, categories=("community",),
                      areas=("高円寺",), description: str = "高円寺の町をきれいにします。") -> int:
    with session_scope(app) as session:
        organisation = orgs.register(session, get_by_line_id(session, owner.user_id), name=name,
                                     kind="neighbourhood", description=description,
                                     categories=list(categories), areas=list(areas),
                                     verification_waived=status == orgs.VERIFIED)
        return organisation.id


def invitation_code(app: Any, owner: Any, organisation_id: int, **kw: Any) -> str:
    with session_scope(app) as session:
        return orgs.invite(session, get_by_line_id(session, owner.user_id),
                           session.get(Organisation, organisation_id), **kw)


# -- registering --------------------------------------------------------------------------


def test_a_resident_registers_an_organisation_and_it_awaits_the_ward_s_check(app, resident):
    register(resident)
    assert "阿佐谷こども食堂の会" in resident.last_text()
    assert "03-1234-5678" in resident.last_text()  # the confirmation card shows it all
    resident.taps(ja("Register"))
    assert ja("“{name}” is registered, and you are its owner. Ward staff check new "
              "organisations first: until they have, what it posts is not shown to "
              "residents.", name="阿佐谷こども食堂の会") in resident.last_text()
    found = only_organisation(app)
    assert found.status == orgs.PENDING and found.kind == "npo"
    assert found.areas == ["阿佐谷"] and found.categories == ["childcare"]
    assert found.public_contact == "03-1234-5678" and found.website == ""
    assert roles_in(app, found.id) == {resident.user_id: orgs.OWNER}

    # the owner sees it under "My organisation", waiting for the check
    assert ja("My organisation") in resident.menu_labels()
    resident.opens(ja("My organisation"))
    assert ja("Awaiting the ward's check: what it posts is not shown to residents yet.") \
        in resident.last_text()


def test_with_verification_waived_it_is_public_at_once(app, resident, monkeypatch):
    monkeypatch.setitem(app.config, "ORGANISATION_VERIFICATION", "waived")
    register(resident, description=None, contact=None, website="https://kodomo.example.org")
    resident.taps(ja("Register"))
    assert ja("“{name}” is registered, and you are its owner. What it posts is shown to "
              "residents.", name="阿佐谷こども食堂の会") in resident.last_text()
    found = only_organisation(app)
    assert found.status == orgs.VERIFIED and found.website == "https://kodomo.example.org"


def test_typed_words_start_registering(app, resident):
    resident.says("団体として登録")
    assert ja("Registering an organisation. What is its name? Please type it (up to {limit} "
              "characters).", limit=orgs.NAME_MAX) in resident.last_text()


def test_a_taken_name_or_over_long_text_is_asked_again_and_nothing_is_lost(app, resident,
                                                                           make_user):
    make_organisation(app, join(make_user, "田中"), "阿佐谷こども食堂の会")
    resident.opens(ja("Organisations"))
    resident.taps(ja("Register as a group"))
    resident.says("阿佐谷こども食堂の会")
    assert ja("An organisation called “{name}” is already registered. If it is yours, ask "
              "its owner for an invitation code; otherwise please use another name.",
              name="阿佐谷こども食堂の会") in resident.last_text()
    resident.says("あ" * (orgs.NAME_MAX + 1))
    assert ja("That is {length} characters. Please keep it to {limit} characters.",
              length=orgs.NAME_MAX + 1, limit=orgs.NAME_MAX) in resident.last_text()
    resident.says("阿佐谷みんなの食堂")
    resident.taps(ja("Company"))
    resident.says("食" * (orgs.DESCRIPTION_MAX + 1))
    assert ja("That is {length} characters. Please keep it to {limit} characters.",
              length=orgs.DESCRIPTION_MAX + 1, limit=orgs.DESCRIPTION_MAX) in resident.last_text()
    resident.says("地域の食堂です。")
    resident.taps(ja("Done"))  # no area: the whole ward
    resident.taps(ja("Done"))
    resident.taps(ja("Skip"))
    resident.says("kodomo.example.org")
    assert ja("Please write the address starting with https://") in resident.last_text()
    resident.says("https://kodomo.example.org")
    resident.taps(ja("Register"))
    found = only_organisation(app, "阿佐谷みんなの食堂")
    assert (found.kind, found.description, found.areas) == ("company", "地域の食堂です。", [])


def test_in_simple_mode_every_question_has_at_most_four_choices_and_a_way_back(app, make_user):
    person = join(make_user, "簡単花子", mode="Simple")
    person.says("団体として登録")
    person.says("荻窪の見守り隊")
    seen = []
    for _ in range(4):  # page through the kinds
        seen.append(person.last)
        if ja("Other group") in person.choices():
            break
        person.taps(ja("More"))
    person.taps(ja("Other group"))
    seen.append(person.last)
    person.taps(ja("Skip"))
    seen.append(person.last)
    person.taps(ja("Done"))
    seen.append(person.last)
    person.taps(ja("Done"))
    person.taps(ja("Skip"))
    person.taps(ja("Skip"))
    seen.append(person.last)
    person.taps(ja("Register"))
    for messages in seen:
        labels = [c for c in _choices(messages)]
        assert len(labels) <= SIMPLE_CHOICE_LIMIT, labels
        assert ja("Back to menu") in labels, labels
    assert only_organisation(app, "荻窪の見守り隊").kind == "other"


def _choices(messages: list[dict]) -> list[str]:
    from tests.conftest import actions_of

    return [a.get("label", "") for m in messages[-1:] for a in actions_of(m)]


def test_a_supporter_may_register_an_organisation_for_the_person_they_help(
        app, make_user):
    from tests.dialogs.test_supporters import give_role, pair_by_code

    helped = join(make_user, "高齢太郎")
    supporter = join(make_user, "佐藤サポーター")
    give_role(app, supporter, "supporter")
    pair_by_code(helped, supporter)
    supporter.says("団体として登録")
    supporter.says("荻窪シニアクラブ")
    supporter.taps(ja("Other group"))
    supporter.taps(ja("Skip"))
    supporter.taps(ja("Done"))
    supporter.taps(ja("Done"))
    supporter.taps(ja("Skip"))
    supporter.taps(ja("Skip"))
    supporter.taps(ja("Register"))
    found = only_organisation(app, "荻窪シニアクラブ")
    assert roles_in(app, found.id) == {helped.user_id: orgs.OWNER}


# -- joining and "My organisation" ----------------------------------------------------------


def test_a_typed_invitation_code_makes_a_co_organiser(app, resident, make_user):
    owner = join(make_user, "田中")
    organisation_id = make_organisation(app, owner)
    code = invitation_code(app, owner, organisation_id)
    resident.says(f"団体コード {code}")
    assert ja("Welcome! You are now a co-organiser of “{name}”.", name="高円寺まちづくりの会") \
        in resident.last_text()
    assert roles_in(app, organisation_id)[resident.user_id] == orgs.EDITOR
    resident.taps(ja("My organisation"))
    assert "田中" in resident.last_text() and "山田花子" in resident.last_text()
    assert ja("Invite co-organiser") not in resident.choices()  # owners invite


def test_joining_from_the_menu_and_codes_that_do_not_work(app, resident, make_user):
    owner = join(make_user, "田中")
    organisation_id = make_organisation(app, owner)
    used = invitation_code(app, owner, organisation_id)
    join(make_user, "鈴木").says(f"団体コード {used}")
    old = invitation_code(app, owner, organisation_id,
                          now=datetime.now(UTC) - timedelta(days=orgs.INVITE_DAYS + 1))

    def try_code(code: str) -> str:
        resident.opens(ja("Organisations"))
        resident.taps(ja("Join with a code"))
        resident.says(code)
        return resident.last_text()

    assert ja("No organisation has that invitation code. Please check it and type it again, "
              "or ask the owner.") in try_code("ZZZZ9999")
    assert ja("That invitation code has already been used. Each code works once: please ask "
              "the owner for a new one.") in try_code(used)
    assert ja("That invitation code has expired (codes last {days} days). Please ask the "
              "owner for a new one.", days=orgs.INVITE_DAYS) in try_code(old)
    assert resident.user_id not in roles_in(app, organisation_id)
    with session_scope(app) as session:
        me = get_by_line_id(session, resident.user_id).id
        refused = session.scalars(select(AuditLog).where(
            AuditLog.action == "organisation.join.refused", AuditLog.actor_id == me)).all()
        assert sorted(r.detail["reason"] for r in refused) == ["expired", "unknown", "used"]


def test_the_owner_invites_with_a_one_time_code_and_a_member_leaves(app, resident, make_user):
    organisation_id = make_organisation(app, resident)
    resident.opens(ja("My organisation"))
    assert ja("Verified: what it posts is shown to residents.") in resident.last_text()
    resident.taps(ja("Invite co-organiser"))
    text = resident.last_text()
    with session_scope(app) as session:
        assert session.scalar(select(Invitation.id).where(
            Invitation.organisation_id == organisation_id)) is not None
    code = re.search(r"[0-9A-F]{8}", text).group()
    suzuki = join(make_user, "鈴木")
    suzuki.says(f"団体コード {code}")
    assert suzuki.user_id in roles_in(app, organisation_id)

    suzuki.opens(ja("My organisation"))
    suzuki.taps(ja("Leave"))
    suzuki.taps(ja("Leave"))
    assert ja("You have left “{name}”.", name="高円寺まちづくりの会") in suzuki.last_text()
    assert suzuki.user_id not in roles_in(app, organisation_id)

    # the only owner cannot leave
    resident.opens(ja("My organisation"))
    resident.taps(ja("Leave"))
    resident.taps(ja("Leave"))
    assert ja("You are its only owner. Before you leave, another member must become the "
              "owner (ward staff can help).") in resident.last_text()


def test_someone_else_s_organisation_buttons_are_refused_and_logged(app, resident, make_user):
    from tests.dialogs.test_refusals import press, refusals

    owner = join(make_user, "田中")
    organisation_id = make_organisation(app, owner)
    for action in ("org_invite", "org_leave", "org_mine"):
        press(app, resident, action, i=organisation_id)
        assert ja("Sorry, this is for the organisation's members only.") in resident.last_text()
    assert len(refusals(app, resident, "organisation.invite.refused")) == 1
    assert len(refusals(app, resident, "organisation.leave.refused")) == 1
    with session_scope(app) as session:
        assert session.scalar(select(Invitation.id)) is None


# -- finding and following ------------------------------------------------------------------


def find(person: Any, field: str = "Community building", area: str | None = "高円寺") -> None:
    person.opens(ja("Organisations"))
    person.taps(ja("Find organisations"))
    person.taps(ja(field))
    person.taps(area if area else ja("Any area"))


def test_residents_find_verified_organisations_by_field_and_area(app, resident, make_user):
    owner = join(make_user, "田中")
    make_organisation(app, owner)
    make_organisation(app, owner, "高円寺ひみつの会", status=orgs.PENDING)
    make_organisation(app, owner, "荻窪の会", areas=("荻窪",))
    make_organisation(app, owner, "杉並ぜんぶの会", areas=())
    find(resident)
    text = resident.last_text()
    assert "高円寺まちづくりの会" in text and "杉並ぜんぶの会" in text
    assert "高円寺の町をきれいにします。" in text
    assert "高円寺ひみつの会" not in text and "荻窪の会" not in text


def test_typed_words_find_organisations(app, resident):
    resident.says("団体をさがす")
    assert ja("Which field?") in resident.last_text()


def test_the_profile_shows_what_is_coming_up_and_following_works(app, resident, make_user):
    owner = join(make_user, "田中")
    organisation_id = make_organisation(app, owner, "荻窪みどりの会", areas=("阿佐谷",),
                                        categories=("environment",))
    make_slot(app, organisation="荻窪みどりの会")
    find(resident, "Environment", "阿佐谷")
    resident.taps(ja("Details"))
    assert "善福寺川の清掃" in resident.last_text()
    resident.taps(ja("Follow"))
    with session_scope(app) as session:
        me = get_by_line_id(session, resident.user_id)
        assert orgs.is_following(session, me, organisation_id)
    find(resident, "Environment", "阿佐谷")
    resident.taps(ja("Details"))
    resident.taps("📅 善福寺川の清掃")
    assert ja("Sign up") in resident.choices()
    find(resident, "Environment", "阿佐谷")
    resident.taps(ja("Details"))
    resident.taps(ja("Unfollow"))
    with session_scope(app) as session:
        me = get_by_line_id(session, resident.user_id)
        assert not orgs.is_following(session, me, organisation_id)


def test_a_pending_organisation_s_profile_is_not_shown_to_residents(app, resident, make_user):
    from tests.dialogs.test_refusals import press

    organisation_id = make_organisation(app, join(make_user, "田中"), status=orgs.PENDING)
    press(app, resident, "org", i=organisation_id)
    assert ja("Sorry, this organisation is not available.") in resident.last_text()
    press(app, resident, "org_follow", i=organisation_id)
    with session_scope(app) as session:
        assert orgs.followers(session, organisation_id) == []


@pytest.mark.parametrize("count", [2500])
def test_finding_among_thousands_of_organisations_reads_one_page(app, resident, count):
    from tests.sql_count import statements_of

    with session_scope(app) as session:
        session.add_all(Organisation(name=f"団体{i:05d}", categories=["welfare"],
                                     areas=["荻窪"], status=orgs.VERIFIED)
                        for i in range(count))
    resident.opens(ja("Organisations"))
    resident.taps(ja("Find organisations"))
    resident.taps(ja("Welfare"))
    statements = statements_of(app, lambda: resident.taps("荻窪"))
    assert len(statements) <= 3, statements
    assert "団体00000" in resident.last_text() and ja("More") in resident.choices()


def test_finding_in_simple_mode_keeps_to_four_choices_with_a_way_back(app, make_user):
    owner = join(make_user, "田中")
    make_organisation(app, owner, "荻窪みどりの会", areas=("西荻窪",),
                      categories=("sports_culture",))
    make_slot(app, organisation="荻窪みどりの会")
    person = join(make_user, "簡単花子", mode="Simple")
    person.says("団体をさがす")
    replies = [person.last]
    while ja("Sports and culture") not in person.choices():
        person.taps(ja("More"))
        replies.append(person.last)
    person.taps(ja("Sports and culture"))
    replies.append(person.last)
    while "西荻窪" not in person.choices():
        person.taps(ja("More"))
        replies.append(person.last)
    person.taps("西荻窪")
    replies.append(person.last)
    person.taps(ja("Details"))
    replies.append(person.last)
    assert "荻窪みどりの会" in person.last_text()
    for messages in replies:
        for message in messages:
            from tests.conftest import actions_of

            labels = [a.get("label", "") for a in actions_of(message)]
            if labels:
                assert len(labels) <= SIMPLE_CHOICE_LIMIT, labels
    assert ja("Back to menu") in person.choices()


def test_a_supporter_cannot_use_the_organiser_tools_of_the_person_they_help(app, make_user):
    from tests.dialogs.test_refusals import press
    from tests.dialogs.test_supporters import give_role, pair_by_code

    helped = join(make_user, "高齢太郎")
    organisation_id = make_organisation(app, helped)
    supporter = join(make_user, "佐藤サポーター")
    give_role(app, supporter, "supporter")
    pair_by_code(helped, supporter)
    press(app, supporter, "org_invite", i=organisation_id)
    assert "高齢太郎" in supporter.last_text()  # told that acting lends no organiser role
    with session_scope(app) as session:
        assert session.scalar(select(Invitation.id)) is None
        assert session.scalar(select(AuditLog.id).where(
            AuditLog.action == "organisation.invite.refused")) is not None


def test_a_profile_registered_in_the_chat_is_written_in_its_owner_s_language(app, make_user):
    """As an initiative presented in the chat, and as the console's form proposes: the
    machine translates an English-speaking owner's profile from English."""
    owner = join(make_user, "Ann", "en")
    register(owner, "Koenji Green Club", description="We tend the flower beds of the park.",
             contact=None, language="en", area=None)
    owner.taps(gettext("en", "Register"))
    assert only_organisation(app, "Koenji Green Club").original_locale == "en"
