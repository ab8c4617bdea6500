"""The main menu, help, and the polite answers for what the bot cannot take.

The menus follow what people do most. Standard mode shows one message of at most six
choices, the main tasks first; the less frequent ones sit in sub-menus reached from it:

```
main ─ Find activities · My schedule · Ideas and initiatives ▸ · Notifications
       · Settings and help ▸ · More ▸
  ideas ─ Idea calls · Initiatives · Organisations
  help  ─ Settings · Language · Help · Ask a supporter · Call the help desk
  more  ─ Recommended · Check in · My record
          · For organisers ▸ (organisers) · Supporter tools (supporters) · Staff ▸ (staff)
    organiser ─ Organiser: my slots · My organisation
    staff     ─ Announcements · Verify organisations · Supporter tools
```

A role's choices show only to people whose rights hold it (`MenuItem.shown_to`), and a
sub-menu whose every choice is hidden is hidden too. Every sub-menu ends with "Back to menu".

Simple mode pages through `SIMPLE_ITEMS`, four big buttons a page; the first page is the
simple rich menu's four areas (bot/richmenu/layout.py: the two agree), and a second message
says which page this is ("Page 2 of 3") with the button to the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.composer import Choice, page_of
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import N_
from models.users import Rights

MAIN = "main"
STANDARD_LIMIT = 6  # choices in one standard menu message, "Back to menu" included
SIMPLE_PAGE = 4


@dataclass(frozen=True)
class MenuItem:
    label: str  # a msgid
    action: str = ""  # a router action, or
    opens: str = ""  # the sub-menu (a key of MENUS) it opens
    roles: tuple[str, ...] = ()  # shown only to people with one of these roles (empty: all)
    unless: tuple[str, ...] = ()  # hidden from people with one of these (found elsewhere)

    def shown_to(self, rights: Rights) -> bool:
        if any(rights.has_role(role) for role in self.unless):
            return False
        return not self.roles or any(rights.has_role(role) for role in self.roles)

    def choice(self, ctx: Context) -> Choice:
        if self.opens:
            return Choice.go(ctx._(self.label), "menu", m=self.opens)
        return Choice.go(ctx._(self.label), self.action)


MENUS: dict[str, tuple[MenuItem, ...]] = {
    MAIN: (
        MenuItem(N_("Find activities"), "find"),
        MenuItem(N_("My schedule"), "schedule"),
        # Translators: menu row opening idea calls, initiatives and organisations
        MenuItem(N_("Ideas & initiatives"), opens="ideas"),
        # Translators: menu row to choose which news and reminders arrive
        MenuItem(N_("Notifications"), "notifications"),
        # Translators: menu row opening settings, language, help and the help desk
        MenuItem(N_("Settings and help"), opens="help"),
        # Translators: menu row opening the less frequent features (recommended
        # activities, check-in, my record, the tools of organisers and staff)
        MenuItem(N_("More features"), opens="more"),
    ),
    "ideas": (
        # Translators: menu row for the ward's calls for ideas (区からのアイデア募集型)
        MenuItem(N_("Idea calls"), "idea_calls"),
        # Translators: menu row for initiatives that residents and groups present (取組提示型)
        MenuItem(N_("Initiatives"), "initiatives"),
        # Translators: menu row: find, follow, register or join organisations (団体)
        MenuItem(N_("Organisations"), "orgs"),
    ),
    "help": (
        MenuItem(N_("Settings"), "settings"),
        MenuItem(N_("Language"), "language"),
        MenuItem(N_("Help"), "help"),
        # Translators: the resident asks a digital supporter to help them use the bot
        MenuItem(N_("Ask a supporter"), "ask_supporter"),
        MenuItem(N_("Call the help desk"), "call_help_desk"),
    ),
    "more": (
        MenuItem(N_("Recommended"), "recommend"),
        MenuItem(N_("Check in"), "checkin"),
        MenuItem(N_("My record"), "record"),
        # Translators: menu row opening the tools of members of an organisation
        MenuItem(N_("For organisers"), opens="organiser", roles=("organiser",)),
        # Translators: menu row for digital supporters and staff only
        MenuItem(N_("Supporter tools"), "support", roles=("supporter",), unless=("staff",)),
        # Translators: menu row opening the tools of ward staff
        MenuItem(N_("For staff"), opens="staff", roles=("staff",)),
    ),
    "organiser": (
        MenuItem(N_("Organiser: my slots"), "org_slots", roles=("organiser",)),
        # Translators: menu row for members of an organisation
        MenuItem(N_("My organisation"), "org_mine", roles=("organiser",)),
    ),
    "staff": (
        # Translators: menu row for ward staff: send an announcement to residents
        MenuItem(N_("Announcements"), "announce", roles=("staff",)),
        # Translators: menu row for ward staff: organisations awaiting the ward's check
        MenuItem(N_("Verify organisations"), "org_pending", roles=("staff",)),
        MenuItem(N_("Supporter tools"), "support", roles=("staff",)),
    ),
}

# Simple mode, in pages of SIMPLE_PAGE: the first page is the simple rich menu's areas.
SIMPLE_ITEMS: tuple[MenuItem, ...] = (
    MenuItem(N_("Find activities"), "find"),
    MenuItem(N_("My schedule"), "schedule"),
    # Translators: rich menu area; the resident asks a digital supporter to help them
    MenuItem(N_("Get help"), "ask_supporter"),
    # Translators: rich menu area that phones the ward's help desk
    MenuItem(N_("Call us"), "call_help_desk"),
    MenuItem(N_("Idea calls"), "idea_calls"),
    MenuItem(N_("Notifications"), "notifications"),
    MenuItem(N_("Settings"), "settings"),
    MenuItem(N_("Language"), "language"),
    MenuItem(N_("Help"), "help"),
    MenuItem(N_("Supporter tools"), "support", roles=("supporter", "staff")),
)

# every item of every menu, once (typed labels do what these buttons do: dialogs/understand.py)
MENU_ITEMS: tuple[MenuItem, ...] = tuple(dict.fromkeys(
    item for items in (*MENUS.values(), SIMPLE_ITEMS) for item in items))

# sub-menu -> the label of the choice that opens it (its title)
OPENERS: dict[str, str] = {item.opens: item.label for items in MENUS.values()
                           for item in items if item.opens}


def shown_items(name: str, rights: Rights) -> list[MenuItem]:
    """The choices of menu `name` this person sees: their role's only, and a sub-menu only
    when it holds something for them."""
    return [item for item in MENUS.get(name, ()) if item.shown_to(rights)
            and (not item.opens or shown_items(item.opens, rights))]


def main_menu(ctx: Context, inp: Input | None = None, *, page: int = 0,
              lead: str | None = None, name: str = MAIN) -> Reply:
    """The main menu (or its sub-menu `name`). Showing it ends whatever dialog was active."""
    messages = []
    if lead:
        messages.append(ctx.out.text(lead, back=False))
    if ctx.out.simple:
        return Reply(messages + _simple_page(ctx, page))
    if not shown_items(name, ctx.rights):  # unknown, or nothing in it for this person
        name = MAIN
    buttons = [item.choice(ctx) for item in shown_items(name, ctx.rights)]
    title = ctx._(OPENERS.get(name, "Menu"))
    if name != MAIN:
        buttons.append(ctx.out.back_to_menu())
    bubble = ctx.out.bubble(title, [ctx._("What would you like to do?")])
    bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm",
                        "contents": [ctx.out._button(b) for b in buttons]}
    messages.append({"type": "flex", "altText": title, "contents": bubble})
    return Reply(messages)


def _simple_page(ctx: Context, page: int) -> list[dict]:
    items = [i for i in SIMPLE_ITEMS if i.shown_to(ctx.rights)]
    shown, page, pages = page_of(items, page, SIMPLE_PAGE)
    menu = ctx.out.choices(ctx._("What would you like to do?"),
                           [i.choice(ctx) for i in shown], back=False)
    if pages == 1:
        return [menu]
    # Translators: under the simple menu: which of its pages this is ("Page 2 of 3")
    where = ctx._("Page {page} of {pages}", page=page + 1, pages=pages)
    # Translators: button under the simple menu: its next page (the last goes to the first)
    turn = Choice.go(ctx._("Next page") if page + 1 < pages else ctx._("First page"),
                     "menu", p=(page + 1) % pages)
    return [menu, ctx.out.text(where, [turn], back=False)]


def on_menu(ctx: Context, inp: Input) -> Reply:
    try:
        page = int(inp.args.get("p", "0"))
    except ValueError:
        page = 0
    return main_menu(ctx, inp, page=page, name=inp.args.get("m", MAIN))


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
