from assessment import ROOT
from assessment.services.answering.questionnaire_pages import (
    PULSE_PAGE,
    parse_answer,
    progress,
    split_into_pages,
)
from assessment.services.content.questionnaire_files import load_catalogue

CATALOGUE = load_catalogue(ROOT / "questionnaires")


def test_pages_follow_rubric_domains_and_hold_every_item_once():
    for role in ("ceo", "cio", "it_manager", "hr", "legal"):
        q = CATALOGUE.current_form(role)
        pages = split_into_pages(q, CATALOGUE.rubric)
        ids = [i.id for p in pages for i in p.items]
        assert sorted(ids) == sorted(i.id for i in q.items)
        order = [d.id for d in CATALOGUE.rubric.domains]
        domain_pages = [p.domain_id for p in pages[:-1]]
        assert domain_pages == sorted(domain_pages, key=order.index)
        assert [p.number for p in pages] == list(range(1, len(pages) + 1))
        # the climate pulse describes the company, not a domain: a last page of its own
        assert pages[-1].domain_id == PULSE_PAGE
        assert [i.type for i in pages[-1].items] == ["pulse"] * 4
        assert all(i.type != "pulse" for p in pages[:-1] for i in p.items)


def test_confidence_question_follows_its_last_linked_question():
    for role in ("ceo", "cio", "it_manager", "hr", "legal"):
        q = CATALOGUE.current_form(role)
        sequence = [i for p in split_into_pages(q, CATALOGUE.rubric) for i in p.items]
        position = {item.id: k for k, item in enumerate(sequence)}
        for item in sequence:
            if item.type == "confidence":
                assert all(position[link] < position[item.id] for link in item.links), item.id
                assert position[item.id] == max(position[link] for link in item.links) + 1


def test_parse_answer_types_and_rejects_invalid_values():
    q = CATALOGUE.current_form("ceo")
    likert = next(i for i in q.items if i.type == "likert")
    knowledge = next(i for i in q.items if i.type == "knowledge")
    assert parse_answer(likert, "4") == (4, None)
    assert parse_answer(likert, "") == (None, None)
    assert parse_answer(likert, "seven")[1] == "Choose one of the five options."
    assert parse_answer(likert, "6")[1] == "This answer must be a whole number from 1 to 5."
    assert parse_answer(knowledge, knowledge.correct_choice) == (knowledge.correct_choice, None)
    assert parse_answer(knowledge, "zz")[1].startswith("This answer must be one of:")


def test_progress_counts_required_items_only():
    q = CATALOGUE.current_form("ceo")
    # comments, confidence taps and the climate pulse may be left empty
    required = sum(1 for i in q.items if i.type not in ("comment", "confidence", "pulse"))
    assert progress(q, {}).answered == 0 and progress(q, {}).required == required
    comment = next(i for i in q.items if i.type == "comment")
    assert progress(q, {comment.id: "hello"}).answered == 0
