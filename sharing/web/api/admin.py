"""Administration through the API (admin scope and administrator role): cars, charging points,
blockouts, users and households. Every write goes through the same services as the admin pages."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...models import Blockout, ChargingPoint, Household, User, Vehicle
from ...services import accounts, blockouts, fleet_admin, households, user_admin
from ...services.accounts import AccountError
from ...services.admin_errors import refuse
from ...services.fleet_admin import VEHICLE_FIELDS
from ..admin.common import invitation_valid_for
from ..auth import send_invitation
from ..messages import account_error_message
from . import present
from . import schemas as s
from .blueprint import bp
from .bookings import paged, unknown
from .fleet import vehicle_in_site
from .problems import ApiProblem
from .registry import Caller, operation

ADMIN = {"scope": "admin", "admin": True}


def given(body, nullable: tuple[str, ...] = ()) -> dict:
    """The fields a PATCH sets; null leaves a field as it is (except where null has a meaning: clear it)."""
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in nullable}


def _in_site(caller: Caller, model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None or getattr(obj, "site_id", None) != caller.user.site_id:
        raise ApiProblem(404)
    return obj


@operation(bp, "POST", "/vehicles", summary="Add a car", tag="admin", body=s.VehicleIn, response=s.VehicleOut,
           status=201, **ADMIN)
def create_vehicle(caller: Caller, body: s.VehicleIn):
    """A new car of the site (the licence plate must be unique in the site)."""
    values = body.model_dump(exclude={"charging_point_ids"})
    car = fleet_admin.create_vehicle(db.session, caller.user, values, body.charging_point_ids)
    return present.vehicle(car), {"Location": f"/api/v1/vehicles/{car.id}"}


@operation(bp, "PATCH", "/vehicles/<int:vehicle_id>", summary="Change a car", tag="admin", body=s.VehiclePatch,
           response=s.VehicleOut, **ADMIN)
def update_vehicle(caller: Caller, vehicle_id: int, body: s.VehiclePatch):
    """Change the given fields (retiring a car is done on the admin pages, which handle its bookings)."""
    car = vehicle_in_site(caller, vehicle_id)
    changes = given(body, nullable=("key_box_code",))
    point_ids = changes.pop("charging_point_ids", None)
    values = {**{key: getattr(car, key) for key in VEHICLE_FIELDS}, **changes}
    if point_ids is None:
        point_ids = [p.id for p in car.charging_points]
    car = fleet_admin.update_vehicle(db.session, caller.user, car, values, point_ids)
    return present.vehicle(car)


@operation(bp, "GET", "/charging-points", summary="List charging points", tag="admin",
           response=s.ChargingPointList, **ADMIN)
def list_charging_points(caller: Caller):
    """Every charging point of the site and the cars allowed at it."""
    points = db.session.scalars(select(ChargingPoint).where(ChargingPoint.site_id == caller.user.site_id)
                                .order_by(ChargingPoint.name, ChargingPoint.id)).all()
    return s.ChargingPointList(items=[present.charging_point(p) for p in points])


@operation(bp, "POST", "/charging-points", summary="Add a charging point", tag="admin", body=s.ChargingPointIn,
           response=s.ChargingPointOut, status=201, **ADMIN)
def create_charging_point(caller: Caller, body: s.ChargingPointIn):
    """A new charging point (names are unique in the site)."""
    point = fleet_admin.save_charging_point(db.session, caller.user, None, body.model_dump(exclude={"vehicle_ids"}),
                                            body.vehicle_ids)
    return present.charging_point(point)


@operation(bp, "PATCH", "/charging-points/<int:point_id>", summary="Change a charging point", tag="admin",
           body=s.ChargingPointPatch, response=s.ChargingPointOut, **ADMIN)
def update_charging_point(caller: Caller, point_id: int, body: s.ChargingPointPatch):
    """Change the given fields of a charging point."""
    point = _in_site(caller, ChargingPoint, point_id)
    changes = given(body)
    vehicle_ids = changes.pop("vehicle_ids", None)
    values = {"name": point.name, "max_power_kw": point.max_power_kw, "active": point.active, **changes}
    vehicle_ids = [v.id for v in point.vehicles] if vehicle_ids is None else vehicle_ids
    return present.charging_point(fleet_admin.save_charging_point(db.session, caller.user, point, values,
                                                                  vehicle_ids))


@operation(bp, "GET", "/blockouts", summary="List blockouts", tag="admin", response=s.BlockoutList, **ADMIN)
def list_blockouts(caller: Caller):
    """Maintenance blockouts that are not over yet, soonest first."""
    rows = db.session.scalars(blockouts.blockouts_of_site(db.session, caller.user.site_id)).all()
    zone = present.zone_of(caller.user)
    return s.BlockoutList(items=[present.blockout(b, zone) for b in rows])


@operation(bp, "POST", "/blockouts", summary="Block a car for maintenance", tag="admin", body=s.BlockoutIn,
           response=s.BlockoutCreated, status=201, errors=(409,), **ADMIN)
def create_blockout(caller: Caller, body: s.BlockoutIn):
    """Block a car; each booking in the way is moved or cancelled as given in `resolutions`."""
    car = db.session.get(Vehicle, body.vehicle_id)
    if car is None or car.site_id != caller.user.site_id:
        raise ApiProblem(422, errors=[unknown("body.vehicle_id")])
    zone = present.zone_of(caller.user)
    affected = blockouts.preview(db.session, car, body.start, body.end)
    given = {r.booking_id: r for r in body.resolutions}
    if sorted(given) != sorted(a.booking.id for a in affected) or any(a.in_use for a in affected):
        raise ApiProblem(409, code="bookings_affected", affected=[
            {"booking_id": a.booking.id, "in_use": a.in_use, "free_vehicle_ids": [v.id for v in a.alternatives],
             **present.slot(a.booking.start_at, a.booking.end_at, zone)} for a in affected])
    choices = {r.booking_id: "cancel" if r.action == "cancel" else str(r.vehicle_id or "") for r in body.resolutions}
    row, outcomes = blockouts.create_blockout(db.session, caller.user, car, start=body.start, end=body.end,
                                              reason=body.reason, choices=choices, expected_ids=list(given))
    return s.BlockoutCreated(blockout=present.blockout(row, zone),
                             outcomes=[{"booking_id": o.booking.id, "result": o.result,
                                        "vehicle_id": o.vehicle.id if o.vehicle else None} for o in outcomes])


@operation(bp, "DELETE", "/blockouts/<int:blockout_id>", summary="Remove a blockout", tag="admin", **ADMIN)
def delete_blockout(caller: Caller, blockout_id: int):
    """End a blockout: the car can be booked again at that time."""
    blockouts.delete_blockout(db.session, caller.user, _in_site(caller, Blockout, blockout_id))


@operation(bp, "GET", "/users", summary="List people", tag="admin", query=s.UserQuery, response=s.UserPage,
           **ADMIN)
def list_users(caller: Caller, query: s.UserQuery):
    """People of the site by name, filtered by text, role, state and household; paged."""
    statement = user_admin.search_users(db.session, caller.user.site_id, text=query.text, role=query.role,
                                        state=query.state, household_id=query.household_id)
    rows, total, next_page = paged(statement, query.page, query.per_page)
    return s.UserPage(items=[present.user(u) for u in rows], page=query.page, per_page=query.per_page, total=total,
                      next_page=next_page)


@operation(bp, "GET", "/users/<int:user_id>", summary="Read a person", tag="admin", response=s.UserOut, **ADMIN)
def get_user(caller: Caller, user_id: int):
    """One person of the site."""
    person = _in_site(caller, User, user_id)
    if person.deleted_at is not None:
        raise ApiProblem(404)
    return present.user(person)


def _household_of_site(caller: Caller, household_id: int | None, field: str) -> Household | None:
    if household_id is None:
        return None
    row = db.session.get(Household, household_id)
    if row is None or row.site_id != caller.user.site_id:
        raise ApiProblem(422, errors=[unknown(field)])
    return row


@operation(bp, "POST", "/users", summary="Invite a person", tag="admin", body=s.UserInviteIn,
           response=s.UserInvitedOut, status=201, **ADMIN)
def invite_user(caller: Caller, body: s.UserInviteIn):
    """A new account of the site; the person sets a password through the e-mailed one-time link."""
    household = _household_of_site(caller, body.household_id, "body.household_id")
    if body.role == "resident" and household is None:
        raise refuse("household_id", "household_required")
    try:
        issued = accounts.invite_user(db.session, caller.user, email=body.email, name=body.name,
                                      household_id=household.id if household else None, role=body.role,
                                      language=body.language, valid_for=invitation_valid_for())
    except AccountError as error:
        raise ApiProblem(422, errors=[{"field": "body.email", "code": error.code,
                                       "message": account_error_message(error.code)}]) from None
    link = send_invitation(issued)
    db.session.commit()
    shown = None if current_app.config["MAIL_SERVER"] else link
    return (s.UserInvitedOut(**present.user(issued.user).model_dump(), invitation_link=shown),
            {"Location": f"/api/v1/users/{issued.user.id}"})


@operation(bp, "PATCH", "/users/<int:user_id>", summary="Change a person's role, household or access", tag="admin",
           body=s.UserPatch, response=s.UserOut, **ADMIN)
def update_user(caller: Caller, user_id: int, body: s.UserPatch):
    """Move to another household, change the role, deactivate (with a reason) or reactivate; never oneself."""
    person = _in_site(caller, User, user_id)
    if person.deleted_at is not None:
        raise ApiProblem(404)
    household = _household_of_site(caller, body.household_id, "body.household_id")
    # Every refusal comes before the first change: each step below commits on its own.
    if body.active is False and not body.reason:
        raise refuse("reason", "required")
    if person.id == caller.user.id and (body.role not in (None, person.role) or body.active is False):
        raise refuse(None, "not_on_yourself")
    if body.role == "resident" and household is None and person.household_id is None:
        raise refuse("household_id", "household_required")
    if household is not None:
        user_admin.move_to_household(db.session, caller.user, person, household)
    if body.role is not None:
        user_admin.change_role(db.session, caller.user, person, body.role)
    if body.active is False:
        user_admin.deactivate(db.session, caller.user, person, reason=body.reason)
    elif body.active is True:
        user_admin.reactivate(db.session, caller.user, person)
    return present.user(person)


@operation(bp, "GET", "/households", summary="List households", tag="admin", response=s.HouseholdList, **ADMIN)
def list_households(caller: Caller):
    """Every household of the site with its member count."""
    rows = households.households_with_counts(db.session, caller.user.site_id)
    return s.HouseholdList(items=[present.household(r.household, r.members) for r in rows])


@operation(bp, "POST", "/households", summary="Create a household", tag="admin", body=s.HouseholdIn,
           response=s.HouseholdOut, status=201, **ADMIN)
def create_household(caller: Caller, body: s.HouseholdIn):
    """A new household (names are unique in the site, ignoring case)."""
    row = households.create_household(db.session, caller.user, name=body.name, address=body.address)
    return present.household(row, 0)


@operation(bp, "PATCH", "/households/<int:household_id>", summary="Change a household", tag="admin",
           body=s.HouseholdPatch, response=s.HouseholdOut, **ADMIN)
def update_household(caller: Caller, household_id: int, body: s.HouseholdPatch):
    """Rename a household or change its address."""
    row = _in_site(caller, Household, household_id)
    row = households.update_household(db.session, caller.user, row, name=body.name or row.name,
                                      address=row.address if body.address is None else body.address)
    return present.household(row)
