"""accounts: admin console: ban columns, search name and the indexes of the users list

Revision ID: e7a1d2c4b9f0
Revises: d7a41c9e2b10
Create Date: 2026-12-02 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a1d2c4b9f0'
down_revision = 'd7a41c9e2b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('banned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('banned_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ban_reason', sa.String(length=500), nullable=True))
    op.execute("UPDATE users SET search_name = lower(name)")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('search_name', server_default=None)
        batch_op.create_index('ix_users_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_users_search_name_id', ['search_name', 'id'], unique=False)
        batch_op.create_index('ix_users_site_role_created_at_id', ['site_role', 'created_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_users_banned_created_at_id',
            ['created_at', 'id', 'banned_until'],
            unique=False,
            sqlite_where=sa.text('banned_at IS NOT NULL'),
            postgresql_where=sa.text('banned_at IS NOT NULL'),
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_banned_created_at_id')
        batch_op.drop_index('ix_users_site_role_created_at_id')
        batch_op.drop_index('ix_users_search_name_id')
        batch_op.drop_index('ix_users_created_at_id')
        batch_op.drop_column('ban_reason')
        batch_op.drop_column('banned_until')
        batch_op.drop_column('banned_at')
        batch_op.drop_column('search_name')
