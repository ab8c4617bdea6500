"""What a turn may do by role (models.users.rights_of): a person's own roles, or, when a
digital supporter acts for them, a resident's only and never more than the supporter's."""

from __future__ import annotations

from models.users import User, UserRole, rights_of


def person(user_id: int, *roles: tuple[str, str]) -> User:
    return User(id=user_id, line_user_id=f"U{user_id:032x}",
                roles=[UserRole(role=role, scope=scope) for role, scope in roles])


RESIDENT = ("resident", "")
STAFF = ("staff", "")
SUPPORTER = ("supporter", "")
ORGANISER = ("organiser", "7")


def test_one_s_own_turn_has_all_one_s_roles():
    rights = rights_of(person(1, RESIDENT, STAFF, ORGANISER))
    assert rights.is_staff and rights.has_role("organiser", "7")
    assert rights.scopes("organiser") == ["7"] and rights.user_id == 1


def test_acting_for_staff_an_organiser_or_a_supporter_lends_only_a_resident_s_rights():
    helper = person(2, RESIDENT, SUPPORTER)
    for held in (STAFF, ORGANISER, SUPPORTER):
        rights = rights_of(person(1, RESIDENT, held), acting=helper)
        assert rights.roles == {RESIDENT}, held
        assert rights.user_id == 1  # still the person acted for: their own things are theirs


def test_acting_for_someone_never_gives_more_than_the_supporter_holds():
    staff_helper = person(2, RESIDENT, STAFF)  # a staff member helping stays a resident here
    assert rights_of(person(1, RESIDENT, STAFF), acting=staff_helper).roles == {RESIDENT}
    without = person(3, SUPPORTER)  # no resident role of their own: nothing at all
    assert rights_of(person(1, RESIDENT), acting=without).roles == frozenset()
