"""Indexes for reading one cycle id across organisations (peer benchmarks)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index(
            'ix_response_cycle_id_organisation_id', ['cycle_id', 'organisation_id'], unique=False
        )
    with op.batch_alter_table('fact_value', schema=None) as batch_op:
        batch_op.create_index(
            'ix_fact_value_cycle_id_organisation_id', ['cycle_id', 'organisation_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('fact_value', schema=None) as batch_op:
        batch_op.drop_index('ix_fact_value_cycle_id_organisation_id')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_cycle_id_organisation_id')
