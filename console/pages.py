"""The console's home: who you are, your organisations, what you can do."""

from __future__ import annotations

from flask import render_template

from console import people
from console.blueprint import bp
from console.db import db
from console.forms import ActionForm
from models import initiatives as ini
from models import organisations as orgs


@bp.get("/")
def home() -> str:
    person = people.person()
    assert person is not None
    rights = people.rights()
    pending = orgs.pending(db()) if rights.is_staff else []
    # what they presented themselves (as the chat's "mine" lists it): theirs to review
    presented, _more = ini.browse(db(), mine_for=person.id, limit=50)
    return render_template("console/home.html", organisations=orgs.organisations_of(db(), person),
                           pending=pending, presented=presented, action=ActionForm())
