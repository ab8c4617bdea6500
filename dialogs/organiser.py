"""Organisers (members of an organisation, models/organisations.py) list their slots, see who
signed up (by display name only) and, once a slot has started, mark each confirmed person
attended or "did not come". Every tap is authorised again: a postback is user input, so a
tap by anyone who is not an organiser of the slot's organisation changes nothing and is
audit-logged.

```mermaid
stateDiagram-v2
    [*] --> slots: menu "Organiser: my slots"
    slots --> roster: Who signed up
    roster --> attendance: Mark attendance (once the slot has started)
    attendance --> marked: Attended / Did not come (on a person's card)
    marked --> attendance: Mark attendance
```

The steps keep no dialog state: each button carries the slot or sign-up it is about, so
the cards of an earlier answer stay usable while the organiser goes down the list.
"""

from __future__ import annotations

from bot.kernel.composer import Choice, page_of
from bot.kernel.engine import Context, Dialog, Input, Reply
from bot.kernel.i18n import shown_text
from dialogs.common.refusals import log_refusal, why_refused
from dialogs.menu import on_invalid
from models.activities import Slot, as_utc, is_organiser_of, organiser_slots
from models.attendance import attendance_list, came_by_themselves, mark_attendance
from models.signups import ATTENDED, CONFIRMED, NO_SHOW, OFFERED, WAITLISTED, Signup, slot_roster
from models.users import audit

from .activity_cards import load_texts, slot_bubble, when_text

ATTENDANCE_PAGE = 10  # cards a message; LINE takes 12


def _refused(ctx: Context, inp: Input) -> Reply:
    """A tap by someone who does not organise the slot (or any): change nothing, log who
    tried what."""
    log_refusal(ctx, inp, "organiser.refused")
    text = ctx._("This is for organisers of activities. Ask the ward office if you run one.")
    return Reply([ctx.out.text(why_refused(ctx, text))])


def _int(inp: Input, name: str) -> int | None:
    try:
        return int(inp.args.get(name, ""))
    except ValueError:
        return None


def _own_slot(ctx: Context, inp: Input) -> Slot | None:
    """The slot the button names, when this person organises it."""
    ident = _int(inp, "s")
    slot = ctx.session.get(Slot, ident) if ident is not None else None
    if slot is None or not is_organiser_of(ctx.rights, slot.activity.organisation_id):
        return None
    return slot


def _started(ctx: Context, slot: Slot) -> bool:
    return as_utc(slot.starts_at) <= ctx.now


def on_my_slots(ctx: Context, inp: Input) -> Reply:
    if not ctx.has_role("organiser"):
        return _refused(ctx, inp)
    slots = organiser_slots(ctx.session, ctx.rights, now=ctx.now)
    if not slots:
        return Reply([ctx.out.text(ctx._("Your organisation has no upcoming slots."))])
    tz = ctx.config["BOT_TIMEZONE"]
    load_texts(ctx.session, slots)
    bubbles = [slot_bubble(s, ctx.out, tz, buttons=[
        # Translators: button on an organiser's slot card: the list of people signed up
        Choice.go(ctx._("Who signed up"), "roster", s=s.id)]) for s in slots]
    lead = ctx._("Your organisation's slots")
    return Reply([ctx.out.text(lead, back=False), ctx.out.carousel(bubbles, lead)])


def status_labels(ctx: Context) -> dict[str, str]:
    return {CONFIRMED: ctx._("Signed up"), WAITLISTED: ctx._("On the waitlist"),
            OFFERED: ctx._("Seat offered"), ATTENDED: ctx._("Attended"),
            NO_SHOW: ctx._("Did not come")}


def _slot_head(ctx: Context, slot: Slot) -> list[str]:
    return [shown_text(slot.activity, "title", ctx.locale),
            when_text(slot, ctx.locale, ctx.config["BOT_TIMEZONE"])]


def on_roster(ctx: Context, inp: Input) -> Reply:
    slot = _own_slot(ctx, inp)
    if slot is None:
        return _refused(ctx, inp)
    people = slot_roster(ctx.session, slot)
    labels = status_labels(ctx)
    lines = _slot_head(ctx, slot) + [
        ctx._("Signed up: {taken} / {capacity}", taken=slot.seats_taken,
              # Translators: in "Signed up: 3 / no limit", for a slot without a capacity
              capacity=ctx._("no limit") if slot.capacity is None else slot.capacity)]
    if not people:
        lines.append(ctx._("Nobody has signed up yet."))
    lines += [f"・{name} ({labels.get(status, status)})" for name, status in people]
    choices = [Choice.go(ctx._("Organiser: my slots"), "org_slots")]
    if _started(ctx, slot) and any(status in (CONFIRMED, ATTENDED, NO_SHOW)
                                   for _name, status in people):
        # Translators: button for an organiser: mark who came to a slot and who did not
        choices.insert(0, Choice.go(ctx._("Mark attendance"), "org_attend", s=slot.id))
    return Reply([ctx.out.text("\n".join(lines), choices)])


# -- attendance -------------------------------------------------------------------------------


def _still_to_mark(people: list[tuple[Signup, str]]) -> int:
    return sum(1 for signup, _name in people if signup.status == CONFIRMED)


def _person_bubble(ctx: Context, signup: Signup, name: str) -> dict:
    labels = status_labels(ctx)
    if came_by_themselves(ctx.session, signup):
        # Translators: on an organiser's card: this person checked in at the venue
        return ctx.out.bubble(name, [ctx._("Attended (checked in)")])
    buttons = [Choice.go(ctx._("Attended"), "org_mark", g=signup.id, v=ATTENDED),
               Choice.go(ctx._("Did not come"), "org_mark", g=signup.id, v=NO_SHOW)]
    if signup.status != CONFIRMED:  # already marked: the card offers the other mark
        buttons = [b for b in buttons if b.args["v"] != signup.status]
    return ctx.out.bubble(name, [labels[signup.status]], buttons)


def on_attendance(ctx: Context, inp: Input) -> Reply:
    """One card per participant with "Attended" and "Did not come", a page at a time."""
    slot = _own_slot(ctx, inp)
    if slot is None:
        return _refused(ctx, inp)
    back = Choice.go(ctx._("Who signed up"), "roster", s=slot.id)
    if not _started(ctx, slot):
        text = ctx._("Attendance can be marked once the slot has started.")
        return Reply([ctx.out.text(text, [back])])
    people = attendance_list(ctx.session, slot)
    if not people:
        return Reply([ctx.out.text(ctx._("Nobody has signed up yet."), [back])])
    shown, page, pages = page_of(people, _int(inp, "p") or 0, ATTENDANCE_PAGE)
    lead = "\n".join(_slot_head(ctx, slot) + [
        ctx._("Still to mark: {count}", count=_still_to_mark(people))])
    choices = [back]
    if pages > 1:
        choices.insert(0, Choice.go(ctx._("More"), "org_attend", s=slot.id, p=page + 1))
    bubbles = [_person_bubble(ctx, signup, name) for signup, name in shown]
    return Reply([ctx.out.text(lead, back=False), ctx.out.carousel(bubbles, lead, choices)])


def on_mark(ctx: Context, inp: Input) -> Reply:
    ident, status = _int(inp, "g"), inp.args.get("v")
    signup = ctx.session.get(Signup, ident) if ident is not None else None
    if signup is None \
            or not is_organiser_of(ctx.rights, signup.slot.activity.organisation_id):
        return _refused(ctx, inp)
    if status not in (ATTENDED, NO_SHOW):
        return on_invalid(ctx, inp)
    outcome = mark_attendance(ctx.session, signup, status, now=ctx.now)
    name = signup.user.display_name or "—"
    if outcome == "marked":
        audit(ctx.session, "attendance.mark", actor=ctx.user, subject=signup.user,
              signup=signup.id, status=status)
    slot = signup.slot
    texts = {
        "not_started": ctx._("Attendance can be marked once the slot has started."),
        "not_participant": ctx._("{name} is not signed up for this slot any more.", name=name),
        "came": ctx._("{name} checked in, so they stay marked as attended.", name=name),
    }
    if outcome in texts:
        text = texts[outcome]
    else:
        text = ctx._("{name} is marked: {status}.", name=name,
                     status=status_labels(ctx)[status])
        left = _still_to_mark(attendance_list(ctx.session, slot))
        text += "\n" + (ctx._("Still to mark: {count}", count=left) if left
                        else ctx._("Everyone is marked. Thank you!"))
    choices = [Choice.go(ctx._("Mark attendance"), "org_attend", s=slot.id),
               Choice.go(ctx._("Who signed up"), "roster", s=slot.id)]
    return Reply([ctx.out.text(text, choices)])


dialog = Dialog(name="organiser", entries={"org_slots": on_my_slots, "roster": on_roster,
                                           "org_attend": on_attendance, "org_mark": on_mark})
