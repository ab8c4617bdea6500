"""After signing up: check-in at the venue, "how did it go?", my record; and how the
scheduler's activity notices read (rendered at send time from the current slot).

```mermaid
stateDiagram-v2
    [*] --> ask_word: menu "Check in"
    ask_word --> [*]: the slot's check-in word ("チェックイン ABC12" works anywhere)
    [*] --> ask_comment: a rating 1-5 from the "how did it go?" notice
    ask_comment --> [*]: a comment / Skip (simple mode: no comment asked)
```
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot.kernel.composer import Choice, Composer
from bot.kernel.engine import Context, Dialog, Input, Reply
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext, shown_text
from bot.kernel.prefilled import CHECKIN_WORDS
from bot.notify.renderers import ItemSummary
from dialogs.common.refusals import log_refusal
from dialogs.menu import on_invalid
from models.activities import Activity, as_utc
from models.attendance import BADGES, check_in, record_feedback, volunteer_record
from models.outbox import Notification
from models.signups import ATTENDED, CONFIRMED, OFFERED, Signup, expire_offer
from models.timing import config_of
from models.users import User

from .activity_cards import clock_text, slot_lines, when_text

ASK_WORD = "checkin.ask_word"
ASK_COMMENT = "checkin.ask_comment"


def checkin_regex() -> re.Pattern[str]:
    words: set[str] = set(CHECKIN_WORDS.split("|"))
    for locale in SUPPORTED_LOCALES:
        words.update(gettext(locale, CHECKIN_WORDS).split("|"))
    alternatives = sorted({unicodedata.normalize("NFKC", w).strip().casefold()
                           for w in words if w.strip()}, key=len, reverse=True)
    word = "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in alternatives)
    return re.compile(rf"(?:{word})\s*[:：]?\s*(?P<word>[A-Za-z0-9ぁ-んァ-ヶー一-龯]{{2,20}})",
                      re.IGNORECASE)


def _tz(ctx: Context) -> str:
    return ctx.config["BOT_TIMEZONE"]


# -- check-in ---------------------------------------------------------------------------------


def ask_word(ctx: Context, inp: Input | None = None) -> Reply:
    text = ctx._("Please type the check-in word shown at the venue.")
    return Reply([ctx.out.text(text)], next=ASK_WORD, data={})


def do_check_in(ctx: Context, word: str) -> Reply:
    signup = check_in(ctx.session, ctx.user, word, now=ctx.now)
    if signup is None:
        text = ctx._("That check-in word does not match an activity you signed up for "
                     "today. Please check the word, or ask the organiser.")
        return Reply([ctx.out.text(text)])
    text = ctx._("Checked in to “{title}”. Thank you for coming!",
                 title=shown_text(signup.slot.activity, "title", ctx.locale))
    return Reply([ctx.out.text(text, [Choice.go(ctx._("My record"), "record")])])


def on_word(ctx: Context, inp: Input) -> Reply:
    if inp.kind != "text" or not inp.text.strip():
        return ask_word(ctx)
    found = checkin_regex().fullmatch(unicodedata.normalize("NFKC", inp.text).strip())
    return do_check_in(ctx, found.group("word") if found else inp.text)


def on_checkin_pattern(ctx: Context, inp: Input, match: re.Match[str]) -> Reply:
    return do_check_in(ctx, match.group("word"))


# -- how did it go? ---------------------------------------------------------------------------


def rating_choices(out: Composer, signup_id: int) -> list[Choice]:
    if out.simple:
        return [Choice.go(out._("Good"), "rate", g=signup_id, r=5),
                Choice.go(out._("So-so"), "rate", g=signup_id, r=3),
                Choice.go(out._("Not good"), "rate", g=signup_id, r=1)]
    return [Choice.go("★" * n, "rate", g=signup_id, r=n) for n in range(1, 6)]


def on_rate(ctx: Context, inp: Input) -> Reply:
    try:
        signup = ctx.session.get(Signup, int(inp.args.get("g", "")))
        rating = int(inp.args.get("r", ""))
    except ValueError:
        signup, rating = None, 0
    if signup is None or signup.user_id != ctx.user.id:
        log_refusal(ctx, inp, "rating.refused")  # not their sign-up: a forged button
        return on_invalid(ctx, inp)
    if (not 1 <= rating <= 5 or signup.status not in (CONFIRMED, ATTENDED)
            or as_utc(signup.slot.starts_at) > ctx.now):
        return on_invalid(ctx, inp)
    record_feedback(ctx.session, signup, rating, None, now=ctx.now)
    thanks = ctx._("Thank you! Your volunteer points have been recorded.")
    if ctx.out.simple:
        return Reply([ctx.out.text(thanks, [Choice.go(ctx._("My record"), "record")])])
    text = thanks + "\n" + ctx._("Anything you would like to tell the organiser? Type a "
                                 "short comment, or tap Skip.")
    return Reply([ctx.out.text(text, [Choice.answer(ASK_COMMENT, ctx._("Skip"), "skip")])],
                 next=ASK_COMMENT, data={"signup": signup.id, "rating": rating})


def on_comment(ctx: Context, inp: Input) -> Reply:
    signup = ctx.session.get(Signup, int(ctx.state.data.get("signup", 0)))
    if signup is None or signup.user_id != ctx.user.id:
        return on_invalid(ctx, inp)
    if inp.kind == "text" and inp.text.strip():
        record_feedback(ctx.session, signup, int(ctx.state.data.get("rating", 3)),
                        inp.text.strip()[:1000], now=ctx.now)
        text = ctx._("Thank you for your comment.")
    else:
        text = ctx._("All right.")
    return Reply([ctx.out.text(text, [Choice.go(ctx._("My record"), "record")])])


# -- my record --------------------------------------------------------------------------------


def on_record(ctx: Context, inp: Input) -> Reply:
    _ = ctx._
    record = volunteer_record(ctx.session, ctx.user)
    names = dict(BADGES)
    lines = [
        _("Activities: {count}", count=record.activities),
        _("Hours: {hours}", hours=f"{record.hours:g}"),
        _("Points: {points}", points=record.points),
    ]
    if record.badges:
        lines.append(_("Thank-you badges: {badges}",
                       badges=" · ".join(f"🏅{_(names[b])}" for b in record.badges)))
    else:
        lines.append(_("Your first thank-you badge comes with your first activity."))
    card = ctx.out.card(_("My record"), lines, [Choice.go(_("Find activities"), "find")])
    return Reply([card])


# -- notices (rendered at send time) ------------------------------------------------------------


def _signup_for(session: Session, notification: Notification) -> Signup | None:
    try:
        return session.get(Signup, int(notification.ref))
    except ValueError:
        return None


def render_reminder(session: Session, user: User, notification: Notification,
                    composer: Composer) -> list[dict] | None:
    signup = _signup_for(session, notification)
    if signup is None or signup.status != CONFIRMED or signup.slot.status != "open":
        return None
    slot = signup.slot
    lead = composer._("Reminder: “{title}”",
                      title=shown_text(slot.activity, "title", composer.locale))
    buttons = [Choice.go(composer._("My schedule"), "schedule")]
    tz = config_of(session)["BOT_TIMEZONE"]
    return [composer.card(lead, slot_lines(slot, composer, tz), buttons)]


def render_feedback(session: Session, user: User, notification: Notification,
                    composer: Composer) -> list[dict] | None:
    signup = _signup_for(session, notification)
    if signup is None or signup.status not in (CONFIRMED, ATTENDED):
        return None
    question = composer._("How did “{title}” go? Please rate it.",
                          title=shown_text(signup.slot.activity, "title", composer.locale))
    return [composer.choices(question, rating_choices(composer, signup.id))]


def render_offer(session: Session, user: User, notification: Notification,
                 composer: Composer) -> list[dict] | None:
    signup = _signup_for(session, notification)
    if signup is None or signup.status != OFFERED or signup.offered_until is None:
        return None
    slot, tz = signup.slot, config_of(session)["BOT_TIMEZONE"]
    text = composer._("Good news: a seat is free for “{title}” ({when}). It is held for you "
                      "until {time}.", title=shown_text(slot.activity, "title", composer.locale),
                      when=when_text(slot, composer.locale, tz),
                      time=clock_text(signup.offered_until, composer.locale, tz))
    yes = Choice(composer._("Take the seat"), "accept", {"g": signup.id}, style="primary")
    no = Choice.go(composer._("Cancel sign-up"), "unsign", g=signup.id)
    return [composer.confirm(text, yes, no)]


def render_offer_expiry(session: Session, user: User, notification: Notification,
                        composer: Composer) -> list[dict] | None:
    """At the offer's end: pass the seat on (a state change, done here because this row is
    due exactly then) and tell the person."""
    signup = _signup_for(session, notification)
    if signup is None or signup.status != OFFERED:
        return None
    minutes = int(config_of(session)["WAITLIST_OFFER_MINUTES"])
    if expire_offer(session, signup, now=datetime.now(UTC), offer_minutes=minutes) is None \
            and signup.status == OFFERED:
        return None  # not yet due after all
    return [composer.text(composer._(
        "The seat held for you for “{title}” has gone to the next person on the waitlist.",
        title=shown_text(signup.slot.activity, "title", composer.locale)))]


def summarise_activity(session: Session, ref: str, composer: Composer):  # type: ignore[no-untyped-def]

    try:
        activity = session.get(Activity, int(ref))
    except ValueError:
        return None
    if activity is None or not activity.slots:
        return None
    slot = activity.slots[0]
    return ItemSummary(shown_text(activity, "title", composer.locale),
                       tuple(slot_lines(slot, composer, config_of(session)["BOT_TIMEZONE"])[:3]),
                       Choice.go(composer._("Details"), "slot", s=slot.id))


dialog = Dialog(
    name="checkin",
    entries={"checkin": ask_word, "rate": on_rate, "record": on_record},
    steps={ASK_WORD: on_word, ASK_COMMENT: on_comment},
    prompts={ASK_WORD: ask_word},
)
