"""Flask-WTF forms."""

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget


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


# --- fact reports (the entry form is in web/fact_forms.py) --------------------------------


class DelegationForm(FlaskForm):
    fact_id = SelectField("Fact", validators=[DataRequired()])
    person_id = SelectField("Person", validators=[DataRequired()], coerce=int)
    submit = SubmitField("Delegate")


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
