"""Every fixture plan, in every format it is published in, reads to its JSON exactly."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from planwatch.model import CONTRACT_KEYS
from planwatch.pipeline import read_plan, read_plan_bytes
from planwatch.readers import detect_format
from tests.conftest import FIXTURES

PLANS = sorted((FIXTURES / "plans").glob("*.json"))
DOCUMENTS = FIXTURES / "documents"
# PDFs of each plan from several producers: NAME.pdf (LibreOffice, untagged) and
# NAME.PRODUCER.pdf (see tests/fixtures/make_fixtures.py).
PRODUCERS = (
    "lo",
    "lo-tagged",
    "weasyprint",
    "chromium",
    "chromium-untagged",
    "chromium-tight",
    "lo-borderless",
    "chromium-borderless",
)
TAGGED = {"lo-tagged", "weasyprint", "chromium"}
# Untagged, and their tables drawn without borders.
BORDERLESS = {"lo-borderless", "chromium-borderless"}


def pdf_path(plan: Path, producer: str) -> Path:
    return DOCUMENTS / (f"{plan.stem}.pdf" if producer == "lo" else f"{plan.stem}.{producer}.pdf")


CASES = [
    (plan, path)
    for plan in PLANS
    for path in [
        DOCUMENTS / f"{plan.stem}.docx",
        DOCUMENTS / f"{plan.stem}.odt",
        *(pdf_path(plan, producer) for producer in PRODUCERS),
    ]
]


def expected(plan: Path) -> dict:
    data = json.loads(plan.read_text("utf-8"))
    return {key: data[key] for key in CONTRACT_KEYS}


def test_there_are_the_seed_and_at_least_five_more_plans():
    assert len(PLANS) >= 6
    assert (FIXTURES / "plans" / "hmp-peterborough-2024.json").exists()


def test_every_plan_has_a_pdf_from_every_producer():
    assert [
        path for plan in PLANS for p in PRODUCERS if not (path := pdf_path(plan, p)).exists()
    ] == []


@pytest.mark.parametrize(
    ("plan", "path"), [pytest.param(plan, path, id=path.name) for plan, path in CASES]
)
def test_fixture_reads_exactly(plan, path, plan_schema):
    reading = read_plan(path).to_dict()
    assert {key: reading[key] for key in CONTRACT_KEYS} == expected(plan)
    jsonschema.validate(reading, plan_schema)


@pytest.mark.parametrize("producer", PRODUCERS)
def test_pdf_warnings_say_how_the_file_was_read(producer):
    warnings = read_plan(pdf_path(PLANS[0], producer)).warnings
    if producer in TAGGED:
        assert warnings[0] == (
            "PDF read from its tags: cells and paragraphs as the document marks them"
        )
    elif producer in BORDERLESS:
        assert warnings[0] == (
            "PDF read from its layout (it has no tags): its table has no drawn borders, so "
            "columns were placed by the header row's titles and rows by where their text "
            "starts: check the cells were read as printed"
        )
    else:
        assert warnings[0] == (
            "PDF read from its layout (it has no tags): cells from the drawn borders, "
            "paragraphs from the spacing and length of lines"
        )


def test_seed_plan_in_every_format_matches_the_shared_fixture(seed_expected):
    paths = [DOCUMENTS / "hmp-peterborough-2024.docx", DOCUMENTS / "hmp-peterborough-2024.odt"]
    paths += [pdf_path(FIXTURES / "plans" / "hmp-peterborough-2024.json", p) for p in PRODUCERS]
    for path in paths:
        reading = read_plan(path).to_dict()
        assert reading["concerns"] == seed_expected["concerns"], path.name
        # PDFs say first whether they were read from tags or layout.
        warnings = reading["warnings"][1:] if path.suffix == ".pdf" else reading["warnings"]
        assert warnings == [
            "concern 8: 4 actions but 3 owners; read 'Northampton Healthcare Foundation Trust "
            "NHFT' as two owners, 'Northampton Healthcare Foundation Trust' and 'NHFT'"
        ], path.name


@pytest.mark.parametrize("fmt", ["docx", "pdf", "odt"])
def test_format_is_recognised_by_content_not_by_name(tmp_path, fmt):
    source = DOCUMENTS / f"hmp-oldbury-2019.{fmt}"
    disguised = tmp_path / "plan.txt"
    disguised.write_bytes(source.read_bytes())
    assert detect_format(disguised.read_bytes(), "plan.txt") == fmt
    assert (
        read_plan(disguised).to_dict()["concerns"]
        == expected(FIXTURES / "plans" / "hmp-oldbury-2019.json")["concerns"]
    )


def test_older_layout_reads_recommendations_with_agreement():
    plan = read_plan(DOCUMENTS / "hmp-oldbury-2019.pdf")
    assert [(c.ref, c.category, c.agreement) for c in plan.concerns] == [
        ("S40", "recommendation", "agreed"),
        ("S41", "recommendation", "agreed"),
        ("1.23", "recommendation", "partly agreed"),
        ("12", "recommendation", "not agreed"),
        ("2.7", "recommendation", "agreed"),
    ]


@pytest.mark.parametrize("producer", PRODUCERS)
def test_long_actions_split_across_pdf_pages_are_joined(producer):
    plan = read_plan(pdf_path(FIXTURES / "plans" / "hmp-longshire-2024.json", producer))
    concern = plan.concerns[1]
    assert [action.owner for action in concern.actions] == [
        "Head of Safer Custody",
        "Practice Plus Group",
        "Governor",
    ]
    assert concern.actions[0].text.endswith("provided to the senior leadership team.")


@pytest.mark.parametrize("producer", ["lo", "lo-tagged", "weasyprint", "lo-borderless"])
def test_pdf_page_furniture_is_dropped(producer):
    path = pdf_path(FIXTURES / "plans" / "hmp-peterborough-2024.json", producer)
    data = path.read_bytes()
    texts = [action.text for action in read_plan_bytes(data, "x.pdf").actions]
    assert not any("OFFICIAL" in text or "Page" in text.split() for text in texts)


@pytest.mark.parametrize(
    "fmt", ["docx", "pdf", "odt", "lo-borderless.pdf", "chromium-borderless.pdf"]
)
def test_several_tables_with_section_headings_between_them(fmt):
    plan = read_plan(DOCUMENTS / f"hmp-riverside-2025.{fmt}")
    assert [(c.ref, c.category, len(c.actions)) for c in plan.concerns] == [
        ("1", "priority", 2),
        ("2", "priority", 1),
        ("3", "key", 2),
    ]
    # The key dates come from a table of their own above the plan.
    assert (plan.plan_submitted, plan.report_published) == ("2025-03-11", "2025-01-28")


AREA_PLANS = ("hmp-ashgrove-2018", "hmp-fenwick-2016")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, id=path.name)
        for name in AREA_PLANS
        for path in [
            DOCUMENTS / f"{name}.docx",
            DOCUMENTS / f"{name}.odt",
            *(pdf_path(FIXTURES / "plans" / f"{name}.json", p) for p in PRODUCERS),
        ]
    ],
)
def test_healthy_prison_section_rows_read_as_areas_in_every_format(path):
    plan = read_plan(path)
    stem = path.name.split(".")[0]
    printed = {
        "hmp-ashgrove-2018": [None, None, "safety", "safety", "respect", "purposeful_activity"]
        + ["rehabilitation_release"] * 2,
        "hmp-fenwick-2016": ["safety", "safety", "respect", "respect", "purposeful_activity"]
        + ["rehabilitation_release"] * 2,
    }[stem]
    assert [concern.area for concern in plan.concerns] == printed
    # The section rows are headings, never the end of the previous recommendation's text.
    assert not any(
        concern.text.endswith(("Safety", "Respect", "activity", "planning"))
        for concern in plan.concerns
    )
