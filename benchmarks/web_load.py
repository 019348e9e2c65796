"""Latency of the main pages on an estate-sized database, under concurrent clients on loopback.

Builds 130 establishments x 3 plans x 60 actions x 20 updates (about 470,000 updates), serves
them with gunicorn, and has 20 concurrent clients fetch the establishments page, plan pages,
the overdue page and searches. Prints p50 and p95 latency per page. Target: p95 under 200 ms
on each page, and under 300 ms for search (words, a phrase, and words with filters).

    apt-get install wrk                                              # the load generator
    python3 benchmarks/web_load.py                                   # SQLite, in a temp folder
    python3 benchmarks/web_load.py --database-url postgres://postgres@127.0.0.1:54329/planwatch_load

With PostgreSQL the named database is dropped and created afresh: give a scratch one.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ESTABLISHMENTS = 130
PLANS_EACH = 3
CONCERNS_PER_PLAN = 10
ACTIONS_PER_CONCERN = 6
UPDATES_PER_ACTION = 20
TARGET_P95_MS = 200
TARGETS_MS = {"search": 300}
# Progress notes as establishments write them.
NOTES = [
    "weekly figures reviewed at the regime meeting.",
    "new timetable agreed with the unions and trialled on two wings.",
    "audit completed; findings shared with the senior leadership team.",
    "recruitment campaign launched for twelve officers.",
    "drug testing rate doubled since April.",
    "cell checks now recorded on the wing log every night.",
    "training delivered to thirty staff; more sessions booked.",
    "waiting list reduced to six weeks.",
    "procedure rewritten and published on the intranet.",
    "funding bid submitted to the regional office.",
    "no progress this month: staff redeployed to cover shortfalls.",
    "peer mentors appointed on every wing.",
    "first-night centre refurbished and reopened.",
    "complaints backlog cleared; responses checked weekly.",
    "education places increased by forty.",
    "resettlement fair held with local employers.",
    "body-worn camera compliance checked daily by supervisors.",
    "segregation reviews now attended by health care.",
    "showers repaired on three landings.",
    "key work sessions recorded for most prisoners.",
]
# Concerns in the published style, so that searches find some concerns and not others.
CONCERN_TEXTS = [
    "too few prisoners were unlocked for long enough.",
    "use of force was not always proportionate and body-worn cameras were rarely used.",
    "self-harm was high and case management for prisoners in crisis was weak.",
    "illicit drugs were easy to obtain and testing was infrequent.",
    "cells were dirty, cramped and poorly ventilated.",
    "the segregation unit was used for long periods without a plan to return prisoners.",
    "too few prisoners were in education, skills or work.",
    "release planning started too late and many left without an address.",
    "health care waiting lists were long, especially for mental health.",
    "staff-prisoner relationships were distant and key work rarely happened.",
    "new arrivals were not screened properly on their first night.",
    "complaints were not answered on time and responses lacked detail.",
]


def prepare_environment(database_url: str | None) -> None:
    data_dir = tempfile.mkdtemp(prefix="planwatch-load-")
    os.environ["PLANWATCH_DATA_DIR"] = data_dir
    os.environ["PLANWATCH_PUBLIC_READ"] = "1"  # the pages as the public reads them
    os.environ["DJANGO_SETTINGS_MODULE"] = "planwatch.web.settings"
    Path(data_dir, "static").mkdir()
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        recreate_postgres_database(database_url)
    else:
        os.environ.pop("DATABASE_URL", None)


def recreate_postgres_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    maintenance = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def build_estate() -> dict:
    """Write the estate with bulk inserts; return a few plan ids to visit."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from planwatch.web.plans.models import (
        Action,
        Concern,
        Establishment,
        Inspection,
        Judgement,
        Plan,
        ProgressUpdate,
    )
    from planwatch.web.plans.rules import due_date_for

    call_command("migrate", verbosity=0)
    random.seed(7)
    author = get_user_model().objects.create_user("loader")
    owners = ["Director", "Head of Security", "Head of Residence", "NHFT", "Head of Education"]
    statuses = ["not_started", "in_progress", "in_progress", "deferred", "completed"]
    started = time.perf_counter()
    Establishment.objects.bulk_create(
        Establishment(name=f"HMP Loadshire {number:03d}", slug=f"hmp-loadshire-{number:03d}")
        for number in range(ESTABLISHMENTS)
    )
    inspections = []
    for establishment in Establishment.objects.all():
        for index in range(PLANS_EACH):
            start = datetime.date(2019 + 3 * index, 1 + establishment.pk % 12, 5)
            inspections.append(
                Inspection(
                    establishment=establishment,
                    start=start,
                    end=start + datetime.timedelta(days=10),
                    report_published=start + datetime.timedelta(days=90),
                )
            )
    Inspection.objects.bulk_create(inspections)
    Plan.objects.bulk_create(
        Plan(
            inspection=inspection,
            version=1,
            state="submitted",
            submitted_on=inspection.report_published + datetime.timedelta(days=45),
            in_force_from=inspection.report_published + datetime.timedelta(days=45),
        )
        for inspection in Inspection.objects.all()
    )
    Concern.objects.bulk_create(
        Concern(
            plan=plan,
            position=position,
            ref=str(position + 1),
            category="priority" if position < 3 else "key",
            text=f"Concern {position + 1}: {random.choice(CONCERN_TEXTS)}",
        )
        for plan in Plan.objects.all()
        for position in range(CONCERNS_PER_PLAN)
    )
    actions = []
    for concern in Concern.objects.select_related("plan"):
        submitted = concern.plan.submitted_on
        for position in range(ACTIONS_PER_CONCERN):
            month = submitted + datetime.timedelta(days=30 * random.randint(1, 14))
            target = f"{month.year:04d}-{month.month:02d}"
            actions.append(
                Action(
                    concern=concern,
                    plan_id=concern.plan_id,
                    position=position,
                    text=(
                        f"The Head of Residence will publish a regime for wing {position} with "
                        "at least six hours out of cell each weekday, reported weekly."
                    ),
                    owner=random.choice(owners),
                    target_text=f"{month:%B %Y}",
                    target=target,
                    target_due=due_date_for(target),
                    due=due_date_for(target),
                    status=random.choice(statuses),
                )
            )
    for action in actions:
        action.owner_normalised = action.owner
    Action.objects.bulk_create(actions, batch_size=5000)
    batch = []
    for action_id, lineage, status in Action.objects.values_list("pk", "lineage", "status"):
        for number in range(UPDATES_PER_ACTION):
            batch.append(
                ProgressUpdate(
                    action_id=action_id,
                    lineage=lineage,
                    status=status if number == UPDATES_PER_ACTION - 1 else "in_progress",
                    note=f"Update {number + 1}: {random.choice(NOTES)}",
                    author=author,
                )
            )
        if len(batch) >= 20000:
            ProgressUpdate.objects.bulk_create(batch)
            batch = []
    ProgressUpdate.objects.bulk_create(batch)
    # Judgements at the independent reviews of the earlier inspections' plans.
    ratings = ["no_meaningful", "insufficient", "reasonable", "good"]
    Judgement.objects.bulk_create(
        Judgement(
            concern=concern,
            inspection_id=concern.plan.inspection_id,
            concern_ref=concern.ref,
            rating=random.choice(ratings),
            reason=random.choice(
                [
                    "Inspectors found the regime meeting reviewed figures but little changed.",
                    "Drug testing had increased and positive tests had fallen.",
                    "Time out of cell was still short for most prisoners.",
                ]
            ),
            judged_on=concern.plan.submitted_on + datetime.timedelta(days=400),
            judged_by=author,
        )
        for concern in Concern.objects.select_related("plan").filter(
            plan__inspection__start__year__lt=2025
        )
    )
    if connection.vendor == "postgresql":
        # Statistics and visibility maps, as a database in use would have from autovacuum.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elapsed = time.perf_counter() - started
    latest_plans = list(
        Plan.objects.filter(inspection__start__year=2025).values_list("pk", flat=True)[:20]
    )
    return {
        "establishments": Establishment.objects.count(),
        "plans": Plan.objects.count(),
        "actions": Action.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "seconds": elapsed,
        "plan_ids": latest_plans,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "planwatch.web.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=os.environ.copy(),
    )
    import requests

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            return server
        except requests.RequestException:  # not listening yet, or its first answer is slow
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("web_load: gunicorn did not start within a minute")


def load(base: str, paths: list[str], total: int, clients: int) -> list[float]:
    """`clients` threads fetch the paths in turn until `total` requests are done. A plain
    http.client keeps the measuring cheap: the clients share the machine with the server."""
    import http.client

    host, port = urlparse(base).hostname, urlparse(base).port
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        while True:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            path = paths[number % len(paths)]
            started = time.perf_counter()
            connection = http.client.HTTPConnection(host, port, timeout=60)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise SystemExit(f"web_load: {path} answered {response.status}")
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
response = function(status, headers, body)
  if status ~= 200 then io.stderr:write("status " .. status .. "\\n") end
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%.3f %%.3f %%d\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read))
end
"""


def load_with_wrk(
    base: str, paths: list[str], seconds: int, clients: int
) -> tuple[int, float, float]:
    """wrk (C, from Debian's packages) keeps the load generator's own CPU use small, which
    matters when it shares two cores with the server. Returns requests, p50 and p95 in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths))
    result = subprocess.run(
        ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "-s", script.name, base],
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(script.name)
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    _, requests, p50, p95, errors = line.split()
    if int(errors):
        raise SystemExit(f"web_load: {errors} failed requests: {result.stderr.strip()}")
    return int(requests), float(p50), float(p95)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (default SQLite)")
    parser.add_argument("--requests", type=int, default=400, help="requests per page")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one a core)")
    parser.add_argument(
        "--seconds", type=int, default=15, help="load per page with wrk (when installed)"
    )
    parser.add_argument("--only", metavar="PAGE", help="measure one page only (e.g. search)")
    args = parser.parse_args()

    prepare_environment(args.database_url)
    estate = build_estate()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{backend}: {estate['establishments']} establishments, {estate['plans']} plans, "
        f"{estate['actions']:,} actions, {estate['updates']:,} updates "
        f"(built in {estate['seconds']:.0f} s)"
    )
    port = free_port()
    server = start_server(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    pages = {
        "establishments": ["/"],
        "plan": [f"/plans/{pk}/" for pk in estate["plan_ids"]],
        "overdue": ["/overdue/"],
        "search": [
            "/search/?q=prisoners",
            "/search/?q=%22use+of+force%22",
            "/search/?q=drugs+testing&status=overdue",
            "/search/?q=segregation&year=2022&category=priority",
            "/search/?q=cells&establishment=hmp-loadshire-007",
            "/search/?q=regime+weekly",
            "/search/?q=meeting&rating=good",
            "/search/?q=prisoners&page=20",
        ],
    }
    if args.only:
        pages = {args.only: pages[args.only]}
    try:
        wrk = shutil.which("wrk")
        print(f"  load from {'wrk' if wrk else 'Python threads'}, {args.clients} clients")
        for name, paths in pages.items():
            load(base, paths, args.clients, args.clients)  # warm up every worker
            if wrk:
                count, p50, p95 = load_with_wrk(base, paths, args.seconds, args.clients)
            else:
                latencies = load(base, paths, args.requests, args.clients)
                count = len(latencies)
                p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
            target = TARGETS_MS.get(name, TARGET_P95_MS)
            verdict = "meets" if p95 < target else "misses"
            print(
                f"  {name:15} p50 {p50:6.0f} ms   p95 {p95:6.0f} ms   "
                f"({count} requests; {verdict} p95 < {target} ms)"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
    main()
