"""Form limits say what is wrong in GOV.UK's words, not Django's."""

from __future__ import annotations

import pytest

from planwatch.web.plans import forms

LONG = "x" * 5001


@pytest.mark.parametrize(
    ("form", "data", "field", "message"),
    [
        (
            forms.JudgementForm,
            {"rating": "good", "reason": LONG},
            "reason",
            "The reason must be 5,000 characters or fewer",
        ),
        (
            forms.JudgementCorrectionForm,
            {"rating": "good", "reason": LONG},
            "reason",
            "The reason must be 5,000 characters or fewer",
        ),
        (
            forms.ConcernForm,
            {"ref": "1", "category": "key", "text": LONG},
            "text",
            "The concern must be 5,000 characters or fewer",
        ),
        (
            forms.ActionForm,
            {"text": LONG, "owner": "Governor", "target_text": "July 2025"},
            "text",
            "The action must be 5,000 characters or fewer",
        ),
        (
            forms.ConcernForm,
            {"ref": "1" * 21, "category": "key", "text": "Too few staff"},
            "ref",
            "The number must be 20 characters or fewer",
        ),
        (
            forms.ActionForm,
            {"text": "Do it", "owner": "G" * 301, "target_text": "July 2025"},
            "owner",
            "The owner must be 300 characters or fewer",
        ),
    ],
)
def test_text_over_the_limit_is_refused_in_plain_words(form, data, field, message):
    bound = form(data)
    assert not bound.is_valid()
    assert bound.errors[field] == [message]
