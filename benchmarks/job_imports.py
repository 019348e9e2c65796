"""Import throughput of the job queue: plans a second, importing one archive of N PDF plans
through procrastinate's queue with one `planwatch worker` on PostgreSQL.

The plans are the fixtures (tests/fixtures/plans/*.json) written as PDFs by planwatch's own
writer (tagged, as WeasyPrint writes them), each under an establishment name of its own
("HMP Bench 0001", ...), so that every one is a new plan, not a file already held. They are
zipped into one archive, uploaded as the import page does (an import job of one archive), and
one worker process runs it. Each plan goes the whole way a real import goes: read in the
budgeted child process, stored, classified, linked to similar concerns across the estate so
far, its quality checked.

    .ci/with-postgres python3 benchmarks/job_imports.py                 # 300 plans
    .ci/with-postgres python3 benchmarks/job_imports.py --plans 1500    # the whole estate
    python3 benchmarks/job_imports.py --database-url postgres://postgres@127.0.0.1:54329/bench

The database named is dropped and created afresh: give a scratch one. `--keep DIR` keeps the
PDFs made (making them takes about half a second each) for the next run.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

REPOSITORY = Path(__file__).resolve().parents[1]
PLANS = REPOSITORY / "tests" / "fixtures" / "plans"


def make_pdf(task: tuple[Path, int, Path]) -> Path:
    """One fixture plan under a new establishment's name, written as a PDF."""
    source, number, folder = task
    target = folder / f"hmp-bench-{number:04d}.pdf"
    if target.exists():
        return target
    from planwatch import model, writers

    data = json.loads(source.read_text("utf-8"))
    data["establishment"] = f"HMP Bench {number:04d}"
    target.write_bytes(writers.write([writers.PlanExport(model.Plan.from_dict(data))], "pdf"))
    return target


def make_pdfs(count: int, folder: Path) -> list[Path]:
    fixtures = sorted(PLANS.glob("*.json"))
    tasks = [(fixtures[number % len(fixtures)], number + 1, folder) for number in range(count)]
    with multiprocessing.Pool(max(1, (os.cpu_count() or 1))) as pool:
        return pool.map(make_pdf, tasks, chunksize=4)


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    maintenance = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=300, help="plans in the archive")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a scratch PostgreSQL database (default: DATABASE_URL's server, database "
        "planwatch_job_bench)",
    )
    parser.add_argument("--keep", type=Path, help="a folder to keep (and reuse) the PDFs in")
    args = parser.parse_args()
    url = args.database_url or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "job_imports: the queue is PostgreSQL's: give --database-url, or run under "
            ".ci/with-postgres",
            file=sys.stderr,
        )
        return 2
    if not args.database_url:
        url = urlparse(url)._replace(path="/planwatch_job_bench").geturl()
    sys.path.insert(0, str(REPOSITORY / "src"))
    work = Path(tempfile.mkdtemp(prefix="planwatch-job-bench-"))
    folder = args.keep or work / "pdfs"
    folder.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    pdfs = make_pdfs(args.plans, folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in pdfs:
            archive.write(path, f"plans/{path.name}")
    print(
        f"{len(pdfs)} PDF plans ({sum(p.stat().st_size for p in pdfs) / 1e6:.1f} MB), "
        f"archive {len(buffer.getvalue()) / 1e6:.1f} MB, made in "
        f"{time.perf_counter() - started:.0f} s"
    )

    recreate_database(url)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "PLANWATCH_DATA_DIR": str(work / "data"),
            "PLANWATCH_JOBS": "queue",
            "DJANGO_SETTINGS_MODULE": "planwatch.web.settings",
        }
    )
    from planwatch.web.commands import migrate, setup_django

    setup_django()
    migrate()
    from django.contrib.auth import get_user_model

    from planwatch.web.plans import jobs
    from planwatch.web.plans.job_models import Job

    admin = get_user_model().objects.create_superuser("bench", "bench@example.invalid", "x")
    buffer.seek(0)
    job = jobs.start_import(admin, [jobs.Upload("estate.zip", buffer)])
    print(f"import job {job.pk} queued; running one worker (planwatch worker --once)")

    from django.db import connection

    connection.close()
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY / "src")}
    environment.pop("DJANGO_SETTINGS_MODULE")
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "planwatch.cli", "worker", "--once"],
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - began
    job = Job.objects.get(pk=job.pk)
    assert job.started_at is not None and job.finished_at is not None
    running = (job.finished_at - job.started_at).total_seconds()
    imported = job.items.filter(outcome="imported").count()
    print(f"job: {job.summary} ({job.state})")
    print(
        f"{imported} plans in {running:.1f} s of the job's running time: "
        f"{imported / running:.2f} plans a second "
        f"({wall:.1f} s with the worker's start, {imported / wall:.2f} plans a second)"
    )
    load = os.getloadavg()
    print(f"load average while finishing: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return 0 if job.state == "done" and imported == len(pdfs) else 1


if __name__ == "__main__":
    sys.exit(main())
