"""Anonymous peer benchmarks of one cycle: the current organisation placed among the other
opted-in organisations that ran a cycle with the same id (closed or frozen).

Reading peers is the one report that looks across organisations; it takes from each peer only
the figures the pure core needs (domain means and belief counts) and uses nothing that names
anyone (live peers' answers are read without their people; a frozen peer's stored report
version is read whole, as that is fastest, and only its scores and pairs are used), and the
core suppresses every figure below the minimum of contributing peers.

A thousand peers are read together rather than one by one: one statement reads every live
peer's answers to the cycle, one their fact reports and one the frozen peers' stored report
versions; the live answers are scored in one vectorised pass and split by organisation
(``services.benchmarks.figures``). ``figures_of`` is the one-organisation computation the
results equal (a test compares them). Each organisation's figures are then kept by the version
of the rows they came from, so the next view (the committee's, the pack's) reads only those
versions and the organisations whose rows changed since; docs/benchmarks.md has the times.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from flask import current_app

from assessment import tenancy
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, CycleStatus, Organisation
from assessment.queries import peers as peer_rows
from assessment.reports.gaps import gap_report_of
from assessment.reports.scores import scores_of
from assessment.services.benchmarks.figures import (
    belief_counts_by_group,
    domain_figures_by_group,
    domain_figures_of_people,
    merged_beliefs,
    scored_domain_figures,
)
from assessment.services.benchmarks.peers import (
    DEFAULT_MINIMUM,
    BeliefCounts,
    Benchmark,
    PeerFigures,
    peer_benchmark,
)
from assessment.services.gaps.analysis import BeliefTable
from assessment.services.gaps.report import Belief
from assessment.services.output.snapshot_columns import FORMAT, pairs_from_json, unpack
from assessment.services.scoring.answer_matrix import ResponseAnswers, collect_answers
from assessment.services.scoring.people import ScoredPerson

__all__ = [
    "COMPARABLE_CYCLES",
    "clear_figures_cache",
    "cycle_benchmark",
    "figures_of",
    "minimum_peers",
]

COMPARABLE_CYCLES = peer_rows.COMPARABLE_CYCLES
Figures = tuple[dict[str, float | None], BeliefCounts]


def minimum_peers() -> int:
    return int(current_app.config.get("BENCHMARK_MIN_PEERS", DEFAULT_MINIMUM))


def figures_of(cycle: Cycle, industry: str | None) -> PeerFigures:
    """One organisation's figures for a cycle, read in that organisation (acting for it)."""
    domains = domain_figures_of_people(scores_of(cycle))
    overall = gap_report_of(cycle).overall
    beliefs = BeliefCounts(int(overall.counts.get("optimistic", 0)), int(overall.answered))
    return PeerFigures(domains, industry, beliefs)


def cycle_benchmark(cycle: Cycle, *, minimum: int | None = None) -> Benchmark:
    """The current organisation's cycle among its peers (see ``services.benchmarks.peers``)."""
    own_id = tenancy.organisation_parameter(db.session())
    # Across organisations: the peers' figures are the point; only aggregates leave here.
    with tenancy.across_organisations():
        own = db.session.get(Organisation, own_id)
        assert own is not None
        candidates = peer_rows.benchmark_candidates(db.session, cycle.id, own_id)
        statuses = {c.organisation_id: c.status for c in candidates} | {own_id: cycle.status}
        figures = organisations_figures(cycle.id, statuses)
    domains, beliefs = figures[own_id]
    peers = [
        PeerFigures(figures[c.organisation_id][0], c.industry, figures[c.organisation_id][1])
        for c in candidates
    ]
    return peer_benchmark(
        domains,
        peers,
        minimum=minimum if minimum is not None else minimum_peers(),
        own_industry=own.industry,
        own_beliefs=beliefs,
    )


def organisations_figures(cycle_id: str, statuses: Mapping[int, str]) -> dict[int, Figures]:
    """Each organisation's figures for its cycle ``cycle_id`` (organisation → its cycle's
    status): as stored for a frozen cycle with a report version, live otherwise. Figures
    computed before from the same rows are reused (``FiguresCache``). Call inside
    ``tenancy.across_organisations``."""
    versions = peer_rows.figure_versions(db.session, cycle_id, statuses)
    keys = {org: (org, cycle_id, status, versions[org]) for org, status in statuses.items()}
    cache = _FIGURES.of(current_app._get_current_object(), catalogue())  # type: ignore[attr-defined]
    found = {org: hit for org, key in keys.items() if (hit := cache.get(key)) is not None}
    missing = {org: status for org, status in statuses.items() if org not in found}
    frozen = sorted(org for org, status in missing.items() if status == CycleStatus.FROZEN)
    stored = peer_rows.newest_payloads_of(db.session, cycle_id, frozen)
    computed = packed_figures({o: p for o, p in stored.items() if p.get("format") == FORMAT})
    for org in sorted(set(stored) - set(computed)):  # rare: one organisation at a time
        computed[org] = first_format_figures(stored[org])
    computed.update(live_figures(cycle_id, sorted(set(missing) - set(stored))))
    for org, figures in computed.items():
        cache.put(keys[org], figures)
    return found | computed


class FiguresCache:
    """Organisations' figures by the version of the rows they come from (``figure_versions``),
    for one app and one catalogue.

    Those rows are only ever added, never edited or deleted, so a key names one set of rows
    for good and a cached figure can never be stale: several app servers may each keep their
    own. The app is part of the owner so that a test's fresh database, which numbers its rows
    from 1 again, never meets another test's figures.
    """

    LIMIT = 100_000  # figures (about 1 KB each); cleared when full

    def __init__(self) -> None:
        self._owners: tuple[object, ...] = ()
        self._entries: dict[Hashable, Figures] = {}

    def of(self, *owners: object) -> FiguresCache:
        if len(owners) != len(self._owners) or any(
            a is not b for a, b in zip(owners, self._owners, strict=False)
        ):
            self._owners, self._entries = owners, {}
        return self

    def get(self, key: Hashable) -> Figures | None:
        return self._entries.get(key)

    def put(self, key: Hashable, figures: Figures) -> None:
        if len(self._entries) >= self.LIMIT:
            self._entries.clear()
        self._entries[key] = figures

    def clear(self) -> None:
        self._entries.clear()


_FIGURES = FiguresCache()


def clear_figures_cache() -> None:
    """Forget every cached figure (the benchmark times the computation itself)."""
    _FIGURES.clear()


def live_figures(cycle_id: str, organisation_ids: Sequence[int]) -> dict[int, Figures]:
    """The organisations' figures from their submitted answers, read in one statement."""
    if not organisation_ids:
        return {}
    group_of = {org: k for k, org in enumerate(organisation_ids)}
    groups: list[int] = []  # the group of each response, in read order

    def responses() -> Iterator[ResponseAnswers]:
        for response in peer_rows.iter_anonymous_answers(db.session, cycle_id, organisation_ids):
            groups.append(group_of[response.organisation_id])
            yield response

    answers = collect_answers(responses(), catalogue().get)
    group_of_person = np.asarray(groups, dtype=np.int64)
    domains = scored_domain_figures(
        answers, group_of_person, len(organisation_ids), catalogue().rubric
    )
    reported = peer_rows.fact_categories_of(db.session, cycle_id, organisation_ids)
    beliefs = belief_counts_by_group(
        answers.beliefs,
        group_of_person,
        [reported[org] for org in organisation_ids],
        catalogue().facts,
    )
    return {org: (domains[k], beliefs[k]) for k, org in enumerate(organisation_ids)}


def packed_figures(payloads: Mapping[int, Mapping[str, Any]]) -> dict[int, Figures]:
    """Frozen cycles' figures from the packed columns of their report versions (organisation
    → payload), every organisation's at once: what ``figures_of`` reads from each."""
    organisations = sorted(payloads)
    tables, actual = [], []
    for org in organisations:
        roles = list(payloads[org]["people"]["role"])  # the people unnamed: counting needs none
        table, reported = pairs_from_json(payloads[org]["gaps"]["pairs"], roles, roles, roles)
        tables.append(table)
        actual.append(reported)
    merged, group_of_person = merged_beliefs(tables)
    beliefs = belief_counts_by_group(merged, group_of_person, actual, catalogue().facts)
    domains: dict[int, dict[str, float | None]] = {}
    by_domain_ids: dict[tuple[str, ...], list[int]] = {}  # one key unless the rubric changed
    for k, org in enumerate(organisations):
        by_domain_ids.setdefault(tuple(payloads[org]["scores"]["domains"]), []).append(k)
    for domain_ids, members in by_domain_ids.items():
        scores = [unpack(payloads[organisations[k]]["scores"]["domain_scores"]) for k in members]
        group_of_row = np.concatenate([np.full(len(s), g) for g, s in enumerate(scores)])
        figures = domain_figures_by_group(
            domain_ids, np.concatenate(scores), group_of_row.astype(np.int64), len(members)
        )
        domains.update(zip(members, figures, strict=True))
    return {org: (domains[k], beliefs[k]) for k, org in enumerate(organisations)}


def first_format_figures(payload: Mapping[str, Any]) -> Figures:
    """A frozen cycle's figures from a report version of the first format, which holds an
    object per person and per pair (what ``reports.frozen`` reads from it)."""
    domains = domain_figures_of_people(ScoredPerson(**row) for row in payload["scores"])
    pairs = payload["gaps"]["pairs"]
    table = BeliefTable.from_beliefs(
        Belief(p["email"], "", p["role"], p["item"], p["fact"], p["belief"]) for p in pairs
    )
    actual = {p["fact"]: p["actual"] for p in pairs}
    people = np.zeros(len(table.people.emails), dtype=np.int64)
    return domains, belief_counts_by_group(table, people, [actual], catalogue().facts)[0]
