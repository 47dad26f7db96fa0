"""A believable demo neighbourhood: real car models, households, residents and bookings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Booking, ChargingPoint, Household, Site, User, Vehicle, utcnow
from ..security.passwords import hash_password

DEMO_SITE = "Quartier Lindenhof"
DEMO_ADMIN = ("admin@lindenhof.example", "Demo-Admin-2026")
DEMO_RESIDENT = ("anna.schmidt@lindenhof.example", "Demo-Anna-2026")
DEMO_PASSWORD = "Demo-Nachbar-2026"

#: (name, plate, model, seats, battery kWh usable, consumption kWh/100 km, max AC kW) as published.
DEMO_CARS = [
    ("Die Blaue", "LH-QA 101E", "VW ID.3 Pro (58 kWh)", 5, 58.0, 15.5, 11.0),
    ("Zoe", "LH-QA 102E", "Renault Zoe R135 (52 kWh)", 5, 52.0, 17.2, 22.0),
    ("Der Kleine", "LH-QA 103E", "Fiat 500e (42 kWh)", 4, 37.3, 14.3, 11.0),
    ("Kona", "LH-QA 104E", "Hyundai Kona Elektro (64 kWh)", 5, 64.0, 14.7, 11.0),
    ("Frühling", "LH-QA 105E", "Dacia Spring (26.8 kWh)", 4, 26.8, 13.9, 7.4),
    ("Familienkutsche", "LH-QA 106E", "VW ID.4 Pro (77 kWh)", 5, 77.0, 17.0, 11.0),
]

STREETS = ["Lindenweg", "Am Dorfbach", "Kirschgarten", "Sonnenhang"]
SURNAMES = [
    "Schmidt", "Müller", "Weber", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch", "Richter", "Klein",
    "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Yılmaz",
]
FIRST_NAMES = [
    "Anna", "Jonas", "Petra", "Ahmet", "Lena", "Klaus", "Sofia", "Emil", "Marie", "Tobias", "Ingrid", "Paul",
    "Fatma", "Lukas", "Hannelore", "Felix", "Mia", "Jürgen", "Clara", "Ben", "Greta", "Noah", "Renate",
    "Elias", "Leonie", "Dieter", "Emma", "Finn", "Ursula", "Mats", "Hannah", "Karl", "Lina", "Yusuf", "Ida",
]


@dataclass(frozen=True)
class DemoSummary:
    """What the seed created, for the command line to print."""

    site: Site
    households: int
    residents: int
    vehicles: int
    bookings: int


def seed_demo(session: Session, *, timezone: str = "Europe/Berlin", seed: int = 2026) -> DemoSummary:
    """Create the demo neighbourhood (once: an existing demo site is left alone). Commits."""
    existing = session.scalar(select(Site).where(Site.name == DEMO_SITE))
    if existing is not None:
        raise ValueError("demo_exists")
    rng = random.Random(seed)
    site = Site(name=DEMO_SITE, timezone=timezone, grid_limit_kw=22.0, tariff_flat_eur_per_kwh=0.32,
                monthly_fixed_costs_eur=1450.0)
    session.add(site)
    session.flush()

    cars = [
        Vehicle(site_id=site.id, name=n, licence_plate=p, model=m, seats=s, battery_kwh=b,
                consumption_kwh_per_100km=c, max_charge_kw=kw, soc_percent=float(rng.randint(45, 95)),
                odometer_km=rng.randint(4_000, 38_000),
                handover_note="Tiefgarage Lindenweg 2, Stellplatz E%s. Schlüssel im Schlüsseltresor." % (i + 1),
                key_box_code=f"{rng.randint(1000, 9999)}")
        for i, (n, p, m, s, b, c, kw) in enumerate(DEMO_CARS)
    ]
    session.add_all(cars)
    points = [ChargingPoint(site_id=site.id, name=f"Wallbox {i + 1}", max_power_kw=11.0) for i in range(3)]
    session.add_all(points)

    households = [
        Household(site_id=site.id, name=f"{surname}", address=f"{STREETS[i % 4]} {i // 4 + 1}")
        for i, surname in enumerate(SURNAMES)
    ]
    session.add_all(households)
    session.flush()

    password_hash = hash_password(DEMO_PASSWORD)
    residents: list[User] = []
    for i, first in enumerate(FIRST_NAMES):
        household = households[i % len(households)]
        email = f"{first.lower()}.{household.name.lower()}@lindenhof.example"
        email = email.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ı", "i")
        residents.append(User(site_id=site.id, household_id=household.id, email=email, name=f"{first} {household.name}",
                              password_hash=password_hash, role="resident", language="de" if i % 5 else "en",
                              phone=f"0151 {rng.randint(1000000, 9999999)}", share_contact=i % 3 != 0))
    residents[0].email, residents[0].password_hash, residents[0].language = (
        DEMO_RESIDENT[0], hash_password(DEMO_RESIDENT[1]), "de")
    admin = User(site_id=site.id, email=DEMO_ADMIN[0], name="Verena Vorstand (Verein)",
                 password_hash=hash_password(DEMO_ADMIN[1]), role="admin", language="de")
    session.add_all([*residents, admin])
    session.flush()

    bookings = _demo_bookings(site, cars, residents, rng)
    session.add_all(bookings)
    session.commit()
    return DemoSummary(site, len(households), len(residents), len(cars), len(bookings))


def _demo_bookings(site: Site, cars: list[Vehicle], residents: list[User], rng: random.Random) -> list[Booking]:
    """Three weeks back and two weeks ahead of typical second-car trips, never overlapping."""
    zone = ZoneInfo(site.timezone)
    today = datetime.now(zone).date()
    buffer = timedelta(minutes=site.buffer_minutes)
    now = utcnow()
    taken: dict[int, list[tuple[datetime, datetime]]] = {car.id: [] for car in cars}
    future_per_household: dict[int, int] = {}
    bookings: list[Booking] = []
    for day_offset in range(-21, 15):
        day = today + timedelta(days=day_offset)
        for _ in range(rng.randint(2, 5)):
            car = rng.choice(cars)
            user = rng.choice(residents)
            start_hour = rng.choice([7, 8, 9, 10, 13, 14, 15, 16, 17, 18])
            local_start = datetime.combine(day, time(start_hour, rng.choice([0, 15, 30, 45])), zone)
            hours = rng.choice([1, 1.5, 2, 2.5, 3, 4, 6])
            start = local_start.astimezone(ZoneInfo("UTC"))
            end = start + timedelta(hours=hours)
            if any(s < end + buffer and start < e + buffer for s, e in taken[car.id]):
                continue
            future = end > now
            if future and future_per_household.get(user.household_id, 0) >= site.max_future_bookings - 1:
                continue  # leave room so demo residents can still book
            if start < now < end:
                continue  # keep the demo simple: nothing is on the road right now
            taken[car.id].append((start, end))
            distance = rng.choice([8, 12, 18, 25, 35, 60, 90, 140])
            booking = Booking(site_id=site.id, vehicle_id=car.id, user_id=user.id, household_id=user.household_id,
                              start_at=start, end_at=end, blocked_until=end + buffer, distance_km=distance,
                              status="confirmed", note=rng.choice(["", "", "Einkauf", "Arzttermin", "Ausflug"]))
            if future:
                future_per_household[user.household_id] = future_per_household.get(user.household_id, 0) + 1
            else:
                driven = max(1, int(distance * rng.uniform(0.8, 1.2)))
                booking.status = "completed"
                booking.picked_up_at, booking.returned_at = start, end
                booking.odometer_start_km = car.odometer_km
                booking.odometer_end_km = car.odometer_km + driven
                booking.soc_start_percent = 90.0
                used = driven * car.consumption_kwh_per_100km / 100 / car.battery_kwh * 100
                booking.soc_end_percent = round(max(5.0, 90.0 - used), 1)
                booking.plugged_in_on_return = True
                car.odometer_km += driven
            bookings.append(booking)
    return bookings
