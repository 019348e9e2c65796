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


# A job whose worker died (killed, its machine lost) stays "doing" in the queue: every few
# minutes each worker hands such jobs back to the queue, once their worker has shown no sign
# of life for a while (procrastinate's heartbeat). The job then goes on from the file it had
# reached (web/plans/jobs.py: run).
@app.periodic(cron="*/5 * * * *")
@app.task(name="planwatch.retry_stalled_jobs", queue="planwatch", queueing_lock="retry_stalled")
async def retry_stalled_jobs(timestamp: int) -> None:
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=120):
        await app.job_manager.retry_job(job)
