"""Where attached evidence files live: ``EVIDENCE_DIR`` (default ``<instance>/evidence``),
outside the static folder, each file named by the SHA-256 of its content.

Names by content mean that no uploaded name ever reaches the file system, that the same
document attached twice is kept once, and that a file never changes once written (a fact's
versions are history). A file written for a request that is then rolled back stays behind,
unreferenced and harmless.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import current_app

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def evidence_dir() -> Path:
    """The configured folder, resolved (it need not exist yet)."""
    configured = current_app.config.get("EVIDENCE_DIR")
    return Path(configured or Path(current_app.instance_path) / "evidence").resolve()


def store(sha256: str, data: bytes) -> None:
    """Write ``data`` under its hash (owner-only, 0600), unless it is there already."""
    target = path_of(sha256)
    if target.exists():
        return
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(name, target)  # complete or absent, never half-written
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def path_of(sha256: str) -> Path:
    """The file of a stored hash; only a well-formed hash can name a path."""
    if not SHA256.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return evidence_dir() / sha256
