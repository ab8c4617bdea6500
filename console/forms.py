"""The console's forms (Flask-WTF: every form carries the CSRF token).

Labels and messages are msgids, translated in the templates in the person's language;
choices are plain values (the templates show their labels from models' tables).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    widgets,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from models.activities import STYLES
from models.announcements import SEGMENTS
from models.categories import CATEGORIES
from models.gatherings import PLACE_MAX as MEETING_PLACE_MAX
from models.gatherings import URL_MAX
from models.ideas import ISSUE_MAX, REVIEW_STATUSES, STAFF_MESSAGE_MAX, THEME_MAX
from models.locales import N_, SUPPORTED_LOCALES
from models.organisations import (
    CONTACT_MAX,
    DESCRIPTION_MAX,
    KINDS,
    MEMBER_ROLES,
    NAME_MAX,
    WEBSITE_MAX,
)
from models.organising import (
    ACCESS_MAX,
    ADDRESS_MAX,
    FEE_MAX,
    HOW_TO_APPLY_MAX,
    MARKS,
    MAX_WEEKS,
    PLACE_MAX,
    SLOT_VERSION_FIELDS,
    SLOT_VERSION_MAX,
    TITLE_MAX,
    VERSION_FIELDS,
    VERSION_MAX,
    WORD_MAX,
)
from models.organising import DESCRIPTION_MAX as ACTIVITY_DESCRIPTION_MAX
from models.texts import FORM_LOCALES, ORIGINAL_LANGUAGES, ORIGINAL_LOCALE, VERSION_LOCALES

REQUIRED = N_("Please fill this in.")
TOO_LONG = N_("This is too long.")
NOT_A_URL = N_("Please enter a web address starting with https://.")
NOT_A_NUMBER = N_("Please enter a number in the allowed range.")
CAPACITY_OR_NO_LIMIT = N_("Enter a capacity, or tick “No limit”.")
DEADLINE_BOTH = N_("Give the deadline's date and time, or neither.")
CHOOSE_A_FILE = N_("Please choose a file.")
CHOOSE_ONE = N_("Please choose at least one.")
SEND_AT_BOTH = N_("Give the date and time to send it.")


class Checkboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


INVALID = N_("Please check this value.")
OUR_MESSAGES = {REQUIRED, TOO_LONG, NOT_A_URL, NOT_A_NUMBER, CAPACITY_OR_NO_LIMIT, DEADLINE_BOTH,
                CHOOSE_ONE, SEND_AT_BOTH}


class CheckedForm(FlaskForm):
    """WTForms' own messages (a date it cannot read, a number that is not one) are not in
    our catalogs: the form shows ours instead, in the person's language."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            field.errors = [e if e in OUR_MESSAGES else INVALID for e in field.errors]
        return valid


class OrganisationForm(CheckedForm):
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
    # the language the name and description are written in (as an activity's)
    original_locale = SelectField(N_("Written in"), choices=list(ORIGINAL_LANGUAGES),
                                  default=ORIGINAL_LOCALE)
    # the name's and description's versions per language but the original (ORGANISATION_
    # VERSIONS, added below: "name_en", "description_ko", ...), and the locales whose
    # machine translations the member checked; shown when editing, not when registering
    reviewed = Checkboxes("reviewed", choices=list(FORM_LOCALES))  # labelled by locale

    def __init__(self, *args: Any, obj: Any = None, **kwargs: Any) -> None:
        versions = ({name: obj.version(*key) for name, key in ORGANISATION_VERSIONS.items()}
                    if obj is not None else {})
        super().__init__(*args, obj=obj, data=versions, **kwargs)


# "name_en" -> ("name", "en"): the form's fields for an organisation's versions
ORGANISATION_VERSIONS = {f"{field}_{locale}": (field, locale) for locale in FORM_LOCALES
                         for field in ("name", "description")}
for _name, (_field, _locale) in ORGANISATION_VERSIONS.items():
    setattr(OrganisationForm, _name, (StringField if _field == "name" else TextAreaField)(
        _name, [Length(max=NAME_MAX if _field == "name" else DESCRIPTION_MAX,
                       message=TOO_LONG)]))


class LogoForm(FlaskForm):
    """An organisation's logo; what the file holds is checked by console/logos.py."""
    logo = FileField(N_("Logo"), [FileRequired(CHOOSE_A_FILE)])


class OpenDataForm(FlaskForm):
    """A standard event-list CSV to preview (console/open_data.py reads what it holds)."""
    file = FileField(N_("Event list (CSV)"), [FileRequired(CHOOSE_A_FILE)])


class MembershipForm(FlaskForm):
    """Staff making someone a member of an organisation (choices: set by the view)."""
    organisation = SelectField(N_("Organisation"), coerce=int)
    role = SelectField(N_("Role"), choices=list(MEMBER_ROLES), default=MEMBER_ROLES[1])


class ActionForm(FlaskForm):
    """A button that changes something (verify, leave): only its CSRF token."""


class HandOverForm(FlaskForm):
    """The member who becomes owner (the domain refuses anyone who is not a member)."""
    to = IntegerField(N_("New owner"), [DataRequired(REQUIRED)])


class ActivityForm(CheckedForm):
    title = StringField(N_("Title"), [DataRequired(REQUIRED), Length(max=TITLE_MAX,
                                                                     message=TOO_LONG)])
    description = TextAreaField(N_("Description"),
                                [Length(max=ACTIVITY_DESCRIPTION_MAX, message=TOO_LONG)])
    category = SelectField(N_("Category"), choices=list(CATEGORIES))
    styles = Checkboxes(N_("Styles"), choices=list(STYLES))
    area = SelectField(N_("Area"))  # choices: the ward's areas, set by the view
    fee = StringField(N_("Fee"), [Length(max=FEE_MAX, message=TOO_LONG)])
    how_to_apply = TextAreaField(N_("How to apply"),
                                 [Length(max=HOW_TO_APPLY_MAX, message=TOO_LONG)])
    # the language the title and description are written in (labelled by its own name)
    original_locale = SelectField(N_("Written in"), choices=list(ORIGINAL_LANGUAGES),
                                  default=ORIGINAL_LOCALE)
    # the locales whose machine translations the organiser checked (and kept)
    reviewed = Checkboxes("reviewed", choices=list(FORM_LOCALES))  # labelled by locale
    # and a title and description per language other than the original (VERSION_FIELDS,
    # added below: "title_en", "description_en", ...)

    def __init__(self, *args: Any, obj: Any = None, **kwargs: Any) -> None:
        """An activity's versions fill their fields (they are not attributes of it)."""
        versions = ({name: obj.version(*key) for name, key in VERSION_FIELDS.items()}
                    if obj is not None else {})
        super().__init__(*args, obj=obj, data=versions, **kwargs)


for _name, (_field, _locale) in VERSION_FIELDS.items():
    # labelled with their language in the template ("Title (English)")
    setattr(ActivityForm, _name, (StringField if _field == "title" else TextAreaField)(
        _name, [Length(max=VERSION_MAX[_field], message=TOO_LONG)]))


class SlotForm(CheckedForm):
    """A slot's date and times are in the ward's time zone (BOT_TIMEZONE)."""
    day = DateField(N_("Date"), [InputRequired(REQUIRED)], format="%Y-%m-%d")
    starts = TimeField(N_("Starts at"), [InputRequired(REQUIRED)])
    ends = TimeField(N_("Ends at"), [InputRequired(REQUIRED)])
    place = StringField(N_("Place"), [Length(max=PLACE_MAX, message=TOO_LONG)])
    address = StringField(N_("Address"), [Length(max=ADDRESS_MAX, message=TOO_LONG)])
    access = TextAreaField(N_("How to get there"), [Length(max=ACCESS_MAX, message=TOO_LONG)])
    lat = FloatField(N_("Latitude"), [Optional(), NumberRange(-90, 90, message=NOT_A_NUMBER)])
    lon = FloatField(N_("Longitude"), [Optional(),
                                       NumberRange(-180, 180, message=NOT_A_NUMBER)])
    capacity = IntegerField(N_("Capacity"), [Optional(), NumberRange(1, 100_000,
                                                                     message=NOT_A_NUMBER)])
    no_limit = BooleanField(N_("No limit"))
    deadline_day = DateField(N_("Sign-up deadline: date"), [Optional()], format="%Y-%m-%d")
    deadline_time = TimeField(N_("Sign-up deadline: time"), [Optional()])
    checkin_word = StringField(N_("Check-in word"), [Length(max=WORD_MAX, message=TOO_LONG)])
    # the place's and access's versions per language but the original (SLOT_VERSION_FIELDS,
    # added below: "place_en", "access_ko", ...), and the locales whose machine
    # translations the member checked
    reviewed = Checkboxes("reviewed", choices=list(FORM_LOCALES))  # labelled by locale

    def versions(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in SLOT_VERSION_FIELDS}

    def validate(self, extra_validators: Any = None) -> bool:
        """Also: a capacity or "no limit"; the deadline's date and time together (checks
        across fields, which an Optional() field's own validators never reach)."""
        valid = super().validate(extra_validators)
        if self.capacity.data is None and not self.no_limit.data \
                and not self.capacity.errors:
            self.capacity.errors = [*self.capacity.errors, CAPACITY_OR_NO_LIMIT]
            valid = False
        if (self.deadline_day.data is None) != (self.deadline_time.data is None) \
                and not (self.deadline_day.errors or self.deadline_time.errors):
            self.deadline_time.errors = [*self.deadline_time.errors, DEADLINE_BOTH]
            valid = False
        return valid


for _name, (_field, _locale) in SLOT_VERSION_FIELDS.items():
    # labelled with their language in the template ("Place (English)")
    setattr(SlotForm, _name, (StringField if _field == "place" else TextAreaField)(
        _name, [Length(max=SLOT_VERSION_MAX[_field], message=TOO_LONG)]))


class CopyForm(CheckedForm):
    weeks = IntegerField(N_("Weeks"), [InputRequired(REQUIRED),
                                       NumberRange(1, MAX_WEEKS, message=NOT_A_NUMBER)])


class MarkForm(FlaskForm):
    status = SelectField(N_("Attendance"), choices=list(MARKS))


ANNOUNCEMENT_MAX = 4_000  # a LINE text holds 5,000; the header and a note come on top
NOW, LATER = "now", "later"


class AnnouncementForm(CheckedForm):
    """A staff announcement: a text per language (`text_ja`, ... added below; Japanese
    required), who receives it (a segment and, for most, its `values_<segment>` set by the
    view), and when: now, or a day and time in the ward's time zone (BOT_TIMEZONE)."""
    segment = RadioField(N_("Who receives it"), choices=list(SEGMENTS), default="everyone")
    send = RadioField(N_("When"), choices=[NOW, LATER], default=NOW)
    day = DateField(N_("Date"), [Optional()], format="%Y-%m-%d")
    clock = TimeField(N_("Time"), [Optional()])

    def texts(self) -> dict[str, str]:
        return {code: self[f"text_{code}"].data.strip() for code in SUPPORTED_LOCALES
                if (self[f"text_{code}"].data or "").strip()}

    def values_of(self, kind: str) -> Checkboxes | None:
        """The field of a segment's values (None for a segment without values)."""
        return getattr(self, f"values_{kind}", None)

    def chosen(self) -> dict:
        """The segment as models.announcements reads it: {kind, values}."""
        field = self.values_of(self.segment.data)
        return {"kind": self.segment.data,
                "values": list(field.data or []) if field is not None else []}

    def validate(self, extra_validators: Any = None) -> bool:
        """Also: the chosen segment's values (at least one), and a day and time together
        when it is sent later."""
        valid = super().validate(extra_validators)
        field = self.values_of(self.segment.data)
        if field is not None and not field.data and not field.errors:
            field.errors = [CHOOSE_ONE]
            valid = False
        if self.send.data == LATER and (self.day.data is None or self.clock.data is None) \
                and not (self.day.errors or self.clock.errors):
            self.clock.errors = [*self.clock.errors, SEND_AT_BOTH]
            valid = False
        return valid


for _code in SUPPORTED_LOCALES:
    # labelled with their language in the template
    setattr(AnnouncementForm, f"text_{_code}", TextAreaField(
        f"text_{_code}", [DataRequired(REQUIRED) if _code == "ja" else Optional(),
                          Length(max=ANNOUNCEMENT_MAX, message=TOO_LONG)]))
for _kind, _segment in SEGMENTS.items():
    if _segment.values is not None:  # choices: the segment's values, set by the view
        setattr(AnnouncementForm, f"values_{_kind}", Checkboxes(_segment.label))


class IdeaCallForm(CheckedForm):
    """A ward idea call: its theme and issue (Japanese, the original; `theme_en`, ... added
    below), the last day ideas are taken and, for a new one, its category (its followers
    are told)."""
    theme = StringField(N_("Theme"), [DataRequired(REQUIRED),
                                      Length(max=THEME_MAX, message=TOO_LONG)])
    issue = TextAreaField(N_("The ward issue behind it"),
                          [DataRequired(REQUIRED), Length(max=ISSUE_MAX, message=TOO_LONG)])
    deadline = DateField(N_("Last day ideas are taken"), [InputRequired(REQUIRED)],
                         format="%Y-%m-%d")
    category = SelectField(N_("Category"), choices=["", *CATEGORIES])
    # the locales whose machine translations staff checked (and kept)
    reviewed = Checkboxes("reviewed", choices=list(VERSION_LOCALES))  # labelled by locale

    def versions(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in CALL_VERSION_FIELDS}


# the versions' fields, as the form names them ("theme_en", "issue_zh_Hans"): (field, locale)
CALL_VERSION_FIELDS = {f"{field}_{code}": (field, code) for code in VERSION_LOCALES
                       for field in ("theme", "issue")}
for _code in VERSION_LOCALES:
    setattr(IdeaCallForm, f"theme_{_code}", StringField(
        f"theme_{_code}", [Length(max=THEME_MAX, message=TOO_LONG)]))
    setattr(IdeaCallForm, f"issue_{_code}", TextAreaField(
        f"issue_{_code}", [Length(max=ISSUE_MAX, message=TOO_LONG)]))


class MeetingForm(CheckedForm):
    """An idea meeting (アイデアの会): when (ward time) and where: a place, a web address
    or both."""
    day = DateField(N_("Date"), [InputRequired(REQUIRED)], format="%Y-%m-%d")
    clock = TimeField(N_("Starts at"), [InputRequired(REQUIRED)])
    place = StringField(N_("Place"), [Length(max=MEETING_PLACE_MAX, message=TOO_LONG)])
    online_url = StringField(N_("Web address (online)"),
                             [Optional(), URL(message=NOT_A_URL),
                              Length(max=URL_MAX, message=TOO_LONG)])


class ReviewForm(CheckedForm):
    """Staff's decision on an idea, a message as written (Japanese) and, when the submitter
    reads another language, the message in theirs."""
    status = RadioField(N_("Decision"), [InputRequired(REQUIRED)],
                        choices=list(REVIEW_STATUSES))
    message = TextAreaField(N_("Message to the person who sent it"),
                            [Length(max=STAFF_MESSAGE_MAX, message=TOO_LONG)])
    message_theirs = TextAreaField(N_("The message in their language"),
                                   [Length(max=STAFF_MESSAGE_MAX, message=TOO_LONG)])
