"""Households: the units that book together and share the costs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import Household, User
from . import audit
from .admin_errors import refuse

FIELDS = ("name", "address")


@dataclass(frozen=True)
class HouseholdRow:
    """A household with how many people belong to it."""

    household: Household
    members: int
    active_members: int


def households_with_counts(session: Session, site_id: int) -> list[HouseholdRow]:
    """Every household of the site by name, with member counts (one query)."""
    rows = session.execute(
        select(Household, func.count(User.id), func.coalesce(func.sum(case((User.active.is_(True), 1), else_=0)), 0))
        .outerjoin(User, User.household_id == Household.id)
        .where(Household.site_id == site_id).group_by(Household.id).order_by(Household.name))
    return [HouseholdRow(h, members, active) for h, members, active in rows]


def find_by_name(session: Session, site_id: int, name: str) -> Household | None:
    """The site's household of this name, ignoring case and surrounding spaces.

    Compared in Python: SQLite's lower() folds only ASCII, so "Äpfelweg" and "äpfelweg" would pass as
    different names there (and the second then hit the unique constraint). A site has few households.
    """
    wanted = name.strip().casefold()
    return next((h for h in session.scalars(select(Household).where(Household.site_id == site_id))
                 if h.name.strip().casefold() == wanted), None)


def _check_name(session: Session, site_id: int, name: str, household: Household | None) -> str:
    name = name.strip()
    if not name:
        raise refuse("name", "required")
    existing = find_by_name(session, site_id, name)
    if existing is not None and existing is not household:
        raise refuse("name", "household_name_taken")
    return name


def create_household(session: Session, admin: User, *, name: str, address: str = "", commit: bool = True) -> Household:
    """A new household on the admin's site. Commits unless told not to (bulk invitations)."""
    household = Household(site_id=admin.site_id, name=_check_name(session, admin.site_id, name, None),
                          address=address.strip())
    session.add(household)
    session.flush()
    audit.record(session, actor=admin, action="household.create", obj=household,
                 after=audit.snapshot(household, FIELDS))
    if commit:
        session.commit()
    return household


def update_household(session: Session, admin: User, household: Household, *, name: str, address: str) -> Household:
    """Rename a household or change its address. Commits."""
    before = audit.snapshot(household, FIELDS)
    household.name = _check_name(session, admin.site_id, name, household)
    household.address = address.strip()
    after = audit.snapshot(household, FIELDS)
    if after != before:
        audit.record(session, actor=admin, action="household.update", obj=household, before=before, after=after)
    session.commit()
    return household
