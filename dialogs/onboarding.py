"""A new friend: greeting, privacy notice and consent, standard or simple mode, an optional
age band, the menu.

```mermaid
stateDiagram-v2
    [*] --> ask_consent: follow (new, or never agreed)
    [*] --> menu: follow (agreed before) / welcome back
    ask_consent --> browsing: menu, activities, idea calls, initiatives (stores nothing)
    browsing --> ask_consent: a step that stores (kept) / "I agree" on the notice
    ask_consent --> ask_consent: decline / anything else
    ask_consent --> settings.ask_language: change language
    settings.ask_language --> ask_consent: language chosen
    ask_consent --> ask_mode: agree
    ask_mode --> ask_age: standard / simple
    ask_age --> ask_age: other ages (simple mode)
    ask_age --> menu: an age band / prefer not to say / skip / anything typed
    ask_age --> resumed: the same, with a kept first message
```

Until a person agrees to the privacy notice they may browse: the menus, public activities
(with a search near a shared location, which is not kept), idea calls and initiatives
(`BROWSING`); those turns write nothing (their user row, made at the follow, holds their
LINE id, language and look, not even their LINE name: that is read from LINE once they
agree). The first step that would store something about them (a sign-up, an interest, an
idea, a setting) shows the notice instead, and is kept in the dialog's data (Redis, with the
dialog's sliding TTL; nothing in SQL): what they typed (a QR code's link types "参加 1013"
for them) or the button they tapped. Once onboarding ends the router handles it as if
typed or tapped again (`carry_on`, called by handlers.events), so the
sign-up goes on where it began. Browsing away from the notice drops what was kept.

The age band (for the ward's participation figures, models/kpi.py) is asked once, here,
and one tap skips it (so does typing anything: what was typed is then handled as a first
message would be); it stays unknown (NULL) unless told, and can be changed in Settings.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Dialog, Input, Reply, Step
from bot.kernel.read_aloud import voice_for
from dialogs.common.consent import ASK_CONSENT, KEPT, KEPT_MAX, KEPT_TAP, ask_consent, kept_of
from dialogs.menu import main_menu
from dialogs.settings import age_band_choices, ask_language
from dialogs.signup import match_signup
from models.users import AGE_BANDS, audit, record_consent

ASK_MODE = "onboarding.ask_mode"
ASK_AGE = "onboarding.ask_age"
# What a person may do before agreeing: postback actions that only read public things (and
# the menus leading to them), and typing at the activity search's steps (a keyword, not a
# sign-up code). A test checks that none of these turns writes anything.
BROWSING = frozenset({"menu", "tab", "find", "slot", "idea_calls", "idea_call",
                      "initiatives", "ini_filter", "ini_list", "ini"})
BROWSING_STEPS = ("find.",)
NOT_KEPT = frozenset({"", "ans", "resume", "cancel", "help"})  # nothing to do again after


def greet(ctx: Context, *, is_new: bool, inp: Input | None = None,
          name: str | None = None) -> Reply:
    """Answer a follow event, or the first message of someone the bot did not know yet
    (`inp`: kept to be handled after the consent and the mode). `name`: their LINE name,
    read for this turn (not stored before they agree)."""
    name = ctx.user.display_name or name or ""
    if ctx.user.consented_at is not None:
        lead = ctx._("Welcome back, {name}! Your settings are as you left them.", name=name)
        return main_menu(ctx, lead=lead)
    hello = ctx._("Hello, {name}! I am the ward's community bot. I help you find local "
                  "activities and volunteering, and share your ideas for the town.", name=name)
    consent = ask_consent(ctx)
    return Reply([ctx.out.text(hello, back=False), *consent.messages], next=ASK_CONSENT,
                 data=_keep({}, inp))


def _keep(data: dict, inp: Input | None) -> dict:
    """`data` with what `inp` asked for kept (the latest one wins): its typed text, or the
    button it tapped."""
    if inp is None:
        return data
    if inp.kind == "text" and inp.text.strip():
        return {**{k: v for k, v in data.items() if k != KEPT_TAP},
                KEPT: inp.text.strip()[:KEPT_MAX]}
    if inp.kind == "postback" and not inp.invalid and inp.action not in NOT_KEPT:
        tap = {"a": inp.action, "args": {str(k): str(v) for k, v in inp.args.items()}}
        return {**{k: v for k, v in data.items() if k != KEPT}, KEPT_TAP: tap}
    return data


def kept_input(ctx: Context, inp: Input, reply: Reply) -> Input | None:
    """The message or tap to handle now: the one kept through onboarding, when `reply` (to
    `inp`, an answer to the age question) has just ended it. Read before the reply is
    applied to the state."""
    if not (ctx.state.step == ASK_AGE and reply.next is None
            and ctx.user.consented_at is not None
            and (inp.action == "ans" or inp.kind == "text")):
        return None
    kept = kept_of(ctx.state.data)
    if inp.kind == "text":  # typed at the age question: that is handled instead
        kept = _keep(kept, inp)
    if KEPT in kept:
        return Input("text", text=kept[KEPT])
    if KEPT_TAP in kept:
        tap = kept[KEPT_TAP]
        args = tap.get("args") if isinstance(tap.get("args"), dict) else {}
        return Input("postback", action=tap["a"], args=dict(args))
    return None


def on_consent(ctx: Context, inp: Input) -> Reply:
    if inp.value == "agree":
        record_consent(ctx.user, ctx.now)
        audit(ctx.session, "user.consent", actor=ctx.user, subject=ctx.user)
        return ask_mode(ctx)
    if inp.value == "language":
        return ask_language(ctx, then="consent")
    if inp.value == "decline":
        lead = ctx._("All right. I can only help once you agree. When you are ready, "
                     "tap \"I agree\".")
        reply = ask_consent(ctx)
        return Reply([ctx.out.text(lead, back=False), *reply.messages], next=ASK_CONSENT)
    return _ask_keeping(ctx, inp)


def _ask_keeping(ctx: Context, inp: Input) -> Reply:
    reply = ask_consent(ctx)
    return Reply(reply.messages, next=ASK_CONSENT, data=_keep(kept_of(ctx.state.data), inp))


def ask_mode(ctx: Context) -> Reply:
    """The look; the data keeps the first message kept so far."""
    text = "\n".join([
        ctx._("How would you like the bot to look?"),
        ctx._("Standard: all features."),
        ctx._("Simple: large letters and a few big buttons."),
    ])
    choices = [
        Choice.answer(ASK_MODE, ctx._("Standard"), "standard"),
        Choice.answer(ASK_MODE, ctx._("Simple"), "simple", style="primary"),
    ]
    return Reply([ctx.out.choices(text, choices, back=False)], next=ASK_MODE,
                 data=kept_of(ctx.state.data))


def on_mode(ctx: Context, inp: Input) -> Reply:
    if inp.value not in ("standard", "simple"):
        return ask_mode(ctx)
    ctx.user.mode = inp.value
    ctx.refresh_look()
    return ask_age(ctx)


def ask_age(ctx: Context, page: int = 0) -> Reply:
    """The optional age band, with Skip on every page; the data keeps the first message.
    In simple mode, where answers are read aloud unless turned off, it says so first."""
    aloud = ctx.out.simple and ctx.user.read_aloud is None \
        and voice_for(ctx.app.config, ctx.user.locale) is not None
    text = "\n".join([
        *([ctx._("The bot's answers are also read aloud, as a voice message after the text. "
                 "You can turn this off in Settings.")] if aloud and not page else []),
        ctx._("One last question, if you like: your age group?"),
        ctx._("It only counts towards the ward's figures of who takes part. You can skip it."),
    ])
    choices, page = age_band_choices(ctx, ASK_AGE, page)
    choices.append(Choice.answer(ASK_AGE, ctx._("Skip"), "skip"))
    return Reply([ctx.out.choices(text, choices, back=False)], next=ASK_AGE,
                 data={**kept_of(ctx.state.data), "page": page})


def on_age(ctx: Context, inp: Input) -> Reply:
    if inp.value == "more":
        return ask_age(ctx, int(ctx.state.data.get("page", 0)) + 1)
    if inp.value in AGE_BANDS:
        ctx.user.age_band = inp.value
    elif inp.value != "skip" and inp.kind != "text":  # typed: skipped (see kept_message)
        return ask_age(ctx, int(ctx.state.data.get("page", 0)))
    lead = ctx._("All set! You can change the language and the look in Settings at any time.")
    return main_menu(ctx, inp, lead=lead)


def carry_on(ctx: Context, inp: Input, reply: Reply, dispatch: Step,
             starts_something: Callable[[str], bool]) -> Reply:
    """`reply` applied to the state; then, when it ended onboarding with something kept
    that starts something (`kept_input`), the router's answer to that (`dispatch`)."""
    kept = kept_input(ctx, inp, reply)
    ctx.state.apply(reply)
    if kept is None or (kept.kind == "text" and not starts_something(kept.text)):
        return reply
    answer = resumed(ctx, dispatch(ctx, kept), tapped=kept.kind == "postback")
    ctx.state.apply(answer)
    return answer


def resumed(ctx: Context, answer: Reply, *, tapped: bool = False) -> Reply:
    """The end of onboarding when the kept first message (or tap) starts something: "All
    set!", then `answer`, the router's answer to it, in place of the menu."""
    if tapped:
        # Translators: after agreeing, the bot goes on with the button tapped before
        text = ctx._("All set! Now, where you left off:")
    else:
        text = ctx._("All set! Now, about the message you sent:")
    lead = ctx.out.text(text, back=False)
    messages = answer.messages if len(answer.messages) >= 5 else [lead, *answer.messages]
    return Reply(messages, next=answer.next, data=answer.data, keep=answer.keep)


def gate(ctx: Context, inp: Input) -> Reply | None:
    """Before consent: browsing goes on (`BROWSING`); anything else brings the privacy
    notice, keeping what was asked for."""
    if ctx.user.consented_at is not None:
        return None
    if inp.answers(ASK_CONSENT):  # the notice's buttons work after browsing away too
        return on_consent(ctx, inp)
    step = ctx.state.step or ""
    in_onboarding = step.startswith("onboarding.") or step == "settings.ask_language"
    if in_onboarding and inp.action in ("", "ans"):
        return None
    if browses(ctx, inp):
        return None
    return _ask_keeping(ctx, inp)


def browses(ctx: Context, inp: Input) -> bool:
    """Whether `inp` only reads public things (see BROWSING)."""
    if inp.kind == "postback":
        return inp.action in BROWSING
    if inp.kind == "location":  # near me: searched, not stored (find_activities.on_location)
        return True
    return (inp.kind == "text" and (ctx.state.step or "").startswith(BROWSING_STEPS)
            and match_signup(inp.text) is None)


dialog = Dialog(
    name="onboarding",
    steps={ASK_CONSENT: on_consent, ASK_MODE: on_mode, ASK_AGE: on_age},
    prompts={ASK_CONSENT: ask_consent, ASK_MODE: ask_mode,
             ASK_AGE: lambda ctx: ask_age(ctx, int(ctx.state.data.get("page", 0)))},
)
