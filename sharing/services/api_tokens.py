"""Personal access tokens for the JSON API: issued once, stored only as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from ..database import begin_write, commit_keeping_loaded
from ..models import ApiToken, User, utcnow
from ..models.types import can_be_id
from . import audit
from .admin_errors import refuse

SCOPES = ("read", "book", "admin")
#: Tokens start with this marker so that secret scanners and people recognise them.
TOKEN_MARKER = "qa_"
MAX_TOKENS_PER_USER = 20
#: last_used_at is written at most this often per token (no write on every request).
TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the stored row and the secret, which is shown once and never again."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_scopes(scopes: list[str] | tuple[str, ...] | set[str], user: User) -> str:
    """The requested scopes as stored ("read book"); read is always included, admin only for administrators."""
    wanted = set(scopes) | {"read"}
    unknown = wanted - set(SCOPES)
    if unknown:
        raise refuse("scopes", "unknown_choice")
    if "admin" in wanted and not user.is_admin:
        raise refuse("scopes", "admin_scope_for_admins")
    return " ".join(s for s in SCOPES if s in wanted)


def create_token(session: Session, user: User, *, name: str, scopes: list[str] | tuple[str, ...] | set[str],
                 actor: User | None = None) -> IssuedToken:
    """Issue a token for the user; the secret is returned once. Commits."""
    name = (name or "").strip()
    if not name:
        raise refuse("name", "required")
    if len(name) > 80:
        raise refuse("name", "too_long")
    stored_scopes = normalise_scopes(scopes, user)
    if len(tokens_of(session, user)) >= MAX_TOKENS_PER_USER:
        raise refuse(None, "too_many_tokens")
    secret = TOKEN_MARKER + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret), prefix=secret[:10],
                     scopes=stored_scopes, created_at=utcnow())
    session.add(token)
    session.flush()
    audit.record(session, actor=actor or user, action="api_token.create", obj=token,
                 after={"name": name, "scopes": stored_scopes, "prefix": token.prefix})
    session.commit()
    return IssuedToken(token, secret)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False if there is no such working token. Commits."""
    token = session.get(ApiToken, token_id) if can_be_id(token_id) else None
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(session, actor=user, action="api_token.revoke", obj=token, before={"prefix": token.prefix})
    session.commit()
    return True


#: A token with its user and the user's site (every API request needs all three): one query, built once.
_TOKEN_BY_HASH = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
                  .options(joinedload(ApiToken.user).joinedload(User.site)))


def authenticate(session: Session, secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The working token for a secret, with an active user; None otherwise. Notes when it was last used."""
    if not secret.startswith(TOKEN_MARKER) or len(secret) > 100:
        return None
    token = session.scalar(_TOKEN_BY_HASH, {"token_hash": hash_token(secret)})
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        _note_use(session, token, now)
    return token


def _note_use(session: Session, token: ApiToken, now: datetime) -> None:
    """Write when the token was last used, in a short write transaction of its own.

    Reading requests begin as readers, and on SQLite a reader cannot start writing while another
    connection writes (it fails at once, whatever the busy timeout): the read so far is ended and
    the write begins as a writer, which waits its turn. The request goes on with the token, its
    user and site still loaded.
    """
    commit_keeping_loaded(session)
    begin_write(session)
    token.last_used_at = now
    commit_keeping_loaded(session)
