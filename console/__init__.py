"""The console: a web app at /console, in the same Flask process as the bot, where
organisers and ward staff work, signed in with LINE Login.

- `sign_in`: LINE Login (Authlib, `line_login`), sign-out; `people`: who is signed in.
- `pages`: home; `announcements`: staff's announcements (list, compose, count, preview,
  send or schedule, cancel); `idea_calls`: staff's idea calls, their meetings, ideas,
  decisions and CSV; `initiatives`: every initiative with its counts, and review;
  `organisations`: registering, verifying, an organisation's members.
- `open_data` (staff): the standard event list's import, previewed row by row, and its
  export; `roles` (staff): people found by name, their roles granted and taken away;
  `audit`: the audit log, filtered (staff).
- `kpi`: the ward's KPI dashboard (staff), its plots and its downloads.
- `logos`: an organisation's logo (uploaded, checked and drawn again with Pillow).
- `activities`, `slots`: an organisation's activities and their slots; `rosters`: who
  signed up for a slot, attendance, the participants' CSV; `posters`: a slot's sign-up
  and check-in QR posters. `translations`: an initiative's and a gathering's versions,
  reviewed. `access`: who may open what; `saving`: how a form is saved.
- `forms` (Flask-WTF), `i18n` (the bot's catalogs, the person's language), `db` (a session
  per request), `rate_limits` (the sign-in's rate limit, counted in the app's Redis).

Security: CSRF on every POST (Flask-WTF), session cookie HttpOnly, SameSite=Lax and Secure
over HTTPS, sign-in rate-limited (`limits`), every change audit-logged.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Request, current_app, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug import Response

from bot.kernel.i18n import IN_LANGUAGE, SUPPORTED_LOCALES
from console import (  # noqa: F401
    activities,
    announcements,
    audit,
    i18n,
    idea_calls,
    initiatives,
    kpi,
    line_login,
    logos,
    open_data,
    organisations,
    pages,
    people,
    posters,
    rate_limits,
    roles,
    rosters,
    sign_in,
    slots,
    translations,
)
from console import db as console_db
from console.blueprint import bp, sign_in_bp
from models.activities import STYLES
from models.categories import CATEGORIES
from models.locales import N_
from models.organisations import KINDS
from models.texts import ORIGINAL_LANGUAGES, VERSION_LOCALES

__all__ = ["bp", "init_app"]
SECRET_KEY_FILE = "secret_key"
COOKIE = "machibot_console"
CONSOLE_PATH = bp.url_prefix + "/"
csrf = CSRFProtect()
# the languages an activity's title and description have versions in: the code, the
# language's own name, its lang attribute and the msgid that names it after a label
EVERY_VERSION = {code: (code, SUPPORTED_LOCALES[code][1], i18n.html_lang(code),
                        IN_LANGUAGE[code]) for code in SUPPORTED_LOCALES}
VERSIONS = tuple(EVERY_VERSION[code] for code in VERSION_LOCALES)
# the languages an original may be written in: the code, its own name, its lang attribute
LANGUAGES = tuple((code, SUPPORTED_LOCALES[code][1], i18n.html_lang(code))
                  for code in ORIGINAL_LANGUAGES)


def versions_of(item: Any = None) -> tuple[tuple[str, str, str, str], ...]:
    """The languages an item's texts have versions in (Japanese too, when its original is
    written in another language); a new item's: those of a Japanese original."""
    if item is None:
        return VERSIONS
    return tuple(EVERY_VERSION[code] for code in item.version_locales)


ROLE_LABELS = {"owner": N_("Owner"), "editor": N_("Editor"), "staff": N_("Ward staff")}


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS (or the
    site says it is served so), as a deployment behind TLS is. Only the console's pages
    have a session: the webhook and the other routes get Flask's null session, without
    reading a cookie (0.04 ms of CPU per webhook event, bench/web_request.py)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith(CONSOLE_PATH):
            return None  # Flask then makes its null session, which nothing saves
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return (super().get_cookie_secure(app) or request.is_secure
                or app.config.get("PREFERRED_URL_SCHEME") == "https")


def init_app(app: Flask) -> None:
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or instance_secret_key(
        Path(app.config["INSTANCE_PATH"]))
    app.config.update(SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_PATH="/",
                      # checked for every console POST below, not for the webhook
                      WTF_CSRF_CHECK_DEFAULT=False)
    app.session_interface = ConsoleSessionInterface()
    csrf.init_app(app)
    rate_limits.init_app(app)
    console_db.init_app(app)
    line_login.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(sign_in_bp)


@bp.before_request
def _signed_in_and_csrf() -> Response | None:
    """Every page of `bp` is for a signed-in person: the others go to the sign-in page and
    come back after it. Then every POST must carry the form's CSRF token (else 400)."""
    if request.endpoint == "console.static":
        return None
    if people.person() is None:
        back = request.full_path if request.method == "GET" else None
        return redirect(url_for("console_sign_in.page", next=back))
    if request.method == "POST":
        # an upload's limit holds before its form is read for the token (413 beyond it)
        limit = getattr(current_app.view_functions.get(request.endpoint or ""),
                        "upload_limit", None)
        if limit:
            request.max_content_length = int(current_app.config[limit]) + logos.FORM_OVERHEAD
        csrf.protect()
    return None


def _context() -> dict[str, Any]:
    """What every console page may show: the person (None when signed out), whether they
    are staff, and the labels (msgids) of kinds, categories and member roles."""
    found = people.person()
    return {"person": found, "is_staff": found is not None and people.rights().is_staff,
            "kinds": KINDS, "categories": CATEGORIES, "roles": ROLE_LABELS,
            "styles": STYLES, "versions": VERSIONS, "languages": LANGUAGES,
            "versions_of": versions_of,
            "verification_required": current_app.config["ORGANISATION_VERIFICATION"]
            == "required"}


def _error_page(error: Exception) -> tuple[str, int]:
    status = getattr(error, "code", 500) or 500
    return render_template("console/error.html", status=status), status


sign_in_bp.before_request(rate_limits.check_sign_in_rate)
for _blueprint in (bp, sign_in_bp):
    _blueprint.context_processor(i18n.template_context)
    _blueprint.context_processor(_context)
    for _status in (400, 403, 404, 429):
        _blueprint.register_error_handler(_status, _error_page)
    _blueprint.register_error_handler(CSRFError, _error_page)


def instance_secret_key(instance: Path) -> str:
    """The key that signs console cookies when SECRET_KEY is unset: made once and kept in
    the instance folder (readable by this user only), so sign-ins survive a restart."""
    path = instance / SECRET_KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key
