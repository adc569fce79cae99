"""Every person's scores in a cycle, kept as arrays and handed out one ``ScoredPerson`` at a time.

A ``ScoredPerson`` holds a dict of nine domain dicts: about 2.4 KB, so 240 MB for 100,000 people.
``score_answers`` scores each questionnaire version with the vectorised kernels and keeps only
the numbers the people need (domain scores and levels, overall score and level); ``ScoredPeople``
builds each person's object when it is read, in (role, email) order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assessment.services.content.definitions import Questionnaire, Rubric
from assessment.services.gaps.analysis import People
from assessment.services.lazy_rows import LazyRows
from assessment.services.scoring.answer_matrix import CycleAnswers, VersionAnswers
from assessment.services.scoring.batch import score_batch

# Rows scored at once: the kernels' temporaries (responses × items floats) stay a few megabytes
# however large the cycle. Each row's result is independent of the others, so chunks change
# nothing in the numbers.
CHUNK = 10_000


@dataclass(frozen=True)
class ScoredPerson:
    email: str
    name: str
    role: str
    overall: float | None
    level: str | None
    domains: dict[str, dict[str, Any]]  # domain → {"score", "level", "standard_error"}


@dataclass(frozen=True, eq=False)
class _Scores:
    """Per person (position in ``people``): NaN or -1 where there is no score or level."""

    domain_scores: npt.NDArray[np.float64]  # people × domains
    domain_levels: npt.NDArray[np.int8]  # people × domains, index into the rubric's levels
    overall: npt.NDArray[np.float64]
    overall_level: npt.NDArray[np.int8]
    standard_errors: npt.NDArray[np.float64]  # people × domains


@dataclass(frozen=True, eq=False)
class ScoreColumns:
    """Scored people as columns, row k the k-th person in (role, email) order: what a frozen
    cycle stores. NaN or -1 where there is no score or level."""

    emails: Sequence[str]
    names: Sequence[str]
    roles: Sequence[str]
    domain_ids: tuple[str, ...]
    level_ids: tuple[str, ...]  # what the level codes stand for
    overall: npt.NDArray[np.float64]
    overall_level: npt.NDArray[np.int8]
    domain_scores: npt.NDArray[np.float64]  # people × domains
    domain_levels: npt.NDArray[np.int8]  # people × domains
    standard_errors: npt.NDArray[np.float64]  # people × domains


class ScoredPeople(LazyRows[ScoredPerson]):
    """Scored people sorted by (role, email), built on access."""

    def __init__(
        self,
        people: People,
        scores: _Scores,
        order: Sequence[int],
        domain_ids: Sequence[str],
        level_ids: Sequence[str],
    ) -> None:
        super().__init__([np.asarray(order, dtype=np.int64)], len(order))
        self._people = people
        self._scores = scores
        self._domain_ids = tuple(domain_ids)
        self._levels = tuple(level_ids)

    @property
    def read_order(self) -> npt.NDArray[np.int64]:
        """Row k's position in ``people`` (for a cycle: the order its responses were read)."""
        order: npt.NDArray[np.int64] = self._columns[0]
        return order

    def columns(self) -> ScoreColumns:
        """The same people and numbers as columns in row order, without building any person."""
        order, people, scores = self.read_order, self._people, self._scores
        rows = order.tolist()
        return ScoreColumns(
            [people.emails[k] for k in rows],
            [people.names[k] for k in rows],
            [people.roles[k] for k in rows],
            self._domain_ids,
            self._levels,
            scores.overall[order],
            scores.overall_level[order],
            scores.domain_scores[order],
            scores.domain_levels[order],
            scores.standard_errors[order],
        )

    @classmethod
    def from_columns(cls, columns: ScoreColumns) -> ScoredPeople:
        """Scored people as ``columns`` hold them, built on access as when first scored."""
        scores = _Scores(
            columns.domain_scores,
            columns.domain_levels,
            columns.overall,
            columns.overall_level,
            columns.standard_errors,
        )
        people = People(columns.emails, columns.names, columns.roles)
        return cls(
            people, scores, range(len(columns.emails)), columns.domain_ids, columns.level_ids
        )

    def _build(self, person: int) -> ScoredPerson:
        scores = self._scores
        domains = {
            d: {"score": _number(score), "level": self._level(level), "standard_error": _number(se)}
            for d, score, level, se in zip(
                self._domain_ids,
                scores.domain_scores[person].tolist(),
                scores.domain_levels[person].tolist(),
                scores.standard_errors[person].tolist(),
                strict=True,
            )
        }
        return ScoredPerson(
            self._people.emails[person],
            self._people.names[person],
            self._people.roles[person],
            _number(float(scores.overall[person])),
            self._level(int(scores.overall_level[person])),
            domains,
        )

    def _level(self, index: int) -> str | None:
        return self._levels[index] if index >= 0 else None


def _number(value: float) -> float | None:
    return None if value != value else value  # NaN means "no score"


def score_answers(
    answers: CycleAnswers,
    rubric: Rubric,
    facts: Mapping[str, str],
    only_items: Mapping[str, set[str]] | None = None,
) -> ScoredPeople:
    """Score every response with the vectorised path against the cycle's reported facts.

    ``only_items`` restricts each role's questionnaire to the given item ids.
    """
    n, domains = len(answers), len(rubric.domain_ids)
    scores = _Scores(
        np.full((n, domains), np.nan),
        np.full((n, domains), -1, dtype=np.int8),
        np.full(n, np.nan),
        np.full(n, -1, dtype=np.int8),
        np.full((n, domains), np.nan),
    )
    read_order: list[int] = []
    for key in sorted(answers.versions):
        version = answers.versions[key]
        questionnaire, codes = _restricted(version, only_items)
        for start in range(0, len(version.people), CHUNK):
            rows = version.people[start : start + CHUNK]
            batch = score_batch(questionnaire, rubric, codes[start : start + CHUNK], facts)
            scores.domain_scores[rows] = batch.domain_scores
            scores.domain_levels[rows] = batch.domain_levels
            scores.overall[rows] = batch.overall
            scores.overall_level[rows] = batch.overall_level
            scores.standard_errors[rows] = batch.standard_errors
        read_order.extend(version.people.tolist())
    people = answers.people
    # A stable sort of versions in key order, as scoring one version after another gives them.
    order = sorted(read_order, key=lambda k: (people.roles[k], people.emails[k]))
    levels = [level.id for level in rubric.levels]
    return ScoredPeople(people, scores, order, rubric.domain_ids, levels)


def _restricted(
    version: VersionAnswers, only_items: Mapping[str, set[str]] | None
) -> tuple[Questionnaire, npt.NDArray[np.int16]]:
    """The questionnaire cut to the kept items, and the matching columns of the codes."""
    questionnaire = version.questionnaire
    if only_items is None:
        return questionnaire, version.codes
    keep = only_items.get(questionnaire.role, set())
    columns = [k for k, item in enumerate(questionnaire.items) if item.id in keep]
    cut = dataclasses.replace(questionnaire, items=tuple(questionnaire.items[k] for k in columns))
    return cut, version.codes[:, columns]
