"""What several web servers share through Django's cache (a table in the database): its table,
the mark that tells each server's in-memory answers when the estate's plans have changed, and
the pages the public reads, kept under the data's token."""

from __future__ import annotations

import hashlib
import pickle
import uuid
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from planwatch import __version__

T = TypeVar("T")

# The mark of the estate's plans, inspections, concerns' areas and topics, and links between
# concerns: the plans in force and the themes worked out from them are kept in each process
# under the mark they were worked out at. Any server that writes one of these sets a new
# mark (in the same transaction as the write), so every other server works them out again
# at its next request rather than answering from what it kept.
ESTATE = "planwatch:estate-mark"


def estate_mark() -> str:
    """The estate's current mark: a new value after every change made on any server."""
    mark = cache.get(ESTATE)
    if mark is None:
        # None before the first change, or after the cache table was emptied: start one; if
        # another server started one at the same moment, theirs stands.
        cache.add(ESTATE, uuid.uuid4().hex, timeout=None)
        mark = cache.get(ESTATE)
    # Still none (the entry culled at that instant): a value no answer is kept under.
    return str(mark) if mark is not None else uuid.uuid4().hex


def estate_key() -> tuple[str, str | None]:
    """What in-process answers about the estate are kept under: the estate's mark, which the
    writes made through the models set at once (the writer's own transaction sees it), and
    the data's token, which any committed write sets, raw SQL and bulk updates included."""
    return estate_mark(), data_token()


def kept_in_process(store: dict[Any, T], key: Any, work: Callable[[], T], limit: int) -> T:
    """What `work` gives, kept in `store` under `key` (estate_key() among its parts) and
    worked out again once the key changes. Never kept from inside a transaction: what it
    read may yet be rolled back, and on PostgreSQL the data's token changes only as the
    transaction commits. A full store is emptied rather than culled: keys go stale whole."""
    from django.db import connection

    found = store.get(key)
    if found is None:
        found = work()
        if not connection.in_atomic_block:
            if len(store) > limit:
                store.clear()
            store[key] = found
    return found


def estate_changed(**_: Any) -> None:
    """Record that the estate's plans changed: a random mark, never one used before (a
    counter could come round again after a restore)."""
    cache.set(ESTATE, uuid.uuid4().hex, timeout=None)


def after_migrate(using: str = "default", **_: Any) -> None:
    """Django's database cache keeps its entries in a table of its own, made by
    `createcachetable` (which leaves a table that exists alone): made after every migrate,
    so that `planwatch serve` and `planwatch manage migrate` set it up. A migrate (or a
    flush, which sends the same signal) may change what is held wholesale: a new mark."""
    if any(
        entry["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
        for entry in settings.CACHES.values()
    ):
        call_command("createcachetable", database=using, verbosity=0)
    watch_tables(using)
    estate_changed()


# --- What the public reads, kept per process under the data's token ----------------------
#
# The pages and API reads that visitors who are not signed in ask for are the same for every
# one of them, so each server process keeps what it answered and answers the next visitor
# from it. What it kept is found under the database's data token, today's date and the full
# path: every transaction that writes a table the pages read sets a new random token (a
# trigger on each table, so bulk writes, the admin and raw SQL count too), so nothing kept is
# ever served after a change, on this server or any other. People signed in are always
# answered afresh (their pages carry their own name, controls and form tokens).

TOKEN_TABLE = "planwatch_data_version"  # SQLite: one row, its token
CHANGES_TABLE = "planwatch_data_change"  # PostgreSQL: a row for each committed change
# Tables whose writes leave every page the public reads as it was: the cache itself, the
# token, Django's own (sessions, the admin's log, content types) and its accounts (every
# sign-in writes the person's last sign-in; the public's pages name nobody), sign-in
# throttling, job progress and queue, API tokens' last use, reminders sent, and the switch
# that lets integrity repairs through. A table not named here is watched.
UNWATCHED_PREFIXES = ("axes_", "procrastinate_", "django_", "auth_", "sqlite_")
UNWATCHED = {
    TOKEN_TABLE,
    CHANGES_TABLE,
    "access_apitoken",
    "plans_job",
    "plans_jobitem",
    "plans_reminderlog",
    "planwatch_unlock",
}


def _watched(table: str) -> bool:
    return not (
        table in UNWATCHED
        or table in _cache_tables()
        or table.startswith(UNWATCHED_PREFIXES)
        or "_fts" in table  # SQLite's full-text tables follow their own tables' triggers
    )


def _cache_tables() -> set[str]:
    return {
        str(entry["LOCATION"])
        for entry in settings.CACHES.values()
        if entry["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    }


def watch_tables(using: str = "default") -> None:
    """Make the token's table and a trigger on every watched table (again: idempotent)."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {CHANGES_TABLE} "
                "(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)"
            )
        else:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {TOKEN_TABLE} "
                "(id integer PRIMARY KEY, token varchar(64) NOT NULL)"
            )
            cursor.execute(f"SELECT COUNT(*) FROM {TOKEN_TABLE}")
            if cursor.fetchone()[0] == 0:
                cursor.execute(
                    f"INSERT INTO {TOKEN_TABLE} (id, token) VALUES (1, %s)", [uuid.uuid4().hex]
                )
        tables = [
            table for table in connection.introspection.table_names(cursor) if _watched(table)
        ]
        if connection.vendor == "postgresql":
            _postgresql_triggers(cursor, tables)
        elif connection.vendor == "sqlite":
            # SQLite has only triggers for each row; one writer at a time, so no waiting.
            change = f"UPDATE {TOKEN_TABLE} SET token = lower(hex(randomblob(16))) WHERE id = 1;"
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    name = f"planwatch_changed_{table}_{event.lower()}"
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                    cursor.execute(
                        f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" BEGIN {change} END'
                    )


def _postgresql_triggers(cursor: Any, tables: list[str]) -> None:
    """Each transaction that writes a watched table adds a row to an append-only table as it
    commits (a deferred trigger for each row written, the first of which acts; TRUNCATE has
    a trigger of its own). Inserts never wait for one another, so no writer waits for
    another's commit, nor deadlocks with it over a shared row. Rows far below the newest are
    trimmed now and then; the token only looks at the newest thousand."""
    cursor.execute(
        "CREATE OR REPLACE FUNCTION planwatch_data_changed() RETURNS trigger AS $$ "
        "DECLARE added bigint; "
        "BEGIN "
        "IF current_setting('planwatch.data_changed', true) IS DISTINCT FROM "
        "txid_current()::text THEN "
        f"INSERT INTO {CHANGES_TABLE} DEFAULT VALUES RETURNING id INTO added; "
        "IF added % 1000 = 0 THEN "
        f"DELETE FROM {CHANGES_TABLE} WHERE id < added - 10000; "
        "END IF; "
        "PERFORM set_config('planwatch.data_changed', txid_current()::text, true); "
        "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    for table in tables:
        for trigger in ("planwatch_data_changed", "planwatch_data_truncated"):
            cursor.execute(f'DROP TRIGGER IF EXISTS {trigger} ON "{table}"')
        cursor.execute(
            "CREATE CONSTRAINT TRIGGER planwatch_data_changed AFTER INSERT OR UPDATE "
            f'OR DELETE ON "{table}" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
            "EXECUTE FUNCTION planwatch_data_changed()"
        )
        cursor.execute(
            f'CREATE TRIGGER planwatch_data_truncated AFTER TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION planwatch_data_changed()"
        )


# PostgreSQL's token: the newest change's number and how many of the thousand numbers up to
# it have committed. Numbers are given as transactions commit, so one given before another
# may commit after it: the count still changes then (a commit more than a thousand numbers
# late would be missed; trimming leaves the thousand alone).
_POSTGRESQL_TOKEN = (
    "SELECT latest, (SELECT COUNT(*) FROM {table} WHERE id > latest - 1000) "
    "FROM (SELECT COALESCE(MAX(id), 0) AS latest FROM {table}) AS newest"
)


def data_token() -> str | None:
    """The data's current token (None where its table is not there: nothing is kept)."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(_POSTGRESQL_TOKEN.format(table=CHANGES_TABLE))
                latest, committed = cursor.fetchone()
                return f"{latest}:{committed}"
            cursor.execute(f"SELECT token FROM {TOKEN_TABLE} WHERE id = 1")
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return str(row[0]) if row else None


_settings_generation = 0


def forget_public_pages(**_: Any) -> None:
    """Settings changed (only tests change them): nothing kept before is used again, in
    this process's memory or in the shared table."""
    global _settings_generation
    _settings_generation += 1


def shared_with_public(view: Any) -> Any:
    """Mark a view whose answers to visitors not signed in may be kept (PublicPages)."""
    view.shared_with_public = True
    return view


class PublicPages:
    """Middleware: answer a visitor who is not signed in from what was kept for the same
    path, data and day (this process's memory first, then the table every server shares),
    or keep the answer the view gives in both. After sign-in and messages (which it must not
    consume), before the views' own middleware, whose headers it keeps."""

    # Headers the outer middleware and the server set again on every answer.
    RESET = {"content-length", "etag", "content-security-policy", "set-cookie", "x-cache"}

    def __init__(self, get_response: Any) -> None:
        from django.core.cache import caches

        self.get_response = get_response
        self.local = caches["public_pages"]
        self.shared = caches["shared_pages"]

    def __call__(self, request: Any) -> Any:
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        kept = self.local.get(key)
        if kept is None:
            # Another process (or server) may have worked it out since the data changed.
            packed = self._shared(lambda: self.shared.get(key))
            if packed is not None:
                kept = pickle.loads(zlib.decompress(packed))
                self.local.set(key, kept)
        if kept is not None:
            answer = self._answer(kept, request)
            answer["X-Cache"] = "hit"  # as a CDN says it: for operators and the tests
            return answer
        response = self.get_response(request)
        if self._keepable(request, response):
            response["X-Cache"] = "miss"
            nonce = getattr(request, "_csp_nonce", None)
            headers = [
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in self.RESET
            ]
            kept = (response.status_code, headers, response.content, nonce)
            self.local.set(key, kept)
            # Compressed: the shared table holds a tenth of the bytes, and sends them.
            packed = zlib.compress(pickle.dumps(kept), 1)
            self._shared(lambda: self.shared.set(key, packed))
        return response

    @staticmethod
    def _shared(use: Any) -> Any:
        """The table every server shares, where there are several: on PostgreSQL. SQLite is
        one machine's, and a write to it would wait for any other writer (an import, say),
        so there each process keeps only its own. A failure of the table costs only the
        time it saves: the page is worked out as if nothing were kept."""
        from django.db import DatabaseError, connection

        if connection.vendor != "postgresql":
            return None
        try:
            return use()
        except DatabaseError:
            return None

    def _key(self, request: Any) -> str | None:
        from django.db import connection
        from django.urls import Resolver404, resolve

        from planwatch.web.plans import rules

        if (
            not settings.PLANWATCH_PUBLIC_PAGE_CACHE
            or request.method not in ("GET", "HEAD")
            or "Authorization" in request.headers
            or settings.SESSION_COOKIE_NAME in request.COOKIES  # messages may wait there
            or "messages" in request.COOKIES
            or connection.in_atomic_block
            or request.user.is_authenticated
        ):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if not (
            getattr(match.func, "shared_with_public", False)
            or request.path_info.startswith("/api/v1/")
        ):
            return None
        token = data_token()
        if token is None:
            return None
        # The servers sharing the table may run another release, or read another setting
        # for the public, while one is being deployed.
        full = (
            f"{token}:{__version__}:{settings.PLANWATCH_PUBLIC_READ}:{_settings_generation}:"
            f"{rules.today().isoformat()}:{request.get_full_path()}"
        )
        # A fixed length, whatever the address: the shared table's keys are short.
        return "public:" + hashlib.sha256(full.encode()).hexdigest()

    @staticmethod
    def _keepable(request: Any, response: Any) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            # A page that asked for a form token set it in a cookie for this visitor.
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not response.has_header("Vary")
        )

    @staticmethod
    def _answer(kept: tuple[int, list[tuple[str, str]], bytes, str | None], request: Any) -> Any:
        from django.http import HttpResponse

        status, headers, content, nonce = kept
        if nonce:
            # The script nonce is this answer's own (the policy header names it).
            content = content.replace(
                f'nonce="{nonce}"'.encode(), f'nonce="{request.csp_nonce}"'.encode()
            )
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response.headers[name] = value
        return response
