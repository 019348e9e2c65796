"""Who may do what, as one matrix generated from every URL route: route x method x role x
the record's establishment (the user's own or another) x public read on or off.

The expected answers come from one table (ROUTES: what each route needs) and one statement
of the rules in words (GRANTS, `expected`), written independently of the code under test.
"""

from __future__ import annotations

import copy
import datetime
import enum
import hashlib
import logging
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from planwatch.web.access.models import OwnerMapping, Role
from planwatch.web.plans import services
from planwatch.web.plans.job_models import Job
from tests import builders

OWN = "HMP Northmoor"
OTHER = "HMP Peterborough (Men)"
OWNER = "Head of Healthcare"  # owner of action 1.1 in the builders' default plan
OTHER_OWNER = "Governor"  # owner of action 2.1 only
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class Need(enum.Enum):
    OPEN = "anyone, signed in or not"
    SIGNED_IN = "anyone signed in"
    ACT_ANY = "act for owners somewhere"
    READ_ANY = "read some establishment"
    EDIT_ANY = "edit some establishment"
    READ = "read the record's establishment"
    READ_PRIVATE = "members of the record's establishment"
    EDIT = "edit at the record's establishment"
    UPDATE = "post progress on this action"
    JUDGE = "judge at the record's establishment"
    JUDGE_ANY = "judge at some establishment"

    CLASSIFY = "correct a concern's area and topics at the record's establishment"
    JOB = "the person who started the job (or an administrator of every establishment)"
    ADMINISTER = "administrators of every establishment"


class Answer(enum.Enum):
    ALLOWED = "allowed"
    SIGN_IN = "redirected to sign in"
    FORBIDDEN = "403"
    NOT_FOUND = "404"
    NOT_ALLOWED = "405"
    ADMIN_SIGN_IN = "redirected to the admin's sign-in"


# The roles asked, each scoped to the OWN establishment.
ROLES = [
    "anonymous",
    "no role",
    "viewer",
    "contributor acting for the owner",
    "contributor acting for no owner of it",
    "lead",
    "inspector",
    "administrator",
]

# What each role may do at its own establishment, in words. A contributor posts progress
# only on the actions of the owners it acts for.
GRANTS: dict[str, set[Need]] = {
    "anonymous": set(),
    "no role": set(),
    "viewer": {Need.READ, Need.READ_PRIVATE},
    "contributor acting for the owner": {Need.READ, Need.READ_PRIVATE, Need.UPDATE},
    "contributor acting for no owner of it": {Need.READ, Need.READ_PRIVATE},
    "lead": {Need.READ, Need.READ_PRIVATE, Need.UPDATE, Need.EDIT, Need.CLASSIFY},
    "inspector": {Need.READ, Need.READ_PRIVATE, Need.JUDGE, Need.CLASSIFY},
    "administrator": {
        Need.READ,
        Need.READ_PRIVATE,
        Need.UPDATE,
        Need.EDIT,
        Need.JUDGE,
        Need.CLASSIFY,
    },
}

DRAFTS = {"draft", "draft concern", "draft action"}

# Every route: the record its URL names (tried on each kind listed), and what a GET and a
# POST need (or a fixed answer). A route missing here fails test_every_route_has_a_row.
ROUTES: dict[str, tuple[tuple[str | None, ...], Need | Answer, Need | Answer]] = {
    "home": ((None,), Need.OPEN, Need.OPEN),
    "establishment": (("establishment",), Need.READ, Need.READ),
    "progress-report": (("establishment",), Need.READ, Need.READ),
    "progress-report-pdf": (("establishment",), Need.READ, Need.READ),
    # GET goes back to the report; POST starts the PDF as a background job.
    "progress-report-pdf-job": (("establishment",), Need.READ, Need.READ),
    "owners": (("establishment",), Need.READ_PRIVATE, Need.EDIT),
    "self-reported": (("establishment",), Need.READ, Need.READ),
    "self-reported-csv": (("establishment",), Need.READ, Need.READ),
    "estate-self-reported": ((None,), Need.READ_ANY, Need.READ_ANY),
    "estate-self-reported-csv": ((None,), Need.READ_ANY, Need.READ_ANY),
    "themes": ((None,), Need.READ_ANY, Need.READ_ANY),
    "themes-csv": ((None,), Need.READ_ANY, Need.READ_ANY),
    "concern": (("concern", "draft concern"), Need.READ, Need.READ),
    "estate": ((None,), Need.READ_ANY, Need.READ_ANY),
    "estate-csv": ((None,), Need.READ_ANY, Need.READ_ANY),
    "new-plan": ((None,), Need.EDIT_ANY, Need.EDIT_ANY),
    "new-plan-from-report": ((None,), Need.EDIT_ANY, Need.EDIT_ANY),
    "confirm-review": (("plan", "draft"), Need.JUDGE, Need.JUDGE),
    "review-upload": ((None,), Need.JUDGE_ANY, Need.JUDGE_ANY),
    "plan": (("plan", "draft"), Need.READ, Need.READ),
    "plan-source": (("plan",), Need.READ, Need.READ),
    "plan-compare": (("plan", "draft"), Need.READ, Need.READ),
    "plan-export": (("plan", "draft"), Need.READ, Need.READ),
    "edit-plan": (("draft", "plan"), Need.EDIT, Need.EDIT),
    "edit-dates": (("draft",), Need.EDIT, Need.EDIT),
    "submit-plan": (("draft",), Need.EDIT, Need.EDIT),
    "amend-plan": (("plan",), Need.EDIT, Need.EDIT),
    "edit-concern": (("draft concern",), Need.EDIT, Need.EDIT),
    "delete-concern": (("draft concern",), Need.EDIT, Need.EDIT),
    "add-action": (("draft concern",), Need.EDIT, Need.EDIT),
    "judge-concern": (("concern", "draft concern"), Need.JUDGE, Need.JUDGE),
    "concern-themes": (("concern", "draft concern"), Need.CLASSIFY, Need.CLASSIFY),
    "correct-judgement": (("judgement",), Need.JUDGE, Need.JUDGE),
    "action": (("action", "draft action"), Need.READ, Need.READ),
    "post-update": (("action", "draft action"), Need.UPDATE, Need.UPDATE),
    "edit-action": (("draft action",), Need.EDIT, Need.EDIT),
    "delete-action": (("draft action",), Need.EDIT, Need.EDIT),
    "consider-finding": (("draft action",), Need.EDIT, Need.EDIT),
    "correct-update": (("update",), Need.UPDATE, Need.UPDATE),
    "evidence": (("evidence",), Need.READ_PRIVATE, Need.READ_PRIVATE),
    "overdue": ((None,), Need.READ_ANY, Need.READ_ANY),
    "due": ((None,), Need.READ_ANY, Need.READ_ANY),
    "my-actions": ((None,), Need.ACT_ANY, Need.ACT_ANY),
    "search": ((None,), Need.READ_ANY, Need.READ_ANY),
    "import": ((None,), Need.EDIT_ANY, Need.EDIT_ANY),
    # Background jobs: each job's page and file are its starter's; estate-wide work is for
    # administrators of every establishment, which none of these roles is (test_jobs asks one).
    "jobs": ((None,), Need.SIGNED_IN, Need.SIGNED_IN),
    "job": (("job",), Need.JOB, Need.JOB),
    "job-result": (("job",), Need.JOB, Need.JOB),
    "estate-work": ((None,), Need.ADMINISTER, Need.ADMINISTER),
    "sign-in": ((None,), Need.OPEN, Need.OPEN),
    "sign-out": ((None,), Answer.NOT_ALLOWED, Need.OPEN),
    # Single sign-on, open to all; not set up in these tests, so its pages say so (404).
    # Set up, they are tested against a real provider in test_single_sign_on.
    "sso-start": ((None,), Answer.NOT_FOUND, Answer.NOT_ALLOWED),
    "sso-callback": ((None,), Answer.NOT_FOUND, Answer.NOT_ALLOWED),
    # Django's admin, included whole: none of these users is staff.
    "admin/": ((None,), Answer.ADMIN_SIGN_IN, Answer.ADMIN_SIGN_IN),
    # For monitoring: the health check for all; metrics from this machine (as the test
    # client is) or with the token, tested in test_ops.
    "healthz": ((None,), Need.OPEN, Answer.NOT_ALLOWED),
    "tokens": ((None,), Need.SIGNED_IN, Need.SIGNED_IN),
    # The open API, included whole: its schema is public; what each operation answers to
    # each role and token is its own table, in test_api.
    "api/v1/": ((None,), Need.OPEN, Need.OPEN),
    "metrics": ((None,), Need.OPEN, Answer.NOT_ALLOWED),
    "favicon": ((None,), Need.OPEN, Answer.NOT_ALLOWED),
}


def expected(role: str, need: Need | Answer, kind: str | None, own: bool, public: bool) -> Answer:
    """The answer the rules give, in words."""
    if isinstance(need, Answer):
        return need
    anywhere = GRANTS[role]
    here = set(GRANTS[role]) if own else set()
    if public:
        # Published plans may be read by anybody; nothing else is public.
        anywhere = anywhere | {Need.READ}
        here.add(Need.READ)
    if need is Need.OPEN:
        ok = True
    elif need is Need.SIGNED_IN:
        ok = role != "anonymous"
    elif need is Need.ACT_ANY:
        # Contributors, leads and administrators can be named as acting for an owner.
        ok = role.startswith("contributor") or role in ("lead", "administrator")
    elif need is Need.READ_ANY:
        ok = Need.READ in anywhere
    elif need is Need.EDIT_ANY:
        ok = Need.EDIT in anywhere
    elif need is Need.JUDGE_ANY:
        ok = Need.JUDGE in anywhere
    elif need is Need.JOB:
        # The own establishment's job was started by the lead; the other's by someone else.
        ok = role == "lead" and own
    elif need is Need.ADMINISTER:
        ok = False
    elif kind in DRAFTS:
        # Drafts are only for those who may edit them; nobody posts progress on or judges one.
        ok = Need.EDIT in here and need not in (Need.UPDATE, Need.JUDGE)
    else:
        ok = need in here
    if ok:
        return Answer.ALLOWED
    return Answer.SIGN_IN if role == "anonymous" else Answer.FORBIDDEN


def route_names() -> list[str]:
    names = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLPattern):
            assert entry.name, f"route {entry.pattern} has no name"
            names.append(entry.name)
        else:
            assert isinstance(entry, URLResolver)
            names.append(str(entry.pattern))
    return names


def test_every_route_has_a_row():
    assert sorted(route_names()) == sorted(ROUTES)


# --- the records, built once for the module ---------------------------------------------


def _records(name: str) -> dict[str, Any]:
    first = builders.plan(name, stored_on=datetime.date(2024, 6, 1))
    source = f"Action Plan: {name}\n".encode()
    with builders.on("2024-06-03"), transaction.atomic():
        # The version in force keeps the file it was read from.
        plan = services.store_plan(
            builders.reading(name),
            source=(source, "plan.txt", hashlib.sha256(source).hexdigest()),
        )
    assert plan.version == first.version + 1
    establishment = plan.inspection.establishment
    lead = builders.user(role=Role.LEAD, establishment=establishment)
    inspector = builders.user(role=Role.INSPECTOR, establishment=establishment)
    action = builders.action(plan, "1", 1)
    assert OWNER in action.owner_normalised.split("; ")
    update = builders.update(
        action,
        lead,
        "in_progress",
        "2024-07-01",
        note="Nurses recruited",
        files=[SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")],
    )
    judgement = builders.judgement(
        builders.concern(plan, "1"), inspector, "reasonable", "2024-08-01"
    )
    with builders.on("2024-09-01"):
        draft = services.amend(plan, lead)
    return {
        "establishment": establishment,
        "plan": plan,
        "draft": draft,
        "concern": builders.concern(plan, "1"),
        "draft concern": builders.concern(draft, "1"),
        "action": action,
        "draft action": builders.action(draft, "1", 1),
        "update": update,
        "evidence": update.evidence.get(),
        "judgement": judgement,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Records at two establishments and a user per role at the first, kept for the module
    inside one transaction that is rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        own = _records(OWN)
        other = _records(OTHER)
        where = own["establishment"]
        people: dict[str, Any] = {
            "anonymous": None,
            "no role": builders.user(),
            "viewer": builders.user(role=Role.VIEWER, establishment=where),
            "contributor acting for the owner": builders.user(
                role=Role.CONTRIBUTOR, establishment=where, acts_for=[OWNER]
            ),
            "contributor acting for no owner of it": builders.user(
                role=Role.CONTRIBUTOR, establishment=where, acts_for=[OTHER_OWNER]
            ),
            "lead": builders.user(role=Role.LEAD, establishment=where),
            "inspector": builders.user(role=Role.INSPECTOR, establishment=where),
            "administrator": builders.user(role=Role.ADMINISTRATOR, establishment=where),
        }
        # Acting for the owner at the other establishment too gives nothing without a role.
        OwnerMapping.objects.create(
            establishment=other["establishment"],
            owner=OWNER,
            user=people["contributor acting for the owner"],
        )
        # A finished progress report job at each establishment: the own one started by the
        # lead, the other by a lead there.
        for records, starter in (
            (own, people["lead"]),
            (other, builders.user(role=Role.LEAD, establishment=other["establishment"])),
        ):
            job = Job.objects.create(
                kind=Job.Kind.REPORT,
                state=Job.State.DONE,
                user=starter,
                establishment=records["establishment"],
                parameters={"as_of": "2024-09-30", "plan": None},
                total=1,
                done=1,
                result_name="report.pdf",
            )
            job.result.save("report.pdf", ContentFile(b"%PDF-1.4 stub"))
            records["job"] = job
        clients = {}
        for role, person in people.items():
            clients[role] = Client()
            if person is not None:
                clients[role].force_login(person)
        yield {"own": own, "other": other, "people": people, "clients": clients}
        transaction.set_rollback(True)


@pytest.fixture
def fast_pdf(monkeypatch):
    """The PDF report's permissions are what matter here, not the PDF (slow to render)."""
    monkeypatch.setattr("planwatch.writers.pdf.html_to_pdf", lambda html: b"%PDF-1.4 stub")


def url_of(name: str, record: Any) -> str:
    if name == "admin/":
        return "/admin/"
    if name == "api/v1/":
        return "/api/v1/openapi.json"
    pattern = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLPattern) and entry.name == name
    )
    kwargs: dict[str, Any] = {}
    for key in pattern.pattern.converters:
        kwargs[key] = {"pk": lambda: record.pk, "slug": lambda: record.slug, "fmt": lambda: "json"}[
            key
        ]()
    return reverse(name, kwargs=kwargs)


def answer_of(response: Any) -> Answer:
    status = response.status_code
    location = response.get("Location", "")
    if status == 302 and location.startswith(reverse("sign-in") + "?next="):
        return Answer.SIGN_IN
    if status == 302 and location.startswith("/admin/login/"):
        return Answer.ADMIN_SIGN_IN
    if status == 403:
        assert b"You cannot do this" in response.content, "not the GOV.UK 403 page"
        return Answer.FORBIDDEN
    if status == 404:
        return Answer.NOT_FOUND
    if status == 405:
        return Answer.NOT_ALLOWED
    assert status in (200, 301, 302, 303, 400), f"unexpected status {status}"
    return Answer.ALLOWED


def ask(client: Client, method: str, url: str, caplog: Any) -> Answer:
    """One request whose writes are undone, so that each answer is independent. A refusal
    logs nothing (it is not an error); a 403 is the GOV.UK 403 page."""
    cookies = copy.deepcopy(client.cookies)
    caplog.clear()
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    client.cookies = cookies
    got = answer_of(response)
    if got in (Answer.FORBIDDEN, Answer.SIGN_IN):
        # Every request has its one access line; a refusal adds no warning or error.
        problems = [record for record in caplog.records if record.name != "planwatch.requests"]
        assert problems == [], f"{method} {url} logged {problems}"
    return got


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", list(ROUTES))
def test_the_matrix(world, db, settings, fast_pdf, caplog, name, method):
    kinds, get_need, post_need = ROUTES[name]
    need = get_need if method == "GET" else post_need
    caplog.set_level(logging.DEBUG, logger="django.request")
    wrong = []
    asked = 0
    for kind in kinds:
        for whose in ("own", "other") if kind else ("own",):
            url = url_of(name, world[whose][kind]) if kind else url_of(name, None)
            for public in (False, True):
                settings.PLANWATCH_PUBLIC_READ = public
                for role in ROLES:
                    want = expected(role, need, kind, whose == "own", public)
                    got = ask(world["clients"][role], method, url, caplog)
                    asked += 1
                    if got is not want:
                        wrong.append(
                            f"{method} {url} ({kind}, {whose}) as {role}, public read "
                            f"{'on' if public else 'off'}: expected {want.value}, got {got.value}"
                        )
    assert not wrong, "\n".join(wrong)
    assert asked == len(kinds) * 2 * len(ROLES) * (2 if kinds[0] else 1)


class Missing:
    """A record that is not there."""

    pk = 987654321
    slug = "no-such-establishment"


@pytest.mark.parametrize("name", [name for name, (kinds, *_) in ROUTES.items() if kinds[0]])
def test_a_record_that_does_not_exist_is_not_found(world, db, caplog, settings, name):
    url = url_of(name, Missing)
    for method in ("GET", "POST"):
        assert ask(world["clients"]["administrator"], method, url, caplog) is Answer.NOT_FOUND
        # A visitor who may read nothing is asked to sign in, and so learns nothing of which
        # records exist; with public read the visitor is told it is not found.
        settings.PLANWATCH_PUBLIC_READ = False
        assert ask(world["clients"]["anonymous"], method, url, caplog) is Answer.SIGN_IN
        settings.PLANWATCH_PUBLIC_READ = True
        assert ask(world["clients"]["anonymous"], method, url, caplog) is Answer.NOT_FOUND


def test_an_unknown_export_format_is_not_found_for_readers_only(world, db, caplog):
    plan = world["own"]["plan"]
    url = reverse("plan-export", kwargs={"pk": plan.pk, "fmt": "exe"})
    assert ask(world["clients"]["viewer"], "GET", url, caplog) is Answer.NOT_FOUND
    assert ask(world["clients"]["no role"], "GET", url, caplog) is Answer.FORBIDDEN
    assert ask(world["clients"]["anonymous"], "GET", url, caplog) is Answer.SIGN_IN
    json_url = reverse("plan-export", kwargs={"pk": plan.pk, "fmt": "json"})
    assert world["clients"]["viewer"].get(json_url).status_code == 200


def test_a_plan_without_a_source_file_has_none_to_download(world, db, caplog):
    drafted = world["own"]["draft"]
    url = reverse("plan-source", kwargs={"pk": drafted.pk})
    assert ask(world["clients"]["lead"], "GET", url, caplog) is Answer.NOT_FOUND
    source = reverse("plan-source", kwargs={"pk": world["own"]["plan"].pk})
    response = world["clients"]["viewer"].get(source)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Action Plan: HMP Northmoor\n"


@pytest.mark.parametrize("public", [False, True])
@pytest.mark.parametrize("role", ROLES)
def test_search_finds_only_what_each_role_may_see(world, db, settings, role, public):
    """ "Nurses recruited" is a note on action 1.1 at both establishments, carried into each
    draft: a reader finds the version in force where they may read, and the draft only where
    they may edit."""
    from django.contrib.auth.models import AnonymousUser

    from planwatch.web.plans import search

    settings.PLANWATCH_PUBLIC_READ = public
    person = world["people"][role] or AnonymousUser()
    results = search.search(person, "nurses recruited").results
    seen = [(result.establishment, result.draft) for result in results]
    expected_seen = []
    for where, own in ((OWN, True), (OTHER, False)):
        if expected(role, Need.READ, "plan", own, public) is Answer.ALLOWED:
            expected_seen.append((where, False))
        if expected(role, Need.EDIT, "draft", own, public) is Answer.ALLOWED:
            expected_seen.append((where, True))
    assert sorted(seen) == sorted(expected_seen)
    for result in results:
        assert [hit.kind for hit in result.hits] == ["update"]
    # The judgement's reason, on concern 1 of each plan, found the same way.
    judged = search.search(person, "inspectors review").results
    assert sorted((r.establishment, r.draft) for r in judged) == sorted(expected_seen)
    assert {tuple(hit.kind for hit in r.hits) for r in judged} <= {("judgement",)}
