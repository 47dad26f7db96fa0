"""The ORM models, one module per aggregate; importing this package registers them all."""

from .audit import AuditEvent
from .booking import BOOKING_STATUSES, LIVE_STATUSES, Booking, RecurringSeries, WaitlistEntry, live_booking
from .charging import ChargeWindow
from .fleet import Blockout, ChargingPoint, Vehicle, charging_point_vehicle
from .ops import JobLedger, OutboxMessage, SchedulerLease
from .site import Household, Site, TariffPrice
from .types import UTCDateTime, utcnow
from .user import ApiToken, OneTimeToken, User

__all__ = [
    "BOOKING_STATUSES",
    "LIVE_STATUSES",
    "ApiToken",
    "AuditEvent",
    "Blockout",
    "Booking",
    "ChargeWindow",
    "ChargingPoint",
    "Household",
    "JobLedger",
    "OneTimeToken",
    "OutboxMessage",
    "RecurringSeries",
    "SchedulerLease",
    "Site",
    "TariffPrice",
    "UTCDateTime",
    "User",
    "Vehicle",
    "WaitlistEntry",
    "charging_point_vehicle",
    "live_booking",
    "utcnow",
]
