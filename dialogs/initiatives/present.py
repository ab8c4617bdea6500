"""Presenting an initiative: as oneself or for one's organisation (members only), title,
summary, help wanted, category, area, photo, then publish (or, with INITIATIVE_MODERATION,
send it to staff for review)."""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply, answers_yes_no
from dialogs.common.answers import (
    areas,
    ask_text,
    category_label,
    is_photo,
    keep_one_photo,
    take_photo,
    take_text,
)
from dialogs.initiatives.kinds import ask_kinds, help_labels, take_kinds
from dialogs.menu import main_menu
from models import initiatives as ini
from models import organisations as orgs
from models import photos
from models.categories import CATEGORIES
from models.locales import area_label
from models.organisations import Organisation
from models.users import audit

ASK_AS = "initiative.ask_as"
ASK_TITLE = "initiative.ask_title"
ASK_SUMMARY = "initiative.ask_summary"
ASK_HELP = "initiative.ask_help"
ASK_CATEGORY = "initiative.ask_category"
ASK_AREA = "initiative.ask_area"
ASK_PHOTO = "initiative.ask_photo"
CONFIRM = "initiative.confirm"


def on_present(ctx: Context, inp: Input) -> Reply:
    if _organisations(ctx):
        return ask_as(ctx, {})
    return ask_title(ctx, {})


def _organisations(ctx: Context) -> list[Organisation]:
    """The organisations the person may present for: theirs, whose organiser right this turn
    may use (acting for someone lends none)."""
    if not ctx.has_role("organiser"):
        return []
    return [o for o in orgs.organisations_of(ctx.session, ctx.user)
            if ctx.has_role("organiser", str(o.id))]


def ask_as(ctx: Context, data: dict) -> Reply:
    # Translators: present the initiative in one's own name rather than an organisation's
    choices = [Choice.answer(ASK_AS, ctx._("Myself"), "me")]
    limit = 2 if ctx.out.simple else 11
    choices += [Choice.answer(ASK_AS, o.name, o.id) for o in _organisations(ctx)[:limit]]
    return Reply([ctx.out.choices(ctx._("Who presents it: you, or your organisation?"),
                                  choices)], next=ASK_AS, data=data)


def on_as(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "me":
        return ask_title(ctx, {k: v for k, v in data.items() if k != "org"})
    if inp.value and inp.value.isdigit() and ctx.has_role("organiser", inp.value):
        return ask_title(ctx, {**data, "org": int(inp.value)})
    return ask_as(ctx, data)


def _presenting(ctx: Context, data: dict) -> Organisation | None:
    """The organisation the draft is presented for, while the person may still do so."""
    ident = data.get("org")
    if not isinstance(ident, int) or not ctx.has_role("organiser", str(ident)):
        return None
    return ctx.session.get(Organisation, ident)


def ask_title(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_TITLE, ctx._(
        "What is the initiative called? Please type a short title (up to {limit} "
        "characters).", limit=ini.TITLE_MAX), data, lead)


def on_title(ctx: Context, inp: Input) -> Reply:
    return take_text(ctx, inp, "title", ini.TITLE_MAX, ask_title, ask_summary)


def ask_summary(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_SUMMARY, ctx._(
        "What is it about? What do you want to do, and with whom?"), data, lead)


def on_summary(ctx: Context, inp: Input) -> Reply:
    return take_text(ctx, inp, "summary", ini.SUMMARY_MAX, ask_summary,
                     lambda ctx, data: ask_help(ctx, {**data, "help": []}))


def ask_help(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_kinds(ctx, ASK_HELP, "help", ctx._(
        "What help do you want? Tap to add or remove, then Done."), data, lead)


def on_help(ctx: Context, inp: Input) -> Reply:
    return take_kinds(ctx, inp, "help", ask_help, ask_category)


def ask_category(ctx: Context, data: dict) -> Reply:
    choices = [Choice.answer(ASK_CATEGORY, ctx._(label), code)
               for code, label in CATEGORIES.items()]
    return Reply([ctx.out.choices(ctx._("Which category fits best?"), choices)],
                 next=ASK_CATEGORY, data=data)


def on_category(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value not in CATEGORIES:
        return ask_category(ctx, data)
    data["category"] = inp.value
    return ask_area(ctx, data)


def ask_area(ctx: Context, data: dict) -> Reply:
    choices = [Choice.answer(ASK_AREA, area_label(ctx._, area), area)
               for area in areas(ctx)[:11]]
    # Translators: the initiative is not tied to one area of the ward
    choices.append(Choice.answer(ASK_AREA, ctx._("Whole ward"), "__all"))
    return Reply([ctx.out.choices(ctx._("Which area?"), choices)], next=ASK_AREA, data=data)


def on_area(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "__all":
        data["area"] = ""
    elif inp.value in areas(ctx):
        data["area"] = inp.value
    else:
        return ask_area(ctx, data)
    return ask_photo(ctx, data)


def ask_photo(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    text = ctx._("If you have a photo, send it now. Otherwise tap Skip.")
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text,
                                  [Choice.answer(ASK_PHOTO, ctx._("Skip"), "skip")])],
                 next=ASK_PHOTO, data=data)


def on_photo(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if is_photo(inp):
        photo, problem = take_photo(ctx, inp)
        if photo is None:
            return ask_photo(ctx, data, problem)
        data = keep_one_photo(ctx, data, photo)
    elif inp.value != "skip":
        return ask_photo(ctx, data)
    return confirm(ctx, data)


def confirm(ctx: Context, data: dict) -> Reply:
    lines = [data["summary"], ctx._("Help wanted: {kinds}",
                                    kinds=help_labels(ctx.out, data.get("help", [])))]
    lines.append(ctx._("Area: {area}", area=data.get("area") or ctx._("Whole ward")))
    organisation = _presenting(ctx, data)
    if organisation is not None:
        lines.append(ctx._("Presented by {name}", name=organisation.name))
    if data.get("photo"):
        lines.append(ctx._("With a photo"))
    card = ctx.out.card(data["title"], lines,
                        badges=[category_label(ctx.out, data.get("category", ""))])
    yes = Choice.answer(CONFIRM, ctx._("Publish"), "yes")
    no = Choice.answer(CONFIRM, ctx._("Cancel"), "no")
    return Reply([card, ctx.out.confirm(ctx._("Publish this initiative?"), yes, no)],
                 next=CONFIRM, data=data)


@answers_yes_no
def on_confirm(ctx: Context, inp: Input) -> Reply:
    data = ctx.state.data
    if inp.value == "no":
        photos.discard(ctx.session, ctx.user.id, data.get("photo"))
        return main_menu(ctx, inp, lead=ctx._("Stopped. Nothing was sent."))
    if inp.value != "yes":
        return confirm(ctx, dict(data))
    moderated = bool(int(ctx.config.get("INITIATIVE_MODERATION") or 0))
    initiative = ini.present(ctx.session, ctx.user, title=data["title"],
                             summary=data["summary"], help_wanted=data.get("help", []),
                             area=data.get("area", ""), category=data.get("category", ""),
                             photo_message_id=data.get("photo"), moderated=moderated,
                             organisation_id=getattr(_presenting(ctx, data), "id", None))
    audit(ctx.session, "initiative.present", actor=ctx.user, initiative=initiative.id)
    if moderated:
        text = ctx._("Thank you. Ward staff will check it and publish it soon (No. {number}).",
                     number=initiative.id)
    else:
        text = ctx._("Your initiative is published (No. {number}). You will hear from us as "
                     "soon as someone is interested.", number=initiative.id)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Manage"), "ini_manage",
                                                i=initiative.id)])])
