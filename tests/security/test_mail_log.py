"""Invitation links never reach the application log (F-05)."""

from __future__ import annotations

import logging

from assessment import actions, queries
from assessment.actions import SYSTEM
from assessment.extensions import db
from assessment.models import Mail
from assessment.tenancy import acting_for
from tests.conftest import add_user, open_test_cycle


def test_mail_outbox_log_masks_invitation_links(app, caplog):
    """F-05: the development outbox logs each message, with the link's token masked."""
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, "2026-Q4")
    with (
        app.test_request_context(),
        acting_for(1),
        caplog.at_level(logging.INFO, logger=app.logger.name),
    ):
        cycle = queries.get_cycle(db.session, "2026-Q4")
        assert actions.invitations.send_invitations(SYSTEM, cycle, reminder=False) == (1, 0)
        db.session.commit()
        stored = db.session.scalars(db.select(Mail)).one().body
    token = stored.split("/i/", 1)[1].split()[0]
    assert len(token) > 20  # the stored message keeps the live link for its recipient
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/i/…" in logged and token not in logged
