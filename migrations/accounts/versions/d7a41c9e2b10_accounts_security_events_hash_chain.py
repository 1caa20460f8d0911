"""accounts: security events become a hash chain (seq, prev/entry hash), no foreign keys, subject/org/impersonator

Revision ID: d7a41c9e2b10
Revises: c33124a41ae8
Create Date: 2026-12-02 11:40:00.000000

"""

from alembic import op
import sqlalchemy as sa

from accounts.audit.chain import GENESIS, digest


# revision identifiers, used by Alembic.
revision = "d7a41c9e2b10"
down_revision = "c33124a41ae8"
branch_labels = None
depends_on = None

OLD_INDEXES = ("actor_id", "created_at", "event_type")
NEW_INDEXES = ("actor_id", "created_at", "event_type", "impersonator_id", "org_id", "subject_id")


def _old_columns():
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    ]


def upgrade():
    # Rebuilt rather than altered: existing rows are chained in id order, and the old foreign key
    # (which made the database rewrite actor_id on user deletion) goes away.
    conn = op.get_bind()
    old = sa.table("security_events", *_old_columns())
    rows = conn.execute(sa.select(old).order_by(old.c.id)).all()
    op.drop_table("security_events")
    events = op.create_table(
        "security_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("impersonator_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_security_events_prev_hash")),
        sa.UniqueConstraint("seq", name=op.f("uq_security_events_seq")),
    )
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        for column in NEW_INDEXES:
            batch_op.create_index(f"ix_security_events_{column}", [column], unique=False)
    prev = GENESIS
    for seq, row in enumerate(rows, start=1):
        fields = {
            "seq": seq,
            "event_type": row.event_type,
            "actor_id": row.actor_id,
            "impersonator_id": None,
            "subject_id": None,
            "org_id": None,
            "ip": row.ip,
            "user_agent": row.user_agent,
            "created_at": row.created_at,
            "details": row.details or {},
            "prev_hash": prev,
        }
        prev = digest(fields)
        conn.execute(events.insert().values(id=row.id, entry_hash=prev, **fields))
    if rows and conn.dialect.name == "postgresql":
        # Rows kept their old ids: move the id sequence past them.
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('security_events', 'id'), (SELECT MAX(id) FROM security_events))"
            )
        )


def downgrade():
    conn = op.get_bind()
    new = sa.table("security_events", *_old_columns())
    users = sa.table("users", sa.column("id", sa.Integer()))
    existing = set(conn.execute(sa.select(users.c.id)).scalars())
    rows = conn.execute(sa.select(new).order_by(new.c.id)).all()
    op.drop_table("security_events")
    old = op.create_table(
        "security_events",
        *_old_columns(),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_security_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        for column in OLD_INDEXES:
            batch_op.create_index(f"ix_security_events_{column}", [column], unique=False)
    for row in rows:
        # The old table's foreign key needs actors that still exist.
        values = {**row._asdict(), "actor_id": row.actor_id if row.actor_id in existing else None}
        conn.execute(old.insert().values(**values))
    if rows and conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('security_events', 'id'), (SELECT MAX(id) FROM security_events))"
            )
        )
