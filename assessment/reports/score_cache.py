"""Cycles' scores and optimism indexes, each worked out once per request and kept per process
by the version of the rows they come from.

The committee view shows every quarter's scores and optimism index (the series), two quarters
compared, and the latest quarter's scores and training needs. Each of those used to read and
score its quarters again: for 8 quarters, 11 scorings and 18 reads of every answer per view.
``CycleFigures`` reads each quarter's answers at most once and scores them at most once per
set of items in one request, and takes a live quarter's numbers from the process's cache
(``_KEPT``) when the rows they come from have not changed since.

A kept entry is keyed by the organisation, the cycle, its status, the items scored and the
version of its submitted responses (count and newest id), fact entries and stored report
versions (the same as ``queries.peers.figure_versions``), for one app and one catalogue. None
of those rows is ever edited or deleted, a submitted response's answers never change and it
stays submitted, so a key names one set of rows for good: each app server may keep its own.
A late submission, a corrected fact or a new report version changes the key.

What is kept names no one: the numbers of each submitted response, in response id order.
People's e-mail addresses, names and roles may be edited, so each request reads them afresh
(``queries.cycle_rows.submitters``, which also gives the responses' version) and the scored
people are put in (role, e-mail) order again, as scoring does.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from flask import current_app

from assessment import queries, tenancy
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, ReportSnapshot
from assessment.queries import cycle_rows
from assessment.reports.cycle_inputs import cycle_answers_by_id
from assessment.reports.frozen import stored_scores
from assessment.services.gaps.analysis import BeliefTableBuilder, People, analyse_belief_table
from assessment.services.scoring.answer_matrix import CycleAnswers, VersionAnswers
from assessment.services.scoring.people import (
    ScoreColumns,
    ScoredPeople,
    ScoredPerson,
    score_answers,
)

__all__ = ["CycleFigures", "clear_score_cache"]

OnlyItems = Mapping[str, set[str]] | None
Number = TypeVar("Number", bound=np.generic)


@dataclass(frozen=True, eq=False)
class _Numbers:
    """Scores without anyone's name: row k is the k-th response read (by id, for a cycle)."""

    response_ids: tuple[int, ...]
    domain_ids: tuple[str, ...]
    level_ids: tuple[str, ...]
    overall: npt.NDArray[np.float64]
    overall_level: npt.NDArray[np.int8]
    domain_scores: npt.NDArray[np.float64]  # responses × domains
    domain_levels: npt.NDArray[np.int8]
    standard_errors: npt.NDArray[np.float64]

    @classmethod
    def of(cls, scored: ScoredPeople) -> _Numbers:
        """The numbers of people just scored, back in the order their answers were read."""
        columns, position = scored.columns(), scored.read_order

        def by_response(values: npt.NDArray[Number]) -> npt.NDArray[Number]:
            found = np.empty_like(values)
            found[position] = values
            return found

        return cls(
            (),
            columns.domain_ids,
            columns.level_ids,
            by_response(columns.overall),
            by_response(columns.overall_level),
            by_response(columns.domain_scores),
            by_response(columns.domain_levels),
            by_response(columns.standard_errors),
        )

    def part(self, start: int, response_ids: tuple[int, ...]) -> _Numbers:
        """Rows ``start`` on, one per response of ``response_ids`` (one cycle's share)."""
        rows = slice(start, start + len(response_ids))
        return _Numbers(
            response_ids,
            self.domain_ids,
            self.level_ids,
            self.overall[rows].copy(),
            self.overall_level[rows].copy(),
            self.domain_scores[rows].copy(),
            self.domain_levels[rows].copy(),
            self.standard_errors[rows].copy(),
        )

    def scored(self, people: People) -> ScoredPeople:
        """The scored people, person k of ``people`` (as they are now) giving row k, in
        (role, e-mail) order as scoring sorts them. Within one organisation's cycle that order
        has no ties: a person answers a cycle once, and an address belongs to one person."""
        emails, names, roles = people.emails, people.names, people.roles
        order = sorted(range(len(emails)), key=lambda k: (roles[k], emails[k]))
        rows = np.asarray(order, dtype=np.int64)
        return ScoredPeople.from_columns(
            ScoreColumns(
                [emails[k] for k in order],
                [names[k] for k in order],
                [roles[k] for k in order],
                self.domain_ids,
                self.level_ids,
                self.overall[rows],
                self.overall_level[rows],
                self.domain_scores[rows],
                self.domain_levels[rows],
                self.standard_errors[rows],
            )
        )


def _together(parts: Sequence[CycleAnswers]) -> CycleAnswers:
    """Several cycles' answers as one set, each cycle's responses after the previous ones'.

    Scoring costs about 2.5 ms a call whatever the number of rows (it loops over some 80
    items), one call per questionnaire version: 8 quarters of 5 roles take 40 calls one quarter
    at a time, and as many as there are distinct versions together. Each row's scores depend
    on its own answers only, so they come out the same. The beliefs are left out: scoring
    does not read them."""
    offsets = np.cumsum([0] + [len(p) for p in parts]).tolist()
    grouped: dict[tuple[str, str], list[tuple[int, VersionAnswers]]] = {}
    for offset, part in zip(offsets, parts, strict=False):
        for key, version in part.versions.items():
            grouped.setdefault(key, []).append((offset, version))
    people = People(
        [e for p in parts for e in p.people.emails],
        [n for p in parts for n in p.people.names],
        [r for p in parts for r in p.people.roles],
    )
    versions = {
        key: VersionAnswers(
            found[0][1].questionnaire,
            np.concatenate([offset + version.people for offset, version in found]),
            np.concatenate([version.codes for _, version in found]),
        )
        for key, found in grouped.items()
    }
    return CycleAnswers(people, versions, BeliefTableBuilder().build(people))


@dataclass(frozen=True, eq=False)
class _Index:
    """A cycle's optimism index, and the responses it was worked out from."""

    response_ids: tuple[int, ...]
    value: float | None


class _Kept:
    """Live cycles' numbers by the version of their rows, for one app and one catalogue (a
    test's fresh database numbers its rows from 1 again: it never meets another's numbers)."""

    ROWS = 1_000_000  # responses' numbers kept (about 200 bytes each); cleared when full

    def __init__(self) -> None:
        self._owners: tuple[object, ...] = ()
        self._entries: dict[Hashable, _Numbers | _Index] = {}
        self._rows = 0

    def of(self, *owners: object) -> _Kept:
        if len(owners) != len(self._owners) or any(
            a is not b for a, b in zip(owners, self._owners, strict=False)
        ):
            self._owners = owners
            self.clear()
        return self

    def get(self, key: Hashable) -> _Numbers | _Index | None:
        return self._entries.get(key)

    def put(self, key: Hashable, entry: _Numbers | _Index) -> None:
        if self._rows + len(entry.response_ids) > self.ROWS:
            self.clear()
        self._entries[key] = entry
        self._rows += len(entry.response_ids)

    def clear(self) -> None:
        self._entries, self._rows = {}, 0


_KEPT = _Kept()


def clear_score_cache() -> None:
    """Forget every kept number (the benchmark times a first view)."""
    _KEPT.clear()


@dataclass(frozen=True)
class _Rows:
    """A live cycle's submitted responses as they are now, and the version of its rows."""

    people: People  # person k: who gave the k-th response by id
    response_ids: tuple[int, ...]
    version: tuple[int, ...]

    @classmethod
    def of(cls, submitters: Sequence[cycle_rows.Submitter], others: tuple[int, ...]) -> _Rows:
        """The rows of one cycle's ``submitters`` (in id order) and ``others``' version."""
        ids = tuple(s.response_id for s in submitters)
        people = People(
            [s.email for s in submitters],
            [s.name for s in submitters],
            [s.role for s in submitters],
        )
        return cls(people, ids, (len(ids), ids[-1] if ids else 0, *others))


def _items_key(only_items: OnlyItems) -> Hashable:
    if only_items is None:
        return None
    return tuple(sorted((role, tuple(sorted(items))) for role, items in only_items.items()))


class CycleFigures:
    """Scores and optimism indexes of the current organisation's cycles for one request: as
    stored for a frozen cycle, otherwise from the process's cache or from its answers, read
    once. ``cycles``: those a caller will ask about, whose rows are then checked together."""

    def __init__(self, cycles: Iterable[Cycle] = ()) -> None:
        self._live_cycles = [c for c in cycles if not c.is_frozen]
        self._expected = {c.id for c in self._live_cycles}
        self._rows: dict[str, _Rows] = {}
        self._answers: dict[str, tuple[CycleAnswers, tuple[int, ...]]] = {}
        self._facts: dict[str, dict[str, str]] = {}
        self._snapshots: dict[str, ReportSnapshot | None] = {}
        self._scores: dict[tuple[str, Hashable], Sequence[ScoredPerson]] = {}
        self._indexes: dict[str, float | None] = {}

    def scores(self, cycle: Cycle, only_items: OnlyItems = None) -> Sequence[ScoredPerson]:
        """``scores_of(cycle)``, or with ``only_items`` ``score_cycle(cycle.id, only_items)``
        (from the answers even when frozen: no stored version holds those). The first live
        cycle to score without ``only_items`` brings every expected one with it."""
        key = (cycle.id, _items_key(only_items))
        if key not in self._scores:
            stored = self.snapshot(cycle) if only_items is None else None
            if stored is not None:
                self._scores[key] = stored_scores(stored)
            else:
                self._score([cycle, *(self._live_cycles if only_items is None else [])], only_items)
        return self._scores[key]

    def scores_together(
        self, cycles: Sequence[Cycle], only_items: OnlyItems
    ) -> list[Sequence[ScoredPerson]]:
        """``scores`` of each cycle, those to work out scored in one pass."""
        self._score(cycles, only_items)
        return [self.scores(cycle, only_items) for cycle in cycles]

    def optimism_index(self, cycle: Cycle) -> float | None:
        """The cycle's overall optimism index (``reports.gaps.optimism_index_of``)."""
        if cycle.id not in self._indexes:
            stored = self.snapshot(cycle)
            if stored is not None:
                value = stored.payload.get("optimism_index")
                found = float(value) if isinstance(value, int | float) else None
            else:
                found = self._live_index(cycle)
            self._indexes[cycle.id] = found
        return self._indexes[cycle.id]

    def answers(self, cycle_id: str) -> CycleAnswers:
        """The cycle's submitted answers (``cycle_answers``), read once."""
        return self._answers_by_id(cycle_id)[0]

    def snapshot(self, cycle: Cycle) -> ReportSnapshot | None:
        """The newest stored report version of a frozen cycle, read once; None otherwise."""
        if not cycle.is_frozen:
            return None
        if cycle.id not in self._snapshots:
            self._snapshots[cycle.id] = queries.latest_snapshot(db.session, cycle.id)
        return self._snapshots[cycle.id]

    def _answers_by_id(self, cycle_id: str) -> tuple[CycleAnswers, tuple[int, ...]]:
        if cycle_id not in self._answers:
            self._answers[cycle_id] = cycle_answers_by_id(cycle_id)
        return self._answers[cycle_id]

    def _fact_categories(self, cycle_id: str) -> dict[str, str]:
        """The cycle's reported facts, read with those of every expected cycle not read yet."""
        if cycle_id not in self._facts:
            wanted = (self._expected | {cycle_id}) - set(self._facts)
            self._facts.update(cycle_rows.fact_categories_by_cycle(db.session, wanted))
        return self._facts[cycle_id]

    def _score(self, cycles: Sequence[Cycle], only_items: OnlyItems) -> None:
        """Each cycle's live scores on ``only_items``: as kept when its rows are unchanged, the
        others scored together from their answers (and kept)."""
        items = _items_key(only_items)
        missing: list[tuple[Cycle, _Place | None]] = []
        for cycle in cycles:
            stored = only_items is None and self.snapshot(cycle) is not None
            if (cycle.id, items) in self._scores or stored:
                continue
            place = self._place(cycle, "scores", only_items)
            kept = _kept_at(place)
            if isinstance(kept, _Numbers) and place is not None:
                self._scores[(cycle.id, items)] = kept.scored(place[1].people)
            elif all(cycle.id != other.id for other, _ in missing):
                missing.append((cycle, place))
        if not missing:
            return
        read = [self._answers_by_id(cycle.id) for cycle, _ in missing]
        together = _together([answers for answers, _ in read])
        # The facts never change a score (only which belief items are pending).
        numbers = _Numbers.of(score_answers(together, catalogue().rubric, {}, only_items))
        start = 0
        for (cycle, place), (answers, ids) in zip(missing, read, strict=True):
            part = numbers.part(start, ids)
            start += len(ids)
            _keep_at(place, ids, part)
            self._scores[(cycle.id, items)] = part.scored(answers.people)

    def _live_index(self, cycle: Cycle) -> float | None:
        place = self._place(cycle, "optimism", None)
        kept = _kept_at(place)
        if isinstance(kept, _Index):
            return kept.value
        answers, ids = self._answers_by_id(cycle.id)
        report = analyse_belief_table(
            answers.beliefs, catalogue().facts, self._fact_categories(cycle.id)
        )
        value = report.overall.optimism_index
        _keep_at(place, ids, _Index(ids, value))
        return value

    def _place(self, cycle: Cycle, kind: str, only_items: OnlyItems) -> _Place | None:
        """The cycle's key in the process's cache and its rows as they are now; None where
        the cycle is not the current organisation's (read across organisations)."""
        if tenancy.current_organisation_id(db.session()) != cycle.organisation_id:
            return None
        rows = self._rows_of(cycle.id)
        status = str(cycle.status)
        key = (kind, cycle.organisation_id, cycle.id, status, rows.version, _items_key(only_items))
        return key, rows

    def _rows_of(self, cycle_id: str) -> _Rows:
        """The cycle's rows, read together with those of every expected cycle not read yet."""
        if cycle_id not in self._rows:
            wanted = (self._expected | {cycle_id}) - set(self._rows)
            people: dict[str, list[cycle_rows.Submitter]] = {c: [] for c in wanted}
            for person in cycle_rows.submitters(db.session, wanted):
                people[person.cycle_id].append(person)
            others = cycle_rows.fact_and_report_versions(db.session, wanted)
            for c in wanted:
                self._rows[c] = _Rows.of(people[c], others[c])
        return self._rows[cycle_id]


_Place = tuple[Hashable, _Rows]  # a key in the process's cache, and the rows it stands for


def _kept() -> _Kept:
    return _KEPT.of(current_app._get_current_object(), catalogue())  # type: ignore[attr-defined]


def _kept_at(place: _Place | None) -> _Numbers | _Index | None:
    """What is kept under the key, if it was worked out from the very responses there are."""
    if place is None:
        return None
    key, rows = place
    kept = _kept().get(key)
    return kept if kept is not None and kept.response_ids == rows.response_ids else None


def _keep_at(place: _Place | None, read: tuple[int, ...], entry: _Numbers | _Index) -> None:
    """Keep what was worked out from the responses ``read``, unless a response was submitted
    between reading the rows' version and reading the answers (the next view counts it)."""
    if place is not None and read == place[1].response_ids:
        _kept().put(place[0], entry)
