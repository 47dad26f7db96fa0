"""Helpers the admin views share: the site, local times, choices, paging, service errors onto forms."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select

from ...domain.errors import BookingRejected
from ...domain.localtime import local_to_utc
from ...extensions import db
from ...models import Household, Site, User, Vehicle
from ...services.admin_errors import Invalid, Problem, refuse
from .messages import problem_message

PER_PAGE = 50


def current_site() -> Site:
    """The administrator's site."""
    return db.session.get(Site, current_user.site_id)


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_site().timezone)


def photo_folder() -> Path:
    """Where car photos are kept: PHOTO_FOLDER or the instance folder, never a public static folder."""
    return Path(current_app.config.get("PHOTO_FOLDER") or Path(current_app.instance_path) / "photos")


def invitation_valid_for() -> timedelta:
    """How long a new invitation link works."""
    return timedelta(hours=current_app.config["INVITATION_VALID_HOURS"])


def to_utc(local: datetime, field: str) -> datetime:
    """A wall-clock time from a form, in the site's zone, as aware UTC (Invalid if the clocks skip it)."""
    try:
        return local_to_utc(local.date(), local.time(), site_zone(), field=field)
    except BookingRejected:
        raise refuse(field, "nonexistent_local_time") from None


def to_local(moment: datetime) -> datetime:
    """An aware moment as the naive wall-clock time a datetime-local input shows."""
    return moment.astimezone(site_zone()).replace(tzinfo=None, second=0, microsecond=0)


def local_day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """[start 00:00, day after end 00:00) in the site's zone, as aware datetimes (either may be None)."""
    zone = site_zone()
    low = datetime(start.year, start.month, start.day, tzinfo=zone) if start else None
    high = None
    if end:
        following = end + timedelta(days=1)
        high = datetime(following.year, following.month, following.day, tzinfo=zone)
    return low, high


def parse_day(text: str | None) -> date | None:
    """A date from a date input (YYYY-MM-DD); None if empty or unreadable."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def apply_problems(form: FlaskForm, error: Invalid) -> None:
    """Put each problem under its field (or at the top of the form) in the user's language."""
    for problem in error.problems:
        target = _field(form, problem)
        message = problem_message(problem)
        if target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*list(target.errors or []), message]


def _field(form: FlaskForm, problem: Problem):
    if problem.field is None:
        return None
    if problem.field in form:
        return form[problem.field]
    # "rows-0-start" addresses a field of a FieldList entry
    name, _, rest = problem.field.partition("-")
    if name in form and rest:
        index, _, sub = rest.partition("-")
        entries = getattr(form[name], "entries", [])
        if index.isdigit() and int(index) < len(entries) and sub in entries[int(index)].form:
            return entries[int(index)].form[sub]
    return None


def vehicle_choices(*, include_retired: bool = False, blank: str | None = None) -> list[tuple[int, str]]:
    """(id, "name (plate)") of the site's cars."""
    query = select(Vehicle).where(Vehicle.site_id == current_user.site_id).order_by(Vehicle.name)
    if not include_retired:
        query = query.where(Vehicle.status != "retired")
    choices = [(v.id, f"{v.name} ({v.licence_plate})") for v in db.session.scalars(query)]
    return ([(0, blank)] if blank else []) + choices


def household_choices(blank: str | None = None) -> list[tuple[int, str]]:
    """(id, name) of the site's households."""
    households = db.session.scalars(select(Household).where(Household.site_id == current_user.site_id)
                                    .order_by(Household.name))
    return ([(0, blank)] if blank else []) + [(h.id, h.name) for h in households]


def resident_choices() -> list[tuple[int, str]]:
    """Active people with a household (they can have bookings), by name."""
    people = db.session.scalars(select(User).where(
        User.site_id == current_user.site_id, User.active.is_(True), User.household_id.is_not(None),
        User.deleted_at.is_(None)).order_by(User.name))
    return [(u.id, f"{u.name} ({u.household.name})") for u in people]


@dataclass(frozen=True)
class Page:
    """One page of a long list."""

    items: list
    number: int
    pages: int
    total: int

    def url_args(self, number: int) -> dict:
        """The current query arguments with another page number."""
        return {**request.args.to_dict(), "page": number}


def paginate(query: Select, per_page: int = PER_PAGE) -> Page:
    """The page named by ?page= of a query (two queries: count and rows)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, request.args.get("page", 1, type=int)), pages)
    items = list(db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)))
    return Page(items, number, pages, total)


def resolution_choices(affected_ids: list[int]) -> dict[int, str]:
    """The administrator's choice per affected booking from the form ("cancel" or a car id); all "cancel" when
    the "cancel all and notify" button was used."""
    if request.form.get("cancel_all"):
        return {booking_id: "cancel" for booking_id in affected_ids}
    return {booking_id: request.form[f"choice-{booking_id}"] for booking_id in affected_ids
            if request.form.get(f"choice-{booking_id}")}


def expected_ids() -> list[int]:
    """The ids of the bookings the preview showed (sent back with the confirmation)."""
    return [int(x) for x in request.form.get("expected", "").split(",") if x.strip().isdigit()]
