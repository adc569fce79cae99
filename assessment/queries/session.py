"""The session type every query accepts."""

from typing import Any, TypeAlias

from sqlalchemy.orm import Session, scoped_session

# Views pass Flask-SQLAlchemy's scoped session; scripts and tests may pass a plain Session.
AnySession: TypeAlias = Session | scoped_session[Any]
