"""Initiatives (取組提示型): present one, browse, express interest, talk through the bot,
share contacts when both agree, ask for and give opinions; the presenter's tools.

```mermaid
stateDiagram-v2
    [*] --> top: menu "Initiatives"
    top --> list: Newest / by category / by area / help I can give / mine
    list --> list: More
    list --> ask_offers: I'm interested
    ask_offers --> ask_offers: tap to add or remove
    ask_offers --> ask_message: Done
    ask_message --> [*]: typed message / No message (row written, presenter told)
    top --> ask_title: Present one
    ask_title --> ask_summary --> ask_help --> ask_category --> ask_area --> ask_photo
    ask_photo --> confirm: photo / Skip
    confirm --> [*]: Publish (row written) / Cancel
    [*] --> manage: Manage (presenter or staff)
    manage --> ask_question: Ask for opinions
    manage --> [*]: next status / close / people / opinions / gathering
    [*] --> ask_reply: Reply (either side) --> [*]
    [*] --> ask_contact: Share contact (either side) --> [*]
    [*] --> ask_opinion: Give an opinion --> [*]
```

Every presenter action checks ownership on the server (`can_manage`), every staff action the
staff role; refusals are audit-logged. Titles, summaries, messages and opinions are shown
as written; everything around them is in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.kernel.composer import Choice, Composer, clip
from bot.kernel.engine import Context, Dialog, Input, Reply, with_data
from bot.kernel.links import public_photo_url
from dialogs.common.answers import (
    areas,
    ask_text,
    category_label,
    int_arg,
    is_photo,
    keep_one_photo,
    refuse,
    take_photo,
    take_text,
    too_long,
)
from dialogs.common.gathering_text import gathering_lines
from dialogs.menu import main_menu
from models import initiatives as ini
from models import photos
from models.base import TooLong
from models.categories import CATEGORIES
from models.gatherings import upcoming
from models.initiatives import HELP_KINDS, STATUSES, Initiative, Interest
from models.users import audit

ASK_TITLE = "initiative.ask_title"
ASK_SUMMARY = "initiative.ask_summary"
ASK_HELP = "initiative.ask_help"
ASK_CATEGORY = "initiative.ask_category"
ASK_AREA = "initiative.ask_area"
ASK_PHOTO = "initiative.ask_photo"
CONFIRM = "initiative.confirm"
ASK_OFFERS = "initiative.ask_offers"
ASK_MESSAGE = "initiative.ask_message"
ASK_REPLY = "initiative.ask_reply"
ASK_CONTACT = "initiative.ask_contact"
ASK_OPINION = "initiative.ask_opinion"
ASK_QUESTION = "initiative.ask_question"
CONFIRM_CLOSE = "initiative.confirm_close"

PAGE = 10
PEOPLE_PAGE = 10
OPINIONS_PAGE = 10


# -- helpers -----------------------------------------------------------------------------


def help_labels(out: Composer, codes: list[str]) -> str:
    return ", ".join(out._(HELP_KINDS[c]) for c in codes if c in HELP_KINDS)


def _initiative(ctx: Context, inp: Input, name: str = "i") -> Initiative | None:
    ident = int_arg(inp, name) if name in inp.args else ctx.state.data.get(name)
    return ctx.session.get(Initiative, ident) if isinstance(ident, int) else None


def _gone(ctx: Context, inp: Input) -> Reply:
    return main_menu(ctx, inp, lead=ctx._("Sorry, this initiative is no longer available."))


# -- cards ---------------------------------------------------------------------------------


def initiative_lines(out: Composer, initiative: Initiative, *, full: bool = False) -> list[str]:
    lines = [initiative.summary if full else clip(initiative.summary, 120)]
    if initiative.helps:
        lines.append(out._("Help wanted: {kinds}", kinds=help_labels(out, initiative.helps)))
    if initiative.area:
        lines.append(out._("Area: {area}", area=initiative.area))
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
    return out.bubble(initiative.title, initiative_lines(out, initiative), buttons,
                      badges=badges, image_url=image_url)


# -- the top and browsing --------------------------------------------------------------------


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
    if ctx.user.has_role("staff") and ini.awaiting_review(ctx.session, 1):
        choices.append(Choice.go(_("To review"), "ini_review"))
    if ctx.out.simple:
        choices = [choices[0], choices[4]]
    text = _("Initiatives: residents and groups present what they want to do together, and "
             "others join in. What would you like to do?")
    return Reply([ctx.out.choices(text, choices)])


FILTERS: dict[str, str] = {"cat": "category", "area": "area", "help": "help_kind"}


def on_filter(ctx: Context, inp: Input) -> Reply:
    kind = inp.args.get("f")
    if kind == "cat":
        choices = [Choice.go(ctx._(label), "ini_list", f="cat", v=code)
                   for code, label in CATEGORIES.items()]
        question = ctx._("Which category?")
    elif kind == "area":
        choices = [Choice.go(area, "ini_list", f="area", v=area) for area in areas(ctx)[:12]]
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
    bubbles = [initiative_bubble(ctx.out, i, viewer_id=ctx.user.id, image_url=photo_url(ctx, i))
               for i in found]
    choices = []
    if more:
        choices.append(Choice.go(ctx._("More"), "ini_list", f=kind, v=value, o=offset + page))
    alt = ctx._("Initiatives ({start}–{end})", start=offset + 1, end=offset + len(found))
    return Reply([ctx.out.carousel(bubbles, alt, choices)])


def on_detail(ctx: Context, inp: Input) -> Reply:
    initiative = _initiative(ctx, inp)
    if initiative is None or not _visible(ctx, initiative):
        return _gone(ctx, inp)
    lines = initiative_lines(ctx.out, initiative, full=True)
    count = ini.count_interest(ctx.session, initiative)
    lines.append(ctx._("Interested so far: {count}", count=count))
    if initiative.opinion_question:
        lines.append(ctx._("The presenter asks for opinions: {question}",
                           question=initiative.opinion_question))

    for gathering in upcoming(ctx.session, initiative_id=initiative.id, now=ctx.now)[:1]:
        lines += gathering_lines(ctx, gathering)
    buttons = []
    if initiative.presenter_id == ctx.user.id or ctx.user.has_role("staff"):
        buttons.append(Choice.go(ctx._("Manage"), "ini_manage", i=initiative.id))
    if initiative.presenter_id != ctx.user.id and initiative.status in ini.ACTIVE:
        buttons.append(Choice(ctx._("I'm interested"), "ini_interest", {"i": initiative.id},
                              style="primary"))
    if initiative.opinion_question and initiative.presenter_id != ctx.user.id:
        buttons.append(Choice.go(ctx._("Give an opinion"), "ini_opinion", i=initiative.id))
    badges = [ctx._(STATUSES[initiative.status])]
    if initiative.category in CATEGORIES:
        badges.append(category_label(ctx.out, initiative.category))
    card = ctx.out.card(initiative.title, lines, buttons, badges=badges,
                        image_url=photo_url(ctx, initiative))
    return Reply([card, ctx.out.choices(ctx._("Anything else?"), [
        Choice.go(ctx._("Initiatives"), "initiatives")])])


def _visible(ctx: Context, initiative: Initiative) -> bool:
    return initiative.status in ini.PUBLIC or ini.can_manage(ctx.user, initiative)


# -- presenting ----------------------------------------------------------------------------


def on_present(ctx: Context, inp: Input) -> Reply:
    return ask_title(ctx, {})


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


# -- choosing kinds of help (what is wanted, what one can bring): tap to add or remove ------


def ask_kinds(ctx: Context, step: str, key: str, question: str, data: dict,
              lead: str | None = None) -> Reply:
    chosen = data.get(key, [])
    text = question
    if chosen:
        text += "\n" + ctx._("Chosen: {kinds}", kinds=help_labels(ctx.out, chosen))
    choices = [Choice.answer(step, ctx._("Done"), "__done")]
    for code, label in HELP_KINDS.items():
        mark = "✓ " if code in chosen else ""
        choices.append(Choice.answer(step, f"{mark}{ctx._(label)}", code))
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text, choices)], next=step,
                 data=data)


def take_kinds(ctx: Context, inp: Input, key: str, ask: Callable[..., Reply],
               then: Callable[[Context, dict], Reply]) -> Reply:
    """A tap adds or removes a kind; Done goes on once at least one is chosen."""
    data = dict(ctx.state.data)
    chosen = list(data.get(key, []))
    if inp.value == "__done":
        if not chosen:
            return ask(ctx, data, ctx._("Please choose at least one."))
        return then(ctx, data)
    if inp.value in HELP_KINDS:
        chosen = [c for c in chosen if c != inp.value] if inp.value in chosen \
            else [*chosen, inp.value]
    return ask(ctx, {**data, key: chosen})


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
    choices = [Choice.answer(ASK_AREA, area, area) for area in areas(ctx)[:11]]
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
    if data.get("photo"):
        lines.append(ctx._("With a photo"))
    card = ctx.out.card(data["title"], lines,
                        badges=[category_label(ctx.out, data.get("category", ""))])
    yes = Choice.answer(CONFIRM, ctx._("Publish"), "yes")
    no = Choice.answer(CONFIRM, ctx._("Cancel"), "no")
    return Reply([card, ctx.out.confirm(ctx._("Publish this initiative?"), yes, no)],
                 next=CONFIRM, data=data)


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
                             photo_message_id=data.get("photo"), moderated=moderated)
    audit(ctx.session, "initiative.present", actor=ctx.user, initiative=initiative.id)
    if moderated:
        text = ctx._("Thank you. Ward staff will check it and publish it soon (No. {number}).",
                     number=initiative.id)
    else:
        text = ctx._("Your initiative is published (No. {number}). You will hear from us as "
                     "soon as someone is interested.", number=initiative.id)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Manage"), "ini_manage",
                                                i=initiative.id)])])


# -- interest ------------------------------------------------------------------------------


def on_interest_entry(ctx: Context, inp: Input) -> Reply:
    initiative = _initiative(ctx, inp)
    if initiative is None or initiative.status not in ini.ACTIVE:
        return _gone(ctx, inp)
    if initiative.presenter_id == ctx.user.id:
        return main_menu(ctx, inp, lead=ctx._("This is your own initiative."))
    known = ini.interest_of(ctx.session, initiative, ctx.user)
    return ask_offers(ctx, {"i": initiative.id, "offers": known.offered if known else []})


def ask_offers(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    initiative = ctx.session.get(Initiative, data["i"])
    return ask_kinds(ctx, ASK_OFFERS, "offers", ctx._(
        "“{title}”: what can you bring? Tap to add or remove, then Done.",
        title=initiative.title if initiative else ""), data, lead)


def on_offers(ctx: Context, inp: Input) -> Reply:
    return take_kinds(ctx, inp, "offers", ask_offers, ask_message)


def ask_message(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    text = ctx._("Would you like to add a message for the presenter? Type it, or tap "
                 "No message. Your LINE name and account are not shown to them.")
    choices = [Choice.answer(ASK_MESSAGE, ctx._("No message"), "none")]
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text, choices)],
                 next=ASK_MESSAGE, data=data)


def on_message(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "none":
        message = ""
    elif inp.kind == "text" and inp.text.strip():
        message = inp.text
    else:
        return ask_message(ctx, data)
    initiative = ctx.session.get(Initiative, data.get("i"))
    if initiative is None:
        return _gone(ctx, inp)
    try:
        ini.express_interest(ctx.session, initiative, ctx.user, offers=data["offers"],
                             message=message, now=ctx.now)
    except TooLong as exc:
        return ask_message(ctx, data, too_long(ctx, exc))
    except ini.NotOpen:
        return _gone(ctx, inp)
    text = ctx._("Thank you! The presenter of “{title}” has been told and can answer you "
                 "here. You will be invited to the preparation gathering.",
                 title=initiative.title)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Initiatives"), "initiatives")])])


# -- talking through the bot, and contacts ---------------------------------------------------


def _interest_for_party(ctx: Context, inp: Input) -> tuple[Interest | None, bool]:
    """The interest named by the postback and whether the user is its presenter; None when
    the user is neither the presenter nor the interested person."""
    ident = int_arg(inp, "n") if "n" in inp.args else ctx.state.data.get("n")
    interest = ctx.session.get(Interest, ident) if isinstance(ident, int) else None
    if interest is None:
        return None, False
    if interest.initiative.presenter_id == ctx.user.id:
        return interest, True
    if interest.user_id == ctx.user.id:
        return interest, False
    return None, False


def on_reply_entry(ctx: Context, inp: Input) -> Reply:
    interest, _ = _interest_for_party(ctx, inp)
    if interest is None:
        return refuse(ctx, inp, "initiative.reply")
    return ask_reply(ctx, {"n": interest.id})


def ask_reply(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_REPLY, ctx._(
        "Please type your message. The bot passes it on without your LINE name."), data, lead)


def on_reply(ctx: Context, inp: Input) -> Reply:
    interest, presenter = _interest_for_party(ctx, inp)
    if interest is None:
        return refuse(ctx, inp, "initiative.reply")
    if inp.kind != "text" or not inp.text.strip():
        return ask_reply(ctx, dict(ctx.state.data))
    try:
        ini.relay(ctx.session, interest, from_presenter=presenter, body=inp.text, now=ctx.now)
    except TooLong as exc:
        return ask_reply(ctx, dict(ctx.state.data), too_long(ctx, exc))
    return Reply([ctx.out.text(ctx._("Sent."))])


def on_contact_entry(ctx: Context, inp: Input) -> Reply:
    interest, presenter = _interest_for_party(ctx, inp)
    if interest is None:
        return refuse(ctx, inp, "initiative.contact")
    if interest.contacts_shared:
        return Reply([ctx.out.text(ctx._("Contact details have already been exchanged."))])
    return ask_contact(ctx, {"n": interest.id})


def ask_contact(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_CONTACT, ctx._(
        "Type the contact details you want to give (a phone number or an e-mail address). "
        "They are passed on only when the other side agrees too."), data, lead)


def on_contact(ctx: Context, inp: Input) -> Reply:
    interest, presenter = _interest_for_party(ctx, inp)
    if interest is None:
        return refuse(ctx, inp, "initiative.contact")
    if inp.kind != "text" or not inp.text.strip():
        return ask_contact(ctx, dict(ctx.state.data))
    try:
        shared = ini.agree_to_share(ctx.session, interest, presenter=presenter,
                                    contact=inp.text, now=ctx.now)
    except TooLong as exc:
        return ask_contact(ctx, dict(ctx.state.data), too_long(ctx, exc))
    if shared:
        text = ctx._("Both sides agreed: the contact details are on their way to both of you.")
    else:
        text = ctx._("Thank you. We asked the other side; the details are exchanged only if "
                     "they agree too.")
    return Reply([ctx.out.text(text)])


# -- opinions ------------------------------------------------------------------------------


def on_opinion_entry(ctx: Context, inp: Input) -> Reply:
    initiative = _initiative(ctx, inp)
    if initiative is None or not initiative.opinion_question \
            or initiative.status not in ini.PUBLIC:
        return _gone(ctx, inp)
    return ask_opinion(ctx, {"i": initiative.id})


def ask_opinion(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    initiative = ctx.session.get(Initiative, data["i"])
    text = ctx._("“{title}”: {question}\nPlease type your opinion.",
                 title=initiative.title if initiative else "",
                 question=initiative.opinion_question if initiative else "")
    return ask_text(ctx, ASK_OPINION, text, data, lead)


def on_opinion(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    initiative = ctx.session.get(Initiative, data.get("i"))
    if initiative is None:
        return _gone(ctx, inp)
    if inp.kind != "text" or not inp.text.strip():
        return ask_opinion(ctx, data)
    try:
        ini.give_opinion(ctx.session, initiative, ctx.user, inp.text)
    except TooLong as exc:
        return ask_opinion(ctx, data, too_long(ctx, exc))
    except ini.NotOpen:
        return _gone(ctx, inp)
    return Reply([ctx.out.text(ctx._("Thank you for your opinion. The presenter will read it."),
                               [Choice.go(ctx._("Initiatives"), "initiatives")])])


# -- the presenter's tools (and staff's) -------------------------------------------------------


def presenter_only(step: Callable[[Context, Input, Initiative], Reply]):  # type: ignore[no-untyped-def]
    def guarded(ctx: Context, inp: Input) -> Reply:
        initiative = _initiative(ctx, inp)
        if initiative is None:
            return _gone(ctx, inp)
        if not ini.can_manage(ctx.user, initiative):
            return refuse(ctx, inp, "initiative.manage")
        return step(ctx, inp, initiative)

    guarded.__name__ = step.__name__
    return guarded


@presenter_only
def on_manage(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    _ = ctx._
    i = initiative.id
    count = ini.count_interest(ctx.session, initiative)
    choices = [Choice.go(_("Interested ({count})", count=count), "ini_people", i=i)]
    if initiative.status in ini.ACTIVE:
        choices.append(Choice.go(_("Schedule gathering"), "gathering_new", i=i))

    for gathering in upcoming(ctx.session, initiative_id=i, now=ctx.now)[:1]:
        # Translators: opens the next preparation gathering (to see it, move it or cancel it)
        choices.append(Choice.go(_("Next gathering"), "gathering", g=gathering.id))
    if initiative.opinion_question:
        choices.append(Choice.go(_("Stop opinions"), "ini_stop_op", i=i))
    else:
        choices.append(Choice.go(_("Ask for opinions"), "ini_ask_op", i=i))
    choices.append(Choice.go(_("Read opinions"), "ini_opinions", i=i))
    following = ini.NEXT_STATUS.get(initiative.status)
    if following and following != ini.DONE:
        # Translators: button that moves the initiative on to the named state
        choices.append(Choice.go(_("Now: {status}", status=_(STATUSES[following])),
                                 "ini_status", i=i))
    if initiative.status in ini.ACTIVE:
        # Translators: the presenter ends the initiative (it is marked done)
        choices.append(Choice.go(_("Close it"), "ini_close", i=i))
    text = _("“{title}” ({status}). What would you like to do?", title=initiative.title,
             status=_(STATUSES[initiative.status]))
    return Reply([ctx.out.choices(text, choices[:3] if ctx.out.simple else choices)])


@presenter_only
def on_people(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    people = ini.interests(ctx.session, initiative)
    if not people:
        return Reply([ctx.out.text(ctx._("Nobody has expressed interest yet."))])
    mine = initiative.presenter_id == ctx.user.id
    bubbles = []
    for number, interest in enumerate(people[:PEOPLE_PAGE], start=1):
        lines = [ctx._("Can bring: {kinds}", kinds=help_labels(ctx.out, interest.offered))]
        if interest.message:
            lines.append(interest.message)
        if interest.contacts_shared and mine:
            lines.append(ctx._("Contact: {contact}", contact=interest.member_contact))
        buttons = []
        if mine:
            buttons = [Choice.go(ctx._("Reply"), "ini_reply", n=interest.id),
                       Choice.go(ctx._("Share contact"), "ini_contact", n=interest.id)]
        bubbles.append(ctx.out.bubble(ctx._("Interested person {number}", number=number),
                                      lines, buttons))
    alt = ctx._("Interested people: {count}", count=len(people))
    return Reply([ctx.out.carousel(bubbles, alt)])


@presenter_only
def on_ask_opinions(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    return ask_question(ctx, {"i": initiative.id})


def ask_question(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_QUESTION, ctx._(
        "What would you like opinions on? Type your question; anyone can answer it."), data,
        lead)


@presenter_only
def on_question(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    data = dict(ctx.state.data)
    if inp.kind != "text" or not inp.text.strip():
        return ask_question(ctx, data)
    try:
        ini.ask_opinions(ctx.session, initiative, inp.text)
    except TooLong as exc:
        return ask_question(ctx, data, too_long(ctx, exc))
    return Reply([ctx.out.text(ctx._("Your question is on the initiative's page. Read the "
                                     "answers with Read opinions."),
                               [Choice.go(ctx._("Read opinions"), "ini_opinions",
                                          i=initiative.id)])])


@presenter_only
def on_stop_opinions(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    ini.stop_opinions(ctx.session, initiative)
    return Reply([ctx.out.text(ctx._("You are no longer asking for opinions."))])


@presenter_only
def on_read_opinions(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    offset = max(0, int_arg(inp, "o") or 0)
    found, total = ini.opinions(ctx.session, initiative, offset=offset, limit=OPINIONS_PAGE)
    if not found:
        return Reply([ctx.out.text(ctx._("No opinions yet."))])
    header = ctx._("Opinions on “{title}”: {count}", title=initiative.title, count=total)
    # people's words as written, one block each; the 5,000-character limit is the Composer's
    body = "\n\n".join(f"{offset + n}. {o.body}" for n, o in enumerate(found, start=1))
    choices = []
    if offset + len(found) < total:
        choices.append(Choice.go(ctx._("More"), "ini_opinions", i=initiative.id,
                                 o=offset + len(found)))
    return Reply([ctx.out.text(f"{header}\n\n{body}", choices)])


@presenter_only
def on_status(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    following = ini.advance(ctx.session, initiative)
    audit(ctx.session, "initiative.status", actor=ctx.user, initiative=initiative.id,
          status=initiative.status)
    if following is None:
        return Reply([ctx.out.text(ctx._("This initiative is already done."))])
    return Reply([ctx.out.text(ctx._("“{title}” is now: {status}.", title=initiative.title,
                                     status=ctx._(STATUSES[following])))])


@presenter_only
def on_close_entry(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    yes = Choice.answer(CONFIRM_CLOSE, ctx._("Close it"), "yes")
    no = Choice.answer(CONFIRM_CLOSE, ctx._("Keep it open"), "no")
    question = ctx._("Close “{title}”? It will be marked done and take no more interest.",
                     title=initiative.title)
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_CLOSE,
                 data={"i": initiative.id})


@presenter_only
def on_close(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    if inp.value != "yes":
        return main_menu(ctx, inp, lead=ctx._("Nothing was changed."))
    ini.close(ctx.session, initiative)
    audit(ctx.session, "initiative.close", actor=ctx.user, initiative=initiative.id)
    return Reply([ctx.out.text(ctx._("“{title}” is now: {status}.", title=initiative.title,
                                     status=ctx._(STATUSES[ini.DONE])))])


# -- staff review (INITIATIVE_MODERATION) --------------------------------------------------------


def on_review(ctx: Context, inp: Input) -> Reply:
    if not ctx.user.has_role("staff"):
        return refuse(ctx, inp, "initiative.review", staff=True)
    ident, verdict = int_arg(inp, "i"), inp.args.get("v")
    if ident is not None and verdict in ("yes", "no"):
        initiative = ctx.session.get(Initiative, ident)
        if initiative is not None and initiative.status == ini.REVIEW:
            ini.review(ctx.session, initiative, approve=verdict == "yes")
            audit(ctx.session, "initiative.review", actor=ctx.user, initiative=ident,
                  approved=verdict == "yes")
    waiting = ini.awaiting_review(ctx.session, 10)
    if not waiting:
        return Reply([ctx.out.text(ctx._("Nothing is waiting for review."))])
    bubbles = [ctx.out.bubble(i.title, initiative_lines(ctx.out, i, full=True), [
        Choice(ctx._("Publish"), "ini_review", {"i": i.id, "v": "yes"}, style="primary"),
        Choice.go(ctx._("Do not publish"), "ini_review", i=i.id, v="no")]) for i in waiting]
    return Reply([ctx.out.carousel(bubbles, ctx._("Initiatives to review"))])


# -- notifications -------------------------------------------------------------------------


# group "personal": messages between the two sides are not news or reminders, so no
# opt-out switch (models.subscriptions.OPT_OUT_GROUPS) silences them

def render_interest(session, user, notification, composer):  # type: ignore[no-untyped-def]
    interest = session.get(Interest, int(notification.ref))
    if interest is None or interest.initiative.presenter_id != user.id:
        return None
    lines = [composer._("Can bring: {kinds}", kinds=help_labels(composer, interest.offered))]
    if interest.message:
        lines.append(interest.message)
    buttons = [Choice.go(composer._("Reply"), "ini_reply", n=interest.id),
               Choice.go(composer._("Share contact"), "ini_contact", n=interest.id),
               Choice.go(composer._("Schedule gathering"), "gathering_new",
                         i=interest.initiative_id)]
    title = composer._("Someone is interested in “{title}”",
                       title=interest.initiative.title)
    return [composer.card(title, lines, buttons)]

def render_message(session, user, notification, composer):  # type: ignore[no-untyped-def]
    message = session.get(ini.RelayMessage, int(notification.ref))
    if message is None:
        return None
    interest = message.interest
    if message.from_presenter:
        lead = composer._("The presenter of “{title}” writes:",
                          title=interest.initiative.title)
    else:
        lead = composer._("A person interested in “{title}” writes:",
                          title=interest.initiative.title)
    choices = [Choice.go(composer._("Reply"), "ini_reply", n=interest.id)]
    if not interest.contacts_shared:
        choices.append(Choice.go(composer._("Share contact"), "ini_contact", n=interest.id))
    return [composer.text(f"{lead}\n\n{message.body}", choices, back=False)]

def render_contact_request(session, user, notification, composer):  # type: ignore[no-untyped-def]
    interest = session.get(Interest, int(notification.ref))
    if interest is None or interest.contacts_shared:
        return None
    text = composer._("The other side of “{title}” would like to exchange contact "
                      "details. Would you like to share yours?",
                      title=interest.initiative.title)
    return [composer.text(text, [Choice.go(composer._("Share contact"), "ini_contact",
                                           n=interest.id)], back=False)]

def render_contacts(session, user, notification, composer):  # type: ignore[no-untyped-def]
    interest = session.get(Interest, int(notification.ref))
    if interest is None or not interest.contacts_shared:
        return None
    other = (interest.member_contact if user.id == interest.initiative.presenter_id
             else interest.presenter_contact)
    return [composer.text(composer._("Contact details for “{title}”: {contact}",
                                     title=interest.initiative.title, contact=other),
                          back=False)]



dialog = Dialog(
    name="initiative",
    entries={
        "initiatives": on_top,
        "ini_filter": on_filter,
        "ini_list": on_list,
        "ini": on_detail,
        "ini_present": on_present,
        "ini_interest": on_interest_entry,
        "ini_reply": on_reply_entry,
        "ini_contact": on_contact_entry,
        "ini_opinion": on_opinion_entry,
        "ini_manage": on_manage,
        "ini_people": on_people,
        "ini_ask_op": on_ask_opinions,
        "ini_stop_op": on_stop_opinions,
        "ini_opinions": on_read_opinions,
        "ini_status": on_status,
        "ini_close": on_close_entry,
        "ini_review": on_review,
    },
    steps={
        ASK_TITLE: on_title,
        ASK_SUMMARY: on_summary,
        ASK_HELP: on_help,
        ASK_CATEGORY: on_category,
        ASK_AREA: on_area,
        ASK_PHOTO: on_photo,
        CONFIRM: on_confirm,
        ASK_OFFERS: on_offers,
        ASK_MESSAGE: on_message,
        ASK_REPLY: on_reply,
        ASK_CONTACT: on_contact,
        ASK_OPINION: on_opinion,
        ASK_QUESTION: on_question,
        CONFIRM_CLOSE: on_close,
    },
    prompts={
        ASK_TITLE: with_data(ask_title),
        ASK_SUMMARY: with_data(ask_summary),
        ASK_HELP: with_data(ask_help),
        ASK_CATEGORY: with_data(ask_category),
        ASK_AREA: with_data(ask_area),
        ASK_PHOTO: with_data(ask_photo),
        CONFIRM: with_data(confirm),
        ASK_OFFERS: with_data(ask_offers),
        ASK_MESSAGE: with_data(ask_message),
        ASK_REPLY: with_data(ask_reply),
        ASK_CONTACT: with_data(ask_contact),
        ASK_OPINION: with_data(ask_opinion),
        ASK_QUESTION: with_data(ask_question),
    },
)
