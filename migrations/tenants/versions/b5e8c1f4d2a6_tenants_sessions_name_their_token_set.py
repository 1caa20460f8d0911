"""tenants: a session row names its token set in a column, so both are read in one SELECT

Sessions from before keep their token set id in the data only; they read it by a second SELECT
until their next write fills the column.

Revision ID: b5e8c1f4d2a6
Revises: a9d2e6f1c3b7
Create Date: 2026-12-03 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e8c1f4d2a6'
down_revision = 'a9d2e6f1c3b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenant_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_set_id', sa.String(length=43), nullable=True))


def downgrade():
    with op.batch_alter_table('tenant_sessions', schema=None) as batch_op:
        batch_op.drop_column('token_set_id')
