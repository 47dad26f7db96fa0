"""The database's own guarantee that no car is ever booked twice.

PostgreSQL: an exclusion constraint over [start_at, blocked_until) per vehicle on live
bookings (needs the btree_gist extension for the `vehicle_id WITH =` part).
SQLite: triggers that abort an insert or update overlapping a live booking; writers
are serialised by BEGIN IMMEDIATE, so the trigger's check cannot be raced.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LIVE = "('pending', 'confirmed', 'active')"

SQLITE_OVERLAP = f"""
    NEW.status IN {LIVE} AND EXISTS (
        SELECT 1 FROM booking AS other
        WHERE other.vehicle_id = NEW.vehicle_id
          AND other.id IS NOT NEW.id
          AND other.status IN {LIVE}
          AND other.start_at < NEW.blocked_until
          AND NEW.start_at < other.blocked_until
    )
"""


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            f"""
            ALTER TABLE booking ADD CONSTRAINT booking_no_overlap
            EXCLUDE USING gist (vehicle_id WITH =, tstzrange(start_at, blocked_until, '[)') WITH &&)
            WHERE (status IN {LIVE})
            """
        )
    elif bind.dialect.name == "sqlite":
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"""
                CREATE TRIGGER booking_no_overlap_{event.lower()}
                BEFORE {event} ON booking
                FOR EACH ROW WHEN {SQLITE_OVERLAP}
                BEGIN
                    SELECT RAISE(ABORT, 'booking_no_overlap');
                END
                """
            )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE booking DROP CONSTRAINT IF EXISTS booking_no_overlap")
    elif bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS booking_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS booking_no_overlap_update")
