"""The form that reopens a closed cycle."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class ReopenForm(FlaskForm):
    closes = DateField(
        "Take answers until",
        validators=[InputRequired(message="Choose the new closing date.")],
    )
    reason = TextAreaField(
        "Why (kept in the audit log)",
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField("Reopen the cycle")
