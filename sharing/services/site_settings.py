"""The site's settings: name, time zone, grid connection, booking rules and how costs are split."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Site, User
from . import audit
from .admin_errors import Invalid, Problem

SITE_FIELDS = ("name", "timezone", "grid_limit_kw")
RULE_FIELDS = (
    "grid_minutes", "min_duration_minutes", "max_duration_minutes", "max_advance_days", "buffer_minutes",
    "max_future_bookings", "max_hours_per_7_days", "reserve_percent", "approval_threshold_hours",
    "no_show_grace_minutes", "reminder_minutes_before",
)
COST_FIELDS = ("cost_split_mode", "cost_split_km_weight", "monthly_fixed_costs_eur")
GRID_CHOICES = (5, 10, 15, 20, 30, 60)
SPLIT_MODES = ("km", "hours", "mix")


def site_of(session: Session, admin: User) -> Site:
    """The administrator's own site."""
    return session.get(Site, admin.site_id)


def timezone_names() -> list[str]:
    """IANA zone names an administrator can choose from (area/city names only)."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/")))


def _site_problems(session: Session, site: Site, values: dict[str, Any]) -> list[Problem]:
    problems = []
    name = (values.get("name") or "").strip()
    if not name:
        problems.append(Problem("name", "required"))
    elif session.scalar(select(Site.id).where(Site.name == name, Site.id != site.id)) is not None:
        problems.append(Problem("name", "site_name_taken"))
    if values.get("timezone") not in available_timezones():
        problems.append(Problem("timezone", "unknown_timezone"))
    if not 0 < (values.get("grid_limit_kw") or 0) <= 10_000:
        problems.append(Problem("grid_limit_kw", "out_of_range", {"low": 1, "high": 10_000}))
    return problems


def _rule_problems(values: dict[str, Any]) -> list[Problem]:
    problems = []
    if values["grid_minutes"] not in GRID_CHOICES:
        problems.append(Problem("grid_minutes", "grid_not_divisor"))
    elif values["min_duration_minutes"] % values["grid_minutes"]:
        problems.append(Problem("min_duration_minutes", "not_multiple_of_grid", {"grid": values["grid_minutes"]}))
    if values["max_duration_minutes"] < values["min_duration_minutes"]:
        problems.append(Problem("max_duration_minutes", "max_below_min"))
    threshold = values.get("approval_threshold_hours")
    if threshold is not None and threshold * 60 > values["max_duration_minutes"]:
        problems.append(Problem("approval_threshold_hours", "threshold_above_max"))
    return problems


def _cost_problems(values: dict[str, Any]) -> list[Problem]:
    problems = []
    if values["cost_split_mode"] not in SPLIT_MODES:
        problems.append(Problem("cost_split_mode", "unknown_choice"))
    if not 0 <= values["cost_split_km_weight"] <= 1:
        problems.append(Problem("cost_split_km_weight", "out_of_range", {"low": 0, "high": 1}))
    if values["monthly_fixed_costs_eur"] < 0:
        problems.append(Problem("monthly_fixed_costs_eur", "negative"))
    return problems


def _apply(session: Session, admin: User, action: str, fields: tuple[str, ...], values: dict[str, Any],
           problems: list[Problem]) -> Site:
    if problems:
        raise Invalid(*problems)
    site = site_of(session, admin)
    before = audit.snapshot(site, fields)
    for name in fields:
        setattr(site, name, values.get(name))
    after = audit.snapshot(site, fields)
    if after != before:
        audit.record(session, actor=admin, action=action, obj=site, before=before, after=after)
    session.commit()
    return site


def update_site(session: Session, admin: User, values: dict[str, Any]) -> Site:
    """Change name, time zone and grid limit of the admin's site. Commits."""
    values = {**values, "name": (values.get("name") or "").strip()}
    return _apply(session, admin, "site.update", SITE_FIELDS, values,
                  _site_problems(session, site_of(session, admin), values))


def update_rules(session: Session, admin: User, values: dict[str, Any]) -> Site:
    """Change the booking rules; they apply to new requests and changes from now on. Commits."""
    return _apply(session, admin, "site.rules", RULE_FIELDS, values, _rule_problems(values))


def update_cost_split(session: Session, admin: User, values: dict[str, Any]) -> Site:
    """Change how the monthly costs are split between households. Commits."""
    return _apply(session, admin, "site.cost_split", COST_FIELDS, values, _cost_problems(values))
