"""Session versions, stash owners, attendance times, cycle close times, audit head MAC

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('training_at_close', sa.JSON(), nullable=True))
    with op.batch_alter_table('answer_stash', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('session_attendee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marked_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('mac')
    with op.batch_alter_table('session_attendee', schema=None) as batch_op:
        batch_op.drop_column('marked_at')
    with op.batch_alter_table('answer_stash', schema=None) as batch_op:
        batch_op.drop_column('account_id')
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('training_at_close')
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
