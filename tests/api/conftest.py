"""API fixtures: a site with households A and B, an administrator, two cars and a token for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from sharing.models import User, Vehicle, utcnow
from sharing.services import api_tokens


@dataclass
class ApiWorld:
    resident_a: User
    resident_b: User
    admin: User
    car: Vehicle
    other_car: Vehicle
    tokens: dict[str, str]

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", "Accept-Language": "en", **extra}


def token_for(session, user: User, scopes=("read", "book")) -> str:
    return api_tokens.create_token(session, user, name="test", scopes=scopes).secret


@pytest.fixture
def world(session, make_user, make_household, make_vehicle, site) -> ApiWorld:
    a = make_user(email="a@example.org", name="Anna A")
    b = make_user(email="b@example.org", name="Ben B")
    admin = make_user(email="root@example.org", name="Ada Admin", role="admin",
                      household_id=make_household(name="Admin home").id)
    car, other = make_vehicle(name="Die Blaue"), make_vehicle(name="Der Rote")
    tokens = {"a": token_for(session, a), "b": token_for(session, b),
              "admin": token_for(session, admin, ("read", "book", "admin")),
              "admin_plain": token_for(session, admin, ("read", "book")),
              "a_read": token_for(session, a, ("read",))}
    return ApiWorld(a, b, admin, car, other, tokens)


def hour_from_now(hours: int = 24):
    """A grid-aligned instant some hours ahead."""
    return (utcnow() + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")
