"""Registering an organisation: name, kind, description, areas, categories, public contact,
website, then confirm. The person becomes its owner; it is pending until ward staff verify
it, unless ORGANISATION_VERIFICATION is "waived". Needs no role: any resident may register,
and a digital supporter may register for the person they help."""

from __future__ import annotations

from collections.abc import Callable

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply, answers_yes_no
from dialogs.common.answers import areas, ask_text, too_long
from dialogs.menu import main_menu
from dialogs.organisations.cards import kind_label, organisation_lines
from dialogs.organisations.pick import choose, page_arg, toggle
from models import organisations as orgs
from models.base import TooLong, bounded
from models.categories import CATEGORIES
from models.locales import area_label
from models.texts import original_language

ASK_NAME = "org.ask_name"
ASK_KIND = "org.ask_kind"
ASK_DESCRIPTION = "org.ask_description"
ASK_AREAS = "org.ask_areas"
ASK_CATEGORIES = "org.ask_categories"
ASK_CONTACT = "org.ask_contact"
ASK_WEBSITE = "org.ask_website"
CONFIRM = "org.confirm"
SKIP = "__skip"


def on_register(ctx: Context, inp: Input) -> Reply:
    return ask_name(ctx, {})


def ask_name(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_NAME, ctx._(
        "Registering an organisation. What is its name? Please type it (up to {limit} "
        "characters).", limit=orgs.NAME_MAX), data, lead)


def on_name(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    try:
        name = bounded("name", inp.text if inp.kind == "text" else "", orgs.NAME_MAX)
    except TooLong as exc:
        return ask_name(ctx, data, too_long(ctx, exc))
    except ValueError:
        return ask_name(ctx, data)
    if orgs.find_by_name(ctx.session, name) is not None:
        return ask_name(ctx, data, taken(ctx, name))
    return ask_kind(ctx, {**data, "name": name})


def taken(ctx: Context, name: str) -> str:
    return ctx._("An organisation called “{name}” is already registered. If it is yours, "
                 "ask its owner for an invitation code; otherwise please use another name.",
                 name=name)


def ask_kind(ctx: Context, data: dict, lead: str | None = None, page: int = 0) -> Reply:
    options = [(code, ctx._(label)) for code, label in orgs.KINDS.items()]
    return choose(ctx, ASK_KIND, ctx._("What kind of organisation is it?"), options, data,
                  page=page, lead=lead)


def on_kind(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value not in orgs.KINDS:
        return ask_kind(ctx, data, page=page_arg(inp))
    return ask_description(ctx, {**data, "kind": inp.value})


def _optional(ctx: Context, step: str, question: str, data: dict,
              lead: str | None) -> Reply:
    text = f"{lead}\n{question}" if lead else question
    return Reply([ctx.out.choices(text, [Choice.answer(step, ctx._("Skip"), SKIP)])],
                 next=step, data=data)


def _take_optional(ctx: Context, inp: Input, key: str, limit: int, ask: Callable[..., Reply],
                   then: Callable[[Context, dict], Reply],
                   check: Callable[[str], str | None] | None = None) -> Reply:
    """A typed answer kept under `key`, or Skip (left empty); over-long or failing `check`,
    the same question again with the reason, the answers so far kept."""
    data = dict(ctx.state.data)
    if inp.value == SKIP:
        return then(ctx, {**data, key: ""})
    try:
        value = bounded(key, inp.text if inp.kind == "text" else "", limit)
    except TooLong as exc:
        return ask(ctx, data, too_long(ctx, exc))
    except ValueError:
        return ask(ctx, data)
    problem = check(value) if check else None
    if problem:
        return ask(ctx, data, problem)
    return then(ctx, {**data, key: value})


def ask_description(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return _optional(ctx, ASK_DESCRIPTION, ctx._(
        "In a few sentences, what does it do? (Or tap Skip.)"), data, lead)


def on_description(ctx: Context, inp: Input) -> Reply:
    return _take_optional(ctx, inp, "description", orgs.DESCRIPTION_MAX, ask_description,
                          lambda ctx, data: ask_areas(ctx, {**data, "areas": []}))


def ask_areas(ctx: Context, data: dict, lead: str | None = None, page: int = 0) -> Reply:
    question = ctx._("Where is it active? Tap the areas, then Done (none: the whole ward).")
    options = [(area, area_label(ctx._, area)) for area in areas(ctx)[:11]]
    return choose(ctx, ASK_AREAS, question, options, data, chosen=data.get("areas", []),
                  page=page, lead=lead)


def on_areas(ctx: Context, inp: Input) -> Reply:
    return toggle(ctx, inp, "areas", areas(ctx), ask_areas,
                  lambda ctx, data: ask_categories(ctx, {**data, "categories": []}))


def ask_categories(ctx: Context, data: dict, lead: str | None = None, page: int = 0) -> Reply:
    question = ctx._("Which fields does it work in? Tap them, then Done.")
    options = [(code, ctx._(label)) for code, label in CATEGORIES.items()]
    return choose(ctx, ASK_CATEGORIES, question, options, data,
                  chosen=data.get("categories", []), page=page, lead=lead)


def on_categories(ctx: Context, inp: Input) -> Reply:
    return toggle(ctx, inp, "categories", list(CATEGORIES), ask_categories, ask_contact)


def ask_contact(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return _optional(ctx, ASK_CONTACT, ctx._(
        "How can residents contact it? A phone number, e-mail or address, shown on its "
        "profile. (Or tap Skip.)"), data, lead)


def on_contact(ctx: Context, inp: Input) -> Reply:
    return _take_optional(ctx, inp, "contact", orgs.CONTACT_MAX, ask_contact, ask_website)


def ask_website(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return _optional(ctx, ASK_WEBSITE, ctx._(
        "Its website, starting with https:// (or tap Skip)."), data, lead)


def on_website(ctx: Context, inp: Input) -> Reply:
    def check(value: str) -> str | None:
        if value.lower().startswith(("https://", "http://")) and " " not in value:
            return None
        return ctx._("Please write the address starting with https://")

    return _take_optional(ctx, inp, "website", orgs.WEBSITE_MAX, ask_website, confirm, check)


def confirm(ctx: Context, data: dict) -> Reply:
    card = ctx.out.card(data["name"], organisation_lines(
        ctx.out, description=data.get("description", ""), areas=data.get("areas", []),
        categories=data.get("categories", []), contact=data.get("contact", ""),
        website=data.get("website", "")), badges=[kind_label(ctx.out, data.get("kind", ""))])
    yes = Choice.answer(CONFIRM, ctx._("Register"), "yes")
    no = Choice.answer(CONFIRM, ctx._("Cancel"), "no")
    return Reply([card, ctx.out.confirm(ctx._("Register this organisation?"), yes, no)],
                 next=CONFIRM, data=data)


@answers_yes_no
def on_confirm(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "no":
        return main_menu(ctx, inp, lead=ctx._("Stopped. Nothing was sent."))
    if inp.value != "yes" or "name" not in data:
        return confirm(ctx, data)
    waived = ctx.config.get("ORGANISATION_VERIFICATION") == "waived"
    try:
        organisation = orgs.register(
            ctx.session, ctx.user, name=data["name"], kind=data.get("kind", "other"),
            description=data.get("description", ""), areas=data.get("areas", []),
            categories=data.get("categories", []), public_contact=data.get("contact", ""),
            website=data.get("website", ""), verification_waived=waived,
            original_locale=original_language(ctx.user.locale))  # as they wrote it
    except ValueError:  # registered by someone else in the meantime
        return ask_name(ctx, data, taken(ctx, data["name"]))
    if organisation.status == orgs.VERIFIED:
        text = ctx._("“{name}” is registered, and you are its owner. What it posts is shown "
                     "to residents.", name=organisation.name)
    else:
        text = ctx._("“{name}” is registered, and you are its owner. Ward staff check new "
                     "organisations first: until they have, what it posts is not shown to "
                     "residents.", name=organisation.name)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("My organisation"), "org_mine",
                                                i=organisation.id)])])

