"""Issue 14 (items 2 to 5): date filters in three boxes, work lists that can be sorted and
filtered, drafting that asks before removing, navigation and feedback."""

from __future__ import annotations

import datetime
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
    with builders.on("2024-08-05"):
        emptied = client.get("/overdue/?" + boxes("", "", "")).content.decode()
    assert box_values(emptied) == {"day": "5", "month": "8", "year": "2024"}
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
    html = client.get("/overdue/?as_of=2024-07-01&establishment=hmp-oldbury").content.decode()
    assert '<option value="hmp-oldbury" selected>HMP Oldbury</option>' in html
    assert '<option value="" selected>All</option>' in html  # the status, not filtered
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
    # By number: each establishment's actions in the plan's order.
    numbers = [row[0] for row in overdue_rows(client_for(users["viewer"]), "&sort=number")]

    def plan_order(label: str) -> tuple[int, int]:
        concern, action = label.removeprefix("Action ").split(".")
        return int(concern), int(action)

    assert numbers == sorted(numbers, key=plan_order)
    assert numbers[:3] == ["Action 1.4", "Action 2.4", "Action 2.5"]


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
    page = client.get("/my-actions/").content.decode()
    # The count is one sentence ("11 open actions." then where the page starts).
    assert re.search(r'<p class="govuk-body">\d+ open actions?\.( Showing|</p>)', page)
    assert ",." not in page
    everything = table(page, "Actions you act for")
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


# --- 4: drafting ------------------------------------------------------------------------------


def test_a_draft_has_one_remove_link_per_row_and_no_red_buttons(db, client):
    from tests.web.test_drafting import TODAY, add_action, add_concern, start

    plan = builders.plan()
    client.force_login(builders.user("lead", "lead", plan.establishment))
    with builders.on(TODAY):
        draft = start(client, plan.establishment)
        add_concern(client, draft, "1")
        concern = Concern.objects.get(plan=draft)
        add_action(client, concern, "Recruit ten officers.", "Head of HR", "July 2025")
        add_action(client, concern, "Train every new officer.", "Head of Learning", "August 2025")
        html = client.get(f"/plans/{draft.pk}/edit/").content.decode()
        first, second = Action.objects.filter(concern=concern).order_by("position")
        assert "govuk-button--warning" not in html
        for target in (first, second):
            assert html.count(f'href="/actions/{target.pk}/delete/"') == 1
        assert html.count(f'href="/concerns/{concern.pk}/delete/"') == 1
        assert re.findall(r'href="/actions/\d+/delete/">(Remove<span[^>]*>[^<]*</span>)', html) == [
            'Remove<span class="govuk-visually-hidden"> action 1.1</span>',
            'Remove<span class="govuk-visually-hidden"> action 1.2</span>',
        ]
        page = text_of(client.get(f"/concerns/{concern.pk}/delete/"))
        assert "Remove concern 1 and its actions? Too few staff. Its 2 actions will be " in page
        assert Concern.objects.filter(pk=concern.pk).exists()


def test_the_deferral_reason_is_kept_apart_from_the_note(db, client):
    from planwatch.web.plans import integrity, services

    plan = builders.plan()
    lead = builders.user("lead", "lead", plan.establishment)
    target = builders.action(plan, "1", 1)
    with builders.on("2024-06-01"):
        services.record_update(
            target,
            lead,
            status=Status.DEFERRED,
            note="Two of five officers recruited",
            new_target_date=datetime.date(2024, 12, 31),
            deferral_reason="Recruitment paused by the region",
        )
        # A reason given with another status is not kept: it only explains a deferral.
        later = services.record_update(
            target, lead, status=Status.IN_PROGRESS, deferral_reason="Ignored"
        )
    target.refresh_from_db()
    assert target.deferral_reason == "Recruitment paused by the region"
    assert later.deferral_reason is None
    assert list(integrity.problems()) == []
    first = target.updates().last()
    assert (first.note, first.deferral_reason) == (
        "Two of five officers recruited",
        "Recruitment paused by the region",
    )


def test_the_correction_form_shows_the_deferral_reason(db, client):
    from planwatch.web.plans import services

    plan = builders.plan()
    lead = builders.user("lead", "lead", plan.establishment)
    target = builders.action(plan, "1", 1)
    update = services.record_update(
        target,
        lead,
        status=Status.DEFERRED,
        new_target_date=datetime.date.today() + datetime.timedelta(days=90),
        deferral_reason="Recruitment paused by the region",
    )
    client.force_login(lead)
    html = client.get(f"/updates/{update.pk}/correct/").content.decode()
    assert re.search(
        r'<textarea [^>]*name="deferral_reason"[^>]*>Recruitment paused by the region</textarea>',
        html,
    )
    assert re.search(r'for="id_deferral_reason">\s*Reason for deferring\s*</label>', html)


# --- 5: navigation and feedback ---------------------------------------------------------------


def navigation_texts(html: str) -> list[str]:
    nav = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', html, re.S).group(0)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S)
    ]


READING = ["Establishments", "Overdue", "Due soon", "Estate report", "Search"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("viewer", [*READING]),
        ("contributor", [*READING, "My actions"]),
        ("lead", [*READING, "My actions", "Import"]),
        ("inspector", [*READING, "Reviews of progress"]),
    ],
)
def test_navigation_offers_only_what_the_user_may_open(users, client_for, role, expected):
    client = client_for(users[role])
    html = client.get("/").content.decode()
    assert navigation_texts(html) == [*expected, f"Signed in as {role}", "API tokens", "Sign out"]
    for href in re.findall(r'<a class="govuk-service-navigation__link" href="([^"]+)"', html):
        if href != "/":
            assert client.get(href).status_code == 200, href


def test_signed_out_navigation_offers_sign_in_only(db, client):
    html = client.get("/").content.decode()
    assert navigation_texts(html) == ["Sign in"]
    assert "Signed in as" not in html


def test_sign_out_is_a_button_in_the_service_navigation(users, client_for):
    html = client_for(users["viewer"]).get("/overdue/").content.decode()
    nav = re.search(r'<nav aria-label="Menu".*?</nav>', html, re.S).group(0)
    assert '<form method="post" action="/sign-out/" class="planwatch-inline-form">' in nav
    assert '<button type="submit" class="planwatch-link-button">Sign out</button>' in nav
    assert 'aria-current="page"' in nav  # the page one is on is marked


@pytest.mark.parametrize(
    ("path", "back"),
    [
        ("/plans/new/", "/"),
        ("/import/", "/"),
    ],
)
def test_form_pages_have_a_back_link(users, client_for, path, back):
    html = client_for(users["lead"]).get(path).content.decode()
    assert f'<a href="{back}" class="govuk-back-link">Back</a>' in html


def test_judgement_and_drafting_forms_have_back_links(users, client_for, seed_plan):
    concern = seed_plan.concerns.get(ref="2")
    html = client_for(users["inspector"]).get(f"/concerns/{concern.pk}/judgement/").content
    assert (
        f'<a href="/plans/{seed_plan.pk}/#concern-{concern.pk}" class="govuk-back-link">Back</a>'
    ) in html.decode()
    client = client_for(users["lead"])
    client.post(f"/plans/{seed_plan.pk}/amend/")
    draft = seed_plan.versions().get(version=2)
    draft_concern = draft.concerns.get(ref="2")
    draft_action = draft_concern.actions.first()
    for path in (
        f"/concerns/{draft_concern.pk}/edit/",
        f"/concerns/{draft_concern.pk}/actions/add/",
        f"/actions/{draft_action.pk}/edit/",
    ):
        html = client.get(path).content.decode()
        assert (
            f'<a href="/plans/{draft.pk}/edit/#concern-{draft_concern.pk}" '
            'class="govuk-back-link">Back</a>'
        ) in html, path
    for path in (f"/actions/{draft_action.pk}/delete/", f"/plans/{draft.pk}/dates/"):
        html = client.get(path).content.decode()
        assert f'<a href="/plans/{draft.pk}/edit/" class="govuk-back-link">Back</a>' in html


def test_a_plan_already_held_is_information_not_success(users, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from planwatch.pipeline import SAMPLE_PLAN

    client = client_for(users["lead"])
    upload = SimpleUploadedFile(SAMPLE_PLAN.name, SAMPLE_PLAN.read_bytes())
    response = client.post("/import/", {"file": upload}, follow=True)
    html = response.content.decode()
    banner = re.search(r'<div class="govuk-notification-banner[^"]*".*?</div>\s*</div>', html, re.S)
    assert banner is not None
    assert "govuk-notification-banner--success" not in banner.group(0)
    assert "Important" in banner.group(0)
    assert "already held" in banner.group(0)


def test_a_superseded_version_says_so_at_the_top_and_links_to_the_version_in_force(
    users, client_for, seed_plan
):
    from planwatch.pipeline import SAMPLE_PLAN
    from planwatch.web.plans.services import import_plan_bytes

    revised = SAMPLE_PLAN.read_text("utf-8").replace("June 2024", "July 2024", 1).encode()
    second = import_plan_bytes(revised, "revised.txt").plan
    client = client_for(users["viewer"])
    html = client.get(seed_plan.get_absolute_url()).content.decode()
    main = html[html.index("<main") :]
    banner_at = main.index('aria-labelledby="standing-banner-title"')
    assert banner_at < main.index("<h1")
    assert (
        "Version 1 was superseded by version 2: its figures and progress are now shown there."
        in text_of(client.get(seed_plan.get_absolute_url()))
    )
    assert (
        f'<a class="govuk-notification-banner__link" href="/plans/{second.pk}/">'
        "Go to version 2, the version in force</a>"
    ) in html
    old_action = builders.action(seed_plan, "2", 1)
    new_action = Action.objects.get(plan=second, lineage=old_action.lineage)
    html = client.get(old_action.get_absolute_url()).content.decode()
    assert (
        f'<a class="govuk-notification-banner__link" href="/actions/{new_action.pk}/">'
        "Go to version 2, the version in force</a>"
    ) in html
    # The version in force says nothing of the kind.
    assert "standing-banner-title" not in client.get(second.get_absolute_url()).content.decode()


def test_sign_in_errors_are_shown_once_per_field(users, client):
    response = client.post("/sign-in/", {"username": "", "password": ""})
    html = response.content.decode()
    assert html.count("Enter your username") == 2  # the summary and the field
    assert html.count("Enter your password") == 2
    assert '<a href="#id_username">Enter your username</a>' in html
    response = client.post("/sign-in/", {"username": "viewer", "password": "wrong"})
    html = response.content.decode()
    message = "Enter a correct username and password: both may be case-sensitive"
    assert html.count(message) == 2
    assert f'<a href="#id_username">{message}</a>' in html
    assert 'id="id_password-error"' not in html


def test_counts_agree_with_their_nouns(users, client_for, seed_plan):
    page = text_of(client_for(users["viewer"]).get(seed_plan.get_absolute_url()))
    assert re.search(r"\b1 (errors|warnings|actions)\b", page) is None
    assert re.search(r"\b(\d+) quality findings?\b", page)
    for count, noun in re.findall(r"\b(\d+) (quality findings?|errors?|warnings?)\b", page):
        assert noun.endswith("s") == (count != "1"), (count, noun)


def test_the_area_filter_keeps_the_actions_of_concerns_in_that_area(users, client_for):
    """Concern 1 of the seed plan set to Safety, every other concern to Respect: the overdue
    list filtered by area shows concern 1's actions and no other."""
    Concern.objects.update(area="respect")
    Concern.objects.filter(ref="1").update(area="safety")
    client = client_for(users["inspector"])
    every = client.get("/overdue/?as_of=2025-06-30").content.decode()
    safety = client.get("/overdue/?as_of=2025-06-30&area=safety").content.decode()

    def numbers(html: str) -> set[str]:
        found = re.findall(r'<span class="govuk-visually-hidden">Action </span>([\d.]+)</a>', html)
        return set(found)

    def concerns(found: set[str]) -> set[str]:
        return {number.rsplit(".", 1)[0] for number in found}

    assert concerns(numbers(safety)) == {"1"}
    assert numbers(safety) < numbers(every)
    respect = numbers(client.get("/overdue/?as_of=2025-06-30&area=respect").content.decode())
    assert "1" not in concerns(respect) and respect | numbers(safety) == numbers(every)
