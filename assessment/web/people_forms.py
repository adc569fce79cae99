"""Forms of people administration: a person's details, the roster upload and its confirmation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from assessment.models import PERMISSIONS
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.people.fields import EMAIL_MAX, NAME_MAX, PERMISSION_HELP

NO_ROLE = ""


class PersonForm(FlaskForm):
    """A person's e-mail address, name, executive role and permissions."""

    permission_help = PERMISSION_HELP  # the plain explanation shown under each checkbox

    email = EmailField(
        "E-mail",
        validators=[
            DataRequired(message="Enter the e-mail address."),
            Length(max=EMAIL_MAX, message=f"Use at most {EMAIL_MAX} characters."),
        ],
    )
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Enter the person's name."),
            Length(max=NAME_MAX, message=f"The name is too long: at most {NAME_MAX} characters."),
        ],
    )
    role = SelectField(
        "Executive role",
        choices=[SelectChoice(NO_ROLE, "None: not an executive")]
        + [SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
        default=NO_ROLE,
        description="Executives answer the quarterly questionnaire of their role.",
    )
    permissions = SelectMultipleField(
        "Permissions",
        choices=[SelectChoice(p, PERMISSION_HELP[p][0]) for p in PERMISSIONS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class NewPersonForm(PersonForm):
    send_link = BooleanField("E-mail a link to set a password", default=True)


class ConfirmForm(FlaskForm):
    """A confirmation button: nothing but the CSRF token."""


class RosterUploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired(message="Choose a CSV file.")])


class RosterConfirmForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])
    token = HiddenField(validators=[DataRequired()])
