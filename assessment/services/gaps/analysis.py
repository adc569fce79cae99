"""The gap analysis over columns of codes: ``analyse_gaps`` for 100,000 people in little memory.

A cycle of 100,000 responses holds about 800,000 beliefs. As one ``Belief`` and one ``Pair``
object each, plus per-group lists, they cost gigabytes. Here beliefs are parallel NumPy columns
of small integer codes into string pools; groups (role, person, domain, fact) are summarised by
counting codes with ``bincount``; pairs, pending beliefs and each person's summary are built as
objects only when read. The counts feed the same ``summary_of`` and ``fact_summary_of`` as the
object path, and kappa's sums are exact integers, so both paths give identical reports (a
property test compares them on random cycles).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assessment.services.content.definitions import DONT_KNOW, Fact
from assessment.services.gaps.classify import GAP_CLASSES, classify_gap
from assessment.services.gaps.report import (
    Belief,
    FactCounts,
    FactSummary,
    GapReport,
    Pair,
    Summary,
    fact_summary_of,
    rank_blind_spots,
    summary_of,
)
from assessment.services.gaps.stats import KappaCounts
from assessment.services.lazy_rows import LazyRows

Codes = npt.NDArray[np.int32]
Index = npt.NDArray[np.int64]
ALIGNED, OPTIMISTIC, UNKNOWN = (GAP_CLASSES.index(c) for c in ("aligned", "optimistic", "unknown"))


@dataclass(frozen=True)
class People:
    """Who gave the beliefs: position k describes person k."""

    emails: Sequence[str]
    names: Sequence[str]
    roles: Sequence[str]


@dataclass(frozen=True, eq=False)
class BeliefTable:
    """Beliefs as parallel columns, one row per belief in answer order; each value is a code."""

    people: People
    person: Codes  # position in ``people``
    item: Codes  # position in ``item_ids``
    fact: Codes  # position in ``fact_ids``
    label: Codes  # position in ``labels``: the belief, a category id or don't know
    item_ids: tuple[str, ...]
    fact_ids: tuple[str, ...]
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.person)

    @classmethod
    def from_beliefs(cls, beliefs: Iterable[Belief]) -> BeliefTable:
        builder = BeliefTableBuilder()
        people: dict[tuple[str, str, str], int] = {}
        for b in beliefs:
            person = people.setdefault((b.email, b.name, b.role), len(people))
            builder.add(
                person, builder.item_code(b.item_id), builder.fact_code(b.fact_id), b.belief
            )
        return builder.build(
            People([p[0] for p in people], [p[1] for p in people], [p[2] for p in people])
        )


class BeliefTableBuilder:
    """Collects beliefs one at a time into a flat integer buffer (16 bytes a belief)."""

    def __init__(self) -> None:
        self._rows = array("i")  # person, item, fact, label of each belief in turn
        self._items: dict[str, int] = {}
        self._facts: dict[str, int] = {}
        self._labels: dict[str, int] = {}

    def item_code(self, item_id: str) -> int:
        return self._items.setdefault(item_id, len(self._items))

    def fact_code(self, fact_id: str) -> int:
        return self._facts.setdefault(fact_id, len(self._facts))

    def add(self, person: int, item: int, fact: int, label: str) -> None:
        code = self._labels.get(label)
        if code is None:
            code = self._labels[label] = len(self._labels)
        self._rows.extend((person, item, fact, code))

    def build(self, people: People) -> BeliefTable:
        columns = np.asarray(self._rows, dtype=np.int32).reshape(-1, 4).T.copy()
        self._rows = array("i")
        return BeliefTable(
            people,
            columns[0],
            columns[1],
            columns[2],
            columns[3],
            tuple(self._items),
            tuple(self._facts),
            tuple(self._labels),
        )


class BeliefRows(LazyRows[Belief]):
    """Some rows of a belief table as ``Belief`` objects, built on access."""

    def __init__(self, table: BeliefTable, rows: Index) -> None:
        super().__init__(
            [table.person[rows], table.item[rows], table.fact[rows], table.label[rows]], len(rows)
        )
        self._table = table

    def _build(self, person: int, item: int, fact: int, label: int) -> Belief:
        t, people = self._table, self._table.people
        return Belief(
            people.emails[person],
            people.names[person],
            people.roles[person],
            t.item_ids[item],
            t.fact_ids[fact],
            t.labels[label],
        )


@dataclass(frozen=True, eq=False)
class _Pairs:
    """The beliefs whose fact is reported, with their reported category and gap class."""

    table: BeliefTable
    person: Codes
    item: Codes
    fact: Codes
    label: Codes  # into ``labels``
    actual: Codes  # into ``labels``: the reported category of the pair's fact
    gap: npt.NDArray[np.int8]  # into GAP_CLASSES
    kappa_usable: npt.NDArray[np.bool_]  # answered, and the fact is categorical (no bands)
    labels: tuple[str, ...]  # the table's labels, then the reported categories not among them
    domains: tuple[str, ...]  # per fact code ("" when the fact is not reported)
    actual_ids: tuple[str, ...]  # per fact code ("" when the fact is not reported)

    def __len__(self) -> int:
        return len(self.person)


class PairRows(LazyRows[Pair]):
    """The pairs of a report as ``Pair`` objects, built on access."""

    def __init__(self, pairs: _Pairs) -> None:
        super().__init__([pairs.person, pairs.item, pairs.fact, pairs.label, pairs.gap], len(pairs))
        self._pairs = pairs

    def _build(self, person: int, item: int, fact: int, label: int, gap: int) -> Pair:
        p, people = self._pairs, self._pairs.table.people
        return Pair(
            people.emails[person],
            people.names[person],
            people.roles[person],
            p.table.item_ids[item],
            p.table.fact_ids[fact],
            p.domains[fact],
            p.labels[label],
            p.actual_ids[fact],
            GAP_CLASSES[gap],
        )


def analyse_belief_table(
    table: BeliefTable, facts: Mapping[str, Fact], actual: Mapping[str, str]
) -> GapReport:
    """The same report as ``analyse_gaps`` on the table's beliefs, in bounded memory."""
    reported = np.array([f in actual for f in table.fact_ids], dtype=bool)
    is_pair = reported[table.fact]
    pairs = _pairs(table, None if is_pair.all() else np.flatnonzero(is_pair), facts, actual)
    people = table.people
    roles, role_of_person = _sorted_codes(people.roles)
    emails, email_of_person = _sorted_codes(people.emails)
    fact_ids, fact_of_code = _sorted_codes(table.fact_ids)
    domains, domain_of_fact = _sorted_codes(pairs.domains)
    role = role_of_person[pairs.person]
    fact_summaries = _fact_summaries(
        fact_of_code[pairs.fact], fact_ids, role, roles, pairs, facts, actual
    )
    return GapReport(
        pairs=PairRows(pairs),
        by_role=_Groups.count(role, roles, pairs).as_dict(),
        by_person=_SummaryMap(_Groups.count(email_of_person[pairs.person], emails, pairs)),
        by_domain=_Groups.count(domain_of_fact[pairs.fact], domains, pairs).as_dict(),
        by_fact=_Groups.count(fact_of_code[pairs.fact], fact_ids, pairs, False).as_dict(),
        facts=fact_summaries,
        blind_spots=rank_blind_spots(fact_summaries),
        overall=_overall(pairs),
        pending=BeliefRows(table, np.flatnonzero(~is_pair)),
    )


def _pairs(
    table: BeliefTable, rows: Index | None, facts: Mapping[str, Fact], actual: Mapping[str, str]
) -> _Pairs:
    """Pair columns of the given rows (None: every row, shared rather than copied)."""

    def take(column: Codes) -> Codes:
        return column if rows is None else column[rows]

    fact, label = take(table.fact), take(table.label)
    labels = dict(zip(table.labels, range(len(table.labels)), strict=True))
    actual_code = np.array(
        [labels.setdefault(actual[f], len(labels)) if f in actual else -1 for f in table.fact_ids],
        dtype=np.int32,
    )
    categorical = np.array([f in actual and not facts[f].bands for f in table.fact_ids], dtype=bool)
    gap = _classify(fact, label, table, facts, actual)
    return _Pairs(
        table=table,
        person=take(table.person),
        item=take(table.item),
        fact=fact,
        label=label,
        actual=actual_code[fact],
        gap=gap,
        kappa_usable=categorical[fact] & (gap != UNKNOWN),
        labels=tuple(labels),
        domains=tuple(facts[f].domain if f in actual else "" for f in table.fact_ids),
        actual_ids=tuple(actual.get(f, "") for f in table.fact_ids),
    )


def _classify(
    fact: Codes,
    label: Codes,
    table: BeliefTable,
    facts: Mapping[str, Fact],
    actual: Mapping[str, str],
) -> npt.NDArray[np.int8]:
    """Gap class of each pair, by calling ``classify_gap`` once per distinct (fact, belief)."""
    width = max(len(table.labels), 1)
    combos, inverse = np.unique(fact.astype(np.int64) * width + label, return_inverse=True)
    classes = []
    for combo in combos.tolist():
        fact_id = table.fact_ids[combo // width]
        gap = classify_gap(facts[fact_id], table.labels[combo % width], actual[fact_id])
        classes.append(GAP_CLASSES.index(gap))
    by_pair: npt.NDArray[np.int8] = np.array(classes, dtype=np.int8)[inverse.reshape(-1)]
    return by_pair


def _sorted_codes(values: Sequence[str]) -> tuple[list[str], Index]:
    """The distinct values in sorted order, and each value's position among them.

    Groups are reported in sorted key order, as ``analyse_gaps`` does.
    """
    distinct = sorted(set(values))
    position = {value: k for k, value in enumerate(distinct)}
    return distinct, np.fromiter((position[v] for v in values), dtype=np.int64, count=len(values))


def _tally(key: Index, size: int, pairs: _Pairs, with_kappa: bool) -> tuple[Index, Index | None]:
    """Per group: its four class counts, and its kappa counts (pairs, agree, chance)."""
    classes = np.bincount(key * 4 + pairs.gap, minlength=size * 4).reshape(size, 4)
    return classes, _kappa_counts(key, size, pairs) if with_kappa else None


def _kappa_counts(key: Index, size: int, pairs: _Pairs) -> Index:
    """Exact integer inputs of Cohen's kappa per group, over its usable pairs.

    ``chance`` is the sum over labels of (beliefs with the label) × (facts reported with it):
    counted sparsely per (group, label) so that 100,000 groups need no groups × labels table.
    """
    usable = pairs.kappa_usable
    group, belief, reported = key[usable], pairs.label[usable], pairs.actual[usable]
    width = len(pairs.labels)
    left, left_n = np.unique(group * width + belief, return_counts=True)
    right, right_n = np.unique(group * width + reported, return_counts=True)
    both, at_left, at_right = np.intersect1d(left, right, assume_unique=True, return_indices=True)
    chance = np.zeros(size, dtype=np.int64)
    np.add.at(chance, both // width, left_n[at_left] * right_n[at_right])
    return np.stack(
        [
            np.bincount(group, minlength=size),
            np.bincount(group[belief == reported], minlength=size),
            chance,
        ],
        axis=1,
    )


@dataclass(frozen=True)
class _Groups:
    """Counts of the groups that have at least one pair, in sorted key order."""

    keys: list[str]
    classes: Index  # groups × 4
    kappa: Index | None  # groups × 3, None for groups without kappa

    @classmethod
    def count(cls, key: Index, names: list[str], pairs: _Pairs, with_kappa: bool = True) -> _Groups:
        classes, kappa = _tally(key, len(names), pairs, with_kappa)
        present = np.flatnonzero(classes.sum(axis=1))
        return cls(
            [names[g] for g in present.tolist()],
            classes[present],
            None if kappa is None else kappa[present],
        )

    def summary(self, group: int) -> Summary:
        counts = dict(zip(GAP_CLASSES, self.classes[group].tolist(), strict=True))
        kappa = None if self.kappa is None else KappaCounts(*self.kappa[group].tolist())
        return summary_of(counts, kappa)

    def as_dict(self) -> dict[str, Summary]:
        return {key: self.summary(g) for g, key in enumerate(self.keys)}


class _SummaryMap(Mapping[str, Summary]):
    """Group summaries built on access: one per person would be 100,000 objects."""

    def __init__(self, groups: _Groups) -> None:
        self._groups = groups

    def __getitem__(self, key: str) -> Summary:
        keys = self._groups.keys
        g = bisect_left(keys, key) if isinstance(key, str) else len(keys)
        if g == len(keys) or keys[g] != key:
            raise KeyError(key)
        return self._groups.summary(g)

    def __iter__(self) -> Iterator[str]:
        return iter(self._groups.keys)

    def __len__(self) -> int:
        return len(self._groups.keys)

    def __repr__(self) -> str:
        return f"<summaries of {len(self)} groups>"


def _overall(pairs: _Pairs) -> Summary:
    classes, kappa = _tally(np.zeros(len(pairs), dtype=np.int64), 1, pairs, True)
    assert kappa is not None
    return _Groups([""], classes, kappa).summary(0)


def _fact_summaries(
    key: Index,
    fact_ids: list[str],
    role: Index,
    roles: list[str],
    pairs: _Pairs,
    facts: Mapping[str, Fact],
    actual: Mapping[str, str],
) -> tuple[FactSummary, ...]:
    """One summary per fact with pairs, in fact id order."""
    size = len(fact_ids)
    classes, _ = _tally(key, size, pairs, False)
    dont_know = pairs.labels.index(DONT_KNOW) if DONT_KNOW in pairs.labels else -1
    accurate = np.bincount(key[pairs.label == pairs.actual], minlength=size)
    unsure = np.bincount(key[pairs.label == dont_know], minlength=size)
    not_aligned = pairs.gap != ALIGNED
    wrong = np.bincount(
        (key * len(roles) + role)[not_aligned], minlength=size * len(roles)
    ).reshape(size, len(roles))
    summaries = []
    for g in np.flatnonzero(classes.sum(axis=1)).tolist():
        counts: list[Any] = classes[g].tolist()
        fact_id = fact_ids[g]
        summaries.append(
            fact_summary_of(
                facts[fact_id],
                actual[fact_id],
                FactCounts(
                    pairs=sum(counts),
                    accurate=int(accurate[g]),
                    dont_know=int(unsure[g]),
                    optimistic=counts[OPTIMISTIC],
                    unknown=counts[UNKNOWN],
                    wrong_roles=tuple(roles[r] for r in np.flatnonzero(wrong[g]).tolist()),
                ),
            )
        )
    return tuple(summaries)
