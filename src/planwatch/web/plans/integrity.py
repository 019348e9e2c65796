"""The append-only history's integrity: each entry hashes the one before it on the same action
(or concern), so `planwatch verify` can show nothing was changed or removed; database
triggers refuse changes outright."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage

# Tables whose rows are written once: the database refuses UPDATE and DELETE on them.
APPEND_ONLY_TABLES = ("plans_progressupdate", "plans_judgement", "plans_evidence")


def _digest(fields: dict[str, Any]) -> str:
    text = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def update_hash(update: Any, evidence_sha256: list[str]) -> str:
    """The hash of a progress update, its evidence files and the entry before it."""
    extra = {}
    # Hashed only when given, so that entries made before the field existed keep their hash.
    if getattr(update, "deferral_reason", None):
        extra["deferral_reason"] = update.deferral_reason
    return _digest(
        {
            **extra,
            "kind": "update",
            "lineage": str(update.lineage),
            "action": update.action_id,
            "status": update.status,
            "note": update.note,
            "evidence_date": update.evidence_date,
            "new_target_date": update.new_target_date,
            "corrects": update.corrects_id,
            "author": update.author_id,
            "recorded_at": update.recorded_at.isoformat(),
            "evidence": sorted(evidence_sha256),
            "previous": update.previous_hash,
        }
    )


def judgement_hash(judgement: Any) -> str:
    """The hash of a judgement and the entry before it on the same concern."""
    return _digest(
        {
            "kind": "judgement",
            "inspection": judgement.inspection_id,
            "concern_ref": judgement.concern_ref,
            "concern": judgement.concern_id,
            "rating": judgement.rating,
            "reason": judgement.reason,
            "judged_on": judgement.judged_on,
            "judged_by": judgement.judged_by_id,
            "corrects": judgement.corrects_id,
            "recorded_at": judgement.recorded_at.isoformat(),
            "previous": judgement.previous_hash,
        }
    )


@dataclass(frozen=True)
class Problem:
    what: str  # e.g. "progress update 12"
    message: str

    def __str__(self) -> str:
        return f"{self.what}: {self.message}"


def _file_sha256(name: str) -> str | None:
    try:
        with default_storage.open(name, "rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            return digest.hexdigest()
    except OSError:
        return None


def evidence_intact(evidence: Any) -> bool:
    """Whether an evidence file still holds exactly what was uploaded."""
    return _file_sha256(evidence.file.name) == evidence.sha256


def problems() -> Iterator[Problem]:
    """Every break in the history: an entry whose hash does not match its content, a chain
    whose links do not follow, an evidence file changed or missing."""
    from planwatch.web.plans.models import Evidence, Judgement, ProgressUpdate

    evidence: dict[int, list[str]] = {}
    for update_id, sha256 in Evidence.objects.values_list("update_id", "sha256"):
        evidence.setdefault(update_id, []).append(sha256)
    chains: dict[Any, str] = {}
    for update in ProgressUpdate.objects.order_by("lineage", "recorded_at", "pk"):
        what = f"progress update {update.pk}"
        expected_previous = chains.get(update.lineage, "")
        if update.previous_hash != expected_previous:
            yield Problem(what, "does not follow the entry before it (one was removed or added)")
        if update_hash(update, evidence.get(update.pk, [])) != update.entry_hash:
            yield Problem(what, "was changed after it was recorded")
        chains[update.lineage] = update.entry_hash
    concerns: dict[tuple[int, str], str] = {}
    for judgement in Judgement.objects.order_by(
        "inspection_id", "concern_ref", "recorded_at", "pk"
    ):
        what = f"judgement {judgement.pk}"
        key = (judgement.inspection_id, judgement.concern_ref)
        if judgement.previous_hash != concerns.get(key, ""):
            yield Problem(what, "does not follow the entry before it (one was removed or added)")
        if judgement_hash(judgement) != judgement.entry_hash:
            yield Problem(what, "was changed after it was recorded")
        concerns[key] = judgement.entry_hash
    for item in Evidence.objects.order_by("pk"):
        if not evidence_intact(item):
            yield Problem(f"evidence file {item.pk} ({item.name})", "is missing or was changed")


def trigger_sql(vendor: str) -> list[str]:
    """Statements that make the database itself refuse changes to append-only tables."""
    statements = []
    if vendor == "postgresql":
        statements.append(
            """
            CREATE OR REPLACE FUNCTION planwatch_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'planwatch: % records are append-only: add a correction instead',
                    TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in APPEND_ONLY_TABLES:
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION planwatch_append_only()"
            )
    elif vendor == "sqlite":
        # Django's flush (between transactional tests) empties tables with DELETE on SQLite;
        # a row in planwatch_unlock, a table Django does not manage, lets it. Nothing in the
        # application writes to it.
        statements.append("CREATE TABLE IF NOT EXISTS planwatch_unlock (reason TEXT)")
        for table in APPEND_ONLY_TABLES:
            for event in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    "WHEN NOT EXISTS (SELECT 1 FROM planwatch_unlock) "
                    f"BEGIN SELECT RAISE(ABORT, 'planwatch: {table} records are append-only: "
                    "add a correction instead'); END"
                )
    return statements
