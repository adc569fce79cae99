"""Evidence links and attached files on fact values

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fact_value', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_url', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('attachment_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('attachment_size', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('fact_value', schema=None) as batch_op:
        batch_op.drop_column('attachment_size')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_name')
        batch_op.drop_column('attachment_sha256')
        batch_op.drop_column('evidence_url')
