"""Flask extensions as module globals, bound to an app in the factory."""

import os
import sqlite3
from typing import Any

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Storage comes from RATELIMIT_STORAGE_URI: memory:// (one process) or e.g. redis://host:6379
# so that every gunicorn worker shares the same counters.
limiter = Limiter(get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection: Any, _record: object) -> None:
    """SQLite files use write-ahead logging: readers no longer wait for a writer (several
    gunicorn workers share one file), and a commit syncs one file instead of two. Durability
    is unchanged: synchronous stays FULL, so a committed answer survives a power cut."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # in-memory databases answer "memory"
        cursor.execute("PRAGMA synchronous=FULL")
        files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[2]]
        cursor.close()
        for path in files:
            _owner_only(path, path + "-wal", path + "-shm")


def _owner_only(*paths: str) -> None:
    """The database holds every attributed answer: no other local account may read it. SQLite
    gives -wal and -shm the main file's mode; this also tightens files an older version or
    another tool created with the umask's 0644."""
    for path in paths:
        try:
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)
        except (FileNotFoundError, PermissionError):
            continue  # not there yet, or not ours to change
