"""The fact entry form: one value (a number, a date or a band), its as-of date and evidence.

The form is pre-filled with the last value and also carries, in hidden fields, the values it
was filled with: when a number and a band both arrive, the one the person changed is kept
(``services.facts.intent``), so that choosing a band works even without the script that
clears the number.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from assessment.actions.facts import Upload
from assessment.services.content.definitions import Fact
from assessment.services.facts.as_of import AsOfWindow
from assessment.services.facts.evidence import ALLOWED_DESCRIPTION, link_problem, megabytes
from assessment.services.facts.intent import resolve_intent

NUMBER_LABELS = {
    "percent": "Percentage (0–100)",
    "hours": "Number of hours",
    "days": "Number of days",
    "count": "Count",
    "date": "Number",
}


class FactEntryForm(FlaskForm):
    """A fact's value for the cycle; ``fact_form`` adapts it to the fact and the cycle."""

    category = RadioField("Value", validators=[Optional()], validate_choice=True)
    number = StringField("Number", validators=[Optional(), Length(max=30)])
    date = DateField("Date", validators=[Optional()])
    # What the form was filled with, sent back to tell which field the person changed.
    category_before = HiddenField()
    number_before = HiddenField()
    date_before = HiddenField()
    as_of = DateField(
        "As of",
        validators=[DataRequired(message="Give the date the value describes.")],
        description="The date the value describes, e.g. the end of the quarter.",
    )
    evidence = StringField(
        "Evidence reference",
        validators=[
            DataRequired(message="Say where the proof lives: a report, ticket or document id."),
            Length(max=500),
        ],
        description="Where the proof lives: a report, ticket or document id.",
    )
    evidence_url = StringField(
        "Link to the evidence (optional)",
        validators=[Optional(), Length(max=2000)],
        description="The document's address in your document store, starting with https://.",
    )
    attachment = FileField("Attach the document (optional)")
    remove_attachment = BooleanField("Remove the attached file")
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(
        "Why it changed",
        validators=[Optional(), Length(max=2000)],
        description="Required once the report has been attested.",
    )
    submit = SubmitField("Save")

    fact: Fact
    window: AsOfWindow

    @property
    def typed_field(self) -> Field:
        """The field a value is typed into: the date for a date fact, else the number."""
        return self.date if self.fact.type == "date" else self.number

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return self._one_value() and valid

    def validate_as_of(self, field: DateField) -> None:
        if field.data and (problem := self.window.problem(field.data)):
            raise ValidationError(problem)

    def validate_evidence_url(self, field: StringField) -> None:
        if field.data and (problem := link_problem(field.data.strip())):
            raise ValidationError(problem)

    def upload(self) -> Upload | None:
        """The attached file, read up to one byte past the limit (enough to refuse it)."""
        file = self.attachment.data
        if not file or not getattr(file, "filename", None):
            return None
        limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
        return Upload(file.filename, file.stream.read(limit + 1))

    def _one_value(self) -> bool:
        """Keep the value the person meant; a message on each field when that is unclear."""
        typed_field = self.typed_field
        before = self.date_before if self.fact.type == "date" else self.number_before
        intent = resolve_intent(
            self.category.data or "",
            self.category_before.data or "",
            _as_typed(typed_field),
            before.data or "",
        )
        if intent.conflict:
            message = (
                f"You changed both “{typed_field.label.text}” and the band: keep one and "
                "clear the other."
            )
            typed_field.errors = [*typed_field.errors, message]
            self.category.errors = [*self.category.errors, message]
            return False
        if not intent.band and not intent.typed:
            if not typed_field.errors:
                self.category.errors = [*self.category.errors, self._missing_value()]
            return False
        if not intent.band:
            self.category.data = None
        if not intent.typed:
            typed_field.data, typed_field.raw_data = None, []
        return True

    def _missing_value(self) -> str:
        if not self.fact.is_numeric:
            return "Choose one of the options."
        return f"Enter {'a date' if self.fact.type == 'date' else 'a number'} or choose a band."


def _as_typed(field: Field) -> str:
    """The value as the person typed it (or as pre-filled, when the field was not sent)."""
    if field.raw_data:
        return str(field.raw_data[0])
    return field.data.isoformat() if hasattr(field.data, "isoformat") else str(field.data or "")


def fact_form(
    fact: Fact, window: AsOfWindow, data: dict[str, object] | None = None, **kwargs: Any
) -> FactEntryForm:
    """The entry form for one fact in one cycle, with its categories as choices; ``data`` is
    what it is pre-filled with (and remembers as the values before any change)."""
    data = dict(data or {})
    data["category_before"] = data.get("category") or ""
    data["number_before"] = data.get("number") or ""
    date = data.get("date")
    data["date_before"] = date.isoformat() if hasattr(date, "isoformat") else ""
    form = FactEntryForm(data=data, **kwargs)
    form.fact, form.window = fact, window
    form.category.choices = [SelectChoice(c.id, c.label) for c in fact.categories] + [
        SelectChoice(s.id, s.label) for s in fact.special
    ]
    if fact.is_numeric:
        form.category.label.text = "Or choose the band directly"
        form.number.label.text = NUMBER_LABELS[fact.type]
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
    form.attachment.description = f"{ALLOWED_DESCRIPTION}, at most {megabytes(limit)}."
    return form
