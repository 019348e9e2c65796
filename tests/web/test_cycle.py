"""The inspection cycle closed: a draft started from the inspection report, and judgements
recorded from a review of progress only once an inspector for that establishment confirms."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planwatch.cli import main
from planwatch.reports_in.inspection_report import read_report
from planwatch.web.access.models import Role
from planwatch.web.plans.models import (
    Concern,
    Establishment,
    Inspection,
    Judgement,
    Plan,
)
from planwatch.web.plans.services import import_plan_bytes
from tests import builders
from tests.conftest import FIXTURES

REPORTS = FIXTURES / "reports"
REVIEWS = FIXTURES / "reviews"


def upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def state() -> tuple:
    """Everything the cycle could write."""
    return (
        Establishment.objects.count(),
        Inspection.objects.count(),
        Plan.objects.count(),
        Concern.objects.count(),
        list(Judgement.objects.values_list("pk", flat=True)),
    )


def errors(response) -> list[str]:
    """The error messages shown beside the fields, in page order."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Parser(HTMLParser):
        text: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "p" and "govuk-error-message" in (dict(attrs).get("class") or ""):
                self.text = []

        def handle_data(self, data):
            if self.text is not None:
                self.text.append(data)

        def handle_endtag(self, tag):
            if tag == "p" and self.text is not None:
                found.append(" ".join("".join(self.text).split()).removeprefix("Error: "))
                self.text = None

    Parser().feed(response.content.decode())
    return found


def table_rows(response) -> list[tuple[str, str, str, str]]:
    """The confirmation table: the review item's heading, its judgement, how it was matched
    and the concern selected."""
    import re

    html = response.content.decode()
    body = html[html.index('<tbody class="govuk-table__body">') :]
    found = []
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S):
        cells = re.findall(r'<td class="govuk-table__cell[^"]*"[^>]*>(.*?)</td>', row, re.S)
        heading = re.search(r"<strong>(.*?)</strong>", cells[0])
        selected = re.search(r'<option value="([^"]*)" selected>', cells[3])
        found.append(
            (
                heading[1] if heading else "",
                cells[1].strip(),
                cells[2].strip(),
                selected[1] if selected else "",
            )
        )
    return found


# --- inspection reports in ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["hmp-longshire-2024.pdf", "hmp-longshire-2024.docx", "hmp-longshire-2024.txt"]
)
def test_a_lead_starts_a_draft_from_the_report_with_its_concerns(db, client_for, name):
    longshire = Establishment.objects.create(name="HMP Longshire")
    lead = builders.user(role=Role.LEAD, establishment=longshire)
    client = client_for(lead)
    assert client.get(reverse("new-plan")).status_code == 200
    response = client.post(reverse("new-plan-from-report"), {"file": upload(REPORTS / name)})
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("edit-plan", args=[plan.pk])
    report = read_report(REPORTS / name)
    assert plan.is_draft and plan.created_by == lead and plan.warnings == []
    assert (plan.inspection.establishment, plan.inspection.start, plan.inspection.end) == (
        longshire,
        datetime.date(2024, 3, 4),
        datetime.date(2024, 3, 15),
    )
    assert plan.inspection.report_published == datetime.date(2024, 7, 2)
    assert [(c.ref, c.category, c.text) for c in plan.concerns.order_by("position")] == [
        (c.ref, c.category, c.text) for c in report.concerns
    ]
    # The drafted concerns are the plan's: the published Longshire plan answers the same ones.
    published = json.loads((FIXTURES / "plans" / "hmp-longshire-2024.json").read_text())
    assert [(c.ref, c.category, c.text) for c in plan.concerns.order_by("position")] == [
        (c["ref"], c["category"], c["text"]) for c in published["concerns"]
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Draft plan started from the report with its 3 concerns: add the actions" in page


def test_what_the_report_did_not_say_is_listed_on_the_draft(db, client_for):
    administrator = builders.user(role=Role.ADMINISTRATOR)
    client = client_for(administrator)
    response = client.post(
        reverse("new-plan-from-report"), {"file": upload(REPORTS / "hmp-riverside-2025.pdf")}
    )
    plan = Plan.objects.get()
    assert response.status_code == 302
    # An administrator adds the establishment the report names.
    assert plan.inspection.establishment.name == "HMP Riverside"
    assert plan.inspection.report_published is None
    assert plan.warnings == [
        "The report does not print its publication date: enter it on the draft's dates page"
    ]
    page = client.get(reverse("edit-plan", args=[plan.pk])).content.decode()
    assert (
        "The report does not print its publication date: enter it on the draft&#39;s dates page"
        in page
    )
    assert [c.category for c in plan.concerns.order_by("position")] == [
        "priority",
        "priority",
        "key",
    ]


def test_an_older_report_drafts_its_recommendations_by_their_references(db, client_for):
    client = client_for(builders.user(role=Role.ADMINISTRATOR))
    client.post(reverse("new-plan-from-report"), {"file": upload(REPORTS / "hmp-oldbury-2019.odt")})
    plan = Plan.objects.get()
    assert [(c.ref, c.category) for c in plan.concerns.order_by("position")] == [
        ("S40", "recommendation"),
        ("S41", "recommendation"),
        ("1.23", "recommendation"),
        ("1.35", "recommendation"),
        ("2.12", "recommendation"),
        ("3.18", "recommendation"),
        ("4.40", "recommendation"),
    ]


@pytest.mark.parametrize(
    ("who", "report", "message"),
    [
        (
            "lead elsewhere",
            "hmp-longshire-2024.pdf",
            "hmp-longshire-2024.pdf: you cannot draft plans for HMP Longshire",
        ),
        (
            "lead of no establishment held",
            "hmp-riverside-2025.pdf",
            "hmp-riverside-2025.pdf: HMP Riverside is not held here: ask an administrator to "
            "add it",
        ),
        (
            "lead of Peterborough",
            "hmp-peterborough-2024.txt",
            "hmp-peterborough-2024.txt: a plan for this inspection is already held (HMP "
            "Peterborough (Men) action plan, version 1): amend it rather than starting another",
        ),
        (
            "lead of Peterborough",
            "../documents/hmp-peterborough-2024.pdf",
            "hmp-peterborough-2024.pdf: no numbered priority or key concerns, nor a summary of "
            "recommendations, were found in it: give an HMIP inspection report",
        ),
    ],
)
def test_a_report_that_cannot_start_a_draft_says_why_and_changes_nothing(
    seed_plan, client_for, who, report, message
):
    Establishment.objects.create(name="HMP Longshire")
    peterborough = seed_plan.inspection.establishment
    elsewhere = Establishment.objects.create(name="HMP Elsewhere")
    lead = builders.user(
        role=Role.LEAD, establishment=elsewhere if who == "lead elsewhere" else peterborough
    )
    client = client_for(lead)
    before = state()
    path = (REPORTS / report).resolve()
    response = client.post(reverse("new-plan-from-report"), {"file": upload(path)})
    assert response.status_code == 400
    assert errors(response) == [message]
    assert response.content.decode().count("<title>Error: Draft a new plan") == 1
    assert state() == before


def test_no_file_chosen(db, client_for):
    client = client_for(builders.user(role=Role.ADMINISTRATOR))
    response = client.post(reverse("new-plan-from-report"), {})
    assert response.status_code == 400
    assert errors(response) == ["Choose the inspection report to upload"]


def test_cli_report_import_starts_the_draft(db, capsys):
    builders.user("lead")
    path = REPORTS / "hmp-longshire-2024.docx"
    assert main(["report-import", str(path), "--as", "lead"]) == 0
    out = capsys.readouterr().out.splitlines()
    plan = Plan.objects.get()
    assert out[0] == "HMP Longshire"
    assert out[1] == "Inspection: 2024-03-04 to 2024-03-15   Report published: 2024-07-02"
    assert out[-1] == (
        f"Draft started: HMP Longshire action plan, version 1 with 3 concerns; add its actions "
        f"at /plans/{plan.pk}/edit/"
    )
    assert plan.created_by.username == "lead"
    # The same report again: the draft is there already.
    assert main(["report-import", str(path)]) == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        "planwatch: hmp-longshire-2024.docx: a plan for this inspection is already held (HMP "
        "Longshire action plan, version 1): change that draft rather than starting another"
    )
    assert Plan.objects.count() == 1


def test_cli_report_import_json_and_dry_run_touch_no_database(db, capsys):
    path = REPORTS / "hmp-oldbury-2019.pdf"
    assert main(["report-import", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(
        (REPORTS / "hmp-oldbury-2019.expected.json").read_text()
    )
    assert main(["report-import", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "7 concerns"
    assert Plan.objects.count() == 0


# --- reviews of progress in --------------------------------------------------------------


@pytest.fixture
def longshire(db) -> Plan:
    path = FIXTURES / "documents" / "hmp-longshire-2024.docx"
    result = import_plan_bytes(path.read_bytes(), path.name)
    assert result.outcome == "imported", result.message
    return result.plan


def _inspector(plan: Plan):
    return builders.user(role=Role.INSPECTOR, establishment=plan.inspection.establishment)


def test_judgements_are_recorded_only_after_the_inspector_confirms(seed_plan, client_for):
    inspector = _inspector(seed_plan)
    client = client_for(inspector)
    response = client.post(
        reverse("review-upload"), {"file": upload(REVIEWS / "irp-hmp-peterborough-2024.pdf")}
    )
    confirm = reverse("confirm-review", args=[seed_plan.pk])
    assert response.status_code == 302 and response["Location"] == confirm
    assert Judgement.objects.count() == 0
    page = client.get(confirm)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<tr class="govuk-table__row">') == 7  # the header and six judgements
    assert "8 January 2024 to 18 January 2024 (<a" in html
    assert Judgement.objects.count() == 0
    # Confirmed as matched: every judgement, as this inspector, dated the review's last day.
    data = {f"match_{index}": ref for index, ref in enumerate(["1", "2", "3", "5", "6", "9"])}
    response = client.post(confirm, data)
    assert response.status_code == 302 and response["Location"] == seed_plan.get_absolute_url()
    recorded = Judgement.objects.order_by("concern_ref")
    assert [(j.concern_ref, j.rating) for j in recorded] == [
        ("1", "reasonable"),
        ("2", "insufficient"),
        ("3", "good"),
        ("5", "no_meaningful"),
        ("6", "insufficient"),
        ("9", "reasonable"),
    ]
    assert {(j.judged_by, j.judged_on, j.concern.plan_id) for j in recorded} == {
        (inspector, datetime.date(2024, 11, 20), seed_plan.pk)
    }
    assert recorded[0].reason == (
        "Independent review of progress of 18 November 2024 to 20 November 2024, priority "
        "concern 1: We judged that there had been reasonable progress in this area."
    )
    assert (
        "6 judgements recorded from the review" in client.get(response["Location"]).content.decode()
    )
    # Confirmed again (the back button): the review is no longer waiting, nothing is added.
    again = client.post(confirm, data)
    assert again.status_code == 302 and again["Location"] == reverse("review-upload")
    assert Judgement.objects.count() == 6


def test_numbering_that_differs_is_matched_by_text_and_a_match_can_be_changed(
    longshire, client_for
):
    client = client_for(_inspector(longshire))
    client.post(reverse("review-upload"), {"file": upload(REVIEWS / "irp-hmp-longshire-2024.docx")})
    confirm = reverse("confirm-review", args=[longshire.pk])
    assert table_rows(client.get(confirm)) == [
        ("Concern 1", "Good progress", "By text", "3"),
        ("Concern 2", "Reasonable progress", "By text", "1"),
        ("Concern 3", "Insufficient progress", "By text", "2"),
    ]
    # The inspector records the first two only.
    response = client.post(confirm, {"match_0": "3", "match_1": "1", "match_2": ""})
    assert response.status_code == 302
    assert sorted(Judgement.objects.values_list("concern_ref", "rating")) == [
        ("1", "reasonable"),
        ("3", "good"),
    ]


def test_one_concern_chosen_twice_records_nothing(longshire, client_for):
    client = client_for(_inspector(longshire))
    client.post(reverse("review-upload"), {"file": upload(REVIEWS / "irp-hmp-longshire-2024.txt")})
    confirm = reverse("confirm-review", args=[longshire.pk])
    response = client.post(confirm, {"match_0": "3", "match_1": "3", "match_2": "2"})
    assert response.status_code == 400
    assert errors(response) == [
        "Concern 3 is already chosen for concern 1: choose each concern once, or Do not record"
    ]
    assert Judgement.objects.count() == 0
    response = client.post(confirm, {"match_0": "", "match_1": "", "match_2": ""})
    assert response.status_code == 400
    assert "Choose a concern for at least one judgement; nothing was recorded" in (
        response.content.decode()
    )
    assert Judgement.objects.count() == 0


@pytest.mark.parametrize(
    ("review", "message"),
    [
        (
            "irp-hmp-fenwick-2022.pdf",
            "irp-hmp-fenwick-2022.pdf: No plan is held for HMP Fenwick: import its plan first; "
            "nothing was recorded",
        ),
        (
            "irp-hmp-longshire-2024.pdf",
            "irp-hmp-longshire-2024.pdf: No plan is held for HMP Longshire's inspection of "
            "March 2024: import that plan first; nothing was recorded",
        ),
    ],
)
def test_a_review_whose_plan_is_not_held_changes_nothing(seed_plan, client_for, review, message):
    # Longshire is held, but not the inspection the review followed up.
    builders.plan("HMP Longshire", inspection_start=datetime.date(2021, 5, 10))
    client = client_for(builders.user(role=Role.ADMINISTRATOR))
    before = state()
    response = client.post(reverse("review-upload"), {"file": upload(REVIEWS / review)})
    assert response.status_code == 400
    assert errors(response) == [message]
    assert state() == before
    assert "planwatch_review" not in client.session


def test_only_an_inspector_for_that_establishment_may_record(seed_plan, other_plan, client_for):
    elsewhere = _inspector(other_plan)
    client = client_for(elsewhere)
    response = client.post(
        reverse("review-upload"), {"file": upload(REVIEWS / "irp-hmp-peterborough-2024.txt")}
    )
    assert response.status_code == 400
    assert errors(response) == [
        "irp-hmp-peterborough-2024.txt: you may record judgements only for the establishments "
        "you inspect, and HMP Peterborough (Men) is not one of them; nothing was recorded"
    ]
    assert client.post(reverse("confirm-review", args=[seed_plan.pk]), {}).status_code == 403
    lead = builders.user(role=Role.LEAD, establishment=seed_plan.inspection.establishment)
    assert client_for(lead).get(reverse("review-upload")).status_code == 403
    assert Judgement.objects.count() == 0


def test_a_judgement_the_rules_refuse_records_none_of_them(seed_plan, client_for, tmp_path):
    text = (REVIEWS / "irp-hmp-peterborough-2024.txt").read_text()
    # A review dated before the plan was submitted (22 May 2024).
    early = tmp_path / "early.txt"
    early.write_text(text.replace("18–20 November 2024", "1–3 May 2024"))
    client = client_for(_inspector(seed_plan))
    client.post(reverse("review-upload"), {"file": upload(early)})
    confirm = reverse("confirm-review", args=[seed_plan.pk])
    data = {f"match_{index}": ref for index, ref in enumerate(["1", "2", "3", "5", "6", "9"])}
    response = client.post(confirm, data)
    assert response.status_code == 400
    assert (
        "The date of the judgement must be on or after the plan was submitted (22 May 2024); "
        "nothing was recorded" in response.content.decode()
    )
    assert Judgement.objects.count() == 0


def test_cli_review_import_shows_the_matches_then_records_on_confirm(seed_plan, capsys):
    inspector = _inspector(seed_plan)
    path = str(REVIEWS / "irp-hmp-peterborough-2024.docx")
    assert main(["review-import", path]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        f"Nothing recorded. To record these 6 matched judgements: planwatch review-import {path} "
        "--confirm --as USERNAME (an inspector for HMP Peterborough (Men)); to change a match, "
        "use the Reviews of progress page"
    )
    assert Judgement.objects.count() == 0
    assert main(["review-import", path, "--confirm"]) == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        "planwatch: --confirm needs --as USERNAME, the inspector recording the judgements; "
        "nothing was recorded"
    )
    viewer = builders.user(role=Role.VIEWER, establishment=seed_plan.inspection.establishment)
    assert main(["review-import", path, "--confirm", "--as", viewer.username]) == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"planwatch: {viewer.username} may not record judgements for HMP Peterborough (Men); "
        "nothing was recorded"
    )
    assert Judgement.objects.count() == 0
    assert main(["review-import", path, "--confirm", "--as", inspector.username]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "6 judgements recorded, 0 already held"
    assert set(Judgement.objects.values_list("judged_by", "judged_on")) == {
        (inspector.pk, datetime.date(2024, 11, 20))
    }
    assert main(["review-import", path, "--confirm", "--as", inspector.username]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 judgements recorded, 6 already held"
    assert Judgement.objects.count() == 6


def test_cli_review_import_of_a_plan_not_held(db, capsys):
    path = str(REVIEWS / "irp-hmp-fenwick-2022.odt")
    assert main(["review-import", path]) == 2
    assert capsys.readouterr().out.splitlines() == [
        "planwatch: No plan is held for HMP Fenwick: import its plan first; nothing was recorded"
    ]
    assert Judgement.objects.count() == 0
