"""Finding organisations: the top ("Organisations"), by field and area, a carousel of
verified ones, a profile card with its next activities and open initiatives; following.

A pending organisation is shown to its members only: residents never see it."""

from __future__ import annotations

from bot.kernel.composer import Choice, clip
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import shown_text
from dialogs.activity_cards import load_texts, when_text
from dialogs.common.answers import areas, category_label, int_arg
from dialogs.menu import main_menu
from dialogs.organisations.cards import (
    badges,
    lines_of,
    logo_url,
    named_organisation,
    organisation_bubble,
)
from dialogs.organisations.pick import page_arg, paged
from models import initiatives as ini
from models import organisations as orgs
from models.activities import upcoming_of_organisation
from models.categories import CATEGORIES
from models.locales import area_label
from models.organisations import Organisation
from models.texts import preload

PAGE, SIMPLE_PAGE = 10, 3
ANY = "*"


def on_top(ctx: Context, inp: Input) -> Reply:
    _ = ctx._
    choices = [Choice.go(_("Find organisations"), "org_find"),
               # Translators: register one's own group as an organisation (団体として登録)
               Choice.go(_("Register as a group"), "org_register"),
               Choice.go(_("Join with a code"), "org_join")]
    if ctx.has_role("organiser"):
        choices.insert(0, Choice.go(_("My organisation"), "org_mine"))
    text = _("Organisations: NPOs, neighbourhood groups, companies, schools and ward "
             "departments that run activities and present initiatives.")
    return Reply([ctx.out.choices(text, choices[:3] if ctx.out.simple else choices)])


def on_find(ctx: Context, inp: Input) -> Reply:
    choices = [Choice.go(ctx._("Any field"), "org_find_area", c=ANY)]
    choices += [Choice.go(ctx._(label), "org_find_area", c=code)
                for code, label in CATEGORIES.items()]
    return Reply([ctx.out.choices(ctx._("Which field?"),
                                  paged(ctx, choices, page_arg(inp), "org_find"))])


def on_find_area(ctx: Context, inp: Input) -> Reply:
    category = inp.args.get("c", ANY)
    if category != ANY and category not in CATEGORIES:
        return on_find(ctx, inp)
    choices = [Choice.go(ctx._("Any area"), "org_list", c=category, a=ANY)]
    choices += [Choice.go(area_label(ctx._, area), "org_list", c=category, a=area)
                for area in areas(ctx)[:11]]
    return Reply([ctx.out.choices(ctx._("Which area?"), paged(
        ctx, choices, page_arg(inp), "org_find_area", c=category))])


def on_list(ctx: Context, inp: Input) -> Reply:
    category, area = inp.args.get("c", ANY), inp.args.get("a", ANY)
    offset = max(0, int_arg(inp, "o") or 0)
    size = SIMPLE_PAGE if ctx.out.simple else PAGE
    found, more = orgs.search(
        ctx.session, category=None if category == ANY else category,
        area=None if area == ANY else area, offset=offset, limit=size)
    if not found:
        return Reply([ctx.out.choices(ctx._("No organisations here yet."), [
            Choice.go(ctx._("Find organisations"), "org_find")])])
    preload(ctx.session, found)  # the names' and descriptions' versions, one statement
    choices = []
    if more:
        choices.append(Choice.go(ctx._("More"), "org_list", c=category, a=area,
                                 o=offset + size))
    alt = ctx._("Organisations ({start}–{end})", start=offset + 1, end=offset + len(found))
    return Reply([ctx.out.carousel([organisation_bubble(ctx.out, o) for o in found], alt,
                                   choices)])


def _may_see(ctx: Context, organisation: Organisation | None) -> bool:
    return organisation is not None and (
        orgs.is_public(organisation) or ctx.has_role("organiser", str(organisation.id))
        or ctx.has_role("staff"))


def on_profile(ctx: Context, inp: Input) -> Reply:
    organisation = named_organisation(ctx, inp)
    if organisation is None or not _may_see(ctx, organisation):
        return main_menu(ctx, inp, lead=ctx._("Sorry, this organisation is not available."))
    _ = ctx._
    lines = lines_of(ctx.out, organisation)
    tz = ctx.config["BOT_TIMEZONE"]
    slots = upcoming_of_organisation(ctx.session, organisation.id, now=ctx.now)
    initiatives = ini.of_organisation(ctx.session, organisation.id)
    load_texts(ctx.session, slots)
    preload(ctx.session, [organisation, *initiatives])
    if slots:
        lines.append(_("Coming up:"))
        lines += [f"・{when_text(s, ctx.locale, tz)} {shown_text(s.activity, 'title', ctx.locale)}"
                  for s in slots]
    if initiatives:
        lines.append(_("Initiatives:"))
        lines += [f"・{shown_text(i, 'title', ctx.locale)}" for i in initiatives]
    buttons = []
    if orgs.is_public(organisation):
        if orgs.is_following(ctx.session, ctx.user, organisation.id):
            buttons.append(Choice.go(_("Unfollow"), "org_unfollow", i=organisation.id))
        else:
            buttons.append(Choice(_("Follow"), "org_follow", {"i": organisation.id},
                                  style="primary"))
    card = ctx.out.card(shown_text(organisation, "name", ctx.locale), lines, buttons, badges=[
        *badges(ctx.out, organisation),
        *(category_label(ctx.out, c) for c in (organisation.categories or [])[:2])],
        image_url=logo_url(ctx, organisation), image_fit=True)
    # a label has no room for the language's name: the card above says it
    items = [Choice.go(clip("📅 " + s.activity.shown("title", ctx.locale).text, 20), "slot",
                       s=s.id) for s in slots]
    items += [Choice.go(clip("💡 " + i.shown("title", ctx.locale).text, 20), "ini", i=i.id)
              for i in initiatives]
    question = _("Tap one to see it.") if items else _("Anything else?")
    items = [*items[:2 if ctx.out.simple else 6], Choice.go(_("Find organisations"), "org_find")]
    return Reply([card, ctx.out.choices(question, items)])


def on_follow(ctx: Context, inp: Input) -> Reply:
    organisation = named_organisation(ctx, inp)
    if organisation is None or not orgs.is_public(organisation):
        return main_menu(ctx, inp, lead=ctx._("Sorry, this organisation is not available."))
    orgs.follow(ctx.session, ctx.user, organisation)
    text = ctx._("You follow “{name}”. Its new activities and initiatives will reach you as "
                 "your notification settings say.",
                 name=shown_text(organisation, "name", ctx.locale))
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Notifications"), "notifications")])])


def on_unfollow(ctx: Context, inp: Input) -> Reply:
    organisation = named_organisation(ctx, inp)
    if organisation is None:
        return main_menu(ctx, inp, lead=ctx._("Sorry, this organisation is not available."))
    orgs.unfollow(ctx.session, ctx.user, organisation)
    text = ctx._("You no longer follow “{name}”.",
                 name=shown_text(organisation, "name", ctx.locale))
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Organisations"), "orgs")])])
