"""Load and check the questionnaire data files into frozen definitions.

Every problem is reported as ``file:line: message`` and all of them are collected before
failing, so an author fixes a file in one pass. See docs/questionnaire-format.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from assessment.services.content.cueing import cueing
from assessment.services.content.definitions import (
    DONT_KNOW,
    ITEM_TYPES,
    LIKERT_SCALES,
    PULSE_MARK,
    ROLES,
    Catalogue,
    Choice,
    Fact,
    Item,
    Questionnaire,
    Regime,
    Rubric,
    TrainingModule,
    version_key,
)
from assessment.services.content.form_rules import form_problems
from assessment.services.content.reference_files import (
    read_facts,
    read_regimes,
    read_rubric,
    read_training,
)
from assessment.services.content.yaml_fields import Fields
from assessment.services.content.yaml_lines import DataFileProblem, YamlError, load_yaml

T = TypeVar("T")
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
COMMON_ITEM_KEYS = {
    "id",
    "domain",
    "type",
    "text",
    "weight",
    "anchors",
    "feedback",
    "training",
    "regimes",
}
PER_ITEM = "per_item"
SURE_SUFFIX = ".sure"
TYPE_KEYS = {
    "knowledge": {"choices", "form", "objective", "angoff"},
    "likert": {"scale", "reverse", "twin", "form", "objective", "angoff"},
    "confidence": {"links"},
    "belief": {"fact"},
    "foil": set(),
    "comment": {"optional"},
    "pulse": {"scale", "reverse"},
}
FOIL_CHOICES = (
    Choice("yes", "Yes, I know it"),
    Choice("heard", "I have heard of it"),
    Choice("no", "No, I am not familiar with it"),
)


class CatalogueError(Exception):
    """The data files have problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[DataFileProblem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_catalogue(root: str | Path) -> Catalogue:
    """Read every data file under ``root``; raise CatalogueError listing all problems."""
    root = Path(root)
    problems: list[DataFileProblem] = []
    rubric = _load(root / "rubric.yaml", root, problems, read_rubric)
    if rubric is None:
        raise CatalogueError(problems)
    domains = set(rubric.domain_ids)
    facts = (
        _load(root / "facts.yaml", root, problems, lambda d, f, p: read_facts(d, f, p, domains))
        or {}
    )
    training = (
        _load(
            root / "training.yaml", root, problems, lambda d, f, p: read_training(d, f, p, rubric)
        )
        or {}
    )
    regimes: dict[str, Regime] = {}
    if (root / "regimes.yaml").exists():
        regimes = _load(root / "regimes.yaml", root, problems, read_regimes) or {}
    questionnaires: dict[tuple[str, str], Questionnaire] = {}
    item_lines: dict[str, dict[str, int]] = {}
    for path in sorted(root.glob("*/*.yaml"), key=_path_order):
        reader = _QuestionnaireReader(rubric, facts, training, regimes, problems, item_lines)
        loaded = _load(path, root, problems, reader.read)
        if loaded is not None:
            questionnaires[loaded.key] = loaded
    _check_versions(questionnaires.values(), item_lines, problems)
    _check_newest(questionnaires.values(), facts, item_lines, problems)
    if problems:
        raise CatalogueError(problems)
    return Catalogue(rubric, facts, training, questionnaires, regimes)


def check(root: str | Path) -> list[DataFileProblem]:
    """All problems of the data files under ``root`` (empty when they are valid)."""
    try:
        load_catalogue(root)
    except CatalogueError as error:
        return error.problems
    return []


def _path_order(path: Path) -> tuple[str, tuple[int, ...]]:
    stem = path.stem
    return (path.parent.name, version_key(stem) if SEMVER.match(stem) else (0,))


def _load(
    path: Path,
    root: Path,
    problems: list[DataFileProblem],
    reader: Callable[[object, str, list[DataFileProblem]], T],
) -> T | None:
    """Parse one file and hand it to ``reader``; unreadable files become problems."""
    name = str(path.relative_to(root.parent) if root.parent in path.parents else path)
    if not path.exists():
        problems.append(DataFileProblem(name, 1, "file not found"))
        return None
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), name)
    except (UnicodeDecodeError, OSError) as error:
        problems.append(DataFileProblem(name, 1, f"cannot read the file: {error}"))
        return None
    except YamlError as error:
        problems.extend(error.problems)
        return None
    return reader(data, name, problems)


class _QuestionnaireReader:
    def __init__(
        self,
        rubric: Rubric,
        facts: dict[str, Fact],
        training: dict[str, TrainingModule],
        regimes: dict[str, Regime],
        problems: list[DataFileProblem],
        item_lines: dict[str, dict[str, int]],
    ):
        self.rubric, self.facts, self.training = rubric, facts, training
        self.regimes = regimes
        self.problems, self.item_lines = problems, item_lines

    def read(self, data: object, file: str, problems: list[DataFileProblem]) -> Questionnaire:
        top = Fields(data, file, 1, problems, "the questionnaire")
        top.allow_only(
            {"id", "role", "version", "title", "intro", "minutes", "items", "forms", "confidence"}
        )
        forms = top.texts("forms", required=False)
        per_item = top.choice("confidence", (PER_ITEM,), required=False) == PER_ITEM
        path = Path(file)
        questionnaire_id, role = top.identifier(), top.choice("role", ROLES) or ""
        version = top.text("version")
        if version and not SEMVER.match(version):
            top.error(top.line_of("version"), f"version {version!r} must look like 1.0.0")
        elif version and path.stem != version:
            top.error(
                top.line_of("version"), f"version {version} must match the file name {path.name}"
            )
        if questionnaire_id and questionnaire_id != path.parent.name:
            top.error(
                top.line_of("id"), f"id {questionnaire_id} must match the folder {path.parent.name}"
            )
        lines: dict[str, int] = {}
        items: list[Item] = []
        for line, raw in top.items("items"):
            item = self._read_item(Fields(raw, file, line, problems, "an item"))
            if item.id in lines:
                problems.append(
                    DataFileProblem(
                        file,
                        line,
                        f"duplicate item id '{item.id}' (first at line {lines[item.id]})",
                    )
                )
            lines.setdefault(item.id, line)
            items.append(item)
            if per_item and item.id.endswith(SURE_SUFFIX):
                problems.append(
                    DataFileProblem(
                        file,
                        line,
                        f"item id '{item.id}': ids ending in '{SURE_SUFFIX}' are kept for the "
                        "confidence taps generated after knowledge items",
                    )
                )
            if per_item and item.type == "confidence":
                problems.append(
                    DataFileProblem(
                        file,
                        line,
                        "confidence is asked after every knowledge item (confidence: per_item); "
                        "remove this confidence item",
                    )
                )
            if per_item and item.type == "knowledge":
                items.append(_sure_item(item))
                lines.setdefault(items[-1].id, line)
        self.item_lines[file] = lines
        questionnaire = Questionnaire(
            id=questionnaire_id,
            role=role,
            version=version,
            title=top.text("title"),
            intro=top.text("intro"),
            minutes=top.integer("minutes"),
            items=tuple(items),
            file=file,
            forms=forms,
            family=questionnaire_id,
        )
        self._check_links(questionnaire, lines, file)
        if forms:
            for line, message in form_problems(questionnaire, self.rubric, lines):
                problems.append(DataFileProblem(file, line, message))
        else:
            self._check_coverage(questionnaire, top)
        return questionnaire

    def _read_item(self, f: Fields) -> Item:
        item_type = f.choice("type", ITEM_TYPES) or ""
        f.allow_only(COMMON_ITEM_KEYS | TYPE_KEYS.get(item_type, set()) | {"reverse"})
        if "reverse" in f.data and item_type not in ("likert", "pulse"):
            f.error(
                f.line_of("reverse"),
                f"'reverse' is only for likert and pulse items, not {item_type or 'this'} item",
            )
        # A climate-pulse statement describes the company, not a literacy domain.
        domain = f.text("domain", required=item_type != "pulse")
        if domain and domain not in self.rubric.domain_ids:
            f.error(f.line_of("domain"), f"unknown domain '{domain}'")
        weight = f.number("weight", required=False, default=1.0) or 0.0
        if weight <= 0 and "weight" in f.data:
            f.error(f.line_of("weight"), "weight must be positive")
        scored = item_type in ("knowledge", "likert", "belief")
        training = f.texts("training", required=False)
        for module in training:
            if module not in self.training:
                f.error(f.line_of("training"), f"unknown training module '{module}'")
        regimes = f.texts("regimes", required=False)
        for regime in regimes:
            if regime not in self.regimes:
                f.error(f.line_of("regimes"), f"unknown regime '{regime}' (see regimes.yaml)")
        angoff = f.number("angoff", required=False)
        if angoff is not None and not 0 <= angoff <= 1:
            f.error(f.line_of("angoff"), f"angoff must lie between 0 and 1, got {angoff:g}")
        return Item(
            id=f.identifier(),
            domain=domain,
            type=item_type,
            text=f.text("text"),
            weight=weight,
            anchors=f.texts("anchors", required=scored),
            feedback=f.text("feedback", required=scored),
            training=training,
            choices=self._choices(f, item_type),
            reverse=f.flag("reverse") if item_type in ("likert", "pulse") else False,
            scale=(
                f.choice("scale", LIKERT_SCALES, required=False, default="agreement")
                if item_type in ("likert", "pulse")
                else None
            ),
            links=f.texts("links") if item_type == "confidence" else (),
            fact=self._fact(f) if item_type == "belief" else None,
            # Comments may stay empty unless said otherwise; the climate pulse always may.
            optional=(
                f.flag("optional", default=True) if item_type == "comment" else item_type == "pulse"
            ),
            twin=(f.text("twin", required=False) or None) if item_type == "likert" else None,
            regimes=regimes,
            form=f.text("form", required=False) or None,
            objective=f.text("objective", required=False),
            angoff=angoff,
        )

    def _fact(self, f: Fields) -> str | None:
        fact_id = f.text("fact")
        if fact_id and fact_id not in self.facts:
            f.error(f.line_of("fact"), f"unknown fact '{fact_id}'")
        return fact_id or None

    def _choices(self, f: Fields, item_type: str) -> tuple[Choice, ...]:
        if item_type == "foil":
            return FOIL_CHOICES
        if item_type == "belief":
            fact = self.facts.get(f.data.get("fact", ""))
            if fact is None:
                return ()
            own = tuple(Choice(c.id, c.label) for c in fact.categories)
            return own + (Choice(DONT_KNOW, "Don't know", dont_know=True),)
        if item_type != "knowledge":
            return ()
        choices: list[Choice] = []
        for line, raw in f.items("choices"):
            c = Fields(raw, f.file, line, f.problems, "a choice")
            c.allow_only({"id", "label", "correct", "dont_know"})
            choice = Choice(c.identifier(), c.text("label"), c.flag("correct"), c.flag("dont_know"))
            if choice.id in {x.id for x in choices}:
                c.error(line, f"duplicate choice id '{choice.id}'")
            if choice.correct and choice.dont_know:
                c.error(line, "a choice cannot be both correct and don't know")
            choices.append(choice)
        if f.ok and "choices" in f.data:
            correct = sum(c.correct for c in choices)
            if correct != 1:
                f.error(
                    f.line_of("choices"),
                    f"a knowledge item needs exactly one correct choice, has {correct}",
                )
            if sum(c.dont_know for c in choices) != 1:
                f.error(
                    f.line_of("choices"),
                    "a knowledge item needs exactly one don't-know choice (dont_know: true)",
                )
            if len(choices) - 1 < 2:
                f.error(
                    f.line_of("choices"),
                    "a knowledge item needs at least two answers besides don't know",
                )
        return tuple(choices)

    def _check_links(self, questionnaire: Questionnaire, lines: dict[str, int], file: str) -> None:
        knowledge = {i.id for i in questionnaire.items if i.type == "knowledge"}
        likert = {i.id: i for i in questionnaire.items if i.type == "likert"}
        for item in questionnaire.items:
            twin = likert.get(item.twin or "")
            if item.twin and (twin is None or twin.reverse == item.reverse or twin.id == item.id):
                self.problems.append(
                    DataFileProblem(
                        file,
                        lines.get(item.id, 1),
                        f"likert item {item.id} names twin '{item.twin}', which must be another "
                        "likert item of this questionnaire worded the opposite way "
                        "(reverse differs)",
                    )
                )
            if item.type != "confidence":
                continue
            if not item.links:
                self.problems.append(
                    DataFileProblem(
                        file,
                        lines.get(item.id, 1),
                        f"confidence item {item.id} is linked to nothing",
                    )
                )
            for link in item.links:
                if link not in knowledge:
                    self.problems.append(
                        DataFileProblem(
                            file,
                            lines.get(item.id, 1),
                            f"confidence item {item.id} links to '{link}', which is not a "
                            "knowledge item of this questionnaire",
                        )
                    )

    def _check_coverage(self, questionnaire: Questionnaire, top: Fields) -> None:
        """Each weighted domain needs two knowledge or Likert items to be measured at all."""
        weights = self.rubric.role_weights.get(questionnaire.role, {})
        for domain, weight in weights.items():
            count = sum(
                1
                for i in questionnaire.items
                if i.domain == domain and i.type in ("knowledge", "likert")
            )
            if count < 2 and top.ok:
                top.error(
                    top.line_of("items"),
                    f"domain {domain} has weight {weight:g} for role "
                    f"{questionnaire.role} but only {count} knowledge or likert item(s); need 2",
                )


def _sure_item(knowledge: Item) -> Item:
    """The three-point "how sure are you?" tap asked right after a knowledge item."""
    return Item(
        id=knowledge.id + SURE_SUFFIX,
        domain=knowledge.domain,
        type="confidence",
        text="How sure are you of this answer?",
        links=(knowledge.id,),
        optional=True,
        regimes=knowledge.regimes,
        form=knowledge.form,
    )


def _meaning(item: Item) -> dict[str, object]:
    return {
        "type": item.type,
        "domain": item.domain,
        "fact": item.fact,
        "correct choice": item.correct_choice,
        "reverse": item.reverse,
        "links": tuple(sorted(item.links)),
        "scale": item.scale,
    }


def _check_versions(
    questionnaires: Iterable[Questionnaire],
    item_lines: dict[str, dict[str, int]],
    problems: list[DataFileProblem],
) -> None:
    """An item id keeps one meaning in every version, and belongs to one questionnaire."""
    first_seen: dict[str, tuple[Questionnaire, Item]] = {}
    for questionnaire in sorted(questionnaires, key=lambda q: (q.id, version_key(q.version))):
        for item in questionnaire.items:
            line = item_lines.get(questionnaire.file, {}).get(item.id, 1)
            if item.id not in first_seen:
                first_seen[item.id] = (questionnaire, item)
                continue
            earlier_q, earlier = first_seen[item.id]
            where = f"{earlier_q.file}:{item_lines.get(earlier_q.file, {}).get(item.id, 1)}"
            if earlier_q.id != questionnaire.id:
                problems.append(
                    DataFileProblem(
                        questionnaire.file, line, f"item id '{item.id}' is already used by {where}"
                    )
                )
                continue
            before, now = _meaning(earlier), _meaning(item)
            changed = [k for k in now if now[k] != before[k]]
            if changed:
                detail = "; ".join(f"{k} {before[k]!r} -> {now[k]!r}" for k in changed)
                problems.append(
                    DataFileProblem(
                        questionnaire.file,
                        line,
                        f"item id '{item.id}' is reused with another meaning than in {where} "
                        f"({detail}); give the changed item a new id",
                    )
                )


def newest_versions(questionnaires: Iterable[Questionnaire]) -> list[Questionnaire]:
    """The newest version of each questionnaire family, in family order."""
    newest: dict[str, Questionnaire] = {}
    for q in questionnaires:
        if q.id not in newest or version_key(q.version) > version_key(newest[q.id].version):
            newest[q.id] = q
    return [newest[k] for k in sorted(newest)]


def _check_newest(
    questionnaires: Iterable[Questionnaire],
    facts: dict[str, Fact],
    item_lines: dict[str, dict[str, int]],
    problems: list[DataFileProblem],
) -> None:
    """Rules for the content people will answer next. Older versions are history: cycles
    pinned them, so they are kept as they were even when they would fail these."""
    pulse_wording: dict[str, tuple[str, Item]] = {}
    for q in newest_versions(questionnaires):
        lines = item_lines.get(q.file, {})
        first = min(lines.values(), default=1)
        for letter in q.forms or (None,):
            stats = cueing(q.cut_form(letter, None))
            if message := stats.problem():
                where = f"form {letter}" if letter else "the questionnaire"
                problems.append(DataFileProblem(q.file, first, f"{where}: {message}"))
        for item in q.items:
            line = lines.get(item.id, first)
            fact = facts.get(item.fact or "")
            if fact is not None and fact.retired:
                problems.append(
                    DataFileProblem(
                        q.file, line, f"item {item.id} asks about retired fact '{fact.id}'"
                    )
                )
            if item.type != "pulse":
                continue
            topic = item.pulse_topic
            if topic is None or not item.id.startswith(f"{q.id}{PULSE_MARK}"):
                problems.append(
                    DataFileProblem(
                        q.file, line, f"pulse item id '{item.id}' must read {q.id}.pulse.<topic>"
                    )
                )
                continue
            wording = f"{item.text}|{item.scale}|{item.reverse}"
            if topic in pulse_wording and pulse_wording[topic][0] != wording:
                other = pulse_wording[topic][1]
                problems.append(
                    DataFileProblem(
                        q.file,
                        line,
                        f"pulse item {item.id} must have the same text, scale and reverse as "
                        f"{other.id}: the pulse is reported across roles",
                    )
                )
            pulse_wording.setdefault(topic, (wording, item))
