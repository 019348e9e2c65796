"""Backups and restores of a whole install: the database and the files its rows point to."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections

from planwatch import __version__
from planwatch.labels import plural

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}


class BackupError(Exception):
    """A backup or restore that cannot be made, with a one-line reason saying what to do."""


@dataclass
class Outcome:
    """What a backup or restore did: counts of what it holds, and any problems found."""

    counts: dict[str, int]
    files: int
    problems: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def counts() -> dict[str, int]:
    """What an install holds, as a restore is checked against it."""
    from django.contrib.auth import get_user_model

    from planwatch.web.plans.models import Action, Evidence, Judgement, Plan, ProgressUpdate

    return {
        "plans": Plan.objects.count(),
        "actions": Action.objects.count(),
        "progress_updates": ProgressUpdate.objects.count(),
        "judgements": Judgement.objects.count(),
        "evidence_files": Evidence.objects.count(),
        "users": get_user_model().objects.count(),
    }


def _referenced_files() -> Iterator[tuple[str, str]]:
    """(storage name, recorded SHA-256) of every file a row points to."""
    from planwatch.web.plans.models import Evidence, Plan

    yield from Plan.objects.exclude(source_file="").values_list("source_file", "source_sha256")
    yield from Evidence.objects.values_list("file", "sha256")


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump and pg_restore, and the password in the environment."""
    settings = connection.settings_dict
    arguments = ["--dbname", settings["NAME"]]
    if settings.get("HOST"):
        arguments += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        arguments += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        arguments += ["--username", str(settings["USER"])]
    environment = dict(os.environ)
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings["PASSWORD"])
    return arguments, environment


def _run(command: list[str], environment: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client programs "
            "(apt-get install postgresql-client) in the same version as the server"
        )
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed: {last}")


def backup(destination: Path) -> Outcome:
    """Write the database and every file it points to into `destination` (a new folder), with
    a manifest of their hashes, then read it all back to check it."""
    vendor = _vendor()
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: name a new folder for the backup")
    destination.mkdir(parents=True, exist_ok=True)
    database = destination / DATABASE_FILES[vendor]
    connection.ensure_connection()
    if vendor == "sqlite":
        # The online backup API copies a consistent snapshot while the service keeps running.
        target = sqlite3.connect(database)
        try:
            connection.connection.backup(target)
            # One self-contained file: the copy leaves write-ahead logging, which it inherits.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    else:
        arguments, environment = _pg_environment()
        # One consistent snapshot, in pg_dump's own compressed format for pg_restore.
        _run(["pg_dump", "--format=custom", "--file", str(database), *arguments], environment)
    held = counts()
    problems: list[str] = []
    files: list[dict[str, Any]] = []
    # Files after the database: every file a row of the snapshot points to exists by then
    # (rows are written after their files, and never point to a different file later).
    for name, recorded in _referenced_files():
        copy = destination / FILES / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            with default_storage.open(name, "rb") as source, copy.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
        except OSError:
            problems.append(f"{name} is missing from the install's files")
            copy.unlink(missing_ok=True)
            continue
        sha256 = _sha256(copy)
        if recorded and sha256 != recorded:
            problems.append(f"{name} does not match the hash recorded when it was uploaded")
        files.append({"name": name, "sha256": sha256, "size": copy.stat().st_size})
    manifest = {
        "format": FORMAT,
        "planwatch": __version__,
        "database": vendor,
        "database_file": database.name,
        "database_sha256": _sha256(database),
        "made_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "counts": held,
        "files": files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    check(destination)
    return Outcome(held, len(files), problems)


def _manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        raise BackupError(
            f"{source} is not a planwatch backup (no readable {MANIFEST}): name the folder "
            "`planwatch backup` wrote"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source} was written by another version of planwatch's backups")
    return manifest


def check(source: Path) -> dict[str, Any]:
    """Read a backup back: every file and the database as the manifest records them."""
    manifest = _manifest(source)
    database = source / manifest["database_file"]
    if not database.is_file() or _sha256(database) != manifest["database_sha256"]:
        raise BackupError(f"{database} is missing or damaged: the backup cannot be used")
    for item in manifest["files"]:
        path = source / FILES / item["name"]
        if not path.is_file() or _sha256(path) != item["sha256"]:
            raise BackupError(f"{path} is missing or damaged: the backup cannot be used")
    if manifest["database"] == "sqlite":
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as reader:
            (result,) = reader.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(f"{database} fails SQLite's integrity check: {result}")
    else:
        _run(["pg_restore", "--list", str(database)])
    return manifest


def restore(source: Path) -> Outcome:
    """Restore a backup into an empty install: its files into storage, then its database.
    Everything is checked first; a restore that cannot be made changes nothing."""
    from planwatch.web.plans import integrity

    manifest = check(source)
    vendor = _vendor()
    if manifest["database"] != vendor:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"this backup is of a {names[manifest['database']]} database and this install uses "
            f"{names[vendor]}: restore it into a {names[manifest['database']]} install"
        )
    held = counts()
    if held["plans"] or held["users"]:
        raise BackupError(
            f"this install already holds {plural(held['plans'], 'plan')} and "
            f"{plural(held['users'], 'user')}: restore only into an empty install (a new data "
            "folder or database)"
        )
    for item in manifest["files"]:
        if default_storage.exists(item["name"]):
            raise BackupError(
                f"{item['name']} is already in this install's files: restore only into an "
                "empty install"
            )
    added: list[str] = []
    try:
        for item in manifest["files"]:
            with (source / FILES / item["name"]).open("rb") as handle:
                saved = default_storage.save(item["name"], File(handle))
            added.append(saved)
            if saved != item["name"]:
                raise BackupError(f"{item['name']} could not be restored under its own name")
        database = source / manifest["database_file"]
        connections.close_all()
        if vendor == "sqlite":
            reader = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            target = sqlite3.connect(connection.settings_dict["NAME"])
            try:
                reader.backup(target)
            finally:
                reader.close()
                target.close()
        else:
            arguments, environment = _pg_environment()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    *arguments,
                    str(database),
                ],
                environment,
            )
    except BaseException:
        for name in added:
            default_storage.delete(name)
        raise
    # The shared cache's table (a backup made before it existed has none), and a new mark:
    # what every server kept in memory was worked out from what the install held before.
    from planwatch.web import caching

    caching.after_migrate()
    restored = counts()
    problems = [str(problem) for problem in integrity.problems()]
    if restored != manifest["counts"]:
        problems.append(f"the install holds {restored}, the backup recorded {manifest['counts']}")
    return Outcome(restored, len(manifest["files"]), problems)
