"""Open data in the console (staff only): the standard event list (自治体標準オープンデータセット
「イベント一覧」) in and out.

Importing is two steps. The upload is previewed: each row with what importing it would do
(new, updated, unchanged, or rejected with the reason in the staff member's language),
computed by the domain's import in a savepoint rolled back (models.activity_data
`preview_csv`), so nothing changes. The file itself stays on the server, in Redis for
KEPT_SECONDS under a random token and the staff member's sign-in (another sign-in, or
another person, cannot use the token); the page carries only the token. "Import" imports
that same file with the command line's import (all rows or none) and commits only if every
row does what the preview said: when the data changed in between, nothing is committed and
the new preview is shown. A second press imports nothing more. Every import is
audit-logged. The export is the command line's (`machibot data export`).
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug import Response

from bot.keys import key
from bot.redis_store import get_redis
from console import people
from console.blueprint import bp
from console.db import db
from console.forms import ActionForm, OpenDataForm
from console.i18n import notice, translate
from models.activity_data import (
    NEW,
    REJECTED,
    UNCHANGED,
    UPDATED,
    ImportFailed,
    ImportReport,
    RowOutcome,
    import_csv,
    preview_csv,
)
from models.activity_export import export_csv
from models.announcements import area_names
from models.locales import N_
from models.users import audit

KEPT_SECONDS = 30 * 60  # how long an uploaded file waits for its "Import"
OUTCOMES = {NEW: N_("New"), UPDATED: N_("Updated"), UNCHANGED: N_("Unchanged"),
            REJECTED: N_("Rejected")}
EXPIRED = N_("That preview has expired or was imported already. Please upload the file "
             "again.")
CHANGED = N_("The activities changed since the preview: nothing was imported. Here is the "
             "file's preview again; check it and import it again.")


def upload_limit(view: Any) -> Any:
    """The body may be at most OPEN_DATA_MAX_BYTES and the form around it (checked by
    console/__init__.py before the form is read for its CSRF token)."""
    view.upload_limit = "OPEN_DATA_MAX_BYTES"
    return view


def too_large() -> Response:
    """An upload over OPEN_DATA_MAX_BYTES, refused while it arrives (console/logos.py's
    handler sends it here): back to the page, saying why."""
    megabytes = f"{int(current_app.config['OPEN_DATA_MAX_BYTES']) / 1_000_000:g}"
    notice(N_("This file is too large: at most {megabytes} MB."), megabytes=megabytes)
    return redirect(url_for("console.open_data"))


def _options() -> dict[str, Any]:
    return {"tz": current_app.config["BOT_TIMEZONE"], "areas": area_names(current_app.config)}


def _kept_key(token: str) -> str:
    """The kept file's key: the token under this sign-in's id, so that only the browser
    that previewed it can import it."""
    return key("console", "open_data", session.get("sign_in", ""), token[:64])


@bp.get("/open-data")
@people.staff_only
def open_data() -> str:
    return render_template("console/open_data.html", form=OpenDataForm(), problems=[])


@bp.post("/open-data/preview")
@people.staff_only
@upload_limit
def preview_open_data() -> str:
    form = OpenDataForm()
    if not form.validate_on_submit():
        return render_template("console/open_data.html", form=form, problems=[])
    upload = form.file.data
    return _preview(upload.read(), upload.filename or "")


def _preview(raw: bytes, filename: str, *, lead: str | None = None) -> str:
    """The row-by-row report of `raw` (nothing written), and the file kept for its import
    when no row is rejected."""
    try:
        report = preview_csv(db(), raw, **_options())
    except ImportFailed as failed:
        return render_template("console/open_data.html", form=OpenDataForm(),
                               problems=_problems(failed), filename=filename)
    token = None
    if report.rows and not report.rejected:
        token = secrets.token_urlsafe(24)
        kept = {"user": people.person().id, "filename": filename,
                "file": base64.b64encode(raw).decode(), "outcomes": report.outcomes()}
        get_redis().set(_kept_key(token), json.dumps(kept), ex=KEPT_SECONDS)
    return render_template("console/open_data_preview.html", report=report,
                           rows=[_shown(row) for row in report.rows], filename=filename,
                           token=token, action=ActionForm(), lead=lead,
                           counts={label: sum(1 for row in report.rows if row.outcome == code)
                                   for code, label in OUTCOMES.items()})


def _shown(row: RowOutcome) -> dict[str, Any]:
    """A row as the preview shows it, a rejected one's reason in the person's language."""
    return {"line": row.line, "title": row.title, "outcome": row.outcome,
            "label": OUTCOMES[row.outcome],
            "reason": translate(row.problem.msgid, **row.problem.params) if row.problem else ""}


def _problems(failed: ImportFailed) -> list[tuple[int, str]]:
    return [(line, translate(problem.msgid, **problem.params))
            for line, problem in failed.problems]


@bp.post("/open-data/import")
@people.staff_only
def import_open_data() -> str | Response:
    """Import the previewed file, if it still does what the preview showed."""
    token = request.form.get("token", "")
    found = get_redis().get(_kept_key(token)) if token else None
    kept = json.loads(found) if found else None
    if kept is None or kept["user"] != people.person().id:
        notice(EXPIRED)
        return redirect(url_for("console.open_data"))
    raw = base64.b64decode(kept["file"])
    try:
        report: ImportReport | None = import_csv(db(), raw, **_options())
    except ImportFailed:
        report = None
    promised = [tuple(outcome) for outcome in kept["outcomes"]]
    if report is None or report.outcomes() != promised:
        db().rollback()
        get_redis().delete(_kept_key(token))
        return _preview(raw, kept["filename"], lead=CHANGED)
    if not get_redis().delete(_kept_key(token)):  # pressed twice: the other press imports
        db().rollback()
        notice(EXPIRED)
        return redirect(url_for("console.open_data"))
    audit(db(), "open_data.import", actor=people.person(), file=kept["filename"][:100],
          created=report.created, updated=report.updated, unchanged=report.unchanged,
          via="console")
    db().commit()
    notice(N_("Imported: {new} new, {updated} updated, {unchanged} unchanged."),
           new=report.created, updated=report.updated, unchanged=report.unchanged)
    return redirect(url_for("console.open_data"))


@bp.get("/open-data/export.csv")
@people.staff_only
def export_open_data() -> Response:
    """Every slot that is on, in the standard's columns (UTF-8 with BOM), no personal data:
    what the ward can publish."""
    data = export_csv(db(), tz=current_app.config["BOT_TIMEZONE"])
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="events.csv"'})
