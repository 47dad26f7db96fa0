"""Mails about a booking are queued as a template and the booking's id, and written when sent.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("template", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("context", sa.JSON(), nullable=True))
        batch.alter_column("subject", existing_type=sa.String(length=200), nullable=True)
        batch.alter_column("body_text", existing_type=sa.Text(), nullable=True)


def downgrade():
    # Mails still to be written cannot be kept without their text.
    op.execute("DELETE FROM outbox_message WHERE body_text IS NULL")
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column("body_text", existing_type=sa.Text(), nullable=False)
        batch.alter_column("subject", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("context")
        batch.drop_column("template")
