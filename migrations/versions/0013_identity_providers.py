"""Single sign-on: an organisation's OpenID Connect provider

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'identity_provider',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        # Encrypted with a key derived from SECRET_KEY: never the secret itself.
        sa.Column('client_secret_encrypted', sa.Text(), nullable=False),
        sa.Column('label', sa.String(length=100), server_default='', nullable=False),
        sa.Column('sso_only', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('create_unknown', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['organisation_id'], ['organisation.id'],
            name=op.f('fk_identity_provider_organisation_id_organisation'),
        ),
        sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_identity_provider')),
    )


def downgrade():
    op.drop_table('identity_provider')
