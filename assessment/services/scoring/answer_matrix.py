"""A cycle's submitted answers, compact: per questionnaire version a matrix of answer codes.

Reports read every answer of a cycle once. Kept as one dict per response, 100,000 responses of
32 answers take about 400 MB; as ``int16`` codes (``batch_scoring.encode_answers``) they take
six megabytes. ``collect_answers`` consumes responses one at a time (a streaming query), so the
dict form never exists for more than one response, and it gathers the belief answers for the
gap analysis on the way.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from assessment.services.content.definitions import Questionnaire
from assessment.services.gaps.analysis import BeliefTable, BeliefTableBuilder, People
from assessment.services.scoring.batch import Codes, answer_encoder


class ResponseAnswers(Protocol):
    """One submitted response as the reports read it."""

    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def questionnaire_id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def answers(self) -> Mapping[str, object]: ...


@dataclass(frozen=True, eq=False)
class VersionAnswers:
    """The responses to one questionnaire version, in the order they were read."""

    questionnaire: Questionnaire
    people: npt.NDArray[np.int64]  # row → position of the response in the cycle's read order
    codes: Codes  # row × item, exactly as ``encode_answers`` gives them


@dataclass(frozen=True, eq=False)
class CycleAnswers:
    """Every submitted response of a cycle: who answered, their answer codes and beliefs."""

    people: People  # position k: the k-th response read
    versions: dict[tuple[str, str], VersionAnswers]  # (questionnaire id, version) → answers
    beliefs: BeliefTable  # every answered belief item, in read order then item order

    def __len__(self) -> int:
        return len(self.people.emails)


class _VersionBuffer:
    """Answer codes of one version, appended a response at a time (no per-response object)."""

    def __init__(self, questionnaire: Questionnaire, beliefs: BeliefTableBuilder) -> None:
        self.questionnaire = questionnaire
        self.encode = answer_encoder(questionnaire)
        self.people = array("q")
        self.codes = array("h")
        self.belief_items = [
            (item.id, beliefs.item_code(item.id), beliefs.fact_code(item.fact))
            for item in questionnaire.items
            if item.type == "belief" and item.fact
        ]

    def build(self) -> VersionAnswers:
        columns = len(self.questionnaire.items)
        return VersionAnswers(
            self.questionnaire,
            np.asarray(self.people, dtype=np.int64),
            np.asarray(self.codes, dtype=np.int16).reshape(len(self.people), columns),
        )


def collect_answers(
    responses: Iterable[ResponseAnswers],
    questionnaire_of: Callable[[str, str], Questionnaire],
) -> CycleAnswers:
    """Encode each response as it arrives; keep its person, codes and belief answers only."""
    emails: list[str] = []
    names: list[str] = []
    roles: list[str] = []
    role_names: dict[str, str] = {}  # one string object per role, not one per response
    beliefs = BeliefTableBuilder()
    buffers: dict[tuple[str, str], _VersionBuffer] = {}
    for response in responses:
        key = (response.questionnaire_id, response.version)
        buffer = buffers.get(key)
        if buffer is None:
            buffer = buffers[key] = _VersionBuffer(questionnaire_of(*key), beliefs)
        person = len(emails)
        emails.append(response.email)
        names.append(response.name)
        roles.append(role_names.setdefault(response.role, response.role))
        answers = response.answers
        buffer.people.append(person)
        buffer.codes.extend(buffer.encode(answers))
        # The same beliefs, in the same order, as one Belief per answered belief item would be.
        for item_id, item, fact in buffer.belief_items:
            value = answers.get(item_id)
            if isinstance(value, str):
                beliefs.add(person, item, fact, value)
    people = People(emails, names, roles)
    return CycleAnswers(
        people,
        {key: buffer.build() for key, buffer in buffers.items()},
        beliefs.build(people),
    )
