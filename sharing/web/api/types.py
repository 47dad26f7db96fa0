"""Value types shared by the API's request and response schemas (pydantic v2, JSON Schema 2020-12)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, WithJsonSchema

from ...models.types import MAX_ID

#: Times outside these years are refused (no arithmetic near the ends of the calendar).
YEARS = (2000, 2100)
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"\d{2}:\d{2}(:\d{2})?")


def _rfc3339(value: object) -> object:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("not an RFC 3339 date-time with offset, e.g. 2026-05-01T14:00:00+02:00")
    return datetime.fromisoformat(value.upper())


def _to_utc(value: datetime) -> datetime:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"only times in the years {YEARS[0]} to {YEARS[1]} are accepted")
    return value.astimezone(UTC)


def _iso_date(value: object) -> object:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("not a date as YYYY-MM-DD")
    return date.fromisoformat(value)


def _date_range(value: date) -> date:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"only dates in the years {YEARS[0]} to {YEARS[1]} are accepted")
    return value


def _clock(value: object) -> object:
    if not isinstance(value, str) or not _CLOCK.fullmatch(value):
        raise ValueError("not a local time as HH:MM")
    return time.fromisoformat(value)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


#: An instant: RFC 3339 with an offset (naive times are refused), turned into UTC.
Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_to_utc)]
#: A calendar date (YYYY-MM-DD) in the site's zone.
Day = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_date_range)]
#: A local clock time HH:MM in the site's zone.
Clock = Annotated[time, BeforeValidator(_clock), WithJsonSchema({"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$",
                                                                   "examples": ["14:00"]})]
#: An object id.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def bounded(max_length: int, min_length: int = 0):
    """A string type of bounded length without NUL characters."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_nul)]


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC (for responses)."""
    return moment.astimezone(UTC)


def local(moment: datetime, zone) -> datetime:
    """The same instant in the site's zone (for responses)."""
    return moment.astimezone(zone)
