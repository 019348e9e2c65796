"""gunicorn's settings for `planwatch serve`: a worker's metrics leave with it."""

from __future__ import annotations

from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    # Prometheus' multiprocess mode keeps a dead worker's gauges unless told it is gone.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
