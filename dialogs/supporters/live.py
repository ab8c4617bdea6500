"""What supporting keeps in Redis, with TTLs: a resident's code (10 minutes), a pairing
(at most 60 minutes) and a supporter's wrong codes (15 minutes), their keys, the keys a turn
prefetches, and how they read; and what the two sides of a pairing see of each other (a
display name, the End help button)."""

from __future__ import annotations

import json
import math
import unicodedata
from typing import Any

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input
from bot.kernel.i18n import gettext
from bot.keys import key
from models.users import User, audit, get_by_line_id

CODE_SECONDS = 10 * 60
PAIR_SECONDS = 60 * 60
CODE_DIGITS = 6
# A million codes, a few alive at a time: without a limit a script finds one in minutes. A
# supporter may type this many wrong codes in this many seconds, then none for as long.
WRONG_CODES = 5
WRONG_CODE_SECONDS = 15 * 60


def code_key(code: str) -> str:
    return key("support", "code", code)


def code_of_key(resident_line_id: str) -> str:
    return key("support", "code_of", resident_line_id)


def acting_key(supporter_line_id: str) -> str:
    """The supporter's side of a pairing: whom they act for."""
    return key("support", "acting", supporter_line_id)


def helped_key(resident_line_id: str) -> str:
    """The resident's side of a pairing: who helps them."""
    return key("support", "helped", resident_line_id)


def code_tries_key(line_user_id: str) -> str:
    """The wrong codes someone typed lately: {"n": how many, "until": when the count ends}."""
    return key("support", "code_tries", line_user_id)


def keys_naming(line_user_id: str, code: str | None, acting: str | None,
                helped: str | None) -> list[str]:
    """Every key of supporting that names this person: their code and its key (`code`: the
    value of their code_of key), both sides of their pairing (`acting`, `helped`: the values
    of their acting and helped keys)."""
    found = [code_of_key(line_user_id), acting_key(line_user_id), helped_key(line_user_id),
             code_tries_key(line_user_id)]
    if code:
        found.append(code_key(code))
    partner = (read_json(acting) or {}).get("r")
    if isinstance(partner, str):
        found.append(helped_key(partner))
    partner = (read_json(helped) or {}).get("h")
    if isinstance(partner, str):
        found.append(acting_key(partner))
    return found


def typed_code(inp: Input) -> str | None:
    if inp.kind != "text":
        return None
    text = unicodedata.normalize("NFKC", inp.text).replace(" ", "").replace("-", "")
    return text if len(text) == CODE_DIGITS and text.isascii() and text.isdigit() else None


def prefetch_keys(line_user_id: str, inp: Input) -> list[str]:
    """The Redis keys a turn of this user may need, read in the turn's first pipeline."""
    found = [acting_key(line_user_id), helped_key(line_user_id)]
    if inp.action == "ask_supporter":
        found.append(code_of_key(line_user_id))
    code = typed_code(inp)
    if code:
        found += [code_key(code), code_tries_key(line_user_id)]
    return found


def read_json(raw: str | None) -> dict[str, Any] | None:
    """A code's or a pairing's value as stored; None when missing or unreadable."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def code_owner(ctx: Context, inp: Input) -> tuple[User | None, str | None]:
    """The person whose live code was typed, and the code's one-use ticket."""
    code = typed_code(inp)
    found = read_json(ctx.effects.fetched.get(code_key(code))) if code else None
    if found is None:
        return None, None
    return get_by_line_id(ctx.session, str(found.get("r", ""))), str(found.get("t", ""))


def code_wait_minutes(ctx: Context) -> int:
    """Minutes before this person may type a code again (0: now)."""
    tries = read_json(ctx.effects.fetched.get(code_tries_key(ctx.user.line_user_id))) or {}
    left = float(tries.get("until", 0) or 0) - ctx.now.timestamp()
    if int(tries.get("n", 0) or 0) < WRONG_CODES or left <= 0:
        return 0
    return max(1, math.ceil(left / 60))


def count_wrong_code(ctx: Context, purpose: str) -> None:
    """Count a wrong code against the person who typed it, and audit-log it (never the code
    itself). The count lasts WRONG_CODE_SECONDS from the first wrong code; the code that
    reaches WRONG_CODES starts a full WRONG_CODE_SECONDS of waiting."""
    line_id = ctx.user.line_user_id
    now = ctx.now.timestamp()
    tries = read_json(ctx.effects.fetched.get(code_tries_key(line_id))) or {}
    until = float(tries.get("until", 0) or 0)
    count = int(tries.get("n", 0) or 0) + 1 if until > now else 1
    if count == 1 or count >= WRONG_CODES:
        until = now + WRONG_CODE_SECONDS
    ctx.effects.redis_set.append((code_tries_key(line_id), json.dumps(
        {"n": count, "until": round(until, 3)}), max(1, math.ceil(until - now))))
    audit(ctx.session, "support.code_wrong", actor=ctx.user, purpose=purpose, tries=count)


def end_choice(locale: str) -> Choice:
    # Translators: ends a digital supporter's session with a resident
    return Choice.go(gettext(locale, "End help"), "support_end")


def display_name(user: User, locale: str) -> str:
    """A display name, never a LINE id."""
    return user.display_name or gettext(locale, "(no name)")
