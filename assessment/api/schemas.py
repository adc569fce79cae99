"""Request and response shapes. Validation and the OpenAPI document both come from these."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assessment.services.content.definitions import Role

Status = Literal["draft", "open", "closed", "frozen"]
GapClass = Literal["aligned", "optimistic", "pessimistic", "unknown"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    type: str = "about:blank"
    status: int
    title: str
    detail: str
    errors: list[FieldError] | None = None


class FieldError(BaseModel):
    field: str
    message: str


class Page(BaseModel):
    page: int
    per_page: int
    total: int


class QuestionnaireSummary(BaseModel):
    id: str
    role: Role
    version: str
    title: str
    items: int
    forms: list[str] = []


class QuestionnaireList(BaseModel):
    questionnaires: list[QuestionnaireSummary]


class ChoiceOut(BaseModel):
    id: str
    label: str


class ScoringKey(BaseModel):
    correct: str | None
    reverse: bool
    weight: float
    fact: str | None
    dont_know: str | None
    foil: bool


class ItemOut(BaseModel):
    id: str
    type: str
    domain: str
    text: str
    choices: list[ChoiceOut]
    regimes: list[str] = []
    form: str | None = None
    key: ScoringKey | None = None


class QuestionnaireOut(BaseModel):
    id: str
    role: Role
    version: str
    title: str
    family: str
    form: str | None
    items: list[ItemOut]


class BandOut(BaseModel):
    category: str
    min: float | None
    max: float | None


class SpecialAnswerOut(BaseModel):
    id: str
    label: str
    category: str | None  # the category it counts as; null: not applicable, never compared


class FactOut(BaseModel):
    id: str
    owner: str
    type: str
    title: str
    categories: list[str]
    bands: list[BandOut] | None = None
    special: list[SpecialAnswerOut] = []
    attester: str | None = None
    retired: bool = False


class FactList(BaseModel):
    facts: list[FactOut]


class PersonIn(Strict):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: Role | None = None


class PersonOut(BaseModel):
    email: str
    name: str
    role: Role | None


class PersonList(Page):
    people: list[PersonOut]


class CycleIn(Strict):
    id: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    opens: dt.date
    closes: dt.date


class CycleOut(BaseModel):
    id: str
    opens: dt.date
    closes: dt.date
    status: Status


class CycleStatusIn(Strict):
    status: Literal["open", "closed", "frozen"]


class CycleList(Page):
    cycles: list[CycleOut]


class ResponseIn(Strict):
    email: str = Field(min_length=3, max_length=254)
    questionnaire: str = Field(min_length=1, max_length=80)
    answers: dict[str, int | str]


class DomainScore(BaseModel):
    score: float | None
    level: str | None


class Scores(BaseModel):
    overall: float | None
    level: str | None
    domains: dict[str, DomainScore]


class ResponseCreated(BaseModel):
    id: int
    scores: Scores


class FactsIn(Strict):
    facts: dict[str, float | str]
    as_of: dt.date | None = None
    evidence: str = Field(default="Reported through the API", max_length=500)
    note: str = Field(default="", max_length=2000)
    reason: str = Field(default="", max_length=2000)


class FactsOut(BaseModel):
    facts: dict[str, str]


class PersonScore(BaseModel):
    email: str
    role: str
    overall: float | None
    level: str | None
    domains: dict[str, DomainScore]


class ScoreList(BaseModel):
    scores: list[PersonScore]


class PairOut(BaseModel):
    email: str
    role: str
    item: str
    fact: str
    belief: str
    actual: str
    class_: GapClass = Field(alias="class")


class RoleGap(BaseModel):
    aligned: int
    optimistic: int
    pessimistic: int
    unknown: int
    kappa: float | None
    optimism_p: float | None


class GapsOut(BaseModel):
    pairs: list[PairOut]
    by_role: dict[str, RoleGap]


class CommentOut(BaseModel):
    email: str
    role: str
    item: str
    text: str


class CommentList(BaseModel):
    comments: list[CommentOut]


class TrendOut(BaseModel):
    from_: float | None = Field(alias="from")
    to: float | None
    change: float | None
    ci: list[float] | None
    p: float | None
    n_pairs: int


class TrendsOut(BaseModel):
    comparable_items: float
    by_role: dict[str, TrendOut]


class NeedOut(BaseModel):
    email: str
    role: str
    domain: str
    level: str
    modules: list[str]


class NeedList(BaseModel):
    needs: list[NeedOut]


Problem.model_rebuild()


class RegimeOut(BaseModel):
    id: str
    name: str
    summary: str
    applies: bool


class RegimeList(BaseModel):
    regimes: list[RegimeOut]
    set: bool  # false until an administrator has set the profile (every regime applies)


class RegimesIn(Strict):
    applies: list[str] = Field(max_length=100)


class FormOut(BaseModel):
    id: str
    version: str
    items: list[str]


class FormsOut(BaseModel):
    forms: dict[str, FormOut]
    regimes: list[str] | None  # the regimes that applied when the cycle opened


class ItemStatsOut(BaseModel):
    id: str
    role: str
    domain: str
    n: int
    difficulty: float | None
    discrimination: float | None
    dont_know_rate: float | None
    review: list[str]


class DomainStatsOut(BaseModel):
    role: str
    domain: str
    n_items: int
    n: int
    alpha: float | None


class ItemAnalysisOut(BaseModel):
    cycles: list[str]
    items: list[ItemStatsOut]
    domains: list[DomainStatsOut]


class OrganisationOut(BaseModel):
    slug: str
    name: str
    industry: str | None
    size: str | None
    benchmark_opt_in: bool


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # left out means unchanged; null itself is refused


class OrganisationIn(Strict):
    """Any of the fields; a field left out keeps its value, an empty or null industry or
    size clears it. The name may not be null or empty."""

    # Not nullable: left out is "unchanged", null would be "no name".
    name: str = Field(  # type: ignore[assignment]
        default=None, min_length=1, max_length=200, json_schema_extra=_no_default
    )
    industry: str | None = Field(default=None, max_length=80)
    size: str | None = Field(default=None, max_length=40)
    # Strict: "yes" or 1 is refused rather than read as true.
    benchmark_opt_in: bool = Field(  # type: ignore[assignment]
        default=None, strict=True, json_schema_extra=_no_default
    )


class BenchmarkDomain(BaseModel):
    score: float | None  # null: the organisation has no figure of its own in this domain
    percentile: float | None
    peer_median: float


class BenchmarkOut(BaseModel):
    peers: int
    suppressed: bool
    domains: dict[str, BenchmarkDomain]
