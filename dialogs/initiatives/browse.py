"""Browsing initiatives: the top of the dialog, the filters, a page of cards, one
initiative in full."""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import shown_text
from dialogs.common.answers import areas, category_label, int_arg
from dialogs.common.gathering_text import gathering_lines, rsvp_choices
from dialogs.initiatives.cards import (
    gone,
    initiative_bubble,
    initiative_lines,
    named_initiative,
    photo_url,
)
from models import initiatives as ini
from models.categories import CATEGORIES
from models.gatherings import upcoming
from models.initiatives import HELP_KINDS, STATUSES, Initiative
from models.locales import area_label
from models.organisations import is_public
from models.texts import preload

PAGE = 10


def on_top(ctx: Context, inp: Input) -> Reply:
    _ = ctx._
    choices = [
        Choice.go(_("Newest"), "ini_list", f="new"),
        Choice.go(_("By category"), "ini_filter", f="cat"),
        Choice.go(_("By area"), "ini_filter", f="area"),
        # Translators: initiatives that want the kind of help the reader can give
        Choice.go(_("Help I can give"), "ini_filter", f="help"),
        # Translators: start presenting a new initiative
        Choice.go(_("Present one"), "ini_present"),
        Choice.go(_("My initiatives"), "ini_list", f="mine"),
    ]
    if ctx.has_role("staff") and ini.awaiting_review(ctx.session, 1):
        choices.append(Choice.go(_("To review"), "ini_review"))
    if ctx.out.simple:
        choices = [choices[0], choices[4]]
    text = _("Initiatives: residents and groups present what they want to do together, and "
             "others join in. What would you like to do?")
    return Reply([ctx.out.choices(text, choices)])


def on_filter(ctx: Context, inp: Input) -> Reply:
    kind = inp.args.get("f")
    if kind == "cat":
        choices = [Choice.go(ctx._(label), "ini_list", f="cat", v=code)
                   for code, label in CATEGORIES.items()]
        question = ctx._("Which category?")
    elif kind == "area":
        choices = [Choice.go(area_label(ctx._, area), "ini_list", f="area", v=area)
                   for area in areas(ctx)[:12]]
        question = ctx._("Which area?")
    elif kind == "help":
        choices = [Choice.go(ctx._(label), "ini_list", f="help", v=code)
                   for code, label in HELP_KINDS.items()]
        question = ctx._("What can you give?")
    else:
        return on_top(ctx, inp)
    if ctx.out.simple:
        choices = choices[:3]
    return Reply([ctx.out.choices(question, choices)])


def on_list(ctx: Context, inp: Input) -> Reply:
    kind, value = inp.args.get("f", "new"), inp.args.get("v") or None
    offset = max(0, int_arg(inp, "o") or 0)
    page = 5 if ctx.out.simple else PAGE
    found, more = ini.browse(
        ctx.session, category=value if kind == "cat" else None,
        area=value if kind == "area" else None, help_kind=value if kind == "help" else None,
        mine_for=ctx.user.id if kind == "mine" else None, offset=offset, limit=page)
    if not found:
        text = (ctx._("You have not presented an initiative yet.") if kind == "mine"
                else ctx._("No initiatives here yet."))
        return Reply([ctx.out.choices(text, [Choice.go(ctx._("Present one"), "ini_present")])])
    # the versions of the titles, summaries and organisations' names, in one statement
    preload(ctx.session, [*found, *{i.organisation for i in found if i.organisation}])
    bubbles = [initiative_bubble(ctx.out, i, viewer_id=ctx.user.id, image_url=photo_url(ctx, i))
               for i in found]
    choices = []
    if more:
        choices.append(Choice.go(ctx._("More"), "ini_list", f=kind, v=value, o=offset + page))
    alt = ctx._("Initiatives ({start}–{end})", start=offset + 1, end=offset + len(found))
    return Reply([ctx.out.carousel(bubbles, alt, choices)])


def on_detail(ctx: Context, inp: Input) -> Reply:
    initiative = named_initiative(ctx, inp)
    if initiative is None or not _visible(ctx, initiative):
        return gone(ctx, inp)
    lines = initiative_lines(ctx.out, initiative, full=True)
    count = ini.count_interest(ctx.session, initiative)
    lines.append(ctx._("Interested so far: {count}", count=count))
    if initiative.opinion_question:
        lines.append(ctx._("The presenter asks for opinions: {question}",
                           question=initiative.opinion_question))

    buttons = []
    for gathering in upcoming(ctx.session, initiative_id=initiative.id, now=ctx.now)[:1]:
        lines += gathering_lines(ctx, gathering)
        if ini.can_manage(ctx.rights, initiative) \
                or ini.interest_of(ctx.session, initiative, ctx.user) is not None:
            buttons += rsvp_choices(ctx.out, gathering)  # as the invitation offers them
    if ini.can_manage(ctx.rights, initiative):
        buttons.append(Choice.go(ctx._("Manage"), "ini_manage", i=initiative.id))
    if initiative.presenter_id != ctx.user.id and initiative.status in ini.ACTIVE:
        buttons.append(Choice(ctx._("I'm interested"), "ini_interest", {"i": initiative.id},
                              style="primary"))
    if initiative.opinion_question and initiative.presenter_id != ctx.user.id:
        buttons.append(Choice.go(ctx._("Give an opinion"), "ini_opinion", i=initiative.id))
    badges = [ctx._(STATUSES[initiative.status])]
    if initiative.category in CATEGORIES:
        badges.append(category_label(ctx.out, initiative.category))
    card = ctx.out.card(shown_text(initiative, "title", ctx.locale), lines, buttons, badges=badges,
                        image_url=photo_url(ctx, initiative))
    return Reply([card, ctx.out.choices(ctx._("Anything else?"), [
        Choice.go(ctx._("Initiatives"), "initiatives")])])


def _visible(ctx: Context, initiative: Initiative) -> bool:
    """Published (by a verified organisation, when one presents it), or the presenter's own
    or staff's; a pending organisation's members see its initiatives too."""
    if ini.can_manage(ctx.rights, initiative):
        return True
    return initiative.status in ini.PUBLIC and (
        is_public(initiative.organisation)
        or ctx.has_role("organiser", str(initiative.organisation_id)))
