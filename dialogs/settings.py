"""Settings: language, standard or simple mode, age band, the privacy notice, deleting one's
data.

```mermaid
stateDiagram-v2
    [*] --> settings: "settings" / menu
    settings --> ask_language: Language
    ask_language --> [*]: language chosen (back to the notice if not yet agreed)
    settings --> ask_mode: Look
    ask_mode --> [*]: standard / simple
    settings --> ask_age: Age group (simple mode: under More)
    ask_age --> ask_age: other ages (simple mode)
    ask_age --> [*]: an age band / prefer not to say
    settings --> confirm_delete: Delete my data
    confirm_delete --> [*]: delete (data removed) / keep
    settings --> ask_read_aloud: Read aloud (where offered: bot/kernel/read_aloud.py)
    ask_mode --> ask_read_aloud: simple, and never asked
    ask_read_aloud --> [*]: read aloud / text only
```
"""

from __future__ import annotations

from bot.kernel.composer import Choice, page_of
from bot.kernel.engine import Context, Dialog, Input, Reply, answers_yes_no
from bot.kernel.i18n import SUPPORTED_LOCALES, language_name
from bot.kernel.read_aloud import voice_for
from dialogs.common.consent import ask_consent, kept_of, privacy_notice
from dialogs.menu import main_menu
from dialogs.supporters.tools import end_help, in_help
from models.erasure import delete_personal_data
from models.speech import wants
from models.users import AGE_BANDS

ASK_LANGUAGE = "settings.ask_language"
ASK_MODE = "settings.ask_mode"
ASK_AGE = "settings.ask_age"
CONFIRM_DELETE = "settings.confirm_delete"
ASK_READ_ALOUD = "settings.ask_read_aloud"

LANGUAGES_PER_SIMPLE_PAGE = 2
AGE_BANDS_PER_SIMPLE_PAGE = 2


def on_settings(ctx: Context, inp: Input) -> Reply:
    """The settings; simple mode's four buttons hold two pages of them ("More")."""
    language = Choice.go(ctx._("Language"), "language")
    # Translators: button to switch between standard and simple (large letters) mode
    look = Choice.go(ctx._("Look"), "look")
    # Translators: button to tell or change one's age group (10s, 20s...)
    age = Choice.go(ctx._("Age group"), "age_band")
    delete = Choice.go(ctx._("Delete my data"), "delete_data")
    # Translators: button to have the bot's answers also spoken (a LINE audio message)
    aloud = [Choice.go(ctx._("Read aloud"), "read_aloud")] if _offered(ctx) else []
    if not ctx.out.simple:
        choices = [language, look, *aloud, age, Choice.go(ctx._("Privacy notice"), "privacy"),
                   delete]
    elif inp.args.get("p") == "1":
        choices = [age, *aloud, delete]
    else:
        choices = [language, look, Choice.go(ctx._("More"), "settings", p=1)]
    return Reply([ctx.out.choices(ctx._("Settings: what would you like to change?"), choices)])


def ask_language(ctx: Context, *, then: str = "menu", page: int = 0) -> Reply:
    codes = list(SUPPORTED_LOCALES)
    data = {"then": then, "page": page, **kept_of(ctx.state.data)}
    if ctx.out.simple:
        shown, page, _pages = page_of(codes, page, LANGUAGES_PER_SIMPLE_PAGE)
        data["page"] = page
        choices = [Choice.answer(ASK_LANGUAGE, language_name(c), c) for c in shown]
        # Translators: shows more languages to choose from
        choices.append(Choice.answer(ASK_LANGUAGE, ctx._("Other languages"), "more"))
    else:
        choices = [Choice.answer(ASK_LANGUAGE, language_name(c), c) for c in codes]
    back = then != "consent"
    return Reply([ctx.out.choices(ctx._("Which language?"), choices, back=back)],
                 next=ASK_LANGUAGE, data=data)


def on_language_entry(ctx: Context, inp: Input) -> Reply:
    then = "consent" if ctx.user.consented_at is None else "menu"
    return ask_language(ctx, then=then)


def on_language(ctx: Context, inp: Input) -> Reply:
    then = ctx.state.data.get("then", "menu")
    if inp.value == "more":
        return ask_language(ctx, then=then, page=int(ctx.state.data.get("page", 0)) + 1)
    if inp.value not in SUPPORTED_LOCALES:
        return ask_language(ctx, then=then, page=int(ctx.state.data.get("page", 0)))
    ctx.user.locale = inp.value
    ctx.refresh_look()
    lead = ctx._("The language is now {language}.", language=language_name(inp.value))
    if then == "consent":
        reply = ask_consent(ctx)
        return Reply([ctx.out.text(lead, back=False), *reply.messages], next=reply.next,
                     data=kept_of(ctx.state.data))
    return main_menu(ctx, inp, lead=lead)


def age_band_choices(ctx: Context, step: str, page: int) -> tuple[list[Choice], int]:
    """The age bands as answers to `step`, and the page shown: in simple mode a few at a
    time, with "Other ages" for the next few."""
    codes = list(AGE_BANDS)
    if not ctx.out.simple:
        return [Choice.answer(step, ctx._(AGE_BANDS[c]), c) for c in codes], 0
    shown, page, _pages = page_of(codes, page, AGE_BANDS_PER_SIMPLE_PAGE)
    choices = [Choice.answer(step, ctx._(AGE_BANDS[c]), c) for c in shown]
    # Translators: shows more age groups to choose from
    choices.append(Choice.answer(step, ctx._("Other ages"), "more"))
    return choices, page


def ask_age(ctx: Context, page: int = 0) -> Reply:
    band = ctx.user.age_band
    current = (ctx._("Your age group: {band}.", band=ctx._(AGE_BANDS[band]))
               if band in AGE_BANDS else ctx._("You have not told us your age group."))
    text = "\n".join([current, ctx._("Which is yours? It only counts towards the ward's "
                                     "figures of who takes part.")])
    choices, page = age_band_choices(ctx, ASK_AGE, page)
    return Reply([ctx.out.choices(text, choices)], next=ASK_AGE, data={"page": page})


def on_age_entry(ctx: Context, inp: Input) -> Reply:
    return ask_age(ctx)


def on_age(ctx: Context, inp: Input) -> Reply:
    if inp.value == "more":
        return ask_age(ctx, int(ctx.state.data.get("page", 0)) + 1)
    if inp.value not in AGE_BANDS:
        return ask_age(ctx, int(ctx.state.data.get("page", 0)))
    ctx.user.age_band = inp.value
    lead = ctx._("Thank you. Your age group: {band}.", band=ctx._(AGE_BANDS[inp.value]))
    return main_menu(ctx, inp, lead=lead)


def ask_mode(ctx: Context) -> Reply:
    current = ctx._("Simple") if ctx.out.simple else ctx._("Standard")
    text = "\n".join([
        ctx._("The look is now: {mode}.", mode=current),
        ctx._("Standard: all features."),
        ctx._("Simple: large letters and a few big buttons."),
    ])
    choices = [
        Choice.answer(ASK_MODE, ctx._("Standard"), "standard"),
        Choice.answer(ASK_MODE, ctx._("Simple"), "simple"),
    ]
    return Reply([ctx.out.choices(text, choices)], next=ASK_MODE, data={})


def on_mode_entry(ctx: Context, inp: Input) -> Reply:
    return ask_mode(ctx)


def on_mode(ctx: Context, inp: Input) -> Reply:
    if inp.value not in ("standard", "simple"):
        return ask_mode(ctx)
    return set_mode(ctx, inp.value)


def set_mode(ctx: Context, mode: str) -> Reply:
    ctx.user.mode = mode
    ctx.refresh_look()
    if mode == "simple":
        lead = ctx._("Simple mode is on: large letters and a few big buttons.")
        if ctx.user.read_aloud is None and _offered(ctx):  # asked once, on the way in
            return ask_read_aloud(ctx, lead=lead)
    else:
        lead = ctx._("Standard mode is on.")
    return main_menu(ctx, lead=lead)


def _offered(ctx: Context) -> bool:
    return voice_for(ctx.app.config, ctx.user.locale) is not None


def ask_read_aloud(ctx: Context, *, lead: str | None = None) -> Reply:
    if not _offered(ctx):
        return main_menu(ctx)
    text = "\n".join([
        lead or _read_aloud_now(ctx, wants(ctx.user)),
        ctx._("Shall the bot also read its answers aloud? They come as a voice message a "
              "few seconds after the text. You can change this in Settings."),
    ])
    choices = [
        # Translators: answer to "Shall the bot also read its answers aloud?"
        Choice.answer(ASK_READ_ALOUD, ctx._("Read aloud"), "on"),
        # Translators: answer to "Shall the bot also read its answers aloud?"
        Choice.answer(ASK_READ_ALOUD, ctx._("Text only"), "off"),
    ]
    return Reply([ctx.out.choices(text, choices)], next=ASK_READ_ALOUD, data={})


def on_read_aloud_entry(ctx: Context, inp: Input) -> Reply:
    return ask_read_aloud(ctx)


def on_read_aloud(ctx: Context, inp: Input) -> Reply:
    if inp.value not in ("on", "off"):
        return ask_read_aloud(ctx)
    ctx.user.read_aloud = inp.value == "on"
    return main_menu(ctx, inp, lead=_read_aloud_now(ctx, ctx.user.read_aloud))


def _read_aloud_now(ctx: Context, on: bool) -> str:
    return ctx._("Read aloud is on.") if on else ctx._("Read aloud is off.")


def on_simple_word(ctx: Context, inp: Input) -> Reply:
    """Typing "simple mode" switches it on; typed again, it offers the way back."""
    if ctx.out.simple:
        return ask_mode(ctx)
    return set_mode(ctx, "simple")


def on_privacy(ctx: Context, inp: Input) -> Reply:
    return Reply([ctx.out.text(privacy_notice(ctx), [Choice.go(ctx._("Settings"), "settings")])])


def ask_delete(ctx: Context) -> Reply:
    question = ctx._("Delete all your data? Your settings, sign-ups and history will be "
                     "removed and cannot be restored.")
    if in_help(ctx):
        question += "\n" + ctx._("The help session in progress ends first.")
    yes = Choice.answer(CONFIRM_DELETE, ctx._("Delete"), "yes")
    no = Choice.answer(CONFIRM_DELETE, ctx._("Keep my data"), "no")
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_DELETE, data={})


def on_delete_entry(ctx: Context, inp: Input) -> Reply:
    return ask_delete(ctx)


@answers_yes_no
def on_delete(ctx: Context, inp: Input) -> Reply:
    if inp.value == "yes":
        farewell = ctx._("Your data has been deleted. Thank you for using the bot. To start "
                         "again, just send a message.")
        message = ctx.out.text(farewell, back=False)
        end_help(ctx)  # a pairing names the person: it ends first, the other side is told
        ctx.effects.forget.append(ctx.user.line_user_id)
        delete_personal_data(ctx.session, ctx.user)
        return Reply([message])
    if inp.value == "no":
        return main_menu(ctx, inp, lead=ctx._("Your data was kept."))
    return ask_delete(ctx)


dialog = Dialog(
    name="settings",
    entries={
        "settings": on_settings,
        "language": on_language_entry,
        "look": on_mode_entry,
        "age_band": on_age_entry,
        "privacy": on_privacy,
        "delete_data": on_delete_entry,
        "read_aloud": on_read_aloud_entry,
    },
    steps={ASK_LANGUAGE: on_language, ASK_MODE: on_mode, ASK_AGE: on_age,
           CONFIRM_DELETE: on_delete, ASK_READ_ALOUD: on_read_aloud},
    prompts={
        ASK_LANGUAGE: lambda ctx: ask_language(ctx, then=ctx.state.data.get("then", "menu")),
        ASK_MODE: ask_mode,
        ASK_AGE: lambda ctx: ask_age(ctx, int(ctx.state.data.get("page", 0))),
        CONFIRM_DELETE: ask_delete,
        ASK_READ_ALOUD: ask_read_aloud,
    },
)
