"""Zip archives of plan files: told apart from DOCX and ODT, vetted, read one file at a time."""

from __future__ import annotations

import io
import zipfile

import pytest

from planwatch.errors import PlanReadError
from planwatch.pipeline import SAMPLE_PLAN
from planwatch.readers import plan_archive
from tests.conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"


def zipped(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hmp-oldbury-2019.docx", False),
        ("hmp-oldbury-2019.odt", False),
        ("hmp-oldbury-2019.pdf", False),
    ],
)
def test_documents_are_not_archives_of_plans(name, expected):
    handle = io.BytesIO((DOCUMENTS / name).read_bytes())
    assert plan_archive.is_plan_archive(handle) is expected
    assert handle.tell() == 0


def test_a_zip_of_plans_is_an_archive_and_a_damaged_zip_is_left_to_the_readers():
    archive = zipped({"a.txt": SAMPLE_PLAN.read_bytes()})
    assert plan_archive.is_plan_archive(archive) is True
    assert plan_archive.is_plan_archive(io.BytesIO(archive.getvalue()[:-30])) is False
    assert plan_archive.is_plan_archive(io.BytesIO(b"plain text")) is False


def test_members_leave_out_folders_and_what_operating_systems_add():
    archive = zipped(
        {
            "plans/": b"",
            "plans/b.pdf": b"%PDF-1.4",
            "plans/a.txt": b"text",
            "__MACOSX/plans/._a.txt": b"fork",
            "plans/.DS_Store": b"finder",
        }
    )
    assert plan_archive.plan_members(archive, "estate.zip") == ["plans/b.pdf", "plans/a.txt"]


def test_an_archive_with_no_files_or_too_many_is_refused_in_one_line(monkeypatch):
    with pytest.raises(PlanReadError) as empty:
        plan_archive.plan_members(zipped({"plans/": b""}), "empty.zip")
    assert (
        str(empty.value) == "empty.zip holds no files: put the plan files in it and upload it again"
    )
    monkeypatch.setattr(plan_archive, "MAX_MEMBERS", 2)
    with pytest.raises(PlanReadError) as many:
        plan_archive.plan_members(zipped({f"{n}.txt": b"x" for n in range(3)}), "big.zip")
    assert str(many.value) == (
        "big.zip holds 3 files, more than the 2 one import takes: split it into smaller archives"
    )
    with pytest.raises(PlanReadError) as damaged:
        plan_archive.plan_members(io.BytesIO(b"PK\x03\x04 and nothing more"), "cut.zip")
    assert str(damaged.value) == (
        "cut.zip is a damaged or truncated zip archive: make it again and upload it again"
    )


def test_each_member_is_read_within_the_limits_of_one_plan(monkeypatch):
    sample = SAMPLE_PLAN.read_bytes()
    archive = zipfile.ZipFile(
        zipped({"a.txt": sample, "empty.txt": b"", "bomb.txt": b"0" * 1_000_000})
    )
    assert plan_archive.read_plan_member(archive, "estate.zip", "a.txt") == sample
    with pytest.raises(PlanReadError) as empty:
        plan_archive.read_plan_member(archive, "estate.zip", "empty.txt")
    assert str(empty.value) == "empty.txt is empty: give a file that holds an action plan"
    with pytest.raises(PlanReadError) as bomb:
        plan_archive.read_plan_member(archive, "estate.zip", "bomb.txt")
    assert str(bomb.value) == (
        "bomb.txt unpacks to over 100 times its packed size in estate.zip, as only a zip bomb "
        "does: it was not opened"
    )
    monkeypatch.setattr(plan_archive, "MAX_FILE_BYTES", 1000)
    with pytest.raises(PlanReadError) as large:
        plan_archive.read_plan_member(archive, "estate.zip", "a.txt")
    assert str(large.value).startswith("a.txt is ")
    assert str(large.value).endswith(
        "MB, over the 0.0 MB limit for one plan: check it is the right file"
    )


def test_an_encrypted_or_oddly_packed_member_is_refused():
    data = bytearray(zipped({"secret.txt": b"plan text"}, zipfile.ZIP_STORED).getvalue())
    # Set the "encrypted" flag in the central directory's entry (as a password tool would).
    central = data.rindex(b"PK\x01\x02")
    data[central + 8] |= 0x1
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    with pytest.raises(PlanReadError) as encrypted:
        plan_archive.read_plan_member(archive, "locked.zip", "secret.txt")
    assert str(encrypted.value) == (
        "secret.txt is encrypted in locked.zip: make the archive without a password"
    )
    bzipped = zipfile.ZipFile(zipped({"b.txt": b"plan text"}, zipfile.ZIP_BZIP2))
    with pytest.raises(PlanReadError) as odd:
        plan_archive.read_plan_member(bzipped, "odd.zip", "b.txt")
    assert str(odd.value) == (
        "b.txt is packed in odd.zip in a way planwatch does not unpack (zip method 12): make "
        "the archive with ordinary (deflate) compression"
    )
