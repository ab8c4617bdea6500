"""Signing in with LINE Login, and out.

The LINE account must already be a friend of the bot (a users row that is active): the
console is for people the bot knows, with the roles staff gave them. Every sign-in, refusal
and sign-out is audit-logged.
"""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from flask import current_app, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError
from werkzeug import Response

from console import line_login, people
from console.blueprint import bp, sign_in_bp
from console.db import db
from models.users import audit, get_by_line_id

NEXT = "console_next"


def _safe_next(target: str | None) -> str | None:
    """Only a console path of this site: never another host (an open redirect)."""
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return None


@sign_in_bp.get("")
def page() -> str | tuple[str, int]:
    if people.person() is not None:
        return redirect(url_for("console.home"))  # type: ignore[return-value]
    configured = current_app.config["CONSOLE_LOGIN"] is not None
    return render_template("console/sign_in.html", configured=configured,
                           next=_safe_next(request.args.get("next"))), 200 if configured else 503


@sign_in_bp.get("/line")
def start() -> Response | tuple[str, int]:
    if current_app.config["CONSOLE_LOGIN"] is None:
        return render_template("console/sign_in.html", configured=False), 503
    session[NEXT] = _safe_next(request.args.get("next"))
    return line_login.client().authorize_redirect(
        url_for("console_sign_in.callback", _external=True))


@sign_in_bp.get("/callback")
def callback() -> Response | tuple[str, int]:
    if current_app.config["CONSOLE_LOGIN"] is None:
        return render_template("console/sign_in.html", configured=False), 503
    try:
        token = line_login.client().authorize_access_token()
    except (OAuthError, JoseError):
        # a forged or replayed answer, a refusal at LINE, or an ID token that does not verify
        return _refused("failed")
    claims = token.get("userinfo") or {}
    user = get_by_line_id(db(), str(claims.get("sub") or ""))
    if user is None or not user.active:
        return _refused("not_friend")
    target = session.get(NEXT)
    people.sign_in(user)
    audit(db(), "console.sign_in", actor=user)
    db().commit()
    return redirect(_safe_next(target) or url_for("console.home"))


def _refused(reason: str) -> tuple[str, int]:
    audit(db(), "console.sign_in_refused", reason=reason)
    db().commit()
    return render_template("console/sign_in_refused.html", reason=reason), 403


@bp.post("/sign-out")
def sign_out() -> Response:
    found = people.person()
    if found is not None:
        audit(db(), "console.sign_out", actor=found)
        db().commit()
    people.end_sign_in()
    session.clear()
    return redirect(url_for("console_sign_in.page"))
