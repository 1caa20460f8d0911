"""tenants: each user's last active org per site, so a new sign-in starts in the org they last switched to

Keyed by site and the token's iss+sub; the org id is used again only while the user's orgs claim lists it.

Revision ID: d7c3a9e1f5b2
Revises: d1e5a9c3f7b2
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7c3a9e1f5b2'
down_revision = 'd1e5a9c3f7b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'last_active_orgs',
        sa.Column('site', sa.String(length=40), nullable=False),
        sa.Column('iss', sa.String(length=255), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('org_id', sa.String(length=255), nullable=False),
        sa.Column('switched_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('site', 'iss', 'sub'),
    )


def downgrade():
    op.drop_table('last_active_orgs')
