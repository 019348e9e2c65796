"""Owner normalisation: spellings of one body, and several owners in one cell."""

from __future__ import annotations

import pytest

from planwatch.owners import OwnerIndex, initials, split_owners


def test_initials_skip_small_words():
    assert initials("Northamptonshire Healthcare Foundation Trust") == "NHFT"
    assert initials("Head of Learning and Development") == "HLD"


@pytest.mark.parametrize(
    ("cell", "owners"),
    [
        ("SMG, Deputy Director", ["SMG", "Deputy Director"]),
        ("Head of Education, Skills and Work", ["Head of Education, Skills and Work"]),
        (
            "Head of Learning & Development and Head of Residence",
            ["Head of Learning & Development", "Head of Residence"],
        ),
        ("CNWL / Governor", ["CNWL", "Governor"]),
        (
            "Head of Reducing Reoffending; Probation Delivery Unit Head",
            ["Head of Reducing Reoffending", "Probation Delivery Unit Head"],
        ),
        ("", []),
    ],
)
def test_split_owners(cell, owners):
    assert split_owners(cell) == owners


def test_index_groups_acronym_bracketed_and_long_forms():
    index = OwnerIndex(
        [
            "NHFT",
            "Northamptonshire Healthcare Foundation Trust (NHFT)",
            "Northampton Healthcare Foundation Trust",
            "Director",
            "the director",
            "Director",
        ]
    )
    assert index.normalise("Northamptonshire Healthcare Foundation Trust (NHFT)") == ["NHFT"]
    assert index.normalise("Northampton Healthcare Foundation Trust") == ["NHFT"]
    assert index.normalise("the director") == ["Director"]
    assert index.normalise("") == []
    assert index.aliases == {
        "NHFT": [
            "Northampton Healthcare Foundation Trust",
            "Northamptonshire Healthcare Foundation Trust (NHFT)",
        ],
        "Director": ["the director"],
    }


def test_a_long_name_without_its_acronym_elsewhere_stays_as_written():
    index = OwnerIndex(["Head of Safer Custody", "Practice Plus Group"])
    assert index.normalise("Head of Safer Custody") == ["Head of Safer Custody"]
    assert index.aliases == {}


def test_bracketed_short_form_may_skip_words():
    index = OwnerIndex(["Central and North West London NHS Foundation Trust (CNWL)", "CNWL"])
    assert index.normalise("CNWL") == ["CNWL"]
    assert index.label("Central and North West London NHS Foundation Trust (CNWL) / Governor") == (
        "CNWL; Governor"
    )
