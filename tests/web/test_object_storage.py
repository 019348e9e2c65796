"""Files in an S3-compatible object store (issue 13.3), against a real S3 server on loopback
(moto's server mode, started here): evidence and imported plans are written there, served
through the service's checks, verified and backed up from there."""

from __future__ import annotations

import socket

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web import backups
from planwatch.web.access.models import Role
from planwatch.web.plans import integrity
from planwatch.web.plans.models import Evidence
from planwatch.web.plans.services import import_plan_bytes
from tests import builders

moto_server = pytest.importorskip("moto.server")
pytestmark = pytest.mark.django_db

BUCKET = "planwatch-files"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
KEYS = {"access_key": "planwatch-test", "secret_key": "planwatch-test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-west-2",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-2",
                **KEYS,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _object(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_evidence_is_written_to_the_object_store_and_served_from_it(bucket, client):
    plan = builders.plan()
    lead = builders.user("lead", Role.LEAD, plan.establishment)
    action = builders.action(plan, "1", 1)
    builders.update(
        action,
        lead,
        "in_progress",
        "2024-07-01",
        note="Audit attached",
        files=[SimpleUploadedFile("audit.pdf", PDF, content_type="application/pdf")],
    )
    evidence = Evidence.objects.get()
    assert _object(bucket, evidence.file.name) == PDF
    client.force_login(lead)
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert list(integrity.problems()) == []
    # Changed in the store behind the service's back: found, and not served.
    bucket.put_object(Bucket=BUCKET, Key=evidence.file.name, Body=b"tampered")
    assert [str(problem) for problem in integrity.problems()] == [
        f"evidence file {evidence.pk} (audit.pdf): is missing or was changed"
    ]
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404


def test_an_imported_plan_file_is_kept_in_the_object_store(bucket, client):
    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    assert _object(bucket, plan.source_file.name) == SAMPLE_PLAN.read_bytes()
    client.force_login(builders.user("viewer", Role.VIEWER, plan.establishment))
    response = client.get(f"/plans/{plan.pk}/source/")
    assert b"".join(response.streaming_content) == SAMPLE_PLAN.read_bytes()


@pytest.mark.django_db(transaction=True)  # a backup copies committed data, as in use
def test_the_health_check_and_backups_use_the_object_store(bucket, client, tmp_path):
    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "storage": "ok"}
    outcome = backups.backup(tmp_path / "backup")
    assert (outcome.files, outcome.problems) == (1, [])
    copy = tmp_path / "backup" / "files" / plan.source_file.name
    assert copy.read_bytes() == SAMPLE_PLAN.read_bytes()
    # The probe file the health check writes is removed again.
    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [plan.source_file.name]


def test_the_health_check_fails_when_the_bucket_is_gone(bucket, client):
    bucket.delete_bucket(Bucket=BUCKET)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "ok", "storage": "failing"}
    bucket.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
