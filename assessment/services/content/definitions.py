"""Frozen definitions read from the questionnaire data files (see docs/questionnaire-format.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Final, Literal, get_args

# The five decision makers. Defined here once; everything else imports these names.
Role = Literal["ceo", "cio", "it_manager", "hr", "legal"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
ROLE_LABELS: Final[dict[str, str]] = {
    "ceo": "CEO",
    "cio": "CIO",
    "it_manager": "IT manager",
    "hr": "HR executive",
    "legal": "Legal executive",
}
FACT_OWNERS: Final = ("cio", "it_manager", "hr", "legal")
ITEM_TYPES: Final = ("knowledge", "likert", "confidence", "belief", "foil", "comment", "pulse")
# Answered on the 1-5 scale of their `scale`.
SCALE_TYPES: Final = ("likert", "confidence", "pulse")
PULSE_MARK: Final = ".pulse."  # a pulse item's id is <role>.pulse.<topic>
SCORED_TYPES: Final = ("knowledge", "likert", "belief")
FACT_TYPES: Final = ("yes_partly_no", "percent", "hours", "days", "count", "date")
NUMERIC_FACT_TYPES: Final = ("percent", "hours", "days", "count", "date")
# Answers an owner may give instead of a value, as CISA's CSET allows: a control never
# exercised, a fact that does not apply this time, a requirement met by other means.
SPECIAL_ANSWERS: Final = ("never", "not_applicable", "compensating")
NOT_APPLICABLE: Final = "not_applicable"  # the stored category of a not-applicable answer
COMPENSATING: Final = "compensating"  # needs a note saying what the other control is
LIKERT_SCALES: Final = ("agreement", "frequency")
TRAINING_FORMATS: Final = ("briefing", "workshop", "e-learning", "tabletop", "coaching")
TEAM_FORMAT: Final = "tabletop"  # a team exercise: planned for the team, never as one person's need
DONT_KNOW: Final = "dk"
SURE_TAP_VALUES: Final = (1, 3, 5)  # guessing, fairly sure, certain on the 1-5 confidence scale
FOIL_CLAIM: Final = "yes"


@dataclass(frozen=True)
class Regime:
    """A law or contract an item's keyed answer can rest on (e.g. HIPAA)."""

    id: str
    name: str
    summary: str


@dataclass(frozen=True)
class Level:
    id: str
    name: str
    min: float


@dataclass(frozen=True)
class Domain:
    id: str
    name: str
    summary: str
    anchors: tuple[str, ...]
    level_descriptions: dict[str, str]


@dataclass(frozen=True)
class Rubric:
    version: str
    levels: tuple[Level, ...]
    domains: tuple[Domain, ...]
    role_weights: dict[str, dict[str, float]]
    # Fewer answered knowledge and Likert items than this in a domain: no score, no level.
    min_domain_items: int = 2

    def level_for(self, score: float) -> Level:
        """The highest level whose threshold the 0-100 score reaches."""
        reached = [level for level in self.levels if score >= level.min]
        return reached[-1] if reached else self.levels[0]

    def domain(self, domain_id: str) -> Domain:
        return next(d for d in self.domains if d.id == domain_id)

    @property
    def domain_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.domains)


@dataclass(frozen=True)
class Category:
    id: str
    label: str


@dataclass(frozen=True)
class Band:
    """Numbers in [min, max) map to ``category``; ``None`` is an open end."""

    category: str
    min: float | None
    max: float | None

    def contains(self, value: float) -> bool:
        low = -math.inf if self.min is None else self.min
        high = math.inf if self.max is None else self.max
        return low <= value < high


@dataclass(frozen=True)
class SpecialAnswer:
    """An answer besides a value: ``category`` is the one it counts as, None for not applicable
    (left out of every comparison with beliefs)."""

    id: str
    label: str
    category: str | None


@dataclass(frozen=True)
class Fact:
    id: str
    title: str
    question: str
    owner: str
    type: str
    domain: str
    categories: tuple[Category, ...]  # worst first
    evidence: str
    anchors: tuple[str, ...]
    better: str | None = None
    bands: tuple[Band, ...] = ()
    special: tuple[SpecialAnswer, ...] = ()
    attester: str | None = None  # a second role that checks the entry (owner measures itself)
    retired: bool = False  # kept for old cycles; the newest questionnaires no longer ask it

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def special_answer(self, answer_id: object) -> SpecialAnswer | None:
        return next((s for s in self.special if s.id == answer_id), None)

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_FACT_TYPES

    def rank(self, category_id: str) -> int:
        """Position of a category from worst (0) to best."""
        return self.category_ids.index(category_id)

    def categorise(self, value: float) -> str | None:
        """The category a number falls in, or None when no band holds it."""
        return next((b.category for b in self.bands if b.contains(value)), None)

    def label(self, category_id: str) -> str:
        if category_id == NOT_APPLICABLE and (answer := self.special_answer(NOT_APPLICABLE)):
            return answer.label
        return next((c.label for c in self.categories if c.id == category_id), category_id)


@dataclass(frozen=True)
class TrainingModule:
    id: str
    title: str
    description: str
    domains: tuple[str, ...]
    levels: tuple[str, ...]
    format: str
    duration_minutes: int
    audience: tuple[str, ...]


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    correct: bool = False
    dont_know: bool = False


@dataclass(frozen=True)
class Item:
    id: str
    domain: str
    type: str
    text: str
    weight: float = 1.0
    anchors: tuple[str, ...] = ()
    feedback: str = ""
    training: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    reverse: bool = False
    scale: str | None = None
    links: tuple[str, ...] = ()
    fact: str | None = None
    optional: bool = False
    twin: str | None = None  # a Likert item worded the opposite way, for consistency checks
    regimes: tuple[str, ...] = ()  # the regimes its key rests on; empty = true everywhere
    form: str | None = None  # a rotating item's form; None = an anchor, in every form
    objective: str = ""  # what a rotating item tests; its parallels share it
    angoff: float | None = None  # modified-Angoff rating (see docs/scoring.md)

    @property
    def is_sure_tap(self) -> bool:
        """The optional three-point confidence tap asked right after one knowledge item."""
        return self.type == "confidence" and self.optional and len(self.links) == 1

    def applies_under(self, applicable: frozenset[str] | None) -> bool:
        """True when the item is universal or one of its regimes applies (None: all apply)."""
        return applicable is None or not self.regimes or bool(applicable & set(self.regimes))

    @property
    def is_scored(self) -> bool:
        return self.type in SCORED_TYPES

    @property
    def on_scale(self) -> bool:
        """Answered with a whole number from 1 to 5 (Likert, confidence, climate pulse)."""
        return self.type in SCALE_TYPES

    @property
    def pulse_topic(self) -> str | None:
        """The topic a climate-pulse item shares with the other roles' (None for others)."""
        if self.type != "pulse" or PULSE_MARK not in self.id:
            return None
        return self.id.split(PULSE_MARK, 1)[1]

    @property
    def correct_choice(self) -> str | None:
        return next((c.id for c in self.choices if c.correct), None)

    @property
    def dont_know_choice(self) -> str | None:
        return next((c.id for c in self.choices if c.dont_know), None)

    def choice_label(self, choice_id: str) -> str:
        return next((c.label for c in self.choices if c.id == choice_id), choice_id)


@dataclass(frozen=True)
class Questionnaire:
    id: str
    role: str
    version: str
    title: str
    intro: str
    minutes: int
    items: tuple[Item, ...]
    file: str = ""
    forms: tuple[str, ...] = ()  # the form letters of a file with rotating items
    family: str = ""  # for a form: the questionnaire it is cut from; else its own id
    form: str | None = None  # for a form: its letter

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    @property
    def regimes(self) -> tuple[str, ...]:
        """Every regime some item rests on, sorted."""
        return tuple(sorted({r for item in self.items for r in item.regimes}))

    def form_id(self, letter: str, applicable: frozenset[str] | None) -> str:
        """The id of one form under an applicability profile (see ``cut_form``).

        The first form keeps the questionnaire's own id and later ones add ``-<letter>``;
        when the profile leaves out some of the questionnaire's regimes, ``@`` and the kept
        ones (or ``none``) follow, so an id always names exactly one list of items.
        """
        base = self.id if not self.forms or letter == self.forms[0] else f"{self.id}-{letter}"
        used = self.regimes
        kept = used if applicable is None else tuple(r for r in used if r in applicable)
        return base if kept == used else f"{base}@{'+'.join(kept) or 'none'}"

    def cut_form(self, letter: str | None, applicable: frozenset[str] | None) -> Questionnaire:
        """The items one form shows under a profile: anchors plus that form's rotating items,
        without items whose regimes do not apply (``applicable`` None: every regime applies)."""
        letter = letter or (self.forms[0] if self.forms else None)
        kept = tuple(
            item
            for item in self.items
            if (item.form is None or item.form == letter) and item.applies_under(applicable)
        )
        return replace(
            self,
            id=self.form_id(letter or "", applicable),
            items=kept,
            forms=(),
            family=self.id,
            form=letter,
        )

    @property
    def anchor_ids(self) -> frozenset[str]:
        """Items every form of the questionnaire shows."""
        return frozenset(item.id for item in self.items if item.form is None)

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)


@dataclass(frozen=True)
class Catalogue:
    """Everything the data files define, validated and cross-referenced."""

    rubric: Rubric
    facts: dict[str, Fact]
    training: dict[str, TrainingModule]
    questionnaires: dict[tuple[str, str], Questionnaire] = field(default_factory=dict)
    regimes: dict[str, Regime] = field(default_factory=dict)
    # Forms cut so far, by (form id, version): cutting is cheap but reports ask often.
    _forms: dict[tuple[str, str], Questionnaire] = field(
        default_factory=dict, compare=False, repr=False
    )

    def versions(self, questionnaire_id: str) -> list[Questionnaire]:
        """All versions of one questionnaire, oldest first."""
        found = [q for (qid, _), q in self.questionnaires.items() if qid == questionnaire_id]
        return sorted(found, key=lambda q: version_key(q.version))

    def current(self, role: str) -> Questionnaire | None:
        """The newest version of the role's questionnaire."""
        found = [q for q in self.questionnaires.values() if q.role == role]
        return max(found, key=lambda q: version_key(q.version)) if found else None

    def current_form(self, role: str) -> Questionnaire | None:
        """The first form of the role's newest version with every regime applying: what a
        first cycle pins before an applicability profile is set."""
        newest = self.current(role)
        return None if newest is None else self.get(newest.id, newest.version)

    def get(self, questionnaire_id: str, version: str) -> Questionnaire:
        """A questionnaire version or one of its forms, by id; KeyError when unknown.

        A file without forms is returned whole. For a file with forms, its own id is its
        first form, ``<id>-<letter>`` another, and ``@regime+regime`` (or ``@none``) a form
        under a profile that leaves out the other regimes of its items (``form_id``).
        """
        key = (questionnaire_id, version)
        if key in self._forms:
            return self._forms[key]
        whole = self.questionnaires.get(key)
        if whole is not None and not whole.forms:
            return whole
        found = self._cut(questionnaire_id, version)
        if found is None:
            raise KeyError(key)
        self._forms[key] = found
        return found

    def _cut(self, form_id: str, version: str) -> Questionnaire | None:
        base, _, regimes = form_id.partition("@")
        family, letter = base, None
        if (family, version) not in self.questionnaires:
            family, _, letter = base.rpartition("-")
        whole = self.questionnaires.get((family, version))
        if whole is None or not whole.forms or (letter is not None and letter not in whole.forms):
            return None
        if letter == whole.forms[0]:
            return None  # the first form is named by the questionnaire's id alone
        applicable = None
        if regimes:
            applicable = frozenset(() if regimes == "none" else regimes.split("+"))
            if not applicable <= set(whole.regimes) or applicable == set(whole.regimes):
                return None  # one spelling per item list: only real exclusions are named
        cut = whole.cut_form(letter, applicable)
        return cut if cut.id == form_id else None

    def form_for(
        self, questionnaire: Questionnaire, letter: str | None, applicable: frozenset[str]
    ) -> Questionnaire:
        """The form a cycle pins: ``letter`` of ``questionnaire`` under a profile."""
        if not questionnaire.forms:
            return questionnaire
        cut = questionnaire.cut_form(letter, applicable)
        return self.get(cut.id, cut.version)


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a semantic version such as 1.10.0."""
    return tuple(int(part) for part in version.split("."))


SCALE_LABELS: Final = {
    "agreement": (
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ),
    "frequency": ("Never", "Rarely", "Sometimes", "Often", "Always"),
    "confidence": ("Guessing", "Unsure", "Fairly sure", "Sure", "Certain"),
}


def scale_label(item: Item, value: int) -> str:
    """The words shown for a 1-5 answer of a Likert or confidence item."""
    scale = "confidence" if item.type == "confidence" else (item.scale or "agreement")
    return SCALE_LABELS[scale][value - 1]
