"""Inviting many residents from a CSV file: check every row first, then invite the good ones in one go.

Nothing is stored until the administrator has seen the checked rows. The invitations of one upload
form a batch, recorded as one audit event whose id the progress page follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.csv_text import numbered_rows
from ..models import AuditEvent, OutboxMessage, User
from . import accounts, audit
from .accounts import AccountError, IssuedToken
from .households import create_household, find_by_name

MAX_ROWS = 1000
_HEADERS = {
    "name": ("name", "vorname nachname", "full name", "person"),
    "email": ("email", "e-mail", "mail", "e-mail-adresse", "email address", "e-mail address", "emailadresse"),
    "household": ("household", "haushalt", "wohnung", "unit"),
    "language": ("language", "sprache", "lang"),
}


@dataclass
class InviteRow:
    """One person from the file, with the problems found (empty: the row can be invited)."""

    line: int
    name: str
    email: str
    household: str
    language: str = "de"
    problems: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    new_household: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def _column_map(header: list[str]) -> dict[str, int] | None:
    names = [h.strip().lower() for h in header]
    found = {key: next((i for i, n in enumerate(names) if n in aliases), None) for key, aliases in _HEADERS.items()}
    if found["name"] is None or found["email"] is None:
        return None
    return {k: v for k, v in found.items() if v is not None}


def parse_rows(text: str) -> tuple[list[InviteRow], str | None]:
    """The rows of the file (columns name, e-mail, household[, language], header optional), or a file error."""
    rows = numbered_rows(text)
    if not rows:
        return [], "file_empty"
    columns = _column_map(rows[0][1])
    if columns is None:
        if len(rows[0][1]) < 3 or "@" not in rows[0][1][1]:
            return [], "header_unknown"
        columns = {"name": 0, "email": 1, "household": 2, "language": 3}
    else:
        rows = rows[1:]
    if len(rows) > MAX_ROWS:
        return [], "too_many_rows"

    def cell(cells: list[str], key: str) -> str:
        i = columns.get(key)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    return [InviteRow(line, cell(cells, "name"), cell(cells, "email"), cell(cells, "household"),
                      cell(cells, "language").lower() or "de") for line, cells in rows], None


def check_rows(session: Session, site_id: int, rows: list[InviteRow]) -> list[InviteRow]:
    """Mark every problem of every row: missing or too long values, bad or taken addresses, repeats."""
    addresses = [r.email.strip().lower() for r in rows if r.email]
    taken = set(session.scalars(select(User.email).where(User.email.in_(addresses or [""]))))
    first_line: dict[str, int] = {}
    known: dict[str, bool] = {}
    for row in rows:
        row.problems.clear()
        if not row.name:
            row.problems.append("name_missing")
        elif len(row.name) > 120:
            row.problems.append("name_too_long")
        row.email = _checked_email(row)
        if row.email in taken:
            row.problems.append("email_taken")
        elif row.email and row.email in first_line:
            row.problems.append("email_repeated")
            row.duplicate_of = first_line[row.email]
        elif row.email:
            first_line[row.email] = row.line
        if not row.household:
            row.problems.append("household_missing")
        elif len(row.household) > 120:
            row.problems.append("household_too_long")
        else:
            key = row.household.lower()
            if key not in known:
                known[key] = find_by_name(session, site_id, row.household) is not None
            row.new_household = not known[key]
        if row.language not in ("de", "en"):
            row.problems.append("language_unknown")
    return rows


def _checked_email(row: InviteRow) -> str:
    if not row.email:
        row.problems.append("email_missing")
        return ""
    try:
        return validate_email(row.email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        row.problems.append("email_invalid")
        return row.email


def invite_rows(session: Session, admin: User, rows: list[InviteRow], *, valid_for: timedelta,
                send: Callable[[IssuedToken], object]) -> AuditEvent:
    """Create households and invitations for the good rows and queue the mails; the batch event. Commits."""
    households: dict[str, int] = {}
    invited: list[int] = []
    skipped = [r.line for r in rows if not r.ok]
    for row in (r for r in rows if r.ok):
        key = row.household.lower()
        if key not in households:
            existing = find_by_name(session, admin.site_id, row.household)
            households[key] = (existing or create_household(session, admin, name=row.household, commit=False)).id
        try:
            issued = accounts.invite_user(session, admin, email=row.email, name=row.name,
                                          household_id=households[key], language=row.language, valid_for=valid_for)
        except AccountError:  # taken since the preview
            skipped.append(row.line)
            continue
        send(issued)
        invited.append(issued.user.id)
    batch_id = audit.record(session, actor=admin, action="user.bulk_invite", object_type="invitation_batch",
                            site_id=admin.site_id, after={"user_ids": invited, "skipped_lines": sorted(skipped)})
    session.commit()
    return session.get(AuditEvent, batch_id)


@dataclass(frozen=True)
class BatchProgress:
    """How far the invitation mails of a batch have got."""

    people: list[tuple[User, str]]  # (person, "sent" | "pending" | "failed")

    @property
    def total(self) -> int:
        return len(self.people)

    def count(self, state: str) -> int:
        return sum(1 for _, s in self.people if s == state)

    @property
    def done(self) -> bool:
        return self.count("pending") == 0


def batch_progress(session: Session, batch: AuditEvent) -> BatchProgress:
    """Each invited person of the batch with the state of their newest invitation mail (two queries)."""
    ids = (batch.after or {}).get("user_ids", [])
    people = list(session.scalars(select(User).where(User.id.in_(ids or [-1])).order_by(func.lower(User.name))))
    since: datetime = batch.created_at - timedelta(seconds=5)
    states: dict[str, str] = {}
    for address, status in session.execute(
            select(OutboxMessage.to_address, OutboxMessage.status)
            .where(OutboxMessage.to_address.in_([p.email for p in people] or [""]), OutboxMessage.created_at >= since)
            .order_by(OutboxMessage.id)):
        states[address] = status
    return BatchProgress([(p, states.get(p.email, "sent")) for p in people])
