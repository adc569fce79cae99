"""Which training modules fit a person's domain levels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

from assessment.services.content.definitions import TEAM_FORMAT, Rubric, TrainingModule


def level_rank(rubric: Rubric, level_id: str) -> int:
    return [level.id for level in rubric.levels].index(level_id)


def suggest_modules(
    rubric: Rubric,
    training: Mapping[str, TrainingModule],
    role: str,
    domain_levels: Mapping[str, str | None],
    below: str,
) -> dict[str, list[TrainingModule]]:
    """Per domain whose level is below ``below``, the modules for that domain and level that
    are open to the role; domains without a level (nothing answered) get no suggestion.

    A tabletop is a team exercise, held once a year for the whole executive team; one
    person's low score is a reason for its pre-read, not for scheduling the exercise."""
    threshold = level_rank(rubric, below)
    needs: dict[str, list[TrainingModule]] = {}
    for domain_id, level in domain_levels.items():
        if level is None or level_rank(rubric, level) >= threshold:
            continue
        needs[domain_id] = [
            module
            for module in training.values()
            if domain_id in module.domains
            and level in module.levels
            and role in module.audience
            and module.format != TEAM_FORMAT
        ]
    return needs


@dataclass(frozen=True)
class PersonLevels:
    email: str
    name: str
    role: str
    levels: Mapping[str, str | None]  # domain → level id (None: no score)


@dataclass(frozen=True)
class Need:
    email: str
    name: str
    role: str
    domain: str
    level: str
    modules: tuple[str, ...]  # module ids, possibly empty when the catalogue has none


def training_needs(
    rubric: Rubric,
    training: Mapping[str, TrainingModule],
    people: Iterable[PersonLevels],
    below: str,
) -> list[Need]:
    """Each (person, weighted domain) below the level, with the modules that fit it."""
    needs = []
    for person in people:
        weighted = rubric.role_weights.get(person.role, {})
        levels = {d: lv for d, lv in person.levels.items() if d in weighted}
        for domain, modules in suggest_modules(
            rubric, training, person.role, levels, below
        ).items():
            needs.append(
                Need(
                    person.email,
                    person.name,
                    person.role,
                    domain,
                    levels[domain] or "",
                    tuple(m.id for m in modules),
                )
            )
    return sorted(needs, key=lambda n: (n.name, rubric.domain_ids.index(n.domain)))


def unserved(needs: Sequence[Need], served: Set[tuple[str, str]]) -> list[Need]:
    """Needs for which none of the fitting modules is served for that person; ``served``
    holds (e-mail, module id) pairs: the person is assigned to a coming session of the
    module, or has completed it since the need was measured."""
    return [
        need for need in needs if not any((need.email, module) in served for module in need.modules)
    ]


@dataclass(frozen=True)
class RoleCompletion:
    role: str
    needs: int
    completed: int

    @property
    def share(self) -> float | None:
        return self.completed / self.needs if self.needs else None


def completion_by_role(
    needs: Sequence[Need], completed: set[tuple[str, str]]
) -> list[RoleCompletion]:
    """Per role: needs, and how many were met by a completed session on a fitting module.

    ``completed`` holds (email, module id) pairs.
    """
    rows: dict[str, list[int]] = {}
    for need in needs:
        counts = rows.setdefault(need.role, [0, 0])
        counts[0] += 1
        counts[1] += any((need.email, m) in completed for m in need.modules)
    return [RoleCompletion(role, n, done) for role, (n, done) in sorted(rows.items())]
