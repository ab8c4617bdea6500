"""How an initiative reads (its lines, its card, its photo), and how a step finds the
initiative that a button or the dialog data names."""

from __future__ import annotations

from bot.kernel.composer import Choice, Composer, clip
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import shown_text
from bot.kernel.links import public_photo_url
from dialogs.common.answers import category_label, int_arg
from dialogs.initiatives.kinds import help_labels
from dialogs.menu import main_menu
from models import initiatives as ini
from models.categories import CATEGORIES
from models.initiatives import STATUSES, Initiative
from models.locales import area_label


def named_initiative(ctx: Context, inp: Input, name: str = "i") -> Initiative | None:
    """The initiative named by the postback's argument, else by the dialog data."""
    ident = int_arg(inp, name) if name in inp.args else ctx.state.data.get(name)
    return ctx.session.get(Initiative, ident) if isinstance(ident, int) else None


def gone(ctx: Context, inp: Input) -> Reply:
    """The answer when the initiative is deleted, hidden or no longer takes this action."""
    return main_menu(ctx, inp, lead=ctx._("Sorry, this initiative is no longer available."))


def initiative_lines(out: Composer, initiative: Initiative, *, full: bool = False) -> list[str]:
    summary = shown_text(initiative, "summary", out.locale)
    lines = [summary if full else clip(summary, 120)]
    if initiative.organisation is not None:
        lines.append(out._("Presented by {name}", name=shown_text(initiative.organisation, "name",
                                                        out.locale)))
    if initiative.helps:
        lines.append(out._("Help wanted: {kinds}", kinds=help_labels(out, initiative.helps)))
    if initiative.area:
        lines.append(out._("Area: {area}", area=area_label(out._, initiative.area)))
    return lines


def photo_url(ctx: Context, initiative: Initiative) -> str | None:
    """The initiative's photo for a card's hero image: only with an https PUBLIC_BASE_URL."""
    if not initiative.photo_message_id:
        return None
    return public_photo_url(ctx.config, ctx.session, initiative.presenter_id,
                            initiative.photo_message_id)


def initiative_bubble(out: Composer, initiative: Initiative, *, viewer_id: int,
                      image_url: str | None = None) -> dict:
    badges = [out._(STATUSES[initiative.status])]
    if initiative.category in CATEGORIES:
        badges.append(category_label(out, initiative.category))
    buttons = [Choice.go(out._("Details"), "ini", i=initiative.id)]
    if initiative.presenter_id == viewer_id:
        buttons.append(Choice.go(out._("Manage"), "ini_manage", i=initiative.id))
    elif initiative.status in ini.ACTIVE:
        buttons.append(Choice(out._("I'm interested"), "ini_interest", {"i": initiative.id},
                              style="primary"))
    return out.bubble(shown_text(initiative, "title", out.locale),
                      initiative_lines(out, initiative), buttons, badges=badges,
                      image_url=image_url)
