"""Objects of the app as the API's response documents (times in UTC plus the site's zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ...domain.errors import BookingRejected
from ...models import Blockout, Booking, ChargeWindow, ChargingPoint, Household, User, Vehicle, WaitlistEntry
from ..booking_messages import reason_dict, suggestions_dicts
from . import schemas as s
from .types import local, utc

#: Reason fields of the web forms, as the API's body fields.
FIELD_NAMES = {"vehicle": "vehicle_id"}


def zone_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.site.timezone)


def slot(start: datetime, end: datetime, zone: ZoneInfo) -> dict:
    return {"start": utc(start), "end": utc(end), "start_local": local(start, zone), "end_local": local(end, zone)}


def vehicle(car: Vehicle) -> s.VehicleOut:
    return s.VehicleOut(
        id=car.id, name=car.name, model=car.model, licence_plate=car.licence_plate, seats=car.seats,
        status=car.status, battery_kwh=car.battery_kwh, consumption_kwh_per_100km=car.consumption_kwh_per_100km,
        max_charge_kw=car.max_charge_kw, soc_percent=car.soc_percent, soc_updated_at=utc(car.soc_updated_at),
        range_km=car.range_km, requires_approval=car.requires_approval,
        charging_point_ids=sorted(p.id for p in car.charging_points))


def booking(row: Booking, actor: User) -> s.BookingOut:
    zone = zone_of(actor)
    own = row.household_id == actor.household_id
    handover = own and row.status in ("confirmed", "active")
    return s.BookingOut(
        id=row.id, vehicle_id=row.vehicle_id, vehicle_name=row.vehicle.name, household_id=row.household_id, own=own,
        user_id=row.user_id, status=row.status, timezone=zone.key, distance_km=row.distance_km, note=row.note or "",
        series_id=row.series_id, picked_up_at=_utc(row.picked_up_at), returned_at=_utc(row.returned_at),
        odometer_start_km=row.odometer_start_km, odometer_end_km=row.odometer_end_km,
        planned_soc_percent=row.planned_soc_percent, at_risk_reason=row.at_risk_reason,
        cancel_reason=row.cancel_reason, key_box_code=row.vehicle.key_box_code if handover else None,
        handover_note=row.vehicle.handover_note if handover else None, **slot(row.start_at, row.end_at, zone))


def _utc(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment is not None else None


def reasons(items, zone: ZoneInfo) -> list[dict]:
    """The machine-readable reasons with their sentences, exactly as the web pages word them."""
    result = []
    for reason in items:
        data = reason_dict(reason, zone)
        data["field"] = FIELD_NAMES.get(data["field"], data["field"])
        result.append(data)
    return result


def rejection(rejected: BookingRejected, zone: ZoneInfo, distance_km: float = 0) -> dict:
    return {"reasons": reasons(rejected.reasons, zone),
            "suggestions": suggestions_dicts(rejected.suggestions, zone, distance_km)}


def waitlist_entry(entry: WaitlistEntry, zone: ZoneInfo) -> s.WaitlistOut:
    return s.WaitlistOut(id=entry.id, vehicle_id=entry.vehicle_id, household_id=entry.household_id,
                         status=entry.status, auto_book=entry.auto_book, distance_km=entry.distance_km,
                         booking_id=entry.booking_id, **slot(entry.start_at, entry.end_at, zone))


def charge_window(window: ChargeWindow, zone: ZoneInfo) -> s.ChargeWindowOut:
    return s.ChargeWindowOut(id=window.id, vehicle_id=window.vehicle_id, charging_point_id=window.charging_point_id,
                             status=window.status, energy_kwh=window.energy_kwh,
                             power_kw=[float(p) for p in (window.power_kw or [])], slot_minutes=window.slot_minutes,
                             **slot(window.start_at, window.end_at, zone))


def charging_point(point: ChargingPoint) -> s.ChargingPointOut:
    return s.ChargingPointOut(id=point.id, name=point.name, max_power_kw=point.max_power_kw, active=point.active,
                              vehicle_ids=sorted(v.id for v in point.vehicles))


def blockout(row: Blockout, zone: ZoneInfo) -> s.BlockoutOut:
    return s.BlockoutOut(id=row.id, vehicle_id=row.vehicle_id, reason=row.reason or "",
                         **slot(row.start_at, row.end_at, zone))


def user(person: User) -> s.UserOut:
    return s.UserOut(id=person.id, name=person.name, email=person.email, role=person.role, active=person.active,
                     invited=person.password_hash is None, household_id=person.household_id,
                     language=person.language)


def household(row: Household, members: int | None = None) -> s.HouseholdOut:
    return s.HouseholdOut(id=row.id, name=row.name, address=row.address or "", members=members)
