"""The console's forms (Flask-WTF: every form carries the CSRF token).

Labels and messages are msgids, translated in the templates in the person's language;
choices are plain values (the templates show their labels from models' tables).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Length, Optional

from models.categories import CATEGORIES
from models.locales import N_
from models.organisations import CONTACT_MAX, DESCRIPTION_MAX, KINDS, NAME_MAX, WEBSITE_MAX

REQUIRED = N_("Please fill this in.")
TOO_LONG = N_("This is too long.")
NOT_A_URL = N_("Please enter a web address starting with https://.")


class Checkboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class OrganisationForm(FlaskForm):
    name = StringField(N_("Name"), [DataRequired(REQUIRED), Length(max=NAME_MAX,
                                                                   message=TOO_LONG)])
    kind = SelectField(N_("Kind"), choices=list(KINDS))
    description = TextAreaField(N_("Description"),
                                [Length(max=DESCRIPTION_MAX, message=TOO_LONG)])
    areas = Checkboxes(N_("Areas"))
    categories = Checkboxes(N_("Categories"), choices=list(CATEGORIES))
    public_contact = StringField(N_("Contact for residents (phone, address or e-mail)"),
                                 [Length(max=CONTACT_MAX, message=TOO_LONG)])
    website = StringField(N_("Website"), [Optional(), URL(message=NOT_A_URL),
                                          Length(max=WEBSITE_MAX, message=TOO_LONG)])


class ActionForm(FlaskForm):
    """A button that changes something (verify, leave): only its CSRF token."""


class HandOverForm(FlaskForm):
    """The member who becomes owner (the domain refuses anyone who is not a member)."""
    to = IntegerField(N_("New owner"), [DataRequired(REQUIRED)])
