"""Regressions in who may do what (defects 3, 4, 17 and 18), the navigation each person is
offered, and how a refusal is answered."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from planwatch.web.access import services as access_services
from planwatch.web.access.models import Membership, OwnerMapping, Role
from planwatch.web.jinja import navigation
from planwatch.web.plans import reminders, services
from planwatch.web.plans.models import Judgement, Rating
from tests import builders

pytestmark = pytest.mark.django_db

NORTHMOOR = "HMP Northmoor"
PETERBOROUGH = "HMP Peterborough (Men)"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def judgement_data(rating: str = Rating.GOOD, day: datetime.date | None = None) -> dict:
    day = day or datetime.date.today()
    return {
        "rating": rating,
        "reason": "Seen at the review",
        "judged_on-day": str(day.day),
        "judged_on-month": str(day.month),
        "judged_on-year": str(day.year),
    }


def assert_refused(response, client_was_signed_in: bool = True) -> None:
    if client_was_signed_in:
        assert response.status_code == 403
        assert b"You cannot do this" in response.content
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("sign-in") + "?next=")


# --- defect 3: an inspector elsewhere who is a viewer here cannot judge here --------------


@pytest.fixture
def two_prisons():
    northmoor = builders.plan(NORTHMOOR)
    peterborough = builders.plan(PETERBOROUGH)
    inspector = builders.user("pat", Role.INSPECTOR, peterborough.inspection.establishment)
    # ... and a viewer at Northmoor.
    Membership.objects.create(
        user=inspector, role=Role.VIEWER, establishment=northmoor.inspection.establishment
    )
    return northmoor, peterborough, inspector


def test_an_inspector_elsewhere_cannot_judge_a_concern_where_they_only_view(two_prisons):
    northmoor, peterborough, inspector = two_prisons
    client = signed_in(inspector)
    here = builders.concern(northmoor, "1")
    url = reverse("judge-concern", args=[here.pk])

    assert_refused(client.get(url))
    assert_refused(client.post(url, judgement_data()))
    assert not Judgement.objects.filter(concern__plan=northmoor).exists()
    # The plan page offers no judging there, though the inspector may read it.
    page = client.get(northmoor.get_absolute_url())
    assert page.status_code == 200
    assert url.encode() not in page.content

    # At Peterborough the same person judges.
    there = builders.concern(peterborough, "1")
    response = client.post(reverse("judge-concern", args=[there.pk]), judgement_data())
    assert response.status_code == 302
    assert list(Judgement.objects.values_list("concern", "rating", "judged_by")) == [
        (there.pk, Rating.GOOD, inspector.pk)
    ]


def test_judgement_corrections_are_scoped_to_where_one_judges(two_prisons):
    northmoor, peterborough, inspector = two_prisons
    judge_here = builders.user("jo", Role.INSPECTOR, northmoor.inspection.establishment)
    wrong = builders.judgement(builders.concern(northmoor, "1"), judge_here, "good", "2024-08-01")
    client = signed_in(inspector)
    url = reverse("correct-judgement", args=[wrong.pk])
    correction = {"rating": Rating.REASONABLE, "reason": "Misread the evidence"}

    assert_refused(client.get(url))
    assert_refused(client.post(url, correction))
    assert Judgement.objects.count() == 1

    own = builders.judgement(builders.concern(peterborough, "1"), inspector, "good", "2024-08-01")
    response = client.post(reverse("correct-judgement", args=[own.pk]), correction)
    assert response.status_code == 302
    corrected = Judgement.objects.get(corrects=own)
    assert (corrected.rating, corrected.judged_by) == (Rating.REASONABLE, inspector)
    assert not Judgement.objects.filter(corrects=wrong).exists()


# --- defect 4: public read shows nothing private and nothing of drafts ---------------------


@pytest.fixture
def published(settings):
    settings.PLANWATCH_PUBLIC_READ = True
    plan = builders.plan(NORTHMOOR)
    lead = builders.user("morgan.lead", Role.LEAD, plan.inspection.establishment)
    action = builders.action(plan, "1", 1)
    update = builders.update(
        action,
        lead,
        "in_progress",
        "2024-07-01",
        note="Two nurses recruited",
        files=[SimpleUploadedFile("rota.pdf", PDF, content_type="application/pdf")],
    )
    with builders.on("2024-09-01"):
        draft = services.amend(plan, lead)
    return SimpleNamespace(
        plan=plan, action=action, evidence=update.evidence.get(), draft=draft, lead=lead
    )


def test_visitors_cannot_download_evidence_when_plans_are_public(published):
    evidence, lead = published.evidence, published.lead
    response = Client().get(reverse("evidence", args=[evidence.pk]))
    assert_refused(response, client_was_signed_in=False)
    # A member of the establishment does download it.
    response = signed_in(lead).get(reverse("evidence", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_visitors_see_progress_but_not_who_wrote_it_nor_its_files(published):
    action, evidence, lead = published.action, published.evidence, published.lead
    page = Client().get(action.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Two nurses recruited" in text
    assert "morgan.lead" not in text
    assert reverse("evidence", args=[evidence.pk]) not in text
    assert "rota.pdf" not in text
    # The same page for a member shows both.
    member = signed_in(lead).get(action.get_absolute_url()).content.decode()
    assert "morgan.lead" in member
    assert reverse("evidence", args=[evidence.pk]) in member


def test_visitors_see_nothing_of_drafts(published):
    plan, draft, lead = published.plan, published.draft, published.lead
    visitor = Client()
    draft_action = builders.action(draft, "1", 1)
    for url in (
        draft.get_absolute_url(),
        reverse("plan-compare", args=[draft.pk]),
        reverse("plan-export", args=[draft.pk, "json"]),
        draft_action.get_absolute_url(),
        reverse("edit-plan", args=[draft.pk]),
    ):
        assert_refused(visitor.get(url), client_was_signed_in=False)
    for url in (
        plan.inspection.establishment.get_absolute_url(),
        plan.get_absolute_url(),
        reverse("progress-report", args=[plan.inspection.establishment.slug]),
    ):
        response = visitor.get(url)
        assert response.status_code == 200
        assert draft.get_absolute_url().encode() not in response.content
    report = reverse("progress-report", args=[plan.inspection.establishment.slug])
    assert visitor.get(f"{report}?plan={draft.pk}").status_code == 404
    # The lead sees the draft listed.
    page = signed_in(lead).get(plan.inspection.establishment.get_absolute_url())
    assert draft.get_absolute_url().encode() in page.content


# --- defects 17 and 18: who may be mapped to an owner, and which owners -------------------


@pytest.fixture
def owners_page():
    plan = builders.plan(NORTHMOOR)
    here = plan.inspection.establishment
    elsewhere = builders.plan(PETERBOROUGH).inspection.establishment
    lead = builders.user("lee", Role.LEAD, here)
    return SimpleNamespace(
        plan=plan,
        here=here,
        elsewhere=elsewhere,
        lead=lead,
        url=reverse("owners", args=[here.slug]),
    )


@pytest.mark.parametrize("who", ["viewer", "inspector", "no role", "contributor elsewhere"])
def test_only_people_who_can_post_progress_here_can_be_mapped(owners_page, mailoutbox, who):
    here, elsewhere, lead, url = (
        owners_page.here,
        owners_page.elsewhere,
        owners_page.lead,
        owners_page.url,
    )
    role, where = {
        "viewer": (Role.VIEWER, here),
        "inspector": (Role.INSPECTOR, here),
        "no role": (None, None),
        "contributor elsewhere": (Role.CONTRIBUTOR, elsewhere),
    }[who]
    person = builders.user("sam", role, where)
    response = signed_in(lead).post(url, {"owner": "Head of Healthcare", "username": "sam"})
    assert response.status_code == 400
    assert (
        "sam cannot post progress at HMP Northmoor: ask an administrator to make them a "
        "contributor or lead there first"
    ) in response.content.decode()
    assert not OwnerMapping.objects.filter(user=person).exists()
    # Even mapped behind the page's back (say, before losing a role), they are not reminded.
    OwnerMapping.objects.create(establishment=here, owner="Head of Healthcare", user=person)
    contributor = builders.user("cat", Role.CONTRIBUTOR, here, acts_for=["Head of Healthcare"])
    reminders.send_reminders(datetime.date(2025, 1, 6))
    assert [message.to for message in mailoutbox] == [[contributor.email]]


def test_a_contributor_or_lead_here_can_be_mapped(owners_page):
    here, lead, url = owners_page.here, owners_page.lead, owners_page.url
    contributor = builders.user("cat", Role.CONTRIBUTOR, here)
    other_lead = builders.user("lou", Role.LEAD, here)
    client = signed_in(lead)
    for person in (contributor, other_lead):
        data = {"owner": "Governor", "username": person.get_username()}
        assert client.post(url, data)["Location"] == url
    assert sorted(
        OwnerMapping.objects.filter(establishment=here).values_list("owner", "user__username")
    ) == [("Governor", "cat"), ("Governor", "lou")]


def test_a_user_who_does_not_exist_is_named_in_the_refusal(owners_page):
    lead, url = owners_page.lead, owners_page.url
    response = signed_in(lead).post(url, {"owner": "Governor", "username": " nobody "})
    assert response.status_code == 400
    assert "There is no active user called nobody" in response.content.decode()
    assert not OwnerMapping.objects.exists()


def test_owners_offered_are_those_of_the_plan_in_force_and_its_draft(owners_page):
    plan, here, lead, url = owners_page.plan, owners_page.here, owners_page.lead, owners_page.url
    superseded_owner = [("1", "priority", [("Search every cell.", "Head of Security", "May 2024")])]
    first = builders.plan(
        NORTHMOOR,
        inspection_start=datetime.date(2022, 3, 7),
        submitted=datetime.date(2022, 8, 1),
        concerns=superseded_owner,
    )
    assert first.inspection != plan.inspection
    with builders.on("2024-09-01"):
        draft = services.amend(plan, lead)
        services.save_action(
            builders.concern(draft, "2"),
            {
                "text": "Open the library daily.",
                "owner": "Head of Learning",
                "target_text": "March 2025",
            },
        )
    assert access_services.owners_named(here) == [
        "Governor",
        "Head of Healthcare",
        "Head of Learning",
        "Head of Safety",
    ]
    page = signed_in(lead).get(url).content.decode()
    assert '<option value="Head of Learning">' in page
    assert "Head of Security" not in page
    builders.user("cat", Role.CONTRIBUTOR, here)
    refused = signed_in(lead).post(url, {"owner": "Head of Security", "username": "cat"})
    assert refused.status_code == 400
    assert not OwnerMapping.objects.exists()


def test_a_viewer_sees_the_owners_but_cannot_change_them(owners_page):
    here, url = owners_page.here, owners_page.url
    builders.user("cat", Role.CONTRIBUTOR, here, acts_for=["Governor"])
    viewer = signed_in(builders.user("vic", Role.VIEWER, here))
    page = viewer.get(url)
    assert page.status_code == 200
    assert "cat" in page.content.decode()
    mapping = OwnerMapping.objects.get()
    assert_refused(viewer.post(url, {"owner": "Governor", "username": "vic"}))
    assert_refused(viewer.post(url, {"remove": str(mapping.pk)}))
    assert list(OwnerMapping.objects.all()) == [mapping]


# --- navigation: only what the user may open ----------------------------------------------

EVERYWHERE = ["Establishments", "Overdue", "Due soon", "Estate report", "Search"]


@pytest.mark.parametrize(
    ("who", "public", "items"),
    [
        ("anonymous", False, []),
        ("anonymous", True, EVERYWHERE),
        ("no role", False, []),
        ("no role", True, EVERYWHERE),
        ("viewer", False, EVERYWHERE),
        ("contributor", False, [*EVERYWHERE, "My actions"]),
        ("lead", False, [*EVERYWHERE, "My actions", "Import"]),
        ("inspector", False, [*EVERYWHERE, "Reviews of progress"]),
        ("administrator", False, [*EVERYWHERE, "My actions", "Import", "Reviews of progress"]),
        ("superuser", False, [*EVERYWHERE, "My actions", "Import", "Reviews of progress"]),
    ],
)
def test_navigation_offers_only_what_the_user_may_open(settings, who, public, items):
    settings.PLANWATCH_PUBLIC_READ = public
    here = builders.plan(NORTHMOOR).inspection.establishment
    role = {
        "viewer": Role.VIEWER,
        "contributor": Role.CONTRIBUTOR,
        "lead": Role.LEAD,
        "inspector": Role.INSPECTOR,
        "administrator": Role.ADMINISTRATOR,
    }.get(who)
    if who == "anonymous":
        user = None
    elif who == "superuser":
        user = builders.user("root", is_superuser=True)
    else:
        user = builders.user(role=role, establishment=here if role else None)
    client = signed_in(user)
    request = RequestFactory().get("/due/")
    request.user = client.get("/").wsgi_request.user
    offered = navigation(request)
    assert [item["text"] for item in offered] == items
    assert [item["href"] for item in offered if item.get("current")] == (
        ["/due/"] if "Due soon" in items else []
    )
    for item in offered:
        assert client.get(item["href"]).status_code == 200, item
    # What is not offered is refused.
    offerable = {
        "home": "Establishments",
        "overdue": "Overdue",
        "due": "Due soon",
        "estate": "Estate report",
        "my-actions": "My actions",
        "import": "Import",
    }
    for name, text in offerable.items():
        if text not in items and name != "home":
            assert client.get(reverse(name)).status_code in (302, 403), name


# --- a refusal is answered, not logged ----------------------------------------------------


def test_a_refusal_is_the_govuk_403_page_and_logs_nothing(caplog):
    caplog.set_level(logging.DEBUG, logger="django.request")
    plan = builders.plan(NORTHMOOR)
    viewer = builders.user(role=Role.VIEWER, establishment=plan.inspection.establishment)
    response = signed_in(viewer).post(reverse("amend-plan", args=[plan.pk]))
    assert response.status_code == 403
    text = response.content.decode()
    assert '<h1 class="govuk-heading-l">You cannot do this</h1>' in text
    assert "govuk-template" in text  # the whole GOV.UK page, not a bare message
    assert [r for r in caplog.records if r.name != "planwatch.requests"] == []
    visitor = Client().post(reverse("amend-plan", args=[plan.pk]))
    assert visitor.status_code == 302
    assert [r for r in caplog.records if r.name != "planwatch.requests"] == []


# --- owner mappings: the admin pages keep the rule; old owners stay listed --------------------


def test_the_admin_pages_refuse_a_mapping_the_owners_page_would_refuse(db):
    from django.core.exceptions import ValidationError

    plan = builders.plan(NORTHMOOR)
    here = plan.inspection.establishment
    viewer = builders.user("vic", Role.VIEWER, here)
    mapping = OwnerMapping(establishment=here, owner="Governor", user=viewer)
    with pytest.raises(ValidationError) as refused:
        mapping.full_clean()
    assert refused.value.message_dict == {
        "user": [
            "vic cannot post progress at HMP Northmoor: make them a contributor or lead there first"
        ]
    }
    contributor = builders.user("cat", Role.CONTRIBUTOR, here)
    OwnerMapping(establishment=here, owner="Governor", user=contributor).full_clean()


def test_people_mapped_to_owners_no_longer_named_stay_listed_to_be_removed(db):
    plan = builders.plan(NORTHMOOR)
    here = plan.inspection.establishment
    lead = builders.user("lee", Role.LEAD, here)
    old = OwnerMapping.objects.create(establishment=here, owner="Head of Chaplaincy", user=lead)
    page = signed_in(lead).get(reverse("owners", args=[here.slug])).content.decode()
    assert "Head of Chaplaincy" in page
    assert "No longer named in the plan in force" in page
    response = signed_in(lead).post(reverse("owners", args=[here.slug]), {"remove": str(old.pk)})
    assert response.status_code == 302
    assert not OwnerMapping.objects.filter(pk=old.pk).exists()


def test_the_sign_in_page_offers_no_link_to_itself(db):
    page = Client().get("/sign-in/?next=/overdue/").content.decode()
    assert "next=/sign-in/" not in page and "next=%2Fsign-in" not in page
    assert 'href="/sign-in/?next=' not in page
