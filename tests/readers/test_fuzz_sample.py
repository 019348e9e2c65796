"""A fixed sample of the fuzz benchmark's mutated files runs with every test run: no reader
or quality rule raises anything but the one-line PlanReadError, and none takes 10 s."""

from __future__ import annotations

import pytest
from benchmarks import fuzz_readers

SAMPLE = 120  # per format: about 10 s each on a quiet machine
SEED = 2026


@pytest.mark.parametrize("fmt", fuzz_readers.FORMATS)
def test_fuzz_sample(fmt):
    tally = fuzz_readers.run(fmt, SAMPLE, SEED, isolate=False)
    assert tally.inputs == SAMPLE
    assert dict(tally.messages) == {}
    assert (tally.uncaught_readers, tally.uncaught_quality, tally.hangs) == (0, 0, 0)
    # The sample exercises both outcomes: some mutations still read as a plan.
    assert tally.read > 0 and tally.refused > 0
