"""Verifying organisations in the chat (ward staff): the organisations awaiting the ward's
check, each with who registered it and a Verify button; a tap verifies it
(models.verification.verify_and_announce: its members are told, what it posted while
pending is announced).

The staff role is checked again at the step that verifies (a postback is user input) from
the turn's rights, which acting for someone never lends; a refusal is audit-logged.
Verifying is idempotent: a second tap, or an old button after another staff member has
verified it, is answered politely and changes nothing."""

from __future__ import annotations

from bot.kernel.composer import Choice, clip
from bot.kernel.engine import Context, Input, Reply
from dialogs.common.refusals import log_refusal, why_refused
from dialogs.menu import main_menu
from dialogs.organisations.cards import kind_label, named_organisation
from models import organisations as orgs
from models.verification import verify_and_announce

SHOWN = 12  # a carousel's bubbles


def _refuse(ctx: Context, inp: Input) -> Reply:
    log_refusal(ctx, inp, "organisation.verify.refused")
    return main_menu(ctx, inp, lead=why_refused(
        ctx, ctx._("Sorry, only ward staff can verify organisations.")))


def on_pending(ctx: Context, inp: Input) -> Reply:
    if not ctx.has_role("staff"):
        return _refuse(ctx, inp)
    return pending_list(ctx)


def pending_list(ctx: Context, lead: str | None = None) -> Reply:
    _ = ctx._
    waiting = orgs.pending(ctx.session)
    messages = [ctx.out.text(lead, back=False)] if lead else []
    if not waiting:
        messages.append(ctx.out.text(_("No organisation is awaiting the ward's check.")))
        return Reply(messages)
    registrants = orgs.registrants(ctx.session, [o.id for o in waiting[:SHOWN]])
    bubbles = [ctx.out.bubble(o.name, [
        kind_label(ctx.out, o.kind),
        # Translators: who registered an organisation that awaits the ward's check
        _("Registered by {name}", name=registrants.get(o.id) or _("(no name)")),
        clip(o.description, 200) if o.description else _("(no description)")],
        [Choice(_("Verify"), "org_verify", {"i": o.id}, style="primary")])
        for o in waiting[:SHOWN]]
    # Translators: the heading of the organisations awaiting the ward's check, for staff
    title = _("Awaiting the ward's check: {count}", count=len(waiting))
    messages += [ctx.out.text(title, back=False), ctx.out.carousel(bubbles, title)]
    return Reply(messages)


def on_verify(ctx: Context, inp: Input) -> Reply:
    if not ctx.has_role("staff"):
        return _refuse(ctx, inp)
    organisation = named_organisation(ctx, inp)
    if organisation is None:
        return pending_list(ctx, ctx._("That organisation no longer exists."))
    if organisation.status == orgs.VERIFIED:
        return pending_list(ctx, ctx._("“{name}” is already verified. Nothing changed.",
                                       name=organisation.name))
    announced = verify_and_announce(ctx.session, ctx.user, organisation, now=ctx.now)
    # Translators: said to staff after verifying an organisation in the chat
    lead = ctx._("“{name}” is verified, and its members are told. Upcoming activities "
                 "announced to the people who follow their fields and areas: {count}",
                 name=organisation.name, count=announced)
    return pending_list(ctx, lead)
