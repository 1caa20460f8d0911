"""tenants: todo lists walk shared todos by (org, visibility) instead of the org alone

The index of the org alone let PostgreSQL, before its first ANALYZE, answer "mine" by walking the
whole org newest first and filtering; every list now fixes all columns of its index before created_at.

Revision ID: a9d2e6f1c3b7
Revises: f3b8c2d1a7e4
Create Date: 2026-12-03 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d2e6f1c3b7'
down_revision = 'f3b8c2d1a7e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('todos', schema=None) as batch_op:
        batch_op.create_index('ix_todos_site_iss_org_visibility_created', ['site', 'iss', 'org_id', 'visibility', 'created_at', 'id'], unique=False)
        batch_op.drop_index('ix_todos_site_iss_org_created')


def downgrade():
    with op.batch_alter_table('todos', schema=None) as batch_op:
        batch_op.create_index('ix_todos_site_iss_org_created', ['site', 'iss', 'org_id', 'created_at', 'id'], unique=False)
        batch_op.drop_index('ix_todos_site_iss_org_visibility_created')
