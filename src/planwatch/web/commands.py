"""What the `planwatch` command does with the database: import files, set up and serve."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from planwatch.readers import SUFFIXES


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planwatch.web.settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def plan_files(paths: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Files to import from files and folders given; and messages for paths that are missing."""
    files: list[Path] = []
    problems: list[str] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(
                item
                for item in path.rglob("*")
                if item.is_file()
                and item.suffix.lower() in SUFFIXES.values()
                and not any(part.startswith(".") for part in item.relative_to(path).parts)
            )
            if not found:
                problems.append(f"{path} holds no .pdf, .docx, .odt or .txt files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(f"{path} does not exist: check the path")
    return files, problems


@contextlib.contextmanager
def acting_as(user):
    """Record changes made outside a web request as this user's, in the change history,
    as django-simple-history's middleware does for a request."""
    from simple_history.models import HistoricalRecords

    HistoricalRecords.context.request = types.SimpleNamespace(user=user)
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def import_paths(paths: list[str], console, username: str | None = None) -> int:
    """Import every plan file found; one transaction per file. Returns the exit status."""
    from rich.progress import Progress

    from planwatch.errors import PlanReadError
    from planwatch.readers import load_bytes

    setup_django()
    migrate()
    from django.contrib.auth import get_user_model

    from planwatch.web.plans.services import ImportResult, import_plan_bytes

    user = None
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            console.print(
                f"planwatch: there is no user called {username}: check the name, or create "
                "one with 'planwatch manage createsuperuser'",
                markup=False,
            )
            return 2

    files, problems = plan_files(paths)
    results: list[ImportResult] = [ImportResult("refused", problem) for problem in problems]

    def one(path: Path) -> ImportResult:
        try:
            data = load_bytes(path)
        except PlanReadError as error:
            return ImportResult("refused", str(error))
        if user is None:
            return import_plan_bytes(data, str(path))
        with acting_as(user):
            return import_plan_bytes(data, str(path), user=user)

    if len(files) > 1:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Importing plans", total=len(files))
            for path in files:
                results.append(one(path))
                progress.advance(task)
    else:
        results.extend(one(path) for path in files)

    for result in results:
        console.print(f"{result.outcome}: {result.message}", markup=False, soft_wrap=True)
    counts = {
        outcome: sum(r.outcome == outcome for r in results)
        for outcome in ("imported", "skipped", "refused")
    }
    console.print(
        f"{counts['imported']} imported, {counts['skipped']} skipped (already held), "
        f"{counts['refused']} refused",
        markup=False,
    )
    return 2 if counts["refused"] else 0


def prepare_demo(console) -> None:
    """Import the bundled sample plan and create a demo administrator, once each."""
    from django.contrib.auth import get_user_model

    from planwatch.pipeline import SAMPLE_PLAN
    from planwatch.web.plans.models import Plan
    from planwatch.web.plans.services import import_plan_bytes

    if not Plan.objects.exists():
        result = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name)
        console.print(
            f"Sample plan {result.outcome}: {result.message}", markup=False, soft_wrap=True
        )
    users = get_user_model().objects
    if not users.filter(is_superuser=True).exists():
        password = secrets.token_urlsafe(12)
        users.create_superuser("admin", "admin@example.invalid", password)
        console.print(
            "Demo administrator created. Sign in as 'admin' with the password "
            f"{password} (shown this once).",
            markup=False,
        )


ASSETS_NOTE = ".planwatch-assets"


def assets_fingerprint() -> str:
    """What the assets to collect are: every file each finder would collect (planwatch's,
    GOV.UK Frontend's, and those of the admin and the API's pages), with its size and time
    of change."""
    import hashlib

    from django.contrib.staticfiles import finders

    listed = []
    for finder in finders.get_finders():
        for name, storage in finder.list([]):
            stat = Path(storage.path(name)).stat()
            prefix = getattr(storage, "prefix", None) or ""
            listed.append(f"{prefix}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(listed)).encode()).hexdigest()


def collect_assets() -> bool:
    """Collect (and compress) the assets into STATIC_ROOT, unless those collected last time
    came from the same files: compressing them all costs about 25 s of CPU at every start.
    True when they were collected."""
    from django.conf import settings
    from django.core.management import call_command

    note = Path(settings.STATIC_ROOT) / ASSETS_NOTE
    fingerprint = assets_fingerprint()
    if note.exists() and note.read_text(encoding="utf-8") == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    note.write_text(fingerprint, encoding="utf-8")
    return True


def serve(host: str, port: int, demo: bool, workers: int, console) -> int:
    """Migrate, collect the static assets, optionally seed the demo, then run gunicorn."""
    from django.conf import settings

    setup_django()
    if not (settings.GOVUK_FRONTEND / "govuk-frontend.min.css").exists():
        console.print(
            f"planwatch: the GOV.UK Frontend assets are missing ({settings.GOVUK_FRONTEND}): "
            "run 'npm ci' in the planwatch folder first",
            markup=False,
        )
        return 2
    migrate()
    if settings.PLANWATCH_COLLECT_STATIC:
        collect_assets()
    if demo:
        prepare_demo(console)
    console.print(f"Serving planwatch on http://{host}:{port} (press Ctrl+C to stop)", markup=False)
    sys.stdout.flush()
    # Each gunicorn worker counts in its own process: Prometheus' multiprocess mode adds them
    # up in /metrics. Its folder starts empty each time the server starts.
    metrics_dir = settings.DATA_DIR / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    # gunicorn under this same interpreter, so that it serves this installation of planwatch
    # (a gunicorn found on PATH may belong to another environment).
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "planwatch.web.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--config",
            "python:planwatch.web.gunicorn_config",
        ],
    )


def manage(arguments: list[str]) -> int:
    from django.core.management import execute_from_command_line

    setup_django()
    execute_from_command_line(["planwatch manage", *arguments])
    return 0


def export(plan: str | None, fmt: str, everything: bool, output: str | None, console) -> int:
    """Write one plan (a stored plan's number, or a plan file) or every stored plan."""
    from planwatch import writers
    from planwatch.errors import PlanReadError
    from planwatch.pipeline import read_plan

    if everything:
        setup_django()
        migrate()
        from planwatch.web.plans.exporting import export_of
        from planwatch.web.plans.models import Plan

        plans = (
            Plan.objects.filter(state=Plan.State.SUBMITTED)
            .select_related("inspection__establishment")
            .order_by("inspection__establishment__name", "inspection__start", "version")
        )
        exports = [export_of(item) for item in plans]
        default = f"planwatch-open-data.{fmt}"
    elif plan is not None and plan.isdigit() and not Path(plan).exists():
        setup_django()
        migrate()
        from planwatch.web.plans.exporting import export_of, file_name
        from planwatch.web.plans.models import Plan

        stored = (
            Plan.objects.filter(pk=int(plan)).select_related("inspection__establishment").first()
        )
        if stored is None:
            console.print(
                f"planwatch: no plan {plan} is held: give the number shown in the plan page's "
                "address, or the path of a plan file",
                markup=False,
            )
            return 2
        exports = [export_of(stored, document=fmt in writers.DOCUMENT_FORMATS)]
        default = file_name(stored, fmt)
    else:
        if plan is None:
            console.print(
                "planwatch: give a plan file or a stored plan's number, or --all", markup=False
            )
            return 2
        try:
            reading = read_plan(plan)
        except PlanReadError as error:
            console.print(f"planwatch: {error}", markup=False)
            return 2
        exports = [writers.PlanExport(reading)]
        default = f"{Path(plan).stem}.{fmt}"
    data = writers.write(exports, fmt)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    target = Path(output or default)
    target.write_bytes(data)
    console.print(f"wrote {target} ({len(data):,} bytes)", markup=False)
    return 0


def remind(as_of: str | None, window: int, dry_run: bool, console) -> int:
    from planwatch.dates import DateError, parse_iso_date

    # Checked before the database is touched: a bad date is refused at once.
    try:
        day = parse_iso_date(as_of) if as_of else None
    except DateError as error:
        console.print(f"planwatch: --as-of: {error}", markup=False)
        return 2
    setup_django()
    migrate()
    from planwatch.web.plans import rules
    from planwatch.web.plans.reminders import recipients_without_email, send_reminders

    day = day or rules.today()
    outcomes = send_reminders(day, window, dry_run=dry_run)
    for outcome in outcomes:
        digest = outcome.digest
        what = f"{len(digest.overdue)} overdue, {len(digest.due_soon)} due within {window} days"
        if outcome.sent:
            console.print(f"sent to {digest.user.email}: {what}", markup=False)
        else:
            console.print(
                f"not sent to {digest.user.email} ({outcome.reason}): {what}", markup=False
            )
    for username in recipients_without_email():
        console.print(f"{username} acts for owners but has no email address", markup=False)
    sent = sum(outcome.sent for outcome in outcomes)
    console.print(f"{sent} reminder{'s' if sent != 1 else ''} sent", markup=False)
    return 0


def worker(concurrency: int, once: bool, metrics_port: int | None, console) -> int:
    """`planwatch worker`: procrastinate's worker against the configured PostgreSQL, running
    background jobs until stopped (SIGINT or SIGTERM let the running job finish), or with
    `once` until none is waiting. Where jobs run in process (SQLite) there is nothing to run:
    one line, and exit status 2, so that a worker started against the wrong database fails
    rather than idles."""
    setup_django()
    from django.conf import settings

    if settings.PLANWATCH_JOBS != "queue":
        print(
            "planwatch: jobs run in process here (SQLite, or PLANWATCH_JOBS=in-process), as "
            "they are started: there is no queue for a worker; set DATABASE_URL to PostgreSQL "
            "to queue them",
            file=sys.stderr,
        )
        return 2
    if concurrency < 1:
        print("planwatch: --concurrency must be 1 or more", file=sys.stderr)
        return 2
    migrate()
    from procrastinate.contrib.django import app

    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)
    console.print(
        f"planwatch worker: running jobs from the queue ({concurrency} at a time"
        f"{'; stopping when none is waiting' if once else '; Ctrl+C to stop'})",
        markup=False,
    )
    sys.stdout.flush()
    with app.replace_connector(app.connector.get_worker_connector()):  # type: ignore[attr-defined]
        app.run_worker(
            queues=["planwatch"],
            concurrency=concurrency,
            wait=not once,
            install_signal_handlers=True,
        )
    return 0


def verify(console) -> int:
    """Check every hash chain and evidence file; exit 1 and list the breaks if any."""
    setup_django()
    migrate()
    from planwatch import labels
    from planwatch.web.plans import integrity
    from planwatch.web.plans.models import Evidence, Judgement, ProgressUpdate

    problems = list(integrity.problems())
    for problem in problems:
        console.print(f"broken: {problem}", markup=False, soft_wrap=True)
    counts = ", ".join(
        (
            labels.plural(ProgressUpdate.objects.count(), "update"),
            labels.plural(Judgement.objects.count(), "judgement"),
            labels.plural(Evidence.objects.count(), "evidence file"),
        )
    )
    if problems:
        console.print(f"{labels.plural(len(problems), 'problem')} found in {counts}", markup=False)
        return 1
    console.print(f"The history is intact: {counts} checked", markup=False)
    return 0


def backup(destination: Path, console) -> int:
    """`planwatch backup DEST`: exit 2 when it cannot be made, 1 when the install's own
    files were found missing or changed (the backup is written all the same)."""
    setup_django()
    migrate()
    from planwatch.web import backups

    try:
        outcome = backups.backup(destination)
    except backups.BackupError as error:
        print(f"planwatch: {error}", file=sys.stderr)
        return 2
    return _report("Backed up", destination, outcome, console)


def restore(source: Path, console) -> int:
    """`planwatch restore SRC`: into an empty install only; checked against the backup."""
    setup_django()
    migrate()
    from planwatch.web import backups

    try:
        outcome = backups.restore(source)
    except backups.BackupError as error:
        print(f"planwatch: {error}", file=sys.stderr)
        return 2
    return _report("Restored", source, outcome, console)


def _report(verb: str, where: Path, outcome, console) -> int:
    from planwatch import labels

    held = outcome.counts
    console.print(
        f"{verb} {where}: "
        + ", ".join(
            (
                labels.plural(held["plans"], "plan"),
                labels.plural(held["actions"], "action"),
                labels.plural(held["progress_updates"], "update"),
                labels.plural(held["judgements"], "judgement"),
                labels.plural(held["users"], "user"),
                labels.plural(outcome.files, "file"),
            )
        ),
        markup=False,
        soft_wrap=True,
    )
    for problem in outcome.problems:
        console.print(f"problem: {problem}", markup=False, soft_wrap=True)
    if outcome.problems:
        return 1
    console.print("Checked: every file matches its recorded hash", markup=False)
    return 0


def _user_named(username: str | None, console):
    """The user named by --as (None when not given); False when there is no such user."""
    if not username:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        console.print(
            f"planwatch: there is no user called {username}: check the name, or create "
            "one with 'planwatch manage createsuperuser'",
            markup=False,
        )
        return False
    return user


def report_import(report, path: str, username: str | None, console) -> int:
    """Start a draft plan from an inspection report already read. Returns the exit status."""
    setup_django()
    migrate()
    from planwatch.web.plans import services

    user = _user_named(username, console)
    if user is False:
        return 2
    establishment = services.establishment_named(report.establishment)
    try:
        with acting_as(user) if user is not None else contextlib.nullcontext():
            plan = services.start_draft_from_report(report, establishment, user, path)
    except services.Refused as refusal:
        console.print(f"planwatch: {refusal.message}", markup=False, soft_wrap=True)
        return 2
    console.print(
        f"Draft started: {plan} with {len(report.concerns)} concerns; add its actions at "
        f"/plans/{plan.pk}/edit/",
        markup=False,
        soft_wrap=True,
    )
    return 0


def review_import(review, path: str, username: str | None, confirm: bool, console) -> int:
    """Show how a review's judgements match the plan held; with confirm, record the matched
    ones as the inspector named. Returns the exit status."""
    setup_django()
    migrate()
    from rich.table import Table

    from planwatch import labels
    from planwatch.dates import parse_iso_date
    from planwatch.reports_in.irp import match_items
    from planwatch.web.access import permissions
    from planwatch.web.plans import services

    plan, notes = services.plan_reviewed(review)
    if plan is None:
        console.print(f"planwatch: {notes[0]}", markup=False, soft_wrap=True)
        return 2
    concerns = list(plan.concerns.order_by("position"))
    matches = match_items(review.items, [(concern.ref, concern.text) for concern in concerns])
    console.print(
        f"{plan.establishment.name}, {plan.inspection.label}: version {plan.version} of its plan",
        style="bold",
        markup=False,
    )
    table = Table(show_lines=True, expand=True)
    table.add_column("In the review", ratio=4)
    table.add_column("Judgement", ratio=2)
    table.add_column("Matched", no_wrap=True)
    table.add_column("Concern in the plan", no_wrap=True)
    for match in matches:
        item = match.item
        table.add_row(
            f"{item.label.capitalize()}: {item.text}".rstrip(": "),
            labels.RATINGS[item.rating] if item.rating else "none read",
            {"number": "by number", "text": "by text", "": "not matched"}[match.how],
            match.concern_ref or "-",
        )
    console.print(table)
    for note in [*notes, *review.warnings]:
        console.print(f"warning: {note}", markup=False, highlight=False, soft_wrap=True)
    chosen = [
        services.ReviewJudgement(
            next(c for c in concerns if c.ref == match.concern_ref),
            match.item.rating,
            services.review_reason(review, match.item),
        )
        for match in matches
        if match.concern_ref is not None and match.item.rating
    ]
    if not confirm:
        console.print(
            f"Nothing recorded. To record these {len(chosen)} matched judgements: planwatch "
            f"review-import {path} --confirm --as USERNAME (an inspector for "
            f"{plan.establishment.name}); to change a match, use the Reviews of progress page",
            markup=False,
            soft_wrap=True,
        )
        return 0
    user = _user_named(username, console)
    if user is False:
        return 2
    if user is None:
        console.print(
            "planwatch: --confirm needs --as USERNAME, the inspector recording the judgements; "
            "nothing was recorded",
            markup=False,
        )
        return 2
    if not permissions.can_judge(user, plan.inspection.establishment_id):
        console.print(
            f"planwatch: {user.get_username()} may not record judgements for "
            f"{plan.establishment.name}; nothing was recorded",
            markup=False,
        )
        return 2
    try:
        with acting_as(user):
            recorded, held = services.record_review(
                plan, user, chosen, parse_iso_date(review.judged_on)
            )
    except services.Refused as refusal:
        console.print(
            f"planwatch: {refusal.message}; nothing was recorded", markup=False, soft_wrap=True
        )
        return 2
    console.print(
        f"{labels.plural(recorded, 'judgement')} recorded, {held} already held",
        markup=False,
    )
    return 0


def similar(recompute: bool, console) -> int:
    """Links between concerns on the same matter: count them, or work them all out again
    (with what owners had reported when each concern was judged)."""
    import time

    setup_django()
    migrate()
    from planwatch import labels
    from planwatch.web.plans import learning
    from planwatch.web.plans.learned import ConcernLink, SelfReport
    from planwatch.web.plans.models import Concern

    started = time.perf_counter()
    if recompute:
        learning.recompute_links()
        learning.recompute_self_reports()
    links = ConcernLink.objects.all()
    compared = Concern.objects.compared().count()
    recurring = links.filter(same_establishment=True).values("concern").distinct().count()
    message = (
        f"{labels.plural(compared, 'concern')} compared: "
        f"{labels.plural(recurring, 'concern')} raised at another inspection of the same "
        f"establishment too, {labels.plural(links.count(), 'link')} in all; "
        f"{labels.plural(SelfReport.objects.count(), 'judged concern')} with what owners "
        "had reported"
    )
    if recompute:
        message += f" (worked out again in {time.perf_counter() - started:.1f} s)"
    console.print(message, markup=False, soft_wrap=True)
    return 0


def classify(console) -> int:
    """Recompute the classified area and topics of every concern held; those printed in a
    plan or set by a person are kept."""
    setup_django()
    migrate()
    import time

    from planwatch import labels
    from planwatch.web.plans import themes

    started = time.perf_counter()
    count = themes.classify_estate()
    console.print(
        f"{labels.plural(count, 'concern')} classified in {time.perf_counter() - started:.1f} s "
        "(areas printed in a plan, and areas and topics set by a person, kept)",
        markup=False,
    )
    return 0


def search_command(
    text: str, filters: dict[str, str], username: str | None, as_json: bool, page: int, console
) -> int:
    """`planwatch search`: concerns found, with what matched under each; as a user's view with
    --as, else everything held (drafts too, as an administrator sees it)."""
    import json

    setup_django()
    migrate()
    from django.contrib.auth import get_user_model

    from planwatch import labels
    from planwatch.web.plans import search
    from planwatch.web.plans.models import Establishment

    def refuse(message: str) -> int:
        console.print(f"planwatch: {message}", markup=False, soft_wrap=True)
        return 2

    user: Any
    if username is None:
        user = get_user_model()(username="planwatch search", is_superuser=True)
    else:
        user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return refuse(f"--as: no user is called {username!r}")
    slug = ""
    if named := filters.get("establishment"):
        found = Establishment.objects.filter(name__iexact=named).first() or (
            Establishment.objects.filter(slug=named).first()
        )
        if found is None:
            return refuse(f"--establishment: no establishment is called {named!r}")
        slug = found.slug
    year = filters.get("year")
    chosen = search.Filters(
        establishment=slug,
        area=filters.get("area", ""),
        topic=filters.get("topic", ""),
        category=filters.get("category", ""),
        year=int(year) if year else None,
        status=filters.get("status", ""),
        rating=filters.get("rating", ""),
    )
    for name, message in search.check_filters(chosen, user).items():
        return refuse(f"--{name}: {message}")
    try:
        results = search.search(user, text, chosen, page)
    except search.QueryError as error:
        return refuse(str(error))
    if as_json:
        console.print_json(json.dumps(results.to_dict()))
        return 0
    stems = search._stems(results.terms)
    asked = ", ".join(" ".join(term.words) for term in results.terms)
    console.print(f"{labels.plural(results.total, 'concern')} found for: {asked}", markup=False)
    for result in results.results:
        draft = " (draft)" if result.draft else ""
        console.print(
            f"\n{result.establishment}, inspection {result.inspection_year or 'year not known'}, "
            f"plan version {result.plan_version}{draft}: "
            f"{labels.CATEGORIES.get(result.category, result.category)} {result.ref}",
            markup=False,
            soft_wrap=True,
        )
        text_shown = search.mark_words(result.text, stems) if result.text_matches else result.text
        console.print(f"  {text_shown}", markup=False, soft_wrap=True)
        for hit in result.hits:
            status = (
                f" ({labels.DISPLAY_STATUSES[hit.status]})"
                if hit.kind == "action" and hit.status in labels.DISPLAY_STATUSES
                else ""
            )
            console.print(
                f"  {hit.label}{status}: {search.mark_words(hit.text, stems)}",
                markup=False,
                soft_wrap=True,
            )
        if result.more_notes:
            counted = ", ".join(f"{more.label} ({more.count})" for more in result.more_notes)
            verb = "matches" if result.more_notes_count == 1 else "match"
            console.print(
                f"  {labels.plural(result.more_notes_count, 'more progress note')} {verb}: "
                f"{counted}",
                markup=False,
                soft_wrap=True,
            )
    if results.page is not None and results.page.paginator.num_pages > 1:
        console.print(
            f"\nPage {results.page.number} of {results.page.paginator.num_pages}: "
            "--page N for another",
            markup=False,
        )
    return 0
