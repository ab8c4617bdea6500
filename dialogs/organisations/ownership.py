"""Handing an organisation over (owners, from "My organisation"): pick one of its other
members, confirm, and they become the owner (models.organisations.hand_over); the owner
stays on as an editor and the new owner is told in their language (a push through the
outbox).

Every step checks again on the server that the person is an owner whose organiser right
this turn may use (a postback is user input; acting for someone lends no organiser right),
and that the one picked is still a member; a refusal is audit-logged."""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply, answers_yes_no
from dialogs.common.refusals import log_refusal
from dialogs.organisations import pick
from dialogs.organisations.members import manage_card, member_organisation, refuse
from models import organisations as orgs
from models.organisations import Organisation
from models.users import User

PICK_OWNER = "org.pick_owner"
CONFIRM_HAND_OVER = "org.confirm_hand_over"


def _owned(ctx: Context, inp: Input) -> Organisation | None:
    """The organisation the button or step names, when the person is its owner."""
    organisation = member_organisation(ctx, inp)
    if organisation is None:
        return None
    mine = orgs.membership(ctx.session, ctx.user, organisation.id)
    return organisation if mine is not None and mine.role == orgs.OWNER else None


def _name(ctx: Context, name: str | None) -> str:
    return name or ctx._("(no name)")


def on_hand_over(ctx: Context, inp: Input) -> Reply:
    organisation = _owned(ctx, inp)
    if organisation is None:
        return refuse(ctx, inp, "hand_over")
    return ask_owner(ctx, {"i": organisation.id}, page=pick.page_arg(inp))


def ask_owner(ctx: Context, data: dict, page: int = 0) -> Reply:
    editors = orgs.editors_of(ctx.session, data["i"])
    if not editors:
        organisation = ctx.session.get(Organisation, data["i"])
        return Reply([ctx.out.text(ctx._(
            "“{name}” has no other members yet. Invite a co-organiser first.",
            name=organisation.name if organisation else ""))])
    # Translators: an organisation's owner picks the member who becomes the owner
    question = ctx._("Who should become the owner? You will stay on as an editor.")
    return pick.choose(ctx, PICK_OWNER, question,
                       [(str(user_id), _name(ctx, name)) for user_id, name in editors],
                       data, page=page)


def on_pick_owner(ctx: Context, inp: Input) -> Reply:
    organisation = _owned(ctx, inp)
    if organisation is None:
        return refuse(ctx, inp, "hand_over")
    data = dict(ctx.state.data)
    if inp.value == pick.MORE:
        return ask_owner(ctx, data, page=pick.page_arg(inp))
    editors = dict(orgs.editors_of(ctx.session, organisation.id))
    chosen = int(inp.value) if (inp.value or "").isdigit() else None
    if chosen not in editors:
        return ask_owner(ctx, data)
    yes = Choice.answer(CONFIRM_HAND_OVER, ctx._("Hand over"), "yes")
    no = Choice.answer(CONFIRM_HAND_OVER, ctx._("Cancel"), "no")
    question = ctx._("Make {person} the owner of “{name}”? You will stay on as an editor.",
                     person=_name(ctx, editors[chosen]), name=organisation.name)
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_HAND_OVER,
                 data={**data, "to": chosen})


@answers_yes_no
def on_confirm_hand_over(ctx: Context, inp: Input) -> Reply:
    organisation = _owned(ctx, inp)
    if organisation is None:
        return refuse(ctx, inp, "hand_over")
    if inp.value != "yes":
        return manage_card(ctx, organisation)
    to_id = ctx.state.data.get("to")
    to = ctx.session.get(User, to_id) if isinstance(to_id, int) else None
    try:
        if to is None:
            raise orgs.NotAllowed("not a member")
        orgs.hand_over(ctx.session, ctx.user, organisation, to, now=ctx.now)
    except orgs.NotAllowed:
        log_refusal(ctx, inp, "organisation.hand_over.refused")
        return Reply([ctx.out.text(ctx._("That person is no longer a member of “{name}”.",
                                         name=organisation.name))])
    # Translators: said to the former owner after handing an organisation over
    lead = ctx._("{person} is now the owner of “{name}”. We have told them.",
                 person=_name(ctx, to.display_name), name=organisation.name)
    return Reply([ctx.out.text(lead, back=False), *manage_card(ctx, organisation).messages])
