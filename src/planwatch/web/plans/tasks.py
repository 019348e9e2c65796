"""The tasks procrastinate's worker runs (PostgreSQL only): each runs one background job."""

from __future__ import annotations

from procrastinate.contrib.django import app


class JobFailed(Exception):
    """The job stopped with an error: recorded on its row, and so in procrastinate's too."""


@app.task(name="planwatch.run_job", queue="planwatch")
def run_job(job_id: int) -> None:
    from planwatch.web.plans import jobs

    state = jobs.run_in_worker(job_id)
    if state == "failed":
        raise JobFailed(f"job {job_id} failed: see its page")
