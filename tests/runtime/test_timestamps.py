"""Stored timestamps keep Frappe's text ("%Y-%m-%d %H:%M:%S.%f") whatever datetime the clock gives."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from townflow.runtime.store import TIMESTAMP, timestamp


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 1, 1, 8, 0),
        datetime(2025, 12, 31, 23, 59, 59, 999999),
        datetime(2026, 3, 1, 9, 0, 0, 10),
        datetime(1000, 1, 1),
        datetime(999, 5, 4, 3, 2, 1, 7),
        datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc),
        datetime(2025, 6, 1, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=8))),
    ],
)
def test_timestamp_is_the_strftime_text(moment):
    assert timestamp(moment) == moment.strftime(TIMESTAMP)
