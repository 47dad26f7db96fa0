"""Planned and running charge windows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, CheckConstraint, Enum, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .fleet import ChargingPoint, Vehicle

WINDOW_STATUSES = ("planned", "running", "done", "cancelled")


class ChargeWindow(db.Model):
    """A period in which one car charges at one charging point, with the planned power per slot."""

    __tablename__ = "charge_window"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("energy_kwh >= 0", name="energy_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE"), index=True)
    charging_point_id: Mapped[int] = mapped_column(ForeignKey("charging_point.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Planned grid-side power per slot of the site's slot length, in kW.
    power_kw: Mapped[list] = mapped_column(JSON, default=list)
    slot_minutes: Mapped[int] = mapped_column(default=15)
    #: Energy drawn from the grid as planned.
    energy_kwh: Mapped[float] = mapped_column(Float, default=0.0)
    cost_eur: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(
        Enum(*WINDOW_STATUSES, name="window_status", native_enum=False, create_constraint=True, length=16),
        default="planned",
    )
    #: Identifies the plan run that produced the window.
    plan_key: Mapped[str] = mapped_column(String(40), default="")
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    stopped_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    energy_delivered_kwh: Mapped[Optional[float]] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicle: Mapped[Vehicle] = relationship()
    charging_point: Mapped[ChargingPoint] = relationship()


db.Index("ix_charge_window_site_time", ChargeWindow.site_id, ChargeWindow.start_at)
