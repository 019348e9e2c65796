"""What several web servers share through Django's cache (a table in the database): its table,
and the mark that tells each server's in-memory answers when the estate's plans have changed."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

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
    estate_changed()
