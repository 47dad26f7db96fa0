"""Times for booking tests: a fixed 'now' on a Monday morning, far enough in the future."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2031, 3, 3, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin


def at(hours: float, minutes: int = 0) -> datetime:
    """NOW plus some time."""
    return NOW + timedelta(hours=hours, minutes=minutes)


@pytest.fixture
def car(make_vehicle):
    return make_vehicle(name="Die Blaue", soc_percent=90)
