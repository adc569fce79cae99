"""The ``assessment`` console script: Flask's CLI group around the application factory."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from assessment import create_app
from assessment.cli.commands import questionnaires


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """Leadership security-awareness assessment."""


# Registered on the group itself too, so that it works even when invalid files stop the app.
main.add_command(questionnaires)
