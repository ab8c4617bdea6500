"""How a console form is saved: the same for an organisation's profile, an activity and a
slot. The domain may refuse what the form let through (a taken name, a capacity below the
people signed up); what it wrote before refusing is rolled back, so the page shown again
reads a clean session and nothing half-made is left for a later commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug import Response

from console.db import db

Form = TypeVar("Form", bound=FlaskForm)
Saved = TypeVar("Saved")


def save(form: Form, change: Callable[[], Saved],
         refused: Callable[[Form, ValueError], None], *, notice: str,
         then: Callable[[Saved], str]) -> Response | None:
    """When the form is submitted and valid, try `change`: on the domain's refusal roll back
    and let `refused` mark the field; otherwise commit, flash `notice` (a msgid) and go to
    `then(what change returned)`. None: show the form (again)."""
    if not form.validate_on_submit():
        return None
    try:
        saved = change()
    except ValueError as exc:
        db().rollback()
        refused(form, exc)
        return None
    db().commit()
    flash(notice)
    return redirect(then(saved))
