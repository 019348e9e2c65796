"""The shared table logic, one small hand-written case per quirk of real plans."""

from __future__ import annotations

import pytest

from planwatch.errors import PlanReadError
from planwatch.pipeline import read_plan
from planwatch.tables import column_role, read_section, split_run_together_owner
from tests.conftest import plan_text


def read(write_plan, *rows: str, **kwargs):
    return read_plan(write_plan(plan_text(*rows, **kwargs)))


def summary(plan):
    return [
        (concern.ref, concern.category, [(a.text, a.owner, a.target) for a in concern.actions])
        for concern in plan.concerns
    ]


def test_stacked_paragraphs_align_actions_owners_and_dates(write_plan):
    plan = read(
        write_plan,
        "\tPriority concerns\t\t\t",
        "1\tToo few staff.\t<p>Recruit.</p> <p>Train.</p>\t<p>Director</p> <p>Head of HR</p>"
        "\t<p>July 2024</p> <p>Completed</p>",
    )
    assert summary(plan) == [
        (
            "1",
            "priority",
            [("Recruit.", "Director", "2024-07"), ("Train.", "Head of HR", "completed")],
        )
    ]
    assert plan.warnings == []


def test_continuation_rows_with_empty_first_cells_add_actions(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "7\tViolence.\tFirst.\tDirector\tJuly 2024",
        "\t\tSecond.\tHead of Safety\tJune 2024",
        "8\tHealth.\tThird.\tNHFT\tCompleted",
    )
    assert summary(plan) == [
        ("7", "key", [("First.", "Director", "2024-07"), ("Second.", "Head of Safety", "2024-06")]),
        ("8", "key", [("Third.", "NHFT", "completed")]),
    ]


def test_page_break_fragment_without_owner_or_date_joins_the_action_it_continues(write_plan):
    plan = read(
        write_plan,
        "\tPriority concerns\t\t\t",
        "2\tDrugs.\t<p>Done.</p> <p>A visit will support the prison to</p>\t<p>Director</p> "
        "<p>SMG</p>\t<p>June 2024</p> <p>July 2024</p>",
        "",
        "",
        "\t\tstrengthen its strategy.\t\t",
    )
    assert summary(plan) == [
        (
            "2",
            "priority",
            [
                ("Done.", "Director", "2024-06"),
                ("A visit will support the prison to strengthen its strategy.", "SMG", "2024-07"),
            ],
        )
    ]


def test_row_after_page_break_with_more_actions_than_dates_starts_with_a_fragment(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "7\tViolence.\t<p>One.</p> <p>A meeting will review violence.</p>\t<p>Director</p> "
        "<p>Director</p>\t<p>Completed</p> <p>June 2024</p>",
        "",
        "",
        "\t\t<p>Following it, incidents will be investigated.</p> <p>Three.</p> <p>Four.</p>"
        "\t<p>Director</p> <p>Director</p>\t<p>July 2024</p> <p>June 2024</p>",
    )
    assert summary(plan)[0][2] == [
        ("One.", "Director", "completed"),
        (
            "A meeting will review violence. Following it, incidents will be investigated.",
            "Director",
            "2024-06",
        ),
        ("Three.", "Director", "2024-07"),
        ("Four.", "Director", "2024-06"),
    ]


def test_row_without_owner_or_date_and_no_page_break_is_its_own_action(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "7\tViolence.\tFirst.\tDirector\tJuly 2024",
        "\t\tSecond, with no owner.\t\t",
    )
    assert summary(plan)[0][2] == [
        ("First.", "Director", "2024-07"),
        ("Second, with no owner.", "", None),
    ]
    assert plan.warnings == [
        "concern 7 action 2: no responsible owner",
        "concern 7 action 2: no target date",
    ]


def test_owner_column_one_short_splits_a_name_run_together_with_its_initials(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "8\tHealth.\t<p>A.</p> <p>B.</p> <p>C.</p>\t<p>Northampton Healthcare Foundation Trust "
        "NHFT</p> <p>NHFT</p>\t<p>June 2024</p> <p>July 2024</p> <p>Completed</p>",
    )
    assert [a.owner for a in plan.actions] == [
        "Northampton Healthcare Foundation Trust",
        "NHFT",
        "NHFT",
    ]
    assert plan.warnings == [
        "concern 8: 3 actions but 2 owners; read 'Northampton Healthcare Foundation Trust NHFT' "
        "as two owners, 'Northampton Healthcare Foundation Trust' and 'NHFT'"
    ]


def test_owner_column_one_short_without_a_split_leaves_the_last_owner_empty(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "8\tHealth.\t<p>A.</p> <p>B.</p> <p>C.</p>\t<p>Director</p> <p>Head of Health</p>"
        "\t<p>June 2024</p> <p>July 2024</p> <p>Completed</p>",
    )
    assert [a.owner for a in plan.actions] == ["Director", "Head of Health", ""]
    assert plan.warnings == [
        "concern 8: 3 actions but 2 owners; action 3 has none",
        "concern 8 action 3: no responsible owner",
    ]


def test_bracketed_acronym_is_one_owner():
    assert split_run_together_owner("Northamptonshire Healthcare Foundation Trust (NHFT)") is None
    assert split_run_together_owner("Head of Security") is None
    assert split_run_together_owner("Substance Misuse Group SMG") == (
        "Substance Misuse Group",
        "SMG",
    )


def test_one_owner_and_one_date_for_several_actions_apply_to_each_with_warnings(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "9\tTeaching.\t<p>A.</p> <p>B.</p>\tHead of Education\tJuly 2024",
    )
    assert [(a.owner, a.target) for a in plan.actions] == [
        ("Head of Education", "2024-07"),
        ("Head of Education", "2024-07"),
    ]
    assert plan.warnings == [
        "concern 9: one of the owners ('Head of Education') applies to all 2 actions",
        "concern 9: one of the target dates ('July 2024') applies to all 2 actions",
    ]


def test_several_owners_for_one_action_are_joined(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "9\tTeaching.\tA.\t<p>SMG</p> <p>Deputy Director</p>\tJuly 2024",
    )
    assert plan.actions[0].owner == "SMG; Deputy Director"
    assert plan.warnings == [
        "concern 9: 1 action but 2 owners; the extra ones were joined to the last action's"
    ]


@pytest.mark.parametrize("title", ["PRIORITY CONCERNS", "priority concern", "Priority Concerns:"])
def test_section_rows_in_any_case(write_plan, title):
    plan = read(
        write_plan,
        f"\t{title}\t\t\t",
        "1\tA.\tB.\tC\tJuly 2024",
        "KEY CONCERNS\t\t\t\t",
        "2\tD.\tE.\tF\tJuly 2024",
    )
    assert [(c.ref, c.category) for c in plan.concerns] == [("1", "priority"), ("2", "key")]


def test_unreadable_target_is_null_with_text_kept_and_a_warning(write_plan):
    plan = read(write_plan, "\tKey concerns\t\t\t", "3\tA.\tB.\tC\tQ3 2024")
    action = plan.actions[0]
    assert (action.target_text, action.target) == ("Q3 2024", None)
    assert plan.warnings == ["concern 3 action 1: target date 'Q3 2024' not understood"]


def test_junk_rows_and_repeated_header_rows_are_dropped(write_plan):
    header = (
        "1. Concern No\t2. Concerns\t3. Response Action Taken/Planned\t"
        "4. Responsible Owner\t5. Target Date"
    )
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "1\tA.\tB.\tC\tJuly 2024",
        "",
        header,
        "2\tD.\tE.\tF\tJuly 2024",
        "--\t--\t--\t---\t--",
    )
    assert [(c.ref, len(c.actions)) for c in plan.concerns] == [("1", 1), ("2", 1)]
    assert plan.warnings == []


def test_concern_text_carried_over_a_page_break_is_joined(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "1\tThe regime was\tB.\tC\tJuly 2024",
        "",
        "\ttoo often curtailed.\tD.\tE\tJune 2024",
    )
    assert plan.concerns[0].text == "The regime was too often curtailed."
    assert [a.text for a in plan.actions] == ["B.", "D."]


def test_columns_found_by_title_in_any_order(write_plan):
    plan = read(
        write_plan,
        "\t\t\tKey concerns\t",
        "July 2024\tDirector\tDo it.\tA concern.\t4",
        table_header="Target Date\tResponsible Owner\tResponse Action\tConcern\tConcern No",
    )
    assert summary(plan) == [("4", "key", [("Do it.", "Director", "2024-07")])]


def test_older_layout_with_an_agreement_column(write_plan):
    plan = read(
        write_plan,
        "S40\tCells should be clean.\tPartly Agreed\tCleaning will be checked weekly.\t"
        "Head of Residence\t31/07/2019",
        "1.23\tStaff should be trained.\tAGREED\tTraining.\tHead of L&D\tCompleted",
        "12\tRemove the fence.\tnot agreed\tNo action.\tGovernor\tN/A",
        table_header="Rec No\tRecommendation\tAgreed/Partly Agreed/Not Agreed\tResponse\t"
        "Function Responsible\tTarget Date",
    )
    assert [(c.ref, c.category, c.agreement) for c in plan.concerns] == [
        ("S40", "recommendation", "partly agreed"),
        ("1.23", "recommendation", "agreed"),
        ("12", "recommendation", "not agreed"),
    ]
    assert plan.actions[0].target == "2019-07-31"
    assert plan.warnings == ["concern 12 action 1: target date 'N/A' not understood"]


def test_no_section_rows_read_as_key_concerns_with_a_warning(write_plan):
    plan = read(write_plan, "1\tA.\tB.\tC\tJuly 2024")
    assert plan.concerns[0].category == "key"
    assert plan.warnings == [
        "no 'Priority concerns' or 'Key concerns' section row; concerns read as key concerns"
    ]


def test_a_table_whose_header_is_not_an_action_plans_names_the_columns_found(write_plan):
    path = write_plan(plan_text("1\t2\t3", table_header="Name\tAddress\tPhone"))
    with pytest.raises(PlanReadError) as caught:
        read_plan(path)
    assert str(caught.value) == (
        f"{path}: the table's header row is not an action plan's (found columns 'Name', "
        "'Address', 'Phone'); expected Concern No, Concerns, Response Action Taken/Planned, "
        "Responsible Owner, Target Date"
    )


def test_text_without_a_table_says_so(write_plan):
    path = write_plan("Action Plan: HMP X\n\nJust some prose about the prison.\n")
    with pytest.raises(PlanReadError) as caught:
        read_plan(path)
    assert str(caught.value) == (
        f"{path} has no action plan table: expected a table with the columns Concern No, "
        "Concerns, Response Action Taken/Planned, Responsible Owner, Target Date"
    )


def test_a_plan_with_no_establishment_is_refused(write_plan):
    path = write_plan(plan_text("1\tA.\tB.\tC\tJuly 2024", header="Introduction\n\n"))
    with pytest.raises(PlanReadError, match="does not name the establishment"):
        read_plan(path)


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("1. Concern No", "ref"),
        ("2. Concerns", "concern"),
        ("3. Response Action Taken/Planned", "action"),
        ("4. Responsible Owner", "owner"),
        ("5. Target Date", "target"),
        ("Rec No", "ref"),
        ("Recommendation", "concern"),
        ("Function Responsible", "owner"),
        ("Response", "action"),
        ("Agreed/Partly Agreed/Not Agreed", "agreement"),
        ("Accepted / Rejected", "agreement"),
        ("Notes", None),
        ("1. Concer nNo", "ref"),  # "Concer" / "n No" as OCR reads a title broken at its edge
        ("Casino", None),
    ],
)
def test_column_roles(title, role):
    assert column_role(title) == role


def test_page_break_in_a_stacked_row_counts_both_parts_target_dates(write_plan):
    # Four complete actions, three owners (one run together with its initials), four dates:
    # the page break cuts no action, so none is joined to the next.
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "8\tHealthcare.\t<p>Audit done.</p>\t<p>Northampton Healthcare Foundation Trust NHFT</p>"
        "\t<p>June 2024</p>",
        "",
        "",
        "\t\t<p>Training held.</p> <p>Staffing reviewed.</p> <p>Complaints collected.</p>"
        "\t<p>NHFT</p> <p>NHFT</p>\t<p>Completed</p> <p>Completed</p> <p>Completed</p>",
    )
    assert [(a.text, a.owner) for a in plan.concerns[0].actions] == [
        ("Audit done.", "Northampton Healthcare Foundation Trust"),
        ("Training held.", "NHFT"),
        ("Staffing reviewed.", "NHFT"),
        ("Complaints collected.", "NHFT"),
    ]


def test_an_owner_and_a_date_cut_by_a_page_break_are_joined(write_plan):
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "8\tHealthcare.\t<p>Audit done.</p> <p>Training</p>"
        "\t<p>Northampton Healthcare Foundation</p>\t<p>June 2024</p> <p>End of</p>",
        "",
        "",
        "\t\t<p>held.</p> <p>Staffing reviewed.</p>\t<p>Trust NHFT</p> <p>NHFT</p>"
        "\t<p>March 2025</p> <p>Completed</p>",
    )
    assert [(a.text, a.owner, a.target_text) for a in plan.concerns[0].actions] == [
        ("Audit done.", "Northampton Healthcare Foundation Trust", "June 2024"),
        ("Training held.", "NHFT", "End of March 2025"),
        ("Staffing reviewed.", "NHFT", "Completed"),
    ]


def test_a_header_row_repeated_with_its_titles_read_differently_is_dropped(write_plan):
    # OCR reads the same header a little differently on each page ("Concer nNo", "Concer n
    # No"): a row with the same columns is the header again, not a concern.
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "1\tA.\tB.\tC\tJuly 2024",
        "1. Concer n No\t2. Concern\t3. Response\t4. Owner\t5. Target",
        "2\tD.\tE.\tF\tJuly 2024",
    )
    assert [(c.ref, len(c.actions)) for c in plan.concerns] == [("1", 1), ("2", 1)]


def test_a_header_row_with_its_columns_placed_differently_places_the_rows_below(write_plan):
    # A scan's rules found a spurious column on the first page, or a second table of
    # another layout: the rows under the second header row follow its columns.
    plan = read(
        write_plan,
        "\tKey concerns\t\t\t",
        "1\tA.\tB.\tC\tJuly 2024",
        "Concern No\tConcern\tResponse\tTarget date\tOwner",
        "2\tD.\tE.\tJune 2025\tF",
    )
    assert summary(plan) == [
        ("1", "key", [("B.", "C", "2024-07")]),
        ("2", "key", [("E.", "F", "2025-06")]),
    ]


def test_a_concern_number_whose_s_ocr_read_as_a_dollar_sign_is_read_as_printed(write_plan):
    plan = read(write_plan, "\tKey concerns\t\t\t", "$12\tA.\tB.\tC\tJuly 2024")
    assert [concern.ref for concern in plan.concerns] == ["S12"]


REC_HEADER = (
    "Rec No\tRecommendation\tAgreed/Partly Agreed/Not Agreed\tResponse\t"
    "Function Responsible\tTarget Date"
)


def test_healthy_prison_section_rows_give_each_recommendation_its_area(write_plan):
    plan = read(
        write_plan,
        "Main recommendations\t\t\t\t\t",
        "1\tReduce violence.\tAgreed\tA strategy.\tGovernor\tJuly 2019",
        "\tSafety\t\t\t\t",
        "S1\tScreen new arrivals.\tAgreed\tInterviews.\tHead of Reception\tJuly 2019",
        "\tRespect\t\t\t\t",
        "S2\tClean showers.\tAgreed\tRefurbish.\tHead of Estates\tJuly 2019",
        "\tPurposeful activity\t\t\t\t",
        "S3\tMore activity places.\tAgreed\tNew workshop.\tHead of Learning\tJuly 2019",
        "\tRehabilitation and release planning\t\t\t\t",
        "S4\tHousing on release.\tAgreed\tEarly referrals.\tHead of Resettlement\tJuly 2019",
        "Recommendations: Safety\t\t\t\t\t",
        "S5\tFewer drugs.\tAgreed\tSearching.\tHead of Security\tJuly 2019",
        table_header=REC_HEADER,
    )
    assert [(c.ref, c.category, c.area, c.text) for c in plan.concerns] == [
        ("1", "recommendation", None, "Reduce violence."),
        ("S1", "recommendation", "safety", "Screen new arrivals."),
        ("S2", "recommendation", "respect", "Clean showers."),
        ("S3", "recommendation", "purposeful_activity", "More activity places."),
        ("S4", "recommendation", "rehabilitation_release", "Housing on release."),
        ("S5", "recommendation", "safety", "Fewer drugs."),
    ]
    assert plan.warnings == []


def test_a_kind_of_concern_row_ends_the_area_and_plans_without_areas_read_null(write_plan):
    plan = read(
        write_plan,
        "\tSafety\t\t\t",
        "1\tA.\tB.\tC\tJuly 2024",
        "\tKey concerns\t\t\t",
        "2\tD.\tE.\tF\tJuly 2024",
    )
    assert [(c.ref, c.category, c.area) for c in plan.concerns] == [
        ("1", "key", "safety"),
        ("2", "key", None),
    ]


@pytest.mark.parametrize(
    ("title", "section"),
    [
        ("Safety", (None, "safety")),
        ("RESPECT", (None, "respect")),
        ("Purposefulactivity", (None, "purposeful_activity")),
        ("Rehabilitation and release planning", (None, "rehabilitation_release")),
        ("Resettlement", (None, "rehabilitation_release")),
        ("Recommendations: Safety", ("recommendation", "safety")),
        ("Recommendations – Purposeful activity", ("recommendation", "purposeful_activity")),
        ("Safety recommendations", ("recommendation", "safety")),
        ("Main recommendations", ("recommendation", None)),
        ("Priority concerns", ("priority", None)),
        ("Safety is poor", None),
        ("Respect.", None),
    ],
)
def test_read_section(title, section):
    assert read_section(title) == section
