"""What the estate learns, on a small hand-made estate whose answers are known: recurring
concerns, what worked elsewhere, self-reported against judged progress and the themes."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from planwatch import labels
from planwatch.web.access.models import Role
from planwatch.web.plans import learning, lessons, services
from planwatch.web.plans.models import ConcernLink, Plan, SelfReport
from tests import builders

# Three texts on one matter (time out of cell) for one prison's three inspections, one each
# for two other prisons, and texts on other matters that match nothing here.
UNLOCK = [
    "Too many prisoners were locked in their cells for most of the day, with many "
    "unemployed men getting as little as two hours out of cell.",
    "Time out of cell was poor: unemployed prisoners spent up to 22 hours a day locked in "
    "their cells.",
    "Most prisoners were locked in their cells for too long, and those without work had "
    "less than two hours out of cell on weekdays.",
    "The regime was too restricted and prisoners spent too much time locked in cells, and "
    "unemployed men had two hours out of cell.",
    "Prisoners spent too long locked in their cells, and the unemployed had under two hours "
    "a day out of cell.",
]
SHOWERS = "Showers on the residential units were mouldy and many did not work."
DRUGS = [
    "Illicit drugs were easily available and the positive mandatory drug testing rate was high.",
    "Drug use was a serious problem: random mandatory drug testing showed high positive rates.",
]
SEGREGATION = "The segregation unit was shabby and segregated men had almost no regime."
LIBRARY = "The library was open for too few hours and many prisoners could not visit it."

TWO_ACTIONS = [
    ("Publish a regime with more time unlocked.", "Governor", "December 2019"),
    ("Report time unlocked each month to the board.", "Head of Residence", "March 2020"),
]


def _concerns(first: str = "priority") -> list[builders.ConcernSpec]:
    return [("1", first, TWO_ACTIONS), ("2", "key", TWO_ACTIONS[:1])]


def _plan(name: str, year: int, texts: dict[str, str]) -> Plan:
    return builders.plan(
        name,
        inspection_start=datetime.date(year, 1, 8),
        submitted=datetime.date(year, 5, 22),
        stored_on=datetime.date(year, 6, 1),
        concerns=_concerns(),
        texts=texts,
    )


def _complete(plan: Plan, ref: str, numbers: list[int], author, when: str) -> None:
    for number in numbers:
        builders.update(builders.action(plan, ref, number), author, "completed", when)


@pytest.fixture
def estate(db):
    return build_estate()


def build_estate() -> dict:
    """Alpha inspected in 2019, 2022 and 2025; Beta and Gamma in 2023; judgements and
    progress as the tests below count them."""
    people = {"admin": builders.user("estate-admin", Role.ADMINISTRATOR)}
    inspector = builders.user("estate-inspector", Role.INSPECTOR)
    author = people["admin"]
    alpha19 = _plan("HMP Alpha", 2019, {"1": UNLOCK[0], "2": SHOWERS})
    # 2019 concern 1: both actions completed, judged insufficient (reported complete, not met).
    _complete(alpha19, "1", [1, 2], author, "2020-03-01")
    builders.judgement(builders.concern(alpha19, "1"), inspector, "insufficient", "2020-06-01")
    # 2019 concern 2: its one action still open, judged reasonable ("none").
    builders.judgement(builders.concern(alpha19, "2"), inspector, "reasonable", "2020-06-01")
    alpha22 = _plan("HMP Alpha", 2022, {"1": UNLOCK[1], "2": DRUGS[0]})
    # 2022 concern 1: one of two completed when judged ("some"), judged no meaningful.
    _complete(alpha22, "1", [1], author, "2022-09-01")
    builders.judgement(builders.concern(alpha22, "1"), inspector, "no_meaningful", "2023-01-10")
    alpha25 = _plan("HMP Alpha", 2025, {"1": UNLOCK[2], "2": SEGREGATION})
    beta = _plan("HMP Beta", 2023, {"1": UNLOCK[3], "2": DRUGS[1]})
    # Beta concern 1: all completed, judged good. Concern 2: deferred on the day it was
    # judged, completed the day after (which does not count), judged insufficient.
    _complete(beta, "1", [1, 2], author, "2023-08-01")
    builders.judgement(builders.concern(beta, "1"), inspector, "good", "2024-01-15")
    builders.update(
        builders.action(beta, "2", 1),
        author,
        "deferred",
        "2023-12-01",
        new_target_date=datetime.date(2024, 6, 30),
    )
    builders.judgement(builders.concern(beta, "2"), inspector, "insufficient", "2024-01-15")
    _complete(beta, "2", [1], author, "2024-01-16")
    gamma = _plan("HMP Gamma", 2023, {"1": UNLOCK[4], "2": LIBRARY})
    # Gamma concern 1: all completed, judged insufficient (reported complete, not met).
    _complete(gamma, "1", [1, 2], author, "2023-09-01")
    builders.judgement(builders.concern(gamma, "1"), inspector, "insufficient", "2024-02-01")
    alpha = alpha19.inspection.establishment
    people["alpha viewer"] = builders.user("alpha-viewer", Role.VIEWER, alpha)
    return {
        "alpha19": alpha19,
        "alpha22": alpha22,
        "alpha25": alpha25,
        "beta": beta,
        "gamma": gamma,
        "alpha": alpha,
        "people": people,
    }


def _pairs() -> set[tuple[str, str]]:
    """Every stored link as (establishment year ref, establishment year ref)."""

    def name(concern) -> str:
        inspection = concern.plan.inspection
        return f"{inspection.establishment.name[4:]} {inspection.start.year} {concern.ref}"

    return {
        (name(link.concern), name(link.other))
        for link in ConcernLink.objects.select_related(
            "concern__plan__inspection__establishment", "other__plan__inspection__establishment"
        )
    }


UNLOCKS = ["Alpha 2019 1", "Alpha 2022 1", "Alpha 2025 1", "Beta 2023 1", "Gamma 2023 1"]
EXPECTED_LINKS = {(first, second) for first in UNLOCKS for second in UNLOCKS if first != second} | {
    ("Alpha 2022 2", "Beta 2023 2"),
    ("Beta 2023 2", "Alpha 2022 2"),
}


def test_links_are_stored_when_plans_are_and_match_a_recomputation(estate):
    assert _pairs() == EXPECTED_LINKS
    assert learning.recompute_links() == len(EXPECTED_LINKS)
    assert _pairs() == EXPECTED_LINKS
    same = {
        (link.concern.plan.inspection.establishment_id, link.same_establishment)
        for link in ConcernLink.objects.select_related("concern__plan__inspection")
        if link.other.plan.inspection.establishment_id
        == link.concern.plan.inspection.establishment_id
    }
    assert same == {(estate["alpha"].pk, True)}


def test_a_new_version_takes_over_its_concerns_links(estate):
    lead = builders.user("alpha-lead", Role.LEAD, estate["alpha"])
    with builders.on("2025-07-01"):
        draft = services.amend(estate["alpha25"], lead)
    # A draft's concerns link out, and nothing links to them.
    draft_concern = builders.concern(draft, "1")
    assert ConcernLink.objects.filter(concern=draft_concern).count() == 4
    assert not ConcernLink.objects.filter(other__plan=draft).exists()
    with builders.on("2025-07-02"):
        services.submit(draft, datetime.date(2025, 7, 2), confirm_early_targets=True)
    assert not ConcernLink.objects.filter(concern__plan=estate["alpha25"]).exists()
    assert not ConcernLink.objects.filter(other__plan=estate["alpha25"]).exists()
    assert ConcernLink.objects.filter(concern=draft_concern).count() == 4
    assert ConcernLink.objects.filter(other=draft_concern).count() == 4
    # The old version's page shows what the newest version's concern is linked to.
    old = builders.concern(estate["alpha25"], "1")
    found = lessons.concern_lessons(old, estate["people"]["admin"])
    assert [item.inspection.start.year for item in found.earlier] == [2019, 2022]


def test_the_concern_page_shows_earlier_concerns_and_what_worked_elsewhere(estate, client_for):
    client = client_for(estate["people"]["admin"])
    concern = builders.concern(estate["alpha25"], "1")
    response = client.get(reverse("concern", args=[concern.pk]))
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    assert (
        " ".join(page.get_element_by_id("raised-before").text_content().split())
        == "Raised at the 2019 and 2022 inspections too."
    )
    titles = [
        " ".join(title.text_content().split())
        for title in page.xpath("//h3[@class='govuk-summary-card__title']")
    ]
    assert titles == [
        "inspection of 8 January 2019 to 18 January 2019: priority concern 1",
        "inspection of 8 January 2022 to 18 January 2022: priority concern 1",
        # Judged good progress first, then the closer unjudged one.
        "HMP Beta, inspection of 8 January 2023 to 18 January 2023: priority concern 1",
        "HMP Gamma, inspection of 8 January 2023 to 18 January 2023: priority concern 1",
    ]
    text = " ".join(page.text_content().split())
    # How the earlier plans fared: 2019 both completed, judged insufficient; 2022 one of two.
    assert "Actions completed: 2 of 2. Independent judgement: Insufficient progress" in text
    assert "Actions completed: 1 of 2. Independent judgement: No meaningful progress" in text
    assert "Actions completed: 2 of 2. Independent judgement: Good progress" in text


def test_elsewhere_orders_judged_good_or_reasonable_first(estate):
    concern = builders.concern(estate["alpha25"], "1")
    found = lessons.concern_lessons(concern, estate["people"]["admin"])
    assert [item.concern.plan.inspection.establishment.name for item in found.elsewhere] == [
        "HMP Beta",
        "HMP Gamma",
    ]
    assert [item.met for item in found.elsewhere] == [True, False]
    assert found.elsewhere[1].judgement.rating == "insufficient"
    assert [status for _, status in found.elsewhere[0].actions] == ["completed", "completed"]


def test_similar_concerns_never_show_what_the_reader_may_not_see(estate, client_for):
    viewer = estate["people"]["alpha viewer"]
    concern = builders.concern(estate["alpha25"], "1")
    found = lessons.concern_lessons(concern, viewer)
    assert [item.inspection.start.year for item in found.earlier] == [2019, 2022]
    assert found.elsewhere == []
    response = client_for(viewer).get(reverse("concern", args=[concern.pk]))
    assert b"HMP Beta" not in response.content and b"HMP Gamma" not in response.content
    assert b"No concern on the same matter was found at another establishment" in (response.content)
    # Beta's concern page is not Alpha's viewer's to read.
    beta_concern = builders.concern(estate["beta"], "1")
    assert client_for(viewer).get(reverse("concern", args=[beta_concern.pk])).status_code == 403


def test_the_establishment_page_lists_its_recurring_concerns(estate, client_for):
    found = lessons.recurring_concerns(estate["alpha"])
    assert [(item.latest.plan_id, item.years) for item in found] == [
        (estate["alpha25"].pk, [2019, 2022, 2025])
    ]
    response = client_for(estate["people"]["alpha viewer"]).get(estate["alpha"].get_absolute_url())
    page = lxml_html.fromstring(response.content)
    rows = page.xpath("//h2[@id='recurring']/following-sibling::table[1]//tbody/tr")
    assert [" ".join(row.xpath("td")[1].text_content().split()) for row in rows] == [
        "2019, 2022, 2025"
    ]


# --- self-reported against judged ------------------------------------------------------

# By hand, from the estate fixture:
#   Alpha 2019/1 all completed, insufficient   Alpha 2019/2 none, reasonable
#   Alpha 2022/1 some, no meaningful           Beta 2023/1 all, good
#   Beta 2023/2 deferred (completed a day late), insufficient
#   Gamma 2023/1 all, insufficient
EXPECTED_REPORTS = {
    ("HMP Alpha", "1", 2019): ("all", "insufficient", 2, 2, 0),
    ("HMP Alpha", "2", 2019): ("none", "reasonable", 1, 0, 0),
    ("HMP Alpha", "1", 2022): ("some", "no_meaningful", 2, 1, 0),
    ("HMP Beta", "1", 2023): ("all", "good", 2, 2, 0),
    ("HMP Beta", "2", 2023): ("deferred", "insufficient", 1, 0, 1),
    ("HMP Gamma", "1", 2023): ("all", "insufficient", 2, 2, 0),
}


def test_what_owners_reported_is_taken_on_the_day_of_the_judgement(estate):
    stored = {
        (row.establishment.name, row.concern_ref, row.year): (
            row.reported,
            row.rating,
            row.actions,
            row.completed,
            row.deferred,
        )
        for row in SelfReport.objects.select_related("establishment")
    }
    assert stored == EXPECTED_REPORTS
    assert learning.recompute_self_reports() == len(EXPECTED_REPORTS)


def test_self_reported_figures_for_the_estate_and_an_establishment(estate):
    admin = estate["people"]["admin"]
    everything = lessons.self_reported(admin)
    assert (everything.total, everything.reported_complete, everything.complete_not_met) == (
        6,
        3,
        2,
    )
    assert everything.share == pytest.approx(2 / 3)
    alpha = lessons.self_reported(admin, estate["alpha"])
    assert (alpha.total, alpha.reported_complete, alpha.complete_not_met) == (3, 1, 1)
    in_2023 = lessons.self_reported(admin, year=2023)
    assert (in_2023.total, in_2023.reported_complete, in_2023.complete_not_met) == (3, 2, 1)
    chart = everything.chart()
    assert chart.rows()[0] == ("All actions completed", [0, 2, 0, 1], 3)
    # A reader of Alpha only counts Alpha's concerns.
    viewer = lessons.self_reported(estate["people"]["alpha viewer"])
    assert viewer.total == 3


def test_a_withdrawn_judgement_leaves_the_figures(estate):
    judgement = (
        SelfReport.objects.select_related("judgement")
        .get(establishment__name="HMP Gamma", concern_ref="1")
        .judgement
    )
    inspector = builders.user("withdrawer", Role.INSPECTOR)
    with builders.on("2024-03-01"):
        services.record_judgement(
            judgement.concern,
            inspector,
            rating="",
            reason="Recorded against the wrong concern",
            judged_on=judgement.judged_on,
            corrects=judgement,
        )
    result = lessons.self_reported(estate["people"]["admin"])
    assert (result.total, result.reported_complete, result.complete_not_met) == (5, 2, 1)


def test_self_reported_pages_and_csv(estate, client_for):
    client = client_for(estate["people"]["admin"])
    response = client.get(reverse("estate-self-reported"))
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    headline = " ".join(page.get_element_by_id("headline").text_content().split())
    assert headline.startswith("67% of concerns reported complete were judged insufficient")
    assert "2 of 3 (6 judged concerns in all)" in headline
    rows = page.xpath("//table[@id='by-establishment']/tbody/tr")
    assert [" ".join(row.text_content().split()) for row in rows] == [
        "HMP Alpha 3 1 1",
        "HMP Beta 2 1 0",
        "HMP Gamma 1 1 1",
    ]
    response = client.get(reverse("self-reported", args=["hmp-alpha"]) + "?year=2019")
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    assert "1 of 1 (2 judged concerns in all)" in page.get_element_by_id("headline").text_content()
    response = client.get(reverse("estate-self-reported-csv") + "?year=2023")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-2:] == ["reported", "reported_complete_judged_not_met"]
    assert [(row[0], row[2], row[5], row[9], row[10]) for row in rows[1:]] == [
        ("HMP Beta", "1", "good", "all", "false"),
        ("HMP Beta", "2", "insufficient", "deferred", "false"),
        ("HMP Gamma", "1", "insufficient", "all", "true"),
    ]


@pytest.mark.parametrize("query", ["?year=1890", "?year=soon", "?area=nowhere"])
def test_a_filter_that_cannot_be_used_is_said_so(estate, client_for, query):
    client = client_for(estate["people"]["admin"])
    response = client.get(reverse("estate-self-reported") + query)
    assert response.status_code == 400
    assert b"Choose an" in response.content
    csv_response = client.get(reverse("estate-self-reported-csv") + query)
    assert csv_response.status_code == 400
    assert csv_response.content.decode().startswith("Choose an")


# --- estate themes ---------------------------------------------------------------------


def test_themes_count_concerns_by_year_and_kind_and_where_they_recur(estate, client_for):
    found = lessons.themes(estate["people"]["admin"])
    assert found.years == [2019, 2022, 2023, 2025]
    assert found.totals == {2019: 2, 2022: 2, 2023: 4, 2025: 2}
    # With areas held (classified here), concerns are counted by area: every concern once.
    assert set(found.kinds) == {*labels.AREAS, ""}  # "" counts concerns with no area
    for year in found.years:
        assert sum(found.counts.get((year, area), 0) for area in found.kinds) == found.totals[year]
    # Raised at an earlier inspection of the same prison: Alpha 2022/1 and 2025/1.
    assert {year: found.recurring_in(year) for year in found.years} == {
        2019: 0,
        2022: 1,
        2023: 0,
        2025: 1,
    }
    assert found.by_establishment == [{"name": "HMP Alpha", "slug": "hmp-alpha", "recurring": 2}]
    response = client_for(estate["people"]["admin"]).get(reverse("themes-csv") + "?category=key")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "inspection_year",
        "area",
        "concerns",
        "raised_at_an_earlier_inspection_too",
    ]
    # The two key concerns of 2023, and no other year's, whatever their areas.
    by_year: dict[str, int] = {}
    for year, _, concerns, _ in rows[1:]:
        by_year[year] = by_year.get(year, 0) + int(concerns)
    assert by_year["2023"] == 2
    page = client_for(estate["people"]["alpha viewer"]).get(reverse("themes"))
    assert page.status_code == 200
    assert b"HMP Beta" not in page.content


def test_the_command_recomputes_the_estate(estate, capsys):
    from planwatch.cli import main

    ConcernLink.objects.all().delete()
    SelfReport.objects.all().delete()
    assert main(["similar", "--recompute"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "10 concerns compared: 3 concerns raised at another inspection of the same "
        "establishment too, 22 links in all; 6 judged concerns with what owners had reported"
    )
    assert _pairs() == EXPECTED_LINKS


def test_the_figure_in_the_progress_and_estate_reports(estate, client_for):
    from planwatch.web.plans import reports

    alpha = estate["alpha"]
    report = reports.progress_report(
        alpha, datetime.date(2021, 1, 1), Plan.objects.get(pk=estate["alpha19"].pk)
    )
    found = report.self_reported
    assert (found.total, found.reported_complete, found.complete_not_met) == (2, 1, 1)
    client = client_for(estate["people"]["admin"])
    page = client.get(
        reverse("progress-report", args=[alpha.slug])
        + f"?as_of=2021-01-01&plan={estate['alpha19'].pk}"
    )
    text = " ".join(
        lxml_html.fromstring(page.content).get_element_by_id("self-reported").text_content().split()
    )
    assert text == (
        "Self-reported against judged: of the 2 concerns of this plan judged by 1 January 2021, "
        "1 had every action reported completed on the day they were judged, and 1 of those was "
        "judged insufficient or no meaningful progress."
    )
    # Above the charts, not in their columns, where the PDF squeezed it to a word a line.
    html = page.content.decode()
    assert html.index('id="self-reported"') < html.index('class="planwatch-charts"')
    rows = reports.estate_report(
        [alpha, estate["beta"].inspection.establishment], datetime.date(2024, 12, 31)
    )
    assert [row.self_reported.summary for row in rows] == ["1 of 1", "0 of 1"]
    page = client.get(reverse("estate") + "?as_of=2024-12-31")
    headline = lxml_html.fromstring(page.content).get_element_by_id("self-reported-headline")
    assert " ".join(headline.text_content().split()).startswith(
        "Of the 3 judged concerns whose owners had reported every action completed, 2 (67%) "
        "were judged insufficient or no meaningful progress"
    )
    # Before Beta's and Gamma's judgements only Alpha's count.
    page = client.get(reverse("estate") + "?as_of=2023-12-31")
    headline = lxml_html.fromstring(page.content).get_element_by_id("self-reported-headline")
    assert "Of the 1 judged concerns" in " ".join(headline.text_content().split())
    lines = client.get(reverse("estate-csv") + "?as_of=2024-12-31").content.decode().splitlines()
    assert lines[0].endswith(",reported_complete,reported_complete_judged_not_met")
    assert [line.split(",")[0] + "," + ",".join(line.split(",")[-2:]) for line in lines[1:]] == [
        "HMP Alpha,1,1",
        "HMP Beta,1,0",
        "HMP Gamma,1,1",
    ]


def test_open_data_carries_each_concerns_links(estate, tmp_path):
    import json

    from planwatch.cli import main

    target = tmp_path / "open.json"
    assert main(["export", "--all", "--format", "json", "--output", str(target)]) == 0
    plans = json.loads(target.read_text())["plans"]
    alpha25 = next(
        plan
        for plan in plans
        if plan["establishment"] == "HMP Alpha" and plan["inspection_start"] == "2025-01-08"
    )
    first = alpha25["concerns"][0]
    earlier = first["raised_at_other_inspections"]
    assert {(item["inspection_start"], item["ref"]) for item in earlier} == {
        ("2019-01-08", "1"),
        ("2022-01-08", "1"),
    }
    assert earlier[0]["similarity"] >= earlier[1]["similarity"] >= 0.19
    assert {item["establishment"] for item in first["similar_elsewhere"]} == {
        "HMP Beta",
        "HMP Gamma",
    }
    assert alpha25["concerns"][1]["raised_at_other_inspections"] == []
    target = tmp_path / "open.csv"
    assert main(["export", "--all", "--format", "csv", "--output", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    counts = {
        (row["establishment"], row["inspection_start"][:4], row["concern_ref"]): (
            row["concern_raised_at_other_inspections"],
            row["concern_similar_elsewhere"],
        )
        for row in rows
    }
    assert counts[("HMP Alpha", "2025", "1")] == ("2", "2")
    # Beta's concern 1 is on the matter of Alpha's three and Gamma's one.
    assert counts[("HMP Beta", "2023", "1")] == ("0", "4")
    assert counts[("HMP Beta", "2023", "2")] == ("0", "1")
    assert counts[("HMP Gamma", "2023", "2")] == ("0", "0")


def test_a_plans_download_lists_only_links_the_reader_may_see(estate, client_for):
    import json

    client = client_for(estate["people"]["alpha viewer"])
    response = client.get(reverse("plan-export", args=[estate["alpha25"].pk, "json"]))
    first = json.loads(response.content)["concerns"][0]
    assert len(first["raised_at_other_inspections"]) == 2
    assert first["similar_elsewhere"] == []


def test_the_drafting_page_links_each_concern_to_what_worked_elsewhere(estate, client_for):
    lead = builders.user("drafting-lead", Role.LEAD, estate["alpha"])
    with builders.on("2025-07-01"):
        draft = services.amend(estate["alpha25"], lead)
    client = client_for(lead)
    page = lxml_html.fromstring(client.get(reverse("edit-plan", args=[draft.pk])).content)
    concern = builders.concern(draft, "1")
    link = page.xpath(f"//div[@id='concern-{concern.pk}']//a[starts-with(., 'What worked')]")
    assert [item.get("href") for item in link] == [f"/concerns/{concern.pk}/#elsewhere"]
    response = client.get(link[0].get("href"))
    assert response.status_code == 200
    found = lessons.concern_lessons(concern, lead)
    # The lead reads Alpha only: nothing elsewhere, the earlier inspections' concerns shown.
    assert [item.inspection.start.year for item in found.earlier] == [2019, 2022]
    # The version it amends is the same concern, not a later one.
    assert found.later == []
    assert found.elsewhere == []


@pytest.mark.parametrize("query", ["?category=urgent", "?area=nowhere", "?topic=nowhere"])
def test_themes_refuse_a_filter_they_cannot_use(estate, client_for, query):
    client = client_for(estate["people"]["admin"])
    response = client.get(reverse("themes") + query)
    assert response.status_code == 400
    assert b"Choose a" in response.content
    assert client.get(reverse("themes-csv") + query).status_code == 400


def test_the_statuses_come_from_the_version_in_force_on_the_judgements_day(estate):
    lead = builders.user("beta-lead", Role.LEAD, estate["beta"].inspection.establishment)
    with builders.on("2024-02-10"):
        draft = services.amend(estate["beta"], lead)
        services.save_action(
            builders.concern(draft, "1"),
            {"text": "Review the regime each quarter.", "owner": "Governor", "target_text": "2024"},
        )
        services.submit(draft, datetime.date(2024, 2, 10), confirm_early_targets=True)
    inspector = builders.user("second-visit", Role.INSPECTOR)
    builders.judgement(builders.concern(draft, "1"), inspector, "reasonable", "2024-03-01")
    rows = SelfReport.objects.filter(establishment__name="HMP Beta", concern_ref="1").order_by(
        "judged_on"
    )
    # Judged on 15 January: version 1, both actions completed. On 1 March: version 2, whose
    # third action had not been started.
    assert [
        (
            row.judged_on.isoformat(),
            row.concern.plan.version,
            row.actions,
            row.completed,
            row.reported,
        )
        for row in rows
    ] == [("2024-01-15", 1, 2, 2, "all"), ("2024-03-01", 2, 3, 2, "some")]
    result = lessons.self_reported(estate["people"]["admin"], year=2023)
    latest = {
        row.concern_ref: row.reported for row in result.rows if row.establishment.name == "HMP Beta"
    }
    assert latest == {"1": "some", "2": "deferred"}
    as_before = lessons.self_reported_for_reports(
        datetime.date(2024, 2, 1), [estate["beta"].inspection.establishment_id]
    )
    beta = estate["beta"].inspection.establishment_id
    assert as_before[beta].cells == {("all", "good"): 1, ("deferred", "insufficient"): 1}
    # Once every judgement is made, the concern counts by its latest (the stored flag).
    as_after = lessons.self_reported_for_reports(datetime.date(2024, 3, 1), [beta])
    assert as_after[beta].cells == {("some", "reasonable"): 1, ("deferred", "insufficient"): 1}


def test_themes_follow_a_newly_stored_plan(estate):
    admin = estate["people"]["admin"]
    assert 2024 not in lessons.themes(admin).totals
    _plan("HMP Delta", 2024, {"1": LIBRARY, "2": SHOWERS})
    assert lessons.themes(admin).totals[2024] == 2
    # Another process notices too: the plan's save set a new estate's mark (web/caching.py).
    lessons._THEMES.clear()
    assert lessons.themes(admin).totals[2024] == 2
