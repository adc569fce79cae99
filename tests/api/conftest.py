from __future__ import annotations

import pytest

from tests.conftest import add_user

PERSONAS = {
    "admin": dict(permissions=("admin",)),
    "committee": dict(permissions=("committee",)),
    "hr_coordinator": dict(permissions=("hr_coordinator",)),
    "fact_owner": dict(role="it_manager", permissions=("fact_owner",)),
    "executive": dict(role="ceo"),
}


@pytest.fixture
def tokens(app, runner):
    """A bearer token per persona, created through the command line."""
    found = {}
    for persona, options in PERSONAS.items():
        add_user(app, f"{persona}@example.com", name=persona, **options)
        result = runner.invoke(args=["tokens", "create", f"{persona}@example.com"])
        assert result.exit_code == 0, result.output
        found[persona] = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}
    return found
