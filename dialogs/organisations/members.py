"""Members: joining with an invitation code ("団体コード 1A2B3C4D", or the menu), "My
organisation" (its status, members and followers), inviting a co-organiser (owners: a
one-time code to pass on), leaving. Handing ownership over is `ownership`.

What members do is organiser work: it takes the ("organiser", organisation id) right that
membership gives (models.users.rights_of), which acting for someone does not lend. Joining
is a resident's action."""

from __future__ import annotations

import re
import unicodedata

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply, answers_yes_no
from bot.kernel.i18n import N_, SUPPORTED_LOCALES, format_names, gettext
from dialogs.common.refusals import log_refusal, why_refused
from dialogs.menu import main_menu
from dialogs.organisations.cards import badges, named_organisation
from models import organisations as orgs
from models.organisations import Organisation

ASK_CODE = "org.ask_code"
CONFIRM_LEAVE = "org.confirm_leave"

# Translators: words typed before an organisation's invitation code ("団体コード 1A2B3C4D"),
# separated by "|". Keep the English words and add your language's own; the first is shown.
CODE_WORDS = N_("organisation code|organization code|invitation code")


def code_regex() -> re.Pattern[str]:
    words: set[str] = set(CODE_WORDS.split("|"))
    for locale in SUPPORTED_LOCALES:
        words.update(gettext(locale, CODE_WORDS).split("|"))
    alternatives = sorted({unicodedata.normalize("NFKC", w).strip().casefold()
                           for w in words if w.strip()}, key=len, reverse=True)
    word = "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in alternatives)
    return re.compile(rf"(?:{word})\s*[:：]?\s*(?P<code>[A-Za-z0-9]{{8}})[\s!.。！]*",
                      re.IGNORECASE)


def code_word(ctx: Context) -> str:
    return ctx._(CODE_WORDS).split("|")[0].strip()


# -- joining ------------------------------------------------------------------------------


def on_join_entry(ctx: Context, inp: Input) -> Reply:
    return ask_code(ctx, {})


def ask_code(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    text = ctx._("Please type the invitation code the organisation's owner gave you "
                 "(8 letters and numbers).")
    return Reply([ctx.out.text(f"{lead}\n{text}" if lead else text)], next=ASK_CODE,
                 data=data)


def on_code(ctx: Context, inp: Input) -> Reply:
    text = unicodedata.normalize("NFKC", inp.text if inp.kind == "text" else "").strip()
    found = code_regex().fullmatch(text)
    code = found.group("code") if found else text.replace(" ", "")
    if not re.fullmatch(r"[A-Za-z0-9]{8}", code):
        return ask_code(ctx, {}, ctx._("An invitation code has 8 letters and numbers."))
    return join(ctx, inp, code)


def on_code_pattern(ctx: Context, inp: Input, match: re.Match[str]) -> Reply:
    return join(ctx, inp, match.group("code"))


def join(ctx: Context, inp: Input, code: str) -> Reply:
    before = {m.organisation_id for m in ctx.user.memberships}
    try:
        organisation = orgs.accept(ctx.session, ctx.user, code, now=ctx.now)
    except orgs.InvalidInvitation as exc:
        log_refusal(ctx, inp, "organisation.join.refused", reason=exc.reason)
        return Reply([ctx.out.text(_invalid(ctx, exc.reason), [
            Choice.go(ctx._("Organisations"), "orgs")])])
    if organisation.id in before:
        text = ctx._("You are already a member of “{name}”.", name=organisation.name)
    else:
        text = ctx._("Welcome! You are now a co-organiser of “{name}”.",
                     name=organisation.name)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("My organisation"), "org_mine",
                                                i=organisation.id)])])


def _invalid(ctx: Context, reason: str) -> str:
    if reason == "used":
        return ctx._("That invitation code has already been used. Each code works once: "
                     "please ask the owner for a new one.")
    if reason == "expired":
        return ctx._("That invitation code has expired (codes last {days} days). Please ask "
                     "the owner for a new one.", days=orgs.INVITE_DAYS)
    return ctx._("No organisation has that invitation code. Please check it and type it "
                 "again, or ask the owner.")


# -- my organisation -----------------------------------------------------------------------


def _mine(ctx: Context) -> list[Organisation]:
    """The person's organisations whose organiser right this turn may use."""
    return [o for o in orgs.organisations_of(ctx.session, ctx.user)
            if ctx.has_role("organiser", str(o.id))]


def refuse(ctx: Context, inp: Input, what: str) -> Reply:
    log_refusal(ctx, inp, f"organisation.{what}.refused")
    return main_menu(ctx, inp, lead=why_refused(
        ctx, ctx._("Sorry, this is for the organisation's members only.")))


def member_organisation(ctx: Context, inp: Input) -> Organisation | None:
    organisation = named_organisation(ctx, inp)
    if organisation is None or not ctx.has_role("organiser", str(organisation.id)):
        return None
    return organisation


def on_mine(ctx: Context, inp: Input) -> Reply:
    if "i" in inp.args:
        organisation = member_organisation(ctx, inp)
        if organisation is None:
            return refuse(ctx, inp, "view")
        return manage_card(ctx, organisation)
    mine = _mine(ctx)
    if not mine:
        if ctx.rights_withheld:
            return refuse(ctx, inp, "view")
        text = ctx._("You are not a member of an organisation yet.")
        return Reply([ctx.out.choices(text, [
            Choice.go(ctx._("Register as a group"), "org_register"),
            Choice.go(ctx._("Join with a code"), "org_join")])])
    if len(mine) == 1:
        return manage_card(ctx, mine[0])
    bubbles = [ctx.out.bubble(o.name, [], [Choice.go(ctx._("Open"), "org_mine", i=o.id)],
                              badges=badges(ctx.out, o)) for o in mine]
    return Reply([ctx.out.carousel(bubbles, ctx._("My organisation"))])


def manage_card(ctx: Context, organisation: Organisation) -> Reply:
    _ = ctx._
    if organisation.status == orgs.VERIFIED:
        status = _("Verified: what it posts is shown to residents.")
    else:
        status = _("Awaiting the ward's check: what it posts is not shown to residents yet.")
    members = orgs.members_of(ctx.session, organisation.id)
    names = [_("{name} (owner)", name=name or _("(no name)")) if role == orgs.OWNER
             else (name or _("(no name)")) for name, role in members]
    lines = [status, _("Members: {names}", names=format_names(names, ctx.locale)),
             _("Followers: {count}", count=orgs.follower_count(ctx.session, organisation.id))]
    mine = orgs.membership(ctx.session, ctx.user, organisation.id)
    buttons = []
    if mine is not None and mine.role == orgs.OWNER:
        buttons.append(Choice(_("Invite co-organiser"), "org_invite", {"i": organisation.id},
                              style="primary"))
        if len(members) > 1:
            # Translators: button for an organisation's owner: make another member the owner
            buttons.append(Choice.go(_("Hand over"), "org_hand_over", i=organisation.id))
    buttons.append(Choice.go(_("Profile"), "org", i=organisation.id))
    buttons.append(Choice.go(_("Leave"), "org_leave", i=organisation.id))
    card = ctx.out.card(organisation.name, lines, buttons, badges=badges(ctx.out, organisation))
    return Reply([card])


def on_invite(ctx: Context, inp: Input) -> Reply:
    organisation = member_organisation(ctx, inp)
    if organisation is None:
        return refuse(ctx, inp, "invite")
    try:
        code = orgs.invite(ctx.session, ctx.user, organisation, now=ctx.now)
    except orgs.NotAllowed:
        log_refusal(ctx, inp, "organisation.invite.refused")
        return Reply([ctx.out.text(ctx._("Sorry, only the owner can invite co-organisers."))])
    text = ctx._("Invitation code: {code}\nPass it on to the person you invite. They type "
                 "“{word} {code}” to this bot within {days} days; it works once.",
                 code=code, word=code_word(ctx), days=orgs.INVITE_DAYS)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("My organisation"), "org_mine",
                                                i=organisation.id)])])


def on_leave(ctx: Context, inp: Input) -> Reply:
    organisation = member_organisation(ctx, inp)
    if organisation is None:
        return refuse(ctx, inp, "leave")
    yes = Choice.answer(CONFIRM_LEAVE, ctx._("Leave"), "yes")
    no = Choice.answer(CONFIRM_LEAVE, ctx._("Stay"), "no")
    question = ctx._("Leave “{name}”? You will no longer manage it.", name=organisation.name)
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_LEAVE,
                 data={"i": organisation.id})


@answers_yes_no
def on_confirm_leave(ctx: Context, inp: Input) -> Reply:
    organisation = member_organisation(ctx, inp)
    if organisation is None:
        return refuse(ctx, inp, "leave")
    if inp.value != "yes":
        return manage_card(ctx, organisation)
    try:
        orgs.leave(ctx.session, ctx.user, organisation)
    except orgs.NotAllowed:
        text = ctx._("You are its only owner. Before you leave, another member must become "
                     "the owner (ward staff can help).")
        return Reply([ctx.out.text(text)])
    return main_menu(ctx, inp, lead=ctx._("You have left “{name}”.", name=organisation.name))
