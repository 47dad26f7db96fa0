"""Users, their one-time links and their API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .site import Household, Site

ROLES = ("resident", "admin")
LANGUAGES = ("de", "en")


def new_calendar_token() -> str:
    """A fresh secret for the calendar feed URL."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A resident or an administrator of one site."""

    __tablename__ = "user_account"
    __table_args__ = (
        # Addresses are stored lower-case, so the unique constraint is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    #: Administrators of the housing company may have no household.
    household_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("household.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: argon2 hash; None until the invitation has been accepted.
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(
        Enum(*ROLES, name="user_role", native_enum=False, create_constraint=True, length=16),
        default="resident",
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(
        Enum(*LANGUAGES, name="user_language", native_enum=False, create_constraint=True, length=8),
        default="de",
    )
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    #: Whether the next/previous driver may see name and phone for the handover.
    share_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Raised on logout-everywhere, password change and deactivation: older sessions die.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_calendar_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: Set when the account was deleted at the resident's request (GDPR): data anonymised.
    deleted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    household: Mapped[Optional[Household]] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:  # Flask-Login asks this before logging in
        return self.active and self.deleted_at is None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        """Session identity: id plus session version, so a raised version logs old sessions out."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"


TOKEN_PURPOSES = ("invitation", "password_reset")


class OneTimeToken(db.Model):
    """A one-time link (invitation or password reset); only a hash of the secret is stored."""

    __tablename__ = "one_time_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(
        Enum(*TOKEN_PURPOSES, name="token_purpose", native_enum=False, create_constraint=True, length=20)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A personal access token for the JSON API; only its SHA-256 hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: First characters of the token, shown so the user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    #: Space-separated subset of "read book admin".
    scopes: Mapped[str] = mapped_column(String(64), default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
