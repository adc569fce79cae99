"""The training session form: when, where, and a time zone chosen from a list of cities."""

from __future__ import annotations

import datetime as dt
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from assessment.services.training.timezones import zone_groups

CHOOSE_A_ZONE = "Choose a time zone from the list."


def _known_timezone(form: FlaskForm, field: SelectField) -> None:
    # The list is the usual way in, but the server trusts only zoneinfo: a hand-made post
    # ("Berlin", "{{7*7}}", a NUL) gets the same plain message.
    if field.data not in available_timezones():
        raise ValidationError(CHOOSE_A_ZONE)


class SessionForm(FlaskForm):
    module_id = SelectField("Module", validators=[DataRequired()])
    date = DateField("Date", validators=[DataRequired()])
    time = TimeField("Start time", validators=[DataRequired()])
    timezone = SelectField(
        "Time zone",
        validators=[DataRequired(message=CHOOSE_A_ZONE), Length(max=64), _known_timezone],
        validate_choice=False,  # _known_timezone checks against zoneinfo itself
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

    def offer_timezones(self) -> dt.date:
        """Fill the time-zone list, its offsets taken on the session's date (today when the
        date is missing); returns that date for the hint."""
        day = self.date.data if isinstance(self.date.data, dt.date) else dt.date.today()
        self.timezone.choices = {
            group.region: [(o.name, o.label) for o in group.options]
            for group in zone_groups(available_timezones(), day, keep=self.timezone.data)
        }
        return day
