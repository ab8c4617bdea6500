"""Who is signed in to the console.

The session cookie holds only a random sign-in id; the id -> user row mapping lives in
Redis, so signing out ends the sign-in everywhere and a new id is made at every sign-in
(nothing planted before it survives). The person's roles and memberships are read from the
database on every request: a role taken away stops working at once.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from flask import abort, g, session

from bot.keys import key
from bot.redis_store import get_redis
from console.db import db
from models.users import Rights, User, get_by_line_id, rights_of

SIGN_IN_SECONDS = 12 * 3_600


def _sign_in_key(sign_in_id: str) -> str:
    return key("console", "sign_in", sign_in_id)


def sign_in(user: User) -> None:
    """Start a new sign-in for `user`, dropping whatever the session held before."""
    end_sign_in()
    session.clear()
    sign_in_id = secrets.token_urlsafe(32)
    get_redis().set(_sign_in_key(sign_in_id), user.line_user_id, ex=SIGN_IN_SECONDS)
    session["sign_in"] = sign_in_id


def end_sign_in() -> None:
    sign_in_id = session.pop("sign_in", None)
    if sign_in_id:
        get_redis().delete(_sign_in_key(sign_in_id))
    g.pop("console_person", None)


def person() -> User | None:
    """The signed-in person, read afresh for this request; None when signed out or when they
    have left the bot since."""
    if "console_person" not in g:
        sign_in_id = session.get("sign_in")
        line_user_id = get_redis().get(_sign_in_key(sign_in_id)) if sign_in_id else None
        found = get_by_line_id(db(), line_user_id) if line_user_id else None
        g.console_person = found if found is not None and found.active else None
    return g.console_person


def rights() -> Rights:
    found = person()
    assert found is not None
    return rights_of(found)


def staff_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not rights().is_staff:
            abort(403)
        return view(*args, **kwargs)
    return wrapper
