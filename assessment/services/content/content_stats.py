"""Per role and form: what a form contains, how hard it reads and how its keys are cued.

The tables are generated into docs/content.md (``assessment questionnaires stats --write``)
and a test regenerates them, so the published figures always describe the shipped files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import textstat

from assessment.services.content.cueing import CueingStats, cueing
from assessment.services.content.definitions import ROLE_LABELS, Questionnaire, Rubric

READ_TYPES = ("knowledge", "likert", "belief", "pulse")  # what a respondent reads and answers
COUNTED_TYPES = ("knowledge", "likert", "belief")


@dataclass(frozen=True)
class FormStats:
    role: str
    version: str
    form_id: str
    by_domain: dict[str, Counter[str]]  # domain -> item type (and "anchor") -> count
    anchors: int  # scored literacy items shared by every form
    rotating: int  # this form's own literacy items
    pulse: int
    foils: int
    grade: float  # Flesch-Kincaid grade of stems and options
    ease: float  # Flesch reading ease of stems and options
    feedback_grade: float
    cue: CueingStats


def reading_text(texts: Iterable[str]) -> str:
    """Join stems and options into prose: each ends a sentence, as a reader takes it in."""
    return " ".join(t if t.rstrip().endswith((".", "?", "!")) else f"{t}." for t in texts if t)


def form_stats(questionnaire: Questionnaire, letter: str | None) -> FormStats:
    form = questionnaire.cut_form(letter, None)
    by_domain: dict[str, Counter[str]] = {}
    shown: list[str] = []
    feedback: list[str] = []
    for item in form.items:
        if item.type in COUNTED_TYPES:
            counts = by_domain.setdefault(item.domain, Counter())
            counts[item.type] += 1
            counts["anchor"] += item.type != "belief" and item.form is None
        if item.type in READ_TYPES:
            shown.append(item.text)
            shown.extend(c.label for c in item.choices if not c.dont_know)
        if item.feedback:
            feedback.append(item.feedback)
    literacy = [i for i in form.items if i.type in ("knowledge", "likert")]
    text, notes = reading_text(shown), reading_text(feedback)
    return FormStats(
        role=questionnaire.role,
        version=questionnaire.version,
        form_id=form.id,
        by_domain=dict(sorted(by_domain.items())),
        anchors=sum(i.form is None for i in literacy),
        rotating=sum(i.form is not None for i in literacy),
        pulse=sum(i.type == "pulse" for i in form.items),
        foils=sum(i.type == "foil" for i in form.items),
        grade=float(textstat.flesch_kincaid_grade(text)),
        ease=float(textstat.flesch_reading_ease(text)),
        feedback_grade=float(textstat.flesch_kincaid_grade(notes)),
        cue=cueing(form),
    )


def all_form_stats(questionnaires: Iterable[Questionnaire]) -> list[FormStats]:
    return [form_stats(q, letter) for q in questionnaires for letter in q.forms or (None,)]


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "—"


def markdown(stats: list[FormStats], rubric: Rubric) -> str:
    """The generated part of docs/content.md."""
    out = [
        "### Reading level and cueing per form",
        "",
        "Reading level over every stem and answer option a respondent reads (knowledge, "
        "statements, beliefs, pulse); Flesch-Kincaid grade (US school grade) and Flesch "
        "reading ease (60-70 is plain English), textstat 0.7.3. Cueing: share of knowledge "
        "items whose key is the strictly longest, or strictly shortest, real option (chance "
        "about 25 %; the checker refuses a form outside 10-35 % on the longest share).",
        "",
        "| role | form | grade | ease | feedback grade | key longest | key shortest "
        "| key letters |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in stats:
        letters = ", ".join(f"{k} {n}" for k, n in s.cue.key_positions)
        out.append(
            f"| {ROLE_LABELS.get(s.role, s.role)} | `{s.form_id}` | {s.grade:.1f} | "
            f"{s.ease:.0f} | {s.feedback_grade:.1f} | {_pct(s.cue.key_longest, s.cue.items)} "
            f"| {_pct(s.cue.key_shortest, s.cue.items)} | {letters} |"
        )
    out += ["", "### Items per domain and type", ""]
    out.append(
        "K knowledge, L Likert statement, B belief (compared with a fact, never scored). "
        "Anchors are the knowledge and Likert items every form shares; rotating items are the "
        "form's own. Every regime applying."
    )
    for s in stats:
        out += [
            "",
            f"**{ROLE_LABELS.get(s.role, s.role)}, `{s.form_id}`** ({s.version}): "
            f"{s.anchors} anchors and {s.rotating} rotating literacy items, "
            f"{s.cue.items} of them knowledge; {s.pulse} pulse statements; {s.foils} foils.",
            "",
            "| domain | K | L | of which anchors | B |",
            "|---|---|---|---|---|",
        ]
        for domain, counts in s.by_domain.items():
            name = rubric.domain(domain).name
            out.append(
                f"| {domain} {name} | {counts['knowledge']} | {counts['likert']} "
                f"| {counts['anchor']} | {counts['belief']} |"
            )
    return "\n".join(out) + "\n"
