"""Typed answers, photos and postback arguments, as the initiative, idea and gathering
dialogs take them; and the polite refusal of an action that is not the person's."""

from __future__ import annotations

from collections.abc import Callable

from bot.kernel.composer import Composer
from bot.kernel.engine import Context, Input, Reply
from bot.line import ContentTooLarge, LineError
from dialogs.common.refusals import log_refusal, why_refused
from dialogs.menu import main_menu
from models import photos
from models.base import TooLong, bounded
from models.categories import CATEGORIES


def areas(ctx: Context) -> list[str]:
    return [a.strip() for a in str(ctx.config.get("AREAS", "")).split(",") if a.strip()]


def too_long(ctx: Context, exc: TooLong) -> str:
    return ctx._("That is {length} characters. Please keep it to {limit} characters.",
                 length=exc.length, limit=exc.limit)


def refuse(ctx: Context, inp: Input, what: str, *, staff: bool = False) -> Reply:
    """Someone sent a postback for an action that is not theirs: log it, change nothing."""
    log_refusal(ctx, inp, f"{what}.refused")
    lead = (ctx._("Sorry, this is for ward staff only.") if staff
            else ctx._("Sorry, only the person who presented it can do that."))
    return main_menu(ctx, inp, lead=why_refused(ctx, lead))


def ask_text(ctx: Context, step: str, text: str, data: dict, lead: str | None = None) -> Reply:
    """A question answered by typing, after `lead` (why the last answer was not taken)."""
    return Reply([ctx.out.text(f"{lead}\n{text}" if lead else text)], next=step, data=data)


def take_text(ctx: Context, inp: Input, key: str, limit: int,
              ask: Callable[..., Reply], then: Callable[[Context, dict], Reply]) -> Reply:
    """A typed answer kept as written (trimmed) under `key`, then the next question; too
    long or empty, the same question again (with the length and the limit)."""
    data = dict(ctx.state.data)
    try:
        data[key] = bounded(key, inp.text if inp.kind == "text" else "", limit)
    except TooLong as exc:
        return ask(ctx, data, too_long(ctx, exc))
    except ValueError:
        return ask(ctx, data)
    return then(ctx, data)


def is_photo(inp: Input) -> bool:
    return inp.kind == "media" and inp.args.get("type") == "image" and bool(inp.args.get("id"))


def take_photo(ctx: Context, inp: Input) -> tuple[str | None, str | None]:
    """Fetch and keep the photo the person just sent: (its message id, None), or (None, a
    polite reason in their language). Nothing is kept when the photo is refused."""
    message_id = inp.args["id"][:32]
    limit = int(ctx.config["PHOTO_MAX_BYTES"])
    too_big = ctx._("That photo is too large. Please send a photo of up to {size} MB.",
                    size=f"{limit / 1_000_000:g}")
    ctx.show_loading()
    try:
        content = ctx.fetch_content(message_id, limit)  # type: ignore[misc]
        # a supporter acting for the person sent it: kept for the person, unsent by the sender
        photos.store(ctx.session, ctx.user, message_id, content.data, content.content_type,
                     max_bytes=limit, sender=ctx.supporter)
    except (ContentTooLarge, photos.TooBig):
        return None, too_big
    except photos.NotAPhoto:
        return None, ctx._("Please send a photo (JPEG or PNG).")
    except LineError:
        return None, ctx._("Sorry, the photo did not reach us. Please send it again.")
    return message_id, None


def keep_one_photo(ctx: Context, data: dict, message_id: str) -> dict:
    """The draft's photo is now `message_id`; a photo it replaces is not kept."""
    if data.get("photo") and data["photo"] != message_id:
        photos.discard(ctx.session, ctx.user.id, data["photo"])
    return {**data, "photo": message_id}


def int_arg(inp: Input, name: str) -> int | None:
    try:
        return int(inp.args.get(name, ""))
    except ValueError:
        return None


def category_label(out: Composer, code: str) -> str:
    return out._(CATEGORIES[code]) if code in CATEGORIES else ""
