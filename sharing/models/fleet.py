"""Vehicles, charging points and maintenance blockouts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .site import Site
    from .user import User

VEHICLE_STATUSES = ("active", "maintenance", "retired")

#: Which cars may use which charging point; a point without rows serves every car of its site.
charging_point_vehicle = Table(
    "charging_point_vehicle",
    db.metadata,
    Column("charging_point_id", ForeignKey("charging_point.id", ondelete="CASCADE"), primary_key=True),
    Column("vehicle_id", ForeignKey("vehicle.id", ondelete="CASCADE"), primary_key=True),
)


class Vehicle(db.Model):
    """A shared electric car."""

    __tablename__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("site_id", "licence_plate"),
        CheckConstraint("soc_percent >= 0 AND soc_percent <= 100", name="soc_percent_range"),
        CheckConstraint("battery_kwh > 0", name="battery_positive"),
        CheckConstraint("consumption_kwh_per_100km > 0", name="consumption_positive"),
        CheckConstraint("max_charge_kw > 0", name="max_charge_positive"),
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    #: Friendly name residents use ("Die Blaue").
    name: Mapped[str] = mapped_column(String(80))
    licence_plate: Mapped[str] = mapped_column(String(20))
    #: Make and model ("VW ID.3 Pro").
    model: Mapped[str] = mapped_column(String(80))
    seats: Mapped[int] = mapped_column(Integer, default=5)
    battery_kwh: Mapped[float] = mapped_column(Float)
    consumption_kwh_per_100km: Mapped[float] = mapped_column(Float)
    #: Maximum AC charging power the car accepts.
    max_charge_kw: Mapped[float] = mapped_column(Float)
    soc_percent: Mapped[float] = mapped_column(Float, default=80.0)
    soc_updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    odometer_km: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(
        Enum(*VEHICLE_STATUSES, name="vehicle_status", native_enum=False, create_constraint=True, length=16),
        default="active",
    )
    #: Every booking of this car waits for an administrator's approval.
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    #: File name of the uploaded photo in the instance folder, if any.
    photo_filename: Mapped[Optional[str]] = mapped_column(String(120))
    #: Where the car is parked and how to get the key; shown to the booking's resident.
    handover_note: Mapped[str] = mapped_column(Text, default="")
    key_box_code: Mapped[Optional[str]] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()
    charging_points: Mapped[list[ChargingPoint]] = relationship(
        secondary=charging_point_vehicle, back_populates="vehicles"
    )

    @property
    def soc_kwh(self) -> float:
        return self.battery_kwh * self.soc_percent / 100.0

    @property
    def range_km(self) -> int:
        """Range with the current charge, in whole kilometres."""
        return int(self.soc_kwh / self.consumption_kwh_per_100km * 100)

    def __repr__(self) -> str:
        return f"<Vehicle {self.id} {self.name!r} {self.licence_plate}>"


class ChargingPoint(db.Model):
    """A wallbox or charging column on the site."""

    __tablename__ = "charging_point"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint("max_power_kw > 0", name="max_power_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    max_power_kw: Mapped[float] = mapped_column(Float, default=11.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Name of the charger driver ("simulated", later "ocpp").
    driver: Mapped[str] = mapped_column(String(32), default="simulated")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicles: Mapped[list[Vehicle]] = relationship(
        secondary=charging_point_vehicle, back_populates="charging_points"
    )


class Blockout(db.Model):
    """A time a car cannot be booked (maintenance, inspection, tyre change)."""

    __tablename__ = "blockout"
    __table_args__ = (CheckConstraint("end_at > start_at", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicle: Mapped[Vehicle] = relationship()
    created_by: Mapped[Optional[User]] = relationship()


db.Index("ix_blockout_vehicle_time", Blockout.vehicle_id, Blockout.start_at, Blockout.end_at)
