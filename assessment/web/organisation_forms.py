"""Forms of the organisation pages: switching organisation, and the organisation's settings."""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from assessment.actions.organisation_settings import LOGO_MAX_BYTES, MARKING_MAX
from assessment.actions.organisations import MAX_LENGTH
from assessment.models import Organisation
from assessment.services.branding import kilobytes
from assessment.services.training.timezones import zone_groups

# Head-count bands, as benchmark reports usually group companies.
SIZE_BANDS: Final = ("1-49", "50-249", "250-999", "1000-4999", "5000+")
NOT_SET: Final = ""
# Offered as suggestions only: peers are matched on the industry's text, so a common spelling
# puts an organisation among its real peers.
INDUSTRIES: Final = (
    "Energy and utilities",
    "Financial services",
    "Government and public sector",
    "Healthcare",
    "Insurance",
    "Manufacturing",
    "Professional services",
    "Retail and consumer goods",
    "Technology",
    "Telecommunications",
    "Transport and logistics",
)


class SwitchForm(FlaskForm):
    """One "Switch" button of the portfolio: the organisation to work in next."""

    organisation = HiddenField(validators=[DataRequired()])


class OrganisationForm(FlaskForm):
    """The organisation's description, the settings it overrides, and its logo."""

    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Enter the organisation's name."),
            Length(max=MAX_LENGTH["name"], message=f"At most {MAX_LENGTH['name']} characters."),
        ],
        description="Shown at the top of every page and on the committee pack's cover.",
    )
    industry = StringField(
        "Industry",
        validators=[
            Optional(),
            Length(
                max=MAX_LENGTH["industry"], message=f"At most {MAX_LENGTH['industry']} characters."
            ),
        ],
        description=(
            "Peer benchmarks compare you with organisations of the same industry when there are "
            "enough of them. Pick a suggestion where one fits: industries are matched by name."
        ),
        # Suggestions from the page's <datalist>; any other text is still accepted.
        render_kw={"list": "industries", "autocomplete": "off"},
    )
    size = SelectField(
        "Size (people employed)",
        choices=[SelectChoice(NOT_SET, "Not set")] + [SelectChoice(b, b) for b in SIZE_BANDS],
        default=NOT_SET,
    )
    benchmark_opt_in = BooleanField("Take part in anonymous peer benchmarks")
    pack_marking = StringField(
        "Marking of the committee pack",
        validators=[
            Optional(),
            Length(max=MARKING_MAX, message=f"At most {MARKING_MAX} characters."),
        ],
    )
    training_timezone = SelectField(
        "Time zone new training sessions start in",
        validate_choice=False,  # the write layer checks the name against zoneinfo itself
    )
    logo = FileField(
        "Logo",
        description=(
            f"A PNG or JPEG image of at most {kilobytes(LOGO_MAX_BYTES)}, shown at the top of "
            "every page for your organisation's members."
        ),
    )
    remove_logo = BooleanField("Remove the logo")

    industries = INDUSTRIES

    def fill(self, organisation: Organisation, installation_zone: str) -> None:
        """Offer what the organisation has now, even a size the bands do not name (set
        through the API), so that saving the page never changes it unasked."""
        current = organisation.size or NOT_SET
        if current not in (NOT_SET, *SIZE_BANDS):
            self.size.choices = [*self.size.choices, SelectChoice(current, current)]
        default = SelectChoice(NOT_SET, f"The installation's default ({installation_zone})")
        self.training_timezone.choices = {
            "Default": [default],
            **{
                group.region: [SelectChoice(o.name, o.label) for o in group.options]
                for group in zone_groups(
                    available_timezones(), dt.date.today(), keep=self.training_timezone.data
                )
            },
        }

    def upload(self) -> bytes | None:
        """The chosen file, read up to one byte past the limit (enough to refuse it)."""
        file = self.logo.data
        if not file or not getattr(file, "filename", None):
            return None
        return bytes(file.stream.read(LOGO_MAX_BYTES + 1))
