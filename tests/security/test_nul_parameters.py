"""A NUL byte in an identifier is a clean 404, on PostgreSQL too, where the database refuses
NUL in a parameter outright (F-12: no 500 on any input)."""

from __future__ import annotations

from tests.conftest import add_user


def test_nul_in_cycle_ids_and_emails_is_a_clean_answer(app, runner, client):
    add_user(app, "admin@example.com", permissions=("admin",))
    created = runner.invoke(args=["tokens", "create", "admin@example.com"])
    headers = {"Authorization": f"Bearer {created.output.strip().splitlines()[-1]}"}
    trends = client.get("/api/v1/trends?from=a%00b&to=c", headers=headers)
    assert trends.status_code == 404 and trends.mimetype == "application/problem+json"
    scores = client.get("/api/v1/cycles/a%00b/scores", headers=headers)
    assert scores.status_code == 404
    submit = client.post(
        "/api/v1/cycles/a/responses",
        json={"email": "x\u0000@example.com", "questionnaire": "ceo", "answers": {}},
        headers=headers,
    )
    assert submit.status_code in (404, 422)
    login = client.post("/login", data={"email": "a\u0000@example.com", "password": "x" * 12})
    assert login.status_code == 200
