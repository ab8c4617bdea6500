"""Reviewing the versions of texts the console does not edit themselves: an initiative's
title and summary (its presenter wrote them in the chat) and a gathering's place. The page
shows the originals, in the language they are written in, and a field per other language
(Japanese too, when the original is not: `Translated.version_locales`); a version the
machine made is marked. A person corrects it (then it is theirs) or ticks that they
checked it (then "reviewed"); the machine replaces neither (models.texts.save_versions).

Who: ward staff, the person who presented the initiative (its author, listed on their console
home), and the members (owners, editors) of the organisation that presents it; an idea
meeting's place is staff's. Every change is audit-logged
(`initiative.translations`, `gathering.translations`, `via: console`)."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from console import people
from console.access import found_or_404, member_or_staff
from console.blueprint import bp
from console.db import db
from console.forms import TOO_LONG, Checkboxes, CheckedForm
from console.i18n import notice
from models import gatherings as gat
from models import initiatives as ini
from models.gatherings import Gathering
from models.ideas import IdeaCall
from models.initiatives import Initiative
from models.locales import N_, SUPPORTED_LOCALES
from models.texts import Translated, save_versions
from models.users import audit

# field -> (its longest text, whether it is one line)
LIMITS: dict[type[Translated], dict[str, tuple[int, bool]]] = {
    Initiative: {"title": (ini.TITLE_MAX, True), "summary": (ini.SUMMARY_MAX, False)},
    Gathering: {"place": (gat.PLACE_MAX, True)},
}

LABELS = {"title": N_("Title"), "summary": N_("Summary"), "place": N_("Place")}


def versions_form(model: type[Translated]) -> type[CheckedForm]:
    """A form with a field per text and language ("title_en", "place_ja") and the locales
    checked; the page shows the fields of the item's other languages only."""
    fields: dict[str, Any] = {
        "reviewed": Checkboxes("reviewed", choices=list(SUPPORTED_LOCALES))}
    for field, (limit, one_line) in LIMITS[model].items():
        for code in SUPPORTED_LOCALES:
            fields[f"{field}_{code}"] = (StringField if one_line else TextAreaField)(
                f"{field}_{code}", [Length(max=limit, message=TOO_LONG)])
    return type(f"{model.__name__}VersionsForm", (CheckedForm,), fields)


FORMS = {model: versions_form(model) for model in LIMITS}


def _may_review(initiative: Initiative) -> None:
    """Staff, its presenter, or its organisation's members (403 for anyone else)."""
    rights = people.rights()
    if not rights.is_staff and initiative.presenter_id != rights.user_id:
        member_or_staff(initiative.organisation_id, edit=True)


def _review(item: Translated, action: str, heading: str, back: str,
            **shown: Any) -> str | Response:
    form = FORMS[type(item)](obj=None, data={
        f"{field}_{code}": item.version(field, code)
        for field in item.TEXT_FIELDS for code in item.version_locales})
    if form.validate_on_submit():
        sent = {(field, code): form[f"{field}_{code}"].data or ""
                for field in item.TEXT_FIELDS for code in item.version_locales}
        changed = save_versions(db(), item, sent, form.reviewed.data or ())
        if changed:
            audit(db(), action, actor=people.person(), **{item.TEXT_KIND: item.id},
                  fields=[f"{field}_{code}" for field, code in changed], via="console")
        db().commit()
        notice(N_("Saved."))
        return redirect(back)
    return render_template("console/translations.html", form=form, item=item,
                           heading=heading, limits=LIMITS[type(item)], labels=LABELS, **shown)


@bp.route("/initiatives/<int:initiative_id>/translations", methods=["GET", "POST"])
def initiative_translations(initiative_id: int) -> str | Response:
    found = found_or_404(Initiative, initiative_id)
    _may_review(found)
    here = url_for("console.initiative_translations", initiative_id=found.id)
    gatherings = list(db().scalars(select(Gathering).where(
        Gathering.initiative_id == found.id).order_by(Gathering.starts_at)))
    return _review(found, "initiative.translations", N_("Translations of “{title}”"),
                   here, title=found.title, gatherings=gatherings)


@bp.route("/gatherings/<int:gathering_id>/translations", methods=["GET", "POST"])
def gathering_translations(gathering_id: int) -> str | Response:
    found = found_or_404(Gathering, gathering_id)
    initiative = db().get(Initiative, found.initiative_id) if found.initiative_id else None
    if initiative is None:  # an idea meeting: staff's
        if not people.rights().is_staff:
            abort(403)
        call = db().get(IdeaCall, found.idea_call_id) if found.idea_call_id else None
        title = call.theme if call else ""
    else:
        _may_review(initiative)
        title = initiative.title
    here = url_for("console.gathering_translations", gathering_id=found.id)
    return _review(found, "gathering.translations", N_("Translations of “{title}”"), here,
                   title=title, gatherings=[], initiative=initiative)
