"""tenants: security events received (jti dedup, inspector list) and a per-user not-before for access tokens

Revision ID: d1e5a9c3f7b2
Revises: b5e8c1f4d2a6
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1e5a9c3f7b2'
down_revision = 'b5e8c1f4d2a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'received_security_events',
        sa.Column('jti', sa.String(length=255), nullable=False),
        sa.Column('site', sa.String(length=40), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('event', sa.String(length=255), nullable=False),
        sa.Column('summary', sa.String(length=255), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('jti', 'site', name=op.f('pk_received_security_events')),
    )
    with op.batch_alter_table('received_security_events', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_received_security_events_received_at'), ['received_at'], unique=False
        )
        batch_op.create_index('ix_received_security_events_site_sub', ['site', 'sub', 'received_at'], unique=False)
    op.create_table(
        'subject_not_before',
        sa.Column('site', sa.String(length=40), nullable=False),
        sa.Column('iss', sa.String(length=255), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('not_before', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('site', 'iss', 'sub', name=op.f('pk_subject_not_before')),
    )


def downgrade():
    op.drop_table('subject_not_before')
    with op.batch_alter_table('received_security_events', schema=None) as batch_op:
        batch_op.drop_index('ix_received_security_events_site_sub')
        batch_op.drop_index(batch_op.f('ix_received_security_events_received_at'))
    op.drop_table('received_security_events')
