"""Organisers (the organiser role, scoped to their organisation) list their slots and see who
signed up, by display name only. Every tap is authorised again: a postback is user input."""

from __future__ import annotations

from bot.engine import Context, Dialog, Input, Reply
from bot.messages import Choice
from models.activities import (
    CONFIRMED,
    OFFERED,
    WAITLISTED,
    Slot,
    is_organiser_of,
    organiser_slots,
    slot_roster,
)

from .activity_cards import slot_bubble, when_text


def _not_organiser(ctx: Context) -> Reply:
    text = ctx._("This is for organisers of activities. Ask the ward office if you run one.")
    return Reply([ctx.out.text(text)])


def on_my_slots(ctx: Context, inp: Input) -> Reply:
    if not ctx.user.has_role("organiser"):
        return _not_organiser(ctx)
    slots = organiser_slots(ctx.session, ctx.user, now=ctx.now)
    if not slots:
        return Reply([ctx.out.text(ctx._("Your organisation has no upcoming slots."))])
    tz = ctx.config["BOT_TIMEZONE"]
    bubbles = [slot_bubble(s, ctx.out, tz, buttons=[
        # Translators: button on an organiser's slot card: the list of people signed up
        Choice.go(ctx._("Who signed up"), "roster", s=s.id)]) for s in slots]
    lead = ctx._("Your organisation's slots")
    return Reply([ctx.out.text(lead, back=False), ctx.out.carousel(bubbles, lead)])


def on_roster(ctx: Context, inp: Input) -> Reply:
    try:
        slot = ctx.session.get(Slot, int(inp.args.get("s", "")))
    except ValueError:
        slot = None
    if slot is None or not is_organiser_of(ctx.user, slot.activity.organisation_id):
        return _not_organiser(ctx)
    people = slot_roster(ctx.session, slot)
    labels = {CONFIRMED: ctx._("Signed up"), WAITLISTED: ctx._("On the waitlist"),
              OFFERED: ctx._("Seat offered"), "attended": ctx._("Attended"),
              "no_show": ctx._("Did not come")}
    lines = [f"{slot.activity.title}",
             when_text(slot, ctx.locale, ctx.config["BOT_TIMEZONE"]),
             ctx._("Signed up: {taken} / {capacity}", taken=slot.seats_taken,
                   capacity=slot.capacity)]
    if not people:
        lines.append(ctx._("Nobody has signed up yet."))
    lines += [f"・{name} ({labels.get(status, status)})" for name, status in people]
    return Reply([ctx.out.text("\n".join(lines),
                               [Choice.go(ctx._("Organiser: my slots"), "org_slots")])])


dialog = Dialog(name="organiser", entries={"org_slots": on_my_slots, "roster": on_roster})
