"""Schemathesis against the served OpenAPI document: no 5xx, and every response matches it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import PERSONAS
from tests.conftest import add_user, complete_answers, open_test_cycle


@pytest.fixture
def api_schema(app, runner):
    for persona, options in PERSONAS.items():
        add_user(app, f"{persona}@example.com", name=persona, **options)
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app)
    from tests.conftest import submit_answers

    submit_answers(app, "ceo@example.com", complete_answers("ceo"))
    token = runner.invoke(args=["tokens", "create", "admin@example.com"]).output.split()[-1]
    app.config["API_TEST_TOKEN"] = token
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_api_conforms_to_its_openapi_document(app, api_schema):
    """Every operation, 25 generated requests each, with an administrator's token."""
    headers = {"Authorization": f"Bearer {app.config['API_TEST_TOKEN']}"}
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 22  # every operation but the document itself

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=checks)

        run()


def test_the_document_is_openapi_3_1_and_describes_every_endpoint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    expected = {
        "/questionnaires",
        "/questionnaires/{questionnaire}",
        "/facts",
        "/people",
        "/cycles",
        "/cycles/{cycle}",
        "/cycles/{cycle}/responses",
        "/cycles/{cycle}/facts",
        "/cycles/{cycle}/scores",
        "/cycles/{cycle}/gaps",
        "/cycles/{cycle}/comments",
        "/trends",
        "/cycles/{cycle}/training-needs",
        "/cycles/{cycle}/forms",
        "/regimes",
        "/item-analysis",
        "/organisation",
        "/cycles/{cycle}/benchmark",
        "/openapi.json",
    }
    assert set(document["paths"]) == expected
    assert document["paths"]["/cycles/{cycle}/facts"]["put"]["requestBody"]
