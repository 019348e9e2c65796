"""Search: a small corpus of plans whose answers are known, the same on SQLite and PostgreSQL;
filters, permissions, highlighting, bad queries, the page and the command."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from planwatch.web.access.models import Role
from planwatch.web.plans import search, services
from planwatch.web.plans.models import Concern
from tests import builders

TODAY = "2024-07-01"


def _plans() -> dict:
    northmoor = builders.plan(
        "HMP Northmoor",
        inspection_start=datetime.date(2022, 3, 7),
        submitted=datetime.date(2022, 7, 1),
        stored_on=datetime.date(2022, 7, 1),
        concern_texts={
            "1": "Use of force was not always proportionate and body-worn cameras were "
            "rarely switched on.",
            "2": "Too few prisoners had access to education, skills and work.",
        },
        concerns=[
            (
                "1",
                "priority",
                [
                    (
                        "Review every use of force incident within 72 hours.",
                        "Security",
                        "June 2022",
                    ),
                    ("Make body-worn camera use mandatory.", "Governor", "September 2022"),
                ],
            ),
            ("2", "key", [("Increase education places to 300.", "Education", "December 2022")]),
        ],
    )
    eastfield = builders.plan(
        "HMP Eastfield",
        inspection_start=datetime.date(2024, 1, 8),
        submitted=datetime.date(2024, 5, 22),
        stored_on=datetime.date(2024, 5, 22),
        concern_texts={
            "1": "Self-harm was high and case management for prisoners in crisis was weak.",
            "2": "Cells were dirty and searches of cells were infrequent.",
        },
        concerns=[
            (
                "1",
                "priority",
                [
                    ("Train all officers in self-harm case management.", "Safety", "July 2024"),
                    ("Audit the quality of case reviews monthly.", "Safety", "September 2024"),
                ],
            ),
            (
                "2",
                "recommendation",
                [("Search every cell on the wing once a month.", "Security", "August 2024")],
            ),
        ],
    )
    westbank = builders.plan(
        "HMP Westbank",
        inspection_start=datetime.date(2023, 5, 1),
        submitted=datetime.date(2023, 9, 1),
        stored_on=datetime.date(2023, 9, 1),
        concern_texts={"1": "Prisoners spent too long locked in their cells."},
        concerns=[
            (
                "1",
                "key",
                [
                    (
                        "Publish a regime that unlocks every prisoner for six hours.",
                        "Governor",
                        "March 2025",
                    )
                ],
            ),
        ],
    )
    return {"northmoor": northmoor, "eastfield": eastfield, "westbank": westbank}


@pytest.fixture
def corpus(db) -> dict:
    plans = _plans()
    admin = builders.user("admin", is_superuser=True)
    inspector = builders.user("inspector", Role.INSPECTOR)
    lead = builders.user("westbank-lead", Role.LEAD, plans["westbank"].inspection.establishment)
    eastfield_viewer = builders.user(
        "eastfield-viewer", Role.VIEWER, plans["eastfield"].inspection.establishment
    )
    builders.update(
        builders.action(plans["eastfield"], "2", 1),
        admin,
        "in_progress",
        "2024-06-10",
        note="Cell searches started on two wings; dogs used to find drugs.",
    )
    builders.judgement(
        builders.concern(plans["northmoor"], "1"),
        inspector,
        "insufficient",
        "2023-06-01",
        reason="Cameras were still rarely switched on during incidents.",
    )
    with builders.on("2024-06-20"):
        draft = services.amend(plans["westbank"], lead)
    return {
        **plans,
        "draft": draft,
        "admin": admin,
        "inspector": inspector,
        "lead": lead,
        "eastfield_viewer": eastfield_viewer,
    }


def found(user, text, **filters) -> list[tuple]:
    """(establishment, concern, plan version, draft, [match labels]) for each concern found."""
    with builders.on(TODAY):
        results = search.search(user, text, search.Filters(**filters))
    return [
        (
            result.establishment,
            result.ref,
            result.plan_version,
            result.draft,
            result.text_matches,
            [hit.label for hit in result.hits],
        )
        for result in results.results
    ]


def test_words_match_every_form_of_themselves_and_group_by_concern(corpus):
    admin = corpus["inspector"]  # reads everywhere; drafts are for editors
    assert found(admin, "searching") == [
        (
            "HMP Eastfield",
            "2",
            1,
            False,
            True,
            ["Action 2.1", "Update on action 2.1, 10 June 2024"],
        ),
    ]
    assert found(admin, "camera") == [
        (
            "HMP Northmoor",
            "1",
            1,
            False,
            True,
            ["Action 1.2", "Judgement of 1 June 2023: Insufficient progress"],
        ),
    ]
    # Newest inspection first.
    assert found(admin, "prisoners") == [
        ("HMP Eastfield", "1", 1, False, True, []),
        ("HMP Westbank", "1", 1, False, True, ["Action 1.1"]),
        ("HMP Northmoor", "2", 1, False, True, []),
    ]


def test_phrases_hyphens_and_every_word(corpus):
    admin = corpus["inspector"]  # reads everywhere; drafts are for editors
    assert found(admin, '"use of force"') == [
        ("HMP Northmoor", "1", 1, False, True, ["Action 1.1"]),
    ]
    assert found(admin, '"force of use"') == []
    assert found(admin, "self-harm") == [
        ("HMP Eastfield", "1", 1, False, True, ["Action 1.1"]),
    ]
    # Every word must be in one record: the note has both, the concern only one.
    assert found(admin, "cells dogs") == [
        ("HMP Eastfield", "2", 1, False, False, ["Update on action 2.1, 10 June 2024"]),
    ]
    assert found(admin, "cells giraffes") == []
    # Case and punctuation do not matter.
    assert found(admin, "CAMERAS!") == found(admin, "camera")


def test_filters(corpus):
    admin = corpus["inspector"]  # reads everywhere; drafts are for editors
    assert found(admin, "prisoners", establishment="hmp-westbank") == [
        ("HMP Westbank", "1", 1, False, True, ["Action 1.1"]),
    ]
    assert found(admin, "prisoners", year=2022) == [("HMP Northmoor", "2", 1, False, True, [])]
    assert found(admin, "prisoners", category="priority") == [
        ("HMP Eastfield", "1", 1, False, True, []),
    ]
    # Status as it stands today: Eastfield's cell searches are in progress; none completed.
    assert found(admin, "cells", status="in_progress") == [
        (
            "HMP Eastfield",
            "2",
            1,
            False,
            True,
            ["Action 2.1", "Update on action 2.1, 10 June 2024"],
        ),
    ]
    assert found(admin, "cells", status="completed") == []
    assert [row[:2] for row in found(admin, "prisoners", status="overdue")] == [
        ("HMP Northmoor", "2")
    ]
    assert [row[:2] for row in found(admin, "prisoners", status="not_started")] == [
        ("HMP Eastfield", "1"),
        ("HMP Westbank", "1"),
    ]
    assert found(admin, "camera", rating="insufficient")[0][:2] == ("HMP Northmoor", "1")
    assert found(admin, "camera", rating="good") == []


def test_only_what_the_user_may_see(corpus, settings):
    settings.PLANWATCH_PUBLIC_READ = False
    # A viewer at one establishment finds nothing elsewhere.
    assert [row[:2] for row in found(corpus["eastfield_viewer"], "prisoners")] == [
        ("HMP Eastfield", "1")
    ]
    # The lead sees the draft of their own plan, beside the version in force.
    assert [row[:4] for row in found(corpus["lead"], "locked")] == [
        ("HMP Westbank", "1", 1, False),
        ("HMP Westbank", "1", 2, True),
    ]
    # An administrator may edit anywhere, and so sees it too; a viewer never does.
    assert [row[:4] for row in found(corpus["admin"], "locked")] == [
        ("HMP Westbank", "1", 1, False),
        ("HMP Westbank", "1", 2, True),
    ]
    assert [row[:4] for row in found(corpus["eastfield_viewer"], "locked")] == []
    assert found(AnonymousUser(), "prisoners") == []
    settings.PLANWATCH_PUBLIC_READ = True
    assert [row[:4] for row in found(AnonymousUser(), "locked")] == [
        ("HMP Westbank", "1", 1, False)
    ]


def test_a_later_version_answers_for_the_inspection(corpus):
    """Only each inspection's latest submitted version is searched; progress noted on an
    earlier version's action is found on the same action in the later one."""
    with builders.on("2024-06-25"):
        revised = services.store_plan(
            builders.reading(
                "HMP Eastfield",
                inspection_start=datetime.date(2024, 1, 8),
                submitted=datetime.date(2024, 6, 25),
                concern_texts={
                    "1": "Self-harm was high and case management for prisoners in crisis was weak.",
                    "2": "Cells were dirty and searches of cells were infrequent.",
                },
                concerns=[
                    (
                        "1",
                        "priority",
                        [
                            (
                                "Train all officers in self-harm case management.",
                                "Safety",
                                "July 2024",
                            )
                        ],
                    ),
                    (
                        "2",
                        "recommendation",
                        [
                            (
                                "Search every cell on the wing once a month.",
                                "Security",
                                "August 2024",
                            )
                        ],
                    ),
                ],
            )
        )
    assert revised.version == 2
    assert found(corpus["inspector"], "dogs") == [
        ("HMP Eastfield", "2", 2, False, False, ["Update on action 2.1, 10 June 2024"]),
    ]


def test_highlighting_marks_matching_words_and_escapes_the_rest():
    stems = search._stems(search.parse_query("searching <cells>"))
    assert str(search.highlight("Cell searches & <b>searched</b> the cells.", stems)) == (
        "<mark>Cell</mark> <mark>searches</mark> &amp; &lt;b&gt;<mark>searched</mark>"
        "&lt;/b&gt; the <mark>cells</mark>."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"use of force', "Close the quotation marks around your phrase, or remove them"),
        ("x" * 501, "Enter a search of 500 characters or fewer"),
        (
            "the and of",
            "Your search has only common words such as ‘the’ or ‘and’: add a word that says "
            "what you are looking for",
        ),
        (" ".join(f"word{n}" for n in range(21)), "Enter 20 words or phrases or fewer"),
    ],
)
def test_queries_that_cannot_be_run_say_why(text, message):
    with pytest.raises(search.QueryError) as raised:
        search.parse_query(text)
    assert str(raised.value) == message


def test_syntax_characters_are_only_punctuation():
    assert search.parse_query('NEAR(cells* OR "^dogs") -drugs {col}: AND') == (
        search.Term(("near",)),
        search.Term(("cells",)),
        search.Term(("dogs",)),
        search.Term(("drugs",)),
        search.Term(("col",)),
    )
    assert search.parse_query("  ") == ()


def test_the_index_follows_writes(corpus):
    """Text changed in a draft is found at once, and deleted text is no longer found."""
    admin, draft = corpus["admin"], corpus["draft"]
    concern = builders.concern(draft, "1")
    services.save_concern(
        draft, {"ref": "1", "category": "key", "text": "Showers were broken for weeks."}, concern
    )
    assert [row[:4] for row in found(admin, "shower")] == [("HMP Westbank", "1", 2, True)]
    assert [row[:4] for row in found(admin, "locked")] == [("HMP Westbank", "1", 1, False)]
    services.delete_concern(Concern.objects.get(pk=concern.pk))
    assert found(admin, "shower") == []


def test_paginated_by_concern(corpus):
    with builders.on(TODAY):
        first = search.search(corpus["inspector"], "prisoners", page=1, page_size=2)
        second = search.search(corpus["inspector"], "prisoners", page=2, page_size=2)
    assert first.total == second.total == 3
    assert [r.establishment for r in first.results] == ["HMP Eastfield", "HMP Westbank"]
    assert [r.establishment for r in second.results] == ["HMP Northmoor"]
    assert second.to_dict()["page"] == 2 and second.to_dict()["pages"] == 2


def test_the_search_index_exists_after_every_migration(db):
    """Another migration that rebuilds a table (SQLite) would drop its triggers silently."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fts_%'"
            )
            names = sorted(row[0] for row in cursor.fetchall())
            assert names == sorted(
                f"plans_{table}_fts_{event}"
                for table in ("concern", "action", "progressupdate", "judgement")
                for event in ("insert", "delete", "update")
            )
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_search_idx'")
            assert sorted(row[0] for row in cursor.fetchall()) == [
                "plans_action_search_idx",
                "plans_concern_search_idx",
                "plans_judgement_search_idx",
                "plans_progressupdate_search_idx",
            ]


# --- the page -----------------------------------------------------------------------------


def test_the_page_groups_results_and_marks_words(corpus, client_for):
    client = client_for(corpus["admin"])
    with builders.on(TODAY):
        response = client.get("/search/", {"q": "searching", "status": "in_progress"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 concern found" in html
    assert "<mark>searches</mark> of <mark>cells</mark>" not in html  # "cells" was not asked
    assert "Cells were dirty and <mark>searches</mark> of cells were infrequent." in html
    assert "<mark>Search</mark> every cell on the wing once a month." in html
    assert "Cell <mark>searches</mark> started on two wings" in html
    assert 'value="in_progress" selected' in html


def test_the_page_escapes_notes(corpus, client_for):
    builders.update(
        builders.action(corpus["eastfield"], "1", 1),
        corpus["admin"],
        "in_progress",
        "2024-06-11",
        note="Officers <em>trained</em> & 'tested'",
    )
    with builders.on(TODAY):
        html = client_for(corpus["admin"]).get("/search/", {"q": "officers"}).content.decode()
    assert "<mark>Officers</mark> &lt;em&gt;trained&lt;/em&gt; &amp; &#39;tested&#39;" in html
    assert "<em>trained" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": '"cells'}, "Close the quotation marks around your phrase, or remove them"),
        (
            {"q": "cells", "year": "twenty"},
            "Enter the year of the inspection as 4 numbers, like 2024",
        ),
        ({"q": "cells", "year": "1066"}, "Enter a year from 1990 to 2100"),
        ({"q": "cells", "status": "lost"}, "Choose a status from the list"),
        ({"q": "cells", "rating": "superb"}, "Choose a judgement from the list"),
        ({"q": "cells", "category": "x"}, "Choose a kind of concern from the list"),
        ({"q": "cells", "establishment": "hmp-nowhere"}, "Choose an establishment from the list"),
        ({"q": "cells", "area": "safety"}, "Choose an area from the list"),
    ],
)
def test_the_page_says_what_is_wrong(corpus, client_for, query, message):
    held = bool(search.areas())
    if query.get("area") and held:
        pytest.skip("areas are held: the area filter is tested with them")
    response = client_for(corpus["admin"]).get("/search/", query)
    assert response.status_code == 400
    html = response.content.decode()
    # The error summary and the field; areas not yet held have no field.
    assert html.count(message) == (1 if query.get("area") else 2)
    assert "<title>Error: Search – planwatch</title>" in html


def test_a_viewer_cannot_name_an_establishment_they_cannot_see(corpus, client_for):
    response = client_for(corpus["eastfield_viewer"]).get(
        "/search/", {"q": "prisoners", "establishment": "hmp-westbank"}
    )
    assert response.status_code == 400
    assert "Westbank" not in response.content.decode()


def test_the_page_before_a_search(corpus, client_for):
    response = client_for(corpus["eastfield_viewer"]).get("/search/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "at every establishment you can see (HMP Eastfield)." in html
    assert "concern found" not in html and "concerns found" not in html


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("\"*^:()+-{}[]NEARORANDNOT \\'%_.,;éß\u200b\x00ab")),
        max_size=80,
    )
    | st.text(max_size=600)
)
def test_no_query_breaks_the_page(corpus, text):
    # Django's own client: a query may hold "{%", which the page rules take for a template's.
    client = Client()
    client.force_login(corpus["admin"])
    response = client.get("/search/", {"q": text, "page": "x"})
    assert response.status_code in (200, 400)


# --- the command --------------------------------------------------------------------------


def test_the_command_prints_results_and_json(corpus):
    from planwatch.web.commands import search_command

    output = io.StringIO()
    with builders.on(TODAY):
        status = search_command(
            "camera",
            {"establishment": "HMP Northmoor"},
            None,
            True,
            1,
            Console(file=output, width=200),
        )
    assert status == 0
    data = json.loads(output.getvalue())
    assert data["total"] == 1
    result = data["results"][0]
    assert (result["establishment"], result["concern"], result["plan_version"]) == (
        "HMP Northmoor",
        "1",
        1,
    )
    assert [match["label"] for match in result["matches"]] == [
        "Action 1.2",
        "Judgement of 1 June 2023: Insufficient progress",
    ]
    assert (
        result["matches"][0]["highlighted"] == "Make body-worn <mark>camera</mark> use mandatory."
    )

    output = io.StringIO()
    with builders.on(TODAY):
        status = search_command("camera", {}, None, False, 1, Console(file=output, width=200))
    assert status == 0
    assert output.getvalue().splitlines() == [
        "1 concern found for: camera",
        "",
        "HMP Northmoor, inspection 2022, plan version 1: Priority concern 1",
        "  Use of force was not always proportionate and body-worn [cameras] were rarely "
        "switched on.",
        "  Action 1.2 (Overdue): Make body-worn [camera] use mandatory.",
        "  Judgement of 1 June 2023: Insufficient progress: [Cameras] were still rarely "
        "switched on during incidents.",
    ]


@pytest.mark.parametrize(
    ("text", "filters", "user", "message"),
    [
        (
            '"cells',
            {},
            None,
            "planwatch: Close the quotation marks around your phrase, or remove them",
        ),
        (
            "cells",
            {"establishment": "HMP Nowhere"},
            None,
            "planwatch: --establishment: no establishment is called 'HMP Nowhere'",
        ),
        ("cells", {"status": "lost"}, None, "planwatch: --status: Choose a status from the list"),
        ("cells", {}, "nobody", "planwatch: --as: no user is called 'nobody'"),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(corpus, text, filters, user, message):
    from planwatch.web.commands import search_command

    output = io.StringIO()
    assert search_command(text, filters, user, False, 1, Console(file=output, width=200)) == 2
    assert output.getvalue() == message + "\n"


def test_area_and_topic_filters(corpus):
    """Areas and topics as a person set them: the filters keep those concerns only."""
    from planwatch.web.plans.models import Concern, ConcernTopic

    admin = corpus["inspector"]
    everything = [row[:2] for row in found(admin, "prisoners")]
    assert len(everything) >= 2
    Concern.objects.update(area="respect")
    ConcernTopic.objects.all().delete()
    first_establishment, first_ref = everything[0]
    chosen = Concern.objects.filter(
        ref=first_ref, plan__inspection__establishment__name=first_establishment
    )
    chosen.update(area="safety")
    for concern in chosen:
        ConcernTopic.objects.create(concern=concern, topic="violence", source="person")
    assert [row[:2] for row in found(admin, "prisoners", area="safety")] == [everything[0]]
    assert [row[:2] for row in found(admin, "prisoners", area="respect")] == everything[1:]
    assert [row[:2] for row in found(admin, "prisoners", topic="violence")] == [everything[0]]
    assert found(admin, "prisoners", topic="drugs") == []


def test_matching_within_records_finds_only_those_listed(db):
    """A page's notes are matched among its own: a matching note numbered between two
    listed ones, but not listed, is not found (SQLite reads the range between them)."""
    plan = builders.plan()
    author = builders.user("searcher", Role.ADMINISTRATOR)
    action = builders.action(plan, "1", 1)
    notes = [
        builders.update(action, author, "in_progress", f"2024-07-0{day}", note=text)
        for day, text in enumerate(
            ["Cell bells answered", "Cell bells audited", "Landing rota", "Cell bells fixed"],
            start=1,
        )
    ]
    terms = search.parse_query("cell bells")
    listed = [notes[0].pk, notes[2].pk, notes[3].pk]
    found = set(search.matching("update", terms, listed).values_list("pk", flat=True))
    assert found == {notes[0].pk, notes[3].pk}
    assert list(search.matching("update", terms, [])) == []


def test_a_concern_shows_its_latest_matching_notes_and_counts_the_rest_per_action(db):
    """A common word may match every note: each concern found shows its three latest that
    match, and counts the others on each action, linking to the action's page."""
    from planwatch.web.commands import search_command

    plan = builders.plan()
    author = builders.user("searcher", Role.ADMINISTRATOR)
    first, second = builders.action(plan, "1", 1), builders.action(plan, "1", 2)
    for day in range(1, 6):
        builders.update(first, author, "in_progress", f"2024-07-0{day}", note=f"Meeting {day}")
    builders.update(second, author, "in_progress", "2024-07-06", note="Meeting on the wing")
    builders.update(second, author, "in_progress", "2024-07-07", note="Nothing to say")
    with builders.on("2024-07-08"):
        results = search.search(AnonymousUser(), "meeting")
        admin_results = search.search(author, "meeting")
    assert results.total == 0  # the public reads nothing here
    (result,) = [item for item in admin_results.results if item.ref == "1"]
    assert [hit.text for hit in result.hits] == ["Meeting 4", "Meeting 5", "Meeting on the wing"]
    assert [(more.label, more.count, more.url) for more in result.more_notes] == [
        ("action 1.1", 3, first.get_absolute_url())
    ]
    assert result.to_dict()["more_notes"] == [
        {"action": "action 1.1", "url": first.get_absolute_url(), "notes": 3}
    ]
    client = Client()
    client.force_login(author)
    with builders.on("2024-07-08"):
        page = client.get("/search/", {"q": "meeting"}).content.decode()
    assert (
        f'3 more progress notes match: <a class="govuk-link" href="{first.get_absolute_url()}">'
        "action 1.1</a> (3)"
    ) in page
    output = io.StringIO()
    with builders.on("2024-07-08"):
        search_command("meeting", {}, "searcher", False, 1, Console(file=output, width=200))
    assert "  3 more progress notes match: action 1.1 (3)" in output.getvalue().splitlines()
