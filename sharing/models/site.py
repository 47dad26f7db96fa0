"""A site is one neighbourhood; households and everything else belong to it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User


class Site(db.Model):
    """A neighbourhood with its own fleet, time zone, grid connection and booking rules."""

    __tablename__ = "site"
    __table_args__ = (
        CheckConstraint("grid_limit_kw > 0", name="grid_limit_positive"),
        CheckConstraint("grid_minutes > 0 AND 60 % grid_minutes = 0", name="grid_divides_hour"),
        CheckConstraint("min_duration_minutes > 0", name="min_duration_positive"),
        CheckConstraint("max_duration_minutes >= min_duration_minutes", name="max_ge_min_duration"),
        CheckConstraint("buffer_minutes >= 0", name="buffer_not_negative"),
        CheckConstraint("reserve_percent >= 0 AND reserve_percent <= 100", name="reserve_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: IANA zone name; rules and display use it, storage is always UTC.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    #: Power limit of the site's grid connection for all charging together.
    grid_limit_kw: Mapped[float] = mapped_column(Float, default=22.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Booking rules (defaults as agreed with the residents' associations).
    grid_minutes: Mapped[int] = mapped_column(Integer, default=15)
    min_duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_duration_minutes: Mapped[int] = mapped_column(Integer, default=72 * 60)
    max_advance_days: Mapped[int] = mapped_column(Integer, default=60)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=15)
    max_future_bookings: Mapped[int] = mapped_column(Integer, default=4)
    max_hours_per_7_days: Mapped[int] = mapped_column(Integer, default=30)
    #: Charge kept in reserve on top of the trip's energy, in percent of the battery.
    reserve_percent: Mapped[int] = mapped_column(Integer, default=10)
    #: Bookings longer than this need an administrator's approval (None: never).
    approval_threshold_hours: Mapped[Optional[int]] = mapped_column(Integer)
    no_show_grace_minutes: Mapped[int] = mapped_column(Integer, default=30)
    reminder_minutes_before: Mapped[int] = mapped_column(Integer, default=60)

    #: "flat", "time_of_use" or "series" (uploaded prices in TariffPrice).
    tariff_kind: Mapped[str] = mapped_column(String(16), default="flat")
    tariff_flat_eur_per_kwh: Mapped[float] = mapped_column(Float, default=0.32)
    #: Time-of-use table: [{"weekdays": [0..6], "from": "HH:MM", "to": "HH:MM", "eur_per_kwh": x}]
    tariff_table: Mapped[Optional[list]] = mapped_column(JSON)
    #: How the monthly cost is split between households: "km", "hours" or "mix".
    cost_split_mode: Mapped[str] = mapped_column(String(8), default="mix")
    #: Weight of kilometres in the "mix" split (hours get the rest).
    cost_split_km_weight: Mapped[float] = mapped_column(Float, default=0.5)
    #: Monthly fixed costs (insurance, leasing) split between households, in euro.
    monthly_fixed_costs_eur: Mapped[float] = mapped_column(Float, default=0.0)

    households: Mapped[list[Household]] = relationship(back_populates="site")

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name!r}>"


class Household(db.Model):
    """A household shares its quota of bookings; its members see each other's bookings."""

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Street address or unit ("Lindenweg 4, Whg. 2").
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship(back_populates="households")
    members: Mapped[list[User]] = relationship(back_populates="household")

    def __repr__(self) -> str:
        return f"<Household {self.id} {self.name!r}>"


class TariffPrice(db.Model):
    """One price of an uploaded tariff series, valid from `starts_at` to the next one."""

    __tablename__ = "tariff_price"
    __table_args__ = (UniqueConstraint("site_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    eur_per_kwh: Mapped[float] = mapped_column(Float)
