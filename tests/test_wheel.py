"""Install without a checkout (issue 13.4): the built wheel serves pages with their assets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parents[1]
pytestmark = pytest.mark.skipif(
    not (REPOSITORY / "node_modules" / "govuk-frontend").exists(),
    reason="needs node_modules (npm ci) to build the wheel",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_the_wheel_installed_outside_the_checkout_serves_pages_and_assets(tmp_path):
    wheels = tmp_path / "wheels"
    # No build isolation: the build needs setuptools and wheel, already installed, and
    # nothing is fetched from the network.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-build-isolation",
            "--no-deps",
            "-q",
            "-w",
            str(wheels),
            str(REPOSITORY),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    [wheel] = wheels.glob("planwatch-*.whl")
    environment = tmp_path / "venv"
    # Its dependencies come from this interpreter's packages; planwatch only from the wheel.
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(environment)], check=True
    )
    python = environment / "bin" / "python"
    subprocess.run(
        # --ignore-installed: an editable planwatch among the system packages would otherwise
        # count as already installed.
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PLANWATCH_", "DJANGO_", "PYTHONPATH", "DATABASE_URL"))
    }
    env["PLANWATCH_DATA_DIR"] = str(elsewhere / "data")
    located = subprocess.run(
        [str(python), "-c", "import planwatch; print(planwatch.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert located.startswith(str(environment)), located

    port = _free_port()
    server = subprocess.Popen(
        [
            str(environment / "bin" / "planwatch"),
            "serve",
            "--demo",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                status, _, page = _get(base + "/sign-in/")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the installed service never answered"
                time.sleep(0.5)
        assert status == 200
        assert b'<h1 class="govuk-heading-l">Sign in</h1>' in page
        status, kind, css = _get(base + "/assets/govuk/govuk-frontend.min.css")
        assert (status, kind) == (200, 'text/css; charset="utf-8"')
        assert b".govuk-header" in css
        status, kind, script = _get(base + "/assets/govuk/govuk-frontend.min.js")
        assert status == 200 and b"initAll" in script
        font = next(
            (REPOSITORY / "node_modules/govuk-frontend/dist/govuk/assets/fonts").glob("*.woff2")
        )
        status, _, served = _get(f"{base}/assets/fonts/{font.name}")
        assert status == 200 and served == font.read_bytes()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
