"""Reminder digests: who gets what (only from the plans in force), one a day, dry runs send
nothing, and GOV.UK Notify."""

from __future__ import annotations

import datetime
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.test import override_settings

from planwatch.cli import main
from planwatch.web.access.models import Role
from planwatch.web.plans.models import ReminderLog
from planwatch.web.plans.reminders import digests, send_reminders
from tests import builders

AS_OF = datetime.date(2024, 6, 10)  # June targets fall due within 28 days; May ones are overdue
NURSE, GOVERNOR = "Head of Healthcare", "Governor"
CONCERNS = [
    (
        "1",
        "priority",
        [
            ("See every new arrival within two hours.", NURSE, "June 2024"),
            ("Audit first-night cells weekly.", NURSE, "July 2024"),
            ("Report first-night checks to the board monthly.", GOVERNOR, "June 2024"),
        ],
    ),
    (
        "2",
        "key",
        [
            ("Publish the regime on every wing.", GOVERNOR, "May 2024"),
            ("Review the regime every quarter.", GOVERNOR, "December 2024"),
        ],
    ),
]


@pytest.fixture
def plan(db):
    return builders.plan(
        "HMP Testshire (Men)", submitted=datetime.date(2024, 5, 22), concerns=CONCERNS
    )


@pytest.fixture
def people(plan):
    """A contributor acting for the nurse, one for the Governor; one who acts for the nurse but
    has no role (so may not update, and is not reminded); one with no email address."""
    where = plan.establishment
    nurse = builders.user("nurse", Role.CONTRIBUTOR, where, acts_for=[NURSE])
    governor = builders.user("governor", Role.CONTRIBUTOR, where, acts_for=[GOVERNOR])
    builders.user("norole", None, where, acts_for=[NURSE])
    noemail = builders.user("noemail", Role.CONTRIBUTOR, where, acts_for=[GOVERNOR])
    noemail.email = ""
    noemail.save()
    return {"nurse": nurse, "governor": governor}


def listed(found) -> list[tuple[str, list[str], list[str]]]:
    return [
        (
            digest.user.username,
            [action.label for action in digest.overdue],
            [action.label for action in digest.due_soon],
        )
        for digest in found
    ]


def test_digests_hold_the_overdue_and_due_soon_actions_each_person_acts_for(people):
    expected = [("governor", ["2.1"], ["1.3"]), ("nurse", [], ["1.1"])]
    assert listed(digests(AS_OF)) == expected
    # The same whether the day is past (worked out from the updates) or today (stored).
    with builders.on(AS_OF):
        assert listed(digests(AS_OF)) == expected


def test_each_person_gets_one_digest_of_their_actions(people, plan):
    outcomes = send_reminders(AS_OF)
    assert [(o.digest.user.username, o.sent) for o in outcomes] == [
        ("governor", True),
        ("nurse", True),
    ]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["governor@example.invalid", "nurse@example.invalid"]
    nurse = by_address["nurse@example.invalid"]
    assert nurse.subject == "planwatch: 1 action needs your attention"
    nurse_action = builders.action(plan, "1", 1)
    lines = nurse.body.splitlines()
    assert lines[:8] == [
        "Actions you act for, as of 10 June 2024.",
        "",
        "HMP Testshire (Men)",
        "===================",
        "",
        "Due in the next 28 days (1 action):",
        "- Action 1.1, due 30 June 2024. Owner: Head of Healthcare.",
        "  See every new arrival within two hours.",
    ]
    assert re.fullmatch(rf"  https?://[^ ]+/actions/{nurse_action.pk}/", lines[8])
    assert "Overdue" not in nurse.body
    governor = by_address["governor@example.invalid"]
    assert governor.subject == "planwatch: 2 actions need your attention"
    body = governor.body.splitlines()
    assert body[2:13] == [
        "HMP Testshire (Men)",
        "===================",
        "",
        "Overdue (1 action):",
        "- Action 2.1, 10 days overdue (due 31 May 2024). Owner: Governor.",
        "  Publish the regime on every wing.",
        body[8],
        "",
        "Due in the next 28 days (1 action):",
        "- Action 1.3, due 30 June 2024. Owner: Governor.",
        "  Report first-night checks to the board monthly.",
    ]
    assert ReminderLog.objects.count() == 2


def test_overdue_actions_are_included_and_the_window_is_configurable(people):
    assert listed(digests(datetime.date(2024, 7, 2), window_days=10)) == [
        ("governor", ["2.1", "1.3"], []),
        ("nurse", ["1.1"], []),
    ]
    assert listed(digests(datetime.date(2024, 7, 2), window_days=40)) == [
        ("governor", ["2.1", "1.3"], []),
        ("nurse", ["1.1"], ["1.2"]),
    ]


def test_never_the_same_reminder_twice_in_a_day(people):
    send_reminders(AS_OF)
    again = send_reminders(AS_OF)
    assert [(o.sent, o.reason) for o in again] == [
        (False, "already reminded today"),
        (False, "already reminded today"),
    ]
    assert len(mail.outbox) == 2
    send_reminders(AS_OF + datetime.timedelta(days=1))
    assert len(mail.outbox) == 4


def test_dry_run_sends_and_records_nothing(people):
    outcomes = send_reminders(AS_OF, dry_run=True)
    assert [(o.sent, o.reason) for o in outcomes] == [(False, "dry run"), (False, "dry run")]
    assert mail.outbox == []
    assert ReminderLog.objects.count() == 0


def test_completed_and_deferred_actions_leave_the_digest(people, plan):
    builders.update(builders.action(plan, "1", 3), people["governor"], "completed", "2024-06-05")
    builders.update(
        builders.action(plan, "1", 1),
        people["nurse"],
        "deferred",
        "2024-06-05",
        new_target_date=datetime.date(2024, 9, 30),
    )
    assert listed(digests(AS_OF)) == [("governor", ["2.1"], [])]
    # As of a day before those updates, both were still to be reminded.
    assert listed(digests(datetime.date(2024, 6, 4))) == [
        ("governor", ["2.1"], ["1.3"]),
        ("nurse", [], ["1.1"]),
    ]


def test_only_the_plan_in_force_is_reminded(people, plan):
    """Once a newer inspection's plan is submitted, the older plan's open actions are no
    longer anybody's to do: only the newer plan's actions are reminded."""
    builders.plan(
        "HMP Testshire (Men)",
        inspection_start=datetime.date(2025, 1, 6),
        submitted=datetime.date(2025, 5, 1),
        stored_on=datetime.date(2025, 5, 1),
        concerns=[("1", "key", [("Open the new library.", NURSE, "June 2025")])],
    )
    assert [d.user.username for d in digests(datetime.date(2025, 4, 30))] == [
        "governor",
        "nurse",
    ]
    [nurse] = digests(datetime.date(2025, 6, 10))
    assert nurse.user.username == "nurse"
    assert ([a.label for a in nurse.overdue], [a.text for a in nurse.due_soon]) == (
        [],
        ["Open the new library."],
    )


def test_cli_remind(people, capsys):
    assert main(["remind", "--dry-run", "--as-of", "2024-06-10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "not sent to governor@example.invalid (dry run): 1 overdue, 1 due within 28 days",
        "not sent to nurse@example.invalid (dry run): 0 overdue, 1 due within 28 days",
        "noemail acts for owners but has no email address",
        "0 reminders sent",
    ]
    assert main(["remind", "--as-of", "10/06/2024"]) == 2
    assert capsys.readouterr().out == (
        "planwatch: --as-of: '10/06/2024' is not a date in the form YYYY-MM-DD\n"
    )


class _NotifyStub(BaseHTTPRequestHandler):
    """A local stand-in for the Notify API: records what the real client sends it."""

    received: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(
            {"path": self.path, "auth": self.headers["Authorization"][:7], "body": body}
        )
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "0" * 36, "content": {}}).encode())

    def log_message(self, *args):
        pass


def test_notify_backend_sends_through_the_notify_client(people):
    server = HTTPServer(("127.0.0.1", 0), _NotifyStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _NotifyStub.received = []
    service, secret = "11111111-2222-3333-4444-555555555555", "66666666-7777-8888-9999-000000000000"
    try:
        with override_settings(
            EMAIL_BACKEND="planwatch.web.notify.NotifyEmailBackend",
            PLANWATCH_NOTIFY_API_KEY=f"planwatch-{service}-{secret}",
            PLANWATCH_NOTIFY_TEMPLATE_ID="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            PLANWATCH_NOTIFY_BASE_URL=f"http://127.0.0.1:{server.server_port}",
        ):
            outcomes = send_reminders(AS_OF)
    finally:
        server.shutdown()
    assert [o.sent for o in outcomes] == [True, True]
    assert [item["path"] for item in _NotifyStub.received] == ["/v2/notifications/email"] * 2
    first = _NotifyStub.received[0]
    assert first["auth"] == "Bearer "
    assert first["body"]["email_address"] == "governor@example.invalid"
    assert first["body"]["template_id"] == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert first["body"]["personalisation"]["subject"] == "planwatch: 2 actions need your attention"


def test_a_failed_send_is_reported_and_tried_again_next_run(people):
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=9,
    ):
        outcomes = send_reminders(AS_OF)
    assert [o.sent for o in outcomes] == [False, False]
    assert outcomes[0].reason.startswith("could not be sent: ")
    assert ReminderLog.objects.count() == 0
    assert [o.sent for o in send_reminders(AS_OF)] == [True, True]


def test_a_digest_groups_actions_by_establishment(people, plan):
    from planwatch.web.access.models import Membership, OwnerMapping
    from planwatch.web.plans.reminders import message

    other = builders.plan("HMP Abbeytown", submitted=datetime.date(2024, 5, 22), concerns=CONCERNS)
    governor = people["governor"]
    Membership.objects.create(
        user=governor, role=Role.CONTRIBUTOR, establishment=other.establishment
    )
    OwnerMapping.objects.create(establishment=other.establishment, owner=GOVERNOR, user=governor)
    [digest] = [d for d in digests(AS_OF) if d.user == governor]
    _, body = message(digest, AS_OF, 28)
    lines = body.splitlines()
    headings = [lines[i - 1] for i, line in enumerate(lines) if line and set(line) == {"="}]
    assert headings == ["HMP Abbeytown", "HMP Testshire (Men)"]
    first, second = body.split("HMP Testshire (Men)\n")
    assert first.count("- Action 2.1,") == 1 and first.count("- Action 1.3,") == 1
    assert second.count("- Action 2.1,") == 1 and second.count("- Action 1.3,") == 1


def test_a_digest_never_cuts_a_word():
    from planwatch.web.plans.reminders import shortened

    text = "word " * 60 + "Supercalifragilisticexpialidocious" * 10
    cut = shortened(text, 200)
    assert cut == " ".join(["word"] * 40) + " …"
    assert shortened("a" * 300, 200) == "a" * 300  # one long word is kept whole
    assert shortened("  Short   text. ") == "Short text."
