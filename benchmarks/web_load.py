"""Latency of the pages and the API on an estate-sized database, concurrent clients, loopback.

Builds 130 establishments x 3 plans x 60 actions x 20 updates (about 470,000 updates). The
concerns' texts are drawn from the labelled matters of tests/fixtures/similar/pairs.json, so
that matters recur at an establishment and across the estate; the links between similar
concerns are worked out for the whole estate (timed: target under a minute), and the 2019
and 2022 inspections' concerns are judged.

Then, per page in turn, concurrent clients (wrk) against gunicorn, p50 and p95 printed:
issue 11's pages (default: 20 clients, one server; the concern pages with their similar
concerns, self-reported against judged, themes and search: target p95 under 300 ms; the
existing establishments, plan and work-list pages: 200 ms), or issue 13's (--pages main
--proxy --clients 50: the main pages and the API's list endpoints through nginx in front of
two servers: target p95 under 200 ms, no errors). --profile instead times one request at a
time in process, with its CPU time and queries. The exact commands are in --help.

With PostgreSQL the named database is dropped and created afresh (give a scratch one) unless
--keep names a folder noting that it was built before.
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
SOURCE = Path(__file__).resolve().parents[1] / "src"
LEARNING_TARGET_P95_MS = 300
LEARNING_PAGES = {"concern", "self-reported", "estate self-reported", "themes", "search"}


def prepare_environment(database_url: str | None, keep: str | None = None) -> bool:
    """Point planwatch at a fresh data folder (or `keep`); True when `keep` already holds an
    estate built by an earlier run (SQLite: its database file; PostgreSQL: a note that the
    named database was built, which is then kept rather than dropped)."""
    data_dir = keep or tempfile.mkdtemp(prefix="planwatch-load-")
    os.environ["PLANWATCH_DATA_DIR"] = data_dir
    os.environ["PLANWATCH_PUBLIC_READ"] = "1"  # the pages as the public reads them
    os.environ["DJANGO_SETTINGS_MODULE"] = "planwatch.web.settings"
    # One log line a request would cost the servers time and bury the figures.
    os.environ.setdefault("PLANWATCH_REQUEST_LOG", "WARNING")
    Path(data_dir, "static").mkdir(parents=True, exist_ok=True)
    if not database_url:
        os.environ.pop("DATABASE_URL", None)
        return bool(keep) and Path(data_dir, "planwatch.sqlite3").exists()
    os.environ["DATABASE_URL"] = database_url
    if keep and built_note(database_url).exists():
        return True
    recreate_postgres_database(database_url)
    return False


def built_note(database_url: str) -> Path:
    """The note in the data folder that a PostgreSQL database holds a built estate."""
    name = urlparse(database_url).path.lstrip("/")
    return Path(os.environ["PLANWATCH_DATA_DIR"], f"built-{name}")


def estate_held() -> dict:
    """The figures and pages of an estate built by an earlier run (--keep), brought up to the
    code's migrations."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from planwatch.web.plans.models import (
        Action,
        ConcernLink,
        Establishment,
        Plan,
        ProgressUpdate,
        SelfReport,
    )

    return {
        "establishments": Establishment.objects.count(),
        "plans": Plan.objects.count(),
        "actions": Action.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "seconds": 0.0,
        "links": ConcernLink.objects.count(),
        "links_seconds": float("nan"),
        "self_reports": SelfReport.objects.count(),
        "self_reports_seconds": float("nan"),
        **visited(),
    }


def visited() -> dict[str, list[int]]:
    """The plans and concerns the load visits: the latest inspections' (and, for the API's
    judgements, concerns judged at the 2022 inspections)."""
    from planwatch.web.plans.models import Concern, Plan

    return {
        "plan_ids": list(
            Plan.objects.filter(inspection__start__year=2025)
            .order_by("pk")
            .values_list("pk", flat=True)[:20]
        ),
        "concern_ids": list(
            Concern.objects.filter(plan__inspection__start__year=2025)
            .order_by("pk")
            .values_list("pk", flat=True)[:40]
        ),
        "judged_concern_ids": list(
            Concern.objects.filter(plan__inspection__start__year=2022)
            .order_by("pk")
            .values_list("pk", flat=True)[:20]
        ),
    }


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
    matters = concern_matters()
    chosen: dict[int, list[int]] = {}
    concerns = []
    for plan in Plan.objects.select_related("inspection").order_by("inspection__start"):
        # Each establishment's later inspections raise some of the same matters again.
        held = chosen.get(plan.inspection.establishment_id, [])
        kept = random.sample(held, k=min(len(held), 4))
        fresh = [m for m in random.sample(range(len(matters)), 20) if m not in kept]
        picked = (kept + fresh)[:CONCERNS_PER_PLAN]
        chosen[plan.inspection.establishment_id] = picked
        for position, matter in enumerate(picked):
            concerns.append(
                Concern(
                    plan=plan,
                    position=position,
                    ref=str(position + 1),
                    category="priority" if position < 3 else "key",
                    text=random.choice(matters[matter]),
                )
            )
    Concern.objects.bulk_create(concerns)
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
                    note=f"Update {number + 1}: weekly figures reviewed at the regime meeting.",
                    author=author,
                )
            )
        if len(batch) >= 20000:
            ProgressUpdate.objects.bulk_create(batch)
            batch = []
    ProgressUpdate.objects.bulk_create(batch)
    learned = learn(author)
    if connection.vendor == "postgresql":
        # Statistics and visibility maps, as a database in use would have from autovacuum.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elapsed = time.perf_counter() - started
    return {
        "establishments": Establishment.objects.count(),
        "plans": Plan.objects.count(),
        "actions": Action.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "seconds": elapsed,
        **learned,
        **visited(),
    }


def concern_matters() -> list[list[str]]:
    """The labelled matters' texts, grouped as they were written (four texts a matter)."""
    import json

    path = Path(__file__).parents[1] / "tests" / "fixtures" / "similar" / "pairs.json"
    groups: list[set[str]] = []
    for pair in json.loads(path.read_text(encoding="utf-8"))["pairs"]:
        if not pair["similar"]:
            continue
        for group in groups:
            if pair["a"] in group or pair["b"] in group:
                group.update((pair["a"], pair["b"]))
                break
        else:
            groups.append({pair["a"], pair["b"]})
    return [sorted(group) for group in groups]


def learn(author) -> dict:
    """Judge the older inspections' concerns, then work out every link and self-report."""
    from planwatch.web.plans import learning
    from planwatch.web.plans.models import Concern, ConcernLink, Judgement

    ratings = ["no_meaningful", "insufficient", "reasonable", "good"]
    Judgement.objects.bulk_create(
        Judgement(
            concern=concern,
            inspection_id=concern.plan.inspection_id,
            concern_ref=concern.ref,
            rating=random.choice(ratings),
            reason="Found at the independent review of progress.",
            judged_on=concern.plan.submitted_on + datetime.timedelta(days=400),
            judged_by=author,
        )
        for concern in Concern.objects.select_related("plan").filter(
            plan__inspection__start__year__lt=2025
        )
    )
    started = time.perf_counter()
    learning.recompute_links()
    links_seconds = time.perf_counter() - started
    started = time.perf_counter()
    reports = learning.recompute_self_reports()
    return {
        "links": ConcernLink.objects.count(),
        "links_seconds": links_seconds,
        "self_reports": reports,
        "self_reports_seconds": time.perf_counter() - started,
    }


def learning_pages(estate: dict) -> dict[str, list[str]]:
    """Issue 11's pages (and the existing ones beside them): {name: paths fetched in turn}."""
    return {
        "establishments": ["/"],
        "plan": [f"/plans/{pk}/" for pk in estate["plan_ids"]],
        "overdue": ["/overdue/"],
        "concern": [f"/concerns/{pk}/" for pk in estate["concern_ids"]],
        "self-reported": [
            f"/establishments/hmp-loadshire-{number:03d}/self-reported/" for number in range(20)
        ],
        "estate self-reported": ["/estate/self-reported/", "/estate/self-reported/?year=2022"],
        "themes": ["/estate/themes/", "/estate/themes/?category=priority"],
        # A work list filtered and in another order than the due index's.
        "overdue sorted": ["/overdue/?sort=owner&order=descending&status=not_started"],
        "due soon": ["/due/?weeks=8"],
        # Searches: words, a phrase, words with filters, a late page.
        "search": [
            "/search/?q=prisoners",
            "/search/?q=%22use+of+force%22",
            "/search/?q=drugs+testing&status=overdue",
            "/search/?q=segregation&year=2022&category=priority",
            "/search/?q=cells&establishment=hmp-loadshire-007",
            "/search/?q=meeting&rating=good",
            "/search/?q=prisoners&page=20",
        ],
    }


def main_pages(estate: dict) -> dict[str, list[str]]:
    """Issue 13's pages: the main pages and the API's list endpoints, read as the public
    reads them."""
    slugs = [f"hmp-loadshire-{number:03d}" for number in range(0, ESTABLISHMENTS, 7)]
    return {
        "home": ["/"],
        "establishment": [f"/establishments/{slug}/" for slug in slugs],
        "plan": [f"/plans/{pk}/" for pk in estate["plan_ids"]],
        "overdue": ["/overdue/", "/overdue/?page=3"],
        "overdue sorted": ["/overdue/?sort=owner&order=descending&status=not_started"],
        "due soon": ["/due/?weeks=8"],
        "estate": ["/estate/", "/estate/?sort=overdue&order=descending"],
        "search": [
            "/search/?q=prisoners",
            "/search/?q=%22use+of+force%22",
            "/search/?q=drugs+testing&status=overdue",
            "/search/?q=cells&establishment=hmp-loadshire-007",
        ],
        "api establishments": ["/api/v1/establishments", "/api/v1/establishments?offset=50"],
        "api plans": ["/api/v1/plans", "/api/v1/plans?in_force=true&offset=50"],
        "api actions": [
            "/api/v1/actions",
            "/api/v1/actions?status=overdue&offset=100",
            f"/api/v1/actions?establishment={slugs[3]}",
        ],
        "api judgements": [
            f"/api/v1/concerns/{pk}/judgements" for pk in estate["judged_concern_ids"]
        ],
    }


def profile(pages: dict[str, list[str]], rounds: int) -> None:
    """One client at a time, in this process: per page the median wall-clock and CPU time
    (this process's: Python and, with SQLite, the database), the queries run and their time.
    CPU time and queries hardly depend on how busy the machine is; wall-clock time does."""
    import statistics

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # The pages' own cost: what a process keeps for the public would answer every round
    # after the first from memory.
    settings.PLANWATCH_PUBLIC_PAGE_CACHE = False
    client = Client()
    print(f"  one request at a time, in process, median of {rounds} rounds over each page's paths")
    for name, paths in pages.items():
        for path in paths:  # warm up: templates compiled, caches filled
            client.get(path)
        wall: list[float] = []
        cpu: list[float] = []
        counts: list[int] = []
        query_ms: list[float] = []
        for _ in range(rounds):
            for path in paths:
                with CaptureQueriesContext(connection) as captured:
                    started, used = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    cpu.append((time.process_time() - used) * 1000)
                    wall.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"web_load: {path} answered {response.status_code}")
                counts.append(len(captured.captured_queries))
                query_ms.append(
                    sum(float(query["time"]) for query in captured.captured_queries) * 1000
                )
        print(
            f"  {name:21} median {statistics.median(wall):6.1f} ms, CPU "
            f"{statistics.median(cpu):6.1f} ms (max {max(cpu):6.1f});  queries "
            f"{statistics.median(counts):3.0f} (max {max(counts):3d}), "
            f"{statistics.median(query_ms):6.1f} ms in the database"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    """gunicorn as `planwatch serve` runs it (its settings, its own metrics folder), on
    loopback; returns once it answers."""
    metrics = Path(os.environ["PLANWATCH_DATA_DIR"], f"metrics-{port}")
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
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
            "--config",
            "python:planwatch.web.gunicorn_config",
            "--log-level",
            "warning",
        ],
        env={
            **os.environ,
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
            # The planwatch beside this script, as this process imports it.
            "PYTHONPATH": os.pathsep.join(
                [str(SOURCE), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        },
    )
    wait_for(f"http://127.0.0.1:{port}/", server, "gunicorn")
    return server


def wait_for(url: str, process: subprocess.Popen, name: str) -> None:
    import requests

    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"web_load: {name} stopped at start (exit status {process.returncode})"
            )
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:  # not listening yet, or busy starting
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"web_load: {name} did not start within a minute")


NGINX_CONFIG = """
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream planwatch {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://planwatch;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Whole pages in memory: the estate's longest lists fit.
            proxy_buffers 64 16k;
        }}
    }}
}}
"""


def start_proxy(port: int, upstream: list[int]) -> subprocess.Popen:
    """nginx (Debian's package) as a plain process with a generated configuration, sharing
    requests between the servers on loopback."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("web_load: --proxy needs nginx (apt-get install -y nginx)")
    folder = Path(tempfile.mkdtemp(prefix="planwatch-proxy-"))
    # nginx started by root serves from an unprivileged user: let it use its folders.
    folder.chmod(0o755)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir()
        (folder / name).chmod(0o777)
    servers = "\n".join(f"        server 127.0.0.1:{number};" for number in upstream)
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(folder=folder, servers=servers, port=port))
    proxy = subprocess.Popen([nginx, "-p", str(folder), "-c", str(config)])
    wait_for(f"http://127.0.0.1:{port}/", proxy, "nginx")
    return proxy


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
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
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
        # A request counts however long it takes (wrk's default gives up after 2 s and
        # leaves it out of the percentiles) and one given up on counts as an error.
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "--timeout",
            "60s",
            "-s",
            script.name,
            base,
        ],
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


EPILOG = """
The figures of the issues, each on a scratch PostgreSQL database (dropped and made afresh
unless --keep names a folder where it was built before) and on SQLite:

  issue 11, the pages of what the estate learns (and the existing pages beside them),
  20 clients, one server of 2 workers; target p95 under 300 ms (existing pages: 200 ms):
    python3 benchmarks/web_load.py --keep /tmp/load-sqlite
    python3 benchmarks/web_load.py --keep /tmp/load-pg \\
        --database-url postgres://postgres@127.0.0.1:5432/planwatch_load

  issue 13, the main pages and the API's list endpoints, 50 clients through nginx in front
  of two servers of 2 workers each; target p95 under 200 ms and no errors:
    python3 benchmarks/web_load.py --keep /tmp/load-pg --pages main --proxy --clients 50 \\
        --database-url postgres://postgres@127.0.0.1:5432/planwatch_load

  add --writes 0.1 to either to post a progress update every 10 seconds while loading (each
  a new data token, after which every page is worked out again), and --no-page-cache to
  measure the pages themselves: by default each server
  process answers the public (these pages are read as the public reads them) from what it
  kept for the same path while the data are unchanged (README, "What the public reads").

  one request at a time, in process (median time, CPU time, queries per page; the pages
  themselves, never what was kept):
    python3 benchmarks/web_load.py --keep /tmp/load-sqlite --profile
    python3 benchmarks/web_load.py --keep /tmp/load-sqlite --profile --pages main

Building the estate takes a few minutes; with --keep later runs start at once.
Needs wrk (apt-get install wrk; without it Python threads load the server) and, for
--proxy, nginx (apt-get install nginx). Everything listens on 127.0.0.1 only.
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (default SQLite)")
    parser.add_argument(
        "--pages",
        choices=["learning", "main"],
        default="learning",
        help="learning: issue 11's pages and the existing ones (default); main: issue 13's "
        "main pages and API list endpoints",
    )
    parser.add_argument(
        "--proxy",
        action="store_true",
        help="two servers on loopback behind nginx (issue 13), rather than one server",
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers of each server (default 2)"
    )
    parser.add_argument(
        "--seconds", type=int, default=15, help="load per page with wrk (when installed)"
    )
    parser.add_argument("--requests", type=int, default=400, help="requests per page without wrk")
    parser.add_argument("--only", metavar="PAGE", help="measure one page only (e.g. search)")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build the estate once and keep it (SQLite: in DIR; PostgreSQL: the named "
        "database, noted in DIR) and load it again on later runs with the same DIR",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="no server: one request at a time in this process, per page the median time, "
        "CPU time and queries",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="--profile: rounds over each page's paths"
    )
    parser.add_argument(
        "--writes",
        type=float,
        default=0.0,
        metavar="N",
        help="while loading, N progress updates a second posted through the service on "
        "actions of the plans visited (each one a new data token: what was kept goes)",
    )
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="servers work out every page afresh, rather than answering the public from "
        "what each process kept (PLANWATCH_PUBLIC_PAGE_CACHE=0)",
    )
    args = parser.parse_args()
    if args.no_page_cache:
        os.environ["PLANWATCH_PUBLIC_PAGE_CACHE"] = "0"

    built = prepare_environment(args.database_url, args.keep)
    estate = estate_held() if built else build_estate()
    if args.database_url and args.keep:
        built_note(args.database_url).touch()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{backend}: {estate['establishments']} establishments, {estate['plans']} plans, "
        f"{estate['actions']:,} actions, {estate['updates']:,} updates "
        f"(built in {estate['seconds']:.0f} s)"
    )
    print(
        f"  links between similar concerns: {estate['links']:,}, worked out for the whole "
        f"estate in {estate['links_seconds']:.1f} s; {estate['self_reports']:,} self-reports "
        f"in {estate['self_reports_seconds']:.1f} s"
    )
    pages = main_pages(estate) if args.pages == "main" else learning_pages(estate)
    if args.only:
        if args.only not in pages:
            raise SystemExit(f"web_load: --only takes one of: {', '.join(pages)}")
        pages = {args.only: pages[args.only]}
    if args.profile:
        profile(pages, args.rounds)
        return
    processes: list[subprocess.Popen] = []
    try:
        if args.proxy:
            upstream = [free_port(), free_port()]
            processes += [start_server(number, args.workers) for number in upstream]
            port = free_port()
            processes.append(start_proxy(port, upstream))
            serving = f"nginx in front of 2 servers of {args.workers} workers"
        else:
            port = free_port()
            processes.append(start_server(port, args.workers))
            serving = f"1 server of {args.workers} workers"
        if args.no_page_cache:
            serving += ", every page worked out afresh"
        else:
            serving += ", the public answered from what each process kept"
        writer = Writer(args.writes, estate["plan_ids"]) if args.writes else None
        if writer:
            serving += f", {args.writes:g} progress updates a second posted meanwhile"
            writer.start()
        try:
            measure(f"http://127.0.0.1:{port}", pages, args, serving)
        finally:
            if writer:
                writer.stop()
                print(f"  progress updates posted while loading: {writer.posted}")
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


class Writer(threading.Thread):
    """Progress posted through the service at a steady rate while the pages are loaded, as
    people recording progress across the estate would."""

    def __init__(self, per_second: float, plan_ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.interval = 1 / per_second
        self.plan_ids = plan_ids
        self.posted = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db import connection

        from planwatch.web.plans import services
        from planwatch.web.plans.models import Action

        author = get_user_model().objects.get(username="loader")
        actions = list(Action.objects.filter(plan_id__in=self.plan_ids).order_by("pk"))
        chooser = random.Random(11)
        try:
            while not self.stopping.wait(self.interval):
                action = chooser.choice(actions)
                services.record_update(
                    action,
                    author,
                    status="in_progress",
                    # A note of its own: the service refuses one the same as the last.
                    note=f"Weekly figures reviewed at the regime meeting ({time.time():.6f}).",
                )
                self.posted += 1
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


def measure(base: str, pages: dict[str, list[str]], args: argparse.Namespace, serving: str) -> None:
    """Each page in turn under `args.clients` concurrent clients: p50 and p95 against its
    target (issue 13's pages: 200 ms; issue 11's: 300 ms)."""
    wrk = shutil.which("wrk")
    print(f"  load from {'wrk' if wrk else 'Python threads'}, {args.clients} clients, {serving}")
    for name, paths in pages.items():
        load(base, paths, args.clients, args.clients)  # warm up every worker
        if wrk:
            count, p50, p95 = load_with_wrk(base, paths, args.seconds, args.clients)
        else:
            latencies = load(base, paths, args.requests, args.clients)
            count = len(latencies)
            p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        learning = args.pages == "learning" and name in LEARNING_PAGES
        target = LEARNING_TARGET_P95_MS if learning else TARGET_P95_MS
        verdict = "meets" if p95 < target else "misses"
        print(
            f"  {name:21} p50 {p50:6.0f} ms   p95 {p95:6.0f} ms   "
            f"({count} requests, 0 errors; {verdict} p95 < {target} ms)"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(SOURCE))
    main()
