"""What the `planwatch` command does with the database: import files, set up and serve."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

PLAN_SUFFIXES = {".pdf", ".docx", ".odt", ".txt"}


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
                and item.suffix.lower() in PLAN_SUFFIXES
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


def import_paths(paths: list[str], console) -> int:
    """Import every plan file found; one transaction per file. Returns the exit status."""
    from rich.progress import Progress

    from planwatch.errors import PlanReadError
    from planwatch.readers import load_bytes

    setup_django()
    migrate()
    from planwatch.web.plans.importing import ImportResult, import_plan_bytes

    files, problems = plan_files(paths)
    results: list[ImportResult] = [ImportResult("refused", problem) for problem in problems]

    def one(path: Path) -> ImportResult:
        try:
            data = load_bytes(path)
        except PlanReadError as error:
            return ImportResult("refused", str(error))
        return import_plan_bytes(data, str(path))

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
    from planwatch.web.plans.importing import import_plan_bytes
    from planwatch.web.plans.models import Plan

    if not Plan.objects.exists():
        result = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name)
        console.print(f"Sample plan {result.outcome}: {result.message}", markup=False)
    users = get_user_model().objects
    if not users.filter(is_superuser=True).exists():
        password = secrets.token_urlsafe(12)
        users.create_superuser("admin", "admin@example.invalid", password)
        console.print(
            "Demo administrator created. Sign in as 'admin' with the password "
            f"{password} (shown this once).",
            markup=False,
        )


def serve(host: str, port: int, demo: bool, workers: int, console) -> int:
    """Migrate, collect the static assets, optionally seed the demo, then run gunicorn."""
    from django.conf import settings
    from django.core.management import call_command

    setup_django()
    if not (settings.GOVUK_FRONTEND / "govuk-frontend.min.css").exists():
        console.print(
            f"planwatch: the GOV.UK Frontend assets are missing ({settings.GOVUK_FRONTEND}): "
            "run 'npm ci' in the planwatch folder first",
            markup=False,
        )
        return 2
    migrate()
    call_command("collectstatic", interactive=False, verbosity=0)
    if demo:
        prepare_demo(console)
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    console.print(f"Serving planwatch on http://{host}:{port} (press Ctrl+C to stop)", markup=False)
    sys.stdout.flush()
    os.execv(
        gunicorn,
        [
            gunicorn,
            "planwatch.web.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ],
    )
    return 0  # not reached: gunicorn replaces this process


def manage(arguments: list[str]) -> int:
    from django.core.management import execute_from_command_line

    setup_django()
    execute_from_command_line(["planwatch manage", *arguments])
    return 0
