"""Search across the concerns, actions, progress notes and judgements a person may see: one
interface over PostgreSQL full-text search and SQLite FTS5, the same answers from both."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from markupsafe import Markup, escape

from planwatch import dates, labels
from planwatch.web.plans import rules
from planwatch.web.plans.models import (
    Action,
    Concern,
    Establishment,
    Judgement,
    Plan,
    ProgressUpdate,
)
from planwatch.web.plans.querysets import status_filters

MAX_QUERY_CHARS = 500
MAX_TERMS = 20
PAGE_SIZE = 20
# Progress notes shown under each concern found: the latest that match. A common word can
# match every note (hundreds under one concern); the rest are counted, per action, with a
# link to the action's page, which lists them all.
NOTES_SHOWN = 3

# What is searched: (model, its text column). The FTS5 tables are named after the tables.
SOURCES: dict[str, tuple[type[Any], str]] = {
    "concern": (Concern, "text"),
    "action": (Action, "text"),
    "update": (ProgressUpdate, "note"),
    "judgement": (Judgement, "reason"),
}

# PostgreSQL's English stop words (tsearch_data/english.stop): dropped from queries on both
# databases, as PostgreSQL drops them, so that "the" finds nothing on either.
_STOP_LIST = """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will just
    don should now"""
STOP_WORDS = frozenset(_STOP_LIST.split())
_WORD = re.compile(r"[^\W_]+")
# Characters that join words into one (self-harm, prisoner's); any other punctuation parts them.
_PARTING = re.compile(r"[^\w\s\-'’]|_")

# The statuses one can filter on: those people see, as of today.
STATUS_CHOICES: dict[str, str] = {
    key: labels.DISPLAY_STATUSES[key]
    for key in (
        labels.NOT_STARTED,
        labels.IN_PROGRESS,
        labels.COMPLETED,
        labels.DEFERRED,
        labels.OVERDUE,
    )
}


class QueryError(ValueError):
    """A search that cannot be run, with the message that says what to change."""


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of words in order; every term must match."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


def parse_query(text: str) -> tuple[Term, ...]:
    """The terms of a search: words, and "quoted phrases" (a hyphenated word is a phrase).
    Punctuation is ignored; common words are dropped unless inside a phrase."""
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"Enter a search of {MAX_QUERY_CHARS} characters or fewer")
    if text.count('"') % 2:
        raise QueryError("Close the quotation marks around your phrase, or remove them")
    terms: list[Term] = []
    for index, part in enumerate(text.split('"')):
        chunks = [part] if index % 2 else _PARTING.sub(" ", part).split()
        for chunk in chunks:
            words = tuple(word.lower() for word in _WORD.findall(chunk))
            if all(word in STOP_WORDS for word in words):
                continue
            term = Term(words)
            if term not in terms:
                terms.append(term)
    if len(terms) > MAX_TERMS:
        raise QueryError(f"Enter {MAX_TERMS} words or phrases or fewer")
    if not terms and _WORD.search(text):
        raise QueryError(
            "Your search has only common words such as ‘the’ or ‘and’: add a word that says "
            "what you are looking for"
        )
    return tuple(terms)


# --- matching on each database ----------------------------------------------------------


def _fts5_expression(terms: tuple[Term, ...]) -> str:
    """An FTS5 MATCH expression: each term a quoted string of letters and digits only."""
    return " AND ".join('"' + " ".join(term.words) + '"' for term in terms)


def _postgres_query(terms: tuple[Term, ...]) -> Any:
    from django.contrib.postgres.search import SearchQuery

    query = None
    for term in terms:
        part = SearchQuery(
            " ".join(term.words),
            search_type="phrase" if term.is_phrase else "plain",
            config="english",
        )
        query = part if query is None else query & part
    return query


def matching(kind: str, terms: tuple[Term, ...], within: list[int] | None = None) -> QuerySet[Any]:
    """The ids of the records of one kind whose text holds every term: a subquery. With
    `within`, only among those records (the few on one page of results)."""
    model, column = SOURCES[kind]
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        # The same expression as the GIN index (migration 0002), so that the index serves it.
        records = model.objects.all() if within is None else model.objects.filter(pk__in=within)
        return (
            records.annotate(_found=SearchVector(column, config="english"))
            .filter(_found=_postgres_query(terms))
            .values("pk")
        )
    table = f"{model._meta.db_table}_fts"
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH %s"
    params: list[Any] = [_fts5_expression(terms)]
    if within is not None and within:
        # FTS5 would look each listed rowid up on its own (some microseconds each, whether
        # the words are common or rare); it reads a range of rowids from its index at once.
        # So: the range from FTS5, each listed rowid checked by SQLite ("+" keeps the list
        # from FTS5).
        sql += f" AND rowid BETWEEN %s AND %s AND +rowid IN ({', '.join(['%s'] * len(within))})"
        params += [min(within), max(within), *within]
    elif within is not None:
        return model.objects.none().values("pk")
    return model.objects.filter(pk__in=RawSQL(sql, params)).values("pk")


def index_sql(vendor: str) -> list[str]:
    """Statements that create the full-text indexes and keep them up to date on writes."""
    statements: list[str] = []
    for model, column in SOURCES.values():
        table = model._meta.db_table
        if vendor == "postgresql":
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {table}_search_idx ON {table} USING gin "
                f"(to_tsvector('english'::regconfig, COALESCE({column}, '')))"
            )
            continue
        if vendor != "sqlite":
            continue
        fts = f"{table}_fts"
        delete = (
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
        )
        insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
        statements += [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='{table}', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
            f"DROP TRIGGER IF EXISTS {fts}_insert",
            f"DROP TRIGGER IF EXISTS {fts}_delete",
            f"DROP TRIGGER IF EXISTS {fts}_update",
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table} "
            f"BEGIN {delete} {insert} END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]
    return statements


def drop_index_sql(vendor: str) -> list[str]:
    statements: list[str] = []
    for model, _column in SOURCES.values():
        table = model._meta.db_table
        if vendor == "postgresql":
            statements.append(f"DROP INDEX IF EXISTS {table}_search_idx")
        elif vendor == "sqlite":
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_fts_{event}"
                for event in ("insert", "delete", "update")
            ]
            statements.append(f"DROP TABLE IF EXISTS {table}_fts")
    return statements


# --- filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What narrows a search; empty strings and None mean "any"."""

    establishment: str = ""  # slug
    area: str = ""
    topic: str = ""
    category: str = ""
    year: int | None = None
    status: str = ""
    rating: str = ""

    def any(self) -> bool:
        return any(
            (
                self.establishment,
                self.area,
                self.topic,
                self.category,
                self.year,
                self.status,
                self.rating,
            )
        )


def has_field(model: type[Any], name: str) -> bool:
    """Whether a model has a field (areas and topics arrive with another part of the work)."""
    return any(item.name == name for item in model._meta.get_fields())


def areas() -> dict[str, str]:
    """The healthy prison areas one can filter on; none until concerns carry them."""
    if not has_field(Concern, "area"):
        return {}
    return dict(getattr(labels, "AREAS", {}))


def topics() -> dict[str, str]:
    """The topics one can filter on; none until concerns carry them."""
    if not has_field(Concern, "topic_links"):
        return {}
    return dict(getattr(labels, "TOPICS", {}))


def filter_by_area(concerns: QuerySet[Any], area: str) -> QuerySet[Any]:
    """Concerns in one healthy prison area (Concern.area holds its key)."""
    if not area or not has_field(Concern, "area"):
        return concerns
    return concerns.filter(area=area)


def filter_by_topic(concerns: QuerySet[Any], topic: str) -> QuerySet[Any]:
    """Concerns given one topic (through Concern.topic_links, each with its `topic` key)."""
    if not topic or not has_field(Concern, "topic_links"):
        return concerns
    return concerns.filter(topic_links__topic=topic).distinct()


def check_filters(filters: Filters, user: Any) -> dict[str, str]:
    """{filter: message} for each value that is not one of its choices."""
    problems: dict[str, str] = {}
    if filters.establishment and not (
        Establishment.objects.visible_to(user).filter(slug=filters.establishment).exists()
    ):
        problems["establishment"] = "Choose an establishment from the list"
    if filters.area and filters.area not in areas():
        problems["area"] = "Choose an area from the list"
    if filters.topic and filters.topic not in topics():
        problems["topic"] = "Choose a topic from the list"
    if filters.category and filters.category not in labels.CATEGORIES:
        problems["category"] = "Choose a kind of concern from the list"
    if filters.year is not None and not dates.MIN_YEAR <= filters.year <= dates.MAX_YEAR:
        problems["year"] = f"Enter a year from {dates.MIN_YEAR} to {dates.MAX_YEAR}"
    if filters.status and filters.status not in STATUS_CHOICES:
        problems["status"] = "Choose a status from the list"
    if filters.rating and filters.rating not in labels.RATINGS:
        problems["rating"] = "Choose a judgement from the list"
    return problems


def plans_in_scope(user: Any, filters: Filters) -> list[int]:
    """The plans searched: each inspection's latest submitted version the user may read, and
    the drafts the user may edit (earlier versions' notes and judgements are found through
    the latest version: they belong to its actions and concerns)."""
    plans = Plan.objects.visible_to(user)
    if filters.establishment:
        plans = plans.filter(inspection__establishment__slug=filters.establishment)
    if filters.year is not None:
        plans = plans.filter(inspection__start__year=filters.year)
    latest: dict[int, tuple[int, int]] = {}
    drafts: list[int] = []
    for pk, inspection, version, state in plans.values_list(
        "pk", "inspection_id", "version", "state"
    ):
        if state == Plan.State.DRAFT:
            drafts.append(pk)
        elif inspection not in latest or version > latest[inspection][0]:
            latest[inspection] = (version, pk)
    return sorted([pk for _, pk in latest.values()] + drafts)


def _ratings_in_effect(inspections: set[int]) -> dict[tuple[int, str], str]:
    """{(inspection, concern number): the rating in effect} (judgements.latest_by_concern's
    rule, for many inspections at once)."""
    rated: dict[tuple[int, str], str] = {}
    for inspection, ref, rating in (
        Judgement.objects.in_effect()
        .filter(inspection_id__in=inspections)
        .order_by("judged_on", "recorded_at", "pk")
        .values_list("inspection_id", "concern_ref", "rating")
    ):
        rated[(inspection, ref)] = rating
    return rated


def _scope(user: Any, filters: Filters) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The concerns and actions a search looks in, with the filters applied."""
    plan_ids = plans_in_scope(user, filters)
    concerns: QuerySet[Any] = Concern.objects.filter(plan_id__in=plan_ids)
    actions = Action.objects.filter(plan_id__in=plan_ids).order_by()
    if filters.category:
        concerns = concerns.filter(category=filters.category)
    concerns = filter_by_area(concerns, filters.area)
    concerns = filter_by_topic(concerns, filters.topic)
    if filters.status:
        today = rules.today()
        actions = actions.with_state(today).filter(status_filters(today)[filters.status])
        concerns = concerns.filter(pk__in=actions.values("concern_id"))
    return concerns, actions


# --- results ----------------------------------------------------------------------------


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A word's English stem (the stemmer is slow in pure Python; texts repeat words)."""
    return str(_stemmer().stemWord(word.lower()))


def _stems(terms: tuple[Term, ...]) -> frozenset[str]:
    words = [word for term in terms for word in term.words if word not in STOP_WORDS]
    return frozenset(_stemmer().stemWords(words))


def highlight(text: str, stems: frozenset[str]) -> Markup:
    """The text, escaped, with each word that matches a searched word (by its stem) marked."""
    return Markup(mark_words(text, stems, "<mark>", "</mark>", lambda part: str(escape(part))))


def mark_words(
    text: str,
    stems: frozenset[str],
    before: str = "[",
    after: str = "]",
    quote: Any = str,
) -> str:
    """The text with each word that matches a searched word between `before` and `after`,
    the rest passed through `quote`."""
    parts: list[str] = []
    end = 0
    for found in _WORD.finditer(text):
        if _stem(found.group()) in stems:
            parts.append(quote(text[end : found.start()]))
            parts.append(f"{before}{quote(found.group())}{after}")
            end = found.end()
    parts.append(quote(text[end:]))
    return "".join(parts)


@dataclass(frozen=True)
class Hit:
    """A matching action, progress note or judgement under its concern."""

    kind: str  # "action", "update" or "judgement"
    label: str
    text: str
    marked: Markup
    url: str
    status: str = ""  # actions: the status shown now; judgements: the rating key

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "text": self.text,
            "highlighted": str(self.marked),
            "url": self.url,
            "status": self.status,
        }


@dataclass(frozen=True)
class MoreNotes:
    """Matching progress notes on one action that a concern's result does not show."""

    label: str  # "action 1.2"
    url: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.label, "url": self.url, "notes": self.count}


@dataclass(frozen=True)
class ConcernResult:
    """A concern found, itself or through what is under it."""

    concern_id: int
    ref: str
    category: str
    text: str
    marked: Markup
    text_matches: bool
    establishment: str
    establishment_url: str
    inspection_year: int | None
    plan_id: int
    plan_version: int
    draft: bool
    url: str
    hits: tuple[Hit, ...] = ()
    more_notes: tuple[MoreNotes, ...] = ()

    @property
    def more_notes_count(self) -> int:
        return sum(more.count for more in self.more_notes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "concern": self.ref,
            "category": self.category,
            "text": self.text,
            "highlighted": str(self.marked),
            "text_matches": self.text_matches,
            "establishment": self.establishment,
            "inspection_year": self.inspection_year,
            "plan": self.plan_id,
            "plan_version": self.plan_version,
            "draft": self.draft,
            "url": self.url,
            "matches": [hit.to_dict() for hit in self.hits],
            "more_notes": [more.to_dict() for more in self.more_notes],
        }


@dataclass(frozen=True)
class SearchResults:
    """One page of concerns found, in order: newest inspection first, then establishment,
    then the plan's order. `page` is the paginator's page, for links to the others."""

    terms: tuple[Term, ...]
    filters: Filters
    results: list[ConcernResult]
    page: Page[Any] | None = None
    total: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        page = self.page
        return {
            "query": [" ".join(term.words) for term in self.terms],
            "total": self.total,
            "page": page.number if page else 1,
            "pages": page.paginator.num_pages if page else 1,
            "results": [result.to_dict() for result in self.results],
        }


def search(
    user: Any,
    text: str,
    filters: Filters | None = None,
    page: int | str | None = 1,
    page_size: int = PAGE_SIZE,
) -> SearchResults:
    """Concerns the user may see that match the search (QueryError when it cannot be run;
    ValueError naming a filter that is not one of its choices)."""
    filters = filters or Filters()
    terms = parse_query(text)
    if not terms:
        return SearchResults(terms, filters, [])
    concerns, actions = _scope(user, filters)
    # The concerns searched, in the order they are shown: numbers only, a few thousand at
    # most; what matched is gathered as sets of numbers, each from its full-text index.
    scope = list(
        concerns.order_by(
            "-plan__inspection__start",
            "plan__inspection__establishment__name",
            "plan__inspection_id",
            "plan__version",
            "position",
        ).values_list("pk", "plan__inspection_id", "ref")
    )
    if filters.rating:
        rated = _ratings_in_effect({inspection for _, inspection, _ in scope})
        scope = [row for row in scope if rated.get((row[1], row[2])) == filters.rating]
    matched = set(matching("concern", terms).values_list("pk", flat=True))
    matched.update(
        actions.filter(pk__in=matching("action", terms)).values_list("concern_id", flat=True)
    )
    matched.update(
        actions.filter(
            lineage__in=ProgressUpdate.objects.filter(pk__in=matching("update", terms)).values(
                "lineage"
            )
        ).values_list("concern_id", flat=True)
    )
    judged = set(
        Judgement.objects.filter(pk__in=matching("judgement", terms)).values_list(
            "inspection_id", "concern_ref"
        )
    )
    found = [pk for pk, inspection, ref in scope if pk in matched or (inspection, ref) in judged]
    chosen = Paginator(found, page_size).get_page(page)
    ids = list(chosen.object_list)
    return SearchResults(
        terms, filters, list(_results(ids, terms, actions)), chosen, chosen.paginator.count
    )


def _results(ids: list[int], terms: tuple[Term, ...], actions: QuerySet[Any]) -> Iterator[Any]:
    """The concerns of one page, each with its matching actions, notes and judgements."""
    if not ids:
        return
    stems = _stems(terms)
    today = rules.today()
    concerns = Concern.objects.filter(pk__in=ids).select_related("plan__inspection__establishment")
    by_id = {concern.pk: concern for concern in concerns}
    text_matches = set(
        Concern.objects.filter(pk__in=ids)
        .filter(pk__in=matching("concern", terms))
        .values_list("pk", flat=True)
    )
    hits: dict[int, list[tuple[tuple[int, int, str, int], Hit]]] = {pk: [] for pk in ids}
    page_actions = list(actions.filter(concern_id__in=ids).select_related("concern"))
    matched = set(
        actions.filter(concern_id__in=ids)
        .filter(pk__in=matching("action", terms))
        .values_list("pk", flat=True)
    )
    # A draft and the version in force may share an action's lineage, and so its notes.
    by_lineage: dict[Any, list[Action]] = {}
    for action in page_actions:
        by_lineage.setdefault(action.lineage, []).append(action)
    for action in page_actions:
        if action.pk in matched:
            hits[action.concern_id].append(
                (
                    (action.position, 0, "", 0),
                    Hit(
                        "action",
                        f"Action {action.label}",
                        action.text,
                        highlight(action.text, stems),
                        action.get_absolute_url(),
                        action.display_status(today),
                    ),
                )
            )
    candidates = list(
        ProgressUpdate.objects.filter(lineage__in=list(by_lineage))
        .order_by()
        .values_list("pk", flat=True)
    )
    # The matching notes' numbers only, latest first: each concern shows its latest few
    # and counts the rest per action, so only the notes shown are read whole and marked.
    found_notes = (
        ProgressUpdate.objects.filter(pk__in=matching("update", terms, candidates))
        .order_by("-recorded_at", "-pk")
        .values_list("pk", "lineage")
        if candidates
        else []
    )
    shown: dict[int, list[tuple[int, Action]]] = {pk: [] for pk in ids}
    unshown: dict[int, dict[int, int]] = {pk: {} for pk in ids}  # concern: {action: count}
    for note_id, lineage in found_notes:
        for action in by_lineage[lineage]:
            if len(shown[action.concern_id]) < NOTES_SHOWN:
                shown[action.concern_id].append((note_id, action))
            else:
                counts = unshown[action.concern_id]
                counts[action.pk] = counts.get(action.pk, 0) + 1
    wanted_notes = {note_id for pairs in shown.values() for note_id, _ in pairs}
    notes = ProgressUpdate.objects.in_bulk(wanted_notes) if wanted_notes else {}
    for pairs in shown.values():
        for note_id, action in pairs:
            note = notes[note_id]
            day = timezone.localdate(note.recorded_at)
            hits[action.concern_id].append(
                (
                    (action.position, 1, note.recorded_at.isoformat(), note.pk),
                    Hit(
                        "update",
                        f"Update on action {action.label}, {_day(day)}",
                        note.note,
                        highlight(note.note, stems),
                        action.get_absolute_url(),
                        note.status,
                    ),
                )
            )
    actions_by_id = {action.pk: action for action in page_actions}
    more: dict[int, tuple[MoreNotes, ...]] = {
        pk: tuple(
            MoreNotes(
                f"action {actions_by_id[action_id].label}",
                actions_by_id[action_id].get_absolute_url(),
                count,
            )
            for action_id, count in sorted(
                counts.items(), key=lambda item: actions_by_id[item[0]].position
            )
        )
        for pk, counts in unshown.items()
    }
    # A judgement belongs to its concern in every version of the plan.
    wanted: dict[tuple[int, str], list[Concern]] = {}
    for concern in by_id.values():
        wanted.setdefault((concern.plan.inspection_id, concern.ref), []).append(concern)
    judgements = (
        Judgement.objects.filter(
            inspection_id__in={key[0] for key in wanted}, concern_ref__in={key[1] for key in wanted}
        )
        .filter(pk__in=matching("judgement", terms))
        .order_by("judged_on", "recorded_at", "pk")
    )
    for judgement in judgements:
        for owner in wanted.get((judgement.inspection_id, judgement.concern_ref), []):
            hits[owner.pk].append(
                (
                    (1 << 30, 0, judgement.judged_on.isoformat(), judgement.pk),
                    Hit(
                        "judgement",
                        f"Judgement of {_day(judgement.judged_on)}: {judgement.rating_label}",
                        judgement.reason,
                        highlight(judgement.reason, stems),
                        f"{owner.plan.get_absolute_url()}#concern-{owner.pk}",
                        judgement.rating,
                    ),
                )
            )
    for pk in ids:
        concern = by_id[pk]
        plan = concern.plan
        inspection = plan.inspection
        yield ConcernResult(
            concern_id=pk,
            ref=concern.ref,
            category=concern.category,
            text=concern.text,
            marked=highlight(concern.text, stems) if pk in text_matches else escape(concern.text),
            text_matches=pk in text_matches,
            establishment=inspection.establishment.name,
            establishment_url=inspection.establishment.get_absolute_url(),
            inspection_year=inspection.start.year if inspection.start else None,
            plan_id=plan.pk,
            plan_version=plan.version,
            draft=plan.is_draft,
            url=f"{plan.get_absolute_url()}#concern-{pk}",
            hits=tuple(hit for _, hit in sorted(hits[pk], key=lambda item: item[0])),
            more_notes=more[pk],
        )


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"
