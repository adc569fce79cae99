"""Flask-WTF forms."""

from zoneinfo import available_timezones

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from assessment.services.content.definitions import Fact


def _long_enough(form: FlaskForm, field: PasswordField) -> None:
    minimum = int(current_app.config["MIN_PASSWORD_LENGTH"])
    if len(field.data or "") < minimum:
        raise ValidationError(
            f"Use at least {minimum} characters; a few unrelated words work well."
        )


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=1024), _long_enough])
    repeat = PasswordField("Repeat the new password", validators=[DataRequired()])
    submit = SubmitField("Change password")

    def validate_repeat(self, field: PasswordField) -> None:
        if field.data != self.new.data:
            raise ValidationError("The two new passwords differ.")


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Sign in")


class CycleForm(FlaskForm):
    id = StringField(
        "Cycle id",
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message="Use letters, digits, '.', '_' or '-'."
            ),
        ],
        description="Conventionally the quarter, such as 2026-Q4.",
    )
    opens = DateField("Opens", validators=[DataRequired()])
    closes = DateField("Closes", validators=[DataRequired()])
    submit = SubmitField("Create cycle")

    def validate_closes(self, field: DateField) -> None:
        if self.opens.data and field.data and field.data < self.opens.data:
            raise ValidationError("The closing date must not be before the opening date.")


# --- fact reports -------------------------------------------------------------------------


class FactEntryForm(FlaskForm):
    """A fact's value for the cycle; fields are adjusted to the fact's type in ``fact_form``."""

    category = RadioField("Value", validators=[Optional()], validate_choice=True)
    number = StringField("Number", validators=[Optional(), Length(max=30)])
    date = DateField("Date", validators=[Optional()])
    as_of = DateField(
        "As of",
        validators=[DataRequired()],
        description="The date the value describes, e.g. the end of the quarter.",
    )
    evidence = StringField(
        "Evidence reference",
        validators=[DataRequired(), Length(max=500)],
        description="Where the proof lives: a report, ticket or document id.",
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(
        "Why it changed",
        validators=[Optional(), Length(max=2000)],
        description="Required once the report has been attested.",
    )
    submit = SubmitField("Save")


def fact_form(fact: Fact, data: dict[str, object] | None = None) -> FactEntryForm:
    """The entry form for one fact, with its categories as choices."""
    form = FactEntryForm(data=data or {})
    form.category.choices = [SelectChoice(c.id, c.label) for c in fact.categories] + [
        SelectChoice(s.id, s.label) for s in fact.special
    ]
    if fact.is_numeric:
        form.category.label.text = "Or choose the band directly"
        form.number.label.text = {
            "percent": "Percentage (0–100)",
            "hours": "Number of hours",
            "days": "Number of days",
            "count": "Count",
            "date": "Number",
        }[fact.type]
    return form


class DelegationForm(FlaskForm):
    fact_id = SelectField("Fact", validators=[DataRequired()])
    person_id = SelectField("Person", validators=[DataRequired()], coerce=int)
    submit = SubmitField("Delegate")


# --- training sessions ---------------------------------------------------------------------


def _valid_timezone(form: FlaskForm, field: StringField) -> None:
    if field.data not in available_timezones():
        raise ValidationError("Use a time-zone name such as Europe/Berlin or America/New_York.")


class SessionForm(FlaskForm):
    module_id = SelectField("Module", validators=[DataRequired()])
    date = DateField("Date", validators=[DataRequired()])
    time = TimeField("Start time", validators=[DataRequired()])
    timezone = StringField(
        "Time zone",
        validators=[DataRequired(), Length(max=64), _valid_timezone],
        default="UTC",
        description="An IANA name, such as Europe/Berlin.",
    )
    duration_minutes = IntegerField(
        "Duration (minutes)", default=60, validators=[DataRequired(), NumberRange(min=15, max=600)]
    )
    location = StringField("Place or video link", validators=[DataRequired(), Length(max=500)])
    capacity = IntegerField(
        "Capacity", default=8, validators=[DataRequired(), NumberRange(min=1, max=500)]
    )
    facilitator = StringField("Facilitator", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Save session")


# --- measurement -------------------------------------------------------------------------------


class RegimesForm(FlaskForm):
    """Which regimes apply: one checkbox per regime, choices set by the view."""

    applies = SelectMultipleField(
        "Regimes that apply to the company",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    submit = SubmitField("Save the profile")
