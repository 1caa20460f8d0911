"""accounts: index oauth_codes on (client_id, nonce) for the nonce replay check

Revision ID: a4c7e9b1d3f5
Revises: c6f1a9d3e5b2
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4c7e9b1d3f5'
down_revision = 'c6f1a9d3e5b2'
branch_labels = None
depends_on = None


def upgrade():
    # Every authorization request asks "did this client send this nonce before?": with client_id alone it
    # read every unpurged code of the client. The composite index also serves client_id-only lookups.
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.create_index('ix_oauth_codes_client_id_nonce', ['client_id', 'nonce'], unique=False)
        batch_op.drop_index('ix_oauth_codes_client_id')


def downgrade():
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.create_index('ix_oauth_codes_client_id', ['client_id'], unique=False)
        batch_op.drop_index('ix_oauth_codes_client_id_nonce')
