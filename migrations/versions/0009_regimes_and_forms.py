"""Applicability profile (regime settings) and the regimes a cycle opened under

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'regime_setting',
        sa.Column('regime_id', sa.String(length=40), nullable=False),
        sa.Column('applies', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('regime_id', name=op.f('pk_regime_setting')),
    )
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regimes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('regimes')
    op.drop_table('regime_setting')
