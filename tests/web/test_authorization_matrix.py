"""Who may open what: every route of the app, as anonymous, resident of household A, resident of
household B, administrator, and administrator reaching for another site's objects.

The test walks `app.url_map`, so routes added later are checked too. A route without an entry in
EXPECTATIONS fails the test, and so does a URL parameter without an entry in PARAMS: whoever adds a
route says here who may use it.

How to register a new route: add a line to EXPECTATIONS (the first matching pattern wins, so put
specific patterns before general ones), and, for a new URL parameter name, a line to PARAMS that
names the object of household A ("own") and an object of the other site ("foreign").

Outcomes: OK (GET: 200 or a redirect elsewhere than the login; other methods: also 400/409/422,
i.e. the request got past the permission check to the form), LOGIN (redirect to the login page or
401), FORBIDDEN (403), NOT_FOUND (404), or an exact status code. The request carries a valid CSRF
token and no other data. After every permitted request that is not a GET, the world is rebuilt so
that side effects (a cancelled booking, a deactivated account) do not change later answers.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from sharing.extensions import db
from sharing.models import (
    AuditEvent,
    Blockout,
    Booking,
    ChargingPoint,
    Household,
    Site,
    User,
    Vehicle,
    WaitlistEntry,
    utcnow,
)
from tests.conftest import csrf_token_from

OK, LOGIN, FORBIDDEN, NOT_FOUND, GONE = "OK", "LOGIN", 403, 404, 410
ROLES = ("anonymous", "resident_a", "resident_b", "admin", "admin_foreign")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass(frozen=True)
class Expect:
    """Expected outcome per role; `foreign` is the admin of site 1 asking for site 2's objects
    (only checked on routes with object parameters; None skips it, e.g. for capability URLs)."""

    anonymous: object
    resident_a: object
    resident_b: object
    admin: object
    foreign: object = NOT_FOUND


PUBLIC = Expect(OK, OK, OK, OK, None)
LOGGED_IN = Expect(LOGIN, OK, OK, OK)
ADMIN_ONLY = Expect(LOGIN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND)
OWN_HOUSEHOLD = Expect(LOGIN, OK, NOT_FOUND, OK, NOT_FOUND)

#: Endpoint pattern (fnmatch) -> expected outcomes. First match wins. Name each route (or a narrow pattern):
#: a new route that matches nothing fails the test. Colleagues: add yours here.
EXPECTATIONS: dict[str, Expect] = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.logout": Expect(LOGIN, LOGIN, LOGIN, LOGIN, None),  # back to the login page, logged out
    "auth.accept_invitation": Expect(GONE, GONE, GONE, GONE, None),
    "auth.reset_password": Expect(GONE, GONE, GONE, GONE, None),
    "main.set_language": PUBLIC,
    # Monitoring probes: no data, no login.
    "ops.healthz": PUBLIC,
    "ops.readyz": PUBLIC,
    "main.index": LOGGED_IN,
    # The calendar feed is a capability URL: whoever has the secret token gets the feed.
    "account.calendar_feed": Expect(OK, OK, OK, OK, None),
    "account.settings": LOGGED_IN,
    "account.change_password": LOGGED_IN,
    "account.regenerate_feed": LOGGED_IN,
    "account.create_token": LOGGED_IN,
    "account.revoke_token": Expect(LOGIN, OK, OK, OK, None),  # only the own tokens; others stay as they are
    "account.export_data": LOGGED_IN,  # GDPR download of the own data
    "account.delete_account": LOGGED_IN,  # without password and confirmation: 422
    "fleet.overview": LOGGED_IN,
    "bookings.new": LOGGED_IN,
    "bookings.mine": LOGGED_IN,
    "bookings.live_check": LOGGED_IN,
    "bookings.series": LOGGED_IN,
    "bookings.join_waitlist": LOGGED_IN,
    "bookings.take_suggestion": LOGGED_IN,
    "bookings.change": OWN_HOUSEHOLD,
    "bookings.cancel": OWN_HOUSEHOLD,
    "bookings.extend": OWN_HOUSEHOLD,
    "bookings.pickup": OWN_HOUSEHOLD,
    "bookings.return_car": OWN_HOUSEHOLD,
    "bookings.leave_waitlist": OWN_HOUSEHOLD,
    # Car photos: every logged-in person of the car's site.
    "admin.vehicle_photo": Expect(LOGIN, OK, OK, OK, NOT_FOUND),
    # The administrators' area: all of it, now and later, for the site's administrators only.
    "admin.*": ADMIN_ONLY,
    "charging.*": ADMIN_ONLY,
    # JSON API: its description is public; everything else takes a Bearer token and ignores the session
    # cookie (so 401 for every role here). Per-role rules with tokens: tests/api/test_api_authorization.py.
    "api.openapi_json": PUBLIC,
    "api.docs": PUBLIC,
    "api.*": Expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
}


@dataclass
class World:
    """Two sites; site 1 has households A and B, an admin, a car with photo, bookings, blockouts."""

    site: Site
    other_site: Site
    resident_a: User
    resident_b: User
    admin: User
    foreign_resident: User
    objects: dict[str, tuple[int, int]]  # kind -> (own id, foreign id)


#: URL parameter -> how to fill it: (world, "own" | "foreign") -> value. Colleagues: add yours here.
PARAMS: dict[str, Callable[[World, str], object]] = {
    "booking_id": lambda w, scope: w.objects["booking"][scope == "foreign"],
    "vehicle_id": lambda w, scope: w.objects["vehicle"][scope == "foreign"],
    "user_id": lambda w, scope: w.objects["user"][scope == "foreign"],
    "household_id": lambda w, scope: w.objects["household"][scope == "foreign"],
    "point_id": lambda w, scope: w.objects["charging_point"][scope == "foreign"],
    "blockout_id": lambda w, scope: w.objects["blockout"][scope == "foreign"],
    "batch_id": lambda w, scope: w.objects["batch"][scope == "foreign"],
    "entry_id": lambda w, scope: w.objects["waitlist"][scope == "foreign"],
    "secret": lambda w, scope: "not-a-valid-secret",
    "token": lambda w, scope: (w.resident_a if scope == "own" else w.foreign_resident).calendar_token,
    "filename": lambda w, scope: "css/app.css",
    "token_id": lambda w, scope: 1,
}


def _build_world(session, photo_folder: Path) -> World:
    site, other = Site(name="Quartier A", timezone="Europe/Berlin"), Site(name="Quartier Z", timezone="Europe/Berlin")
    session.add_all([site, other])
    session.flush()
    home_a, home_b = Household(site_id=site.id, name="A"), Household(site_id=site.id, name="B")
    home_z = Household(site_id=other.id, name="Z")
    session.add_all([home_a, home_b, home_z])
    session.flush()

    def person(email: str, site_id: int, household: Household | None, role: str = "resident") -> User:
        user = User(site_id=site_id, household_id=household.id if household else None, email=email, name=email,
                    role=role, password_hash="x")
        session.add(user)
        return user

    resident_a, resident_b = person("a@example.org", site.id, home_a), person("b@example.org", site.id, home_b)
    admin = person("admin@example.org", site.id, None, "admin")
    foreign = person("z@example.org", other.id, home_z)
    cars = [Vehicle(site_id=s.id, name=f"Car {s.id}", licence_plate=f"P {s.id}", model="VW ID.3", battery_kwh=58,
                    consumption_kwh_per_100km=15.5, max_charge_kw=11, photo_filename=f"matrix-{s.id}.png")
            for s in (site, other)]
    points = [ChargingPoint(site_id=s.id, name="Wallbox") for s in (site, other)]
    session.add_all([*cars, *points])
    session.flush()
    for car in cars:
        (photo_folder / car.photo_filename).write_bytes(PNG)
    start = (utcnow() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    bookings = [Booking(site_id=car.site_id, vehicle_id=car.id, user_id=user.id, household_id=user.household_id,
                        start_at=start, end_at=start + timedelta(hours=2), blocked_until=start + timedelta(hours=2))
                for car, user in ((cars[0], resident_a), (cars[1], foreign))]
    blockouts = [Blockout(site_id=car.site_id, vehicle_id=car.id, start_at=start + timedelta(days=9),
                          end_at=start + timedelta(days=10), reason="Reifen") for car in cars]
    batches = [AuditEvent(site_id=s.id, action="user.bulk_invite", object_type="invitation_batch",
                          after={"user_ids": []}) for s in (site, other)]
    waits = [WaitlistEntry(site_id=car.site_id, user_id=user.id, household_id=user.household_id, vehicle_id=car.id,
                           start_at=start, end_at=start + timedelta(hours=1))
             for car, user in ((cars[0], resident_a), (cars[1], foreign))]
    session.add_all([*bookings, *blockouts, *batches, *waits])
    session.commit()
    objects = {
        "booking": (bookings[0].id, bookings[1].id), "vehicle": (cars[0].id, cars[1].id),
        "user": (resident_a.id, foreign.id), "household": (home_a.id, home_z.id),
        "charging_point": (points[0].id, points[1].id), "blockout": (blockouts[0].id, blockouts[1].id),
        "batch": (batches[0].id, batches[1].id), "waitlist": (waits[0].id, waits[1].id),
    }
    return World(site, other, resident_a, resident_b, admin, foreign, objects)


def _expectation(endpoint: str) -> Expect | None:
    return next((e for pattern, e in EXPECTATIONS.items() if fnmatch.fnmatchcase(endpoint, pattern)), None)


def _outcome_ok(expected: object, response, method: str) -> bool:
    status, location = response.status_code, response.headers.get("Location", "")
    to_login = 300 <= status < 400 and "/login" in location
    if expected == LOGIN:
        return to_login or status == 401
    if expected == OK:
        if status in (200, 201, 204) or (300 <= status < 400 and not to_login):
            return True
        return method != "GET" and status in (400, 409, 422)
    return status == expected


class Walker:
    """Sends each request as a given role, with a fresh CSRF token for anything but GET."""

    def __init__(self, app, session, photo_folder: Path):
        self.app, self.session, self.photo_folder = app, session, photo_folder
        self.world = _build_world(session, photo_folder)

    def rebuild(self) -> None:
        """Empty every table (DELETE: much quicker than TRUNCATE for a few rows) and build the world again."""
        self.session.remove()
        with self.app.app_context(), db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        self.world = _build_world(self.session, self.photo_folder)

    def client_for(self, role: str):
        client = self.app.test_client()
        user = {"resident_a": self.world.resident_a, "resident_b": self.world.resident_b,
                "admin": self.world.admin, "admin_foreign": self.world.admin}.get(role)
        if user is not None:
            identity = f"{user.id}:{self.session.get(User, user.id).session_version}"
            with client.session_transaction() as flask_session:
                flask_session["_user_id"], flask_session["_fresh"] = identity, True
        return client

    def send(self, role: str, method: str, url: str):
        client = self.client_for(role)
        if method == "GET":
            return client.get(url)
        token = csrf_token_from(client.get("/password/forgot").get_data(as_text=True))
        return client.open(url, method=method, data={"csrf_token": token})


def _url(rule, world: World, scope: str) -> tuple[str | None, str | None]:
    values = {}
    for name in sorted(rule.arguments - set(rule.defaults or {})):
        if name not in PARAMS:
            return None, f"{rule.endpoint} ({rule.rule}): no value for URL parameter {name!r}; add it to PARAMS"
        values[name] = PARAMS[name](world, scope)
    return rule.build(values, append_unknown=False)[1], None


def test_every_route_answers_each_role_as_expected(app_ctx, session, tmp_path, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "PHOTO_FOLDER", str(tmp_path))
    walker = Walker(app_ctx, session, tmp_path)
    failures: list[str] = []
    checked = 0
    for rule in sorted(app_ctx.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        expect = _expectation(rule.endpoint)
        if expect is None:
            failures.append(f"{rule.endpoint} ({rule.rule}): not in EXPECTATIONS; say who may use it")
            continue
        has_objects = bool(rule.arguments - set(rule.defaults or {}) - {"secret", "filename"})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in ROLES:
                wanted = expect.foreign if role == "admin_foreign" else getattr(expect, role)
                if role == "admin_foreign" and (wanted is None or not has_objects):
                    continue
                url, problem = _url(rule, walker.world, "foreign" if role == "admin_foreign" else "own")
                if problem:
                    failures.append(problem)
                    break
                response = walker.send(role, method, url)
                response.close()
                checked += 1
                if not _outcome_ok(wanted, response, method):
                    failures.append(f"{method} {url} [{rule.endpoint}] as {role}: got {response.status_code} "
                                    f"{response.headers.get('Location', '')}, expected {wanted}")
                if method != "GET" and _outcome_ok(OK, response, method):
                    walker.rebuild()
    assert not failures, "\n".join(dict.fromkeys(failures))
    assert checked > 4 * len(list(app_ctx.url_map.iter_rules()))


@pytest.mark.parametrize("endpoint, expected", [("admin.users", ADMIN_ONLY), ("admin.vehicle_photo", None),
                                                ("bookings.cancel", OWN_HOUSEHOLD), ("static", PUBLIC),
                                                ("bookings.something_new", "missing")])
def test_expectations_are_found_by_pattern(endpoint, expected):
    found = _expectation(endpoint)
    if expected == "missing":
        assert found is None  # a new route must be registered
    elif expected is None:
        assert found.resident_b == OK
    else:
        assert found == expected
