"""Staff announcements: compose, choose who, preview, confirm, send now or later; results.

```mermaid
stateDiagram-v2
    [*] --> start: "announce" / postback announce (staff only)
    start --> ask_text: New announcement
    start --> [*]: Results (targeted, sent, failed; Cancel No. N for one not yet due)
    [*] --> confirm_cancel: Cancel No. N (staff only)
    confirm_cancel --> [*]: Cancel it (outbox rows cancelled, audit-logged) / Keep it
    ask_text --> ask_more: Japanese text typed
    ask_more --> ask_more: More (simple mode: the next languages)
    ask_more --> ask_translation: a language
    ask_translation --> ask_more: its text typed
    ask_more --> ask_segment: Go on
    ask_segment --> ask_segment: More (simple mode: the next segments)
    ask_segment --> ask_values: areas / interests / languages / participants of a slot
    ask_values --> ask_values: tap to add or remove / type a value (a slot code) / More
    ask_values --> preview: Done
    ask_segment --> preview: everyone / simple mode users
    preview --> confirm: Send now / Send later (date and time picker)
    confirm --> [*]: Send (rows written to the outbox) / Cancel
```

Every entry and every step checks `ctx.has_role("staff")` on the server: a postback is user
input, so a resident replaying a staff button is refused and the attempt is audit-logged.

In simple mode a step shows its fixed choices (Go on, Done), a page of its options and "More"
(the "More" postback carries the next page), so with "back to menu" it never shows more than
four choices.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.kernel.composer import SIMPLE_CHOICE_LIMIT, Choice, page_of
from bot.kernel.engine import Context, Dialog, Input, Reply, Step, answers_yes_no
from bot.kernel.i18n import SUPPORTED_LOCALES, format_names, format_when, language_name
from bot.notify.pacing import monthly_limit_reached
from bot.notify.renderers import announcement_messages
from dialogs.common.refusals import log_refusal, why_refused
from dialogs.menu import main_menu
from models.announcements import (
    SEGMENTS,
    Announcement,
    cancel_announcement,
    cancellable,
    count_recipients,
    create,
    recent,
    refresh_counts,
    schedule,
)
from models.users import audit

START = "announce.start"
ASK_TEXT = "announce.ask_text"
ASK_MORE = "announce.ask_more"
ASK_TRANSLATION = "announce.ask_translation"
ASK_SEGMENT = "announce.ask_segment"
ASK_VALUES = "announce.ask_values"
PREVIEW = "announce.preview"
CONFIRM = "announce.confirm"
CONFIRM_CANCEL = "announce.confirm_cancel"
WORDS = re.compile(r"(?i)announce|announcement|お知らせ配信")
MORE = "__more"


def staff_only(step: Step) -> Step:
    @functools.wraps(step)
    def guarded(ctx: Context, inp: Input) -> Reply:
        if not ctx.has_role("staff"):
            log_refusal(ctx, inp, "announce.refused")
            return main_menu(ctx, inp, lead=why_refused(
                ctx, ctx._("Sorry, this is for ward staff only.")))
        return step(ctx, inp)

    return guarded


@staff_only
def on_start(ctx: Context, inp: Input) -> Reply:
    choices = [Choice.answer(START, ctx._("New announcement"), "new"),
               Choice.answer(START, ctx._("Results"), "results")]
    return Reply([ctx.out.choices(ctx._("Announcements: what would you like to do?"), choices)],
                 next=START, data={})


@staff_only
def on_start_choice(ctx: Context, inp: Input) -> Reply:
    if inp.value == "results":
        return results(ctx)
    if inp.value == "new":
        return ask_text(ctx, {"texts": {}})
    return on_start(ctx, inp)


def ask_text(ctx: Context, data: dict) -> Reply:
    return Reply([ctx.out.text(ctx._("Please type the announcement in Japanese."))],
                 next=ASK_TEXT, data=data)


@staff_only
def on_text(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.kind != "text" or not inp.text.strip():
        return ask_text(ctx, data)
    data["texts"] = {**data.get("texts", {}), "ja": inp.text.strip()}
    return ask_more(ctx, data)


def _page(inp: Input) -> int:
    try:
        return int(inp.args.get("p", "0"))
    except ValueError:
        return 0


def _paged(ctx: Context, step: str, fixed: list[Choice], options: list[Choice],
           page: int) -> list[Choice]:
    """The fixed choices and the options; in simple mode only a page of the options, with
    "More" when they do not all fit beside "back to menu"."""
    room = SIMPLE_CHOICE_LIMIT - 1 - len(fixed)  # one is "back to menu"
    if not ctx.out.simple or len(options) <= room:
        return fixed + options
    shown, page, pages = page_of(options, page, room - 1)
    # Translators: shows the next few choices
    return fixed + shown + [Choice.answer(step, ctx._("More"), MORE, p=(page + 1) % pages)]


def ask_more(ctx: Context, data: dict, page: int = 0) -> Reply:
    given = set(data.get("texts", {}))
    languages = [Choice.answer(ASK_MORE, language_name(code), code)
                 for code in SUPPORTED_LOCALES if code not in given]
    # Translators: go on without adding more translations
    go_on = Choice.answer(ASK_MORE, ctx._("Go on"), "__go")
    text = ctx._("Add a translation? People whose language has none get the Japanese text "
                 "with a short note.")
    choices = _paged(ctx, ASK_MORE, [go_on], languages, page)
    return Reply([ctx.out.choices(text, choices)], next=ASK_MORE, data=data)


@staff_only
def on_more(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "__go":
        return ask_segment(ctx, data)
    if inp.value == MORE:
        return ask_more(ctx, data, _page(inp))
    if inp.value not in SUPPORTED_LOCALES:
        return ask_more(ctx, data)
    data["lang"] = inp.value
    return Reply([ctx.out.text(ctx._("Please type the text in {language}.",
                                     language=language_name(inp.value)))],
                 next=ASK_TRANSLATION, data=data)


@staff_only
def on_translation(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    lang = data.pop("lang", None)
    if lang in SUPPORTED_LOCALES and inp.kind == "text" and inp.text.strip():
        data["texts"] = {**data.get("texts", {}), lang: inp.text.strip()}
    return ask_more(ctx, data)


def ask_segment(ctx: Context, data: dict, page: int = 0) -> Reply:
    segments = [Choice.answer(ASK_SEGMENT, ctx._(segment.label), name)
                for name, segment in SEGMENTS.items()]
    choices = _paged(ctx, ASK_SEGMENT, [], segments, page)
    return Reply([ctx.out.choices(ctx._("Who should receive it?"), choices)],
                 next=ASK_SEGMENT, data=data)


@staff_only
def on_segment(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == MORE:
        return ask_segment(ctx, data, _page(inp))
    segment = SEGMENTS.get(inp.value or "")
    if segment is None:
        return ask_segment(ctx, data)
    data["segment"] = {"kind": inp.value, "values": []}
    if segment.values is None:
        return preview(ctx, data)
    return ask_values(ctx, data)


def _values(ctx: Context, kind: str, typed: dict[str, str] | None = None
            ) -> list[tuple[str, str]]:
    """The values to tap: those typed earlier in this dialog first, then the segment's."""
    segment = SEGMENTS[kind]
    found = segment.values(ctx.session) if segment.values else []
    listed = [(v, ctx._(label) if segment.translate_values else label) for v, label in found]
    typed = typed or {}
    return list(typed.items()) + [(v, label) for v, label in listed if v not in typed]


def ask_values(ctx: Context, data: dict, lead: str | None = None, page: int = 0) -> Reply:
    chosen = set(data["segment"]["values"])
    segment = SEGMENTS[data["segment"]["kind"]]
    on_page = page if ctx.out.simple else None  # a tap keeps the page it was made on
    values = [Choice.answer(ASK_VALUES, f"{'✓' if v in chosen else '✗'} {label}", v, p=on_page)
              for v, label in _values(ctx, data["segment"]["kind"], data.get("typed"))][:11]
    done = Choice.answer(ASK_VALUES, ctx._("Done"), "__done")
    choices = _paged(ctx, ASK_VALUES, [done], values, page)
    question = ctx._(segment.prompt) if segment.prompt else ctx._(
        "Tap to add or remove, then Done.")
    return Reply([ctx.out.choices(f"{lead}\n{question}" if lead else question, choices)],
                 next=ASK_VALUES, data=data)


def _typed_value(ctx: Context, data: dict, text: str,
                 found: tuple[str, str] | None) -> Reply:
    """A value typed rather than tapped (a slot code): chosen when the segment knows it."""
    if found is None:
        return ask_values(ctx, data, lead=ctx._(
            "Nothing matches “{text}”. Please check it and type it again.", text=text[:40]))
    value, label = found
    segment = dict(data["segment"])
    if value not in segment["values"]:
        segment["values"] = [*segment["values"], value]
    return ask_values(ctx, {**data, "segment": segment,
                            "typed": {**data.get("typed", {}), value: label}})


@staff_only
def on_values(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    segment = dict(data["segment"])
    typed = SEGMENTS[segment["kind"]].typed
    if typed is not None and inp.kind == "text" and inp.text.strip():
        text = inp.text.strip()
        return _typed_value(ctx, data, text, typed(ctx.session, text))
    values = list(segment["values"])
    if inp.value == MORE:
        return ask_values(ctx, data, page=_page(inp))
    if inp.value == "__done":
        if not values:
            return ask_values(ctx, data, lead=ctx._("Please choose at least one."))
        return preview(ctx, data)
    if inp.value in values:
        values.remove(inp.value)
    elif inp.value in {v for v, _ in _values(ctx, segment["kind"], data.get("typed"))}:
        values.append(inp.value)
    segment["values"] = values
    data["segment"] = segment
    return ask_values(ctx, data, page=_page(inp))


def preview(ctx: Context, data: dict) -> Reply:
    count = count_recipients(ctx.session, data["segment"])
    data["count"] = count
    sample = Announcement(id=0, texts=data["texts"], segment=data["segment"], status="draft")
    languages = format_names((language_name(c) for c in data["texts"]), ctx.locale)
    summary = "\n".join([
        ctx._("Recipients: {count}", count=count),
        ctx._("Languages: {languages}", languages=languages),
        ctx._("This is how it will look:"),
    ])
    messages = [ctx.out.text(summary, back=False)]
    messages += announcement_messages(sample, ctx.out) or []
    choices = [
        Choice.answer(PREVIEW, ctx._("Send now"), "now", style="primary"),
        Choice(ctx._("Send later"), "ans", {"s": PREVIEW, "v": "later"}, kind="datetime"),
        Choice.answer(PREVIEW, ctx._("Cancel"), "cancel"),
    ]
    messages.append(ctx.out.choices(ctx._("Send it?"), choices))
    return Reply(messages, next=PREVIEW, data=data)


@staff_only
def on_preview(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "cancel":
        return main_menu(ctx, inp, lead=ctx._("Stopped. Nothing was sent."))
    if inp.value == "later":
        raw = inp.params.get("datetime")
        try:
            when = datetime.fromisoformat(raw or "")
        except ValueError:
            return preview(ctx, data)
        when = when.replace(tzinfo=ZoneInfo(ctx.config["BOT_TIMEZONE"]))
        if when <= ctx.now:
            return preview(ctx, data)
        data["at"] = when.astimezone(UTC).isoformat()
        question = ctx._("Send to {count} people at {when}?", count=data.get("count", 0),
                         when=format_when(when, ctx.locale, ctx.config["BOT_TIMEZONE"]))
    elif inp.value == "now":
        data.pop("at", None)
        question = ctx._("Send to {count} people now?", count=data.get("count", 0))
    else:
        return preview(ctx, data)
    yes = Choice.answer(CONFIRM, ctx._("Send"), "yes")
    no = Choice.answer(CONFIRM, ctx._("Cancel"), "no")
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM, data=data)


@answers_yes_no
@staff_only
def on_confirm(ctx: Context, inp: Input) -> Reply:
    data = ctx.state.data
    if inp.value != "yes":
        return main_menu(ctx, inp, lead=ctx._("Stopped. Nothing was sent."))
    at = datetime.fromisoformat(data["at"]) if data.get("at") else ctx.now
    announcement = create(ctx.session, texts=data["texts"], segment=data["segment"],
                          author=ctx.user)
    targeted = schedule(ctx.session, announcement, at=at)
    audit(ctx.session, "announce.send", actor=ctx.user, announcement=announcement.id,
          targeted=targeted, segment=data["segment"]["kind"])
    return Reply([ctx.out.text(ctx._(
        "Announcement {number} is on its way to {count} people. Ask for \"Results\" to see "
        "how it went.", number=announcement.id, count=targeted),
        [Choice.go(ctx._("Results"), "announce", v="results")])])


def results(ctx: Context) -> Reply:
    lines = []
    choices: list[Choice] = []
    month = monthly_limit_reached(ctx.app)
    if month:
        lines.append(ctx._("LINE's monthly message limit was reached ({month}): only urgent "
                           "messages are being sent.", month=month))
    for announcement in recent(ctx.session):
        refresh_counts(ctx.session, announcement)
        text = next(iter(announcement.texts.values()), "")
        lines.append(ctx._(
            "No. {number} ({when}) {start}: {targeted} targeted, {sent} sent, {failed} failed",
            number=announcement.id, start=text[:15],
            when=format_when(announcement.send_at or announcement.created_at, ctx.locale,
                             ctx.config["BOT_TIMEZONE"]),
            targeted=announcement.targeted, sent=announcement.sent, failed=announcement.failed))
        if cancellable(ctx.session, announcement.id, ctx.now) is not None:
            choices.append(Choice.go(ctx._("Cancel No. {number}", number=announcement.id),
                                     "announce", v="cancel", n=announcement.id))
    if len(lines) == (1 if month else 0):
        lines.append(ctx._("No announcements yet."))
    if ctx.out.simple:  # room beside "back to menu"
        choices = choices[:SIMPLE_CHOICE_LIMIT - 1]
    return Reply([ctx.out.text("\n".join(lines), choices)])


def ask_cancel(ctx: Context, inp: Input) -> Reply:
    try:
        number = int(inp.args.get("n", ""))
    except ValueError:
        return results(ctx)
    announcement = cancellable(ctx.session, number, ctx.now)
    if announcement is None:
        return Reply([ctx.out.text(ctx._(
            "Announcement {number} can no longer be cancelled: it is being sent, was sent "
            "or was cancelled.", number=number))])
    text = next(iter(announcement.texts.values()), "")
    question = ctx._("Cancel announcement {number} ({start}), due {when} for {count} people?",
                     number=number, start=text[:15], count=announcement.targeted,
                     when=format_when(announcement.send_at, ctx.locale,
                                      ctx.config["BOT_TIMEZONE"]))
    yes = Choice.answer(CONFIRM_CANCEL, ctx._("Cancel it"), "yes")
    # Translators: leaves a scheduled announcement as it is
    no = Choice.answer(CONFIRM_CANCEL, ctx._("Keep it"), "no")
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_CANCEL,
                 data={"id": number})


@answers_yes_no
@staff_only
def on_confirm_cancel(ctx: Context, inp: Input) -> Reply:
    number = int(ctx.state.data.get("id", 0))
    if inp.value != "yes":
        return main_menu(ctx, inp, lead=ctx._("Nothing changed: announcement {number} will be "
                                               "sent as planned.", number=number))
    announcement = cancellable(ctx.session, number, ctx.now)
    if announcement is None:
        return Reply([ctx.out.text(ctx._(
            "Announcement {number} can no longer be cancelled: it is being sent, was sent "
            "or was cancelled.", number=number))])
    stopped = cancel_announcement(ctx.session, announcement)
    audit(ctx.session, "announce.cancel", actor=ctx.user, announcement=number,
          cancelled=stopped)
    return Reply([ctx.out.text(ctx._(
        "Announcement {number} is cancelled: {count} messages will not be sent.",
        number=number, count=stopped))])


@staff_only
def on_entry(ctx: Context, inp: Input) -> Reply:
    if inp.args.get("v") == "results":
        return results(ctx)
    if inp.args.get("v") == "cancel":
        return ask_cancel(ctx, inp)
    return on_start(ctx, inp)


def on_word(ctx: Context, inp: Input, _match: object) -> Reply:
    return on_entry(ctx, inp)


dialog = Dialog(
    name="announce",
    entries={"announce": on_entry},
    steps={
        START: on_start_choice,
        ASK_TEXT: on_text,
        ASK_MORE: on_more,
        ASK_TRANSLATION: on_translation,
        ASK_SEGMENT: on_segment,
        ASK_VALUES: on_values,
        PREVIEW: on_preview,
        CONFIRM: on_confirm,
        CONFIRM_CANCEL: on_confirm_cancel,
    },
    prompts={
        START: lambda ctx: on_start(ctx, Input("postback", action="announce")),
        ASK_TEXT: lambda ctx: ask_text(ctx, ctx.state.data),
        ASK_MORE: lambda ctx: ask_more(ctx, ctx.state.data),
        ASK_SEGMENT: lambda ctx: ask_segment(ctx, ctx.state.data),
        ASK_VALUES: lambda ctx: ask_values(ctx, ctx.state.data),
        PREVIEW: lambda ctx: preview(ctx, ctx.state.data),
    },
)
