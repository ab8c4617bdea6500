"""Find activities: by category, area, when, style, keyword or near a shared location.

Filters combine: each tap adds one to those already chosen and shows the results at once,
a carousel of at most PAGE cards with "More" to page on. When nothing matches, the
closest results with one filter dropped are shown instead of a dead end, and the answer
says which filter was dropped ("... Here is what is on in other areas."); the person's
filters are kept, so "More" pages on through those results and another tap narrows again.
Simple mode: when (today / this weekend) or a category, by taps only, at most four
choices a message.

```mermaid
stateDiagram-v2
    [*] --> ask: menu "Find activities"
    ask --> results: today / weekend / date / category / area / style / near me
    ask --> ask_keyword: Keyword
    ask_keyword --> results: typed word
    results --> results: another filter / More / typed word or wish / shared location
    results --> [*]: Sign up ("signup" dialog) / menu
```
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.kernel.composer import Choice, page_of
from bot.kernel.engine import Context, Dialog, Input, Reply
from bot.kernel.i18n import N_, format_short_day, shown_text
from dialogs.common.activity_search import Filters, Hit, alternatives, interpret_keyword, search
from dialogs.common.understand import understand
from dialogs.menu import on_invalid
from dialogs.signup import match_signup, on_signup_code
from models.activities import STYLES, Activity, Slot, is_shown
from models.categories import CATEGORIES
from models.locales import area_label
from models.recommend import Dismissal, VolunteerProfile

from .activity_cards import detail_lines, load_texts, slot_bubble

RESULTS = "find.results"
ASK_KEYWORD = "find.ask_keyword"

PAGE = 10
SIMPLE_PAGE = 1  # simple mode: one activity at a time, at most four choices in all
SIMPLE_CHOICES = 3  # plus "back to menu"

WHEN_LABELS = {
    "today": "Today",
    "weekend": "This weekend",
}

# Nothing matched every filter: which one was dropped to find the closest results (the
# name models.activity_search.alternatives returns), said in the reader's language.
RELAXED = {
    "when": N_("Nothing found for {filters}. Here is what is on at other times."),
    "style": N_("Nothing found for {filters}. Here is what is on in other styles."),
    "area": N_("Nothing found for {filters}. Here is what is on in other areas."),
    "keyword": N_("Nothing found for {filters}. Here is what is on without the word "
                  "“{keyword}”."),
    "category": N_("Nothing found for {filters}. Here is what is on in other kinds of "
                   "activity."),
    "all": N_("Nothing found for {filters}. Here are the next activities of any kind."),
}


def _areas(ctx: Context) -> list[str]:
    return [a.strip() for a in str(ctx.config.get("AREAS", "")).split(",") if a.strip()]


def _tz(ctx: Context) -> str:
    return ctx.config["BOT_TIMEZONE"]


def current_filters(ctx: Context) -> Filters:
    if ctx.state.step in (RESULTS, ASK_KEYWORD):
        return Filters.from_dict(ctx.state.data.get("filters"))
    return Filters()


# -- the first question -------------------------------------------------------------------------


def ask(ctx: Context, inp: Input | None = None) -> Reply:
    _ = ctx._
    if ctx.out.simple:
        choices = [Choice.go(_("Today"), "find", f="when", v="today"),
                   Choice.go(_("This weekend"), "find", f="when", v="weekend"),
                   Choice.go(_("By category"), "find", f="category")]
        return Reply([ctx.out.choices(_("What are you looking for?"), choices)])
    return Reply([ctx.out.choices(_("How would you like to look for activities?"),
                                  filter_choices(ctx, Filters()))])


def filter_choices(ctx: Context, filters: Filters) -> list[Choice]:
    _ = ctx._
    choices = [
        Choice.go(_("Today"), "find", f="when", v="today"),
        Choice.go(_("This weekend"), "find", f="when", v="weekend"),
        # Translators: opens a date picker
        Choice(_("Pick a date"), "find", {"f": "day"}, kind="date"),
        Choice.go(_("By category"), "find", f="category"),
        Choice.go(_("By area"), "find", f="area"),
        # Translators: one-off, online, skills-based or regular volunteering
        Choice.go(_("By style"), "find", f="style"),
        Choice(_("Near me"), kind="location"),
        Choice.go(_("Keyword"), "find", f="keyword"),
    ]
    if not filters.is_empty():
        choices.append(Choice.go(_("Clear filters"), "find", f="clear"))
    return choices


def _value_choices(ctx: Context, name: str, page: int) -> Reply:
    _ = ctx._
    if name == "category":
        values = [(code, _(msgid)) for code, msgid in CATEGORIES.items()]
        prompt = _("Which kind of activity?")
    elif name == "style":
        values = [(code, _(msgid)) for code, msgid in STYLES.items()]
        prompt = _("Which style of volunteering?")
    else:
        values = [(area, area_label(_, area)) for area in _areas(ctx)]
        prompt = _("Which area?")
    if not ctx.out.simple:
        choices = [Choice.go(label, "find", f=name, v=code) for code, label in values]
        return Reply([ctx.out.choices(prompt, choices)], next=RESULTS,
                     data={"filters": current_filters(ctx).to_dict()})
    # simple mode: three values, or two and "More" when there are more (plus "back to menu")
    per_page = SIMPLE_CHOICES if len(values) <= SIMPLE_CHOICES else SIMPLE_CHOICES - 1
    shown, page, pages = page_of(values, page, per_page)
    choices = [Choice.go(label, "find", f=name, v=code) for code, label in shown]
    if pages > 1:
        choices.append(Choice.go(_("More"), "find", f=name, p=(page + 1) % pages))
    return Reply([ctx.out.choices(prompt, choices)], next=RESULTS,
                 data={"filters": current_filters(ctx).to_dict()})


# -- taps -------------------------------------------------------------------------------------


def on_find(ctx: Context, inp: Input) -> Reply:
    """Every "find" button: ask, choose a filter value, add it, page on, clear."""
    name, value = inp.args.get("f"), inp.args.get("v")
    filters = current_filters(ctx)
    if name is None and "page" not in inp.args:
        return ask(ctx, inp)
    if name in ("category", "area", "style") and value is None:
        return _value_choices(ctx, name, _int(inp.args.get("p")))
    if name == "keyword":
        return ask_keyword(ctx)
    if name == "clear":
        return ask(ctx, inp)
    if name == "when" and value in WHEN_LABELS:
        filters = replace(filters, when=value, day=None)
    elif name == "day":
        day = inp.params.get("date")
        if not day:
            return ask(ctx, inp)
        filters = replace(filters, when="date", day=day)
    elif name == "category" and value in CATEGORIES:
        filters = replace(filters, category=value)
    elif name == "style" and value in STYLES:
        filters = replace(filters, style=value)
    elif name == "area" and value in _areas(ctx):
        filters = replace(filters, area=value)
    elif name is not None:
        return ask(ctx, inp)  # a value we never offered: postback data is user input
    return show_results(ctx, filters, page=_int(inp.args.get("page")))


def ask_keyword(ctx: Context) -> Reply:
    text = ctx._("Type a word to look for (in any language), for example: park, 子ども, "
                 "English.")
    return Reply([ctx.out.text(text)], next=ASK_KEYWORD,
                 data={"filters": current_filters(ctx).to_dict()})


def on_keyword(ctx: Context, inp: Input) -> Reply:
    if inp.kind == "location":
        return on_location(ctx, inp)
    if inp.kind != "text" or not inp.text.strip():
        return ask_keyword(ctx)

    code = match_signup(inp.text)
    if code is not None:
        return on_signup_code(ctx, inp, code)
    meaning = understand(inp.text, tuple(_areas(ctx)))
    if meaning.kind == "search" and "keyword" not in meaning.filters and meaning.filters:
        # a wish with its filters ("明日 高円寺で"), added to those chosen
        found = typed_filters(ctx, meaning.filters)
    else:
        found = interpret_keyword(inp.text)
    filters = current_filters(ctx)
    filters = replace(filters, **{k: v for k, v in found.to_dict().items()})
    return show_results(ctx, filters)


def typed_filters(ctx: Context, found: dict[str, str]) -> Filters:
    """The filters a typed message names as the search's: "tomorrow" is tomorrow's date."""
    values = dict(found)
    if values.get("when") == "tomorrow":
        today = ctx.now.astimezone(ZoneInfo(_tz(ctx))).date()
        values.update(when="date", day=(today + timedelta(days=1)).isoformat())
    return Filters.from_dict(values)


def on_location(ctx: Context, inp: Input) -> Reply:
    """A shared location, inside the dialog or anywhere: the nearest activities first."""
    if inp.latitude is None or inp.longitude is None:
        return ask(ctx, inp)
    if ctx.user.consented_at is not None:  # before agreeing, a search only (onboarding)
        profile = ctx.session.get(VolunteerProfile, ctx.user.id)
        if profile is None:
            profile = VolunteerProfile(user_id=ctx.user.id, categories=[], skills=[],
                                       free_times=[], styles=[])
            ctx.session.add(profile)
        profile.lat, profile.lon = round(inp.latitude, 4), round(inp.longitude, 4)
        profile.location_at = ctx.now
    filters = replace(current_filters(ctx), lat=round(inp.latitude, 5),
                      lon=round(inp.longitude, 5))
    return show_results(ctx, filters)


def _int(raw: str | None) -> int:
    try:
        return max(0, int(raw or 0))
    except ValueError:
        return 0


# -- results ----------------------------------------------------------------------------------


def describe(ctx: Context, filters: Filters) -> str:
    _ = ctx._
    parts = []
    if filters.category:
        parts.append(_(CATEGORIES[filters.category]))
    if filters.area:
        parts.append(area_label(_, filters.area))
    if filters.when in WHEN_LABELS:
        parts.append(_(WHEN_LABELS[filters.when]))
    elif filters.when == "date" and filters.day:
        with suppress(ValueError):  # not a day: nothing to show
            parts.append(format_short_day(date.fromisoformat(filters.day), ctx.locale))
    if filters.style:
        parts.append(_(STYLES[filters.style]))
    if filters.keyword:
        parts.append(f"“{filters.keyword}”")
    if filters.near:
        parts.append(_("Near you"))
    return " · ".join(parts)


def show_results(ctx: Context, filters: Filters, *, page: int = 0) -> Reply:
    _ = ctx._
    now, tz = ctx.now, _tz(ctx)
    hits = search(ctx.session, filters, now=now, tz=tz)
    dismissed = _dismissed(ctx)
    if dismissed:
        hits = [h for h in hits if h.slot.activity_id not in dismissed] or hits
    size = SIMPLE_PAGE if ctx.out.simple else PAGE
    data: dict[str, Any] = {"filters": filters.to_dict()}
    label = describe(ctx, filters)
    if not hits:
        dropped, hits = alternatives(ctx.session, filters, now=now, tz=tz)
        if not hits:
            text = _("No activities are planned at the moment. Please look again soon.")
            return Reply([ctx.out.text(text, _refine(ctx, filters, more=None))],
                         next=RESULTS, data=data)
        relaxed = RELAXED[dropped or "all"]
        lead = _(relaxed, filters=label, keyword=filters.keyword or "")
    else:
        lead = _("Activities found: {count}", count=len(hits))
        if label:
            lead += f"\n{label}"
    pages = max(1, -(-len(hits) // size))
    page = min(page, pages - 1)
    shown = hits[page * size:(page + 1) * size]
    more = page + 1 if page + 1 < pages else None
    load_texts(ctx.session, (h.slot for h in shown))
    bubbles = [slot_bubble(h.slot, ctx.out, tz, distance=h.distance) for h in shown]
    carousel = ctx.out.carousel(bubbles, lead, _refine(ctx, filters, more=more))
    return Reply([ctx.out.text(lead, back=False), carousel], next=RESULTS, data=data)


def _refine(ctx: Context, filters: Filters, *, more: int | None) -> list[Choice]:
    _ = ctx._
    choices: list[Choice] = []
    if more is not None:
        # Translators: shows the next cards of a list
        choices.append(Choice.go(_("More"), "find", page=more))
    if ctx.out.simple:
        choices.append(Choice.go(_("Search again"), "find"))
        return choices
    return choices + filter_choices(ctx, filters)[:13 - len(choices)]


def _dismissed(ctx: Context) -> set[int]:
    return set(ctx.session.scalars(select(Dismissal.activity_id)
                                   .where(Dismissal.user_id == ctx.user.id)))


def on_results_input(ctx: Context, inp: Input) -> Reply:
    """Typed at the results: a sign-up ("参加 123"), or a new keyword; a location: near me."""
    return on_keyword(ctx, inp)


# -- details and "not interested" -------------------------------------------------------------


def on_details(ctx: Context, inp: Input) -> Reply:
    slot = ctx.session.get(Slot, _int(inp.args.get("s")))
    if slot is None or not is_shown(ctx.rights, slot.activity):
        return on_invalid(ctx, inp)
    _ = ctx._
    buttons = [Choice(_("Sign up"), "signup", {"c": slot.code}, style="primary")]
    if not ctx.out.simple:
        buttons.append(Choice.go(_("Not interested"), "not_interested", a=slot.activity_id))
    card = ctx.out.card(shown_text(slot.activity, "title", ctx.locale),
                        detail_lines(slot, ctx.out, _tz(ctx)), buttons, badges=[])
    keep = ctx.state.step == RESULTS
    return Reply([card], keep=keep)


def on_not_interested(ctx: Context, inp: Input) -> Reply:
    activity = ctx.session.get(Activity, _int(inp.args.get("a")))
    if activity is None:
        return on_invalid(ctx, inp)
    if ctx.session.scalar(select(Dismissal.id).where(
            Dismissal.user_id == ctx.user.id, Dismissal.activity_id == activity.id)) is None:
        ctx.session.add(Dismissal(user_id=ctx.user.id, activity_id=activity.id))
    text = ctx._("Noted: we will suggest fewer activities like this one.")
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Recommended"), "recommend")])],
                 keep=True)


dialog = Dialog(
    name="find",
    entries={"find": on_find, "slot": on_details, "not_interested": on_not_interested},
    steps={RESULTS: on_results_input, ASK_KEYWORD: on_keyword},
    prompts={ASK_KEYWORD: ask_keyword, RESULTS: lambda ctx: ask(ctx)},
)

__all__ = ["Hit", "dialog", "on_location", "show_results"]
