"""Hostile files uploaded on the import page: the reader's one line as a form error, never a
500, and nothing stored."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from planwatch.readers import guard
from planwatch.web.plans.models import Action, Plan
from tests.conftest import FIXTURES
from tests.readers.test_hostile_files import REFUSED
from tests.web.test_pages import text_of

BAD = FIXTURES / "bad"


def upload(client, name: str, data: bytes):
    return client.post("/import/", {"file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_upload_is_a_form_error(users, client_for, name):
    client = client_for(users["administrator"])
    before = (Plan.objects.count(), Action.objects.count())
    response = upload(client, name, (BAD / name).read_bytes())
    assert response.status_code == 400
    assert f"{name} {REFUSED[name]}" in html.unescape(text_of(response))
    assert 'href="#id_file"' in response.content.decode()
    assert (Plan.objects.count(), Action.objects.count()) == before


def test_upload_over_the_time_budget_is_a_form_error(users, client_for, monkeypatch):
    monkeypatch.setattr(guard, "LIMITS", replace(guard.LIMITS, seconds=0.000001))
    client = client_for(users["administrator"])
    before = Plan.objects.count()
    data = (FIXTURES / "documents" / "hmp-longshire-2024.docx").read_bytes()
    response = upload(client, "slow.docx", data)
    assert response.status_code == 400
    assert (
        "slow.docx took longer than 1e-06 seconds to read, far longer than any plan: check it "
        "is the right file, or open it and save it again"
    ) in text_of(response)
    assert Plan.objects.count() == before
