"""Sign up in one message, my schedule, cancelling, and the waitlist's offers.

"参加 123", "join 123", "123に参加" (each language's words, SIGNUP_WORDS), the prefilled
message of a slot's QR code or link, and the "Sign up" button on a card all lead to one
confirmation tap. The sign-up is an SQL row before the person reads that it succeeded (the
worker commits the turn before sending). A full slot offers the waitlist; a freed seat is
offered to the first person waiting, who takes it within WAITLIST_OFFER_MINUTES.

```mermaid
stateDiagram-v2
    [*] --> confirm: "参加 123" / Sign up button / QR code
    confirm --> [*]: Sign up -> confirmed, or waitlisted when full / No
    [*] --> schedule: menu "My schedule"
    schedule --> confirm_cancel: Cancel
    confirm_cancel --> [*]: cancelled (the seat goes to the waitlist) / keep
    [*] --> [*]: Take the seat (an offer from the waitlist)
```
"""

from __future__ import annotations

import re
import unicodedata

from bot.kernel.composer import Choice, page_of
from bot.kernel.engine import Context, Dialog, Input, Reply, answers_yes_no
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext, shown_text
from bot.kernel.prefilled import SIGNUP_WORDS
from dialogs.common.refusals import log_refusal
from dialogs.menu import main_menu, on_invalid
from models.activities import Slot, is_shown, slot_by_code
from models.signups import (
    CONFIRMED,
    OFFERED,
    WAITLISTED,
    Signup,
    accept_offer,
    cancel_signup,
    existing_signup,
    sign_up,
    slot_for_signing_up,
    upcoming_signups,
    why_closed,
)

from .activity_cards import clock_text, load_texts, slot_bubble, slot_lines, when_text

CONFIRM = "signup.confirm"
CONFIRM_CANCEL = "signup.confirm_cancel"
# "My schedule": cards a message; in simple mode one (its two buttons, "More" and the way
# back make four choices)
PAGE, SIMPLE_PAGE = 10, 1

_PARTICLES = "に|を|へ|에|을|를"
_ENDINGS = "します|する|したい|希望|です|합니다|하기"


def _signup_regex() -> re.Pattern[str]:
    words: set[str] = set()
    for locale in SUPPORTED_LOCALES:
        words.update(gettext(locale, SIGNUP_WORDS).split("|"))
    words.update(SIGNUP_WORDS.split("|"))
    alternatives = sorted({unicodedata.normalize("NFKC", w).strip().casefold()
                           for w in words if w.strip()}, key=len, reverse=True)
    word = "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in alternatives)
    return re.compile(
        rf"(?:(?:{word})\s*[#:]?\s*(?P<after>\d{{3,8}})"
        rf"|[#]?(?P<before>\d{{3,8}})\s*(?:{_PARTICLES})?\s*(?:{word})\s*(?:{_ENDINGS})?)"
        r"[\s!.。！]*",
        re.IGNORECASE)


_REGEX: re.Pattern[str] | None = None


def signup_regex() -> re.Pattern[str]:
    global _REGEX
    if _REGEX is None:
        _REGEX = _signup_regex()
    return _REGEX


def match_signup(text: str) -> str | None:
    """The slot code in "参加 123" and the like, or None."""
    found = signup_regex().fullmatch(unicodedata.normalize("NFKC", text).strip())
    return (found.group("after") or found.group("before")) if found else None


# -- asking ----------------------------------------------------------------------------------


def _tz(ctx: Context) -> str:
    return ctx.config["BOT_TIMEZONE"]


def closed_reason(ctx: Context, reason: str, slot: Slot) -> str:
    _ = ctx._
    title = shown_text(slot.activity, "title", ctx.locale)
    if reason == "past":
        return _("“{title}” has already taken place, so it cannot be joined.", title=title)
    if reason == "cancelled":
        return _("“{title}” was cancelled by the organiser, so it cannot be joined.",
                 title=title)
    if reason == "deadline":
        return _("Sign-ups for “{title}” have closed (the deadline has passed).", title=title)
    return _("Sign-ups for “{title}” are closed.", title=title)


def _after(ctx: Context) -> list[Choice]:
    return [Choice.go(ctx._("My schedule"), "schedule"),
            Choice.go(ctx._("Find activities"), "find")]


def on_signup_code(ctx: Context, inp: Input, code: str) -> Reply:
    slot = slot_by_code(ctx.session, code)
    if slot is None or not is_shown(ctx.rights, slot.activity):
        text = ctx._("No activity has the code {code}. Please check the number.", code=code)
        return Reply([ctx.out.text(text, [Choice.go(ctx._("Find activities"), "find")])])
    return ask_confirm(ctx, slot)


def on_signup_pattern(ctx: Context, inp: Input, match: re.Match[str]) -> Reply:
    return on_signup_code(ctx, inp, match.group("after") or match.group("before"))


def on_signup_button(ctx: Context, inp: Input) -> Reply:
    return on_signup_code(ctx, inp, str(inp.args.get("c", ""))[:12])


def ask_confirm(ctx: Context, slot: Slot) -> Reply:
    _ = ctx._
    reason = why_closed(slot, ctx.now)
    if reason is not None:
        return Reply([ctx.out.text(closed_reason(ctx, reason, slot), _after(ctx))])
    mine = existing_signup(ctx.session, slot.id, ctx.user.id)
    if mine is not None and mine.status != "cancelled":
        return Reply([already(ctx, mine)])
    details = "\n".join(slot_lines(slot, ctx.out, _tz(ctx))[:3])
    title = shown_text(slot.activity, "title", ctx.locale)
    if slot.full:
        question = _("“{title}” is full.\n{details}\nWould you like to join the waitlist? "
                     "We will message you if a seat becomes free.",
                     title=title, details=details)
        yes = Choice.answer(CONFIRM, _("Join the waitlist"), "yes")
    else:
        question = _("Sign up for “{title}”?\n{details}", title=title, details=details)
        yes = Choice.answer(CONFIRM, _("Sign up"), "yes")
    no = Choice.answer(CONFIRM, _("No"), "no")
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM, data={"slot": slot.id})


def already(ctx: Context, signup: Signup) -> dict:
    slot = signup.slot
    when = when_text(slot, ctx.locale, _tz(ctx))
    title = shown_text(slot.activity, "title", ctx.locale)
    if signup.status == WAITLISTED:
        text = ctx._("You are already on the waitlist for “{title}” ({when}).",
                     title=title, when=when)
    else:
        text = ctx._("You are already signed up for “{title}” ({when}).",
                     title=title, when=when)
    return ctx.out.text(text, _after(ctx))


def reprompt_confirm(ctx: Context) -> Reply:
    slot = ctx.session.get(Slot, int(ctx.state.data.get("slot", 0)))
    if slot is None:
        return main_menu(ctx)
    return ask_confirm(ctx, slot)


@answers_yes_no
def on_confirm(ctx: Context, inp: Input) -> Reply:
    _ = ctx._
    if inp.kind == "text":
        code = match_signup(inp.text)
        if code is not None:
            return on_signup_code(ctx, inp, code)
    if inp.value == "no":
        return main_menu(ctx, inp, lead=_("All right, you were not signed up."))
    if inp.value != "yes":
        return reprompt_confirm(ctx)
    slot, mine = slot_for_signing_up(ctx.session, int(ctx.state.data.get("slot", 0)),
                                     ctx.user.id, ctx.now)
    if slot is None:
        return on_invalid(ctx, inp)
    result = sign_up(ctx.session, slot, ctx.user, now=ctx.now, mine=mine)
    title = shown_text(slot.activity, "title", ctx.locale)
    if result.outcome == CONFIRMED:
        details = "\n".join(slot_lines(slot, ctx.out, _tz(ctx))[:2])
        text = _("You are signed up for “{title}”. Thank you!\n{details}\nWe will remind you "
                 "before it starts. To cancel, open “My schedule”.",
                 title=title, details=details)
    elif result.outcome == WAITLISTED:
        text = _("“{title}” is full, so you are on the waitlist (number {n}). We will "
                 "message you if a seat becomes free.", title=title, n=result.position or 1)
    elif result.outcome == "already":
        return Reply([already(ctx, result.signup)])  # type: ignore[arg-type]
    else:
        text = closed_reason(ctx, result.outcome, slot)
    return Reply([ctx.out.text(text, _after(ctx))])


# -- my schedule ------------------------------------------------------------------------------


def status_line(ctx: Context, signup: Signup) -> str:
    if signup.status == WAITLISTED:
        return ctx._("On the waitlist")
    if signup.status == OFFERED and signup.offered_until is not None:
        return ctx._("A seat is held for you until {time}",
                     time=clock_text(signup.offered_until, ctx.locale, _tz(ctx)))
    return ctx._("Signed up")


def on_schedule(ctx: Context, inp: Input) -> Reply:
    _ = ctx._
    signups = upcoming_signups(ctx.session, ctx.user, now=ctx.now)
    if not signups:
        text = _("You have no upcoming sign-ups.")
        return Reply([ctx.out.text(text, [Choice.go(_("Find activities"), "find")])])
    try:
        page = int(inp.args.get("p", 0))
    except ValueError:
        page = 0
    shown, page, pages = page_of(signups, page, SIMPLE_PAGE if ctx.out.simple else PAGE)
    more = [Choice.go(_("More"), "schedule", p=page + 1)] if pages > 1 else []
    load_texts(ctx.session, (signup.slot for signup in shown))
    bubbles = []
    for signup in shown:
        buttons = []
        if signup.status == OFFERED:
            buttons.append(Choice(_("Take the seat"), "accept", {"g": signup.id},
                                  style="primary"))
        # Translators: button that cancels one sign-up
        buttons.append(Choice.go(_("Cancel sign-up"), "unsign", g=signup.id))
        bubble = slot_bubble(signup.slot, ctx.out, _tz(ctx), buttons=buttons,
                             reason=status_line(ctx, signup))
        bubbles.append(bubble)
    lead = _("Your upcoming activities: {count}", count=len(signups))
    return Reply([ctx.out.text(lead, back=False), ctx.out.carousel(bubbles, lead, more)])


def _own_signup(ctx: Context, raw: object) -> Signup | None:
    try:
        signup = ctx.session.get(Signup, int(str(raw)))
    except ValueError:
        return None
    return signup if signup is not None and signup.user_id == ctx.user.id else None


def _not_own(ctx: Context, inp: Input) -> Reply:
    """A button naming a sign-up that is not the person's: change nothing, log who tried."""
    log_refusal(ctx, inp, "signup.refused")
    return on_invalid(ctx, inp)


def on_unsign(ctx: Context, inp: Input) -> Reply:
    signup = _own_signup(ctx, inp.args.get("g", ""))
    if signup is None:
        return _not_own(ctx, inp)
    if signup.status not in (CONFIRMED, WAITLISTED, OFFERED):
        return on_invalid(ctx, inp)
    return ask_cancel(ctx, signup)


def ask_cancel(ctx: Context, signup: Signup) -> Reply:
    _ = ctx._
    question = _("Cancel your sign-up for “{title}” ({when})?",
                 title=shown_text(signup.slot.activity, "title", ctx.locale),
                 when=when_text(signup.slot, ctx.locale, _tz(ctx)))
    yes = Choice.answer(CONFIRM_CANCEL, _("Cancel it"), "yes")
    no = Choice.answer(CONFIRM_CANCEL, _("Keep it"), "no")
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_CANCEL,
                 data={"signup": signup.id})


@answers_yes_no
def on_confirm_cancel(ctx: Context, inp: Input) -> Reply:
    _ = ctx._
    signup = _own_signup(ctx, ctx.state.data.get("signup", ""))
    if signup is None:
        return on_invalid(ctx, inp)
    if inp.value == "no":
        return on_schedule(ctx, inp)
    if inp.value != "yes":
        return ask_cancel(ctx, signup)
    cancel_signup(ctx.session, signup, now=ctx.now,
                  offer_minutes=int(ctx.config["WAITLIST_OFFER_MINUTES"]))
    text = _("Your sign-up for “{title}” is cancelled. Thank you for letting us know.",
             title=shown_text(signup.slot.activity, "title", ctx.locale))
    return Reply([ctx.out.text(text, _after(ctx))])


def on_accept(ctx: Context, inp: Input) -> Reply:
    _ = ctx._
    signup = _own_signup(ctx, inp.args.get("g", ""))
    if signup is None:
        return _not_own(ctx, inp)
    outcome = accept_offer(ctx.session, signup, now=ctx.now)
    title = shown_text(signup.slot.activity, "title", ctx.locale)
    if outcome in (CONFIRMED, "already"):
        text = _("The seat is yours: you are signed up for “{title}”.", title=title)
    elif outcome == "expired":
        text = _("Sorry, the time to take the seat for “{title}” has passed, so it went to "
                 "the next person.", title=title)
    else:
        text = _("Sorry, this seat is no longer available.")
    return Reply([ctx.out.text(text, _after(ctx))])


dialog = Dialog(
    name="signup",
    entries={"signup": on_signup_button, "schedule": on_schedule, "unsign": on_unsign,
             "accept": on_accept},
    steps={CONFIRM: on_confirm, CONFIRM_CANCEL: on_confirm_cancel},
    prompts={CONFIRM: reprompt_confirm,
             CONFIRM_CANCEL: lambda ctx: on_schedule(ctx, Input("postback"))},
)
