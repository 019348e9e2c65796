"""A large, realistic synthetic plan for timing the quality rules and testing them at scale."""

from __future__ import annotations

import random
from dataclasses import dataclass

from planwatch.model import Action, Concern, Plan

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# (post that does the work, the area it covers): owners come from the same posts, spelt
# several ways, as real plans do.
_POSTS = (
    ("Head of Safety", "violence reduction"),
    ("Head of Residence", "wing living conditions"),
    ("Head of Reducing Reoffending", "resettlement planning"),
    ("Head of Education, Skills and Work", "education and work places"),
    ("Head of Healthcare", "primary care"),
    ("Safer Custody Manager", "self-harm support"),
    ("Equalities Manager", "protected characteristics"),
    ("Head of Security", "drug supply"),
    ("Head of Operations", "time out of cell"),
    ("Offender Management Unit Lead", "key work"),
    ("Substance Misuse Lead", "recovery services"),
    ("Chaplaincy Manager", "faith provision"),
    ("Head of Finance", "contract management"),
    ("Catering Manager", "food quality"),
    ("Family Services Lead", "visits and family contact"),
)
_OWNER_SPELLINGS = {
    "Head of Healthcare": (
        "Head of Healthcare",
        "Northamptonshire Healthcare Foundation Trust (NHFT)",
        "NHFT",
    ),
    "Head of Security": ("Head of Security", "head of security", "Head of Security & Intelligence"),
    "Head of Safety": ("Head of Safety", "The Head of Safety"),
}
_EXTRA_OWNERS = ("Governor", "Deputy Governor", "SMT", "Director", "Regional Lead")

_VERBS = (
    "introduce", "publish", "review", "deliver", "audit", "monitor", "implement",
    "establish", "revise", "commission", "launch", "extend", "improve", "strengthen",
    "develop", "agree", "refresh", "expand", "restructure", "embed",
)  # fmt: skip
_OBJECTS = (
    "a weekly meeting to track {area}",
    "a new local policy on {area}",
    "training for wing staff on {area}",
    "an action log for {area} with named leads",
    "a quarterly audit of {area}",
    "peer mentors to support {area}",
    "a data dashboard showing {area} by wing",
    "a consultation forum for prisoners on {area}",
    "the induction booklet section on {area}",
    "a joint working agreement with partners on {area}",
    "daily checks of {area} by the orderly officer",
    "a recovery plan for {area} agreed with the regional team",
)
_MEASURES = (
    "so that at least {n}% of prisoners report improvement in the next survey",
    "with progress reported to the monthly senior management meeting",
    "and every case will be reviewed within {d} working days",
    "to reduce the number of incidents by {n}% within six months",
    "where possible, subject to funding being agreed",
    "ensuring staff understand their responsibilities",
    "and the findings will be shared with the Independent Monitoring Board",
    "so that {n} additional places are available each week",
    "",
)
_OPENINGS = (
    "The {post} will {verb} {obj}",
    "{Verb} {obj}",
    "A working group chaired by the {post} will {verb} {obj}",
    "Work is under way to {verb} {obj}",
    "The prison has {verb_past} {obj}",
)
# Words for the specific detail every real action carries (who, where, what exactly), so
# that distinct actions share phrases but not whole texts.
_DETAIL_WORDS = (
    "adjudications", "applications", "association", "bail", "body", "worn", "cameras",
    "canteen", "care", "leavers", "cell", "bells", "clothing", "complaints", "custody",
    "dental", "detoxification", "digital", "kiosks", "disability", "discharge", "boards",
    "domestic", "abuse", "employment", "hubs", "exercise", "yard", "family", "days", "foreign",
    "nationals", "gym", "sessions", "hate", "incident", "housing", "referrals", "interpreting",
    "key", "work", "laundry", "library", "hours", "mental", "health", "triage", "neurodiversity",
    "screening", "night", "checks", "older", "prisoners", "opioid", "substitution", "pain",
    "relief", "payroll", "phones", "in", "cells", "property", "cards", "psychology", "release",
    "on", "temporary", "licence", "remand", "reviews", "segregation", "unit", "showers",
    "smoking", "cessation", "social", "visits", "staff", "rosters", "suicide", "prevention",
    "tablets", "telephone", "credit", "therapeutic", "community", "trauma", "informed",
    "practice", "use", "of", "force", "vaccinations", "veterans", "video", "calls", "wing",
    "forums", "workshops", "young", "adults", "reading", "scheme", "maths", "tutors",
    "chaplaincy", "rounds", "first", "night", "centre", "listener", "scheme", "cleaning",
    "rotas", "windows", "heating", "pest", "control", "furniture", "kettles", "menus",
)  # fmt: skip
_PLACES = (
    "on {wing} wing",
    "in houseblock {n}",
    "on the induction unit",
    "in the segregation unit",
    "across both sites",
    "on the healthcare wing",
    "in the education department",
    "for the {n} prisoners on remand",
    "for prisoners aged over {age}",
)
_CONCERNS = (
    "Too many prisoners said they felt unsafe, and {area} was not well managed.",
    "Leaders had not done enough to improve {area}.",
    "Prisoners had too little time out of cell, which undermined {area}.",
    "Oversight of {area} was weak and data were not used to drive improvement.",
    "Staff did not understand the support available for {area}.",
)


@dataclass(frozen=True)
class SyntheticPlan:
    """A generated plan and the positions of the actions written as near-copies of others."""

    plan: Plan
    # (concern ref, action number) of each action made as a near-copy of an earlier one
    near_copies: frozenset[tuple[str, int]]


def _past(verb: str) -> str:
    return verb + ("d" if verb.endswith("e") else "ed")


def _detail(rng: random.Random) -> str:
    words = [rng.choice(_DETAIL_WORDS) for _ in range(rng.randrange(3, 7))]
    place = rng.choice(_PLACES).format(
        wing=rng.choice("ABCDEFGHJK"), n=rng.randrange(1, 400), age=rng.choice((50, 60, 65))
    )
    return f"covering {', '.join(words[:-1])} and {words[-1]} {place}"


def _action_text(rng: random.Random, post: str, area: str) -> str:
    verb = rng.choice(_VERBS)
    obj = rng.choice(_OBJECTS).format(area=area)
    opening = rng.choice(_OPENINGS).format(
        post=post, verb=verb, Verb=verb.capitalize(), verb_past=_past(verb), obj=obj
    )
    measure = rng.choice(_MEASURES).format(n=rng.randrange(5, 60), d=rng.randrange(2, 15))
    text = f"{opening}, {_detail(rng)} {measure}".strip() + "."
    if rng.random() < 0.4:
        # A second sentence, as many real actions have, so lengths vary.
        second = rng.choice(_OBJECTS).format(area=rng.choice(_POSTS)[1])
        month = rng.choice(_MONTH_NAMES)
        detail = _detail(rng)
        text += f" This will include {second}, {detail}, by {month} {rng.choice((2024, 2025))}."
    return text


def _near_copy(rng: random.Random, text: str) -> str:
    """The same action with a small edit: a changed, dropped or misspelt word, or case."""
    words = text.split()
    edit = rng.randrange(4)
    if edit == 0:
        words[rng.randrange(len(words))] = rng.choice(("all", "each", "new", "the"))
    elif edit == 1 and len(words) > 12:
        del words[rng.randrange(1, len(words))]
    elif edit == 2:
        # Typos in up to three words: two letters swapped.
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(words))
            word = words[at]
            if len(word) > 3:
                cut = rng.randrange(len(word) - 1)
                words[at] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]
    else:
        return text.upper() if rng.random() < 0.5 else text
    return " ".join(words)


def _target(rng: random.Random) -> tuple[str, str | None]:
    roll = rng.random()
    if roll < 0.08:
        return "Completed", "completed"
    if roll < 0.12:
        return "Ongoing", "ongoing"
    if roll < 0.14:
        return "TBC", None
    if roll < 0.15:
        return "", None
    # Mostly within the year after submission (May 2024), a few before it or well beyond.
    months_ahead = rng.choice((-2, 1, 2, 3, 3, 4, 6, 6, 8, 9, 11, 12, 18))
    year, month = 2024 + (4 + months_ahead) // 12, (4 + months_ahead) % 12 + 1
    if roll < 0.5:
        day = rng.randrange(1, 29)
        return f"{day:02d}/{month:02d}/{year}", f"{year}-{month:02d}-{day:02d}"
    return f"{_MONTH_NAMES[month - 1]} {year}", f"{year}-{month:02d}"


def synthetic_plan(
    actions: int = 1000, seed: int = 10, near_copy_share: float = 0.03
) -> SyntheticPlan:
    """A plan with `actions` actions spread over concerns of 3 to 15 actions each.

    Texts are built from shared domain phrases, so distinct actions overlap heavily in
    vocabulary (the hard case for duplicate detection); a share of actions are near-copies
    of earlier ones.
    """
    rng = random.Random(seed)
    concerns: list[Concern] = []
    made: list[str] = []
    near_copies: set[tuple[str, int]] = set()
    while len(made) < actions:
        ref = str(len(concerns) + 1)
        post, area = rng.choice(_POSTS)
        concern = Concern(
            ref=ref,
            category="priority" if len(concerns) % 4 == 0 else "key",
            text=rng.choice(_CONCERNS).format(area=area),
        )
        for _ in range(min(rng.randrange(3, 16), actions - len(made))):
            doer, doer_area = rng.choice(_POSTS) if rng.random() < 0.4 else (post, area)
            if made and rng.random() < near_copy_share:
                text = _near_copy(rng, rng.choice(made))
                near_copies.add((ref, len(concern.actions) + 1))
            else:
                text = _action_text(rng, doer, doer_area)
            roll = rng.random()
            if roll < 0.1:
                owner = rng.choice(_EXTRA_OWNERS)
            elif roll < 0.12:
                owner = ""
            else:
                owner = rng.choice(_OWNER_SPELLINGS.get(doer, (doer,)))
            target_text, target = _target(rng)
            concern.actions.append(Action(text, owner, target_text, target))
            made.append(text)
        concerns.append(concern)
    plan = Plan(
        establishment="HMP Synthetic (Men)",
        plan_submitted="2024-05-22",
        inspection_start="2024-01-08",
        inspection_end="2024-01-18",
        report_published="2024-04-09",
        concerns=concerns,
    )
    return SyntheticPlan(plan=plan, near_copies=frozenset(near_copies))
