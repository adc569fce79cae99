"""Leadership security-awareness assessment: the application factory."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from assessment import config as default_config
from assessment import tenancy
from assessment.config import ROOT
from assessment.extensions import csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then environment variables (or ``test_config``), then extensions."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("ASSESSMENT_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(default_config)
    if test_config is None:
        _load_environment(app)
    else:
        app.config.from_mapping(test_config)
    _private_instance_folder(Path(app.instance_path))
    _finish_config(app)
    _private_sqlite_file(app)

    db.init_app(app)
    tenancy.install()
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    if app.config["PROXY_FIX_HOPS"]:
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    # Imported here, not at the top: the pure core and the CLI load without the web layers.
    from assessment import api, catalogue, web
    from assessment.cli import commands

    catalogue.init_app(app)
    web.init_app(app)
    api.init_app(app)
    commands.init_app(app)
    return app


def _load_environment(app: Flask) -> None:
    """Read configuration from the environment: the common names, then ASSESSMENT_* keys."""
    for name in ("SECRET_KEY", "BASE_URL"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    # ASSESSMENT_SESSION_COOKIE_SECURE=true, ASSESSMENT_PROXY_FIX_HOPS=1 ... (values parsed as JSON)
    app.config.from_prefixed_env("ASSESSMENT")


def _finish_config(app: Flask) -> None:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = f"sqlite:///{Path(app.instance_path) / 'assessment.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # An embedded file cannot drop a pooled connection; pinging it cost a query per request.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if app.config.get("QUESTIONNAIRES_PATH") is None:
        app.config["QUESTIONNAIRES_PATH"] = str(ROOT / "questionnaires")


def _private_instance_folder(instance: Path) -> None:
    """The instance folder holds the database, the secret key and the audit anchor: owner only
    (0700). An existing folder is tightened when it is ours to change."""
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        if instance.stat().st_mode & 0o077:
            instance.chmod(0o700)
    except PermissionError:
        pass  # a mounted volume owned by someone else: its owner decides


def _private_sqlite_file(app: Flask) -> None:
    """Create a missing SQLite database file empty with mode 0600 before the engine connects:
    SQLite would create it following the umask (usually 0644, readable by every local
    account), and gives its -wal and -shm files the main file's mode."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or url.query.get("uri"):
        return
    database = url.database or ""
    if database in ("", ":memory:"):
        return
    # Flask-SQLAlchemy reads a relative SQLite path from the instance folder.
    path = Path(database) if os.path.isabs(database) else Path(app.instance_path) / database
    if not path.parent.is_dir():
        return  # SQLite will say so when it connects
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # its mode is tightened when the engine connects (extensions.py)


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting providers hand out; psycopg 3 is the installed driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret_key(instance: Path) -> str:
    """Generate the key once and keep it in instance/, so every worker and restart shares it."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        # Write a private temporary file, then hard-link it into place: the link either
        # appears complete or fails because another worker won the race; never half-written.
        fd, tmp_name = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            os.link(tmp_name, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp_name)
    key = key_file.read_text().strip()
    if not key:
        raise RuntimeError(f"{key_file} is empty: delete it so that a new key is generated")
    return key
