"""Which training modules fit a person's domain levels."""

from __future__ import annotations

from collections.abc import Mapping

from .definitions import Rubric, TrainingModule


def level_rank(rubric: Rubric, level_id: str) -> int:
    return [level.id for level in rubric.levels].index(level_id)


def suggest_modules(
    rubric: Rubric,
    training: Mapping[str, TrainingModule],
    role: str,
    domain_levels: Mapping[str, str | None],
    below: str = "L3",
) -> dict[str, list[TrainingModule]]:
    """Per domain whose level is below ``below``, the modules for that domain and level that
    are open to the role; domains without a level (nothing answered) get no suggestion."""
    threshold = level_rank(rubric, below)
    needs: dict[str, list[TrainingModule]] = {}
    for domain_id, level in domain_levels.items():
        if level is None or level_rank(rubric, level) >= threshold:
            continue
        needs[domain_id] = [
            module
            for module in training.values()
            if domain_id in module.domains and level in module.levels and role in module.audience
        ]
    return needs
