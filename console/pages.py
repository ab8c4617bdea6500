"""The console's home: who you are, your organisations, what you can do."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from console import people
from console.blueprint import bp
from console.db import db
from console.forms import ActionForm
from models import organisations as orgs
from models.initiatives import Initiative


@bp.get("/")
def home() -> str:
    person = people.person()
    assert person is not None
    rights = people.rights()
    pending = orgs.pending(db()) if rights.is_staff else []
    # what they presented themselves: its translations are theirs to review
    presented = list(db().scalars(select(Initiative).where(
        Initiative.presenter_id == person.id).order_by(Initiative.id.desc()).limit(50)))
    return render_template("console/home.html", organisations=orgs.organisations_of(db(), person),
                           pending=pending, presented=presented, action=ActionForm())
