"""tenants: todo writes made while an admin impersonates the user (RFC 8693 act)

Revision ID: c4a1d7e9b2f0
Revises: 87329db3abf3
Create Date: 2026-12-02 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a1d7e9b2f0'
down_revision = '87329db3abf3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('todo_actor_writes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=40), nullable=False),
    sa.Column('todo_id', sa.String(length=22), nullable=False),
    sa.Column('org_id', sa.String(length=255), nullable=False),
    sa.Column('subject_sub', sa.String(length=255), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('actor_sub', sa.String(length=255), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("action IN ('create', 'update', 'delete')", name=op.f('ck_todo_actor_writes_action')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_todo_actor_writes'))
    )
    with op.batch_alter_table('todo_actor_writes', schema=None) as batch_op:
        batch_op.create_index('ix_todo_actor_writes_site_todo_at', ['site', 'todo_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('todo_actor_writes', schema=None) as batch_op:
        batch_op.drop_index('ix_todo_actor_writes_site_todo_at')

    op.drop_table('todo_actor_writes')
