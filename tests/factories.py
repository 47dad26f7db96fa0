"""Factory fixtures: callables with sensible defaults that write real rows."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from sharing.models import Booking, ChargingPoint, Household, Site, User, Vehicle
from sharing.security.passwords import hash_password

DEFAULT_PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@pytest.fixture
def make_site(session):
    """Create a site (neighbourhood)."""

    def factory(**kwargs) -> Site:
        kwargs.setdefault("name", f"Quartier {next(_counter)}")
        kwargs.setdefault("timezone", "Europe/Berlin")
        kwargs.setdefault("grid_limit_kw", 22.0)
        site = Site(**kwargs)
        session.add(site)
        session.commit()
        return site

    return factory


@pytest.fixture
def site(make_site) -> Site:
    """The default site of a test."""
    return make_site(name="Quartier Test")


@pytest.fixture
def make_household(session, site):
    """Create a household on the default site unless another is given."""

    def factory(**kwargs) -> Household:
        kwargs.setdefault("site_id", site.id)
        kwargs.setdefault("name", f"Haushalt {next(_counter)}")
        household = Household(**kwargs)
        session.add(household)
        session.commit()
        return household

    return factory


_PASSWORD_HASH: dict[str, str] = {}


def _hash(password: str) -> str:
    # argon2 is slow on purpose; tests reuse the hash of the same password.
    if password not in _PASSWORD_HASH:
        _PASSWORD_HASH[password] = hash_password(password)
    return _PASSWORD_HASH[password]


@pytest.fixture
def make_user(session, site, make_household):
    """Create a user; residents get a new household unless one is given."""

    def factory(*, role: str = "resident", password: str | None = DEFAULT_PASSWORD, **kwargs) -> User:
        n = next(_counter)
        kwargs.setdefault("site_id", site.id)
        kwargs.setdefault("email", f"user{n}@example.org")
        kwargs.setdefault("name", f"Nutzer {n}")
        if role == "resident" and "household_id" not in kwargs and "household" not in kwargs:
            kwargs["household_id"] = make_household(site_id=kwargs["site_id"]).id
        user = User(role=role, password_hash=_hash(password) if password else None, **kwargs)
        session.add(user)
        session.commit()
        return user

    return factory


@pytest.fixture
def resident(make_user) -> User:
    return make_user(email="resident@example.org", name="Rita Resident")


@pytest.fixture
def admin(make_user) -> User:
    return make_user(email="admin@example.org", name="Adam Admin", role="admin")


@pytest.fixture
def make_vehicle(session, site):
    """Create a car (a VW ID.3 unless told otherwise)."""

    def factory(**kwargs) -> Vehicle:
        n = next(_counter)
        kwargs.setdefault("site_id", site.id)
        kwargs.setdefault("name", f"Auto {n}")
        kwargs.setdefault("licence_plate", f"LH-T {n}")
        kwargs.setdefault("model", "VW ID.3 Pro")
        kwargs.setdefault("battery_kwh", 58.0)
        kwargs.setdefault("consumption_kwh_per_100km", 15.5)
        kwargs.setdefault("max_charge_kw", 11.0)
        kwargs.setdefault("soc_percent", 80.0)
        vehicle = Vehicle(**kwargs)
        session.add(vehicle)
        session.commit()
        return vehicle

    return factory


@pytest.fixture
def make_charging_point(session, site):
    """Create a charging point."""

    def factory(**kwargs) -> ChargingPoint:
        kwargs.setdefault("site_id", site.id)
        kwargs.setdefault("name", f"Wallbox {next(_counter)}")
        point = ChargingPoint(**kwargs)
        session.add(point)
        session.commit()
        return point

    return factory


@pytest.fixture
def make_booking_row(session):
    """Insert a booking row directly (no rules): for setting up situations, not for testing rules."""

    def factory(*, vehicle: Vehicle, user: User, start: datetime, end: datetime, **kwargs) -> Booking:
        buffer = timedelta(minutes=kwargs.pop("buffer_minutes", 15))
        booking = Booking(site_id=vehicle.site_id, vehicle_id=vehicle.id, user_id=user.id,
                          household_id=user.household_id, start_at=start, end_at=end,
                          blocked_until=end + buffer, **kwargs)
        session.add(booking)
        session.commit()
        return booking

    return factory
