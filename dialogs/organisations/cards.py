"""How an organisation reads: its lines, its card in a carousel, its kind and status; and how
a step finds the organisation a button names."""

from __future__ import annotations

from collections.abc import Sequence

from bot.kernel.composer import Choice, Composer, clip
from bot.kernel.engine import Context, Input
from bot.kernel.i18n import format_names, shown_text
from bot.kernel.links import photo_address
from dialogs.common.answers import category_label, int_arg
from models import organisations as orgs
from models.locales import area_label
from models.organisations import Organisation


def named_organisation(ctx: Context, inp: Input, name: str = "i") -> Organisation | None:
    ident = int_arg(inp, name) if name in inp.args else ctx.state.data.get(name)
    return ctx.session.get(Organisation, ident) if isinstance(ident, int) else None


def logo_url(ctx: Context, organisation: Organisation) -> str | None:
    """The organisation's logo for its card's hero image: only with an https PUBLIC_BASE_URL."""
    return photo_address(ctx.config, organisation.logo.token if organisation.logo else None)


def kind_label(out: Composer, kind: str) -> str:
    return out._(orgs.KINDS.get(kind, orgs.KINDS["other"]))


def badges(out: Composer, organisation: Organisation) -> list[str]:
    shown = [kind_label(out, organisation.kind)]
    if organisation.status != orgs.VERIFIED:
        # Translators: an organisation ward staff have not verified yet
        shown.append(out._("Awaiting check"))
    return shown


def organisation_lines(out: Composer, *, description: str, areas: Sequence[str],
                       categories: Sequence[str], contact: str = "", website: str = "",
                       short: bool = False) -> list[str]:
    lines = []
    if description:
        lines.append(clip(description.splitlines()[0], 80) if short else description)
    lines.append(out._("Areas: {areas}", areas=format_names(
        [area_label(out._, area) for area in areas], out.locale)
                       if areas else out._("Whole ward")))
    if categories and not short:
        lines.append(out._("Fields: {fields}", fields=format_names(
            (category_label(out, c) for c in categories), out.locale)))
    if contact:
        lines.append(out._("Contact: {contact}", contact=contact))
    if website:
        lines.append(website)
    return lines


def lines_of(out: Composer, organisation: Organisation, *, short: bool = False) -> list[str]:
    return organisation_lines(
        out, description=shown_text(organisation, "description", out.locale),
        areas=organisation.areas or [],
        categories=organisation.categories or [],
        contact="" if short else organisation.public_contact,
        website="" if short else organisation.website, short=short)


def organisation_bubble(out: Composer, organisation: Organisation) -> dict:
    return out.bubble(shown_text(organisation, "name", out.locale),
                      lines_of(out, organisation, short=True),
                      [Choice.go(out._("Details"), "org", i=organisation.id)],
                      badges=badges(out, organisation))
