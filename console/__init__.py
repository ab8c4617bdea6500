"""The console: a web app at /console, in the same Flask process as the bot, where
organisers and ward staff work, signed in with LINE Login.

- `sign_in`: LINE Login (Authlib, `line_login`), sign-out; `people`: who is signed in.
- `pages`: home; `organisations`: registering, verifying, an organisation's members.
- `activities`, `slots`: an organisation's activities and their slots; `rosters`: who
  signed up for a slot, attendance, the participants' CSV; `posters`: a slot's sign-up
  QR poster. `access`: who may open what.
- `forms` (Flask-WTF), `i18n` (the bot's catalogs, the person's language), `db` (a session
  per request), `rate_limits` (Flask-Limiter's counters in the app's Redis).

Security: CSRF on every POST (Flask-WTF), session cookie HttpOnly, SameSite=Lax and Secure
over HTTPS, sign-in rate-limited (Flask-Limiter), every change audit-logged.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, current_app, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug import Response

from bot.kernel.i18n import IN_LANGUAGE, SUPPORTED_LOCALES
from console import (  # noqa: F401
    activities,
    i18n,
    line_login,
    organisations,
    pages,
    people,
    posters,
    rate_limits,
    rosters,
    sign_in,
    slots,
)
from console import db as console_db
from console.blueprint import bp, sign_in_bp
from models.activities import STYLES
from models.categories import CATEGORIES
from models.locales import N_
from models.organisations import KINDS
from models.texts import VERSION_LOCALES

__all__ = ["bp", "init_app"]
SECRET_KEY_FILE = "secret_key"
COOKIE = "machibot_console"
csrf = CSRFProtect()
# the languages an activity's title and description have versions in: the code, the
# language's own name, its lang attribute and the msgid that names it after a label
VERSIONS = tuple((code, SUPPORTED_LOCALES[code][1], i18n.html_lang(code), IN_LANGUAGE[code])
                 for code in VERSION_LOCALES)
ROLE_LABELS = {"owner": N_("Owner"), "editor": N_("Editor"), "staff": N_("Ward staff")}


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS (or the
    site says it is served so), as a deployment behind TLS is."""

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
    limiter = Limiter(get_remote_address, app=app, storage_uri=f"{rate_limits.SCHEME}://",
                      storage_options={"app": app}, strategy="fixed-window",
                      key_prefix="console")
    limiter.limit(lambda: app.config["CONSOLE_SIGN_IN_RATE"])(sign_in_bp)
    app.extensions["console.limiter"] = limiter
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
        csrf.protect()
    return None


def _context() -> dict[str, Any]:
    """What every console page may show: the person (None when signed out), whether they
    are staff, and the labels (msgids) of kinds, categories and member roles."""
    found = people.person()
    return {"person": found, "is_staff": found is not None and people.rights().is_staff,
            "kinds": KINDS, "categories": CATEGORIES, "roles": ROLE_LABELS,
            "styles": STYLES, "versions": VERSIONS,
            "verification_required": current_app.config["ORGANISATION_VERIFICATION"]
            == "required"}


def _error_page(error: Exception) -> tuple[str, int]:
    status = getattr(error, "code", 500) or 500
    return render_template("console/error.html", status=status), status


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
