"""Administering the fleet: cars with their technical data and photo, charging points and who may use them."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Booking, ChargingPoint, User, Vehicle, utcnow
from . import audit
from .admin_errors import Invalid, Problem, refuse
from .affected_bookings import Affected, Outcome, check_choices, live_bookings_between, resolve, with_alternatives

VEHICLE_FIELDS = (
    "name", "licence_plate", "model", "seats", "battery_kwh", "consumption_kwh_per_100km", "max_charge_kw",
    "soc_percent", "odometer_km", "status", "requires_approval", "handover_note", "key_box_code",
)
POINT_FIELDS = ("name", "max_power_kw", "active")
#: Accepted photo types by their first bytes (never by the name or the browser's word).
PHOTO_SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def future_live_bookings(session: Session, vehicle_id: int) -> list[Booking]:
    """Live bookings of a car that have not ended yet, soonest first."""
    return live_bookings_between(session, vehicle_id, utcnow(), None)


def _vehicle_problems(session: Session, site_id: int, values: dict[str, Any], vehicle: Vehicle | None) -> list[Problem]:
    problems = []
    plate = values["licence_plate"]
    taken = session.scalar(select(Vehicle.id).where(
        Vehicle.site_id == site_id, func.upper(Vehicle.licence_plate) == plate.upper(),
        Vehicle.id != (vehicle.id if vehicle else -1)))
    if taken is not None:
        problems.append(Problem("licence_plate", "plate_taken"))
    if vehicle is not None and values["status"] != vehicle.status:
        if values["status"] == "retired" or (vehicle.status == "retired" and values["status"] != "active"):
            problems.append(Problem("status", "use_retire"))
        elif values["status"] == "maintenance" and future_live_bookings(session, vehicle.id):
            problems.append(Problem("status", "has_future_bookings",
                                    {"count": len(future_live_bookings(session, vehicle.id))}))
    return problems


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: values[k] for k in VEHICLE_FIELDS if k in values}
    for key in ("name", "licence_plate", "model", "handover_note"):
        cleaned[key] = (cleaned.get(key) or "").strip()
    cleaned["licence_plate"] = cleaned["licence_plate"].upper()
    cleaned["key_box_code"] = (cleaned.get("key_box_code") or "").strip() or None
    cleaned.setdefault("status", "active")
    return cleaned


def _points_of(session: Session, site_id: int, point_ids: list[int]) -> list[ChargingPoint]:
    return list(session.scalars(select(ChargingPoint).where(ChargingPoint.site_id == site_id,
                                                            ChargingPoint.id.in_(point_ids or [-1]))))


def create_vehicle(session: Session, admin: User, values: dict[str, Any], point_ids: list[int]) -> Vehicle:
    """Add a car to the admin's site. Commits."""
    values = _clean(values)
    problems = _vehicle_problems(session, admin.site_id, values, None)
    if problems:
        raise Invalid(*problems)
    vehicle = Vehicle(site_id=admin.site_id, soc_updated_at=utcnow(), **values)
    vehicle.charging_points = _points_of(session, admin.site_id, point_ids)
    session.add(vehicle)
    session.flush()
    audit.record(session, actor=admin, action="vehicle.create", obj=vehicle,
                 after={**audit.snapshot(vehicle, VEHICLE_FIELDS), "charging_point_ids": sorted(point_ids)})
    session.commit()
    return vehicle


def update_vehicle(session: Session, admin: User, vehicle: Vehicle, values: dict[str, Any],
                   point_ids: list[int]) -> Vehicle:
    """Change a car's data, state of charge, odometer or charging points. Commits."""
    values = _clean(values)
    problems = _vehicle_problems(session, admin.site_id, values, vehicle)
    if problems:
        raise Invalid(*problems)
    before = {**audit.snapshot(vehicle, VEHICLE_FIELDS),
              "charging_point_ids": sorted(p.id for p in vehicle.charging_points)}
    if values["soc_percent"] != vehicle.soc_percent:
        vehicle.soc_updated_at = utcnow()
    for key, value in values.items():
        setattr(vehicle, key, value)
    vehicle.charging_points = _points_of(session, admin.site_id, point_ids)
    after = {**audit.snapshot(vehicle, VEHICLE_FIELDS), "charging_point_ids": sorted(point_ids)}
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit.record(session, actor=admin, action="vehicle.update", obj=vehicle,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    session.commit()
    return vehicle


def photo_kind(head: bytes) -> str | None:
    """The photo's type from its first bytes: "jpg", "png", "webp", or None."""
    for signature, kind in PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def read_photo(stream: BinaryIO) -> tuple[bytes, str]:
    """The bytes and type of an uploaded JPEG, PNG or WebP of at most 5 MB; Invalid otherwise."""
    data = stream.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise refuse("photo", "photo_too_large", mb=MAX_PHOTO_BYTES // (1024 * 1024))
    kind = photo_kind(data[:16])
    if kind is None:
        raise refuse("photo", "photo_type")
    return data, kind


def save_photo(session: Session, admin: User, vehicle: Vehicle, photo: tuple[bytes, str], folder: Path) -> str:
    """Store a checked photo (from read_photo) as the car's photo under a fresh random name. Commits."""
    data, kind = photo
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"vehicle-{vehicle.id}-{secrets.token_hex(8)}.{kind}"
    (folder / filename).write_bytes(data)
    old = vehicle.photo_filename
    vehicle.photo_filename = filename
    audit.record(session, actor=admin, action="vehicle.photo", obj=vehicle, before={"photo": old},
                 after={"photo": filename})
    session.commit()
    if old:
        (folder / Path(old).name).unlink(missing_ok=True)
    return filename


def remove_photo(session: Session, admin: User, vehicle: Vehicle, folder: Path) -> None:
    """Delete the car's photo. Commits."""
    old = vehicle.photo_filename
    if old is None:
        return
    vehicle.photo_filename = None
    audit.record(session, actor=admin, action="vehicle.photo", obj=vehicle, before={"photo": old},
                 after={"photo": None})
    session.commit()
    (folder / Path(old).name).unlink(missing_ok=True)


def _point_problems(session: Session, site_id: int, values: dict[str, Any], point: ChargingPoint | None):
    taken = session.scalar(select(ChargingPoint.id).where(
        ChargingPoint.site_id == site_id, func.lower(ChargingPoint.name) == values["name"].lower(),
        ChargingPoint.id != (point.id if point else -1)))
    return [Problem("name", "point_name_taken")] if taken is not None else []


def _vehicles_of(session: Session, site_id: int, vehicle_ids: list[int]) -> list[Vehicle]:
    return list(session.scalars(select(Vehicle).where(Vehicle.site_id == site_id,
                                                      Vehicle.id.in_(vehicle_ids or [-1]))))


def save_charging_point(session: Session, admin: User, point: ChargingPoint | None, values: dict[str, Any],
                        vehicle_ids: list[int]) -> ChargingPoint:
    """Add (point None) or change a charging point and the cars allowed at it (none chosen: every car). Commits."""
    values = {**{k: values[k] for k in POINT_FIELDS if k in values}, "name": (values.get("name") or "").strip()}
    problems = _point_problems(session, admin.site_id, values, point)
    if problems:
        raise Invalid(*problems)
    before = None
    if point is None:
        point = ChargingPoint(site_id=admin.site_id)
        session.add(point)
    else:
        before = {**audit.snapshot(point, POINT_FIELDS), "vehicle_ids": sorted(v.id for v in point.vehicles)}
    for key, value in values.items():
        setattr(point, key, value)
    point.vehicles = _vehicles_of(session, admin.site_id, vehicle_ids)
    session.flush()
    audit.record(session, actor=admin, action="charging_point.update" if before else "charging_point.create",
                 obj=point, before=before,
                 after={**audit.snapshot(point, POINT_FIELDS), "vehicle_ids": sorted(v.id for v in point.vehicles)})
    session.commit()
    return point


def retire_preview(session: Session, vehicle: Vehicle, now: datetime | None = None) -> list[Affected]:
    """The bookings from now on that retiring the car would hit, each with the cars free at its time."""
    found = live_bookings_between(session, vehicle.id, now or utcnow(), None)
    return with_alternatives(session, vehicle.site_id, found, vehicle.id)


def retire_vehicle(session: Session, admin: User, vehicle: Vehicle, *, reason: str, choices: dict[int, str],
                   expected_ids: list[int], now: datetime | None = None) -> list[Outcome]:
    """Take a car out of service for good; each of its bookings is moved or cancelled as chosen."""
    now = now or utcnow()
    check_choices(retire_preview(session, vehicle, now), choices, expected_ids)
    before = {"status": vehicle.status}
    vehicle.status = "retired"
    audit.record(session, actor=admin, action="vehicle.retire", obj=vehicle, before=before,
                 after={"status": "retired", "reason": reason.strip(),
                        "bookings": {str(k): v for k, v in choices.items()}})
    session.commit()
    return resolve(session, admin, vehicle.id, now, None, choices, reason=reason.strip(), template="vehicle_retired",
                   now=now)
