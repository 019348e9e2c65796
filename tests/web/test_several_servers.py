"""Several web servers (issue 13.3), as compose.yaml runs them: two `planwatch serve`
processes on one database (SQLite, or PostgreSQL when DATABASE_URL names it) and one object
store (moto's S3 server), behind nginx with deploy/nginx.conf when nginx is installed. A
session made on one server works on the other, and what one server changes every server
shows at once."""

from __future__ import annotations

import csv
import http.client
import io
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from planwatch.pipeline import SAMPLE_PLAN

moto_server = pytest.importorskip("moto.server")
REPOSITORY = Path(__file__).parents[2]
PASSWORD = "a-long-test-password-9"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: str


@dataclass
class Site:
    """Two servers (and the proxy in front, when there is one) and how to reach them."""

    ports: dict[str, int]
    environment: dict[str, str]
    database: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        server: str,
        path: str,
        form: dict[str, str | list[str]] | None = None,
        cookies: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.ports[server], timeout=60)
        sent = {"Host": f"127.0.0.1:{self.ports[server]}", **(headers or {})}
        jar = self.cookies if cookies is None else cookies
        if jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request("POST" if form is not None else "GET", path, body=body, headers=sent)
        response = connection.getresponse()
        got = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                got[key] = rest.split(";")[0]
        answer = Answer(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            got,
            response.read().decode("utf-8", "replace"),
        )
        connection.close()
        return answer

    def sql(self, query: str) -> list[tuple]:
        """A query on the servers' database, from outside them."""
        if self.database.startswith("sqlite:"):
            with sqlite3.connect(self.database.removeprefix("sqlite:///")) as connection:
                return connection.execute(query).fetchall()
        import psycopg

        with psycopg.connect(self.database) as connection:
            return connection.execute(query).fetchall()


def _planwatch(environment: dict[str, str], *arguments: str, data: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "planwatch.cli", *arguments],
        env={**environment, "PLANWATCH_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Iterator[str]:
    """A database of their own for the servers: a new SQLite file, or a new database on the
    PostgreSQL server the suite runs against."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path_factory.mktemp('shared') / 'planwatch.sqlite3'}"
        return
    import psycopg

    name = f"planwatch_servers_{uuid.uuid4().hex[:8]}"
    admin = urllib.parse.urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield urllib.parse.urlparse(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def site(database, tmp_path_factory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("servers")
    store_port = _free_port()
    store = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=store_port, verbose=False)
    store.start()
    endpoint = f"http://127.0.0.1:{store_port}"
    keys = {"aws_access_key_id": "planwatch", "aws_secret_access_key": "planwatch-secret"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys).create_bucket(
        Bucket="planwatch-files"
    )
    # What compose.yaml gives every server: the same database, key and object store.
    environment = {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PLANWATCH_", "DJANGO_", "PROMETHEUS_"))
        },
        "PYTHONPATH": str(REPOSITORY / "src"),
        "DATABASE_URL": database,
        "PLANWATCH_SECRET_KEY": "the-same-key-on-every-server-" + uuid.uuid4().hex,
        "PLANWATCH_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PLANWATCH_BEHIND_PROXY": "1",
        "PLANWATCH_PROXY_COUNT": "1",
        "PLANWATCH_S3_BUCKET": "planwatch-files",
        "PLANWATCH_S3_ENDPOINT_URL": endpoint,
        "PLANWATCH_S3_REGION": "us-east-1",
        "PLANWATCH_S3_ACCESS_KEY_ID": keys["aws_access_key_id"],
        "PLANWATCH_S3_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
        "PLANWATCH_REQUEST_LOG": "WARNING",
        # The assets are served from the installed package (whitenoise finds them), not
        # collected by each server as it starts: that takes half a minute each, and is not
        # what this file tests.
        "PLANWATCH_COLLECT_STATIC": "off",
        "PLANWATCH_STATIC_ROOT": str(root / "static"),
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    # compose.yaml's migrate service, then the sample plan and an administrator.
    setup = root / "setup"
    _planwatch(environment, "manage", "migrate", "--no-input", data=setup)
    _planwatch(environment, "import", str(SAMPLE_PLAN), data=setup)
    _planwatch(
        environment,
        "manage",
        "createsuperuser",
        "--no-input",
        "--username",
        "admin",
        "--email",
        "admin@example.invalid",
        data=setup,
    )
    ports = {"a": _free_port(), "b": _free_port()}
    processes = []
    for server, port in ports.items():
        # Each server has a data folder of its own (collected assets, metrics), as each
        # container has its own /data volume.
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "planwatch.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                ],
                env={**environment, "PLANWATCH_DATA_DIR": str(root / server)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if nginx:
        ports["proxy"] = _free_port()
        (root / "nginx").mkdir()
        conf = (REPOSITORY / "deploy" / "nginx.conf").read_text()
        conf = conf.replace("web1:8000", f"127.0.0.1:{ports['a']}")
        conf = conf.replace("web2:8000", f"127.0.0.1:{ports['b']}")
        conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{ports['proxy']};")
        conf = conf.replace("/tmp/", f"{root / 'nginx'}/")
        (root / "nginx.conf").write_text(conf)
        processes.append(
            subprocess.Popen(
                [
                    nginx,
                    "-p",
                    str(root / "nginx"),
                    "-c",
                    str(root / "nginx.conf"),
                    "-g",
                    "daemon off;",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    site = Site(ports, environment, database)
    try:
        deadline = time.monotonic() + 120
        for server in ports:
            while True:
                try:
                    if site.request(server, "/healthz", cookies={}).status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"server {server} did not start"
                time.sleep(0.3)
        yield site
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        store.stop()


def _sign_in(site: Site, server: str, headers: dict[str, str] | None = None) -> Answer:
    page = site.request(server, "/sign-in/", cookies={})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert page.status == 200 and token
    return site.request(
        server,
        "/sign-in/",
        form={
            "csrfmiddlewaretoken": token.group(1),
            "username": "admin",
            "password": PASSWORD,
        },
        cookies=page.cookies,
        headers=headers,
    )


def _themes(site: Site, server: str, cookies: dict[str, str]) -> dict[tuple[str, str], int]:
    answer = site.request(server, "/estate/themes.csv", cookies=cookies)
    assert answer.status == 200
    rows = list(csv.DictReader(io.StringIO(answer.body)))
    return {(row["inspection_year"], row["area"]): int(row["concerns"]) for row in rows}


def test_the_migrate_command_makes_the_shared_cache_table(site):
    # Made by `planwatch manage migrate` alone (compose.yaml's migrate service), as Django's
    # createcachetable makes it.
    if site.database.startswith("sqlite:"):
        found = site.sql("SELECT name FROM sqlite_master WHERE name = 'planwatch_cache'")
    else:
        found = site.sql("SELECT to_regclass('planwatch_cache')::text")
    assert found == [("planwatch_cache",)]
    assert site.sql("SELECT COUNT(*) FROM planwatch_cache WHERE cache_key LIKE '%estate-mark'")


def test_a_session_made_on_one_server_works_on_the_other(site):
    signed_in = _sign_in(site, "a")
    assert signed_in.status == 302 and signed_in.headers["location"] == "/"
    session = {"sessionid": signed_in.cookies["sessionid"]}
    for server in ("a", "b"):
        page = site.request(server, "/", cookies=session)
        assert page.status == 200
        assert "Signed in as admin" in page.body
    # The session is a row in the shared database; without the cookie, neither server knows
    # who is asking.
    assert site.sql("SELECT COUNT(*) FROM django_session")[0][0] >= 1
    for server in ("a", "b"):
        assert "Signed in as" not in site.request(server, "/", cookies={}).body


def test_a_form_shown_by_one_server_is_accepted_by_the_other(site):
    # The form token is signed with the key every server shares.
    page = site.request("b", "/sign-in/", cookies={})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert token
    answer = site.request(
        "a",
        "/sign-in/",
        form={"csrfmiddlewaretoken": token.group(1), "username": "admin", "password": PASSWORD},
        cookies=page.cookies,
    )
    assert answer.status == 302 and "sessionid" in answer.cookies


def test_a_change_made_through_one_server_shows_at_once_on_the_other(site):
    session = {"sessionid": _sign_in(site, "a").cookies["sessionid"]}
    # Server b works out the estate's themes and keeps them in its memory.
    before = _themes(site, "b", session)
    assert before == _themes(site, "b", session)
    [(concern, area)] = site.sql("SELECT c.id, c.area FROM plans_concern c ORDER BY c.id LIMIT 1")
    [(year,)] = [
        (str(row[0])[:4],)
        for row in site.sql(
            "SELECT i.start FROM plans_inspection i JOIN plans_plan p ON p.inspection_id = i.id "
            f"JOIN plans_concern c ON c.plan_id = p.id WHERE c.id = {concern}"
        )
    ]
    other = "safety" if area != "safety" else "respect"
    form_page = site.request("a", f"/concerns/{concern}/themes/", cookies=session)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.body)
    assert form_page.status == 200 and token
    corrected = site.request(
        "a",
        f"/concerns/{concern}/themes/",
        form={"csrfmiddlewaretoken": token.group(1), "area": other, "topics": ["security"]},
        cookies={**session, **form_page.cookies},
    )
    assert corrected.status == 302
    after = _themes(site, "b", session)
    assert after[(year, other)] == before.get((year, other), 0) + 1
    if area:
        assert after[(year, area)] == before[(year, area)] - 1


@pytest.fixture
def proxy(site) -> str:
    if "proxy" not in site.ports:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return "proxy"


def test_through_nginx_a_sign_in_works_and_its_session_works_on_both_servers(site, proxy):
    port = site.ports[proxy]
    # The browser's Origin names the proxy's address: nginx passes the Host with its port,
    # so Django's form-token check accepts it. Whatever X-Forwarded-Proto the client sends,
    # nginx replaces it with the scheme it was reached by (http here): were "https" passed
    # on, Django would ask a Referer of this HTTPS request, and refuse it.
    signed_in = _sign_in(
        site,
        proxy,
        headers={"Origin": f"http://127.0.0.1:{port}", "X-Forwarded-Proto": "https"},
    )
    assert signed_in.status == 302 and signed_in.headers["location"] == "/"
    session = {"sessionid": signed_in.cookies["sessionid"]}
    for server in ("a", "b", proxy):
        assert "Signed in as admin" in site.request(server, "/", cookies=session).body


def test_nginx_shares_requests_between_the_servers(site, proxy):
    # Each server counts its own requests; both count some of twenty sent to the proxy.
    def served(server: str) -> float:
        metrics = site.request(server, "/metrics", cookies={}).body
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("django_http_requests_total_by_view_transport_method_total{")
            and 'view="healthz"' in line
        )

    before = {server: served(server) for server in ("a", "b")}
    for _ in range(20):
        assert site.request(proxy, "/healthz", cookies={}).status == 200
    after = {server: served(server) for server in ("a", "b")}
    assert all(after[server] > before[server] for server in ("a", "b"))
    assert sum(after.values()) - sum(before.values()) == 20
