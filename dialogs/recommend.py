"""Recommended activities, and the short, skippable questions they are based on.

```mermaid
stateDiagram-v2
    [*] --> results: menu "Recommended"
    results --> ask_interests: "My interests"
    ask_interests --> ask_interests: toggle a category
    ask_interests --> ask_times: Next / Skip
    ask_times --> ask_times: toggle a free time
    ask_times --> ask_skills: Next / Skip
    ask_skills --> results: typed skills / Skip
```
"""

from __future__ import annotations

import re

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Dialog, Input, Prompt, Reply
from bot.kernel.i18n import format_names
from dialogs.common.activity_search import format_distance
from models.activities import STYLES, Slot
from models.categories import CATEGORIES
from models.impressions import BASELINE, RANKING, in_baseline, record_shown
from models.recommend import FREE_TIMES, Ranked, VolunteerProfile, recommend

from .activity_cards import load_texts, slot_bubble

ASK_INTERESTS = "recommend.ask_interests"
ASK_TIMES = "recommend.ask_times"
ASK_SKILLS = "recommend.ask_skills"


def _profile(ctx: Context) -> VolunteerProfile:
    profile = ctx.session.get(VolunteerProfile, ctx.user.id)
    if profile is None:
        profile = VolunteerProfile(user_id=ctx.user.id, categories=[], skills=[],
                                   free_times=[], styles=[])
        ctx.session.add(profile)
    return profile


def reason_text(ctx: Context, ranked: Ranked) -> str:
    """One line: why this one, from its two strongest reasons."""
    words = []
    for reason in ranked.reasons:
        kind, _, code = reason.partition(":")
        if kind == "near" and ranked.distance is not None:
            words.append(ctx._("near you ({distance})",
                               distance=format_distance(ranked.distance, ctx.locale)))
        elif kind == "time" and code in FREE_TIMES:
            words.append(ctx._(FREE_TIMES[code]))
        elif kind == "interest" and code in CATEGORIES:
            words.append(ctx._(CATEGORIES[code]))
        elif kind == "history":
            words.append(ctx._("like what you joined before"))
        elif kind == "style" and code in STYLES:
            words.append(ctx._(STYLES[code]))
        elif kind == "skills":
            words.append(ctx._("uses your skills"))
        elif kind == "similar":
            words.append(ctx._("joined by people like you"))
    return format_names(words, ctx.locale) or ctx._("coming up soon")


def on_recommend(ctx: Context, inp: Input) -> Reply:
    _ = ctx._
    baseline = in_baseline(ctx.user.id, ctx.config["KPI_BASELINE_SHARE"])
    found = recommend(ctx.session, ctx.user, now=ctx.now, tz=ctx.config["BOT_TIMEZONE"],
                      baseline=baseline)
    # the interests questions offer many toggles: standard mode only
    tell = [] if ctx.out.simple else [Choice.go(_("My interests"), "interests")]
    if not found:
        text = _("No activities are planned at the moment. Please look again soon.")
        return Reply([ctx.out.text(text, tell)])
    load_texts(ctx.session, (slot for slot, _ranked in found))
    bubbles = []
    for slot, ranked in found:
        bubble = slot_bubble(slot, ctx.out, ctx.config["BOT_TIMEZONE"],
                             distance=ranked.distance, reason=reason_text(ctx, ranked))
        if not ctx.out.simple:
            bubble["footer"]["contents"].append(ctx.out._button(
                Choice.go(_("Not interested"), "not_interested", a=slot.activity_id)))
        bubbles.append(bubble)
    lead = _("Recommended for you")
    profile = ctx.session.get(VolunteerProfile, ctx.user.id)
    if tell and (profile is None
                 or not (profile.categories or profile.free_times or profile.skills)):
        lead += "\n" + _("Tell us your interests and free times for better suggestions.")
    carousel = ctx.out.carousel(bubbles, lead, tell)
    _record_shown(ctx, found, bubbles, carousel, baseline=baseline)
    return Reply([ctx.out.text(lead, back=False), carousel])


def _record_shown(ctx: Context, found: list[tuple[Slot, Ranked]], bubbles: list[dict],
                  carousel: dict, *, baseline: bool) -> None:
    """What the person sees: the carousel keeps its cards in order but may leave some out
    (LINE's size limits), so the cards it kept, not the slots found, are recorded."""
    kept = {id(b) for b in carousel["contents"]["contents"]}
    record_shown(ctx.session, ctx.user, [
        (slot.id, BASELINE if baseline else (ranked.reasons or (RANKING,))[0])
        for (slot, ranked), bubble in zip(found, bubbles, strict=True) if id(bubble) in kept],
        now=ctx.now)


# -- the questions ----------------------------------------------------------------------------


def _toggles(ctx: Context, step: str, table: dict[str, str], chosen: list[str]) -> list[Choice]:
    choices = [Choice.answer(step, ("✓ " if code in chosen else "") + ctx._(msgid), code)
               for code, msgid in table.items()]
    choices.append(Choice.answer(step, ctx._("Next"), "next"))
    return choices


def ask_interests(ctx: Context, inp: Input | None = None) -> Reply:
    if ctx.out.simple:
        return on_recommend(ctx, inp or Input("postback"))
    chosen = _profile(ctx).categories or []
    text = ctx._("Which kinds of activity interest you? Tap as many as you like, then Next. "
                 "(You can skip: tap Next.)")
    return Reply([ctx.out.choices(text, _toggles(ctx, ASK_INTERESTS, CATEGORIES, chosen))],
                 next=ASK_INTERESTS, data={})


def _on_toggle(ctx: Context, inp: Input, field: str, table: dict[str, str],
               again: Prompt, then: Prompt) -> Reply:
    """A tap at a toggle question: Next goes on to `then`; a code in `table` is added to or
    removed from the profile's list `field`, and the question is asked `again`."""
    profile = _profile(ctx)
    if inp.value == "next":
        return then(ctx)
    if inp.value in table:
        chosen = list(getattr(profile, field) or [])
        setattr(profile, field, [c for c in chosen if c != inp.value] if inp.value in chosen
                else [*chosen, inp.value])
    return again(ctx)


def on_interest(ctx: Context, inp: Input) -> Reply:
    return _on_toggle(ctx, inp, "categories", CATEGORIES, ask_interests, ask_times)


def ask_times(ctx: Context) -> Reply:
    chosen = _profile(ctx).free_times or []
    text = ctx._("When are you usually free? Tap as many as you like, then Next.")
    return Reply([ctx.out.choices(text, _toggles(ctx, ASK_TIMES, FREE_TIMES, chosen))],
                 next=ASK_TIMES, data={})


def on_time(ctx: Context, inp: Input) -> Reply:
    return _on_toggle(ctx, inp, "free_times", FREE_TIMES, ask_times, ask_skills)


def ask_skills(ctx: Context) -> Reply:
    text = ctx._("Any skills you would like to use (for example: English, cooking, IT)? "
                 "Type them separated by commas, or tap Skip.")
    return Reply([ctx.out.text(text, [Choice.answer(ASK_SKILLS, ctx._("Skip"), "skip")])],
                 next=ASK_SKILLS, data={})


def on_skills(ctx: Context, inp: Input) -> Reply:
    if inp.kind == "text" and inp.text.strip():
        words = [w.strip() for w in re.split(r"[,、，/]", inp.text) if w.strip()]
        _profile(ctx).skills = [w[:30] for w in words[:10]]
    reply = on_recommend(ctx, inp)
    lead = ctx.out.text(ctx._("Thank you. Your interests are saved."), back=False)
    return Reply([lead, *reply.messages])


dialog = Dialog(
    name="recommend",
    entries={"recommend": on_recommend, "interests": ask_interests},
    steps={ASK_INTERESTS: on_interest, ASK_TIMES: on_time, ASK_SKILLS: on_skills},
    prompts={ASK_INTERESTS: ask_interests, ASK_TIMES: ask_times, ASK_SKILLS: ask_skills},
)
