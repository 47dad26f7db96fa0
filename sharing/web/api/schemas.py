"""Request and response schemas of the API. The same classes validate, shape and describe (OpenAPI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...models.booking import BOOKING_STATUSES
from .types import Clock, Day, Id, Instant, bounded


class In(BaseModel):
    """A request body or query: unknown fields are refused, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=False)


class Out(BaseModel):
    """A response document."""

    model_config = ConfigDict(from_attributes=True)


BookingState = Literal[BOOKING_STATUSES]  # type: ignore[valid-type]


# --- queries -------------------------------------------------------------------------------------------------------

class PageQuery(In):
    page: int = Field(1, ge=1, le=100_000, description="Page number, from 1.")
    per_page: int = Field(20, ge=1, le=100, description="Items per page (at most 100).")


class BookingQuery(PageQuery):
    vehicle_id: Id | None = Field(None, description="Only bookings of this car.")
    household_id: Id | None = Field(None, description="Administrators: only this household's bookings.")
    from_: Instant | None = Field(None, alias="from", description="Only bookings that end after this instant.")
    to: Instant | None = Field(None, description="Only bookings that start before this instant.")
    state: BookingState | None = Field(None, description="Only bookings in this state.")


class PeriodQuery(In):
    from_: Instant = Field(alias="from", description="Start of the period (RFC 3339 with offset).")
    to: Instant = Field(description="End of the period (at most 31 days after the start).")


class ChargeWindowQuery(PeriodQuery):
    vehicle_id: Id | None = Field(None, description="Only this car's windows.")


class VehicleQuery(In):
    status: Literal["active", "maintenance", "retired"] | None = Field(None, description="Only cars in this state.")


class UserQuery(PageQuery):
    text: bounded(100) = Field("", description="Part of the name or e-mail address.")
    role: Literal["resident", "admin"] | None = None
    state: Literal["active", "invited", "deactivated"] | None = None
    household_id: Id | None = None


# --- request bodies ------------------------------------------------------------------------------------------------

class BookingIn(In):
    vehicle_id: Id
    start: Instant
    end: Instant
    distance_km: int = Field(0, ge=0, le=2000, description="Expected distance; checked against the car's range.")
    note: bounded(1000) = ""
    on_behalf_of_user_id: Id | None = Field(None, description="Administrators only: book for this resident.")


class BookingCheckIn(In):
    vehicle_id: Id
    start: Instant
    end: Instant
    distance_km: int = Field(0, ge=0, le=2000)


class BookingChangeIn(In):
    vehicle_id: Id | None = None
    start: Instant | None = None
    end: Instant | None = None
    distance_km: int | None = Field(None, ge=0, le=2000)
    note: bounded(1000) | None = None


class CancelIn(In):
    reason: bounded(300) | None = Field(
        None, description="Required when an administrator cancels someone else's booking.")


class PickupIn(In):
    odometer_km: int = Field(ge=0, le=2_000_000)
    soc_percent: float = Field(ge=0, le=100)


class ReturnIn(PickupIn):
    plugged_in: bool
    damage_note: bounded(2000) | None = None


class ExtendIn(In):
    end: Instant


class DecisionIn(In):
    approve: bool
    reason: bounded(300) | None = None


class SeriesIn(In):
    vehicle_id: Id
    first_date: Day
    start_time: Clock = Field(description="Local start time in the site's zone, HH:MM.")
    duration_minutes: int = Field(ge=15, le=24 * 60)
    weekdays: list[int] = Field(min_length=1, max_length=7, description="0 = Monday ... 6 = Sunday.")
    until_date: Day
    distance_km: int = Field(0, ge=0, le=2000)
    note: bounded(1000) = ""
    book_free_only: bool = Field(False, description="Book the free dates even if some dates conflict.")


class WaitlistIn(In):
    vehicle_id: Id
    start: Instant
    end: Instant
    distance_km: int = Field(0, ge=0, le=2000)
    auto_book: bool = Field(False, description="Book automatically when the slot frees up.")


class VehicleIn(In):
    name: bounded(80, 1)
    licence_plate: bounded(20, 1)
    model: bounded(80, 1)
    seats: int = Field(5, ge=1, le=9)
    battery_kwh: float = Field(ge=5, le=250)
    consumption_kwh_per_100km: float = Field(ge=5, le=60)
    max_charge_kw: float = Field(ge=1, le=350)
    soc_percent: float = Field(80.0, ge=0, le=100)
    odometer_km: int = Field(0, ge=0, le=2_000_000)
    status: Literal["active", "maintenance"] = "active"
    requires_approval: bool = False
    handover_note: bounded(2000) = ""
    key_box_code: bounded(32) | None = None
    charging_point_ids: list[Id] = Field(default_factory=list, max_length=100)


class VehiclePatch(In):
    name: bounded(80, 1) | None = None
    licence_plate: bounded(20, 1) | None = None
    model: bounded(80, 1) | None = None
    seats: int | None = Field(None, ge=1, le=9)
    battery_kwh: float | None = Field(None, ge=5, le=250)
    consumption_kwh_per_100km: float | None = Field(None, ge=5, le=60)
    max_charge_kw: float | None = Field(None, ge=1, le=350)
    soc_percent: float | None = Field(None, ge=0, le=100)
    odometer_km: int | None = Field(None, ge=0, le=2_000_000)
    status: Literal["active", "maintenance"] | None = None
    requires_approval: bool | None = None
    handover_note: bounded(2000) | None = None
    key_box_code: bounded(32) | None = None
    charging_point_ids: list[Id] | None = Field(None, max_length=100)


class ChargingPointIn(In):
    name: bounded(80, 1)
    max_power_kw: float = Field(11.0, ge=1, le=350)
    active: bool = True
    vehicle_ids: list[Id] = Field(default_factory=list, max_length=100,
                                  description="Cars allowed to charge here (empty: every car).")


class ChargingPointPatch(In):
    name: bounded(80, 1) | None = None
    max_power_kw: float | None = Field(None, ge=1, le=350)
    active: bool | None = None
    vehicle_ids: list[Id] | None = Field(None, max_length=100)


class Resolution(In):
    booking_id: Id
    action: Literal["cancel", "move"]
    vehicle_id: Id | None = Field(None, description="For move: the free car to move the booking to.")


class BlockoutIn(In):
    vehicle_id: Id
    start: Instant
    end: Instant
    reason: bounded(200) = ""
    resolutions: list[Resolution] = Field(default_factory=list, max_length=200, description=(
        "What happens to each booking in the way. Without them, a blockout that hits bookings is refused "
        "with 409 and the list of affected bookings and the cars free at their times."))


class UserInviteIn(In):
    email: bounded(254, 3) = Field(description="Where the invitation goes; unique in the installation.")
    name: bounded(120, 1)
    role: Literal["resident", "admin"] = "resident"
    household_id: Id | None = Field(None, description="Required for residents.")
    language: Literal["de", "en"] = "de"


class UserPatch(In):
    role: Literal["resident", "admin"] | None = None
    household_id: Id | None = Field(None, description="Move the person to this household of the site.")
    active: bool | None = Field(None, description="false deactivates: upcoming bookings are cancelled, with "
                                                  "`reason` told to the household; every session ends.")
    reason: bounded(300, 1) | None = Field(None, description="Required when deactivating.")


class HouseholdIn(In):
    name: bounded(120, 1)
    address: bounded(200) = ""


class HouseholdPatch(In):
    name: bounded(120, 1) | None = None
    address: bounded(200) | None = None


# --- responses -----------------------------------------------------------------------------------------------------

class Slot(Out):
    start: datetime = Field(description="UTC.")
    end: datetime = Field(description="UTC.")
    start_local: datetime = Field(description="The same instant in the site's zone.")
    end_local: datetime


class SiteOut(Out):
    id: int
    name: str
    timezone: str


class MeOut(Out):
    id: int
    name: str
    email: str
    role: Literal["resident", "admin"]
    language: str
    household_id: int | None
    household_name: str | None
    site: SiteOut
    scopes: list[Literal["read", "book", "admin"]]


class VehicleOut(Out):
    id: int
    name: str
    model: str
    licence_plate: str
    seats: int
    status: Literal["active", "maintenance", "retired"]
    battery_kwh: float
    consumption_kwh_per_100km: float
    max_charge_kw: float
    soc_percent: float = Field(description="State of charge now, in percent.")
    soc_updated_at: datetime
    range_km: int = Field(description="Range with the current charge.")
    requires_approval: bool
    charging_point_ids: list[int]


class VehicleList(Out):
    items: list[VehicleOut]


class BookingOut(Slot):
    id: int
    vehicle_id: int
    vehicle_name: str
    household_id: int
    own: bool = Field(description="The caller's household's booking.")
    user_id: int | None
    status: BookingState
    timezone: str
    distance_km: int
    note: str
    series_id: int | None
    picked_up_at: datetime | None
    returned_at: datetime | None
    odometer_start_km: int | None
    odometer_end_km: int | None
    planned_soc_percent: float | None = Field(description="Expected charge at pick-up (from the charge plan).")
    at_risk_reason: str | None
    cancel_reason: str | None
    key_box_code: str | None = Field(None, description="Only for the booking's own household, once it is confirmed.")
    handover_note: str | None = None


class BookingPage(Out):
    items: list[BookingOut]
    page: int
    per_page: int
    total: int
    next_page: int | None = Field(description="The next page's number, or null on the last page.")


class Interval(Slot):
    kind: Literal["booking", "blockout", "free"]
    own: bool = False


class VehicleAvailability(Out):
    vehicle_id: int
    timezone: str
    period: Slot
    busy: list[Interval] = Field(description="Bookings (with their handover buffer) and blockouts.")
    free: list[Interval]


class FreeVehicles(Out):
    period: Slot
    items: list[VehicleOut]


class Reason(Out):
    kind: str = Field(description="Machine-readable reason, e.g. vehicle_booked, buffer_conflict, too_short.")
    field: str | None = None
    rule: dict[str, Any] = Field(default_factory=dict)
    message: str
    interval: Slot | None = None


class SuggestionBook(Out):
    vehicle_id: int
    start: datetime
    end: datetime
    distance_km: int


class Suggestion(Slot):
    kind: Literal["other_vehicle", "earlier", "later"]
    vehicle_id: int
    vehicle_name: str
    enough_range: bool
    label: str
    book: SuggestionBook = Field(description="The request body that books this alternative.")


class CheckOut(Out):
    ok: bool
    needs_approval: bool
    reasons: list[Reason]
    suggestions: list[Suggestion]


class SeriesConflict(Out):
    date: date
    slot: Slot | None = None
    reasons: list[Reason]


class SeriesOut(Out):
    series_id: int | None
    booked: list[BookingOut]
    conflicts: list[SeriesConflict]


class WaitlistOut(Slot):
    id: int
    vehicle_id: int
    household_id: int
    status: str
    auto_book: bool
    distance_km: int
    booking_id: int | None


class WaitlistList(Out):
    items: list[WaitlistOut]


class ChargeWindowOut(Slot):
    id: int
    vehicle_id: int
    charging_point_id: int
    status: str
    energy_kwh: float
    power_kw: list[float]
    slot_minutes: int


class ChargeWindowList(Out):
    items: list[ChargeWindowOut]


class ChargingPointOut(Out):
    id: int
    name: str
    max_power_kw: float
    active: bool
    vehicle_ids: list[int]


class ChargingPointList(Out):
    items: list[ChargingPointOut]


class BlockoutOut(Slot):
    id: int
    vehicle_id: int
    reason: str


class BlockoutList(Out):
    items: list[BlockoutOut]


class BlockoutOutcome(Out):
    booking_id: int
    result: Literal["moved", "cancelled", "cancelled_instead"]
    vehicle_id: int | None = None


class BlockoutCreated(Out):
    blockout: BlockoutOut
    outcomes: list[BlockoutOutcome]


class UserOut(Out):
    id: int
    name: str
    email: str
    role: Literal["resident", "admin"]
    active: bool
    invited: bool = Field(description="Invited, has not set a password yet.")
    household_id: int | None
    language: str


class UserInvitedOut(UserOut):
    invitation_link: str | None = Field(
        description="The one-time link, only when the installation sends no e-mail (pass it on yourself).")


class UserPage(Out):
    items: list[UserOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


class HouseholdOut(Out):
    id: int
    name: str
    address: str
    members: int | None = None


class HouseholdList(Out):
    items: list[HouseholdOut]


class FieldProblem(Out):
    field: str | None = Field(default=None, description="Where: body.start, query.from, path.booking_id ... "
                                                         "(left out: the request as a whole).")
    code: str = Field(description="Machine-readable reason.")
    message: str


class AffectedBooking(Slot):
    booking_id: int
    in_use: bool
    free_vehicle_ids: list[int]


class ProblemOut(Out):
    """RFC 9457 problem details, with this API's extension members."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str | None = Field(None, description="Machine-readable cause of a 403 or 409.")
    errors: list[FieldProblem] | None = Field(None, description="422: every refused value.")
    reasons: list[Reason] | None = Field(None, description="409/422 on bookings: the same reasons the web pages give.")
    suggestions: list[Suggestion] | None = Field(None, description="409: bookable alternatives.")
    conflicts: list[SeriesConflict] | None = None
    affected: list[AffectedBooking] | None = None
