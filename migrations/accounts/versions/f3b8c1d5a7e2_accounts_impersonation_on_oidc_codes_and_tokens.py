"""accounts: impersonation on OIDC codes and tokens (RFC 8693 act: actor, reason, end)

Revision ID: f3b8c1d5a7e2
Revises: e7a1d2c4b9f0
Create Date: 2026-12-02 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b8c1d5a7e2'
down_revision = 'e7a1d2c4b9f0'
branch_labels = None
depends_on = None

TABLES = ('oauth_codes', 'oauth_tokens')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('impersonation_reason', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('impersonation_expires_at', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_actor_id'), ['actor_id'], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_actor_id_users'), 'users', ['actor_id'], ['id'], ondelete='CASCADE'
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_actor_id_users'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_actor_id'))
            batch_op.drop_column('impersonation_expires_at')
            batch_op.drop_column('impersonation_reason')
            batch_op.drop_column('actor_id')
