"""Bookings, recurring series and the waitlist."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .fleet import Vehicle
    from .site import Household
    from .user import User

BOOKING_STATUSES = (
    "pending",  # waits for an administrator's approval; holds the car
    "confirmed",
    "active",  # picked up
    "completed",
    "cancelled",
    "declined",
    "no_show",
)
#: Bookings in these states hold the car; the overlap guard applies to them only.
LIVE_STATUSES = ("pending", "confirmed", "active")


class Booking(db.Model):
    """A household's reservation of one car for a half-open interval [start_at, end_at)."""

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("blocked_until >= end_at", name="blocked_after_end"),
        CheckConstraint("distance_km >= 0", name="distance_not_negative"),
        CheckConstraint(
            "soc_start_percent IS NULL OR (soc_start_percent >= 0 AND soc_start_percent <= 100)",
            name="soc_start_range",
        ),
        CheckConstraint(
            "soc_end_percent IS NULL OR (soc_end_percent >= 0 AND soc_end_percent <= 100)",
            name="soc_end_range",
        ),
        CheckConstraint(
            "odometer_end_km IS NULL OR odometer_start_km IS NULL OR odometer_end_km >= odometer_start_km",
            name="odometer_monotonic",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="RESTRICT"))
    #: Who booked; None after the resident deleted their account (the booking stays, anonymised).
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="RESTRICT"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: end_at plus the site's handover buffer; the overlap guard compares [start_at, blocked_until).
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(
        Enum(*BOOKING_STATUSES, name="booking_status", native_enum=False, create_constraint=True, length=16),
        default="confirmed",
    )
    distance_km: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    series_id: Mapped[Optional[int]] = mapped_column(ForeignKey("recurring_series.id", ondelete="SET NULL"))
    #: iCalendar SEQUENCE: raised on every change the resident should see.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    cancel_reason: Mapped[Optional[str]] = mapped_column(String(300))
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    picked_up_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    returned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    odometer_start_km: Mapped[Optional[int]] = mapped_column(Integer)
    odometer_end_km: Mapped[Optional[int]] = mapped_column(Integer)
    soc_start_percent: Mapped[Optional[float]] = mapped_column(Float)
    soc_end_percent: Mapped[Optional[float]] = mapped_column(Float)
    plugged_in_on_return: Mapped[Optional[bool]] = mapped_column(Boolean)
    damage_note: Mapped[Optional[str]] = mapped_column(Text)
    return_photo_filename: Mapped[Optional[str]] = mapped_column(String(120))

    #: Set when something endangers this booking (late return before it, too little charge).
    at_risk_reason: Mapped[Optional[str]] = mapped_column(String(40))
    #: State of charge the charge plan expects at pickup, in percent.
    planned_soc_percent: Mapped[Optional[float]] = mapped_column(Float)

    vehicle: Mapped[Vehicle] = relationship()
    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    household: Mapped[Household] = relationship()
    series: Mapped[Optional[RecurringSeries]] = relationship(back_populates="bookings")

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Booking {self.id} car={self.vehicle_id} {self.start_at:%Y-%m-%d %H:%M}Z {self.status}>"


db.Index("ix_booking_vehicle_time", Booking.vehicle_id, Booking.start_at, Booking.blocked_until)

#: The same condition, literally, as in the partial index below: SQLite uses a partial index
#: only when the query repeats its WHERE term (bound parameters would not match).
LIVE_SQL = "status IN ('pending', 'confirmed', 'active')"

#: Live bookings only: history (completed, cancelled) never slows the conflict checks down.
db.Index("ix_booking_live_vehicle_start", Booking.vehicle_id, Booking.start_at, Booking.blocked_until,
         sqlite_where=text(LIVE_SQL), postgresql_where=text(LIVE_SQL))


def live_booking() -> ColumnElement[bool]:
    """WHERE term for live bookings that can use the partial indexes over live bookings.

    The statuses are written into the SQL itself, as the indexes' own WHERE terms are (SQLite uses a
    partial index only when the query repeats its term), and when the statement is compiled, so a
    cached statement needs no rendering per execution.
    """
    return Booking.status.in_([literal_column(f"'{status}'") for status in LIVE_STATUSES])


db.Index("ix_booking_household_time", Booking.household_id, Booking.start_at)
db.Index("ix_booking_live_household_end", Booking.household_id, Booking.end_at,
         sqlite_where=text("status IN ('pending', 'confirmed', 'active')"),
         postgresql_where=text("status IN ('pending', 'confirmed', 'active')"))
db.Index("ix_booking_status_start", Booking.status, Booking.start_at)


class RecurringSeries(db.Model):
    """A weekly repeating booking: the same local times on chosen weekdays until a date."""

    __tablename__ = "recurring_series"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE"))
    #: Weekdays as digits, Monday = 0 ("024" is Monday, Wednesday, Friday).
    weekdays: Mapped[str] = mapped_column(String(7))
    local_start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    first_date: Mapped[date] = mapped_column(Date)
    until_date: Mapped[date] = mapped_column(Date)
    distance_km: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bookings: Mapped[list[Booking]] = relationship(back_populates="series")


WAITLIST_STATUSES = ("waiting", "notified", "booked", "expired", "cancelled")


class WaitlistEntry(db.Model):
    """A refused request that wants to be told (or booked) when its slot frees up."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (CheckConstraint("end_at > start_at", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    distance_km: Mapped[int] = mapped_column(Integer, default=0)
    #: Book automatically when the slot frees up, instead of only telling the resident.
    auto_book: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(
        Enum(*WAITLIST_STATUSES, name="waitlist_status", native_enum=False, create_constraint=True, length=16),
        default="waiting",
    )
    booking_id: Mapped[Optional[int]] = mapped_column(ForeignKey("booking.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    vehicle: Mapped[Vehicle] = relationship()
    user: Mapped[User] = relationship()


db.Index("ix_waitlist_vehicle_status", WaitlistEntry.vehicle_id, WaitlistEntry.status, WaitlistEntry.start_at)
