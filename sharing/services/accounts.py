"""Accounts: logging in, invitations, password resets, the first administrator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import OneTimeToken, Site, User, utcnow
from ..security.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from ..security.secrets import new_secret, secret_hash
from . import audit


class AccountError(Exception):
    """A refused account operation; `code` says why, for a message in the user's language."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code = code
        self.field = field


def normalize_email(raw: str) -> str:
    """The address as stored: trimmed and lower-case (so uniqueness ignores case)."""
    return raw.strip().lower()


def check_email(raw: str) -> str:
    """A syntactically valid, normalised address, or AccountError('email_invalid')."""
    try:
        validated = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError("email_invalid", field="email") from exc
    return normalize_email(validated.normalized)


def check_password_strength(password: str, *, email: str = "") -> None:
    """Refuse passwords that are too short or equal to the e-mail address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short", field="password")
    if email and password.strip().lower() == email.lower():
        raise AccountError("password_is_email", field="password")


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this address (any case), or None."""
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(session: Session, email: str, password: str) -> User:
    """The user whose credentials these are; AccountError('invalid_credentials'|'inactive').

    Unknown addresses and wrong passwords get the same answer in the same time; an
    inactive account is only named as such to someone who knows its password.
    """
    user = user_by_email(session, email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok:
        raise AccountError("invalid_credentials")
    if not user.is_active:
        raise AccountError("inactive")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.commit()
    return user


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued one-time secret (only shown once) and its user."""

    user: User
    secret: str
    purpose: str


def _issue_token(session: Session, user: User, purpose: str, valid_for: timedelta) -> IssuedToken:
    # A new link makes the older links of the same purpose worthless.
    session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    secret = new_secret()
    session.add(
        OneTimeToken(user=user, purpose=purpose, token_hash=secret_hash(secret), expires_at=utcnow() + valid_for)
    )
    return IssuedToken(user=user, secret=secret, purpose=purpose)


def _redeemable_token(session: Session, secret: str, purpose: str) -> OneTimeToken:
    token = session.scalar(
        select(OneTimeToken).where(OneTimeToken.token_hash == secret_hash(secret), OneTimeToken.purpose == purpose)
    )
    if token is None:
        raise AccountError("token_invalid")
    if token.used_at is not None:
        raise AccountError("token_used")
    if token.expires_at <= utcnow():
        raise AccountError("token_expired")
    if not token.user.active or token.user.deleted_at is not None:
        raise AccountError("inactive")
    return token


def check_token(session: Session, secret: str, purpose: str) -> User:
    """The user a still-valid one-time link belongs to (without using it up)."""
    return _redeemable_token(session, secret, purpose).user


def invite_user(
    session: Session,
    actor: User,
    *,
    email: str,
    name: str,
    household_id: int | None,
    role: str = "resident",
    language: str = "de",
    valid_for: timedelta,
) -> IssuedToken:
    """Create an invited (password-less) account on the actor's site; returns its link secret."""
    address = check_email(email)
    if user_by_email(session, address) is not None:
        raise AccountError("email_taken", field="email")
    user = User(
        site_id=actor.site_id,
        household_id=household_id,
        email=address,
        name=name.strip(),
        role=role,
        language=language,
    )
    session.add(user)
    session.flush()
    issued = _issue_token(session, user, "invitation", valid_for)
    audit.record(session, actor=actor, action="user.invite", obj=user,
                 after={"email": address, "name": user.name, "role": role, "household_id": household_id})
    return issued


def reissue_invitation(session: Session, actor: User, user: User, *, valid_for: timedelta) -> IssuedToken:
    """A new invitation link for a user who has not set a password yet."""
    if user.password_hash is not None:
        raise AccountError("already_registered")
    issued = _issue_token(session, user, "invitation", valid_for)
    audit.record(session, actor=actor, action="user.reinvite", obj=user)
    return issued


def accept_invitation(session: Session, secret: str, password: str) -> User:
    """Set the invited user's password; the link is used up. Commits."""
    token = _redeemable_token(session, secret, "invitation")
    check_password_strength(password, email=token.user.email)
    token.used_at = utcnow()
    token.user.password_hash = hash_password(password)
    audit.record(session, actor=token.user, action="user.accept_invitation", obj=token.user)
    session.commit()
    return token.user


def request_password_reset(session: Session, email: str, *, valid_for: timedelta) -> IssuedToken | None:
    """A reset link for an active account with this address, or None (the caller says the same either way)."""
    user = user_by_email(session, email)
    if user is None or not user.is_active:
        # Same work as the real path, so the answer does not come measurably faster.
        secret_hash(new_secret())
        return None
    return _issue_token(session, user, "password_reset", valid_for)


def reset_password(session: Session, secret: str, password: str) -> User:
    """Set a new password through a reset link; every other session ends. Commits."""
    token = _redeemable_token(session, secret, "password_reset")
    check_password_strength(password, email=token.user.email)
    token.used_at = utcnow()
    _set_password(token.user, password)
    audit.record(session, actor=token.user, action="user.reset_password", obj=token.user)
    session.commit()
    return token.user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the own password after checking the current one; other sessions end. Commits."""
    if not verify_password(user.password_hash, current):
        raise AccountError("wrong_current_password", field="current_password")
    check_password_strength(new, email=user.email)
    _set_password(user, new)
    audit.record(session, actor=user, action="user.change_password", obj=user)
    session.commit()


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1


def default_site(session: Session, *, name: str, timezone: str) -> Site:
    """The site of that name, created if it does not exist yet."""
    site = session.scalar(select(Site).where(Site.name == name))
    if site is None:
        site = Site(name=name, timezone=timezone)
        session.add(site)
        session.flush()
    return site


def create_admin(session: Session, *, email: str, password: str, name: str, site: Site) -> User:
    """Create (or promote and reset) an administrator from the command line. Commits."""
    address = check_email(email)
    check_password_strength(password, email=address)
    user = user_by_email(session, address)
    if user is None:
        user = User(site_id=site.id, email=address, name=name or address.split("@")[0], role="admin")
        session.add(user)
    user.role = "admin"
    user.active = True
    _set_password(user, password)
    session.flush()
    audit.record(session, actor=None, action="user.create_admin", obj=user, after={"email": address})
    session.commit()
    return user
