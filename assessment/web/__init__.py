"""The HTML front end: one blueprint per area, with its forms, sign-in, navigation, error
pages and security headers. Views translate HTTP to an action or a report and back."""

from __future__ import annotations

from flask import Flask

from assessment.web import (
    admin,
    auth,
    committee,
    errors,
    facts,
    gaps,
    headers,
    invitation_links,  # noqa: F401 - importing it adds its routes to respond's blueprint
    main,
    measurement,
    navigation,
    oidc,
    organisations,
    password_reset,
    people,
    respond,
    sign_in_settings,
    training,
)


def init_app(app: Flask) -> None:
    """Register the blueprints, the sign-in loader, error pages, navigation and headers."""
    auth.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    headers.init_app(app)
    for blueprint in (
        main.bp,
        auth.bp,
        admin.bp,
        respond.bp,
        facts.bp,
        gaps.bp,
        committee.bp,
        training.bp,
        measurement.bp,
        people.bp,
        password_reset.bp,
        organisations.bp,
        oidc.bp,
        sign_in_settings.bp,
    ):
        app.register_blueprint(blueprint)
