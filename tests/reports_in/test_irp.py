"""Reviews of progress read into judgements, and matched to the concerns held."""

from __future__ import annotations

import json

import pytest

from planwatch.reports_in import ReportReadError
from planwatch.reports_in.irp import ReviewItem, match_items, read_review, read_review_bytes
from tests.conftest import FIXTURES

REVIEWS = FIXTURES / "reviews"
FORMATS = ("txt", "docx", "pdf", "lo-tagged.pdf", "odt")
NAMES = sorted(path.name.removesuffix(".expected.json") for path in REVIEWS.glob("*.json"))


def _plan(name: str) -> list[tuple[str, str]]:
    plan = json.loads((FIXTURES / "plans" / f"{name}.json").read_text())
    return [(concern["ref"], concern["text"]) for concern in plan["concerns"]]


def test_at_least_three_reviews():
    assert len(NAMES) >= 3


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_every_review_in_every_format_reads_exactly(name, fmt):
    expected = json.loads((REVIEWS / f"{name}.expected.json").read_text())
    assert read_review(REVIEWS / f"{name}.{fmt}").to_dict() == expected


def test_the_date_judgements_take_is_the_last_day_of_the_visit():
    review = read_review(REVIEWS / "irp-hmp-peterborough-2024.pdf")
    assert (review.review_end, review.published, review.judged_on) == (
        "2024-11-20",
        "2025-01-14",
        "2024-11-20",
    )


def test_same_numbering_matches_by_number():
    review = read_review(REVIEWS / "irp-hmp-peterborough-2024.docx")
    matches = match_items(review.items, _plan("hmp-peterborough-2024"))
    assert [(m.item.ref, m.concern_ref, m.how, m.item.rating) for m in matches] == [
        ("1", "1", "number", "reasonable"),
        ("2", "2", "number", "insufficient"),
        ("3", "3", "number", "good"),
        ("5", "5", "number", "no_meaningful"),
        ("6", "6", "number", "insufficient"),
        ("9", "9", "number", "reasonable"),
    ]


def test_numbering_that_differs_from_the_plan_matches_by_text():
    review = read_review(REVIEWS / "irp-hmp-longshire-2024.pdf")
    matches = match_items(review.items, _plan("hmp-longshire-2024"))
    assert [(m.item.ref, m.concern_ref, m.how, m.item.rating) for m in matches] == [
        ("1", "3", "text", "good"),
        ("2", "1", "text", "reasonable"),
        ("3", "2", "text", "insufficient"),
    ]


def test_an_item_like_no_concern_is_left_unmatched_and_each_concern_is_matched_once():
    items = [
        ReviewItem("1", "concern", None, "Levels of violence were high."),
        ReviewItem("2", "concern", None, "Levels of violence were very high."),
        ReviewItem("3", "concern", None, "The kitchen served cold food."),
    ]
    matches = match_items(
        items, [("1", "Levels of violence were high."), ("2", "The library was shut.")]
    )
    assert [(m.item.ref, m.concern_ref, m.how) for m in matches] == [
        ("1", "1", "number"),
        ("2", None, ""),
        ("3", None, ""),
    ]


def test_an_item_with_no_text_is_matched_by_its_number_alone():
    matches = match_items([ReviewItem("S37", "recommendation", None, "")], [("s37", "Anything")])
    assert (matches[0].concern_ref, matches[0].how) == ("s37", "number")


REVIEW_HEAD = (
    "Report on an independent review of progress at\nHMP Testshire\n"
    "by HM Chief Inspector of Prisons\n3–5 February 2025\n"
)


def _read(body: str):
    return read_review_bytes((REVIEW_HEAD + body).encode(), "review.txt")


def test_table_and_text_that_disagree_take_the_text_and_say_so():
    review = _read(
        "Concern\tJudgement\n1\tGood progress\n2\tReasonable progress\n"
        "Priority concern 1: Too much violence.\nWhat we found\nLess violence.\n"
        "We judged that there had been reasonable progress in this area.\n"
        "Priority concern 3: Dirty cells.\nWhat we found\nStill dirty.\n"
    )
    assert [(i.ref, i.rating, i.text) for i in review.items] == [
        ("1", "reasonable", "Too much violence."),
        ("3", None, "Dirty cells."),
        ("2", "reasonable", ""),
    ]
    assert review.warnings == [
        "Priority concern 1: the summary table says good progress, the text “We judged that "
        "there had been reasonable progress in this area.”: the text's judgement is taken",
        "Concern 2 is judged in the summary table only: its text was not found, so it is "
        "matched by its number",
        "Priority concern 3 has no judgement that could be read: it will not be recorded",
    ]


def test_the_inspection_followed_up_by_month_only():
    review = _read(
        "This review followed up the concerns from our full inspection in March 2024.\n"
        "Concern 1: X.\nWe judged that there had been good progress in this area.\n"
    )
    assert (review.inspection_start, review.inspection_month) == (None, "2024-03")


def test_a_document_with_no_judgements_is_refused_in_one_line():
    with pytest.raises(ReportReadError) as refused:
        _read("Introduction\nNothing judged here.\n")
    assert str(refused.value) == (
        "review.txt: no judged concerns or recommendations were found in it (such as “Priority "
        "concern 1: …” followed by “We judged that there had been reasonable progress”): give "
        "an HMIP independent review of progress"
    )


def test_unnumbered_concerns_with_their_recommendations_are_matched_by_text():
    review = _read(
        "Concern: Levels of violence were high and had risen since the last inspection.\n"
        "Recommendation: Leaders should reduce violence.\nWhat we found\nViolence fell.\n"
        "We judged that there had been good progress against this concern.\n"
        "Concern: Too few prisoners were engaged in education, skills or work.\n"
        "What we found\nLittle changed.\n"
        "We judged that there had been no meaningful progress against this concern.\n"
    )
    assert [(i.label, i.text, i.rating) for i in review.items] == [
        (
            "concern",
            "Levels of violence were high and had risen since the last inspection.",
            "good",
        ),
        (
            "concern",
            "Too few prisoners were engaged in education, skills or work.",
            "no_meaningful",
        ),
    ]
    matches = match_items(review.items, _plan("hmp-longshire-2024"))
    assert [(m.concern_ref, m.how) for m in matches] == [("2", "text"), ("3", "text")]
