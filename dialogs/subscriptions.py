"""Notifications: which topics and areas to hear about, how often, and what to turn off.

```mermaid
stateDiagram-v2
    [*] --> overview: menu "Notifications"
    overview --> pick_category: Topics
    pick_category --> pick_category: tap a topic (follow / unfollow)
    overview --> pick_area: Areas
    pick_area --> pick_area: tap an area
    overview --> ask_frequency: How often (standard mode)
    ask_frequency --> ask_hour: Daily digest
    ask_frequency --> overview: At once / Off
    ask_hour --> overview: an hour
    overview --> toggle_off: On / off
    toggle_off --> toggle_off: tap a kind
    pick_category --> overview: Done
```

Nothing here needs typing; simple mode shows two entries a page with "More" and the way back.
"""

from __future__ import annotations

from bot.kernel.composer import Choice, page_of
from bot.kernel.engine import Context, Dialog, Input, Reply
from bot.kernel.i18n import format_names
from models.announcements import area_names
from models.categories import CATEGORIES
from models.locales import area_label
from models.subscriptions import (
    AREA,
    CATEGORY,
    OPT_OUT_GROUPS,
    prefs,
    set_pref,
    toggle_off,
    toggle_topic,
    topics,
)

OVERVIEW = "subscriptions.overview"
PICK_CATEGORY = "subscriptions.pick_category"
PICK_AREA = "subscriptions.pick_area"
ASK_FREQUENCY = "subscriptions.ask_frequency"
ASK_HOUR = "subscriptions.ask_hour"
TOGGLE_OFF = "subscriptions.toggle_off"

SIMPLE_PAGE = 2
DIGEST_HOURS = (7, 8, 12, 18, 20)
ON, OFF = "✓", "✗"


def _frequency_label(ctx: Context) -> str:
    wanted = prefs(ctx.user)
    if wanted["frequency"] == "digest":
        return ctx._("Daily at {hour}:00", hour=wanted.get("digest_hour", 8))
    if wanted["frequency"] == "off":
        return ctx._("Off")
    return ctx._("At once")


def overview(ctx: Context, lead: str | None = None) -> Reply:
    categories = [ctx._(CATEGORIES[c]) for c in topics(ctx.session, ctx.user, CATEGORY)
                  if c in CATEGORIES]
    areas = [area_label(ctx._, name) for name in topics(ctx.session, ctx.user, AREA)]
    off = [ctx._(OPT_OUT_GROUPS[g]) for g in prefs(ctx.user)["off"] if g in OPT_OUT_GROUPS]
    none = ctx._("none")
    lines = [
        lead or ctx._("Notifications"),
        ctx._("Topics: {names}", names=format_names(categories, ctx.locale) or none),
        ctx._("Areas: {names}", names=format_names(areas, ctx.locale) or none),
        ctx._("New items: {how}", how=_frequency_label(ctx)),
        ctx._("Turned off: {names}", names=format_names(off, ctx.locale) or none),
    ]
    choices = [Choice.answer(OVERVIEW, ctx._("Topics"), "topics")]
    if area_names(ctx.config):
        choices.append(Choice.answer(OVERVIEW, ctx._("Areas"), "areas"))
    if not ctx.out.simple:
        # Translators: button to choose how often news of followed topics arrives
        choices.append(Choice.answer(OVERVIEW, ctx._("How often"), "frequency"))
    # Translators: button to turn kinds of notification on or off
    choices.append(Choice.answer(OVERVIEW, ctx._("On / off"), "off"))
    if ctx.out.simple and len(choices) > 3:
        choices = choices[:2] + choices[-1:]
    return Reply([ctx.out.choices("\n".join(lines), choices)], next=OVERVIEW, data={})


def on_entry(ctx: Context, inp: Input) -> Reply:
    return overview(ctx)


def on_overview(ctx: Context, inp: Input) -> Reply:
    if inp.value == "topics":
        return pick(ctx, CATEGORY)
    if inp.value == "areas":
        return pick(ctx, AREA)
    if inp.value == "frequency":
        return ask_frequency(ctx)
    if inp.value == "off":
        return ask_off(ctx)
    return overview(ctx)


# -- topics and areas ----------------------------------------------------------------------


def _options(ctx: Context, dimension: str) -> list[tuple[str, str]]:
    if dimension == CATEGORY:
        return [(code, ctx._(label)) for code, label in CATEGORIES.items()]
    return [(name, area_label(ctx._, name)) for name in area_names(ctx.config)]


def pick(ctx: Context, dimension: str, page: int = 0, lead: str | None = None) -> Reply:
    step = PICK_CATEGORY if dimension == CATEGORY else PICK_AREA
    options = _options(ctx, dimension)
    followed = set(topics(ctx.session, ctx.user, dimension))
    if ctx.out.simple:
        options, page, pages = page_of(options, page, SIMPLE_PAGE)
    choices = [Choice.answer(step, f"{ON if value in followed else OFF} {label}", value)
               for value, label in options]
    if ctx.out.simple:
        # Translators: shows the next few choices
        choices.append(Choice.answer(step, ctx._("More"), "__more"))
    else:
        choices.append(Choice.answer(step, ctx._("Done"), "__done"))
    if dimension == CATEGORY:
        question = ctx._("Which topics would you like news of? Tap to follow or stop.")
    else:
        question = ctx._("Which areas would you like news of? Tap to follow or stop.")
    text = f"{lead}\n{question}" if lead else question
    return Reply([ctx.out.choices(text, choices)], next=step, data={"page": page})


def _on_pick(ctx: Context, inp: Input, dimension: str) -> Reply:
    page = int(ctx.state.data.get("page", 0))
    if inp.value == "__done":
        return overview(ctx, lead=ctx._("Saved."))
    if inp.value == "__more":
        return pick(ctx, dimension, page + 1)
    valid = {value: label for value, label in _options(ctx, dimension)}
    if inp.value not in valid:
        return pick(ctx, dimension, page)
    now_followed = toggle_topic(ctx.session, ctx.user, dimension, inp.value)
    label = valid[inp.value]
    lead = (ctx._("You will hear about {name}.", name=label) if now_followed
            else ctx._("You will no longer hear about {name}.", name=label))
    return pick(ctx, dimension, page, lead=lead)


def on_pick_category(ctx: Context, inp: Input) -> Reply:
    return _on_pick(ctx, inp, CATEGORY)


def on_pick_area(ctx: Context, inp: Input) -> Reply:
    return _on_pick(ctx, inp, AREA)


# -- how often -----------------------------------------------------------------------------


def ask_frequency(ctx: Context) -> Reply:
    choices = [
        Choice.answer(ASK_FREQUENCY, ctx._("At once"), "instant"),
        # Translators: one message a day listing the new items
        Choice.answer(ASK_FREQUENCY, ctx._("Daily digest"), "digest"),
        Choice.answer(ASK_FREQUENCY, ctx._("Off"), "off"),
    ]
    return Reply([ctx.out.choices(ctx._("How often would you like news of new items?"),
                                  choices)], next=ASK_FREQUENCY, data={})


def on_frequency(ctx: Context, inp: Input) -> Reply:
    if inp.value == "digest":
        choices = [Choice.answer(ASK_HOUR, f"{h}:00", str(h)) for h in DIGEST_HOURS]
        return Reply([ctx.out.choices(ctx._("At what time each day?"), choices)],
                     next=ASK_HOUR, data={})
    if inp.value in ("instant", "off"):
        set_pref(ctx.user, "frequency", inp.value)
        return overview(ctx, lead=ctx._("Saved."))
    return ask_frequency(ctx)


def on_hour(ctx: Context, inp: Input) -> Reply:
    if inp.value not in {str(h) for h in DIGEST_HOURS}:
        return on_frequency(ctx, Input("postback", action="ans", args={"v": "digest"}))
    set_pref(ctx.user, "frequency", "digest")
    set_pref(ctx.user, "digest_hour", int(inp.value))
    return overview(ctx, lead=ctx._("Saved."))


# -- on / off ------------------------------------------------------------------------------


def ask_off(ctx: Context, lead: str | None = None) -> Reply:
    off = prefs(ctx.user)["off"]
    choices = [Choice.answer(TOGGLE_OFF, f"{OFF if g in off else ON} {ctx._(label)}", g)
               for g, label in OPT_OUT_GROUPS.items()]
    if not ctx.out.simple:
        choices.append(Choice.answer(TOGGLE_OFF, ctx._("Done"), "__done"))
    question = ctx._("Tap a kind of notification to turn it on or off.")
    return Reply([ctx.out.choices(f"{lead}\n{question}" if lead else question, choices)],
                 next=TOGGLE_OFF, data={})


def on_toggle_off(ctx: Context, inp: Input) -> Reply:
    if inp.value == "__done":
        return overview(ctx, lead=ctx._("Saved."))
    if inp.value not in OPT_OUT_GROUPS:
        return ask_off(ctx)
    label = ctx._(OPT_OUT_GROUPS[inp.value])
    if toggle_off(ctx.user, inp.value):
        return ask_off(ctx, lead=ctx._("{name}: off.", name=label))
    return ask_off(ctx, lead=ctx._("{name}: on.", name=label))


dialog = Dialog(
    name="subscriptions",
    entries={"notifications": on_entry},
    steps={
        OVERVIEW: on_overview,
        PICK_CATEGORY: on_pick_category,
        PICK_AREA: on_pick_area,
        ASK_FREQUENCY: on_frequency,
        ASK_HOUR: on_hour,
        TOGGLE_OFF: on_toggle_off,
    },
    prompts={
        OVERVIEW: overview,
        PICK_CATEGORY: lambda ctx: pick(ctx, CATEGORY, int(ctx.state.data.get("page", 0))),
        PICK_AREA: lambda ctx: pick(ctx, AREA, int(ctx.state.data.get("page", 0))),
        ASK_FREQUENCY: ask_frequency,
        ASK_HOUR: ask_frequency,
        TOGGLE_OFF: ask_off,
    },
)
