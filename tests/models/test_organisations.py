"""Organisations: registering, verifying, members and their one-time invitations, leaving,
handing over, following, and what goes with a person's data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from models import organisations as orgs
from models.base import TooLong, utcnow
from models.erasure import delete_personal_data
from models.users import AuditLog, follow, grant_role


def person(session, n: int):  # type: ignore[no-untyped-def]
    user, _ = follow(session, f"U{0xbb000 + n:032x}", locale="ja", display_name=f"p{n}")
    session.flush()
    return user


def test_a_registered_organisation_is_pending_with_its_registrant_as_owner(app):
    with session_scope(app) as session:
        owner = person(session, 1)
        org = orgs.register(session, owner, name="荻窪みどりの会", kind="npo",
                            description="公園の花壇を手入れしています", areas=["荻窪"],
                            categories=["environment"], public_contact="03-0000-0000")
        assert org.status == orgs.PENDING and not orgs.is_public(org)
        assert [(m.user_id, m.role) for m in org.members] == [(owner.id, orgs.OWNER)]
        assert orgs.can_edit(session, owner, org.id)
        assert session.scalars(select(AuditLog.action)).all()[-1] == "organisation.register"


def test_names_are_unique_whatever_the_case_kinds_are_known_fields_bounded(app):
    with session_scope(app) as session:
        owner = person(session, 1)
        orgs.register(session, owner, name="Koenji Makers", kind="company")
        with pytest.raises(ValueError, match="taken"):
            orgs.register(session, owner, name="koenji makers ", kind="company")
        with pytest.raises(ValueError, match="kind"):
            orgs.register(session, owner, name="X", kind="club")
        with pytest.raises(TooLong):
            orgs.register(session, owner, name="あ" * 101, kind="npo")


def test_only_staff_verify_and_verification_can_be_waived(app):
    with session_scope(app) as session:
        owner, staff = person(session, 1), person(session, 2)
        org = orgs.register(session, owner, name="阿佐谷町会", kind="neighbourhood")
        with pytest.raises(orgs.NotAllowed):
            orgs.verify(session, owner, org)
        grant_role(session, staff, "staff")
        session.flush()
        assert orgs.pending(session) == [org]
        orgs.verify(session, staff, org)
        assert orgs.is_public(org) and orgs.pending(session) == []
        waived = orgs.register(session, owner, name="杉並大学", kind="school",
                               verification_waived=True)
        assert orgs.is_public(waived)


def test_an_invitation_code_works_once_and_not_after_it_expired(app):
    with session_scope(app) as session:
        owner, editor, third = person(session, 1), person(session, 2), person(session, 3)
        org = orgs.register(session, owner, name="高円寺ボランティア", kind="npo")
        code = orgs.invite(session, owner, org)
        assert orgs.accept(session, editor, code.lower()) == org
        assert orgs.membership(session, editor, org.id).role == orgs.EDITOR
        with pytest.raises(orgs.InvalidInvitation):
            orgs.accept(session, third, code)
        late = orgs.invite(session, owner, org, now=utcnow() - timedelta(days=8))
        with pytest.raises(orgs.InvalidInvitation):
            orgs.accept(session, third, late)
        with pytest.raises(orgs.NotAllowed):  # only owners invite
            orgs.invite(session, editor, org)


def test_the_last_owner_hands_over_before_leaving(app):
    with session_scope(app) as session:
        owner, editor = person(session, 1), person(session, 2)
        org = orgs.register(session, owner, name="西荻子ども食堂", kind="npo")
        orgs.accept(session, editor, orgs.invite(session, owner, org))
        with pytest.raises(orgs.NotAllowed):
            orgs.leave(session, owner, org)
        with pytest.raises(orgs.NotAllowed):  # an editor cannot take it over
            orgs.hand_over(session, editor, org, editor)
        orgs.hand_over(session, owner, org, editor)
        assert orgs.membership(session, editor, org.id).role == orgs.OWNER
        orgs.leave(session, owner, org)
        assert not orgs.can_edit(session, owner, org.id)
        assert orgs.organisations_of(session, editor) == [org]


def test_following_and_what_goes_with_a_persons_data(app):
    with session_scope(app) as session:
        owner, fan = person(session, 1), person(session, 2)
        org = orgs.register(session, owner, name="善福寺川を守る会", kind="npo")
        assert orgs.follow(session, fan, org) and not orgs.follow(session, fan, org)
        session.flush()
        assert orgs.followers(session, org.id) == [fan.id]
        orgs.unfollow(session, fan, org)
        orgs.follow(session, fan, org)
        session.flush()
        delete_personal_data(session, fan)
        delete_personal_data(session, owner)
        session.flush()
        assert orgs.followers(session, org.id) == []
        assert session.scalars(select(orgs.Membership)).all() == []
        assert session.get(orgs.Organisation, org.id) is not None  # the organisation stays


def test_members_update_the_profile_and_the_changed_fields_are_audit_logged(app):
    with session_scope(app) as session:
        owner, stranger = person(session, 1), person(session, 2)
        org = orgs.register(session, owner, name="荻窪みどりの会", kind="npo")
        orgs.register(session, stranger, name="よその会", kind="npo")
        changed = orgs.update_profile(session, owner, org, name="荻窪みどりの会", kind="other",
                                      description="花壇", website="https://m.example")
        assert changed == ["kind", "description", "website"] and org.kind == "other"
        detail = session.scalars(select(AuditLog.detail).where(
            AuditLog.action == "organisation.update")).one()
        assert detail["fields"] == changed
        with pytest.raises(orgs.NotAllowed):
            orgs.update_profile(session, stranger, org, name="乗っ取り", kind="npo")
        with pytest.raises(ValueError, match="taken"):
            orgs.update_profile(session, owner, org, name="よその会", kind="npo")
