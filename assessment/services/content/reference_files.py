"""Readers for the shared data files: rubric, facts, training and regimes."""

from __future__ import annotations

import math

from assessment.services.content.definitions import (
    FACT_OWNERS,
    FACT_TYPES,
    NOT_APPLICABLE,
    NUMERIC_FACT_TYPES,
    ROLES,
    SPECIAL_ANSWERS,
    TEAM_FORMAT,
    TRAINING_FORMATS,
    Band,
    Category,
    Domain,
    Fact,
    Level,
    Regime,
    Rubric,
    SpecialAnswer,
    TrainingModule,
)
from assessment.services.content.yaml_fields import Fields, describe
from assessment.services.content.yaml_lines import DataFileProblem

YES_PARTLY_NO = ("no", "partly", "yes")
# Every domain a role weighs needs a module for that role at each of the lowest levels, where
# training needs arise (the default threshold is "below L3"; an installation may raise it).
COVERED_LEVELS = 3
VERSION_KEYS = {"version"}


def read_rubric(data: object, file: str, problems: list[DataFileProblem]) -> Rubric:
    """Levels with thresholds, nine domains described per level, and role weights."""
    top = Fields(data, file, 1, problems, "the rubric")
    top.allow_only({"version", "levels", "domains", "role_weights", "min_domain_items"})
    min_items = top.integer("min_domain_items", required=False, default=2)
    if min_items < 1:
        top.error(top.line_of("min_domain_items"), "min_domain_items must be at least 1")
    levels = _read_levels(top)
    level_ids = tuple(level.id for level in levels)
    domains: list[Domain] = []
    for line, raw in top.items("domains"):
        f = Fields(raw, file, line, problems, "a domain")
        f.allow_only({"id", "name", "summary", "anchors", "levels"})
        domain_id = f.identifier()
        if domain_id in {d.id for d in domains}:
            f.error(f.line_of("id"), f"duplicate domain id '{domain_id}'")
        described = f.mapping("levels")
        described.allow_only(set(level_ids))
        descriptions = {lid: described.text(lid) for lid in level_ids}
        domains.append(
            Domain(domain_id, f.text("name"), f.text("summary"), f.texts("anchors"), descriptions)
        )
    domain_ids = {d.id for d in domains}
    weights_field = top.mapping("role_weights")
    weights_field.allow_only(set(ROLES))
    role_weights: dict[str, dict[str, float]] = {}
    for role in ROLES:
        role_field = weights_field.mapping(role)
        role_field.allow_only(domain_ids)
        weights = {d: role_field.number(d, required=False, default=0.0) or 0.0 for d in domain_ids}
        if any(w < 0 for w in weights.values()):
            role_field.error(role_field.line, f"weights of role {role} must not be negative")
        total = sum(weights.values())
        if role_field.ok and not math.isclose(total, 100.0, abs_tol=1e-9):
            role_field.error(
                weights_field.line_of(role),
                f"domain weights of role {role} sum to {total:g}, not 100",
            )
        role_weights[role] = {d.id: weights[d.id] for d in domains if weights[d.id] > 0}
    return Rubric(top.text("version"), levels, tuple(domains), role_weights, min_items)


def _read_levels(top: Fields) -> tuple[Level, ...]:
    levels: list[Level] = []
    for line, raw in top.items("levels"):
        f = Fields(raw, top.file, line, top.problems, "a level")
        f.allow_only({"id", "name", "min"})
        level = Level(f.identifier(), f.text("name"), f.number("min") or 0.0)
        if levels and level.min <= levels[-1].min:
            f.error(f.line_of("min"), f"level {level.id} must start above {levels[-1].min:g}")
        if not levels and level.min != 0:
            f.error(f.line_of("min"), "the first level must start at 0")
        levels.append(level)
    if top.ok and not levels:
        top.error(top.line, "the rubric needs at least one level")
    return tuple(levels)


def read_facts(
    data: object, file: str, problems: list[DataFileProblem], domains: set[str]
) -> dict[str, Fact]:
    """The posture facts, each with owner, value type, ordered categories and bands."""
    top = Fields(data, file, 1, problems, "the fact catalogue")
    top.allow_only({"version", "facts"})
    top.text("version")
    facts: dict[str, Fact] = {}
    for line, raw in top.items("facts"):
        fact = _read_fact(Fields(raw, file, line, problems, "a fact"), domains)
        if fact.id in facts:
            problems.append(DataFileProblem(file, line, f"duplicate fact id '{fact.id}'"))
        facts[fact.id] = fact
    return facts


def _read_fact(f: Fields, domains: set[str]) -> Fact:
    f.allow_only(
        {
            "id",
            "title",
            "question",
            "owner",
            "type",
            "domain",
            "categories",
            "better",
            "bands",
            "evidence",
            "anchors",
            "special",
            "attester",
            "retired",
        }
    )
    fact_id, fact_type = f.identifier(), f.choice("type", FACT_TYPES) or ""
    domain = f.text("domain")
    if domain and domain not in domains:
        f.error(f.line_of("domain"), f"unknown domain '{domain}'")
    categories: list[Category] = []
    for line, raw in f.items("categories"):
        c = Fields(raw, f.file, line, f.problems, "a category")
        c.allow_only({"id", "label"})
        category = Category(c.identifier(), c.text("label"))
        if category.id in {x.id for x in categories}:
            c.error(line, f"duplicate category '{category.id}'")
        categories.append(category)
    if f.ok and len(categories) < 2:
        f.error(f.line_of("categories"), f"fact {fact_id} needs at least two categories")
    ids = tuple(c.id for c in categories)
    if fact_type == "yes_partly_no" and ids != YES_PARTLY_NO:
        f.error(
            f.line_of("categories"),
            "yes_partly_no facts use the categories no, partly, yes in this order",
        )
    better: str | None = None
    bands: tuple[Band, ...] = ()
    if fact_type in NUMERIC_FACT_TYPES:
        better = f.choice("better", ("higher", "lower"))
        bands = _read_bands(f, ids, better)
    else:
        for key in ("better", "bands"):
            if key in f.data:
                f.error(f.line_of(key), f"'{key}' is only for numeric facts, not {fact_type}")
    owner = f.choice("owner", FACT_OWNERS) or ""
    attester = f.choice("attester", ROLES, required=False) or None
    if attester and attester == owner:
        f.error(f.line_of("attester"), "the second attester must be another role than the owner")
    return Fact(
        id=fact_id,
        title=f.text("title"),
        question=f.text("question"),
        owner=owner,
        type=fact_type,
        domain=domain,
        categories=tuple(categories),
        evidence=f.text("evidence"),
        anchors=f.texts("anchors"),
        better=better,
        bands=bands,
        special=_read_special(f, ids),
        attester=attester,
        retired=f.flag("retired"),
    )


def _read_special(f: Fields, category_ids: tuple[str, ...]) -> tuple[SpecialAnswer, ...]:
    """Answers besides a value: ``never`` and ``compensating`` count as a named category,
    ``not_applicable`` as none (docs/questionnaire-format.md)."""
    answers: list[SpecialAnswer] = []
    for line, raw in f.items("special", required=False):
        s = Fields(raw, f.file, line, f.problems, "a special answer")
        s.allow_only({"id", "label", "category"})
        answer_id = s.choice("id", SPECIAL_ANSWERS) or ""
        category = s.text("category", required=answer_id != NOT_APPLICABLE) or None
        if answer_id == NOT_APPLICABLE and category:
            s.error(s.line_of("category"), "not_applicable counts as no category; remove it")
        elif category and category not in category_ids:
            s.error(s.line_of("category"), f"unknown category '{category}'")
        if answer_id in {a.id for a in answers}:
            s.error(line, f"duplicate special answer '{answer_id}'")
        answers.append(SpecialAnswer(answer_id, s.text("label"), category))
    return tuple(answers)


def _read_bands(f: Fields, category_ids: tuple[str, ...], better: str | None) -> tuple[Band, ...]:
    bands: list[Band] = []
    for line, raw in f.items("bands"):
        b = Fields(raw, f.file, line, f.problems, "a band")
        b.allow_only({"category", "min", "max"})
        band = Band(
            b.text("category"), b.number("min", allow_none=True), b.number("max", allow_none=True)
        )
        if band.category and band.category not in category_ids:
            b.error(line, f"band names unknown category '{band.category}'")
        if band.min is not None and band.max is not None and band.min >= band.max:
            b.error(line, f"band min {band.min:g} must be below max {band.max:g}")
        bands.append(band)
    if not f.ok or not bands:
        return tuple(bands)
    named = [b.category for b in bands]
    if sorted(named) != sorted(category_ids):
        f.error(f.line_of("bands"), "bands must name every category exactly once")
    ordered = sorted(bands, key=lambda b: -math.inf if b.min is None else b.min)
    if ordered[0].min not in (None, 0):
        f.error(
            f.line_of("bands"), f"bands must start at 0 or be open below, not {ordered[0].min:g}"
        )
    for low, high in zip(ordered, ordered[1:], strict=False):
        if low.max != high.min:
            f.error(
                f.line_of("bands"),
                f"bands leave a gap or overlap between {describe(low.max)} "
                f"and {describe(high.min)}",
            )
    if ordered[-1].max is not None:
        f.error(f.line_of("bands"), "the highest band must be open above (max: null)")
    ascending = [b.category for b in ordered]
    expected = list(category_ids) if better == "higher" else list(reversed(category_ids))
    if better and sorted(named) == sorted(category_ids) and ascending != expected:
        f.error(
            f.line_of("bands"),
            f"with better: {better}, categories (worst to best) must follow the bands' order",
        )
    return tuple(bands)


def read_training(
    data: object, file: str, problems: list[DataFileProblem], rubric: Rubric
) -> dict[str, TrainingModule]:
    """The training catalogue: modules mapped to domains and the levels they suit."""
    top = Fields(data, file, 1, problems, "the training catalogue")
    top.allow_only({"version", "modules"})
    top.text("version")
    level_ids = tuple(level.id for level in rubric.levels)
    modules: dict[str, TrainingModule] = {}
    for line, raw in top.items("modules"):
        f = Fields(raw, file, line, problems, "a training module")
        f.allow_only(
            {
                "id",
                "title",
                "description",
                "domains",
                "levels",
                "format",
                "duration_minutes",
                "audience",
            }
        )
        module = TrainingModule(
            id=f.identifier(),
            title=f.text("title"),
            description=f.text("description"),
            domains=f.texts("domains"),
            levels=f.texts("levels"),
            format=f.choice("format", TRAINING_FORMATS) or "",
            duration_minutes=f.integer("duration_minutes"),
            audience=f.texts("audience"),
        )
        for key, values, known in (
            ("domains", module.domains, set(rubric.domain_ids)),
            ("levels", module.levels, set(level_ids)),
            ("audience", module.audience, set(ROLES)),
        ):
            for value in values:
                if value not in known:
                    f.error(
                        f.line_of(key),
                        f"unknown {key[:-1] if key != 'audience' else 'role'} '{value}'",
                    )
        if module.duration_minutes <= 0 and "duration_minutes" in f.data:
            f.error(f.line_of("duration_minutes"), "duration_minutes must be positive")
        if module.id in modules:
            f.error(line, f"duplicate training module id '{module.id}'")
        modules[module.id] = module
    if top.ok:
        for role, domain, level in _uncovered(modules, rubric, level_ids[:COVERED_LEVELS]):
            top.error(
                top.line_of("modules"),
                f"no module offers domain {domain} at {level} to role {role}: "
                "a training need there would have nothing to plan",
            )
    return modules


def _uncovered(
    modules: dict[str, TrainingModule], rubric: Rubric, levels: tuple[str, ...]
) -> list[tuple[str, str, str]]:
    """(role, domain, level) for every domain a role weighs that no module serves at a level."""
    missing = []
    for role, weights in rubric.role_weights.items():
        for domain in (d for d, weight in weights.items() if weight > 0):
            for level in levels:
                if not any(
                    domain in m.domains
                    and level in m.levels
                    and role in m.audience
                    and m.format != TEAM_FORMAT  # never suggested for one person's need
                    for m in modules.values()
                ):
                    missing.append((role, domain, level))
    return missing


def read_regimes(data: object, file: str, problems: list[DataFileProblem]) -> dict[str, Regime]:
    """The regimes items may rest on, for the applicability profile."""
    top = Fields(data, file, 1, problems, "the regimes")
    top.allow_only({"regimes"})
    regimes: dict[str, Regime] = {}
    for line, raw in top.items("regimes"):
        f = Fields(raw, file, line, problems, "a regime")
        f.allow_only({"id", "name", "summary"})
        regime = Regime(f.identifier(), f.text("name"), f.text("summary"))
        if regime.id in regimes:
            f.error(line, f"duplicate regime id '{regime.id}'")
        regimes[regime.id] = regime
    return regimes
