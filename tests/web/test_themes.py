"""Areas and topics of stored concerns: where each came from (printed, classified with a
score, set by a person), corrections with their history and permissions, carrying over to
the next version, `planwatch classify`, the plan page's tags and the open data columns."""

from __future__ import annotations

import csv
import io
import json

import lxml.html
import pytest
from django.urls import reverse

from planwatch import labels
from planwatch import model as plan_model
from planwatch.cli import main
from planwatch.themes import classifier
from planwatch.web.access.models import Role
from planwatch.web.plans import services, themes
from planwatch.web.plans.models import Concern, ConcernTopic, ThemeCorrection
from planwatch.web.plans.services import import_plan_bytes
from tests import builders
from tests.conftest import FIXTURES

DRUGS = (
    "Illicit drugs were easily available and a high proportion of random drug tests were positive."
)
DENTIST = "Prisoners waited too long to see a dentist, and waiting lists were long."


def a_reading(establishment: str = "HMP Testshire (Men)", **fields):
    """The builders' plan with concerns written as a report words them; concern 2 prints
    its area."""
    reading = builders.reading(establishment, **fields)
    reading.concerns[0].text = DRUGS
    reading.concerns[1].text = DENTIST
    reading.concerns[1].area = "respect"
    reading.concerns.append(
        plan_model.Concern(
            ref="3",
            category="key",
            text="Too many prisoners were released homeless.",
            actions=[plan_model.Action("Refer every prisoner to housing 12 weeks before release.")],
        )
    )
    return reading


def store(reading, day: str = "2024-06-01"):
    with builders.on(day):
        return services.store_plan(reading)


def topics_of(concern: Concern) -> list[tuple[str, str, float | None]]:
    return [
        (link.topic, link.source, link.score)
        for link in ConcernTopic.objects.filter(concern=concern).order_by("topic")
    ]


def expected_assignment(concern: Concern) -> classifier.Assignment:
    texts = [classifier.concern_text(concern.text, [a.text for a in concern.actions.all()])]
    return classifier.classify(texts)[0]


@pytest.mark.django_db
def test_storing_a_plan_classifies_what_it_does_not_print_and_keeps_what_it_does():
    plan = store(a_reading())
    first, second = builders.concern(plan, "1"), builders.concern(plan, "2")
    assignment = expected_assignment(first)
    assert (first.area, first.area_source, first.area_score) == (
        "safety",
        "classified",
        assignment.area_score,
    )
    assert topics_of(first) == sorted(
        (topic, "classified", score) for topic, score in assignment.topics
    )
    assert "drugs" in [topic for topic, *_ in topics_of(first)]
    # Printed: kept as printed, with no score; its topics are still classified.
    assert (second.area, second.area_source, second.area_score) == ("respect", "printed", None)
    assert {source for _, source, _ in topics_of(second)} == {"classified"}
    assert "health_care" in [topic for topic, *_ in topics_of(second)]


@pytest.mark.django_db
def test_an_older_plan_imported_from_its_document_keeps_its_printed_areas():
    path = FIXTURES / "documents" / "hmp-ashgrove-2018.docx"
    result = import_plan_bytes(path.read_bytes(), path.name)
    assert result.outcome == "imported", result.message
    stored = list(result.plan.concerns.order_by("position"))
    assert [(c.ref, c.area_source) for c in stored] == [
        ("1", "classified"),
        ("2", "classified"),
        ("S12", "printed"),
        ("S13", "printed"),
        ("S25", "printed"),
        ("S31", "printed"),
        ("S40", "printed"),
        ("S41", "printed"),
    ]
    assert [c.area for c in stored][2:] == [
        "safety",
        "safety",
        "respect",
        "purposeful_activity",
        "rehabilitation_release",
        "rehabilitation_release",
    ]
    # The same document again is the same plan, however its areas were completed since.
    again = import_plan_bytes(path.read_bytes(), "copy-" + path.name)
    assert again.outcome == "skipped"


@pytest.mark.django_db
def test_a_draft_concern_is_classified_when_saved_and_again_when_its_actions_change(
    make_user,
):
    plan = store(a_reading())
    lead = make_user("lead-drafts", Role.LEAD, plan.inspection.establishment)
    with builders.on("2024-07-01"):
        draft = services.amend(plan, lead)
    concern = services.save_concern(
        draft,
        {
            "ref": "9",
            "category": "key",
            "text": "Most prisoners were locked in their cells for 22 hours a day.",
        },
    )
    concern.refresh_from_db()
    assert (concern.area, concern.area_source) == ("purposeful_activity", "classified")
    assert "time_out_of_cell" in concern.topic_keys()
    services.save_action(
        concern,
        {
            "text": "Unlock every wing for association each evening.",
            "owner": "Governor",
            "target_text": "July 2025",
        },
    )
    concern.refresh_from_db()
    assert concern.area_score == expected_assignment(concern).area_score


@pytest.mark.django_db
def test_a_correction_is_recorded_marked_as_a_persons_and_shown_in_the_history(
    client_for, make_user
):
    plan = store(a_reading())
    concern = builders.concern(plan, "1")
    inspector = make_user("inspector-themes", Role.INSPECTOR, plan.inspection.establishment)
    client = client_for(inspector)
    url = reverse("concern-themes", args=[concern.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Classified from the text, score" in page.content.decode()
    # Radios for the area, checkboxes for the topics (GOV.UK components).
    inputs = lxml.html.fromstring(page.content).xpath("//form//input[@name]")
    assert [i.get("type") for i in inputs if i.get("name") == "area"] == ["radio"] * 4
    assert [i.get("type") for i in inputs if i.get("name") == "topics"] == ["checkbox"] * len(
        labels.TOPICS
    )

    order = list(labels.TOPICS)
    classified_topics = " ".join(
        sorted((topic for topic, _ in expected_assignment(concern).topics), key=order.index)
    )
    response = client.post(url, {"area": "safety", "topics": ["security", "drugs"]})
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url() + f"#concern-{concern.pk}"
    concern.refresh_from_db()
    assert (concern.area, concern.area_source, concern.area_score) == ("safety", "person", None)
    assert topics_of(concern) == [("drugs", "person", None), ("security", "person", None)]
    # Confirming the classified area is recorded too: it is the person's from now on.
    assert [
        (entry.field, entry.before, entry.after, entry.changed_by)
        for entry in ThemeCorrection.objects.filter(concern=concern).order_by("pk")
    ] == [
        ("area", "safety", "safety", inspector),
        ("topics", classified_topics, "drugs security", inspector),
    ]

    client.post(url, {"area": "respect", "topics": ["security"]})
    history = [
        (c.field, c.before, c.after) for c in ThemeCorrection.objects.order_by("changed_at", "pk")
    ]
    assert history[2:] == [("area", "safety", "respect"), ("topics", "drugs security", "security")]
    text = " ".join(client.get(url).content.decode().split())
    assert "confirmed the area as <strong>Safety</strong>" in text
    assert "changed the area from <strong>Safety</strong> to <strong>Respect</strong>" in text
    assert (
        "changed the topics from <strong>Drugs and substance misuse, Security</strong> to <strong>Security</strong>"
        in text
    )


@pytest.mark.django_db
def test_a_correction_needs_an_area_and_a_topic_and_changes_nothing_otherwise(
    client_for, make_user
):
    plan = store(a_reading())
    concern = builders.concern(plan, "1")
    lead = make_user("lead-themes", Role.LEAD, plan.inspection.establishment)
    client = client_for(lead)
    before = topics_of(concern)
    response = client.post(
        reverse("concern-themes", args=[concern.pk]), {"area": "nowhere", "topics": []}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice. nowhere is not one of the available choices." in body
    assert "Select at least one topic" in body
    assert topics_of(concern) == before
    assert not ThemeCorrection.objects.exists()


@pytest.mark.django_db
def test_people_who_may_not_correct_are_refused(client_for, make_user):
    plan = store(a_reading())
    concern = builders.concern(plan, "1")
    viewer = make_user("viewer-themes", Role.VIEWER, plan.inspection.establishment)
    elsewhere = store(a_reading("HMP Elsewhere"))
    lead_elsewhere = make_user("lead-elsewhere", Role.LEAD, elsewhere.inspection.establishment)
    for person in (viewer, lead_elsewhere):
        response = client_for(person).post(
            reverse("concern-themes", args=[concern.pk]), {"area": "respect", "topics": ["food"]}
        )
        assert response.status_code == 403
    concern.refresh_from_db()
    assert concern.area_source == "classified"


@pytest.mark.django_db
def test_a_persons_correction_carries_over_to_the_next_version_and_a_reissue(make_user):
    plan = store(a_reading())
    concern = builders.concern(plan, "1")
    lead = make_user("lead-carry", Role.LEAD, plan.inspection.establishment)
    themes.correct(concern, lead, "respect", ["equality"])
    with builders.on("2024-07-01"):
        draft = services.amend(plan, lead)
    carried = builders.concern(draft, "1")
    assert (carried.area, carried.area_source) == ("respect", "person")
    assert topics_of(carried) == [("equality", "person", None)]
    # Printed and classified ones come over as they were.
    assert builders.concern(draft, "2").area_source == "printed"
    assert builders.concern(draft, "3").area_source == "classified"
    # The history is the concern's across versions.
    assert [c.after for c in themes.history(carried)] == ["equality", "respect"]

    reissued = store(a_reading(), day="2024-08-01")
    assert reissued.version == 3
    again = builders.concern(reissued, "1")
    assert (again.area, again.area_source) == ("respect", "person")
    assert topics_of(again) == [("equality", "person", None)]


@pytest.mark.django_db
def test_classify_command_recomputes_only_classified_assignments(make_user, capsys):
    plan = store(a_reading())
    lead = make_user("lead-classify", Role.LEAD, plan.inspection.establishment)
    corrected = builders.concern(plan, "1")
    themes.correct(corrected, lead, "respect", ["food"])
    classified = builders.concern(plan, "3")
    Concern.objects.filter(pk=classified.pk).update(area="", area_source="", area_score=None)
    ConcernTopic.objects.filter(concern=classified).delete()

    assert main(["classify"]) == 0
    assert capsys.readouterr().out.startswith("2 concerns classified in ")
    corrected.refresh_from_db()
    assert (corrected.area, corrected.area_source) == ("respect", "person")
    assert topics_of(corrected) == [("food", "person", None)]
    classified.refresh_from_db()
    assert classified.area_source == "classified"
    assert classified.area == expected_assignment(classified).area
    assert builders.concern(plan, "2").area_source == "printed"


@pytest.mark.django_db
def test_querysets_filter_by_area_and_topic():
    plan = store(a_reading())
    drugs = builders.concern(plan, "1")
    dentist = builders.concern(plan, "2")
    assert drugs in Concern.objects.in_area("safety")
    assert dentist not in Concern.objects.in_area("safety")
    assert list(Concern.objects.in_area("respect").filter(plan=plan)) == [dentist]
    assert drugs in Concern.objects.with_topic("drugs")
    assert dentist not in Concern.objects.with_topic("drugs")


@pytest.mark.django_db
def test_the_plan_page_shows_area_and_topics_as_tags_and_links_to_correct_them(
    client_for, make_user
):
    plan = store(a_reading())
    viewer = make_user("viewer-page", Role.VIEWER, plan.inspection.establishment)
    lead = make_user("lead-page", Role.LEAD, plan.inspection.establishment)
    body = " ".join(client_for(viewer).get(plan.get_absolute_url()).content.decode().split())
    assert (
        '<strong class="govuk-tag govuk-tag--blue" data-area="respect" title="Printed in the plan">Respect</strong>'
        in body
    )
    assert (
        '<strong class="govuk-tag govuk-tag--grey" data-topic="drugs">Drugs and substance misuse</strong>'
        in body
    )
    assert "Area printed in the plan" in body
    assert "Correct the area and topics" not in body
    concern = builders.concern(plan, "1")
    body = client_for(lead).get(plan.get_absolute_url()).content.decode()
    assert reverse("concern-themes", args=[concern.pk]) in body


@pytest.mark.django_db
def test_export_all_has_area_and_topics(tmp_path):
    plan = store(a_reading())
    first = builders.concern(plan, "1")
    out = tmp_path / "all.csv"
    assert main(["export", "--all", "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    by_ref = {row["concern_ref"]: row for row in rows}
    assert by_ref["1"]["area"] == first.area
    assert by_ref["1"]["topics"] == "; ".join(first.topic_keys())
    assert by_ref["2"]["area"] == "respect"
    out = tmp_path / "all.json"
    assert main(["export", "--all", "--format", "json", "-o", str(out)]) == 0
    # One plan held: the file is that plan's record.
    exported = json.loads(out.read_text("utf-8"))
    assert exported["concerns"][0]["area"] == first.area
    assert exported["concerns"][0]["topics"] == first.topic_keys()
