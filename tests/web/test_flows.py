"""Issue 14 (items 2 to 5): date filters in three boxes, work lists that can be sorted and
filtered, drafting that asks before removing, navigation and feedback."""

from __future__ import annotations

import re

import pytest

from planwatch.web.access.models import OwnerMapping
from planwatch.web.plans.models import Action, Concern, Status
from tests import builders
from tests.web.pagerules import huge_date_message
from tests.web.test_domain import table
from tests.web.test_pages import open_actions, text_of

THREE_BOXES = "as_of-day={}&as_of-month={}&as_of-year={}"


def boxes(day: str, month: str, year: str) -> str:
    return THREE_BOXES.format(day, month, year)


def box_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="as_of-(day|month|year)" type="text" value="([^"]*)"', html))


# --- 2: dates the GOV.UK way ----------------------------------------------------------------


def test_overdue_as_of_three_boxes_or_the_older_single_value(users, client_for):
    client = client_for(users["viewer"])
    response = client.get("/overdue/?" + boxes("1", "7", "2024"))
    assert response.status_code == 200
    assert "19 actions not completed and past their due date on 1 July 2024" in text_of(response)
    assert box_values(response.content.decode()) == {"day": "1", "month": "7", "year": "2024"}
    # An address with one year-month-day value (links, bookmarks) still works, in the boxes.
    older = client.get("/overdue/?as_of=2024-07-01")
    assert "19 actions not completed and past their due date on 1 July 2024" in text_of(older)
    assert box_values(older.content.decode()) == {"day": "1", "month": "7", "year": "2024"}
    # No date: today, in the boxes too.
    with builders.on("2024-08-05"):
        plain = client.get("/overdue/").content.decode()
    assert box_values(plain) == {"day": "5", "month": "8", "year": "2024"}
    assert 'type="date"' not in plain


@pytest.mark.parametrize(
    ("query", "message", "first_box"),
    [
        (boxes("31", "2", "2024"), "Overdue as of must be a real date", "day"),
        (boxes("1", "", "2024"), "Overdue as of must include a month", "month"),
        (boxes("1", "7", "24"), "Year must include 4 numbers", "year"),
        (boxes("1", "7", "1" * 20), huge_date_message("year"), "year"),
        (boxes("1", "7", "2999"), "Year must be between 1990 and 2100", "year"),
    ],
)
def test_overdue_date_errors_are_the_forms_errors(users, client_for, query, message, first_box):
    response = client_for(users["viewer"]).get("/overdue/?" + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1) == (
        "Error: Overdue actions – planwatch"
    )
    assert f'<a href="#id_as_of-{first_box}">{message}</a>' in html
    assert text_of(response).count(message) == 2  # the summary and the field, once each


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/estate/", "Report as of"),
        ("/establishments/hmp-peterborough-men/report/", "Report as of"),
    ],
)
def test_report_and_estate_dates_in_three_boxes(users, client_for, path, label):
    client = client_for(users["inspector"])
    response = client.get(path + "?" + boxes("30", "9", "2024"))
    assert response.status_code == 200
    html = response.content.decode()
    assert box_values(html) == {"day": "30", "month": "9", "year": "2024"}
    assert "30 September 2024" in re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    wrong = client.get(path + "?" + boxes("30", "2", "2024"))
    assert wrong.status_code == 400
    assert f'<a href="#id_as_of-day">{label} must be a real date</a>' in wrong.content.decode()


def test_estate_csv_takes_the_three_boxes_too(users, client_for):
    response = client_for(users["inspector"]).get("/estate.csv?" + boxes("30", "9", "2024"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="estate-2024-09-30.csv"'
    refused = client_for(users["inspector"]).get("/estate.csv?" + boxes("30", "2", "2024"))
    assert refused.status_code == 400
    assert refused.content.decode() == "Report as of must be a real date\n"


# The Peterborough plan's actions owned by NHFT, overdue on 1 July 2024 (all due in June 2024, so in plan order).
NHFT_OVERDUE = ["Action 4.3", "Action 8.1", "Action 8.3"]

# --- 3: work lists ----------------------------------------------------------------------------


def overdue_rows(client, query: str = "") -> list[list[str]]:
    response = client.get("/overdue/?as_of=2024-07-01" + query)
    assert response.status_code == 200
    return table(response.content.decode(), "Overdue actions on")


def test_overdue_rows_show_number_establishment_owner_targets_and_days(users, client_for):
    rows = overdue_rows(client_for(users["viewer"]))
    assert len(rows) == 19
    first = rows[0]
    assert first[0] == "Action 1.4"
    assert first[1] == "HMP Peterborough (Men)"
    assert first[3:] == ["Director", "June 2024", "June 2024", "1", "Overdue"]
    # The most overdue first: days overdue never rise down the list.
    days = [int(row[6]) for row in rows]
    assert days == sorted(days, reverse=True)


def test_only_the_number_is_a_link(users, client_for):
    html = client_for(users["viewer"]).get("/overdue/?as_of=2024-07-01").content.decode()
    links = re.findall(r'<a class="govuk-link" href="/actions/\d+/">(.*?)</a>', html, re.S)
    assert len(links) == 19
    assert all(
        re.fullmatch(r'<span class="govuk-visually-hidden">Action </span>\d+\.\d+', link)
        for link in links
    )


def test_overdue_filters_by_owner_establishment_and_status(users, client_for, seed_plan):
    client = client_for(users["inspector"])
    assert len(overdue_rows(client)) == 23
    nhft = overdue_rows(client, "&owner=nhft")
    assert {row[3] for row in nhft} == {"NHFT", "Northampton Healthcare Foundation Trust"}
    assert [row[0] for row in nhft] == NHFT_OVERDUE
    oldbury = overdue_rows(client, "&establishment=hmp-oldbury")
    assert len(oldbury) == 4
    assert {row[1] for row in oldbury} == {"HMP Oldbury"}
    started = builders.action(seed_plan, "1", 4)
    builders.update(started, users["lead"], Status.IN_PROGRESS, "2024-06-01")
    in_progress = overdue_rows(client, "&status=in_progress")
    assert [row[0] for row in in_progress] == ["Action 1.4"]
    # A value that is not a choice is ignored, not an error.
    assert len(overdue_rows(client, "&status=nonsense&establishment=nowhere")) == 23
    page = text_of(client.get("/overdue/?as_of=2024-07-01&owner=nhft"))
    assert (
        f"{len(NHFT_OVERDUE)} actions not completed and past their due date on 1 July 2024, across every "
        in page
    )
    assert "that match the filters." in page


def test_overdue_sorts_by_owner_and_back(users, client_for):
    client = client_for(users["inspector"])
    owners = [row[3] for row in overdue_rows(client, "&sort=owner&order=ascending")]
    assert owners == sorted(owners)
    backwards = [row[3] for row in overdue_rows(client, "&sort=owner&order=descending")]
    assert backwards == sorted(owners, reverse=True)
    by_establishment = [row[1] for row in overdue_rows(client, "&sort=establishment")]
    assert by_establishment == sorted(by_establishment)


def test_sort_headings_are_links_keeping_the_filters(users, client_for):
    html = (
        client_for(users["inspector"])
        .get("/overdue/?as_of=2024-07-01&owner=nhft&sort=owner&page=1")
        .content.decode()
    )
    assert (
        '<th scope="col" class="govuk-table__header " aria-sort="ascending">\n'
        '    <a class="govuk-link planwatch-sort-link" '
        'href="?as_of=2024-07-01&amp;owner=nhft&amp;sort=owner&amp;order=descending">Owner</a>'
    ) in html
    assert (
        'aria-sort="none">\n    <a class="govuk-link planwatch-sort-link" href="?as_of=2024-07-01&amp;owner=nhft&amp;sort=establishment&amp;order=ascending">Establishment</a>'
        in html
    )
    # The filter form keeps the sort, so that filtering does not lose it.
    assert '<input type="hidden" name="sort" value="owner">' in html


def test_pagination_keeps_filters_and_sort(users, client_for, monkeypatch):
    from planwatch.web.plans.views import common

    monkeypatch.setattr(common, "PAGE_SIZE", 5)
    client = client_for(users["inspector"])
    response = client.get("/overdue/?as_of=2024-07-01&owner=director&sort=owner&order=descending")
    html = response.content.decode()
    assert (
        'href="?as_of=2024-07-01&amp;owner=director&amp;sort=owner&amp;order=descending&amp;page=2"'
        in html
    )
    second = client.get(
        "/overdue/?as_of=2024-07-01&owner=director&sort=owner&order=descending&page=2"
    )
    assert {row[3] for row in table(second.content.decode(), "Overdue")} == {"Director"}


def test_my_actions_are_filtered_and_sorted_like_the_other_lists(users, client_for, seed_plan):
    OwnerMapping.objects.create(
        establishment=seed_plan.establishment, owner="Director", user=users["contributor"]
    )
    client = client_for(users["contributor"])
    everything = table(client.get("/my-actions/").content.decode(), "Actions you act for")
    nhft = table(client.get("/my-actions/?owner=NHFT").content.decode(), "Actions you act for")
    # The owner as printed, or as the plan's other actions name it (NHFT).
    assert {row[3] for row in nhft} == {"NHFT", "Northampton Healthcare Foundation Trust"}
    assert len(nhft) == open_actions(seed_plan, "NHFT")
    assert len(everything) > len(nhft)
    dues = [row[6] for row in everything]
    assert dues == sorted(dues, key=lambda days: -int(days) if days.isdigit() else 0)


def test_the_area_filter_appears_once_concerns_have_an_area(users, client_for):
    html = client_for(users["viewer"]).get("/overdue/").content.decode()
    has_area = any(field.name == "area" for field in Concern._meta.get_fields())
    assert ('name="area"' in html) == has_area
    for name in ("establishment", "owner", "status"):
        assert f'name="{name}"' in html


def test_a_work_list_reads_one_page_of_actions(users, client_for, django_assert_max_num_queries):
    client = client_for(users["inspector"])
    with django_assert_max_num_queries(20):
        client.get("/overdue/?as_of=2024-07-01&sort=owner&owner=a")
    assert Action.objects.count() > 50
