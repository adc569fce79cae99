"""Many organisations' benchmark figures from one read of all their answers.

A cycle id shared by a thousand organisations has a thousand sets of answers. Scoring each set
on its own costs a thousand rounds of reading and scoring; here every response of every
organisation is scored in one vectorised pass (a domain score does not depend on the
organisation: the reported facts only mark belief items pending, which no figure uses), and the
figures are then split by organisation. Each organisation's figures are exactly what scoring
it alone gives: the domain means go through ``organisation_figures`` and the belief counts
classify each belief with ``classify_gap`` against that organisation's reported facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from assessment.services.benchmarks.peers import BeliefCounts, organisation_figures
from assessment.services.content.definitions import Fact, Rubric
from assessment.services.gaps.analysis import BeliefTable, People
from assessment.services.gaps.classify import GAP_CLASSES, classify_gap
from assessment.services.scoring.answer_matrix import CycleAnswers
from assessment.services.scoring.people import ScoredPerson, score_answers

Groups = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int32]
OPTIMISTIC, UNKNOWN = GAP_CLASSES.index("optimistic"), GAP_CLASSES.index("unknown")
DomainFigures = dict[str, float | None]


def domain_figures_of_people(scored: Iterable[ScoredPerson]) -> DomainFigures:
    """One organisation's domain figures from its scored people (live or as stored)."""
    return organisation_figures(
        {domain: values.get("score") for domain, values in person.domains.items()}
        for person in scored
    )


def scored_domain_figures(
    answers: CycleAnswers, group_of_person: Groups, groups: int, rubric: Rubric
) -> list[DomainFigures]:
    """Per group (organisation), ``domain_figures_of_people`` of its people's scores, all
    responses scored together. ``group_of_person[k]`` is the group of the k-th response."""
    scored = score_answers(answers, rubric, {})  # the facts never change a domain score
    columns = scored.columns()
    group_of_row = group_of_person[scored.read_order]
    return domain_figures_by_group(columns.domain_ids, columns.domain_scores, group_of_row, groups)


def domain_figures_by_group(
    domain_ids: Sequence[str], scores: Floats, group_of_row: Groups, groups: int
) -> list[DomainFigures]:
    """Per group, ``domain_figures_of_people`` of the rows of ``scores`` (people × domains,
    NaN where a person has no score) whose group ``group_of_row`` gives."""
    order = np.argsort(group_of_row, kind="stable")
    bounds = np.searchsorted(group_of_row[order], np.arange(groups + 1)).tolist()
    rows = scores[order].tolist()
    return [
        organisation_figures(
            # NaN (no score) is None, as a scored person gives it.
            {d: (None if v != v else v) for d, v in zip(domain_ids, row, strict=True)}
            for row in rows[bounds[group] : bounds[group + 1]]
        )
        for group in range(groups)
    ]


def merged_beliefs(tables: Sequence[BeliefTable]) -> tuple[BeliefTable, Groups]:
    """Several groups' belief tables as one, and the group of each of its people (the k-th
    table's people are group k). Only the codes are merged: people are not named."""
    pools: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
    person, item, fact, label, groups = [], [], [], [], []
    people = 0
    for group, table in enumerate(tables):
        person.append(table.person + people)
        item.append(_recoded(table.item, table.item_ids, pools[0]))
        fact.append(_recoded(table.fact, table.fact_ids, pools[1]))
        label.append(_recoded(table.label, table.labels, pools[2]))
        count = len(table.people.emails)
        groups.append(np.full(count, group, dtype=np.int64))
        people += count
    nobody = [""] * people
    merged = BeliefTable(
        People(nobody, nobody, nobody),
        _joined(person),
        _joined(item),
        _joined(fact),
        _joined(label),
        tuple(pools[0]),
        tuple(pools[1]),
        tuple(pools[2]),
    )
    return merged, np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)


def _recoded(codes: Codes, values: Sequence[str], pool: dict[str, int]) -> Codes:
    """``codes`` into ``values`` as codes into ``pool`` (which gains the values it lacks)."""
    mapping = np.array([pool.setdefault(v, len(pool)) for v in values] or [0], dtype=np.int32)
    recoded: Codes = mapping[codes]
    return recoded


def _joined(parts: list[Codes]) -> Codes:
    return np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, dtype=np.int32)


def belief_counts_by_group(
    table: BeliefTable,
    group_of_person: Groups,
    actual: Sequence[Mapping[str, str]],
    facts: Mapping[str, Fact],
) -> list[BeliefCounts]:
    """Per group, the beliefs that are optimistic out of those that could be compared.

    ``actual[g]`` is group g's reported category of each fact. As in the gap report's overall
    summary, a belief is a pair when its fact is reported in its group, and comparable when
    its class is not ``unknown``.
    """
    groups = len(actual)
    categories: dict[str, int] = {}
    reported = np.full((groups, max(len(table.fact_ids), 1)), -1, dtype=np.int64)
    for g, categories_of in enumerate(actual):
        for code, fact_id in enumerate(table.fact_ids):
            if (category := categories_of.get(fact_id)) is not None:
                reported[g, code] = categories.setdefault(category, len(categories))
    of_belief = group_of_person[table.person]
    actual_code = reported[of_belief, table.fact] if len(table) else np.zeros(0, dtype=np.int64)
    is_pair = actual_code >= 0
    of_pair, fact, label = of_belief[is_pair], table.fact[is_pair], table.label[is_pair]
    classes = _classes(fact, label, actual_code[is_pair], table, list(categories), facts)
    pairs = np.bincount(of_pair, minlength=groups)
    optimistic = np.bincount(of_pair[classes == OPTIMISTIC], minlength=groups)
    unknown = np.bincount(of_pair[classes == UNKNOWN], minlength=groups)
    return [
        BeliefCounts(int(o), int(p - u))
        for o, p, u in zip(optimistic.tolist(), pairs.tolist(), unknown.tolist(), strict=True)
    ]


def _classes(
    fact: npt.NDArray[np.int32],
    label: npt.NDArray[np.int32],
    actual: npt.NDArray[np.int64],
    table: BeliefTable,
    categories: list[str],
    facts: Mapping[str, Fact],
) -> npt.NDArray[np.int8]:
    """The gap class of each pair, calling ``classify_gap`` once per distinct (fact, belief,
    reported category): a few hundred calls for hundreds of thousands of beliefs."""
    if not len(fact):
        return np.zeros(0, dtype=np.int8)
    labels, reported = max(len(table.labels), 1), max(len(categories), 1)
    key = (fact.astype(np.int64) * labels + label) * reported + actual
    combos, inverse = np.unique(key, return_inverse=True)
    found = []
    for combo in combos.tolist():
        rest, category = divmod(combo, reported)
        fact_code, label_code = divmod(rest, labels)
        fact_id = table.fact_ids[fact_code]
        gap = classify_gap(facts[fact_id], table.labels[label_code], categories[category])
        found.append(GAP_CLASSES.index(gap))
    by_pair: npt.NDArray[np.int8] = np.array(found, dtype=np.int8)[inverse.reshape(-1)]
    return by_pair
