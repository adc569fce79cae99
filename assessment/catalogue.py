"""The app's copy of the questionnaire catalogue, loaded at start-up and checked."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app

from assessment.services.content.definitions import Catalogue
from assessment.services.content.questionnaire_files import CatalogueError, load_catalogue


class InvalidQuestionnaires(RuntimeError):
    """Raised by the factory: the app refuses to start on invalid data files."""


def _signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    files = sorted(root.glob("*.yaml")) + sorted(root.glob("*/*.yaml"))
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)


@lru_cache(maxsize=8)
def _load_cached(root: str, signature: tuple[tuple[str, int, int], ...]) -> Catalogue:
    # The signature is part of the key so that an edited file is read again.
    return load_catalogue(root)


def init_app(app: Flask) -> None:
    root = Path(app.config["QUESTIONNAIRES_PATH"])
    try:
        app.extensions["catalogue"] = _load_cached(str(root), _signature(root))
    except CatalogueError as error:
        listing = "\n".join(f"  {p}" for p in error.problems)
        raise InvalidQuestionnaires(
            f"The questionnaire files in {root} are invalid, so the app will not start:\n"
            f"{listing}\nRun `assessment questionnaires check {root}` after fixing them."
        ) from error


def catalogue() -> Catalogue:
    """The catalogue of the current app."""
    loaded: Catalogue = current_app.extensions["catalogue"]
    return loaded
