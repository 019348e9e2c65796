"""Print how many times a second the seed plan's text form is read into a plan (one core)."""

from __future__ import annotations

import time

from planwatch.pipeline import SAMPLE_PLAN, read_plan_bytes

TARGET_PER_SECOND = 500


def main() -> None:
    data = SAMPLE_PLAN.read_bytes()
    read_plan_bytes(data, SAMPLE_PLAN.name)  # warm up imports and regex caches
    runs = 0
    started = time.perf_counter()
    while time.perf_counter() - started < 3.0:
        read_plan_bytes(data, SAMPLE_PLAN.name)
        runs += 1
    rate = runs / (time.perf_counter() - started)
    verdict = "meets" if rate >= TARGET_PER_SECOND else "misses"
    print(f"parse_text: {rate:.0f} parses per second ({verdict} the target of {TARGET_PER_SECOND})")


if __name__ == "__main__":
    main()
