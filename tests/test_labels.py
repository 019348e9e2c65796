"""Display labels: sizes and counts in words, as pages write them."""

from __future__ import annotations

import pytest

from planwatch import labels


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (31, "31 bytes"),
        (999, "999 bytes"),
        (1000, "1.0 KB"),
        (2_400, "2.4 KB"),
        (999_949, "999.9 KB"),
        (1_000_000, "1.0 MB"),
        (24_600_000, "24.6 MB"),
    ],
)
def test_file_sizes_are_written_as_gov_uk_writes_them(size, shown):
    assert labels.file_size(size) == shown
