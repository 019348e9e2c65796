"""Reminder digests: who gets what, one a day, dry runs send nothing, and GOV.UK Notify."""

from __future__ import annotations

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.test import override_settings

from planwatch.cli import main
from planwatch.web.plans.models import Action, ReminderLog
from planwatch.web.plans.reminders import send_reminders

AS_OF = datetime.date(2024, 6, 10)  # June 2024 targets fall due within 28 days; none overdue


@pytest.fixture
def people(users, make_user, seed_plan):
    """The contributor acts for NHFT; a second person acts for the Director; one has no email."""
    director_lead = make_user("governor", None, seed_plan.establishment, acts_for=["Director"])
    nobody = make_user("no-email", None, seed_plan.establishment, acts_for=["SMG"])
    nobody.email = ""
    nobody.save()
    return {"nhft": users["contributor"], "director": director_lead}


def test_each_person_gets_one_digest_of_their_actions(people):
    outcomes = send_reminders(AS_OF)
    assert [(o.digest.user.username, o.sent) for o in outcomes] == [
        ("contributor", True),
        ("governor", True),
    ]
    assert len(mail.outbox) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    nhft = by_address["contributor@example.invalid"]
    # NHFT's open actions due by 8 July 2024: 4.3 and 8.1 and 8.3 (June 2024).
    assert nhft.subject == "planwatch: 3 actions need your attention"
    assert nhft.body.splitlines()[0] == "Actions you act for, as of 10 June 2024."
    assert "Due in the next 28 days (3):" in nhft.body
    assert "concern 4 action 3 (due 30 June 2024, owner NHFT)" in nhft.body
    assert "Overdue" not in nhft.body
    director = by_address["governor@example.invalid"]
    assert director.subject == "planwatch: 16 actions need your attention"
    assert ReminderLog.objects.count() == 2


def test_overdue_actions_are_included_and_the_window_is_configurable(people):
    send_reminders(datetime.date(2024, 7, 2), window_days=10)
    nhft = next(m for m in mail.outbox if m.to == ["contributor@example.invalid"])
    assert "Overdue (3):" in nhft.body
    assert "Due in the next 10 days" not in nhft.body


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


def test_completed_and_far_off_actions_are_not_reminded(people, seed_plan):
    Action.objects.filter(owner_normalised="NHFT").update(status="completed")
    outcomes = send_reminders(AS_OF)
    assert [o.digest.user.username for o in outcomes] == ["governor"]


def test_cli_remind(people, capsys):
    assert main(["remind", "--dry-run", "--as-of", "2024-06-10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "not sent to contributor@example.invalid (dry run): 0 overdue, 3 due within 28 days",
        "not sent to governor@example.invalid (dry run): 0 overdue, 16 due within 28 days",
        "no-email acts for owners but has no email address",
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
    assert first["body"]["email_address"] == "contributor@example.invalid"
    assert first["body"]["template_id"] == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert first["body"]["personalisation"]["subject"] == "planwatch: 3 actions need your attention"


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
