"""The console's home: who you are, your organisations, what you can do."""

from __future__ import annotations

from flask import render_template

from console import people
from console.blueprint import bp
from console.db import db
from console.forms import ActionForm
from models import organisations as orgs


@bp.get("/")
def home() -> str:
    person = people.person()
    assert person is not None
    rights = people.rights()
    pending = orgs.pending(db()) if rights.is_staff else []
    return render_template("console/home.html", organisations=orgs.organisations_of(db(), person),
                           pending=pending, action=ActionForm())
