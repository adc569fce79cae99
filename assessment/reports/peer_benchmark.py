"""Anonymous peer benchmarks of one cycle: the current organisation placed among the other
opted-in organisations that ran a cycle with the same id (closed or frozen).

Reading peers is the one report that looks across organisations; it takes from each peer only
the figures the pure core needs (domain means and belief counts), never a row that names
anyone, and the core suppresses every figure below the minimum of contributing peers.

A thousand peers are read together rather than one by one: one statement reads every live
peer's answers to the cycle, one their fact reports and one the frozen peers' stored report
versions; the live answers are scored in one vectorised pass and split by organisation
(``services.benchmarks.figures``). ``figures_of`` is the one-organisation computation the
results equal (a test compares them); docs/benchmarks.md has the measured times.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from flask import current_app

from assessment import tenancy
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, CycleStatus, Organisation, ReportSnapshot
from assessment.queries import peers as peer_rows
from assessment.reports.frozen import stored_scores
from assessment.reports.gaps import gap_report_of
from assessment.reports.scores import scores_of
from assessment.services.benchmarks.figures import (
    belief_counts_by_group,
    domain_figures_by_group,
    domain_figures_of_people,
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
from assessment.services.output.snapshot_columns import FORMAT, pairs_from_json
from assessment.services.scoring.answer_matrix import ResponseAnswers, collect_answers

__all__ = ["COMPARABLE_CYCLES", "cycle_benchmark", "figures_of", "minimum_peers"]

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
    status): as stored for a frozen cycle with a report version, live otherwise. Call inside
    ``tenancy.across_organisations``."""
    frozen = sorted(org for org, status in statuses.items() if status == CycleStatus.FROZEN)
    snapshots = peer_rows.latest_snapshots_of(db.session, cycle_id, frozen)
    found = {org: stored_figures(snapshot) for org, snapshot in snapshots.items()}
    found.update(live_figures(cycle_id, sorted(set(statuses) - set(snapshots))))
    return found


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
    domains = domain_figures_by_group(
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


def stored_figures(snapshot: ReportSnapshot) -> Figures:
    """A frozen cycle's figures from its stored report version (what ``figures_of`` reads)."""
    domains = domain_figures_of_people(stored_scores(snapshot))
    table, actual = _stored_beliefs(snapshot.payload)
    people = np.zeros(len(table.people.emails), dtype=np.int64)
    beliefs = belief_counts_by_group(table, people, [actual], catalogue().facts)[0]
    return domains, beliefs


def _stored_beliefs(payload: Mapping[str, Any]) -> tuple[BeliefTable, dict[str, str]]:
    """The stored pairs, as ``reports.frozen.stored_pairs`` reads them but without looking up
    anyone's name (counting needs none)."""
    pairs = payload["gaps"]["pairs"]
    if payload.get("format") == FORMAT:
        people = payload["people"]
        emails: Collection[str] = people["email"]
        return pairs_from_json(pairs, list(emails), list(emails), people["role"])
    beliefs = BeliefTable.from_beliefs(
        Belief(p["email"], p["email"], p["role"], p["item"], p["fact"], p["belief"]) for p in pairs
    )
    return beliefs, {p["fact"]: p["actual"] for p in pairs}
