"""The main menu, help, and the polite answers for what the bot cannot take.

Features add themselves to MENU_ITEMS, one row each; simple mode shows the rows marked
simple=True, at most three to a message with "more" to page on (four choices in all).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.composer import Choice, page_of
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import N_
from models.users import Rights


@dataclass(frozen=True)
class MenuItem:
    label: str  # a msgid
    action: str
    simple: bool = True
    roles: tuple[str, ...] = ()  # shown only to people with one of these roles (empty: all)

    def shown_to(self, rights: Rights) -> bool:
        return not self.roles or any(rights.has_role(role) for role in self.roles)


MENU_ITEMS: tuple[MenuItem, ...] = (
    # Translators: menu row for initiatives that residents and groups present (取組提示型)
    MenuItem(N_("Initiatives"), "initiatives", simple=False),
    # Translators: menu row for the ward's calls for ideas (区からのアイデア募集型)
    MenuItem(N_("Idea calls"), "idea_calls"),
    # Translators: menu row to choose which news and reminders arrive
    MenuItem(N_("Notifications"), "notifications"),
    MenuItem(N_("Settings"), "settings"),
    MenuItem(N_("Language"), "language"),
    MenuItem(N_("Help"), "help"),
    MenuItem(N_("Find activities"), "find"),
    MenuItem(N_("My schedule"), "schedule"),
    MenuItem(N_("Recommended"), "recommend", simple=False),
    MenuItem(N_("Check in"), "checkin", simple=False),
    MenuItem(N_("My record"), "record", simple=False),
    MenuItem(N_("Organiser: my slots"), "org_slots", simple=False),
    # Translators: menu row: find, follow, register or join organisations (団体)
    MenuItem(N_("Organisations"), "orgs", simple=False),
    # Translators: menu row for members of an organisation
    MenuItem(N_("My organisation"), "org_mine", simple=False, roles=("organiser",)),
    # Translators: the resident asks a digital supporter to help them use the bot
    MenuItem(N_("Ask a supporter"), "ask_supporter"),
    MenuItem(N_("Call the help desk"), "call_help_desk"),
    # Translators: menu row for digital supporters and staff only
    MenuItem(N_("Supporter tools"), "support", roles=("supporter", "staff")),
    # Translators: menu row for ward staff: send an announcement to residents
    MenuItem(N_("Announcements"), "announce", simple=False, roles=("staff",)),
    # Translators: menu row for ward staff: organisations awaiting the ward's check
    MenuItem(N_("Verify organisations"), "org_pending", simple=False, roles=("staff",)),
)

SIMPLE_PAGE = 3


def main_menu(ctx: Context, inp: Input | None = None, *, page: int = 0,
              lead: str | None = None) -> Reply:
    """The main menu. Showing it ends whatever dialog was active."""
    messages, rights = [], ctx.rights
    if lead:
        messages.append(ctx.out.text(lead, back=False))
    if ctx.out.simple:
        items = [i for i in MENU_ITEMS if i.simple and i.shown_to(rights)]
        shown, page, pages = page_of(items, page, SIMPLE_PAGE)
        choices = [Choice.go(ctx._(i.label), i.action) for i in shown]
        if pages > 1:
            # Translators: shows the next few entries of the simple menu
            choices.append(Choice.go(ctx._("More"), "menu", p=(page + 1) % pages))
        messages.append(ctx.out.choices(ctx._("What would you like to do?"), choices, back=False))
        return Reply(messages)
    buttons = [Choice.go(ctx._(i.label), i.action) for i in MENU_ITEMS if i.shown_to(rights)]
    bubble = ctx.out.bubble(ctx._("Menu"), [ctx._("What would you like to do?")])
    bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm",
                        "contents": [ctx.out._button(b) for b in buttons]}
    messages.append({"type": "flex", "altText": ctx._("Menu"), "contents": bubble})
    return Reply(messages)


def on_menu(ctx: Context, inp: Input) -> Reply:
    try:
        page = int(inp.args.get("p", "0"))
    except ValueError:
        page = 0
    return main_menu(ctx, inp, page=page)


def on_help(ctx: Context, inp: Input) -> Reply:
    """Help keeps the active dialog: the person can carry on where they were."""
    text = "\n".join([
        ctx._("You can use this bot by tapping the buttons."),
        ctx._('Type "menu" at any time to see the menu, "cancel" to stop what you are '
              'doing, and "language" to change the language.'),
        ctx._("Help desk: {phone} ({hours})", phone=ctx.config["HELP_DESK_PHONE"],
              hours=ctx.config["HELP_DESK_HOURS"]),
    ])
    choices = [Choice.go(ctx._("Ask a supporter"), "ask_supporter"),
               Choice.go(ctx._("Menu"), "menu")]
    if ctx.state.step:
        # Translators: button that goes back to the question the person was answering
        choices.insert(0, Choice.go(ctx._("Continue"), "resume"))
    return Reply([ctx.out.text(text, choices, back=False)], keep=True)


def on_cancel(ctx: Context, inp: Input) -> Reply:
    if ctx.state.step:
        return main_menu(ctx, inp, lead=ctx._("Stopped. Nothing was sent."))
    return main_menu(ctx, inp, lead=ctx._("There is nothing to stop."))


def on_invalid(ctx: Context, inp: Input) -> Reply:
    return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))


def on_expired(ctx: Context, inp: Input) -> Reply:
    return main_menu(ctx, inp, lead=ctx._(
        "Sorry, that conversation timed out. Please start again from the menu."))


def on_default(ctx: Context, inp: Input) -> Reply:
    if inp.kind in ("media", "sticker"):
        lead = ctx._("Thank you! I can only read text and buttons here.")
    else:
        lead = ctx._("Sorry, I did not understand. Please choose from the menu.")
    return main_menu(ctx, inp, lead=lead)

