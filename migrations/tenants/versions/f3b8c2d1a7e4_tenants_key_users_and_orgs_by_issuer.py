"""tenants: key users and orgs by issuer too (iss + sub, iss + org id; OIDC Core §5.7)

Existing rows came from the issuer each site is configured with (tenants/<site>.toml or
SITE_ISSUER in the environment), so that is the iss they get.

Revision ID: f3b8c2d1a7e4
Revises: c4a1d7e9b2f0
Create Date: 2026-12-02 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from tenants.site.settings import TenantConfigError, load_settings


# revision identifiers, used by Alembic.
revision = 'f3b8c2d1a7e4'
down_revision = 'c4a1d7e9b2f0'
branch_labels = None
depends_on = None

TABLES = ('todos', 'todo_actor_writes', 'token_sets', 'tenant_sessions')


def _issuer_of(site):
    """The issuer a site is configured with; a site without a tenant file takes this app's."""
    try:
        return load_settings(site).issuer
    except TenantConfigError:
        return current_app.config['TENANT'].issuer


def _fill_iss(table):
    conn = op.get_bind()
    rows = sa.table(table, sa.column('site', sa.String), sa.column('iss', sa.String))
    for (site,) in conn.execute(sa.select(rows.c.site).distinct()).all():
        conn.execute(rows.update().where(rows.c.site == site).values(iss=_issuer_of(site)))


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('iss', sa.String(length=255), nullable=True))
        _fill_iss(table)

    with op.batch_alter_table('todos', schema=None) as batch_op:
        batch_op.alter_column('iss', existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_index('ix_todos_site_org_created')
        batch_op.drop_index('ix_todos_site_org_author_created')
        batch_op.create_index('ix_todos_site_iss_org_created', ['site', 'iss', 'org_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_todos_site_iss_org_author_created', ['site', 'iss', 'org_id', 'author_sub', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('todo_actor_writes', schema=None) as batch_op:
        batch_op.alter_column('iss', existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_index('ix_todo_actor_writes_site_todo_at')
        batch_op.create_index('ix_todo_actor_writes_site_iss_todo_at', ['site', 'iss', 'todo_id', 'at'], unique=False)
    with op.batch_alter_table('token_sets', schema=None) as batch_op:
        batch_op.alter_column('iss', existing_type=sa.String(length=255), nullable=False)


def downgrade():
    with op.batch_alter_table('todo_actor_writes', schema=None) as batch_op:
        batch_op.drop_index('ix_todo_actor_writes_site_iss_todo_at')
        batch_op.create_index('ix_todo_actor_writes_site_todo_at', ['site', 'todo_id', 'at'], unique=False)
    with op.batch_alter_table('todos', schema=None) as batch_op:
        batch_op.drop_index('ix_todos_site_iss_org_author_created')
        batch_op.drop_index('ix_todos_site_iss_org_created')
        batch_op.create_index('ix_todos_site_org_author_created', ['site', 'org_id', 'author_sub', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_todos_site_org_created', ['site', 'org_id', 'created_at', 'id'], unique=False)
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('iss')
