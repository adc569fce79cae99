"""Each token acts with exactly its account's permissions (docs/permissions.md)."""

from __future__ import annotations

import pytest

CALLS = [
    (
        "GET",
        "/api/v1/questionnaires",
        None,
        {"admin", "committee", "hr_coordinator", "fact_owner", "executive"},
    ),
    (
        "GET",
        "/api/v1/facts",
        None,
        {"admin", "committee", "hr_coordinator", "fact_owner", "executive"},
    ),
    (
        "GET",
        "/api/v1/cycles",
        None,
        {"admin", "committee", "hr_coordinator", "fact_owner", "executive"},
    ),
    ("GET", "/api/v1/people", None, {"admin"}),
    ("POST", "/api/v1/people", {"email": "p@example.com", "name": "P"}, {"admin"}),
    (
        "POST",
        "/api/v1/cycles",
        {"id": "2030-Q1", "opens": "2030-01-01", "closes": "2030-03-31"},
        {"admin"},
    ),
    ("PATCH", "/api/v1/cycles/2026-Q4", {"status": "closed"}, {"admin"}),
    (
        "POST",
        "/api/v1/cycles/2026-Q4/responses",
        {"email": "x@example.com", "questionnaire": "ceo", "answers": {}},
        {"admin"},
    ),
    (
        "PUT",
        "/api/v1/cycles/2026-Q4/facts",
        {"facts": {"mfa_remote_access": "yes"}},
        {"admin", "fact_owner"},
    ),
    ("GET", "/api/v1/cycles/2026-Q4/scores", None, {"admin", "committee"}),
    ("GET", "/api/v1/cycles/2026-Q4/gaps", None, {"admin", "committee"}),
    ("GET", "/api/v1/trends?from=2026-Q4&to=2026-Q4", None, {"admin", "committee"}),
    (
        "GET",
        "/api/v1/cycles/2026-Q4/training-needs",
        None,
        {"admin", "committee", "hr_coordinator"},
    ),
    ("GET", "/api/v1/regimes", None, {"admin", "committee"}),
    ("PUT", "/api/v1/regimes", {"applies": ["gdpr"]}, {"admin"}),
    ("GET", "/api/v1/cycles/2026-Q4/forms", None, {"admin", "committee"}),
    ("GET", "/api/v1/item-analysis?cycles=2026-Q4", None, {"admin", "committee"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), CALLS, ids=[f"{m} {p}" for m, p, _, _ in CALLS]
)
def test_token_permissions(client, tokens, method, path, body, allowed):
    client.post(
        "/api/v1/cycles",
        json={"id": "2026-Q4", "opens": "2026-01-01", "closes": "2026-03-31"},
        headers=tokens["admin"],
    )
    for persona, headers in tokens.items():
        response = client.open(path, method=method, json=body, headers=headers)
        if persona in allowed:
            assert response.status_code not in (401, 403), (persona, response.get_json())
            assert response.status_code < 500
        else:
            assert response.status_code == 403, (persona, response.status_code)
            assert response.mimetype == "application/problem+json"
