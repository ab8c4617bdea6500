"""Staff's view of initiatives (取組提示型) in the console: every initiative with how many
expressed interest and how many gatherings it has (one statement), filtered by status; and,
when INITIATIVE_MODERATION is on, publishing or not publishing one awaiting review (the
domain's `review`, which the chat's staff review calls too: the presenter is told either
way). Staff only, every decision audit-logged."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug import Response

from console import people
from console.access import found_or_404
from console.blueprint import bp
from console.db import db
from console.forms import ActionForm
from console.i18n import notice
from models import initiatives as ini
from models.initiatives import STATUSES, Initiative
from models.locales import N_
from models.users import audit

LISTED = 200


def _moderated() -> bool:
    return bool(int(current_app.config.get("INITIATIVE_MODERATION") or 0))


@bp.get("/initiatives")
@people.staff_only
def initiatives() -> str:
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    rows = ini.with_counts(db(), status=status or None, limit=LISTED)
    return render_template("console/initiatives.html", rows=rows, statuses=STATUSES,
                           status=status, review=ini.REVIEW, moderated=_moderated(),
                           action=ActionForm())


@bp.post("/initiatives/<int:initiative_id>/review")
@people.staff_only
def review_initiative(initiative_id: int) -> Response:
    """Publish (`decision=publish`) or not; one decided already is left as it is."""
    initiative = found_or_404(Initiative, initiative_id)
    decision = request.form.get("decision")
    if decision not in ("publish", "reject"):
        abort(400)
    if not ini.review(db(), initiative, approve=decision == "publish"):
        notice(N_("“{title}” was decided already: nothing was changed."),
               title=initiative.title)
        return redirect(url_for("console.initiatives"))
    audit(db(), "initiative.review", actor=people.person(), initiative=initiative.id,
          approved=decision == "publish", via="console")
    db().commit()
    notice(N_("“{title}” is published. Its presenter will be told.") if decision == "publish"
           else N_("“{title}” is not published. Its presenter will be told."),
           title=initiative.title)
    return redirect(url_for("console.initiatives"))
